"""`factsheet new source --from FILE`: a saved article (an HTML page or plain text) → a seed in seeds/.

The article text comes from trafilatura, an extractor made for news pages, paragraph by paragraph and as
printed: curly quotes, dashes and accents stay; spacing is tidied (a no-break space becomes a space) and
invisible characters go (zero-width joiners, soft hyphens: the check refuses them in quotes too).

The front matter holds only what the page itself states in its metadata (Open Graph, JSON-LD, <meta>,
<link rel="canonical">, a byline element): each value says where it was read, and a field the page does not
state is null with a note saying so. Nothing is guessed: no date from the text or the address, no outlet from
the host name, no headline from the file name. A plain-text file states nothing, so its front matter is all
null with notes for the editor to fill in.

The seed gets the content hash the check compares (`original_sha256`), never replaces a file, and is checked
by the seed checks before it is written. Warnings say when the text looks translated or cut.
"""

from __future__ import annotations

import codecs
import datetime
import hashlib
import itertools
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.checks.fact_file import MAX_PARAGRAPHS, check_file
from generator.checks.text import unseen_character
from generator.commands.scaffold import free_path
from generator.diagnostics import Code, Diagnostic, DiagnosticError, Severity, error, warning
from generator.inputs.load import _FORBIDDEN, MAX_SEED_BYTES, Document, split_front_matter
from generator.model import Source, Where, slugify
from generator.project import Project

# A saved page with its styles and scripts inline is rarely over a few MiB; past this, parsing it takes
# seconds and memory for nothing an article needs.
MAX_PAGE_BYTES = 16 * 1024 * 1024
# The extractor's work grows with the square of the elements (24,000 paragraphs: 28 s; 200,000: many minutes);
# news pages have a few thousand.
MAX_PAGE_ELEMENTS = 15_000
MAX_JSON_LD_BYTES = 512 * 1024  # one <script type="application/ld+json">; real ones are a few KiB
MAX_JSON_LD_NODES = 10_000
MAX_LINE = 2000  # the longest one-line field the check accepts
MAX_LABEL = 60
SHORT_WORDS = 100  # an article with fewer words is probably a teaser or a cut page
TEXT_SUFFIXES = frozenset({".txt", ".text"})

FIELDS = ("title", "outlet", "author", "date", "url")
_NAMES = {"title": "headline", "outlet": "site name", "author": "author", "date": "publication date", "url": "address"}


@dataclass(frozen=True)
class Stated:
    """One front matter field as the page states it: its value, and where it was read (or why it is null)."""

    value: str | None
    note: str


@dataclass(frozen=True)
class Sign:
    """A sign that the text is translated or cut: what it is, and the paragraph it stands in (0: the page)."""

    code: Code
    message: str
    paragraph: int = 0
    said: str | None = None  # a translation the page itself states: how (it sets `translated: true`)


@dataclass(frozen=True)
class Article:
    """What a saved file gives a seed: the fields, the body (paragraphs separated by blank lines), the signs."""

    fields: dict[str, Stated]
    body: str
    signs: tuple[Sign, ...]
    html: bool
    decoding: str | None = None  # a note when some bytes could not be decoded


@dataclass(frozen=True)
class NewSeed:
    path: Path
    text: str  # the whole file as written
    warnings: tuple[Diagnostic, ...]


# --- reading the file --------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})|"""
    rb"""<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{1,40})""",
    re.IGNORECASE,
)
# As browsers read them (the WHATWG Encoding Standard): these labels mean windows-1252.
_AS_WINDOWS_1252 = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "cp819"})


def _decode(raw: bytes, html: bool, path: Path) -> tuple[str, str | None]:
    """The file's text, and a note when some bytes were not valid in its encoding. The encoding is one the
    file states (a byte-order mark, then for a page its <meta charset>) or UTF-8; a file that is not UTF-8 and
    states no encoding is refused rather than guessed."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return _decoded(raw, codec, f"{codec.split('-sig')[0].upper()} (its byte-order mark)")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        bad = exc.start
    found = _DECLARED.search(raw[:8192]) if html else None
    if found is not None:
        label = (found.group(1) or found.group(2)).decode("ascii").lower()
        codec = "cp1252" if label in _AS_WINDOWS_1252 else label
        try:
            text_encoding = getattr(codecs.lookup(codec), "_is_text_encoding", True)  # not base64, zlib, ...
        except LookupError:
            text_encoding = False
        if text_encoding:
            return _decoded(raw, codec, f"{label} (as the page declares)")
    line = raw[:bad].count(b"\n") + 1
    raise DiagnosticError(
        [
            error(
                Where(path, line, bad - (raw.rfind(b"\n", 0, bad) + 1) + 1),
                Code.NOT_UTF8,
                f"byte 0x{raw[bad]:02x} is not valid UTF-8 and the file states no other encoding",
                "open the page in a browser and save it again (it saves UTF-8), or save the text as UTF-8",
            )
        ]
    )


def _decoded(raw: bytes, codec: str, name: str) -> tuple[str, str | None]:
    try:
        return raw.decode(codec), None
    except UnicodeDecodeError:
        text = raw.decode(codec, errors="replace")
        return text, f"some bytes are not valid {name}: they show as \ufffd; compare the text with the page"


def _read(path: Path) -> bytes:
    try:
        if not path.is_file():
            raise DiagnosticError(
                [error(Where(path, 1, 1), Code.NOT_A_REGULAR_FILE, "not a file", "give the saved page or text file")]
            )
        size = path.stat().st_size
        if size > MAX_PAGE_BYTES:
            raise DiagnosticError(
                [
                    error(
                        Where(path, 1, 1),
                        Code.FILE_TOO_LARGE,
                        f"the file is {size:,} bytes; the limit is {MAX_PAGE_BYTES:,}",
                        "save the page as 'Webpage, HTML only' (without images), or copy the article's text "
                        "into a .txt file",
                    )
                ]
            )
        with path.open("rb") as f:
            return f.read(MAX_PAGE_BYTES + 1)[:MAX_PAGE_BYTES]  # the file may have grown since
    except OSError as exc:
        raise DiagnosticError(
            [error(Where(path, 1, 1), Code.FILE_UNREADABLE, f"cannot read file: {exc.strerror}", "check the file")]
        ) from None


def _is_html(path: Path, text: str) -> bool:
    if path.suffix.lower() in TEXT_SUFFIXES:
        return False
    if path.suffix.lower() in {".html", ".htm", ".xhtml", ".shtml"}:
        return True
    head = text[:2048].lstrip().lower()
    return head.startswith("<") and any(t in head for t in ("<!doctype html", "<html", "<head", "<body", "<meta"))


def _clean(text: str) -> tuple[str, int]:
    """Line ends as LF; the characters no seed may hold (controls, bidi overrides, noncharacters: invisible,
    so the text reads the same without them) removed. How many were removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _FORBIDDEN.subn("", text)


def read_article(path: Path) -> Article:
    """The seed's makings from a saved page or text file; raises DiagnosticError when it holds no article."""
    raw = _read(path)
    if raw.startswith(b"MIME-Version:") or raw.startswith(b"From: <Saved by"):
        raise DiagnosticError(
            [
                error(
                    Where(path, 1, 1),
                    Code.NO_ARTICLE,
                    "a web archive (MHTML), not an HTML page",
                    "save the page again as 'Webpage, HTML only'",
                )
            ]
        )
    html = _is_html(path, raw[:2048].decode("utf-8", errors="replace"))
    text, decoding = _decode(raw, html, path)
    if not html:
        return _plain_article(path, text, decoding)
    return _html_article(path, text, decoding)


def _plain_article(path: Path, text: str, decoding: str | None) -> Article:
    text, removed = _clean(text.removeprefix("\ufeff"))
    body = text.strip("\n")
    if not body.strip():
        raise DiagnosticError([error(Where(path, 1, 1), Code.NO_ARTICLE, "the file is empty", "give the article")])
    note = "Not stated: the article came as plain text, without its page."
    fields = {name: Stated(None, note) for name in FIELDS}
    paragraphs = [p for p in body.split("\n") if p.strip()]
    return Article(fields, body + "\n", _signs(paragraphs, [], removed), False, decoding)


# --- what the page states ----------------------------------------------------------------------------------


def _one_line(value: object) -> str | None:
    """A stated value as one line (spacing is layout), or None when there is nothing to read."""
    if not isinstance(value, str):
        return None
    line = " ".join(_FORBIDDEN.sub("", value).split())
    return line or None


class _Page:
    """The page's metadata, read once from its parsed tree: <meta> by name, links, JSON-LD objects, elements."""

    def __init__(self, tree: Any) -> None:
        self.meta: dict[str, str] = {}
        for m in tree.iter("meta"):
            key = (m.get("property") or m.get("name") or m.get("itemprop") or m.get("http-equiv") or "").strip().lower()
            value = _one_line(m.get("content"))
            if key and value and key not in self.meta:
                self.meta[key] = value
        self.canonical = None
        for link in tree.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split() and self.canonical is None:
                self.canonical = _one_line(link.get("href"))
        self.json_ld = _json_ld(tree)
        self.lang = _one_line(tree.get("lang")) if tree.tag == "html" else None
        self.h1 = [t for t in (_one_line(h.text_content()) for h in tree.iter("h1")) if t]
        title = next(tree.iter("title"), None)
        self.title = _one_line(title.text_content()) if title is not None else None
        self.bylines = [
            t
            for t in (
                _one_line(e.text_content())
                for e in tree.xpath(
                    "//*[@rel='author' or (@itemprop='author' and not(self::meta)) or "
                    "contains(concat(' ', normalize-space(@class), ' '), ' byline ')]"
                )[:10]
            )
            if t
        ]
        self.article_langs = [x for x in (_one_line(e.get("lang")) for e in tree.xpath("//article[@lang]")[:10]) if x]
        self.paywall_marked = bool(
            tree.xpath("//*[contains(translate(@class, 'PAYWL', 'paywl'), 'paywall') or @data-paywall]")[:1]
        )
        body = next(tree.iter("body"), None)
        self.visible = _visible_text(body) if body is not None else ""

    def first_meta(self, *keys: str) -> tuple[str, str] | None:
        for key in keys:
            if key in self.meta:
                return key, self.meta[key]
        return None

    def ld(self, key: str) -> object:
        """A field of the page's JSON-LD article (not of its WebSite or Organization: their url is the home page)."""
        for obj in self.json_ld:
            if obj.get(key) not in (None, "", []):
                return obj[key]
        return None


_ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
    }
    | {"reviewnewsarticle", "blogposting", "liveblogposting", "report"}
)


def _json_ld(tree: Any) -> list[dict[str, Any]]:
    """The page's JSON-LD articles (NewsArticle, Article, ...); bounded, and a broken block is skipped."""
    found: list[dict[str, Any]] = []
    for script in tree.xpath("//script[contains(translate(@type, 'LDJSON', 'ldjson'), 'ld+json')]")[:20]:
        text = script.text or ""
        if len(text) > MAX_JSON_LD_BYTES:
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            continue
        stack, seen = [data], 0
        while stack and seen < MAX_JSON_LD_NODES:
            node = stack.pop()
            seen += 1
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                found.append(node)
                graph = node.get("@graph")
                if isinstance(graph, list):
                    stack.extend(reversed(graph))

    def is_article(obj: dict[str, Any]) -> bool:
        kinds = obj.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        return any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds)

    return [obj for obj in found if is_article(obj)]


def _visible_text(body: Any) -> str:
    parts: list[str] = []
    size = 0
    for element in body.iter():
        if element.tag in ("script", "style", "noscript", "template") or not isinstance(element.tag, str):
            continue
        for piece in (element.text, element.tail):
            if piece and piece.strip():
                parts.append(piece)
                size += len(piece)
        if size > 4 * MAX_SEED_BYTES:
            break
    return " ".join(" ".join(parts).split())


def _names(value: object) -> str | None:
    """A JSON-LD author or publisher: its name, or the names of a list joined by commas."""
    items = value if isinstance(value, list) else [value]
    names = [n for n in (_one_line(x.get("name") if isinstance(x, dict) else x) for x in items[:20]) if n]
    return ", ".join(dict.fromkeys(names)) or None


def _from(where: str) -> str:
    return f"From the page's metadata ({where})."


def _headline(page: _Page) -> Stated:
    meta = page.first_meta("og:title", "twitter:title", "dc.title", "dcterms.title")
    if meta is not None:
        return Stated(meta[1], _from(meta[0]))
    headline = _one_line(page.ld("headline"))
    if headline:
        return Stated(headline, _from("JSON-LD headline"))
    if len(page.h1) == 1:
        return Stated(page.h1[0], "The page's only top-level heading (<h1>).")
    if page.title:
        return Stated(page.title, "From the page's <title>, as written there.")
    return Stated(None, "The page states no headline (no og:title, JSON-LD headline, single <h1> or <title>).")


def _outlet(page: _Page) -> Stated:
    meta = page.first_meta("og:site_name")
    if meta is not None:
        return Stated(meta[1], _from(meta[0]))
    publisher = _names(page.ld("publisher"))
    if publisher:
        return Stated(publisher, _from("JSON-LD publisher"))
    meta = page.first_meta("application-name")
    if meta is not None:
        return Stated(meta[1], _from(meta[0]))
    return Stated(
        None, "The page states no site name in its metadata (og:site_name, JSON-LD publisher, application-name)."
    )


def _author(page: _Page) -> Stated:
    for key in ("author", "article:author", "dc.creator", "dcterms.creator", "parsely-author", "sailthru.author"):
        value = page.meta.get(key)
        if value and not re.match(r"(?i)https?://", value):  # article:author is often a profile's address
            return Stated(value, _from(key))
    author = _names(page.ld("author"))
    if author:
        return Stated(author, _from("JSON-LD author"))
    if page.bylines:
        byline = page.bylines[0]
        name = re.sub(r"(?i)^by\s+", "", byline)
        return Stated(name, f"From the byline printed on the page: {_quoted(byline)}.")
    return Stated(None, "The page states no author (no author metadata, JSON-LD author or byline).")


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?![\d])")


def _date(page: _Page) -> Stated:
    """The publication date as the page's metadata states it (the day as written, in the page's own time zone);
    never from the text, the address or the file."""
    candidates: list[tuple[str, str]] = []
    for key in (
        "article:published_time",
        "og:published_time",
        "datepublished",
        "date",
        "pubdate",
        "publishdate",
        "dc.date.issued",
        "dcterms.issued",
        "dc.date",
        "dcterms.date",
        "parsely-pub-date",
        "sailthru.date",
    ):
        if key in page.meta:
            candidates.append((key, page.meta[key]))
    published = _one_line(page.ld("datePublished"))
    if published:
        candidates.insert(1 if candidates else 0, ("JSON-LD datePublished", published))
    for where, value in candidates:
        found = _ISO_DATE.match(value)
        if found is None:
            continue
        try:
            datetime.date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            continue
        return Stated(found.group(0), f"From the page's metadata: {where} {_quoted(value)}.")
    if candidates:
        where, value = candidates[0]
        return Stated(None, f"The page's {where} {_quoted(value)} is not a date as YYYY-MM-DD; no date was guessed.")
    return Stated(None, "The page states no publication date in its metadata; none was taken from its text or address.")


_HTTP = re.compile(r"https?://[^\s<>\"'`]+")


def _url(page: _Page) -> Stated:
    candidates: list[tuple[str, object]] = [("canonical link", page.canonical), ("og:url", page.meta.get("og:url"))]
    for key in ("url", "mainEntityOfPage"):
        value = page.ld(key)
        candidates.append((f"JSON-LD {key}", value.get("@id") if isinstance(value, dict) else value))
    for where, value in candidates:
        if isinstance(value, str) and _HTTP.fullmatch(value):
            return Stated(value, _from(where))
    return Stated(None, "The page states no address of its own (no canonical link, og:url or JSON-LD url).")


def _usable(name: str, stated: Stated) -> Stated:
    """A stated value the check would refuse (invisible characters, too long) is left out, and the note says so."""
    if stated.value is None:
        return stated
    unseen = unseen_character(stated.value, False)
    if unseen is None and len(stated.value) <= MAX_LINE:
        return stated
    why = unseen[1] if unseen is not None else f"is {len(stated.value)} characters long"
    return Stated(None, f"The page states a {_NAMES[name]}, but it {why}: not usable. {stated.note}")


def _html_article(path: Path, text: str, decoding: str | None) -> Article:
    import trafilatura

    # trafilatura and its helpers log through `logging`; without a handler Python prints WARNING and above.
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).addHandler(logging.NullHandler())
    tree = trafilatura.load_html(text)
    if tree is None:
        raise DiagnosticError(
            [error(Where(path, 1, 1), Code.NO_ARTICLE, "not an HTML page that can be read", "give the saved page")]
        )
    if sum(1 for _ in itertools.islice(tree.iter(), MAX_PAGE_ELEMENTS + 1)) > MAX_PAGE_ELEMENTS:
        raise DiagnosticError(
            [
                error(
                    Where(path, 1, 1),
                    Code.FILE_TOO_LARGE,
                    f"the page has more than {MAX_PAGE_ELEMENTS:,} HTML elements; a news page has a few thousand",
                    "save the article's own page as 'Webpage, HTML only', or copy its text into a .txt file",
                )
            ]
        )
    page = _Page(tree)  # before extracting: the extractor prunes what it does not keep
    fields = {
        "title": _headline(page),
        "outlet": _outlet(page),
        "author": _author(page),
        "date": _date(page),
        "url": _url(page),
    }
    fields = {name: _usable(name, stated) for name, stated in fields.items()}
    extracted = trafilatura.extract(
        tree,
        output_format="txt",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
        with_metadata=False,  # the metadata above is read from the page, never guessed
    )
    cleaned, removed = _clean(extracted or "")
    paragraphs = [line.strip() for line in cleaned.split("\n") if line.strip()]
    if not paragraphs:
        raise DiagnosticError(
            [
                error(
                    Where(path, 1, 1),
                    Code.NO_ARTICLE,
                    "no article text found in the page",
                    "save the article's own page (not a front page or a list), or copy its text into a .txt file",
                )
            ]
        )
    return Article(fields, "\n\n".join(paragraphs) + "\n", _signs(paragraphs, [page], removed), True, decoding)


# --- translated or cut? ------------------------------------------------------------------------------------

# A translation the text states: a translator's credit, a machine-translation notice.
_STATED_TRANSLATION = re.compile(
    r"\(translated\b|\btranslated (?:by|from|with|automatically)\b|\b(?:automatically|machine)[- ]translat|"
    r"\btranslation by\b|\btranslator\b|\bthis (?:article|story|text|report) (?:was|has been|is) translated\b|"
    r"\boriginally (?:published|written) in [A-Z][a-z]+\b|\b(?:google translate|deepl)\b",
    re.IGNORECASE,
)
_TRANSLATION_WORD = re.compile(r"\btranslat(?:ed|ion)\b", re.IGNORECASE)
# A teaser's last line, alone in its paragraph; a paywall's words, in the text or anywhere on the page.
_TEASER = re.compile(
    r"(?:read more|continue reading|read the (?:full|whole|rest of the) (?:story|article)|keep reading|show more)\W*",
    re.IGNORECASE,
)
_PAYWALL = re.compile(
    r"\bsubscribe (?:now )?to (?:continue|read|keep reading)\b|\bsubscribers only\b|\bfor subscribers\b|"
    r"\balready a subscriber\b|\b(?:log|sign) in to (?:continue|read|keep reading)\b|\bregister to (?:continue|read)\b|"
    r"\byou have reached (?:your|the) (?:free )?(?:article )?limit\b|\bthis (?:article|content) is (?:for|reserved)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")


def _language(tag: str | None) -> str | None:
    return tag.replace("_", "-").split("-")[0].lower() or None if tag else None


def _quoted(text: str) -> str:
    return json.dumps(text if len(text) <= 120 else text[:117] + "...", ensure_ascii=False)


def _signs(paragraphs: list[str], pages: list[_Page], removed: int) -> tuple[Sign, ...]:
    signs: list[Sign] = []
    walls: set[int] = set()
    for n, paragraph in enumerate(paragraphs, 1):
        if _STATED_TRANSLATION.search(paragraph) is not None:
            said = f"the text says: {_quoted(paragraph)}"
            signs.append(Sign(Code.LOOKS_TRANSLATED, f"the text says it is translated: {_quoted(paragraph)}", n, said))
        elif _TRANSLATION_WORD.search(paragraph):
            signs.append(Sign(Code.LOOKS_TRANSLATED, f"the text speaks of a translation: {_quoted(paragraph)}", n))
        if _PAYWALL.search(paragraph) or _TEASER.fullmatch(paragraph):
            walls.add(n)
            signs.append(Sign(Code.LOOKS_CUT, f"a paywall's or teaser's words in the text: {_quoted(paragraph)}", n))
    for page in pages:
        if page.ld("translator") or page.ld("translationOfWork"):
            said = "the page's metadata (JSON-LD) names a translator or the original work"
            signs.append(Sign(Code.LOOKS_TRANSLATED, said, 0, said))
        languages = {
            where: _language(value)
            for where, value in (
                ("<html lang>", page.lang),
                ("content-language", page.meta.get("content-language")),
                ("og:locale", page.meta.get("og:locale")),
                ("JSON-LD inLanguage", _one_line(page.ld("inLanguage"))),
                *(("<article lang>", lang) for lang in page.article_langs),
            )
            if value
        }
        if len(set(languages.values())) > 1:
            listed = ", ".join(f"{where} {lang}" for where, lang in languages.items())
            signs.append(Sign(Code.LOOKS_TRANSLATED, f"the page states different languages: {listed}"))
        if page.ld("isAccessibleForFree") in (False, "False", "false"):
            signs.append(Sign(Code.LOOKS_CUT, "the page's metadata says the article is for subscribers only"))
        if page.paywall_marked:
            signs.append(Sign(Code.LOOKS_CUT, "the page has a part marked as a paywall"))
        wall = _PAYWALL.search(page.visible)
        if wall is not None and not walls:
            signs.append(Sign(Code.LOOKS_CUT, f"the page shows a paywall's words: {_quoted(wall.group())}"))
    # The article's own last paragraph (not a paywall's or a teaser's words after it) should end a sentence.
    last = max((n for n in range(1, len(paragraphs) + 1) if n not in walls), default=0)
    end = paragraphs[last - 1][-80:] if last else ""
    if end.endswith(("…", "...")):
        signs.append(Sign(Code.LOOKS_CUT, f"the text ends with an ellipsis: {_quoted(end)}", last))
    elif last and not _SENTENCE_END.search(end):
        signs.append(Sign(Code.LOOKS_CUT, f"the text ends mid-sentence: {_quoted(end)}", last))
    words = sum(len(p.split()) for p in paragraphs)
    if words < SHORT_WORDS:
        signs.append(Sign(Code.LOOKS_CUT, f"the text is very short: {words} word{'s' * (words != 1)}"))
    if removed:
        signs.append(Sign(Code.FORBIDDEN_CHARACTER, f"{removed} invisible control or direction characters removed"))
    return tuple(signs)


# --- the seed ----------------------------------------------------------------------------------------------


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _label(fields: dict[str, Stated], file_name: str) -> str:
    """A short label for readers from what the page states, as the seeds' labels are: 'Outlet, 17 Apr 2031'."""
    outlet, date, title = (fields[n].value for n in ("outlet", "date", "title"))
    when = "undated"
    if date is not None:
        day = datetime.date.fromisoformat(date)
        when = f"{day.day} {_MONTHS[day.month - 1]} {day.year}"  # not %b: that is the machine's language
    for name in (outlet, title):
        if name is None:
            continue
        label = f"{name}, {when}" if when != "undated" else f"{name} ({when})"
        if len(label) <= MAX_LABEL:
            return label
        room = MAX_LABEL - len(label) + len(name) - 1
        return f"{name[:room].rstrip()}…{label[len(name) :]}"
    label = f"The article from {file_name}"
    return label if len(label) <= MAX_LABEL and unseen_character(label, False) is None else "A new article"


def _readable(note: str) -> str:
    """A note the check accepts: characters it would refuse in a one-line field (zero-width, private-use, a
    stack of accents), which a note may quote from a page, left out."""
    note = note[:MAX_LINE]
    while (unseen := unseen_character(note, False)) is not None and note.strip():
        at = unseen[0]
        if at == 0 and "shows nothing" in unseen[1]:
            return "(the page's words here show nothing)"
        note = note[:at] + note[at + 1 :]
    return note


def _yaml(value: str | bool | None) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def seed_text(article: Article, id_: str, file_name: str) -> str:
    """The seed file: the front matter, then the body, whose SHA-256 the front matter records."""
    said = [s.said for s in article.signs if s.said is not None]
    translation_note = None
    if said:
        translation_note = "; ".join(said)
        translation_note = _readable(translation_note[0].upper() + translation_note[1:] + ".")
    front: dict[str, str | bool | None] = {"id": id_, "label": _label(article.fields, file_name)}
    for name in ("title", "outlet", "author", "date"):
        front[name] = article.fields[name].value
        front[f"{name}_note"] = _readable(article.fields[name].note)
    front["translated"] = bool(said)
    front["translation_note"] = translation_note
    front["url"] = article.fields["url"].value
    front["url_note"] = _readable(article.fields["url"].note)
    name = " ".join(_FORBIDDEN.sub("", file_name).split())
    front["original_file"] = name if name and unseen_character(name, False) is None and len(name) <= MAX_LINE else None
    front["original_sha256"] = hashlib.sha256(article.body.encode("utf-8")).hexdigest()
    how = (
        "the values are what the page states; check each against the article"
        if article.html
        else "a plain-text file states nothing: fill in each null field from the article, or say in its note why not"
    )
    lines = [
        "---",
        f"# Made by `factsheet new source --from`: {how}.",
        *(f"{key}: {_yaml(value)}" for key, value in front.items()),
        "---",
    ]
    return "\n".join(lines) + "\n" + article.body


def _checked(path: Path, text: str) -> list[Diagnostic]:
    """The seed checks on the new file's text, as `factsheet check` will run them."""
    parts = split_front_matter(text)
    body_line = text.count("\n", 0, len(text) - len(parts.body)) + 1
    summary, _ = check_file(Document(Source, str(path), parts.yaml, parts.body, body_line))
    return [d for d in (*summary.problems, *summary.entity_problems) if d.severity is Severity.ERROR]


def create_seed(project: Project, file: Path, id_: str | None = None) -> NewSeed:
    """Write seeds/<id>.md from a saved article; raises DiagnosticError rather than overwrite a file or write a
    seed the check would refuse. The id is the headline's (or the file name's, when the page states none)."""
    article = read_article(file)
    if id_ is None:
        id_ = slugify(article.fields["title"].value or "") or slugify(file.stem)
    target = free_path(project, "source", id_)
    text = seed_text(article, id_, file.name)
    size = len(text.encode("utf-8"))
    paragraphs = len([line for line in article.body.split("\n") if line.strip()])
    if size > MAX_SEED_BYTES or paragraphs > MAX_PARAGRAPHS:
        raise DiagnosticError(
            [
                error(
                    Where(file, 1, 1),
                    Code.FILE_TOO_LARGE,
                    f"the article is {size:,} bytes in {paragraphs:,} paragraphs; a seed holds at most "
                    f"{MAX_SEED_BYTES:,} bytes and {MAX_PARAGRAPHS:,} paragraphs",
                    "check that the file is one article; split a very long one into several seeds",
                )
            ]
        )
    problems = _checked(target, text)
    if problems:
        raise DiagnosticError(problems)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8", newline="\n") as out:  # "x": never replace a file made meanwhile
        out.write(text)
    body_line = text.count("\n", 0, len(text) - len(article.body)) + 1
    lines = [body_line + i for i, line in enumerate(article.body.split("\n")) if line.strip()]  # by paragraph
    warnings = [
        warning(Where(target, lines[s.paragraph - 1] if s.paragraph else 1, 1), s.code, s.message, _HINTS[s.code])
        for s in article.signs
    ]
    if article.decoding is not None:
        warnings.append(warning(Where(file, 1, 1), Code.NOT_UTF8, article.decoding, "compare the text with the page"))
    return NewSeed(target, text, tuple(warnings))


_HINTS = {
    Code.LOOKS_TRANSLATED: "check it against the page; if it reads as a translation, keep `translated: true` and say "
    "why in translation_note (see docs/editorial-guide.md on citing translated texts)",
    Code.LOOKS_CUT: "open the page in a browser, make sure the whole article shows (signed in, 'read more' opened), "
    "then save it again and bring it in anew; or say in label what part it is",
    Code.FORBIDDEN_CHARACTER: "nothing to do: they were invisible; the text reads the same",
}
