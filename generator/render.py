"""Stage 4: page contexts -> Markdown text, through the Jinja2 templates in templates/.

Fact text is data, never markup: every value a template prints passes through `finalize`, which
writes each ASCII punctuation mark that Markdown or one of its extensions could give meaning to as a
numeric character reference. The text then renders back to itself in any Markdown engine, and in HTML.
Only values the generator built itself (links) are marked safe. Undefined names are errors.
"""

from __future__ import annotations

import functools
import html
import json
import posixpath
import re
import typing
from pathlib import Path

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import Markup

from . import workers
from .context import Page, Target

# Every ASCII punctuation mark except those no Markdown flavour or extension gives meaning to.
_SPECIAL = frozenset("\\`*_{}[]()<>#+-.!|~=:^$@%&\"'/?;")
_ESCAPES = {ord(c): f"&#{ord(c)};" for c in _SPECIAL}


_WHITESPACE = re.compile(r"\s+")


def md_text(value: object) -> str:
    """Text as inline Markdown that renders as exactly this text (line breaks become spaces)."""
    return _WHITESPACE.sub(" ", str(value)).translate(_ESCAPES)


def _finalize(value: object) -> Markup:
    # Runs on every {{ }} before autoescaping: Markup (macros, links) passes, anything else is text.
    if isinstance(value, Markup):
        return value
    if value is None:
        raise ValueError("a template printed None; test the value with {% if %} first")
    if type(value) is str:
        return _text_markup(value)
    return Markup(md_text(value))


@functools.lru_cache(maxsize=65536)
def _text_markup(value: str) -> Markup:
    # Names, labels and quotes are printed on many pages each: escape each text once.
    return Markup(md_text(value))


@functools.lru_cache(maxsize=65536)
def _relative(page: str, from_page: str) -> str:
    # Pages link to the same few folders over and over; relpath is slow enough to show at scale.
    return posixpath.relpath(page, posixpath.dirname(from_page) or ".")


def href(page_path: str, target: Target) -> Markup:
    """A link from the page at `page_path` to `target`, relative, as MkDocs resolves .md links."""
    path = "" if target.page == page_path else _relative(target.page, page_path)
    return Markup(path + (f"#{target.anchor}" if target.anchor else ""))


_ANCHOR = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?: [a-z0-9]+(?:-[a-z0-9]+)*)*$")


def anchor(value: str) -> Markup:
    """An HTML id (or a space-separated list of them) built from validated ids; anything else is a bug."""
    if not _ANCHOR.fullmatch(value):
        raise ValueError(f"not a safe anchor: {value!r}")
    return Markup(value)


def yaml_title(title: str) -> Markup:
    # MkDocs' theme prints page titles unescaped, so the front matter carries them HTML-escaped.
    return Markup(json.dumps(html.escape(" ".join(title.split())), ensure_ascii=False))


_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def script_json(payload: object) -> str:
    """JSON that can sit inside <script type="application/ld+json">: no `<`, `>` or `&` can close the
    element or start a comment, whatever the fact text holds (they stay JSON escapes)."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.translate(_SCRIPT_SAFE)


def jsonld_meta(payload: object) -> Markup:
    # The front matter carries the script-safe JSON as one YAML string; the theme prints it in the page head.
    # ASCII escapes: YAML would fold a raw U+2028 or U+0085 inside the string as a line break.
    return Markup(json.dumps(script_json(payload)))


class _Compiler(CodeGenerator):
    """Jinja2's code generator, minus the escape() around each printed value: `_finalize` already
    returns every value as escaped Markup, and escape() would only copy it into a new Markup, a million
    times for a large site. Should a Jinja2 release rename this hook, escape() is back: slower, as safe."""

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: typing.Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("identity(")
            if finalize.src is not None:
                self.write(finalize.src)
            return
        super()._output_child_pre(node, frame, finalize)


def make_environment(templates_dir: Path, compiled_dir: Path | None = None) -> jinja2.Environment:
    """The one Jinja2 environment. With `compiled_dir` (a private folder of the user's cache), compiled
    templates are kept there, keyed on each template's source: compiling is most of a small site's render."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled_dir)) if compiled_dir else None,
        undefined=jinja2.StrictUndefined,
        autoescape=True,  # so that macros return Markup; the escaping itself is done by finalize
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.code_generator_class = _Compiler
    env.filters["yaml_title"] = yaml_title
    env.filters["anchor"] = anchor
    env.filters["jsonld"] = jsonld_meta
    return env


# Below this many pages per core, forking worker processes costs more than the rendering it shares out.
_PAGES_PER_JOB = 100


def render_pages(
    pages: list[Page], templates_dir: Path, compiled_dir: Path | None = None, jobs: int | None = None
) -> dict[str, str]:
    """Markdown text of every page, keyed by its path in the docs folder. Each page's context is built and
    rendered over `jobs` processes (default: one per core) when there are many pages."""
    seen: set[str] = set()
    for page in pages:
        if page.path in seen:  # two pages at one path: the second would silently replace the first
            raise ValueError(f"two pages would be written to {page.path}")
        seen.add(page.path)
    env = make_environment(templates_dir, compiled_dir)
    templates = {name: env.get_template(name) for name in sorted({p.template for p in pages})}  # before forking

    def render(i: int) -> str:
        page = pages[i]

        def link(target: Target) -> Markup:
            return href(page.path, target)

        return templates[page.template].render(page.context, page=page, link=link).rstrip("\n") + "\n"

    texts = workers.spread(render, range(len(pages)), jobs=jobs, min_per_job=_PAGES_PER_JOB)
    return {page.path: text for page, text in zip(pages, texts, strict=True)}
