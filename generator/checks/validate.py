"""Stage 2: parsed documents -> the fact model, with every problem as a diagnostic.

The check of a whole fact sheet: every file on its own (convert.py, fact_file.py; remembered in the cache,
spread over the cores), then the checks across files: ids unique, references resolve, editorial rules
(rules.py), every quote found in its source (quotes.py; quote_hints.py says what to fix). Nothing here
prints or exits.
"""

from __future__ import annotations

import dataclasses
import functools
import pickle
import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from generator import workers
from generator.cache import FileCache, Key, StaleCache, Stamp, stamp
from generator.checks import chronology, quotes, rules
from generator.checks.convert import _PATH_LIKE, a_kind
from generator.checks.fact_file import FileCheck, check_file
from generator.checks.ids import ALL_SHOWN, NEAREST_SHOWN, _NearIds
from generator.checks.quote_hints import _COPY_EXACTLY, quote_hint
from generator.diagnostics import Code, Diagnostic, error, sorted_diagnostics, warning
from generator.inputs.load import Document, Loaded, Unread, load_project
from generator.model import (
    BY_KIND,
    ENTITY_TYPES,
    Actor,
    Claim,
    ClockTime,
    Event,
    FactBase,
    FactDate,
    Position,
    SheetInfo,
    Source,
    Topic,
    Voice,
    Where,
    file_for,
    slugify,
)
from generator.progress import Progress, Stage, Step, quiet
from generator.project import Project


@dataclass(frozen=True)
class CheckResult:
    diagnostics: list[Diagnostic]
    counts: dict[str, int]  # valid facts by kind ('sources', 'actors', ...), without building them
    load_facts: typing.Callable[[], FactBase] = dataclasses.field(repr=False, compare=False)
    files: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict, repr=False, compare=False)
    """Per fact (model class name, id; the sheet's info under id ""), its file's path and SHA-256 when
    known: the cache's key, which its model object is a function of (context.py hashes objects by it)."""

    @functools.cached_property
    def facts(self) -> FactBase:
        # Built on first use: `check` alone needs only the diagnostics, and cached objects are unpickled
        # only here.
        return self.load_facts()

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


class _IdHelp:
    """The ids of one kind and what editors write instead of them (a name, an alias, a file's path), for the
    hints of references that are not ids, blank, missing or unknown."""

    def __init__(self, kind: str, facts: dict[str, _Checked]) -> None:
        self.kind = kind
        self.ids = facts
        self.near = _NearIds(facts)
        self.by_name: dict[str, set[str]] = {}
        for fact_id, (_, summary, _) in facts.items():
            for name in summary[11]:  # FileCheck.names
                self.by_name.setdefault(_name_key(name), set()).add(fact_id)

    def meant(self, value: str) -> list[str]:
        """The ids `value` surely stands for: a file's path or name, a fact's name or alias, or its slug."""
        if _PATH_LIKE.search(value):
            value = _EXTENSION.sub("", re.split(r"[/\\]", value.strip())[-1])
            if value in self.ids:
                return [value]
        named = self.by_name.get(_name_key(value))
        if named:
            return sorted(named)
        slug = slugify(value)
        return [slug] if slug in self.ids else []

    def listing(self, context: str) -> str:
        """The ids to choose from: all when few, else the nearest to `context` (the file's name)."""
        folder = Path(file_for(self.kind, "x")).parent.as_posix()
        if not self.ids:
            return f"there is no {self.kind} yet: create one in {folder}/"
        if len(self.ids) <= ALL_SHOWN:
            ranked = self.near.nearest(context, len(self.ids))
            return f"the {self.kind}s are: {', '.join(repr(i) for i in ranked)}"
        ranked = self.near.nearest(context, NEAREST_SHOWN)
        return (
            f"the nearest {self.kind} ids are {', '.join(repr(i) for i in ranked)} "
            f"({len(self.ids)} in all, in {folder}/)"
        )

    def unknown(self, value: str, context: str) -> str:
        """The hint for an id that no fact of this kind has."""
        meant = self.meant(value)
        if meant:
            return f"did you mean {' or '.join(repr(i) for i in meant)}?"
        close = self.near.suggest(value)
        if close:
            return close
        return f"no {self.kind} id is close; {self.listing(value)}; or create {file_for(self.kind, value)}"

    def not_an_id(self, name: str, value: str, context: str, hint: str) -> str:
        """The hint for field `name`'s reference that is not an id (a name, a path), or is blank or missing
        (value ""); `hint` is what the field's check says."""
        if not value.strip():
            return f"{hint}; {self.listing(context)}"
        meant = self.meant(value)
        if len(meant) == 1:
            what = "a file path" if _PATH_LIKE.search(value) else "a name"
            return f"did you mean '{meant[0]}'? write {name}: {meant[0]} (the id of {a_kind(self.kind)}, not {what})"
        if meant:
            return f"did you mean {' or '.join(repr(i) for i in meant)}? {hint}"
        close = self.near.suggest(slugify(value) or value)
        return f"{close} {hint}" if close else f"{hint}; {self.listing(value)}"


_EXTENSION = re.compile(r"\.(?:md|ya?ml)$", re.IGNORECASE)


def _name_key(name: str) -> str:
    """Names compared as an editor would: case, whitespace, quote marks and dashes aside."""
    return quotes.fold_text(name).casefold()


_Loader = typing.Callable[[], object]
# FileCheck's fields as a plain tuple, as the cache keeps them: a FileCheck is one, and reordering its
# fields breaks the type check of the code that reads them by position.
_Summary = tuple[
    bool,
    str | None,
    int,
    int,
    tuple[Diagnostic, ...],
    tuple[Diagnostic, ...],
    tuple[tuple[str, str, int, int], ...],
    tuple[tuple[str, str, int, int], ...],
    str | None,
    tuple[str, str | None, tuple[str, ...], tuple[str, ...]] | str | None,
    tuple[tuple[str, str, str, Diagnostic], ...],
    tuple[str, ...],
]
_Checked = tuple[Document, _Summary, _Loader]  # a file, its summary, its model object

# Below this many files per core, forking worker processes costs more than the check it shares out.
_FILES_PER_JOB = 500


def _plain(summary: FileCheck) -> _Summary:
    return typing.cast(_Summary, tuple(summary))  # the same fields, typed by position


# What a worker sends back for one file it read: the file as the loader spells it (None if it could not be
# read), its cache key and stamp (None with the cache off), its summary (None when the cache holds its check),
# its model object pickled, and for a valid article its folded text (quotes.fold_text of the body), which the
# parent counts quotes in (_Counter) without unpickling the article. The parent already has the file's kind;
# sending the Document back instead, with its os.stat_result, cost the pipe twice as much as the summaries did.
_Fresh = tuple[str | None, Key | None, Stamp | None, _Summary | None, bytes | None, str | None]


def _read_and_check(cache: FileCache, item: Document | Unread) -> _Fresh:
    """Read one file if it is not read yet, and check it unless the cache holds its check; the work of a
    worker process. The model object travels (and is cached) pickled, the summary as a plain tuple (a
    NamedTuple pickles and unpickles through Python code: twice as slow)."""
    if isinstance(item, Unread):
        doc, problems = item.read(cache)
        if doc is None:
            return None, None, None, _plain(FileCheck(False, None, 0, 0, tuple(problems), (), (), ())), None, None
    else:
        doc = item
    info = stamp(doc.stat) if doc.stat is not None else None
    if doc.cached:
        return doc.file, doc.cache_key, info, None, None, None
    summary, obj = check_file(doc)
    pickled = None if obj is None else pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    folded = quotes.fold_text(obj.body) if isinstance(obj, Source) else None
    return doc.file, doc.cache_key, info, _plain(summary), pickled, folded


def _checked_files(
    items: list[Document | Unread], cache: FileCache, jobs: int | None, counted: dict[tuple[str, str], int]
) -> Iterator[tuple[Document | None, _Summary, _Loader]]:
    """Each file's document, summary and a loader of its model object, in item order: from the cache when
    the loader found the file there, otherwise by reading and checking it, over `jobs` processes when
    there are many. Entries are put in the cache here only, in this process. Meanwhile the quotes that
    fresh facts cite in fresh articles are counted into `counted` (see _Counter)."""
    # Cached summaries stay plain tuples (the fields of FileCheck, read by position): on a large fact
    # sheet, wrapping each one costs more than the rest of a cached check of that file. The cache
    # returns what was put (`tuple(summary)` below) as an object.
    summary_of = typing.cast(typing.Callable[[Key], _Summary | None], cache.summary)
    known = [
        summary_of(item.cache_key) if isinstance(item, Document) and item.cached and item.cache_key else None
        for item in items
    ]
    # The articles are checked first (a stable sort: the files' order otherwise kept), so that their
    # texts are known when the facts citing them come back.
    order = sorted((i for i, summary in enumerate(known) if summary is None), key=lambda i: items[i].kind is not Source)
    work = functools.partial(_read_and_check, cache)
    arrivals = zip(
        order, workers.each(work, [items[i] for i in order], jobs=jobs, min_per_job=_FILES_PER_JOB), strict=True
    )
    waiting: dict[int, _Fresh] = {}
    counter = _Counter(counted)
    for i, (item, summary) in enumerate(zip(items, known, strict=True)):
        if summary is not None:
            cached = typing.cast(Document, item)  # `known` has summaries for cached Documents only
            yield cached, summary, functools.partial(_cached_value, cache, cached)
            continue
        while i not in waiting:  # results come in `order`; the caller gets them in item order
            at, result = next(arrivals)
            waiting[at] = result
            counter.arrived(result[3], result[5])
        file, key, info, summary, pickled, _ = waiting.pop(i)
        if file is None:  # not readable: the summary holds why
            yield None, typing.cast(_Summary, summary), _nothing
            continue
        # The document without its text (the parent keeps no parsed text past the check).
        doc = Document(item.kind, file, "", cache_key=key, cached=summary is None)
        if key is not None and info is not None:
            cache.remember(file, info, key)
        if summary is None:  # read, and found in the cache by its content hash
            summary = summary_of(typing.cast(Key, key))
            assert summary is not None  # the loader saw it there, and nothing removes entries during a check
            yield doc, summary, functools.partial(_cached_value, cache, doc)
            continue
        if key is not None:
            cache.put(key, summary, pickled)  # a plain tuple (see _read_and_check)
        yield doc, summary, functools.partial(pickle.loads, pickled) if pickled is not None else _nothing
    for _ in arrivals:  # none is left: this ends the worker processes now, not when the generator is collected
        raise AssertionError("a file checked twice")


class _Counter:
    """Counts the quotes of the facts checked in this run in the articles checked in this run, while the
    worker processes check the other files (the parent would otherwise wait for them, then count alone).
    A count is kept under (SHA-256 of the article text, quote), like the cache's: `_check_quotes` takes it
    for whichever article ends up holding that id, so a duplicate id or an invalid file changes nothing."""

    def __init__(self, counted: dict[tuple[str, str], int]) -> None:
        self.counted = counted
        self.folded: dict[str, tuple[str, str]] = {}  # source id -> (body_sha, folded body)

    def arrived(self, summary: _Summary | None, folded: str | None) -> None:
        """Take one file's result: an article's folded text (sent by the worker), or a fact's quotes."""
        if summary is None or not summary[0]:  # from the cache (counted there, if at all), or invalid
            return
        if summary[8] is not None and folded is not None:  # an article (FileCheck.body_sha)
            if summary[1] is not None and summary[1] not in self.folded:
                self.folded[summary[1]] = (summary[8], folded)
            return
        for source_id, quote, _, _ in summary[7]:  # FileCheck.citations
            found = self.folded.get(source_id)
            if found is not None and (memo := (found[0], quote)) not in self.counted:
                self.counted[memo] = quotes.occurrences(found[1], quote)


def _nothing() -> None:
    return None


def _cached_value(cache: FileCache, doc: Document) -> object:
    """The file's model object from the cache, or, if the cache lost it (a damaged file), checked again."""
    try:
        return cache.value(typing.cast(Key, doc.cache_key))
    except StaleCache:
        again, _ = Unread(doc.kind, doc.file).read()
        return check_file(again)[1] if again is not None else None


def check(
    loaded: Loaded, cache: FileCache | None = None, jobs: int | None = None, *, saving: bool = False
) -> CheckResult:
    """Validate everything loaded; always returns, with every problem found in one pass.

    Per-file results come from `cache` when the loader found them there (same bytes, kind and path);
    the others are checked over `jobs` processes (default: every core) when there are many. The
    cross-checks between files (ids, references, quotes) always run, on the files' summaries, with
    quote lookups remembered per (article text, quote). With `saving` (the caller saves `cache` after),
    the cache starts writing the files' entries while the cross-checks run (FileCache.save_files_apart)."""
    cache = cache or FileCache.disabled()
    diagnostics = list(loaded.diagnostics)
    references: list[tuple[Document, tuple[tuple[str, str, int, int], ...]]] = []
    unresolved: list[tuple[Document, tuple[tuple[str, str, str, Diagnostic], ...]]] = []
    by_kind: dict[type, dict[str, _Checked]] = {t: {} for t in (*ENTITY_TYPES, Source)}
    first_seen: dict[str, tuple[Document, int]] = {}
    info: typing.Callable[[], object] | None = None
    info_key: Key | None = None

    counted: dict[tuple[str, str], int] = {}  # quote lookups done while the files were checked
    for doc, summary, value in _checked_files(loaded.documents, cache, jobs, counted):
        valid, fact_id, line, col, problems, entity_problems, refs = summary[:7]  # see FileCheck
        diagnostics.extend(problems)
        if doc is None:  # not readable
            continue
        references.append((doc, refs))
        if summary[10]:  # FileCheck.unresolved
            unresolved.append((doc, summary[10]))
        if not valid:
            continue
        if fact_id is None:
            info, info_key = value, doc.cache_key
            continue
        if fact_id in first_seen:
            diagnostics.append(
                error(
                    Where(doc.path, line, col),
                    Code.DUPLICATE_ID,
                    f"id '{fact_id}' is already used in {_short(first_seen[fact_id])}",
                    "ids are unique across the whole fact sheet; choose another",
                )
            )
            continue
        first_seen[fact_id] = (doc, line)
        by_kind[doc.kind][fact_id] = (doc, summary, value)
        diagnostics.extend(entity_problems)
    if saving:  # every file's entry is known: written on the other core while the checks below run
        cache.save_files_apart()

    kinds = {kind: by_kind[t] for kind, t in BY_KIND.items()}  # BY_KIND's classes are by_kind's keys
    helps: dict[str, _IdHelp] = {}

    def help_for(kind: str) -> _IdHelp:
        if kind not in helps:
            helps[kind] = _IdHelp(kind, kinds[kind])
        return helps[kind]

    for doc, refs in references:
        for kind, ref_id, line, col in refs:
            if ref_id not in kinds[kind]:
                other = next((k for k, ids in kinds.items() if ref_id in ids), None)
                hint = (
                    f"'{ref_id}' is {a_kind(other)}, not {a_kind(kind)}"
                    if other
                    else help_for(kind).unknown(ref_id, doc.path.stem)
                )
                where = Where(doc.path, line, col)
                diagnostics.append(error(where, Code.UNKNOWN_REFERENCE, f"no {kind} with id '{ref_id}'", hint))
    for doc, wanted in unresolved:
        for kind, name, written, problem in wanted:
            hint = help_for(kind).not_an_id(name, written, doc.path.stem, problem.hint)
            diagnostics.append(error(problem.where, problem.code, problem.message, hint))

    facts = [f for t in ENTITY_TYPES for f in by_kind[t].values()]
    diagnostics.extend(_check_quotes(by_kind[Source], facts, cache, counted))
    diagnostics.extend(_check_rules(by_kind[Source], by_kind[Position], by_kind[Event]))

    # Only the objects' loaders outlive the check: not the documents (parsed trees) nor the summaries.
    loaders = {t: {i: by_kind[t][i][2] for i in sorted(by_kind[t])} for t in by_kind}
    if info is not None:
        loaders[SheetInfo] = {"": info}

    def load_facts() -> FactBase:
        def ordered(t: type) -> dict:
            return {i: load() for i, load in loaders[t].items()}

        sheet = loaders.get(SheetInfo, {}).get("", lambda: None)()
        if not isinstance(sheet, SheetInfo):
            sheet = SheetInfo(title="Fact sheet", description="(facts/factsheet.yaml is missing or invalid)")
        facts = FactBase(
            sheet, ordered(Source), ordered(Actor), ordered(Event), ordered(Topic), ordered(Position), ordered(Claim)
        )
        loaders.clear()  # the cache's pickled objects are no longer needed
        return facts

    counts = {t.FOLDER if t is not Source else "sources": len(by_kind[t]) for t in BY_KIND.values()}
    files = {
        (t.__name__, i): f"{key[1]}\0{key[2]}"
        for t, checked in by_kind.items()
        for i, (doc, _, _) in checked.items()
        if (key := doc.cache_key) is not None and key[0] == t.__name__
    }
    if info is not None and info_key is not None and info_key[0] == SheetInfo.__name__:
        files[(SheetInfo.__name__, "")] = f"{info_key[1]}\0{info_key[2]}"
    return CheckResult(sorted_diagnostics(diagnostics), counts, load_facts, files)


def check_project(
    project: Project, *, cache: bool = True, jobs: int | None = None, progress: Progress = quiet
) -> CheckResult:
    """Load and validate every input of `project`; never raises for bad input. What `factsheet check` runs,
    importing nothing of the later stages (pipeline.check is this).

    With `cache`, per-file results are kept in the project's .cache/factsheet/ for the next run. Files
    are read and checked over `jobs` processes (default: one per core) when there are many. `progress`
    hears of each stage (generator/progress.py)."""
    progress(Step(Stage.CHECK))
    with workers.few_collections():
        files = FileCache.for_project(project.root, enabled=cache)
        result = check(load_project(project, files, defer=True), files, jobs, saving=True)
    files.save()
    return result


def _check_rules(
    sources: dict[str, _Checked], positions: dict[str, _Checked], events: dict[str, _Checked]
) -> Iterator[Diagnostic]:
    """The rules across facts (rules.py), on the summaries: own words need quoted words; stated event order."""
    own_words = [
        rules.OwnWords(Where(doc.path, s[2], s[3]), tuple((c[0], c[1]) for c in s[7]))
        for doc, s, _ in positions.values()
        if s[9] == Voice.OWN_WORDS.value
    ]
    placings: dict[str, chronology.Dated] = {}
    for event_id, (doc, s, _) in events.items():
        if isinstance(s[9], tuple):
            date, time, before, after = s[9]
            placings[event_id] = chronology.Placing(
                event_id,
                FactDate.parse(date),
                ClockTime.parse(time) if time else None,
                before,
                after,
                Where(doc.path, s[2], s[3]),
            )

    def body_of(source_id: str) -> str | None:
        source = sources.get(source_id)
        return typing.cast(Source, source[2]()).body if source is not None else None

    return rules.check(own_words, placings, body_of)


def _short(place: tuple[Document, int]) -> str:
    doc, line = place
    return f"{doc.path.parent.name}/{doc.path.name} line {line}"


def _check_quotes(
    sources: dict[str, _Checked], facts: list[_Checked], cache: FileCache, counted: dict[tuple[str, str], int]
) -> Iterator[Diagnostic]:
    folded: dict[str, str] = {}
    body_sha = {source_id: typing.cast(str, s[1][8]) for source_id, s in sources.items()}  # FileCheck.body_sha
    quote_count = cache.quote_count
    missed: list[tuple[Where, str, str]] = []  # (where, source id, quote) of each quote not found
    for doc, summary, _ in facts:
        for source_id, quote, line, col in summary[7]:  # FileCheck.citations
            sha = body_sha.get(source_id)
            if sha is None:
                continue  # already reported as an unknown reference
            memo = (sha, quote)
            count = quote_count(memo)
            if count is None:
                count = counted.get(memo)  # counted while the files were checked (_Counter)
                if count is None:
                    if source_id not in folded:
                        folded[source_id] = quotes.fold_text(typing.cast(Source, sources[source_id][2]()).body)
                    count = quotes.occurrences(folded[source_id], quote)
                cache.put_quote_count(memo, count)
            if count == 0:
                missed.append((Where(doc.path, line, col), source_id, quote))
            elif count > 1:
                yield warning(
                    Where(doc.path, line, col),
                    Code.QUOTE_AMBIGUOUS,
                    f"quote occurs more than once in '{source_id}'",
                    "quote a few more words so it points to one place",
                )
    searched = missed[:HINTS_PER_RUN]
    elsewhere = _found_elsewhere([q for _, _, q in searched], sources, folded)
    todo = [i for i, (_, s, q) in enumerate(searched) if not elsewhere.get(q, set()) - {s}]
    found = _quote_hints([(body_sha[searched[i][1]], searched[i][1], searched[i][2]) for i in todo], sources, cache)
    hints = dict(zip(todo, found, strict=True))
    for i, (where, source_id, quote) in enumerate(missed):
        hint = hints.get(i, _NOT_SEARCHED)
        others = sorted(elsewhere.get(quote, set()) - {source_id}) if i < HINTS_PER_RUN else []
        if others:
            hint = (
                f"the quote is in {' and '.join(repr(o) for o in others)}: change this citation's "
                f"'source: {source_id}' to 'source: {others[0]}'"
            )
        yield error(where, Code.QUOTE_NOT_FOUND, f"quote not found in source '{source_id}'", hint)


def _found_elsewhere(missed: list[str], sources: dict[str, _Checked], folded: dict[str, str]) -> dict[str, set[str]]:
    """For each quote not found in the source it cites, the sources that do hold it (right words, wrong
    article): one scan of each article for all of them."""
    if not missed:
        return {}
    for source_id, (_, _, load) in sources.items():
        if source_id not in folded:
            folded[source_id] = quotes.fold_text(typing.cast(Source, load()).body)
    needles = {q: quotes.fold_text(q) for q in missed}
    found = quotes.occurrences_in({s: folded[s] for s in sources}, set(needles.values()))
    return {q: found[n] for q, n in needles.items()}


# The closest passage is looked for only for this many quotes not found per run (in file order), each search
# bounded in work (quotes.closest); its hint is remembered in the cache with the article's hash.
HINTS_PER_RUN = 100
_NOT_SEARCHED = (
    f"{_COPY_EXACTLY}; the closest passage is shown for the first {HINTS_PER_RUN} quotes not found in a run:"
    " fix those, then run the check again"
)


def _quote_hints(todo: list[tuple[str, str, str]], sources: dict[str, _Checked], cache: FileCache) -> list[str]:
    """The hint for each (article hash, source id, quote) not found: from the cache, or searched for, one
    article at a time (its word index is the largest thing a search builds)."""
    hints: list[str | None] = [cache.quote_hint((sha, quote)) for sha, _, quote in todo]
    by_source: dict[str, list[int]] = {}
    for i, (_, source_id, _) in enumerate(todo):
        if hints[i] is None:
            by_source.setdefault(source_id, []).append(i)
    for source_id, numbers in by_source.items():
        body = typing.cast(Source, sources[source_id][2]()).body
        folded = quotes.fold(body)
        index = quotes.WordIndex(folded.text)
        for i in numbers:
            sha, _, quote = todo[i]
            hints[i] = quote_hint(index, quote, body, folded)
            cache.put_quote_hint((sha, quote), typing.cast(str, hints[i]))
        del index, folded
    return typing.cast(list[str], hints)
