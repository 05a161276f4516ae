"""A clean MkDocs build over several cores: the documentation pages split into shards, one process each.

MkDocs builds one page after another in one process; converting the Markdown and rendering the theme are
most of a build (docs/performance.md). `make_plugin` returns a MkDocs plugin for a *dirty* build
(`build(config, dirty=True)`, as the incremental build, generator/site/incremental.py) that, once MkDocs has
read the files and the navigation, forks the build into K processes (os.fork: each child carries on the
same build() from that point, sharing what was read so far). Each process marks modified only its own
shard of the pages, so MkDocs converts, renders and writes only those into the same staging folder:

- The parent (shard 0) alone writes everything else: the theme's static files, sitemap, 404 page and the
  search index. It waits for the other shards after its own pages and before MkDocs checks the links'
  anchors, and then gives MkDocs every shard's anchors and links, so that check covers every page as in
  one build.
- A child sends back, on a pipe: a count per page it writes (the progress), then its pages' search
  entries, anchors and links, and every log record MkDocs and its plugins emitted (the parent passes them
  to its own loggers: shown once, counted by --strict), and ends without returning into the caller.
- A child's exception is raised again in the parent's build, so it fails as one process would; a child
  that dies (killed, out of memory) fails the build too. The parent stops every child before it returns.

Every process reads the front matter of the navigation's pages (the theme may show an icon or status
from it); when a navigation page's title comes from its Markdown (known only once it is converted), one
process builds everything. The site is byte for byte the one a single process builds (tests/test_shards.py).
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import logging
import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from generator.site import incremental
from generator.workers import available_cores, can_fork

# Fewer pages per process save less than a shard costs (its share of Material's templates compiled again,
# memory copied on write): at 64 pages two shards already took 0.9 s of CPU off the longest process.
MIN_PAGES_PER_SHARD = 20
_in_shard = False  # True in a child: it builds its shard and ends


def in_shard() -> bool:
    """Whether this process is a shard's child (its pages are counted, and its messages shown, by the
    parent)."""
    return _in_shard


def count(config: Any, docs_dir: Path, jobs: int | None) -> int:
    """How many processes should build the whole site: every available core (or `jobs`), with at least
    MIN_PAGES_PER_SHARD pages for each; 1 when forking is unsafe or a plugin is configured that the
    sharded build cannot vouch for (its output might depend on seeing every page)."""
    if not can_fork() or not incremental.plugins_known(config):
        return 1
    pages = sum(1 for _top, _dirs, names in os.walk(docs_dir) for name in names if name.endswith(".md"))
    return max(1, min(jobs or available_cores(), pages // MIN_PAGES_PER_SHARD))


def split(sizes: list[int], shards: int) -> list[int]:
    """The shard of each page: the largest first, each to the shard with the least work so far (pages
    cost about their size), shard 0 (which also writes the rest of the site) first among equals."""
    load = [(0, shard) for shard in range(shards)]
    owner = [0] * len(sizes)
    for index in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        work, shard = heapq.heappop(load)
        owner[index] = shard
        heapq.heappush(load, (work + sizes[index], shard))
    return owner


def _failure(reason: str) -> Exception:
    """A shard's failure that cannot be raised again as it was (it does not unpickle, or the child died):
    a MkDocs exception, whose message run_mkdocs reports as it is, the one the failure gives in one
    process."""
    from mkdocs.exceptions import Abort

    return Abort(reason)


def _portable(record: logging.LogRecord) -> logging.LogRecord:
    """The record with its message formatted and its traceback as text, so that it pickles."""
    record.msg, record.args = record.getMessage(), None
    if record.exc_info:
        record.exc_text = record.exc_text or logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
    try:
        pickle.dumps(record)
    except Exception:  # an extra attribute that does not pickle: keep what a handler shows
        record = logging.makeLogRecord(
            {k: record.__dict__[k] for k in ("name", "msg", "levelno", "levelname", "pathname", "lineno")}
        )
    return record


def make_plugin(shards: int, on_pages: Callable[[int], None] | None = None) -> Any:
    """The plugin for a build over `shards` processes (at least 2); `on_pages(n)` hears, in the parent,
    of n pages another shard wrote. Use the build inside `plugin.running()`."""
    from mkdocs.plugins import BasePlugin, event_priority

    class Shards(BasePlugin):
        def __init__(self) -> None:
            super().__init__()
            self.shard = 0  # 0 in the parent
            self.children: dict[int, tuple[int, Connection]] = {}  # pid -> (shard, the pipe it writes)
            self.early: dict[int, tuple[Any, ...]] = {}  # the results that came while counting pages
            self.reaped: set[int] = set()
            self.pipe: Connection | None = None  # in a child: where it writes
            self.own: set[str] = set()  # this process's pages
            self.files: dict[str, Any] = {}  # the documentation pages' files by src_uri
            self.nav_pages: list[Any] = []
            self.left = 0  # own pages not built yet
            self.gathered = False
            # Log records from the fork on, each with where a single build would have emitted it.
            self.records: list[tuple[tuple[int, int, int], logging.LogRecord]] = []
            self.config: Any = None
            self.index: dict[str, int] = {}  # the pages' order
            self.building = False  # MkDocs converted every page, and now builds them (from on_env)
            self.search = incremental.SearchEntries()
            self.anchors: dict[str, list[str]] = {}  # a child's pages' anchors and links, by src_uri
            self.links: dict[str, dict[str, dict[str, str]]] = {}

        # The parent --------------------------------------------------------------------------------

        @contextlib.contextmanager
        def running(self) -> Iterator[None]:
            """Around build(): a child never leaves it (whatever happens, it ends there); the parent
            stops and reaps every child still running when the build ends, however it ends, and shows
            its log records held back."""
            parent = os.getpid()
            try:
                yield
            finally:
                if os.getpid() != parent:  # a failure outside the hooks, or not an Exception: report it
                    self._child_failed(RuntimeError("the build process was interrupted"))
                _show_logs()
                for _key, record in self.records:  # the build failed before it gathered the shards
                    _SHOW(logging.getLogger(record.name), record)
                self.records = []
                self._stop()

        def _stop(self) -> None:
            for pid, (_shard, pipe) in self.children.items():
                if pid not in self.reaped:  # a reaped child's pid may be another process's by now
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                    with contextlib.suppress(ChildProcessError):
                        os.waitpid(pid, 0)
                pipe.close()
            self.children = {}

        @event_priority(-100)  # after every other plugin has seen the navigation
        def on_nav(self, nav: Any, /, *, config: Any, files: Any) -> Any:
            global _in_shard
            pages = files.documentation_pages()
            self.files, self.nav_pages = {f.src_uri: f for f in pages}, list(nav.pages)
            self.config, self.index = config, {f.src_uri: i for i, f in enumerate(pages)}
            self.search.start(files)
            # A navigation page whose title comes from its Markdown is known only to the process that
            # converts it, and every page shows it: then one process builds everything.
            split_here = all("title" in vars(p) for p in nav.pages)
            owner = split([_size(f.abs_src_path) for f in pages], shards if split_here else 1)
            for shard in range(1, shards if split_here else 1):
                reader, writer = multiprocessing.Pipe(duplex=False)
                pid = os.fork()
                if pid == 0:  # the child: build shard `shard` from here on
                    reader.close()
                    for _pid, (_shard, pipe) in self.children.items():
                        pipe.close()
                    self.children, self.shard, self.pipe = {}, shard, writer
                    _in_shard = True
                    gc.freeze()  # what was read before the fork stays shared, not copied by the collector
                    break
                writer.close()
                self.children[pid] = (shard, reader)
            if self.children or self.shard:
                self._capture_logs()
            self.own = {f.src_uri for f, o in zip(pages, owner, strict=True) if o == self.shard}
            self.left = len(self.own)
            for file in files:
                if file.is_documentation_page():
                    file.is_modified = (lambda mine: lambda: mine)(file.src_uri in self.own)
                else:  # the theme's and the docs' other files: written by the parent alone
                    file.is_modified = (lambda mine: lambda: mine)(self.shard == 0)
            if self.shard:
                config.theme.static_templates.clear()  # the sitemap and 404 page: the parent's
                config.extra_templates.clear()
            return nav

        def on_env(self, env: Any, /, *, config: Any, files: Any) -> Any:
            self.building = True
            for page in self.nav_pages:  # the front matter of the navigation's pages (icons, status)
                if page.file.src_uri not in self.own:
                    page.read_source(config)
            return env

        @event_priority(-100)  # after the search plugin indexed the page
        def on_page_context(self, context: Any, /, *, page: Any, config: Any, nav: Any) -> Any:
            self.search.page_built(config, page.url)
            return context

        @event_priority(-100)  # after every other plugin's (the progress counter's) view of the page
        def on_post_page(self, output: str, /, *, page: Any, config: Any) -> str:
            self.left -= 1
            if self.shard:
                # MkDocs checks the anchors of links after every page: the parent does, with all of them.
                self.anchors[page.file.src_uri] = sorted(page.present_anchor_ids or ())
                self.links[page.file.src_uri] = {
                    to.src_uri: dict(links) for to, links in (page.links_to_anchors or {}).items()
                }
                page.links_to_anchors = None
                self._send(("pages", 1))
            else:
                self._progress()
                if self.left == 0 or any(m[0] != "done" for m in self.early.values()):
                    self._gather(config)  # all done, or a child failed: no use building more
            return output

        def _progress(self) -> None:
            """Count the pages the children wrote so far; their results wait for `_gather`."""
            for pid, (_shard, pipe) in self.children.items():
                while pid not in self.early and pipe.poll():
                    try:
                        message = pipe.recv()
                    except (EOFError, OSError):  # it died: `_gather` finds out how
                        break
                    if message[0] == "pages":
                        self._receive(message)
                    else:
                        self.early[pid] = message

        def _receive(self, message: tuple[Any, ...]) -> None:
            if on_pages is not None:
                on_pages(message[1])

        def _gather(self, config: Any) -> None:
            """Wait for every child; take its log records, search entries, anchors and links; raise its
            failure if it failed."""
            if self.gathered:
                return
            self.gathered = True
            _show_logs()
            results = {self.children[pid][0]: message for pid, message in self.early.items()}
            pipes = {pipe: (pid, shard) for pid, (shard, pipe) in self.children.items() if pid not in self.early}
            while pipes:
                for pipe in wait(list(pipes)):
                    assert isinstance(pipe, Connection)
                    pid, shard = pipes[pipe]
                    try:
                        message = pipe.recv()
                    except (EOFError, OSError):  # it died without a word
                        del pipes[pipe]
                        results[shard] = ("died", _ended(pid))
                        self.reaped.add(pid)
                        continue
                    if message[0] == "pages":
                        self._receive(message)
                    else:
                        del pipes[pipe]
                        results[shard] = message
            # In the order one process emits them (page by page, converting, then building), each shown by
            # the handlers as this process would have (the filters have seen them where they arose).
            records = [*self.records, *(r for m in results.values() if m[0] != "died" for r in m[-1])]
            for _key, record in sorted(records, key=lambda kept: kept[0]):
                _SHOW(logging.getLogger(record.name), record)
            self.records = []
            failed = [results[shard] for shard in sorted(results) if results[shard][0] != "done"]
            if failed:
                kind, error = failed[0][:2]
                raise error if kind == "failed" else _failure(error)
            files = self.files
            for shard in sorted(results):
                _, by_page, anchors, links, _records = results[shard]
                self.search.by_page.update(by_page)
                for uri, ids in anchors.items():
                    page = files[uri].page
                    page.present_anchor_ids = set(ids)
                    page.links_to_anchors = {files[to]: targets for to, targets in links[uri].items()}

        @event_priority(100)  # before the search plugin writes its index
        def on_post_build(self, /, *, config: Any) -> None:
            if self.shard:
                self._send(("done", self.search.by_page, self.anchors, self.links, self.records))
                self._exit(0)
            self._gather(config)  # when shard 0 had no page of its own
            self.search.merge(config)

        def on_build_error(self, /, *, error: Exception) -> None:
            if self.shard:
                self._child_failed(error)
            self._stop()

        # A child ---------------------------------------------------------------------------------------

        def _capture_logs(self) -> None:
            # Every record that reaches a handler is kept, to be shown by the parent's handlers in order.
            def keep(logger: logging.Logger, record: logging.LogRecord) -> None:
                page = getattr(self.config, "_current_page", None)
                index = self.index.get(page.file.src_uri, -1) if page is not None else -1
                phase = 0 if not self.building else (2 if page is not None else 1)
                kept = _portable(record) if self.shard else record
                self.records.append(((phase, index, len(self.records)), kept))

            logging.Logger.callHandlers = keep  # type: ignore[method-assign,assignment]  # until _show_logs

        def _send(self, message: tuple[Any, ...]) -> None:
            assert self.pipe is not None
            self.pipe.send(message)

        def _child_failed(self, error: BaseException) -> None:
            try:
                pickle.loads(pickle.dumps(error))  # an exception may pickle and not unpickle
                self._send(("failed", error, self.records))
            except Exception:
                reason = str(error) if _is_mkdocs_error(error) else f"{type(error).__name__}: {error}"
                with contextlib.suppress(Exception):
                    self._send(("failed-text", reason, self.records))
            self._exit(1)

        def _exit(self, status: int) -> None:
            with contextlib.suppress(Exception):
                assert self.pipe is not None
                self.pipe.close()
            os._exit(status)

    return Shards()


_SHOW = logging.Logger.callHandlers  # how a logger hands a record to its handlers


def _show_logs() -> None:
    """Hand log records to the handlers again (a parent holds them back while its shards run)."""
    logging.Logger.callHandlers = _SHOW  # type: ignore[method-assign]


def _size(path: str | None) -> int:
    try:
        return os.stat(path).st_size if path else 0
    except OSError:
        return 0


def _is_mkdocs_error(error: BaseException) -> bool:
    from mkdocs.exceptions import MkDocsException

    return isinstance(error, MkDocsException)


def _ended(pid: int) -> str:
    """How a child that sent no result ended, as the build's failure."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return "a build process ended without its result"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        hint = " (the system's out-of-memory killer sends it)" if number == signal.SIGKILL else ""
        return f"a build process was stopped by signal {number} ({name}){hint}"
    return f"a build process ended with status {os.waitstatus_to_exitcode(status)} without its result"
