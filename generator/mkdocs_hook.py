"""MkDocs hook (mkdocs.yml `hooks:`): lets plain `mkdocs build` and `mkdocs serve` run the generator.

`factsheet build` does not use it: it generates first and then runs MkDocs without hooks. `factsheet serve`
does (it names this file itself, whatever mkdocs.yml says).

While serving (generator/site/preview.py), a failed check does not stop the preview: the last good pages stay,
the problems go into the served site for the banner on every page, and source pages get the citation
picker. In `mkdocs build` a failed check fails the build.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

from generator.diagnostics import Diagnostic, DiagnosticError
from generator.pipeline import generate
from generator.project import Project
from generator.report import as_text
from generator.resources import add_theme_dirs, template_dirs, template_file
from generator.site import preview, search_index
from generator.site.incremental import SearchEntries

log = logging.getLogger("factsheet.preview")  # not under "mkdocs": MkDocs' strict mode would count it

# The hook's module is loaded once per process and kept across the preview's rebuilds (MkDocs caches it).
_serving = False  # set on startup: `serve`, not `build`
_problems: list[Diagnostic] = []  # the last check's errors (the pages are the last good ones) or warnings
_search = SearchEntries()  # while serving: every page's search entries from its last build
_theme = preview.WarmTheme()  # while serving: the theme's Jinja2 environment, kept across rebuilds
_outputs: set[str] = set()  # while serving: the files of the site's last build
_polling = None  # while serving with file events: MkDocs' own observer, still polling mkdocs.yml


def _project(config) -> Project:
    root = Path(config.config_file_path).resolve().parent
    return Project.at(root, docs_dir=Path(config.docs_dir).resolve(), site_dir=Path(config.site_dir).resolve())


def on_startup(command: str, dirty: bool, **kwargs) -> None:
    global _serving
    _serving = command == "serve"
    if _serving:
        preview.quiet_dirty_builds()


@event_priority(50)  # before the search plugin's: its translations then come from the kept environment too
def on_config(config, **kwargs):
    add_theme_dirs(config, _project(config))  # the fact sheet's templates/theme, then the default theme overrides
    if _serving:
        config.extra_css.append(f"{preview.ASSETS}/preview.css")
        config.extra_javascript.append(f"{preview.ASSETS}/preview.js")
        _theme.install(config.theme)
    return config


def on_pre_build(config, **kwargs) -> None:
    search_index.use_now(config)  # Material's search index, written the same in a fraction of the time
    project = _project(config)
    try:
        generated = generate(project, strict=bool(config.strict))
    except DiagnosticError as exc:
        if not _serving:
            raise PluginError("\n".join(d.format(project.root) for d in exc.diagnostics)) from None
        # The preview keeps the pages of the last good check; every page shows these problems.
        _problems[:] = exc.diagnostics
        log.error("factsheet check failed: the preview shows the last good pages, with these problems on top")
        for line in as_text(exc.diagnostics, project.root).splitlines():
            log.error("%s", line)
    else:
        # Warnings do not stop the preview, but they stop the pull request's build (--strict): shown too.
        _problems[:] = generated.result.diagnostics
        if _serving and _problems:
            log.warning("factsheet check: the pull request's build (--strict) stops on these warnings")
            for line in as_text(_problems, project.root).splitlines():
                log.warning("%s", line)


def on_files(files, config, **kwargs):
    if _serving:
        _search.start(files)
        project = _project(config)
        for name in preview.FILES:
            source = template_file(project, f"preview/{name}")  # the sheet's own, else the default
            files.append(File.generated(config, f"{preview.ASSETS}/{name}", content=source.read_bytes()))
        problems = preview.problems_json(_problems, project.root)
        files.append(File.generated(config, f"{preview.ASSETS}/{preview.PROBLEMS}", content=problems))
        # What a full build would no longer write goes (a dirty build keeps it): a removed actor's page.
        now = {f.dest_uri for f in files}
        preview.remove_outputs(Path(config.site_dir), preview.stale_outputs(_outputs, now))
        _outputs.clear()
        _outputs.update(now)
    return files


@event_priority(-100)  # after the search plugin indexed the page
def on_page_context(context, page, config, nav, **kwargs):
    if _serving:
        _search.page_built(config, page.url)
    return context


@event_priority(100)  # before the search plugin writes its index: every page's entries, in a full build's order
def on_post_build(config, **kwargs) -> None:
    if _serving:
        _search.merge(config)


def on_post_page(output: str, page, config, **kwargs) -> str:
    if _serving and (source_id := preview.source_of_page(page.file.src_uri)):
        return preview.source_meta(output, source_id)
    return output


def on_serve(server, config, builder, **kwargs):
    project = _project(config)
    # The generated pages are written by the rebuild itself (on_pre_build): watching them made every edit
    # rebuild twice, the second time for the pages the first one wrote.
    with contextlib.suppress(KeyError):
        server.unwatch(config.docs_dir)
    folders = [str(f) for f in (project.facts_dir, project.seeds_dir, *template_dirs(project)) if f.is_dir()]
    # Through the OS's file events where it has them (MkDocs polls every 0.5 s: half of it waited on average).
    global _polling
    _polling = preview.watch_with_events(server, folders)
    server.set_app(preview.cache_hashed_assets(server.get_app()))
    return server


def on_shutdown(**kwargs) -> None:
    if _polling is not None:
        _polling.stop()
