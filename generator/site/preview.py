"""The live preview (`factsheet serve`, or `mkdocs serve`): what the MkDocs hook adds while it serves.

Only while serving, never in `factsheet build` or the bundles (which run MkDocs without the hook):
- a failed check does not stop the preview: the hook keeps the last good pages and writes the problems
  into the served site (`PROBLEMS`), and the preview's script shows them in a banner on every page; the
  next good rebuild empties the file and the banner goes;
- on a source page, the script turns a selection in the article into a ready citation to copy (the
  page names its source in a `<meta>` element, `source_meta`);
- MkDocs' warning about dirty builds, printed on every rebuild, is dropped (`DirtyBuildFilter`);
- an edit shows fast (issue 18: at most a second on the real fact sheet): the watched folders report
  changes through the OS's file events instead of MkDocs' polling every 0.5 s (`watch_with_events`), the
  theme's Jinja2 environment is kept from one rebuild to the next (`WarmTheme`), and a dirty rebuild
  removes what a full one would no longer write (`stale_outputs`), so the served site is a full build's.

The script and its style sheet are `templates/preview/` (a fact sheet's own, else the default ones), copied
into the served site under `ASSETS`.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import re
import sysconfig
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from generator.diagnostics import Diagnostic
from generator.pages.context import page_origin
from generator.report import as_records
from generator.resources import template_names

ASSETS = "assets/preview"  # in the served site: the script, its style sheet and the problems
FILES = ("preview.js", "preview.css")  # in templates/preview/
PROBLEMS = "problems.json"

# The one MkDocs warning the preview drops. `factsheet serve` builds "dirty" on purpose: the generator
# rewrites only the pages whose Markdown changed and the navigation is fixed, so nothing goes stale.
DIRTY_BUILD_LOGGER = "mkdocs.commands.build"
DIRTY_BUILD_WARNING = "A 'dirty' build is being performed"


class DirtyBuildFilter(logging.Filter):
    """Drops MkDocs' "A 'dirty' build is being performed..." warning; lets every other record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(DIRTY_BUILD_WARNING)


def quiet_dirty_builds() -> None:
    """Install DirtyBuildFilter on MkDocs' build logger (once)."""
    logger = logging.getLogger(DIRTY_BUILD_LOGGER)
    if not any(isinstance(f, DirtyBuildFilter) for f in logger.filters):
        logger.addFilter(DirtyBuildFilter())


def problems_json(diagnostics: list[Diagnostic], root: Path) -> bytes:
    """The problems as the preview's script reads them: `factsheet check --format json`'s records."""
    return json.dumps(as_records(diagnostics, root), ensure_ascii=False, indent=1).encode("utf-8")


def source_of_page(src_uri: str) -> str | None:
    """The id of the source a page shows the article of (`sources/<id>.md`), else None."""
    origin = page_origin(src_uri)
    if origin is None or not origin.startswith("seeds/") or not origin.endswith(".md"):
        return None
    return origin.removeprefix("seeds/").removesuffix(".md")


def source_meta(page_html: str, source_id: str) -> str:
    """The page with `<meta name="factsheet-source">` naming its source in the head, for the script."""
    meta = f'<meta name="factsheet-source" content="{html.escape(source_id)}">'
    at = page_html.find("</head>")
    return page_html if at < 0 else page_html[:at] + meta + page_html[at:]


# Rebuilding ------------------------------------------------------------------------------------------

# After the first change, MkDocs waits until no file changed for this long (its own: 0.1 s). A save, even
# through a temporary file and a rename, is one burst of events well within it.
DEBOUNCE = 0.05


def _changes() -> list[type]:
    from watchdog import events

    # Not FileOpenedEvent / FileClosedNoWriteEvent: the rebuild reads the facts itself, and every read
    # would start the next rebuild. A directory's own events MkDocs ignores.
    return [
        events.FileCreatedEvent,
        events.FileModifiedEvent,
        events.FileDeletedEvent,
        events.FileMovedEvent,
        events.FileClosedEvent,
    ]


def events_observer(paths: Sequence[str]) -> Any | None:
    """A watchdog observer (not started) that reports writes, creations, deletions and moves as the OS
    signals them (inotify), or None where it cannot for `paths` (not Linux, or the OS refuses more
    watches): then MkDocs' polling stays. Saves that raise no event (some network drives) need polling."""
    try:
        from watchdog.observers.inotify import InotifyObserver
    except Exception:  # not Linux, or a libc watchdog cannot use: it refuses at import
        return None

    class Changes(InotifyObserver):
        def schedule(self, event_handler: Any, path: Any, *, recursive: bool = False, **kwargs: Any) -> Any:
            kwargs.setdefault("event_filter", _changes())
            return super().schedule(event_handler, path, recursive=recursive, **kwargs)

    # Watched once now, by a probe: an OS that refuses (inotify's limit) refuses here, not in MkDocs' serve.
    probe = Changes()
    try:
        probe.start()
        for path in paths:
            probe.schedule(_Ignore(), path, recursive=True)
    except OSError:
        return None
    finally:
        probe.stop()
        with contextlib.suppress(RuntimeError):  # never started
            probe.join()
    return Changes()


class _Ignore:
    def dispatch(self, event: object) -> None:
        pass


# Set (`factsheet serve --poll`): MkDocs' polling every 0.5 s, for folders whose changes raise no file
# events (a network drive, a Windows drive under WSL, some container mounts).
POLL_ENV = "FACTSHEET_SERVE_POLL"


def watch_with_events(server: Any, folders: Sequence[str]) -> Any | None:
    """Have MkDocs' live-reload `server` watch `folders` and rebuild soon after a change (`DEBOUNCE`), through
    the OS's file events when it can (`events_observer`; else, or with `POLL_ENV` set, MkDocs polls every
    0.5 s). What MkDocs watched
    itself (mkdocs.yml, the theme with --watch-theme) it keeps polling: an editor that saves mkdocs.yml by
    replacing it would end an event watch on the file. Returns that polling observer, now started, to stop
    at the end (`on_shutdown`), or None when the events are not used."""
    server.build_delay = DEBOUNCE
    observer = None if os.environ.get(POLL_ENV) else events_observer(folders)
    polling = None
    if observer is not None:
        polling, server.observer = server.observer, observer  # MkDocs' serve starts the new one
        polling.start()
    for path in folders:
        server.watch(path)
    return polling


def _installed(folder: str) -> bool:
    """Whether `folder` is in an installed package (the theme's own templates): it does not change while
    the preview runs."""
    where = Path(folder).resolve()
    roots = {sysconfig.get_path(k) for k in ("purelib", "platlib")}
    return any(where.is_relative_to(Path(r).resolve()) for r in roots if r)


def _stamp(folder: str) -> list[tuple[str, int, int]]:
    stamps = []
    for name in template_names(folder):
        with contextlib.suppress(OSError):  # removed meanwhile
            info = os.stat(os.path.join(folder, name))
            stamps.append((name, info.st_mtime_ns, info.st_size))
    return sorted(stamps)


# MkDocs' filter of the theme's files into static ones (its answer depends on the names only, and on the
# theme's static templates).
_THEME_FILTER = ("mkdocs.structure.files", "Files.add_files_from_theme.<locals>.filter")


class WarmTheme:
    """MkDocs' Jinja2 environment for the theme, kept from one preview rebuild to the next.

    MkDocs makes a new one for every build: compiling Material's templates again (for the 404 page and
    every rebuilt page) and listing the 14,000 files of its template folder were a third of a rebuild.
    The environment is the one MkDocs makes (its filters and translations), made again whenever the theme's
    folders or any file in a folder not installed as a package (templates/theme/) changes, so an edited,
    added or removed template shows as in a fresh build. An installed theme's file list is read once."""

    def __init__(self) -> None:
        self._key: object = None
        self._env: Any = None
        self._listed: dict[str, list[str]] = {}
        self._static_templates: set[str] = set()

    def install(self, theme: Any) -> None:
        """Make `theme.get_env()` (MkDocs calls it once per build) give the kept environment."""
        make: Callable[[], Any] = theme.get_env
        dirs = list(theme.dirs)

        def get_env() -> Any:
            self._static_templates = set(theme.static_templates)
            key = (dirs, str(theme.locale), [_stamp(d) for d in dirs if not _installed(d)])
            if self._env is None or key != self._key:
                self._env = make()
                self._env.loader = self._loader(dirs)
                self._env.list_templates = self._static_files(self._env.list_templates)
                self._key = key
            return self._env

        theme.get_env = get_env

    def _static_files(self, list_templates: Callable[..., list[str]]) -> Callable[..., list[str]]:
        """The environment's list_templates, keeping the answer MkDocs' own filter for the theme's static files
        (Files.add_files_from_theme: by the file names and the theme's static templates) gave: it matched
        12 patterns against each of the 14,000 names on every build."""
        kept: dict[object, list[str]] = {}

        def listed(extensions: Any = None, filter_func: Any = None) -> list[str]:
            mine = (getattr(filter_func, "__module__", ""), getattr(filter_func, "__qualname__", ""))
            if mine != _THEME_FILTER or extensions is not None:
                return list_templates(extensions, filter_func)
            key = frozenset(self._static_templates)
            if key not in kept:
                kept[key] = list_templates(extensions, filter_func)
            return list(kept[key])

        return listed

    def _loader(self, dirs: list[str]) -> Any:
        import jinja2

        listed = self._listed

        class Loader(jinja2.FileSystemLoader):
            def list_templates(self) -> list[str]:
                found: set[str] = set()
                for folder in dirs:
                    if _installed(folder):
                        if folder not in listed:
                            listed[folder] = template_names(folder)
                        found.update(listed[folder])
                    else:
                        found.update(template_names(folder))
                return sorted(found)

        return Loader(dirs)


def stale_outputs(before: Iterable[str], now: Iterable[str]) -> list[str]:
    """The site files of the previous build (`before`, paths in the site) that this one no longer has: a
    dirty build leaves them, a full one would not write them (a removed actor's page)."""
    return sorted(set(before) - set(now))


def remove_outputs(site_dir: Path, paths: Iterable[str]) -> None:
    """Remove these files from the site, and the folders left empty (a page's own folder)."""
    for rel in paths:
        target = site_dir / rel
        with contextlib.suppress(OSError):
            target.unlink()
        for folder in target.parents:
            if folder == site_dir or not folder.is_relative_to(site_dir):
                break
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break


# The theme's files named by their content's hash (Material's bundle.<hash>.min.js, main.<hash>.min.css):
# the same name is always the same bytes.
_HASHED = re.compile(r"/assets/(?:javascripts|stylesheets)/(?:[^/]+/)*[^/]+\.[0-9a-f]{8}\.min\.(?:js|css)")
HASHED_CACHE = "max-age=86400, immutable"


def cache_hashed_assets(app: Callable[..., Any]) -> Callable[..., Any]:
    """The preview's WSGI `app`, with the theme's hashed files cacheable: a reload after a rebuild then takes
    the theme's script and style sheets from the browser's memory (already compiled) instead of fetching
    and compiling them again, a fifth of a reload. Every other file is served as before (no caching)."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not _HASHED.search(str(environ.get("PATH_INFO", ""))):
            return app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if status.startswith("200"):
                headers = [*headers, ("Cache-Control", HASHED_CACHE)]
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return wrapped
