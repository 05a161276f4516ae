"""A faster search indexer for Material's `search` plugin, writing the same `search/search_index.json`.

Material splits each page's HTML into sections with `Parser`, an `html.parser.HTMLParser` subclass that
intersects sets of `Element` objects (hashed and compared in Python) at every tag and every run of text:
about a quarter of MkDocs' build at 10,000 facts (docs/performance.md). `sections` does the same for the
regular HTML Python-Markdown writes from our pages: one `re.split` cuts it into text and tags, each tag is
read by one regular expression, and Material's state machine runs on tag names (its Elements compare by tag
name only, so sets of names behave the same) with counts kept as elements open and close, rather than
sets intersected. Whatever it does not read exactly as HTMLParser would (comments, declarations, `<` in
text, unquoted or single-quoted attributes, raw-text elements other than a closed style or script, a
close tag with attributes) makes it return None, and the page goes through Material's own Parser: the
entries never depend on this fast path being complete.

`install` swaps the index of a configured Material `search` plugin for `FastSearchIndex` once the plugin
has made its own; entries are appended to `search_index.entries` as Material appends them, so the sharded
and incremental builds (generator/site/shards.py, generator/site/incremental.py) collect them as before.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from functools import cache
from html import escape, unescape
from typing import Any

from material.plugins.search.plugin import (  # type: ignore[import-untyped]
    Element,
    Parser,
    SearchIndex,
    SearchPlugin,
    Section,
    void,
)

# Text and tags: a tag is `<` up to the next `>` (a `>` inside an attribute value leaves a piece the tag
# expression rejects, a `<` without a `>` stays in the text, which is rejected too).
_SPLIT = re.compile(r"(<[^>]*>)")
# A tag as Python-Markdown writes it: a name, attributes each with a double-quoted value or none, a final `/`.
_TAG = re.compile(r'<(/?)([a-zA-Z][-.a-zA-Z0-9:_]*)((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:="[^"<]*")?)*)\s*(/?)>')
_ATTR = re.compile(r'\s+([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?')
# Attributes that may matter to the parser (or an entity that may spell them): others are not read.
_SPECIAL = re.compile(r"data-search-exclude|linenodiv|headerlink|&", re.IGNORECASE)
# HTMLParser reads a script's or a style's content as raw text up to its close tag; the parser skips it.
_CDATA = re.compile(r"<(script|style)(?=[\s/>])", re.IGNORECASE)
# Newer Pythons read these elements' content raw too (escapable or not): Material's parser does them.
_RAW = frozenset({"textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_KEEP = frozenset({"p", "code", "pre", "li", "ol", "ul", "sub", "sup"})  # Parser.keep
_SKIP = ("object", "script", "style")  # Parser.skip at its start; never removed from it
_INF = float("inf")


class Unhandled(Exception):
    """HTML the fast path does not read exactly as HTMLParser would."""


def sections(html: str) -> list[Section] | None:
    """Material's Parser's sections of `html` (the same titles, texts, ids, depths and heading elements),
    or None when the HTML holds anything the fast path leaves to Material's parser."""
    try:
        return _sections(_without_cdata(html))
    except Unhandled:
        return None


def _without_cdata(html: str) -> str:
    """`html` with the content of each style and script element cut out: HTMLParser gives it as text,
    which Material's parser always skips (both tags stay in its skip set). Only a content holding no `</`
    at all, closed by exactly `</style>` or `</script>`, is cut (Pythons differ on the rest)."""
    if _CDATA.search(html) is None:
        return html
    out, pos = [], 0
    while (m := _CDATA.search(html, pos)) is not None:
        name = m.group(1).lower()
        opened = html.find(">", m.end())
        close = html.find("</", opened)
        if opened < 0 or html[opened - 1] == "/" or close < 0:
            raise Unhandled(name)
        if html[close : close + len(name) + 3].lower() != f"</{name}>":
            raise Unhandled(name)
        out.append(html[pos : opened + 1])
        pos = close
    out.append(html[pos:])
    return "".join(out)


def _attributes(text: str) -> dict[str, str | None]:
    """The attributes as HTMLParser gives them (names lower-cased, values unescaped, a name without a value
    None, the last of a repeated name kept)."""
    attrs: dict[str, str | None] = {}
    for m in _ATTR.finditer(text):
        value = m.group(2)
        attrs[m.group(1).lower()] = unescape(value) if value else value
    return attrs


_SHORT = 12  # tags up to this long (`</strong>`, `<li>`) are read once and kept in `_short`
_short: dict[str, tuple[str, str, str, str]] = {}


def _read_tag(piece: str) -> tuple[str, str, str, str]:
    """A tag's `/` if it closes, its name (lower-cased), its attributes' text and its final `/`."""
    m = _TAG.fullmatch(piece)
    if m is None:
        raise Unhandled(piece)
    close, tag, attributes, slash = m.groups()
    tag = tag.lower()
    if tag in _RAW or (close and (attributes or slash or tag in void)):
        raise Unhandled(piece)
    read = (close, tag, attributes, slash)
    if len(piece) <= _SHORT and len(_short) < 4096:
        _short[piece] = read
    return read


def _sections(html: str) -> list[Section]:
    """Parser.handle_starttag, handle_endtag and handle_data (material/plugins/search/plugin.py) inlined
    over the pieces of `html`, with the same sections in the end."""
    pieces = _SPLIT.split(html)
    tags: list[str] = []  # Parser.context, by tag
    links: list[bool] = []  # per open element: is it a heading's permalink (<a class="headerlink">)
    opened: dict[str, int] = {}  # open elements by tag
    skip = set(_SKIP)  # Parser.skip, by tag
    skipping = 0  # open elements whose tag is in `skip`: Parser's skip.intersection(context) is not empty
    permalinks = 0  # open permalinks
    data: list[Section] = []
    section: Section | None = None
    title_tag = ""  # section.el.tag
    for i, piece in enumerate(pieces):
        if not piece:
            continue
        if not i & 1:  # text: handle_data
            if "<" in piece:
                raise Unhandled("<")
            if skipping:
                continue
            # escape(unescape(piece)) is the piece itself when it holds no `&` and no `>` (nor `<`: above)
            plain = "&" not in piece and ">" not in piece
            if not plain:
                piece = unescape(piece)
            pre = opened.get("pre")
            if not pre:
                piece = " " if piece.isspace() else piece.replace("\n", " ")
            if section is None:
                section = Section(Element("hx"))
                data.append(section)
                title_tag = "hx"
            if opened.get(title_tag):
                if not permalinks:  # a heading's permalink is not part of its title
                    section.title.append(piece if plain else escape(piece, quote=False))
            elif piece.isspace():
                text = section.text
                if not text or not text[-1].isspace() or pre:
                    text.append(piece)
            else:
                section.text.append(piece if plain else escape(piece, quote=False))
            continue
        read = _read_tag(piece) if len(piece) > _SHORT else (_short.get(piece) or _read_tag(piece))
        close, tag, attributes, slash = read
        if not close:  # handle_starttag
            if tag in void:
                continue  # and handle_endtag of `<br/>` finds no open br
            special = attributes and (tag in _HEADINGS or _SPECIAL.search(attributes))
            attrs = _attributes(attributes) if special else {}
            tags.append(tag)
            opened[tag] = opened.get(tag, 0) + 1
            if tag in skip:
                skipping += 1
            link = tag == "a" and attrs.get("class") == "headerlink"
            links.append(link)
            permalinks += link
            if tag in _HEADINGS and "id" in attrs:
                depth = len(tags)
                if tag != "h1" and not data:  # a top-level section first
                    data.append(Section(Element("hx"), depth))
                section = Section(Element(tag, attrs), depth)
                title_tag = tag
                if data:
                    section.id = attrs["id"]
                data.append(section)
            if section is None:
                section = Section(Element("hx"))
                data.append(section)
                title_tag = "hx"
            if "data-search-exclude" in attrs or attrs.get("class") == "linenodiv":
                if tag not in skip:
                    skip.add(tag)
                    skipping += opened[tag]
            elif tag in _KEEP and not skipping:
                (section.title if opened.get(title_tag) else section.text).append(f"<{tag}>")
            if not slash:
                continue
        # handle_endtag (also after the start of `<tag/>`, as HTMLParser's handle_startendtag)
        if not tags or tags[-1] != tag:
            continue
        assert section is not None
        depth = len(tags)
        if section.depth > depth:  # a heading nested in the element that ends: back to the section before
            for before in reversed(data):
                if before.depth <= depth:
                    section.depth = _INF
                    section = before
                    title_tag = before.el.tag
                    break
        tags.pop()
        opened[tag] -= 1
        permalinks -= links.pop()
        if tag in skip:
            skipping -= 1
            if tag not in _SKIP:
                skip.remove(tag)
                skipping -= opened[tag]
            continue
        if tag in _KEEP and not skipping:
            out = section.title if opened.get(title_tag) else section.text
            try:
                index = out.index(f"<{tag}>")
            except ValueError:  # Material's parser fails here too: let it say so
                raise Unhandled(tag) from None
            for j in range(index + 1, len(out)):
                if not out[j].isspace():
                    index = len(out)
                    break
            if len(out) > index:
                del out[index:]  # an empty element (or only whitespace) goes
            else:
                out.append(f"</{tag}>")
    return data


class FastSearchIndex(SearchIndex):
    """Material's SearchIndex, its pages split into sections by `sections` where it can."""

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.fallbacks = 0  # pages Material's own parser split

    def add_entry_from_context(self, page: Any) -> None:
        search = page.meta.get("search") or {}
        if search.get("exclude"):
            return
        found = sections(page.content)
        if found is None:
            self.fallbacks += 1
            parser = Parser()
            parser.feed(page.content)
            parser.close()
            found = parser.data
        for section in found:
            if not section.is_excluded():
                self.create_entry_for_section(section, page.toc, page.url, page)


# The parser `_sections` copies, as the installed Material writes it (material/plugins/search/plugin.py,
# mkdocs-material 9.8.2): another version's is left to work alone until the copy is checked against it.
MIRRORED = "422348af12facbeacaa1c6bbcea00ee3776f7a84fd313f4c75973862af76f6f2"


@cache
def material_parser_hash() -> str:
    """A hash of the source of Material's Element, Section, Parser, add_entry_from_context and void tags."""
    parts = (Element, Section, Parser, SearchIndex.add_entry_from_context)
    source = "".join(inspect.getsource(part) for part in parts) + repr(sorted(void))
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def mirrors_material() -> bool:
    """Whether the installed Material's parser is the one `_sections` copies."""
    try:
        return material_parser_hash() == MIRRORED
    except (OSError, TypeError):  # no source to read (a frozen install): do not guess
        return False


def _material_searches(config: Any) -> list[Any]:
    """The configured Material `search` plugins, when the installed Material's parser is the one copied
    here (`mirrors_material`); else none."""
    searches = [p for p in config.plugins.values() if type(p) is SearchPlugin]
    return searches if searches and mirrors_material() else []


def _swap_index(searches: list[Any]) -> None:
    # Once a plugin has made its index (on_config) and before it indexes a page.
    for plugin in searches:
        index: Any = getattr(plugin, "search_index", None)
        if type(index) is SearchIndex and not index.entries:
            plugin.search_index = FastSearchIndex(**index.config)


def install(config: Any) -> None:
    """Have every Material `search` plugin of the MkDocs configuration index with FastSearchIndex: a plugin
    added after it replaces its index once it has made it (on_config). Other search plugins, and Material's
    own when its parser is not the one copied here (`mirrors_material`), stay as they are."""
    from mkdocs.plugins import BasePlugin, event_priority

    searches = _material_searches(config)
    if not searches:
        return

    class FastSearch(BasePlugin):
        @event_priority(-100)  # after the search plugin's on_config made its index
        def on_config(self, config: Any) -> Any:
            _swap_index(searches)
            return config

    config.plugins["factsheet-search-index"] = FastSearch()


def use_now(config: Any) -> None:
    """What `install` does, for a configuration whose plugins have all run on_config (the MkDocs hook's
    on_pre_build, in plain `mkdocs build` and `mkdocs serve`)."""
    _swap_index(_material_searches(config))
