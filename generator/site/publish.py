"""Stage 5: pages -> files. Writes the generated Markdown, then has MkDocs build the HTML site.

The docs folder is updated in place but only where content changed (so `mkdocs serve` sees real
changes only), and stale pages are removed. The site is built into a temporary folder beside it
and swapped in only when the build succeeded: a failed build leaves the previous site untouched.
"""

from __future__ import annotations

import calendar
import contextlib
import ctypes
import errno
import fcntl
import logging
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from generator.cache import compiled_theme_dir
from generator.diagnostics import Code, DiagnosticError, environment_fault, error
from generator.inputs import git
from generator.model import FactBase, Where
from generator.pages.record import Stamp, file_hash, file_sha, stamp_of
from generator.progress import Progress, Stage, Step, quiet
from generator.project import Project
from generator.resources import add_theme_dirs, template_dirs, template_names, theme_dirs
from generator.site import incremental as _incremental
from generator.site import shards as _shards

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

EPOCH_VARIABLE = "SOURCE_DATE_EPOCH"  # https://reproducible-builds.org/specs/source-date-epoch/


@dataclass(frozen=True)
class Written:
    changed: list[str]
    removed: list[str]
    docs: dict[str, str] | None = None
    """With `write_docs(hashed=True)`: the SHA-256 of every file the docs folder holds after the write (as
    incremental.docs_hashes reads them), for the site's record, without reading the folder again."""
    stamps: dict[str, Stamp] = field(default_factory=dict)
    """With `hashed`: each page's file as the write left it (record.stamp_of), so that the next build
    knows an unchanged page's file is still that one without reading it (PageRecord.unchanged)."""


def _walk(folder: Path) -> list[Path]:
    """Every file, folder and symlink below `folder`, deepest first; symlinks are listed, never followed."""
    found: list[Path] = []
    for top, dirs, files in os.walk(folder):  # os.walk lists a link to a folder but does not enter it
        found.extend(Path(top, name) for name in sorted(dirs + files))
    return sorted(found, key=lambda p: (-len(p.parts), p))


def _files_below(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir() or folder.is_symlink():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(_walk(folder))
        if p.is_file() and not p.is_symlink()
    }


def refuse_link(path: Path, what: str) -> None:
    """An output folder must be a real folder: writing through a link would reach outside the repo."""
    if path.is_symlink():
        raise DiagnosticError(
            [
                error(
                    Where(path),
                    Code.BUILD_FAILED,
                    f"the {what} folder is a symlink",
                    "remove the link; it is written as a real folder so nothing outside the repo is touched",
                )
            ]
        )


def write_docs(
    project: Project,
    pages: Mapping[str, str],
    files: Mapping[str, bytes] | None = None,
    *,
    shas: Mapping[str, str] | None = None,
    same: Collection[str] = (),
    hashed: bool = False,
) -> Written:
    """Make the docs folder hold exactly `pages`, the other `files` (data exports) and the template assets
    (templates/assets/ of the defaults, each replaced by the fact sheet's own file of the same name).

    The docs folder is ours: a symlink found in it is removed, never written through or followed, so
    neither this nor MkDocs (which follows links in its docs folder) reaches outside it.

    `same`: paths the caller has just read from the docs folder and found to hold exactly what is wanted
    there (an incremental build's unchanged pages): not read again when they are still regular files.
    With `hashed`, `Written.docs` gives every file's SHA-256, taken from `shas` (known hashes of the wanted
    bytes) where given, else computed from the bytes in hand; only the folder's files that are not ours
    (those whose path starts with a dot) are read.
    """
    docs = project.docs_dir
    refuse_link(docs, "docs")
    # The bytes of each wanted file; a page's are made when needed (`data_of`), so an unchanged one's (`same`)
    # never are: an incremental build at 10,000 facts keeps 42 MB of Markdown, and encoding it took 0.05-0.08 s.
    wanted: dict[str, bytes | None] = dict.fromkeys(pages)
    wanted.update(files or {})

    def data_of(rel: str) -> bytes:
        data = wanted[rel]
        if data is None:
            data = wanted[rel] = pages[rel].encode("utf-8")
        return data

    for templates in reversed(template_dirs(project)):  # the default assets, then the fact sheet's own over them
        for rel, data in _files_below(templates / "assets").items():
            wanted[f"assets/{rel}"] = data
    docs.mkdir(parents=True, exist_ok=True)
    changed, removed = [], []
    # One listing of the folder (links listed, never followed); what the writes below add is all wanted.
    folders: list[str] = []
    regular: set[str] = set()
    others: list[str] = []  # neither a folder nor a link: removed unless wanted or kept
    for rel, entry in _incremental.walk_entries(str(docs)):
        if entry.is_symlink():
            os.unlink(entry.path)
            if rel not in wanted:
                removed.append(rel)
        elif entry.is_dir(follow_symlinks=False):
            folders.append(rel)
        else:
            if entry.is_file(follow_symlinks=False):
                regular.add(rel)
            others.append(rel)
    for rel in sorted(wanted):
        target = docs / rel
        if rel in regular and rel in same:
            continue
        data = data_of(rel)
        if target.is_file() and target.read_bytes() == data:
            continue
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except OSError as exc:  # disk full, a read-only folder: say where, and leave no temporary file
            with contextlib.suppress(OSError):  # also when it was never written
                tmp.unlink()
            fault = environment_fault(exc, target, named_first=False)
            if fault is None:
                raise
            raise DiagnosticError([fault]) from None
        changed.append(rel)
    kept: list[str] = []  # not ours: a path starting with a dot (e.g. .gitignore) stays
    for rel in others:
        if rel in wanted:
            continue
        if rel.startswith("."):
            kept.append(rel)
        else:
            (docs / rel).unlink()
            removed.append(rel)
    # The folders left empty, deepest first (a folder holding a wanted file is not).
    full = _incremental.folders_above(wanted)
    for rel in sorted(folders, key=lambda f: (-f.count("/"), f)):
        if rel.startswith(".") or rel in full:
            continue
        path = docs / rel
        if not any(path.iterdir()):
            path.rmdir()
    hashes = None
    stamps: dict[str, Stamp] = {}
    if hashed:
        known = shas or {}
        hashes = {rel: known.get(rel) or file_sha(data_of(rel)) for rel in wanted}
        hashes |= {rel: file_hash(docs / rel) for rel in kept if rel in regular}
        stamps = {rel: stamp_of((docs / rel).lstat()) for rel in pages}  # a stat, not a read
    return Written(changed, sorted(removed), hashes, stamps)


def source_date_epoch(project: Project, facts: FactBase) -> int:
    """The build's date, fixed by its inputs so that two builds of one commit are byte-identical.

    SOURCE_DATE_EPOCH when set; else the time of the last commit that touched the inputs; outside git,
    the newest publication date of the sources (a date the content itself gives).
    """
    value = os.environ.get(EPOCH_VARIABLE, "").strip()
    if value:
        if not value.isdigit():
            # The reproducible-builds spec asks tools to fail rather than guess on a malformed value.
            raise DiagnosticError(
                [
                    error(
                        Where(project.root),
                        Code.INVALID_VALUE,
                        f"{EPOCH_VARIABLE} is not a time: {value!r}",
                        "set it to whole seconds since 1970-01-01 UTC, or unset it",
                    )
                ]
            )
        return int(value)
    inputs = (project.facts_dir, project.seeds_dir, project.templates_dir, project.mkdocs_yml)
    committed = git.last_commit_time(project.root, tuple(str(p) for p in inputs))
    if committed is not None:
        return committed
    dates = [s.date for s in facts.sources.values() if s.date is not None]
    if not dates:
        return 0
    newest = max(dates)
    return calendar.timegm((newest.year, newest.month or 1, newest.day or 1, 0, 0, 0))


@contextlib.contextmanager
def _pinned_epoch(epoch: int | None) -> Iterator[None]:
    # MkDocs reads the variable for its dates (sitemap, gzip header); set it only for the build.
    if epoch is None or os.environ.get(EPOCH_VARIABLE):
        yield
        return
    os.environ[EPOCH_VARIABLE] = str(epoch)
    try:
        yield
    finally:
        os.environ.pop(EPOCH_VARIABLE, None)


def run_mkdocs(
    project: Project,
    site_dir: Path,
    *,
    strict: bool = False,
    overrides: Mapping[str, Any] | None = None,
    configure: Callable[[MkDocsConfig], None] | None = None,
    epoch: int | None = None,
    dirty: set[str] | None = None,
    jobs: int | None = None,
    site_stamps: Mapping[str, list[int]] | None = None,
    page_logs: Mapping[str, Any] | None = None,
    spare: Path | None = None,
) -> MkDocsConfig:
    """Have MkDocs build the generated docs into `site_dir`, with mkdocs.yml as the base configuration.

    `overrides` replace top-level settings of mkdocs.yml before MkDocs validates them; `configure` then
    adjusts the loaded configuration (e.g. single theme settings, keeping the rest of the theme as
    written); `epoch` pins the build date when SOURCE_DATE_EPOCH is not set (see `source_date_epoch`).
    With `dirty` (the docs files changed since the site in place was built from them), MkDocs builds only
    those into `site_dir`, taking the rest from the site in place (generator/site/incremental.py), unless a
    plugin it cannot vouch for is configured: then it builds everything. Without `dirty`, a large site is
    built by `jobs` processes (default: one per available core), each building a shard of its pages
    (generator/site/shards.py); the site is the same. `site_stamps`: the verified record of the site in place
    (`incremental.load_site`), which tells the dirty build the files it has without a stat each,
    `page_logs` its pages' messages, anchors and links, which the dirty build shows and checks again; `spare`:
    a site an earlier build replaced, which the dirty build takes as its staging folder (moving it into
    `site_dir`'s place) rather than making every folder again (`incremental.make_plugin`).
    Returns the configuration used. Raises DiagnosticError when MkDocs fails.
    """
    from mkdocs import exceptions
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from generator.site import search_index  # imports Material: only when MkDocs runs

    try:
        # hooks=[]: the generator already ran; the hook exists for plain `mkdocs build` and `mkdocs serve`.
        config = load_config(
            str(project.mkdocs_yml),
            docs_dir=str(project.docs_dir),
            site_dir=str(site_dir),
            strict=strict,
            hooks=[],
            **(overrides or {}),
        )
        add_theme_dirs(config, project)  # the fact sheet's templates/theme, then the default theme overrides
        _theme_environment(config)
        _fresh_start(config)
        if configure is not None:
            configure(config)
        search_index.install(config)  # Material's search index, written the same, made in a fraction of the time
        incremental = dirty is not None and _incremental.plugins_known(config)
        if incremental:
            assert dirty is not None
            # Without the site's record, no file is known to be the site's: every page is built again.
            plugin = _incremental.make_plugin(project.site_dir, project.docs_dir, dirty, site_stamps or {}, spare)
            config.plugins["factsheet-incremental"] = plugin
        # Every page's messages, anchors and links, for the site's record (shown again by incremental builds).
        config.plugins["factsheet-page-logs"] = _incremental.make_page_logs(page_logs if incremental else None)
        shards = _shards.count(config, project.docs_dir, jobs) if dirty is None else 1
        # A sharded build is a dirty one (each process builds only its pages) into the empty staging folder.
        sharded = _shards.make_plugin(shards, getattr(config.plugins.get("factsheet-progress"), "count", None))
        if shards > 1:
            config.plugins["factsheet-shards"] = sharded
        with _pinned_epoch(epoch), _dirty_quietly(incremental or shards > 1), sharded.running():
            build(config, dirty=incremental or shards > 1)
    except Exception as exc:  # whatever MkDocs, its theme or a plugin raised: the build failed, the output stays
        fault = environment_fault(exc, site_dir)  # the disk or the memory, rather than the build
        if fault is not None:
            raise DiagnosticError([fault]) from None
        reason = str(exc) if isinstance(exc, exceptions.MkDocsException) else f"{type(exc).__name__}: {exc}"
        raise DiagnosticError(
            [
                error(
                    Where(project.mkdocs_yml),
                    Code.BUILD_FAILED,
                    f"MkDocs build failed: {reason}",
                    "see the MkDocs messages above; the previous output was kept",
                )
            ]
        ) from None
    return config


def _theme_environment(config: MkDocsConfig) -> None:
    """MkDocs makes a new Jinja2 environment for the theme on every build, which compiles Material's
    templates again (in every shard too): keep them compiled in the user's private cache
    (cache.compiled_theme_dir, as our own templates), keyed on each template's source by Jinja2. And MkDocs
    lists every file of the theme's folders to find its static files, 14,500 for Material, 14,300 of them
    icons in `.icons`, which it then leaves out: the listing skips hidden folders (`ThemeLoader`)."""
    folder = compiled_theme_dir()
    theme = config.theme
    make = theme.get_env

    def get_env() -> jinja2.Environment:
        env = make()
        if folder is not None and env.bytecode_cache is None:
            env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))
        loader = env.loader
        if type(loader) is jinja2.FileSystemLoader:  # as MkDocs makes it: the same folders, loaded the same
            env.loader = ThemeLoader(loader.searchpath, loader.encoding, loader.followlinks)
        return env

    theme.get_env = get_env  # type: ignore[method-assign]


class ThemeLoader(jinja2.FileSystemLoader):
    """Jinja2's FileSystemLoader, whose listing leaves out what is in a folder whose name starts with a dot.
    MkDocs lists the theme's files only to copy its static files, and never copies one in such a folder
    (Files.add_files_from_theme's patterns `.*` and `*/.*`): the files it copies are the same. Loading a
    template is unchanged."""

    def list_templates(self) -> list[str]:
        listed = (template_names(top, hidden=False, followlinks=self.followlinks) for top in self.searchpath)
        return sorted({name for names in listed for name in names})


@contextlib.contextmanager
def _dirty_quietly(dirty: bool) -> Iterator[None]:
    # MkDocs warns on every dirty build, which --strict would count; ours builds exactly what a full one does.
    if not dirty:
        yield
        return
    from generator.site.preview import DIRTY_BUILD_LOGGER, DirtyBuildFilter

    logger, quiet_filter = logging.getLogger(DIRTY_BUILD_LOGGER), DirtyBuildFilter()
    logger.addFilter(quiet_filter)
    try:
        yield
    finally:
        logger.removeFilter(quiet_filter)


LOCK_FILE = ".site.lock"  # beside the site folder; held by a build from writing the docs to publishing the site
_held: set[Path] = set()  # the locks this process holds (a build takes it once, its steps again)


@contextlib.contextmanager
def build_lock(project: Project) -> Iterator[None]:
    """Hold the project's build lock (an `fcntl.flock` on LOCK_FILE): one build at a time writes the docs
    folder and publishes the site. A second build fails at once with a clear message, so it never touches
    the first one's files; the lock goes with the process that holds it, however that process ends.
    Raises DiagnosticError when another build holds it or the lock file cannot be used."""
    path = project.site_dir.parent / LOCK_FILE
    if path in _held:
        yield
        return
    try:
        # O_NOFOLLOW: a lock file committed as a symlink is refused, never followed or created elsewhere.
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise DiagnosticError(
            [
                error(
                    Where(path),
                    Code.BUILD_FAILED,
                    f"cannot open the build lock: {exc.strerror or exc}",
                    f"{LOCK_FILE} must be an ordinary file (or absent) in a folder you can write to",
                )
            ]
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DiagnosticError(
                [
                    error(
                        Where(project.site_dir),
                        Code.BUILD_FAILED,
                        "another build of this fact sheet is running",
                        "wait for it to finish, then build again; nothing was changed",
                    )
                ]
            ) from None
        _held.add(path)
        try:
            yield
        finally:
            _held.discard(path)
    finally:
        os.close(fd)  # releases the lock


def _fresh_start(config: Any) -> None:
    """Start the plugins as `mkdocs build` does (on_startup, not dirty), and drop a search index kept from
    an earlier build: MkDocs reuses a plugin that has on_startup across the configurations of one process
    (its plugin cache), and Material's search plugin, once started for a dirty `serve`, keeps the index of
    each build to merge into the next one, which duplicated every entry of a later build's index."""
    config.plugins.on_startup(command="build", dirty=False)
    for plugin in config.plugins.values():
        if hasattr(plugin, "search_index_prev"):
            plugin.search_index_prev = None


def build_site(
    project: Project,
    *,
    strict: bool = False,
    epoch: int | None = None,
    progress: Progress = quiet,
    incremental: bool = False,
    remember: bool = False,
    jobs: int | None = None,
    detach: bool = False,
    docs: Mapping[str, str] | None = None,
) -> Path:
    """Run MkDocs on the generated docs and swap the result into the site folder atomically.

    With `remember`, the old site is kept in the cache folder (`incremental.spare_site`): the next
    incremental build builds into it, where the unchanged pages' folders are there already and most of
    its files are the site's own (hard links); a spare the build did not take is removed. Otherwise the
    old site is removed. Removing happens in a thread; with `detach` it may still run when this returns
    (call `removed` to wait: the command line does, after it reported the build).

    `epoch` pins the build date when SOURCE_DATE_EPOCH is not set (see `source_date_epoch`); `progress`
    hears of each page MkDocs writes. With `incremental`, when the site in place is the one the last build
    recorded, MkDocs rebuilds only the pages whose Markdown changed (generator/site/incremental.py); the result
    is the same site. With `remember`, the new site is recorded for the next incremental build. `jobs`
    caps the processes of a full build (see `run_mkdocs`). `docs`: the SHA-256 of every file of the docs
    folder when the caller knows them (`Written.docs` of the write just made), else the folder is read.
    Raises DiagnosticError when MkDocs fails, or another build holds the lock; the existing site is then
    left as it was.
    """
    site = project.site_dir
    refuse_link(site, "site")
    with build_lock(project):
        # Under the lock no other build runs, so what its predecessors left is theirs to clear: first the
        # previous site put back if a build died in the middle of a swap, only then the rest removed.
        recover(site)
        removed()  # an earlier build of this process still removing its old site: not raced
        for leftover in _leftovers(site):
            shutil.rmtree(leftover, ignore_errors=True)
        # Beside the site, so that the swap is a rename within one file system.
        key, previous = "", None
        hashes: Mapping[str, str] = {}  # of the docs folder: read only when a site is reused or recorded
        if incremental or remember:  # the record of the site in place, and what the new one is built from
            key = _incremental.site_key(project.mkdocs_yml, theme_dirs(project), strict=strict, epoch=epoch)
            hashes = docs if docs is not None else _incremental.docs_hashes(project.docs_dir)
            previous = _incremental.load_site(project.root, key, site) if incremental else None
            _incremental.forget_site(project.root)  # until the new site is in place
        spare = _incremental.spare_site(project.root)
        # Beside the site, so that the swap is a rename within one file system.
        staging = Path(tempfile.mkdtemp(prefix=".site-new-", dir=site.parent))
        try:
            progress(Step(Stage.SITE))  # MkDocs loads its theme and plugins before it counts the pages
            more: dict[str, Any] = {"configure": _count_pages(progress), "jobs": jobs}
            # The same pages as the site in place (none added or removed, so no link elsewhere changes):
            # MkDocs builds only the docs files that changed.
            if previous is not None and _incremental.pages_of(previous.docs) == _incremental.pages_of(hashes):
                more["dirty"] = {rel for rel, sha in hashes.items() if previous.docs.get(rel) != sha}
                more["site_stamps"] = previous.site
                more["page_logs"] = previous.pages
                more["spare"] = spare
            config = run_mkdocs(project, staging, strict=strict, epoch=epoch, **more)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        # A spare this build did not take is out of date: out of the way of the site replaced now.
        stale = _set_aside(spare, site.parent) if spare is not None and os.path.lexists(spare) else None
        try:
            _swap(staging, site, keep=spare if remember else None)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if stale is not None:
                _remove_later(stale)
            raise DiagnosticError(
                [
                    error(
                        Where(site),
                        Code.BUILD_FAILED,
                        f"could not put the new site in place: {exc.strerror or exc}",
                        "check the permissions of the site folder and its parent; the previous site was kept",
                    )
                ]
            ) from None
        if remember:
            # The files hard-linked from the previous site keep the stamps its record verified: not read again.
            plugins = getattr(config, "plugins", {})  # (a stand-in for MkDocs in tests returns no config)
            linked: set[str] = getattr(plugins.get("factsheet-incremental"), "linked", set())
            known = {p: previous.site[p] for p in linked if p in previous.site} if previous is not None else {}
            logs = getattr(plugins.get("factsheet-page-logs"), "pages", None)
            _incremental.save_site(project.root, key, hashes, site, known, logs, previous)
            if "dirty" not in more and spare is not None:  # under the lock: the next build takes the spare
                _incremental.relink_spare(spare, site)
        if stale is not None:
            _remove_later(stale)
    if not detach:
        removed()
    return site


def _count_pages(progress: Progress) -> Callable[[MkDocsConfig], None]:
    """A `configure` step for run_mkdocs: a plugin that tells `progress` of each page MkDocs writes."""
    from mkdocs.plugins import BasePlugin

    class CountPages(BasePlugin):
        total = done = 0

        def on_files(self, files: Any, /, *, config: Any) -> Any:
            self.total = len(files.documentation_pages())
            progress(Step(Stage.SITE, 0, self.total))
            return files

        def on_post_page(self, output: str, /, *, page: Any, config: Any) -> str:
            self.count(1)
            return output

        def count(self, pages: int) -> None:
            if _shards.in_shard():  # another process's page: that process's parent counts it
                return
            self.done += pages
            progress(Step(Stage.SITE, self.done, self.total))

    def configure(config: MkDocsConfig) -> None:
        config.plugins["factsheet-progress"] = CountPages()

    return configure


def _leftovers(site: Path) -> list[Path]:
    return sorted(p for pattern in (".site-new-*", ".site-old-*") for p in site.parent.glob(pattern))


def recover(site: Path) -> bool:
    """Put the previous site back if a build was killed between the two renames of a swap (site/ gone, the
    old one in .site-old-*/site). True if it did. Call it holding the build lock, before any clean-up."""
    if os.path.lexists(site):
        return False
    kept = [p / "site" for p in site.parent.glob(".site-old-*") if _real_folder(p) and _real_folder(p / "site")]
    if not kept:
        return False
    newest = max(kept, key=lambda p: p.stat().st_mtime_ns)
    os.replace(newest, site)
    return True


def _real_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2  # linux/fs.h


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 with RENAME_EXCHANGE), so the site is never absent.
    False where the system or the file system cannot; raises OSError for any other failure."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without renameat2 (glibc before 2.28, musl before 1.2.2)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap(staging: Path, site: Path, keep: Path | None = None) -> None:
    """Put `staging` in the place of `site`. At every moment either the old site or the new one is whole:
    in place after an exchange, or after two renames (site -> .site-old-*/site, staging -> site), where a
    build killed in between leaves the old site in .site-old-*, which the next build puts back (`recover`).
    The old site then moves to `keep` when given (where nothing is), else it is removed."""
    staging.chmod(0o755)  # mkdtemp makes it private; a published site is readable
    if not os.path.lexists(site):
        os.replace(staging, site)
        return
    if _exchange(staging, site):
        _keep_or_remove(staging, keep, staging)  # the old site, now under the staging name
        return
    old = Path(tempfile.mkdtemp(prefix=".site-old-", dir=site.parent))
    try:
        os.replace(site, old / "site")
    except OSError:
        old.rmdir()
        raise
    try:
        os.replace(staging, site)
    except OSError:
        os.replace(old / "site", site)  # put the previous site back before reporting
        old.rmdir()
        raise
    _keep_or_remove(old / "site", keep, old)


def _keep_or_remove(old_site: Path, keep: Path | None, leftover: Path) -> None:
    """Move the replaced site to `keep`, or else remove `leftover` (the old site, or the folder holding it)."""
    if keep is not None:
        try:
            keep.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old_site, keep)  # a rename within the fact sheet's folder, as a rule
        except OSError:
            pass
        else:
            if leftover != old_site:
                with contextlib.suppress(OSError):
                    leftover.rmdir()
            return
    _remove_later(leftover)


def _set_aside(path: Path, beside: Path) -> Path | None:
    """Move `path` (a spare site this build did not take) into a leftover's folder beside the site and
    return that folder, to be removed (`_remove_later`; a build that dies first leaves it to the next
    one's clean-up). Where it cannot be moved, it is removed at once (None)."""
    try:
        holder = Path(tempfile.mkdtemp(prefix=".site-new-", dir=beside))
    except OSError:
        holder = None
    if holder is not None:
        try:
            os.replace(path, holder / "site")
            return holder
        except OSError:  # another file system
            with contextlib.suppress(OSError):
                holder.rmdir()
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()
    return None


_REMOVING: list[threading.Thread] = []


def _remove_later(old: Path) -> None:
    """Remove the old site, set aside under a leftover's name, in a thread: the new site is in place
    already, and removing thousands of files was a tenth of an incremental build. The interpreter waits
    for the thread before it exits (`removed` waits at once); should the process die first, the next
    build clears the leftover (`_leftovers`)."""
    thread = threading.Thread(target=shutil.rmtree, args=(old,), kwargs={"ignore_errors": True}, name="old-site")
    thread.start()
    _REMOVING.append(thread)


def removed() -> None:
    """Wait until the old sites of this process's builds are removed."""
    while _REMOVING:
        _REMOVING.pop().join()
