"""Stage 4: page contexts -> Markdown text, through the Jinja2 templates (a fact sheet's templates/, then the defaults).

Fact text is data, never markup: every value a template prints passes through `finalize`, which
writes each ASCII punctuation mark that Markdown or one of its extensions could give meaning to as a
numeric character reference. The text then renders back to itself in any Markdown engine, and in HTML.
Only values the generator built itself (links) are marked safe. Undefined names are errors.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import json
import posixpath
import re
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FunctionType, MethodType

import jinja2
import yaml
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Macro
from markupsafe import Markup

from generator import workers
from generator.pages.context import Page, Target
from generator.pages.record import Rendered, fingerprint, templates_key
from generator.resources import DEFAULT_PREFIX

# Every ASCII punctuation mark except those no Markdown flavour or extension gives meaning to.
_SPECIAL = frozenset("\\`*_{}[]()<>#+-.!|~=:^$@%&\"'/?;")
_ESCAPES = {c: f"&#{ord(c)};" for c in _SPECIAL}
# One regular expression finds them: str.translate looked up every character of the text in a dict, and
# the articles' paragraphs made it a tenth of the render at 10,000 facts (2.4x slower than this).
_SPECIALS = re.compile("[" + re.escape("".join(sorted(_SPECIAL))) + "]")


def _escape(match: re.Match[str]) -> str:
    return _ESCAPES[match.group()]


_WHITESPACE = re.compile(r"\s+")

# Markup of a str that is already safe, without Markup.__new__'s look for __html__ (a str has none): the
# renderer makes one for every link and escaped text, half a million at 10,000 facts.
_safe: Callable[[str], Markup] = functools.partial(str.__new__, Markup)


def _one_space(text: str) -> str:
    # `\s` of a str pattern and str.split() know the same whitespace (Py_UNICODE_ISSPACE). Most text is
    # single-spaced already: splitting and joining it in C finds that 2.6x faster than the substitution.
    joined = " ".join(text.split())
    return text if joined == text else _WHITESPACE.sub(" ", text)


def md_text(value: object) -> str:
    """Text as inline Markdown that renders as exactly this text (line breaks become spaces)."""
    return _SPECIALS.sub(_escape, _one_space(str(value)))


def _finalize(value: object) -> Markup:
    # Runs on every {{ }} before autoescaping: Markup (macros, links) passes, anything else is text.
    kind = type(value)  # exact types first: a comparison each, not isinstance
    if kind is Markup:
        return value  # type: ignore[return-value]  # mypy narrows `type(x) is` for str, not for Markup
    if kind is str:
        return _text_markup(value)
    if isinstance(value, Markup):
        return value
    if value is None:
        raise ValueError("a template printed None; test the value with {% if %} first")
    return _text_markup(str(value))  # numbers: a source page prints each paragraph's


@functools.lru_cache(maxsize=65536)
def _text_markup(value: str) -> Markup:
    # Names, labels and quotes are printed on many pages each: escape each text once.
    return _safe(md_text(value))


@functools.lru_cache(maxsize=65536)
def _relative(page: str, from_folder: str) -> str:
    # The path from folder to folder, then the file's name: a site has few folders, so relpath runs once
    # per pair of them (per pair of pages, it was a tenth of the render at 10,000 facts); and the path
    # to a page is the same from every page of a folder, so it is remembered per folder.
    folder, _, name = page.rpartition("/")
    up = _relative_folder(folder or ".", from_folder or ".")
    return name if up == "." else f"{up}/{name}"


@functools.lru_cache(maxsize=4096)
def _relative_folder(folder: str, from_folder: str) -> str:
    return posixpath.relpath(folder, from_folder)


def href(page_path: str, target: Target) -> Markup:
    """A link from the page at `page_path` to `target`, relative, as MkDocs resolves .md links."""
    return _href(page_path, page_path.rpartition("/")[0], target)


def _href(page_path: str, folder: str, target: Target) -> Markup:
    # href, with the page's folder found once per page (a page links a hundred times on average).
    path = "" if target.page == page_path else _relative(target.page, folder)
    return _safe(f"{path}#{target.anchor}" if target.anchor else path)


_ANCHOR = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?: [a-z0-9]+(?:-[a-z0-9]+)*)*$")


@functools.lru_cache(maxsize=65536)
def anchor(value: str) -> Markup:
    """An HTML id (or a space-separated list of them) built from validated ids; anything else is a bug.
    Remembered: a source page names each quote's anchor on every fragment of it."""
    if not _ANCHOR.fullmatch(value):
        raise ValueError(f"not a safe anchor: {value!r}")
    return _safe(value)


_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def script_json(payload: object) -> str:
    """JSON that can sit inside <script type="application/ld+json">: no `<`, `>` or `&` can close the
    element or start a comment, whatever the fact text holds (they stay JSON escapes)."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.translate(_SCRIPT_SAFE)


class FrontMatterError(Exception):
    """A page's front matter does not read back, with MkDocs' own reader, as what was written: MkDocs
    would then show it as Markdown (attr_list, images, links), so the build stops instead."""

    def __init__(self, page: str, field: str, written: object, read: object) -> None:
        super().__init__(f"{page}: front matter field '{field}' reads back as {read!r}, not as written")
        self.page = page
        self.field = field
        self.written = written
        self.read = read

    def __reduce__(self) -> tuple[type, tuple[str, str, object, object]]:
        # Raised in worker processes: it must unpickle with all four arguments.
        return FrontMatterError, (self.page, self.field, self.written, self.read)


class TemplateFrontMatterError(ValueError):
    """A template wrote its own front matter: only `front_matter` writes it, through a serializer."""


# LibYAML's emitter where PyYAML has it (as MkDocs reads with LibYAML): a hundred times faster than the
# pure-Python one on the home page's JSON-LD, which lists every source; the output is the same.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_ONE_LINE = 2**31 - 1  # no folding: each value stays on its line


def front_matter(title: str, jsonld: object | None, origin: str | None = None) -> tuple[str, dict[str, str]]:
    """A page's front matter, written by the YAML serializer (never by formatting strings), and the values
    it holds. All ASCII: every other character is a YAML escape, so no reader can trip over it.

    MkDocs' theme prints page titles unescaped, so the title is HTML-escaped here; the JSON-LD is one
    script-safe JSON string that the theme prints in the page head; `origin` is the file the page is made
    from (context.page_origin), which the theme links as "Suggest a correction"."""
    data = {"title": html.escape(" ".join(title.split()))}
    if jsonld is not None:
        data["jsonld"] = script_json(jsonld)
    if origin is not None:
        data["origin"] = origin
    text = yaml.dump(data, Dumper=_DUMPER, allow_unicode=False, width=_ONE_LINE, sort_keys=False)
    return f"---\n{text}---\n", data


def read_back(page: str, text: str, written: dict[str, str]) -> None:
    """Raise FrontMatterError unless the page's front matter, read as MkDocs reads it, holds `written`."""
    from mkdocs.utils.meta import get_data  # only when pages are rendered: `check` never imports MkDocs

    _, meta = get_data(text)
    for field, value in written.items():
        if meta.get(field) != value:
            raise FrontMatterError(page, field, value, meta.get(field))
    if meta.keys() != written.keys():
        extra = sorted(set(meta) - set(written))[0]
        raise FrontMatterError(page, extra, None, meta[extra])


class _Compiler(CodeGenerator):
    """Jinja2's code generator, minus the escape() around each printed value: `_finalize` already
    returns every value as escaped Markup, and escape() would only copy it into a new Markup, a million
    times for a large site. Should a Jinja2 release rename this hook, escape() is back: slower, as safe."""

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: typing.Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("(")  # a parenthesis where escape( was, closed as it was: no call at all
            if finalize.src is not None:
                self.write(finalize.src)
            return
        super()._output_child_pre(node, frame, finalize)


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """Jinja2's environment, with `x.name` looked up in a plain dict first. Page contexts and their views
    are dicts: Jinja2 tried getattr first, which failed with an exception on every such lookup (over a
    million at 10,000 facts). The same result: a dict has no attributes but those of its class."""

    def getattr(self, obj: typing.Any, attribute: str) -> typing.Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        # Jinja2's own lookup, written out: a call to super() on each of the other lookups cost as much.
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)


class _Context(jinja2.runtime.Context):
    """Jinja2's context, with a shorter way into the calls a page makes most: `link()` and macros (a
    quarter of a million at 10,000 facts). Context.call looks each callable up for a pass_context mark
    twice, through its __call__ and itself; a plain function or method without the mark, and a macro
    (whose __call__ takes the evaluation context), are called here as Context.call would call them."""

    def call(self, obj: typing.Any, /, *args: typing.Any, **kwargs: typing.Any) -> typing.Any:
        kind = type(obj)
        if kind is Macro:
            args = (self.eval_ctx, *args)
        elif (kind is not FunctionType and kind is not MethodType) or hasattr(obj, "jinja_pass_arg"):
            return super().call(obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return obj(*args, **kwargs)
        except StopIteration:
            return self.environment.undefined("value was undefined because a callable raised a StopIteration exception")


def make_environment(templates_dir: Path | Sequence[Path], compiled_dir: Path | None = None) -> jinja2.Environment:
    """The one Jinja2 environment. With `compiled_dir` (a private folder of the user's cache), compiled
    templates are kept there, keyed on each template's source: compiling is most of a small site's render.

    `templates_dir` may be a search path (resources.template_dirs: the fact sheet's own templates first, the
    defaults last); a template named `default/<name>` is always the last folder's, so that an override can
    extend or import the default it replaces."""
    dirs = [templates_dir] if isinstance(templates_dir, Path) else list(templates_dir)
    loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(dirs), jinja2.PrefixLoader({DEFAULT_PREFIX: jinja2.FileSystemLoader(dirs[-1])})]
    )
    env = _Environment(
        loader=loader,
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled_dir)) if compiled_dir else None,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # made for one render: no stat of _macros.md.j2 on each page's import of it
        autoescape=True,  # so that macros return Markup; the escaping itself is done by finalize
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.code_generator_class = _Compiler
    env.context_class = _Context
    env.filters["anchor"] = anchor
    return env


# Below this many pages per core, forking worker processes costs more than the rendering it shares out.
_PAGES_PER_JOB = 100


def render_pages(
    pages: list[Page],
    templates_dir: Path | Sequence[Path],
    compiled_dir: Path | None = None,
    jobs: int | None = None,
    *,
    alongside: Callable[[], object] | None = None,
    alongside_done: Callable[[object], None] | None = None,
) -> dict[str, str]:
    """Markdown text of every page, keyed by its path in the docs folder. Each page's context is built and
    rendered over `jobs` processes (default: one per core) when there are many pages; `alongside` is done
    with them (render_changed)."""
    rendered = render_changed(
        pages, templates_dir, compiled_dir, jobs, record=False, alongside=alongside, alongside_done=alongside_done
    )
    return {path: r.text for path, r in rendered.items()}


def render_changed(
    pages: list[Page],
    templates_dir: Path | Sequence[Path],
    compiled_dir: Path | None = None,
    jobs: int | None = None,
    reuse: Callable[[str, str], str | None] | None = None,
    *,
    record: bool = True,
    unchanged: Callable[[Page, str], Rendered | None] | None = None,
    inputs: Callable[[Page, str, tuple[str, ...]], str] | None = None,
    counted: Callable[[int], None] | None = None,
    alongside: Callable[[], object] | None = None,
    alongside_done: Callable[[object], None] | None = None,
) -> dict[str, Rendered]:
    """Every page's Markdown with the fingerprint of what it was rendered from (record.py's `fingerprint`:
    the page, its context and the source of every template it reads). `reuse(path, fingerprint)` may give
    a page's Markdown from the previous build for an unchanged fingerprint; only the other pages are
    rendered. Without `record` (and `reuse`), no fingerprint is computed (it is then "").

    `unchanged(page, templates_key)` may give a page whose inputs are the previous build's (its context is
    then not even built: `PageRecord.unchanged`); `inputs(page, templates_key, reads)` hashes
    the inputs of each other page from what its context read (Rendered.inputs). `counted` hears how many
    pages are built (the others were unchanged).

    `alongside`, a job of its own that needs no page (the data exports), is done with the pages, in a
    worker of its own while the others render when they are spread; `alongside_done` hears its result."""
    seen: set[str] = set()
    for page in pages:
        if page.path in seen:  # two pages at one path: the second would silently replace the first
            raise ValueError(f"two pages would be written to {page.path}")
        seen.add(page.path)
    env = make_environment(templates_dir, compiled_dir)
    names = sorted({p.template for p in pages})
    templates = {name: env.get_template(name) for name in names}  # before forking
    keep = record or reuse is not None
    template_keys = {name: templates_key(env, name) for name in names} if keep else {}

    done: dict[str, Rendered] = {}
    if unchanged is not None:  # in this process: most pages are, and need no worker
        for page in pages:
            if (kept := unchanged(page, template_keys[page.template])) is not None:
                done[page.path] = kept
    todo = [page for page in pages if page.path not in done]
    if counted is not None:
        counted(len(todo))

    def render(i: int) -> Rendered:
        page = todo[i]
        folder = page.path.rpartition("/")[0]

        def link(target: Target) -> Markup:
            return _href(page.path, folder, target)

        context, reads = page.context_reads() if keep else (page.context, ())
        made_from = (
            fingerprint(page.path, template_keys[page.template], page.title, page.origin, context) if keep else ""
        )
        if reuse is not None and (previous := reuse(page.path, made_from)) is not None:
            return Rendered(previous, made_from, reused=True, reads=reads)
        body = templates[page.template].render(context, page=page, link=link).rstrip("\n") + "\n"
        if body.startswith("---"):
            raise TemplateFrontMatterError(
                f"{page.template} starts with '---': templates write no front matter (render.front_matter does)"
            )
        head, written = front_matter(page.title, context.get("jsonld"), page.origin)
        text = head + body
        read_back(page.path, text, written)
        return Rendered(text, made_from, reads=reads)

    def work(i: int) -> object:  # -1: the job alongside
        return render(i) if i >= 0 or alongside is None else alongside()

    first = [-1] if alongside is not None else []
    results = workers.spread(work, [*first, *range(len(todo))], jobs=jobs, min_per_job=_PAGES_PER_JOB, alone=len(first))
    if alongside_done is not None and first:
        alongside_done(results[0])
    texts = typing.cast("list[Rendered]", results[len(first) :])
    for page, made in zip(todo, texts, strict=True):
        if inputs is not None:
            made = dataclasses.replace(made, inputs=inputs(page, template_keys[page.template], made.reads))
        done[page.path] = made
    return {page.path: done[page.path] for page in pages}
