"""generator/site/preview.py and the hook's two modes: what `factsheet serve` adds, and that nothing of it reaches
a published site (`factsheet build`, or `mkdocs build` through the hook, which still fails on errors).
The preview itself, in Chromium against `factsheet serve`: tests/test_preview_browser.py."""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import jinja2
import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.structure.files import Files

from generator.commands.cli import main
from generator.diagnostics import Code, Where, error
from generator.pipeline import build
from generator.project import Project
from generator.site import preview

from .browser import factsheet_serve
from .conftest import REPO, copy_tree

HOOK = REPO / "generator" / "mkdocs_hook.py"
DIRTY = (
    "A 'dirty' build is being performed, this will likely lead to inaccurate navigation and other links within "
    "your site. This option is designed for site development purposes only."
)


def test_the_dirty_build_warning_is_dropped_and_other_warnings_kept(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger(preview.DIRTY_BUILD_LOGGER)
    before = list(logger.filters)
    try:
        preview.quiet_dirty_builds()
        preview.quiet_dirty_builds()  # once is enough: no second filter
        assert sum(isinstance(f, preview.DirtyBuildFilter) for f in logger.filters) == 1
        with caplog.at_level(logging.INFO, logger="mkdocs"):
            logger.warning(DIRTY)
            logger.warning("Doc file 'index.md' contains a link 'x.md', but the target is not found")
            logger.info("Building documentation...")
        assert [r.getMessage() for r in caplog.records] == [
            "Doc file 'index.md' contains a link 'x.md', but the target is not found",
            "Building documentation...",
        ]
    finally:
        logger.filters[:] = before


def test_only_source_pages_name_their_source() -> None:
    assert preview.source_of_page("sources/serious-50-minute-conversation.md") == "serious-50-minute-conversation"
    assert preview.source_of_page("sources/index.md") is None
    assert preview.source_of_page("actors/joe-biden.md") is None
    assert preview.source_of_page("timeline.md") is None
    page = "<html><head><title>x</title></head><body></body></html>"
    assert preview.source_meta(page, "a-b") == (
        '<html><head><title>x</title><meta name="factsheet-source" content="a-b"></head><body></body></html>'
    )


def test_the_problems_are_the_check_s_json_records(tmp_path: Path) -> None:
    where = Where(tmp_path / "facts" / "topics" / "x.yaml", 6, 12)
    problem = error(where, Code.QUOTE_NOT_FOUND, "quote not found in <b>source</b>", 'copy "it" again')
    (record,) = json.loads(preview.problems_json([problem], tmp_path))
    assert record == {
        "path": "facts/topics/x.yaml",
        "line": 6,
        "col": 12,
        "severity": "error",
        "code": "quote-not-found",
        "message": "quote not found in <b>source</b>",
        "hint": 'copy "it" again',
    }
    assert json.loads(preview.problems_json([], tmp_path)) == []


def _no_preview_in(site: Path) -> None:
    assert not (site / preview.ASSETS).exists()
    pages = sorted(site.rglob("*.html"))
    assert any("sources" in p.parts for p in pages)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "preview.js" not in text and "preview.css" not in text and "factsheet-source" not in text, page


def test_the_published_site_has_no_preview(basic: Project) -> None:
    _, site = build(basic, strict=True)
    _no_preview_in(site)


def _mkdocs_build_with_hook(project: Project, site: Path) -> None:
    config = load_config(str(project.mkdocs_yml), hooks=[str(HOOK)], site_dir=str(site))
    config.plugins.on_startup(command="build", dirty=False)
    mkdocs_build(config)


def test_mkdocs_build_through_the_hook_has_no_preview_and_fails_on_errors(
    basic: Project, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _mkdocs_build_with_hook(basic, tmp_path / "site")
    _no_preview_in(tmp_path / "site")

    broken = copy_tree("basic", tmp_path / "broken")
    sanctions = broken.facts_dir / "topics" / "sanctions.yaml"
    sanctions.write_text(sanctions.read_text().replace("reiterated his threat", "repeated his threat"))
    with pytest.raises(Abort):  # the hook's PluginError, as MkDocs reports it
        _mkdocs_build_with_hook(broken, tmp_path / "site2")
    assert "topics/sanctions.yaml:6:12: error: quote not found" in caplog.text
    assert not (tmp_path / "site2" / "index.html").exists()


def test_serve_previews_a_new_fact_sheet_with_the_default_preview_files(tmp_path: Path) -> None:
    # `factsheet init` writes no generated/ folder, no hooks in mkdocs.yml and no templates/preview/: the
    # preview still starts, regenerates, and serves the default script and style sheet.
    assert main(["init", str(tmp_path / "sheet")]) == 0
    project = Project.at(tmp_path / "sheet")
    assert not (project.templates_dir / "preview").exists()
    (seed,) = sorted(project.seeds_dir.glob("*.md"))[:1]
    with factsheet_serve(project, tmp_path / "serve.log") as url:
        with urllib.request.urlopen(f"{url}sources/{seed.stem}/", timeout=10) as response:
            page = response.read().decode("utf-8")
        with urllib.request.urlopen(f"{url}{preview.ASSETS}/preview.js", timeout=10) as response:
            script = response.read()
        with urllib.request.urlopen(f"{url}{preview.ASSETS}/{preview.PROBLEMS}", timeout=10) as response:
            problems = json.loads(response.read())
    assert f'<meta name="factsheet-source" content="{seed.stem}">' in page and "preview/preview.js" in page
    assert script == (REPO / "templates" / "preview" / "preview.js").read_bytes()
    assert problems == []


# The preview's speed (issue 18) must not cost its correctness: what it serves after edits is what a
# fresh build serves.


def _rebuilds(log: Path) -> int:
    return log.read_text(encoding="utf-8").count("Reloading browsers")


def _edit(log: Path, change: Callable[[], object]) -> None:
    """Make a change and wait until the preview has rebuilt for it."""
    before = _rebuilds(log)
    change()
    deadline = time.monotonic() + 20
    while _rebuilds(log) == before:
        if time.monotonic() > deadline:
            pytest.fail(f"no rebuild within 20 s:\n{log.read_text(encoding='utf-8')}")
        time.sleep(0.05)


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


LIVERELOAD = re.compile(rb"<script>\s*var livereload = function.*?</script>", re.S)


def _served(url: str, paths: list[str]) -> dict[str, tuple[int, bytes]]:
    """Each path's status and body, without the live-reload script (it names the build) and with the server's
    own address as `URL/` (each server has its port)."""
    served = {}
    for path in paths:
        status, body = _fetch(url + path)
        served[path] = (status, LIVERELOAD.sub(b"", body).replace(url.encode(), b"URL/"))
    return served


def _page_urls(docs: Path) -> list[str]:
    urls = []
    for md in sorted(docs.rglob("*.md")):
        rel = md.relative_to(docs).as_posix().removesuffix(".md")
        urls.append("" if rel == "index" else rel.removesuffix("index") if rel.endswith("/index") else rel + "/")
    return urls


TEST_PERSON = """id: test-person
name: "Test Person"
kind: person
citations:
  - source: serious-50-minute-conversation
    quote: "a security meeting between the United States and Russia"
"""


def test_after_edits_the_preview_serves_exactly_what_a_fresh_build_does(tmp_path: Path) -> None:
    project = copy_tree("basic", tmp_path / "sheet")
    ushakov = project.facts_dir / "actors" / "yuri-ushakov.yaml"
    new_actor = project.facts_dir / "actors" / "test-person.yaml"
    template = project.templates_dir / "actor.md.j2"
    log = tmp_path / "serve.log"
    with factsheet_serve(project, log) as url:
        # The new name shows on his page and on the pages of what he reported (another page's content).
        renamed = ushakov.read_text().replace('"Yuri Ushakov"', '"Yuri Viktorovich Ushakov"')
        _edit(log, lambda: ushakov.write_text(renamed))
        # A new page, then gone again: a full build would not have it either.
        _edit(log, lambda: new_actor.write_text(TEST_PERSON))
        assert _fetch(url + "actors/test-person/")[0] == 200
        assert json.loads(_fetch(url + f"{preview.ASSETS}/{preview.PROBLEMS}")[1]) == []
        _edit(log, new_actor.unlink)
        # A template every actor page reads.
        _edit(log, lambda: template.write_text(template.read_text() + "\nEdited template line.\n"))
        paths = [*_page_urls(project.docs_dir), "actors/test-person/", "search/search_index.json", "sitemap.xml"]
        after_edits = _served(url, paths)
    assert b"Yuri Viktorovich Ushakov" in after_edits["actors/yuri-ushakov/"][1]
    assert b"Yuri Viktorovich Ushakov" in after_edits["topics/sanctions/"][1]  # he reported a position on it
    assert b"Edited template line." in after_edits["actors/joe-biden/"][1]
    assert after_edits["actors/test-person/"][0] == 404
    assert b"test-person" not in after_edits["search/search_index.json"][1]

    shutil.rmtree(project.docs_dir)  # nothing of the previous run: every page generated and built afresh
    shutil.rmtree(project.root / ".cache", ignore_errors=True)
    with factsheet_serve(project, tmp_path / "fresh.log") as url:
        fresh = _served(url, paths)
    assert sorted(after_edits) == sorted(fresh)
    for path in paths:
        assert after_edits[path] == fresh[path], path


def test_a_dirty_rebuild_removes_what_a_full_one_would_not_write(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for rel in ("actors/gone/index.html", "actors/kept/index.html", "assets/old.css", "index.html"):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text("x")
    stale = preview.stale_outputs(
        ["actors/gone/index.html", "actors/kept/index.html", "assets/old.css", "index.html"],
        ["actors/kept/index.html", "index.html", "new/index.html"],
    )
    assert stale == ["actors/gone/index.html", "assets/old.css"]
    preview.remove_outputs(site, stale)
    left = sorted(p.relative_to(site).as_posix() for p in site.rglob("*"))
    assert left == ["actors", "actors/kept", "actors/kept/index.html", "index.html"]  # empty folders gone too


def _theme_files(env: jinja2.Environment, config: MkDocsConfig) -> list[str]:
    files = Files([])
    files.add_files_from_theme(env, config)
    return sorted(f.src_uri for f in files)


def test_the_kept_theme_environment_is_the_one_mkdocs_makes_until_a_theme_file_changes(basic: Project) -> None:
    config = load_config(str(basic.mkdocs_yml), hooks=[])
    fresh = config.theme.get_env()
    own = Path(config.theme.dirs[0])
    assert own == basic.templates_dir / "theme"
    warm = preview.WarmTheme()
    warm.install(config.theme)
    env = config.theme.get_env()
    assert config.theme.get_env() is env  # kept: nothing changed
    assert env.filters["url"] is fresh.filters["url"] and "gettext" in env.globals
    assert env.list_templates() == fresh.list_templates()
    assert _theme_files(env, config) == _theme_files(fresh, config) == _theme_files(env, config)
    main = env.get_template("main.html")

    (own / "partials").mkdir(exist_ok=True)
    (own / "partials" / "footer.html").write_text("<footer>own footer</footer>")  # overrides the theme's
    changed = config.theme.get_env()
    assert changed is not env
    assert changed.get_template("partials/footer.html").render() == "<footer>own footer</footer>"
    assert "partials/footer.html" in changed.list_templates()

    (own / "main.html").write_text((own / "main.html").read_text() + "{# edited #}")
    edited = config.theme.get_env()
    assert edited is not changed and edited.get_template("main.html") is not main
    assert "{# edited #}" in edited.loader.get_source(edited, "main.html")[0]


def test_only_the_theme_s_hashed_files_are_cacheable() -> None:
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    got: list[list[tuple[str, str]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        got.append(headers)

    wrapped = preview.cache_hashed_assets(app)
    for path, cached in [
        ("/assets/javascripts/bundle.a5f9d56c.min.js", True),
        ("/assets/stylesheets/main.57a0d79d.min.css", True),
        ("/assets/javascripts/workers/search.a7633da7.min.js", True),
        ("/assets/factsheet.css", False),
        ("/assets/preview/preview.js", False),
        ("/assets/preview/problems.json", False),
        ("/actors/joe-biden/", False),
    ]:
        assert wrapped({"PATH_INFO": path}, start_response) == [b"ok"]
        assert (("Cache-Control", preview.HASHED_CACHE) in got.pop()) is cached, path


def test_file_events_report_writes_and_never_reads(tmp_path: Path) -> None:
    observer = preview.events_observer([str(tmp_path)])
    if observer is None:
        pytest.skip("no file events on this system: the preview polls")
    fact = tmp_path / "a.yaml"
    fact.write_text("id: a\n")
    seen: list[str] = []

    class Handler:
        def dispatch(self, event) -> None:
            seen.append(type(event).__name__)

    observer.schedule(Handler(), str(tmp_path), recursive=True)
    observer.start()
    try:
        time.sleep(0.2)
        fact.read_text()  # the rebuild reads every fact: no event, or every rebuild would start another
        time.sleep(0.3)
        assert seen == []
        fact.write_text("id: b\n")
        deadline = time.monotonic() + 5
        while "FileModifiedEvent" not in seen and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "FileModifiedEvent" in seen
    finally:
        observer.stop()
        observer.join()


@pytest.fixture
def inotify_readers_stopped() -> Iterator[None]:
    """Watchdog's inotify readers (threads, one shared per process and others per probe) keep running after
    their observer stops, until the process ends: harmless in `serve`, but in the test process they would
    stop every later test from forking (conftest's no_thread_left_running)."""
    from watchdog.observers import inotify_c

    before = set(threading.enumerate())
    yield
    readers = [t for t in threading.enumerate() if t not in before and isinstance(t, inotify_c.InotifyFD)]
    for reader in readers:
        reader.stop()
    for reader in readers:
        reader.join(timeout=10)
    inotify_c.InotifyFD._instance = None


@pytest.mark.parametrize("poll", [False, True])
def test_the_preview_watches_with_file_events_unless_told_to_poll(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, poll: bool, inotify_readers_stopped: None
) -> None:
    from mkdocs.livereload import LiveReloadServer
    from watchdog.observers.polling import PollingObserver

    if poll:
        monkeypatch.setenv(preview.POLL_ENV, "1")
    else:
        monkeypatch.delenv(preview.POLL_ENV, raising=False)
    (tmp_path / "facts").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n")
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    server.watch(str(tmp_path / "mkdocs.yml"))  # as MkDocs' serve does before the hook's on_serve
    polling = server.observer
    kept = preview.watch_with_events(server, [str(tmp_path / "facts")])
    try:
        assert server.build_delay == preview.DEBOUNCE
        if poll or preview.events_observer([str(tmp_path)]) is None:
            assert kept is None and server.observer is polling  # MkDocs' polling watches everything
        else:
            # The facts through file events; mkdocs.yml still polled (replacing it would end an event watch).
            assert kept is polling and kept.is_alive() and not isinstance(server.observer, PollingObserver)
    finally:
        if kept is not None:
            kept.stop()
            kept.join()
