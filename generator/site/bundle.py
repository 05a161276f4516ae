"""Stage 6: offline bundles, for readers who get the fact sheet as a file, with no network and no web server.

Two artifacts in dist/, both reproducible (the same generated pages give byte-identical files):

- factsheet-offline.zip: the site as MkDocs builds it for file:// (pages end in .html, links are relative,
  Material's offline plugin makes search work without a server; no web fonts, no instant navigation,
  nothing fetched from elsewhere), zipped with sorted entries and pinned timestamps and permissions.
- factsheet.html: every page as a section of one HTML file, its links rewritten to in-page anchors, the
  CSS inlined, no script and no external resource; it opens on a title block (title, date, commit), puts
  the parts in the order a reader needs, has every folded block open, and prints as a clean document.
"""

from __future__ import annotations

import html
import io
import posixpath
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from generator.cache import write_new
from generator.diagnostics import Code, DiagnosticError, error
from generator.inputs import git
from generator.model import Where
from generator.project import Project
from generator.resources import template_file
from generator.site.publish import refuse_link, run_mkdocs

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

OFFLINE_ZIP = "factsheet-offline.zip"
SINGLE_HTML = "factsheet.html"
ZIP_FOLDER = "factsheet-offline"  # unzipping gives one folder, with index.html in it
BUNDLE_TEMPLATES = "bundle"  # under templates/: the vendored worker shim and the single file's CSS
SINGLE_CSS = "single.css"
WORKER_SHIM = ("iframe-worker.js", "iframe-worker.LICENSE")
WORKER_SHIM_URL = "assets/javascripts/iframe-worker.js"

# Top-level settings of mkdocs.yml replaced for the offline build. `extra` is replaced whole so that
# nothing that calls out (analytics, consent, social cards) comes along; the footer's "Made with" link goes too.
OFFLINE_SETTINGS = {
    "use_directory_urls": False,
    "plugins": ["search", "offline"],
    # Material's offline plugin would load this shim from a CDN unless a polyfill named iframe-worker is given.
    "extra": {"polyfills": [WORKER_SHIM_URL], "generator": False},
}
# Files of the built site a reader offline has no use for: sitemaps need a server address and carry the
# build date (not reproducible), 404.html is only shown by a server, source maps are debugging aids.
LEFT_OUT = ("sitemap.xml", "sitemap.xml.gz", "404.html")
LEFT_OUT_SUFFIXES = (".map",)
# The single file's parts in the order a reader needs them: what it is about, what happened, where the
# articles differ, who said what, then the reference parts; each part is followed by the pages of its
# folder. Pages not named here follow, in the nav's order.
READING_ORDER = (
    ("index.md", None),
    ("timeline.md", None),
    ("claims.md", None),
    ("positions.md", "topics"),
    ("actors/index.md", "actors"),
    ("sources/index.md", "sources"),
)
ZIP_EPOCH_MIN = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest time a zip entry can carry
ZIP_EPOCH_MAX = datetime(2107, 12, 31, 23, 59, 58, tzinfo=UTC)


@dataclass(frozen=True)
class Artifact:
    path: Path
    size: int  # bytes


@dataclass(frozen=True)
class Edition:
    """What the single file's title block says of the build: its date, and the commit of the fact sheet's
    repository it was built from (None outside git; `changed`: with changes not yet committed)."""

    epoch: int
    commit: str | None = None
    changed: bool = False

    def date(self) -> datetime:
        return datetime.fromtimestamp(self.epoch, UTC)


def edition(project: Project, epoch: int) -> Edition:
    """The build's date and the last commit that touched its inputs (those that date it: publish)."""
    inputs = (project.facts_dir, project.seeds_dir, project.templates_dir, project.mkdocs_yml)
    found = git.last_commit_id(project.root, tuple(str(p) for p in inputs))
    return Edition(epoch, *found) if found else Edition(epoch)


@dataclass(frozen=True)
class Bundles:
    offline_zip: Artifact
    single_html: Artifact


def make_bundles(project: Project, pages: Mapping[str, str], *, epoch: int, strict: bool = False) -> Bundles:
    """Build both offline artifacts into the dist folder from the generated pages (already written to
    the docs folder), dated `epoch` (see publish.source_date_epoch). Each artifact is replaced only once
    it is complete. Raises DiagnosticError."""
    stamp = zip_timestamp(epoch)
    with tempfile.TemporaryDirectory(prefix="factsheet-offline-") as tmp:
        site = Path(tmp) / "site"
        config = run_mkdocs(
            project, site, strict=strict, overrides=OFFLINE_SETTINGS, configure=_for_file_urls, epoch=epoch
        )
        for name in WORKER_SHIM:
            shutil.copyfile(
                template_file(project, f"{BUNDLE_TEMPLATES}/{name}"), site / "assets" / "javascripts" / name
            )
        zipped = zip_folder(site, ZIP_FOLDER, stamp)
        single = single_page(project, pages, config, edition(project, epoch)).encode("utf-8")
    refuse_link(project.dist_dir, "dist")
    project.dist_dir.mkdir(parents=True, exist_ok=True)
    return Bundles(
        _write(project.dist_dir / OFFLINE_ZIP, zipped),
        _write(project.dist_dir / SINGLE_HTML, single),
    )


def _for_file_urls(config: MkDocsConfig) -> None:
    theme = config.theme
    theme["font"] = False  # Material loads web fonts from a CDN; the reader's own fonts are used instead
    # Instant navigation fetches pages, which browsers refuse under file://.
    theme["features"] = [f for f in theme.get("features") or [] if not f.startswith("navigation.instant")]
    # A canonical address points at the web, and a repository link makes Material fetch its star count.
    config.site_url = None
    config.repo_url = None
    config.edit_uri = None


def _write(target: Path, data: bytes) -> Artifact:
    write_new(target.parent, target.name, data)  # never through a link planted in dist/
    return Artifact(target, len(data))


def zip_timestamp(epoch: int) -> tuple[int, int, int, int, int, int]:
    """The time every zip entry carries: the build's date, clamped to the range zip can store."""
    when = datetime.fromtimestamp(min(epoch, int(ZIP_EPOCH_MAX.timestamp())), UTC)
    when = min(max(when, ZIP_EPOCH_MIN), ZIP_EPOCH_MAX)
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


def zip_folder(folder: Path, root_name: str, stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """The folder's files as a zip under `root_name/`: sorted, one timestamp, fixed permissions."""
    files = sorted(
        (p.relative_to(folder).as_posix(), p)
        for p in folder.rglob("*")
        if p.is_file() and p.name not in LEFT_OUT and not p.name.endswith(LEFT_OUT_SUFFIXES)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for rel, path in files:
            info = zipfile.ZipInfo(f"{root_name}/{rel}", date_time=stamp)
            info.create_system = 3  # Unix, so that the permissions below are read everywhere
            info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()


# --- The single file ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    path: str  # the page in the docs folder, e.g. "actors/joe-biden.md"
    title: str  # HTML-escaped
    level: int  # 0: a part of the fact sheet; 1: a page within it (an actor, a source)


def section_id(path: str) -> str:
    """The id of a page's section: "index.md" -> "home", "actors/index.md" -> "actors",
    "sources/x.md" -> "sources-x". Ids inside the page become "<section id>--<id>" (ids never hold "--")."""
    stem = path.removesuffix(".md")
    return "home" if stem == "index" else stem.removesuffix("/index").replace("/", "-")


def _nav_pages(nav: object) -> Iterator[tuple[str | None, str]]:
    """(title, path) of every page in mkdocs.yml's nav, in order."""
    if isinstance(nav, str):
        yield None, nav
    elif isinstance(nav, list):
        for item in nav:
            yield from _nav_pages(item)
    elif isinstance(nav, dict):
        for title, value in nav.items():
            if isinstance(value, str):
                yield str(title), value
            else:
                yield from _nav_pages(value)


def reading_order(
    pages: Mapping[str, str], nav: object, titles: dict[str, str] | None = None
) -> list[tuple[str, str | None, int]]:
    """(path, nav title, level) of every page: the parts of READING_ORDER, each followed by the pages of its
    folder (by their `titles`, else their paths), then the nav's other pages (a folder's pages after its
    index), then any page left."""
    shown: dict[str, str] = titles or {}
    in_nav = {path: title for title, path in _nav_pages(nav)}
    order: list[tuple[str, str | None, int]] = []
    seen: set[str] = set()

    def add(path: str, level: int) -> None:
        if path in pages and path not in seen:
            seen.add(path)
            order.append((path, in_nav.get(path), level))

    def by_title(path: str) -> tuple[str, str]:
        return (shown.get(path, path).casefold(), path)

    def add_part(path: str, folder: str | None) -> None:
        if path not in pages:
            return
        add(path, 0)
        children = [p for p in pages if folder and posixpath.dirname(p) == folder]
        for child in sorted(children, key=by_title):
            add(child, 1)

    for path, folder in READING_ORDER:
        add_part(path, folder)
    for _, path in _nav_pages(nav):
        add_part(path, posixpath.dirname(path) if posixpath.basename(path) == "index.md" else None)
    for path in sorted(pages):
        add(path, 0)
    return order


class _Relinker(HTMLParser):
    """Re-emits one page's HTML with its ids prefixed and its links pointing into the single file."""

    def __init__(self, page: str, pages: Mapping[str, str], downloads: frozenset[str] = frozenset()) -> None:
        super().__init__(convert_charrefs=False)
        self.page, self.pages, self.prefix = page, pages, section_id(page)
        self.downloads = downloads
        self.out: list[str] = []
        self.broken: list[str] = []

    def _href(self, url: str) -> str | None:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            return url  # a plain link to the web, e.g. an article's address
        target = self.page
        if parts.path:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(self.page), unquote(parts.path)))
            if target in self.downloads:
                return None  # a data file beside the pages (data/facts.json): the single file cannot carry it
            if target not in self.pages:
                self.broken.append(url)
                return url
        return f"#{section_id(target)}--{parts.fragment}" if parts.fragment else f"#{section_id(target)}"

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], close: str) -> None:
        if tag == "details" and not any(name == "open" for name, _ in attrs):
            attrs = [*attrs, ("open", None)]  # a document to read and print: nothing stays folded
        elif not any(name in ("id", "href") for name, _ in attrs):
            self.out.append(self.get_starttag_text() or "")
            return
        text = [f"<{tag}"]
        for name, value in attrs:
            if name == "id" and value:
                value = f"{self.prefix}--{value}"
            elif name == "href" and value is not None:
                value = self._href(value)
                if value is None:
                    continue  # the link stays as its text
            text.append(f" {name}" if value is None else f' {name}="{html.escape(value)}"')
        self.out.append("".join(text) + close)

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs, ">")

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs, " />")

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(data)  # raw: entities come separately and are kept as written

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")


def relink(
    page: str, body: str, pages: Mapping[str, str], downloads: frozenset[str] = frozenset()
) -> tuple[str, list[str]]:
    """The HTML of `page` for the single file, and the links in it that lead to no page. Links to
    `downloads` (other files of the docs folder) lose their address and stay as text."""
    relinker = _Relinker(page, pages, downloads)
    relinker.feed(body)
    relinker.close()
    return "".join(relinker.out), relinker.broken


def _css(project: Project, config: MkDocsConfig) -> str:
    files = [template_file(project, f"{BUNDLE_TEMPLATES}/{SINGLE_CSS}")]
    files += [project.docs_dir / str(p) for p in config.extra_css if not urlsplit(str(p)).scheme]
    css = "\n".join(f.read_text(encoding="utf-8").strip() for f in files)
    if "</" in css:  # it would end the <style> element early
        raise DiagnosticError(
            [error(Where(files[0]), Code.BUILD_FAILED, "a style sheet contains '</'", "remove it from the CSS")]
        )
    return css


def single_page(project: Project, pages: Mapping[str, str], config: MkDocsConfig, built: Edition) -> str:
    """The whole fact sheet as one HTML document, rendered from the generated Markdown with the same
    Markdown extensions as the site, under a title block that says when and from what it was built.
    The Markdown is already escaped by the generator."""
    import markdown
    from mkdocs.utils.meta import get_data

    md = markdown.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs)
    sections: list[tuple[Section, str]] = []
    docs = project.docs_dir
    downloads = frozenset(p.relative_to(docs).as_posix() for p in docs.rglob("*") if p.is_file()) - set(pages)
    read = {path: get_data(text) for path, text in pages.items()}
    # Front-matter titles are HTML-escaped by the generator; unescaping first makes this idempotent.
    titles = {path: html.unescape(str(meta.get("title") or path)) for path, (_, meta) in read.items()}
    for path, nav_title, level in reading_order(pages, config.nav, titles):
        text = read[path][0]
        title = html.escape(html.unescape(nav_title) if nav_title else titles[path])
        body, broken = relink(path, md.reset().convert(text), pages, downloads)
        if broken:
            raise DiagnosticError(
                [
                    error(
                        Where(project.docs_dir / path),
                        Code.BROKEN_LINK,
                        f"link to a page that does not exist: {url}",
                        "fix the template that writes this link",
                    )
                    for url in broken
                ]
            )
        sections.append((Section(path, title, level), body))

    language = html.escape(str(config.theme.get("language") or "en"))
    name = html.escape(config.site_name)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{language}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing in this file may load anything: the browser enforces it too.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{name}</title>",
    ]
    if config.site_description:
        out.append(f'<meta name="description" content="{html.escape(config.site_description)}">')
    out += [f"<style>\n{_css(project, config)}\n</style>", "</head>", "<body>"]
    out += [*title_block(name, html.escape(config.site_description or ""), built), *_contents(sections)]
    out.append('<main class="md-typeset">')  # the site's styles for its pages' pieces (timeline, cards, caveats)
    for section, body in sections:
        kind = "fs-part" if section.level == 0 else "fs-subpage"
        out.append(f'<section class="fs-section {kind}" id="{section_id(section.path)}">')
        out.append(body)
        out.append('<p class="fs-back"><a href="#contents">Back to contents</a></p>')
        out.append("</section>")
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)


def title_block(title: str, description: str, built: Edition) -> list[str]:
    """Title, description, date and commit, before the contents: what a reader of a printed copy needs to
    know which fact sheet, and which state of it, they hold. Arguments are HTML-escaped."""
    day = built.date()
    when = f'<time datetime="{day:%Y-%m-%d}">{day.day} {day:%B %Y}</time>'
    made = f"Last updated {when}"
    if built.commit:
        made += f", from commit <code>{built.commit[:12]}</code> of the fact sheet's repository"
        if built.changed:
            made += " with changes not yet committed"
    out = ['<header class="fs-title-block">', f'<h1 class="fs-doc-title">{title}</h1>']
    if description:
        out.append(f'<p class="fs-doc-description">{description}</p>')
    return [*out, f'<p class="fs-doc-edition">{made}.</p>', "</header>"]


def _contents(sections: list[tuple[Section, str]]) -> list[str]:
    parts: list[tuple[Section, list[Section]]] = []
    for section, _ in sections:
        if section.level == 1 and parts:
            parts[-1][1].append(section)
        else:
            parts.append((section, []))

    def link(section: Section) -> str:
        return f'<a href="#{section_id(section.path)}">{section.title}</a>'

    out = ['<nav class="fs-contents" id="contents" aria-label="Contents">', "<h2>Contents</h2>", "<ol>"]
    for part, pages in parts:
        out.append(f"<li>{link(part)}")
        if pages:
            out += ['<ol class="fs-sub">', *(f"<li>{link(p)}</li>" for p in pages), "</ol>"]
        out.append("</li>")
    return [*out, "</ol>", "</nav>"]
