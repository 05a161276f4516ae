"""The whole build as one function per command: everything is gathered and checked before anything
is written (files -> model -> diagnostics -> pages -> site)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from generator.cache import compiled_templates_dir, read_record, write_record
from generator.checks.validate import CheckResult, check_project
from generator.diagnostics import Code, Diagnostic, DiagnosticError, error
from generator.model import Actor, Claim, Event, FactBase, FactDate, Position, Source, Topic, Where
from generator.pages import record
from generator.pages.citations import PLACES_RECORD, Places
from generator.pages.context import PAGES, Page, build_pages_reads, fact_target
from generator.pages.export import KEPT_RECORD, SCHEMA, Kept, makers
from generator.pages.reads import Known, Reads, reading
from generator.pages.render import FrontMatterError, render_changed
from generator.progress import Progress, Stage, Step, quiet
from generator.project import Project
from generator.resources import template_dirs
from generator.site import incremental
from generator.site.publish import Written, build_lock, build_site, source_date_epoch, write_docs
from generator.workers import collected_apart, few_collections, made_apart

if TYPE_CHECKING:
    from generator.site.bundle import Bundles


def check(project: Project, *, cache: bool = True, jobs: int | None = None, progress: Progress = quiet) -> CheckResult:
    """Load and validate every input; never raises for bad input (`validate.check_project`, which
    `factsheet check` calls without importing the later stages)."""
    return check_project(project, cache=cache, jobs=jobs, progress=progress)


@dataclass(frozen=True)
class Generated:
    result: CheckResult
    pages: Mapping[str, str]
    written: Written
    exports: dict[str, bytes]
    rendered: int = 0
    """How many pages were rendered (the others' Markdown was the previous build's: incremental.py)."""


def _pages_key(project: Project) -> str:
    # The code that writes pages is in the key (its files' stamps); so are the functions render.py calls at
    # the time, should one have been replaced in this process (a test, a plugin).
    from generator.pages import render as writer

    functions = [(f.__module__, f.__qualname__) for f in (writer.front_matter, writer.read_back, writer.md_text)]
    return record.environment_key("pages", [str(d) for d in template_dirs(project)], functions)


def render(
    project: Project,
    *,
    strict: bool = False,
    cache: bool = True,
    jobs: int | None = None,
    progress: Progress = quiet,
    reuse: bool = False,
    fingerprints: dict[str, record.Rendered] | None = None,
    exported: dict[str, record.Made] | None = None,
    recorded: list[Known] | None = None,
) -> tuple[CheckResult, Mapping[str, str]]:
    """Check, then render every page in memory. Raises DiagnosticError instead of rendering bad input.

    With `reuse`, a page whose inputs or fingerprint are the previous generate's takes its Markdown from the
    docs folder instead of being rendered (incremental.py); `fingerprints`, when given, receives each
    page's. `exported`, when given, receives the data exports (with `reuse`, a file whose inputs did not
    change is the docs folder's). `recorded`, when given, receives the hashes of the values the pages and
    exports read, for the next build (reads.Known)."""
    result = check(project, cache=cache, jobs=jobs, progress=progress)
    blocking = result.diagnostics if strict else result.errors
    if blocking:
        raise DiagnosticError(blocking)
    try:
        with few_collections(), made_apart(lambda: result.facts) as facts:  # unpickled, apart from the collector
            updated = updated_on(project, facts)
            places = Places.from_record(read_record(project.root, PLACES_RECORD)) if cache else None
            previous = record.load_pages(project.root, _pages_key(project)) if reuse else None
            built = build_pages_reads(
                facts, updated, places, result.files, previous.known if previous is not None else None, jobs
            )
            if places is not None and places.stale():
                write_record(project.root, PLACES_RECORD, places.record())
            docs = project.docs_dir
            salt = repr(updated)  # the build date: in every page's context, not a read of the fact base

            def frame(page: Page, template_key: str) -> str:  # the page's inputs but its reads
                return record.inputs_hash(page.path, template_key, page.title, page.origin, salt)

            def inputs(page: Page, template_key: str, reads: tuple[str, ...]) -> str:
                built.note(reads)  # the values of a page built now, recorded for the next build's `unchanged`
                return frame(page, template_key)

            def unchanged(page: Page, template_key: str) -> record.Rendered | None:
                assert previous is not None
                return previous.unchanged(docs, page.path, frame(page, template_key), built.unchanged)

            exporting = None
            if exported is not None:  # which files the previous build's still are: decided before forking
                root = project.root if cache else None
                exporting = _Exports(built.facts, built.digest, previous, docs, root, result.files)

            rendered = render_changed(
                built.pages,
                template_dirs(project),
                compiled_templates_dir() if cache else None,
                jobs,
                (lambda path, fingerprint: previous.reuse(docs, path, fingerprint)) if previous is not None else None,
                record=fingerprints is not None,
                unchanged=unchanged if previous is not None else None,
                inputs=inputs if fingerprints is not None else None,
                counted=lambda todo: progress(Step(Stage.RENDER, 0, todo)),  # the pages built, not all
                alongside=exporting.make if exporting is not None else None,
                alongside_done=exporting.take if exporting is not None else None,
            )
    except FrontMatterError as exc:
        raise DiagnosticError([_front_matter_problem(project, result.facts, exc)]) from None
    except jinja2.TemplateSyntaxError as exc:
        # The file that failed: the fact sheet's own template or a default one (exc.filename says which).
        where = Where(Path(exc.filename) if exc.filename else project.templates_dir / (exc.name or ""), exc.lineno, 1)
        raise DiagnosticError(
            [error(where, Code.BUILD_FAILED, f"template error: {exc.message}", "fix the template at this line")]
        ) from None
    except (jinja2.TemplateError, ValueError) as exc:
        raise DiagnosticError(
            [
                error(
                    Where(project.templates_dir),
                    Code.BUILD_FAILED,
                    f"template error: {exc}",
                    "fix the template named above",
                )
            ]
        ) from None
    if fingerprints is not None:
        fingerprints.update(rendered)
    if exported is not None and exporting is not None:
        exported.update(exporting.made())
    if recorded is not None:
        recorded.append(built.known())
    return result, record.Pages(rendered, project.docs_dir)


class _Exports:
    """The data exports of one build, made alongside the pages (render_changed: in a worker of its own when
    the pages are spread over processes), each with its reads noted, or kept from the docs folder when the
    previous build's record says its maker read the same values (and the schema file the exports copy is the
    same: it is no .py file of the code in the key). With the cache (`root`), a file made again reuses the
    pieces of the previous one whose records have the same values (export.Kept, its record kept in `root`'s
    cache; read only after a previous generate, `previous`), keyed on each record's file (`files`, the
    check's path and hash of the file of each fact: its model object is a function of them).

    Which files are kept is decided here (`__init__`); `make` makes the others, in this process or a worker,
    and returns them with what each read and the pieces it noted; `take` records what `make` returned;
    `made` gives every file. An error in `make` is raised by `made`, not taken for a template's."""

    def __init__(
        self,
        facts: FactBase,
        digest: Callable[[Iterable[str]], str],
        previous: record.PageRecord | None,
        docs: Path,
        root: Path | None,
        files: Mapping[tuple[str, str], str] | None = None,
    ) -> None:
        schema = record.file_hash(SCHEMA)
        self._inputs = lambda reads: record.inputs_hash("", "", "", None, schema, digest(reads))
        # A record's key: the hash of its file, as a page's read of a fact is hashed (context._Builder._made_from),
        # without hashing a read per record (the fact base is the tracked one; a record not its own has none).
        collections: dict[type, object] = {Source: facts.sources, Actor: facts.actors, Event: facts.events}
        collections |= {Topic: facts.topics, Position: facts.positions, Claim: facts.claims}
        views = {kind: view for kind, view in collections.items() if isinstance(view, Reads)}
        known = files or {}

        def key_of(record: object) -> str | None:
            kind = type(record)
            view, key = views.get(kind), getattr(record, "id", None)
            if view is None or not isinstance(key, str) or view.value(key) is not record:
                return None
            found = known.get((kind.__name__, key))
            return None if found is None else record_key(kind.__name__, key, found)

        self._kept = None
        if root is not None:
            self._kept = Kept(key_of, docs, read_record(root, KEPT_RECORD) if previous is not None else None)
        self._root, self._first = root, previous is None
        self._makers = makers(facts, self._kept)
        self._made: dict[str, record.Made] = {}
        self._todo: list[str] = []
        for path in self._makers:
            found = previous.kept_export(docs, path, self._inputs) if previous is not None else None
            if found is None:
                self._todo.append(path)
            else:
                self._made[path] = found
                if self._kept is not None:
                    self._kept.carry(path, found.sha)
        self._failed: Exception | None = None

    def make(self) -> list[tuple[str, bytes, tuple[str, ...], list[tuple[str, int, int]] | None]] | Exception:
        """Each file not kept: its bytes, what its maker read, and the pieces it noted (export.Kept)."""
        try:
            return [(path, *reading(self._makers[path]), self._pieces(path)) for path in self._todo]
        except Exception as exc:  # raised by `made`: not a template's error, as the render's would be taken
            return exc

    def _pieces(self, path: str) -> list[tuple[str, int, int]] | None:
        return self._kept.pieces.get(path) if self._kept is not None else None

    def take(self, made: object) -> None:
        if isinstance(made, Exception):
            self._failed = made
            return
        assert isinstance(made, list)  # make's list of files
        for path, data, reads, pieces in made:
            self._made[path] = record.Made(data, self._inputs(reads), reads, record.file_sha(data))
            if self._kept is not None and pieces is not None:
                self._kept.pieces[path] = pieces

    def made(self) -> dict[str, record.Made]:
        """Every export file, in the makers' order."""
        if self._failed is not None:
            raise self._failed
        if self._root is not None and self._kept is not None and (self._todo or self._first):  # else still right
            write_record(self._root, KEPT_RECORD, self._kept.record({path: m.sha for path, m in self._made.items()}))
        return {path: self._made[path] for path in self._makers}


def record_key(kind: str, key: str, file: str) -> str:
    """The key of a fact's pieces of the exports (export.Kept): its kind, id and file (path and hash)."""
    return hashlib.sha256(f"{kind}\0{key}\0{file}".encode()).hexdigest()


def updated_on(project: Project, facts: FactBase) -> FactDate | None:
    """The day the inputs last changed, as the pages say it: the build's date (SOURCE_DATE_EPOCH, else the
    last commit touching the inputs, else the newest source date); None when nothing gives one."""
    epoch = source_date_epoch(project, facts)
    if not epoch:
        return None
    day = datetime.fromtimestamp(epoch, UTC).date()
    return FactDate(day.year, day.month, day.day)


def _front_matter_problem(project: Project, facts: FactBase, exc: FrontMatterError) -> Diagnostic:
    """The page's front matter did not read back: located at the fact whose page it is (its title comes
    from there), else at the templates."""
    own_pages: list[Actor | Topic] = [*facts.actors.values(), *facts.topics.values()]
    origins: dict[str, Where] = {fact_target(x).page: x.where for x in own_pages}
    origins.update({fact_target(s).page: s.where for s in facts.sources.values()})
    origins[PAGES["home"]] = facts.info.where
    where = origins.get(exc.page, Where(Path("")))
    if where.path == Path(""):  # a page of the generator's own (a list page), or a sheet without a file
        where = Where(project.templates_dir)
    return error(
        where,
        Code.BUILD_FAILED,
        f"the {exc.field} of page {exc.page} cannot be written into the page's front matter so that it reads "
        "back unchanged; MkDocs would show it as Markdown",
        "retype the name or title of this file in plain text; if it looks right, report this as a bug",
    )


def generate(
    project: Project,
    *,
    strict: bool = False,
    cache: bool = True,
    jobs: int | None = None,
    progress: Progress = quiet,
    full: bool = False,
) -> Generated:
    """Check, render, and write the Markdown pages and the data exports into the docs folder: everything a
    site generator that reads mkdocs.yml needs (`factsheet generate`; MkDocs or another engine then).

    With the cache on and not `full`, only the pages whose inputs changed since the last generate are
    rendered (incremental.py); the pages written are the same either way."""
    if not cache:
        incremental.forget(project.root)  # the docs folder changes without a record of it
    rendered: dict[str, record.Rendered] = {}
    made: dict[str, record.Made] = {}
    recorded: list[Known] = []
    result, pages = render(
        project,
        strict=strict,
        cache=cache,
        jobs=jobs,
        progress=progress,
        reuse=cache and not full,
        fingerprints=rendered if cache else None,
        exported=made,
        recorded=recorded,
    )
    built = sum(r.built for r in rendered.values()) if rendered else len(pages)
    progress(Step(Stage.RENDER, built, built))
    files = {path: m.data for path, m in made.items()}
    progress(Step(Stage.WRITE, 0, len(pages) + len(files)))
    # What the docs folder already holds, as just read and hashed: an unchanged page's Markdown (taken
    # back from the folder) and a kept export; the SHA-256 of every file known, for the site's record.
    same = {path for path, r in rendered.items() if r.reused and r.text_sha} | {p for p, m in made.items() if m.kept}
    shas = {path: r.text_sha for path, r in rendered.items() if r.text_sha} | {p: m.sha for p, m in made.items()}
    with few_collections():  # the fact base and the pages are alive: not scanned again and again
        written = write_docs(project, pages, files, shas=shas, same=same, hashed=cache)
        if cache:
            known = recorded[0] if recorded else None
            record.save_pages(project.root, _pages_key(project), rendered, made, known, written.stamps)
    progress(Step(Stage.WRITE, len(pages) + len(files), len(pages) + len(files)))
    return Generated(result, pages, written, files, len(pages) - sum(r.reused for r in rendered.values()))


def build(
    project: Project,
    *,
    strict: bool = False,
    cache: bool = True,
    jobs: int | None = None,
    progress: Progress = quiet,
    full: bool = False,
    detach: bool = False,
) -> tuple[Generated, Path]:
    """Check, generate and publish the HTML site. The old site survives any failure. One build at a time:
    the docs folder and the site are written under the build lock (a second build fails at once).

    With the cache on and not `full`, a build after a previous one renders only the pages that changed and,
    unless `strict`, has MkDocs build only those (incremental.py); the site is byte for byte the one a full
    build makes.
    With `detach`, the old site may still be being removed when this returns (publish.build_site)."""
    with build_lock(project):
        generated = generate(project, strict=strict, cache=cache, jobs=jobs, progress=progress, full=full)
        epoch = source_date_epoch(project, generated.result.facts)
        # --strict builds the whole site: MkDocs checks links only on the pages it builds, so a dirty build
        # would not see a warning on an unchanged page that links to a changed one.
        with collected_apart():
            site = build_site(
                project,
                strict=strict,
                epoch=epoch,
                progress=progress,
                incremental=cache and not full and not strict,
                remember=cache and not strict,
                detach=detach,
                jobs=jobs,
                docs=generated.written.docs,
            )
        return generated, site


def bundle(project: Project, *, strict: bool = False, progress: Progress = quiet) -> tuple[Generated, Bundles]:
    """Check, generate, and build the offline bundles into the dist folder (under the build lock: it
    writes the docs folder too)."""
    from generator.site.bundle import make_bundles  # not imported by a build

    with build_lock(project):
        generated = generate(project, strict=strict, progress=progress)
        epoch = source_date_epoch(project, generated.result.facts)
        progress(Step(Stage.BUNDLE))
        return generated, make_bundles(project, generated.pages, epoch=epoch, strict=strict)
