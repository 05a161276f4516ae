"""Search shows what readers see: no screen-reader-only words and nothing marked out of search in its
index or in its results (Material's search exclusion, `data-search-exclude`)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import ClassVar

import pytest
from bs4 import BeautifulSoup

from generator.pipeline import build
from generator.site import screenshots

from .browser import browser
from .conftest import REPO, copy_tree

# Elements whose words are not for search: text only screen readers get, and whatever the pages mark out
# of search (source-mark legends, "Suggest a correction").
NOT_FOR_SEARCH = "article .fs-sr, article .md-visually-hidden, article [data-search-exclude]"


def plain(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = copy_tree("repo", tmp_path_factory.mktemp("search"))
    return build(project, strict=True)[1]


def unsearchable(site: Path) -> dict[str, list[str]]:
    """The words of every element not for search, by page URL as the search index writes it."""
    found: dict[str, list[str]] = {}
    for html in sorted(site.rglob("index.html")):
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        url = html.parent.relative_to(site).as_posix() + "/"
        texts = [" ".join(el.get_text(" ").split()) for el in soup.select(NOT_FOR_SEARCH)]
        found["" if url == "./" else url] = [t for t in texts if len(t) >= 12]
    return found


def test_the_search_index_holds_no_words_readers_do_not_see(site):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    indexed: dict[str, str] = defaultdict(str)
    for doc in index["docs"]:
        indexed[doc["location"].partition("#")[0]] += " " + plain(doc["title"]) + " " + plain(doc["text"])
    hidden = unsearchable(site)
    assert any(hidden.values()), "the pages mark something out of search (e.g. each page's source-mark legend)"
    for page, texts in hidden.items():
        for text in texts:
            assert text not in indexed[page], f"{page}: {text!r} is in the search index"


def test_search_results_for_a_name_hold_no_hidden_words(site):
    hidden = {t for texts in unsearchable(site).values() for t in texts}
    with browser() as b, screenshots.serve(site) as base, screenshots.viewer(b, 1280, screenshots.Scheme.LIGHT) as tab:
        screenshots.visit(tab, base + "index.html", screenshots.Scheme.LIGHT)
        tab.click("input.md-search__input")
        tab.keyboard.type("Ushakov", delay=20)
        tab.wait_for_selector(".md-search-result__item")
        tab.wait_for_function("document.querySelectorAll('.md-search-result__item').length >= 5")
        results = tab.eval_on_selector_all(".md-search-result__item", "els => els.map(e => e.innerText)")
    text = " ".join(" ".join(r.split()) for r in results)
    assert "Ushakov" in text
    for words in hidden:
        assert words not in text, f"search results show {words!r}"
    # No raw markup either: tags, attribute lists or escaped characters would show as written.
    assert not re.search(r"</?[a-z]+[ >]|\{[:.#]|&#\d+;", text)


# The fast search indexer (generator/site/search_index.py) ----------------------------------------------------


def material_sections(html: str) -> list:
    from material.plugins.search.plugin import Parser

    parser = Parser()
    parser.feed(html)
    parser.close()
    return parser.data


def shape(sections: list) -> list[tuple]:
    return [(s.el.tag, s.el.attrs, s.depth, s.id, s.title, s.text, s.is_excluded()) for s in sections]


def pages_indexed(project, monkeypatch) -> dict[str, str]:
    """Build `project` in one process; every page's HTML as the search index got it, by URL."""
    from generator.site import search_index

    seen: dict[str, str] = {}
    fast = search_index.FastSearchIndex.add_entry_from_context

    def record(self, page):
        seen[page.url] = page.content
        fast(self, page)

    monkeypatch.setattr(search_index.FastSearchIndex, "add_entry_from_context", record)
    build(project, jobs=1, full=True)
    assert seen, "the build indexed its pages with FastSearchIndex"
    return seen


def corpus(tmp_path: Path):
    from bench.corpus import make_corpus

    return make_corpus(tmp_path / "corpus", 100)[0]


@pytest.mark.parametrize("which", ["repo", "basic", "corpus"])
def test_the_fast_indexer_splits_every_real_page_as_material_does(which, tmp_path, monkeypatch):
    from generator.site.search_index import sections

    project = corpus(tmp_path) if which == "corpus" else copy_tree(which, tmp_path / which)
    pages = pages_indexed(project, monkeypatch)
    for url, html in pages.items():
        fast = sections(html)
        assert fast is not None, f"{url}: the fast path handles every page Python-Markdown wrote"
        assert shape(fast) == shape(material_sections(html)), url


TRICKY = {
    "nested": '<h1 id="t">T<a class="headerlink" href="#t">¶</a></h1><div><p>a <em>b <strong>c</strong></em></p>'
    "<ul>\n<li>one <code>x &lt; y</code></li>\n<li><p>two</p>\n<ol><li>deep</li></ol></li>\n</ul></div>",
    "entities": "<p>AT&amp;T &lt;b&gt; &quot;q&quot; &#39;s &eacute; &#x2014; &amp;amp; &nosuch; a & b</p>",
    "attribute entities": '<h2 id="a&amp;b" title="x &quot;y&quot;">A &amp; B</h2><p>t</p>',
    "code": "<pre><code>line 1\n  line 2\n\n\n<span>x</span>  </code></pre>\n<p>after\nbreak</p>",
    "table": "<table>\n<thead>\n<tr>\n<th>H</th>\n<th>I</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n"
    "<td><code>2</code></td>\n</tr>\n</tbody>\n</table>",
    "excluded block": '<h2 id="s">S</h2><div data-search-exclude><p>hidden</p><div>inner</div>'
    "<p>after inner</p></div><p>shown</p>",
    "excluded inline": '<p>seen <span data-search-exclude="">unseen <span>nested</span> tail</span> seen</p>',
    "excluded heading": '<h1 id="a">A</h1><p>x</p><h2 data-search-exclude id="b">B</h2><p>y</p><h2 id="c">C</h2>',
    "linenodiv": '<div class="linenodiv"><pre>1\n2</pre></div><p>code</p>',
    "permalinks": '<h2 id="p">Title <code>c</code><a class="headerlink" href="#p" title="Permanent link">&para;</a>'
    '</h2>\n<p>x</p>\n<h3 id="q">Q<a class="headerlink" href="#q">¶</a></h3>',
    "empty sections": '<h1 id="a">A</h1><h2 id="b">B</h2>\n\n<h3 id="c"></h3><p></p><p>  </p><ul><li> </li></ul>',
    "no heading first": '<p>intro</p><h3>no id</h3><h2 id="x">X</h2><p>body</p>',
    "nested heading": '<div class="admonition"><h2 id="in">In</h2><p>a</p></div><p>back</p>'
    '<section><div><h3 id="deep">D</h3></div>tail</section>',
    "void and self-closing": '<p>a<br>b<br/>c<img alt="i" src="x.png" />d<hr>e<span/>f</p><p>g</p>',
    "upper case": '<P CLASS="x">Up</P><H2 ID="u">U</H2><DIV DATA-SEARCH-EXCLUDE>no</DIV>',
    "stray close tags": "<p>a</span></p></div><p>b</p>",
    "whitespace": "<p>a</p>\n\n   \n<p>  b  \n  c </p>\t<ul>\n\n<li>x</li>\n\n</ul>",
    "sub and sup": "<p>H<sub>2</sub>O x<sup>2</sup><sub> </sub></p>",
    "object": '<object data="x">fallback text</object><p>after</p>',
    "script": '<p>a</p><script>if (a < b && c > "p") { x = "&amp;" }</script><p>b &amp; c</p>',
    "style": '<h2 id="s">S</h2><style class="fs-targets">\np > a { color: red }\n</STYLE>\n<p>x</p>',
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_the_fast_indexer_splits_tricky_html_as_material_does(name):
    from generator.site.search_index import sections

    html = TRICKY[name]
    fast = sections(html)
    assert fast is not None, "the fast path handles it"
    assert shape(fast) == shape(material_sections(html))


LEFT_TO_MATERIAL = {
    "script not closed": "<p>a</p><script>if (a < b) {}",
    "script holding </": '<p>a</p><script>x = "</p>"</script><p>b</p>',
    "style not closed": "<p>a</p><style>p > a { color: red }</styles>",
    "comment": "<p>a<!-- x --> <!-- y -->b</p>",
    "bare <": "<p>a < b</p>",
    "single quotes": "<h2 id='s'>S</h2><p>x</p>",
    "unquoted": "<h2 id=s>S</h2><p>x</p>",
    "declaration": "<!DOCTYPE html><p>x</p>",
    "close tag with attributes": '<p>x</p class="y"><p>z</p>',
    "textarea": "<textarea><p>x</p></textarea>",
}


@pytest.mark.parametrize("name", sorted(LEFT_TO_MATERIAL))
def test_a_page_the_fast_path_cannot_read_goes_through_materials_parser(name):
    from material.plugins.search.plugin import SearchIndex
    from mkdocs.structure.toc import get_toc

    from generator.site.search_index import FastSearchIndex, sections

    html = LEFT_TO_MATERIAL[name]
    assert sections(html) is None

    class Page:
        meta: ClassVar[dict] = {}
        content = html
        toc = get_toc([])
        url = "page/"
        title = "Page"

    ours, theirs = FastSearchIndex(), SearchIndex()
    ours.add_entry_from_context(Page())
    theirs.add_entry_from_context(Page())
    assert ours.fallbacks == 1
    assert ours.entries == theirs.entries and ours.entries


def fast_indexes_made(monkeypatch) -> list[object]:
    """The FastSearchIndex objects made from now on (while `monkeypatch` holds), in a list."""
    from generator.site import search_index

    made: list[object] = []
    init = search_index.FastSearchIndex.__init__

    def counted(self, **config):
        made.append(self)
        init(self, **config)

    monkeypatch.setattr(search_index.FastSearchIndex, "__init__", counted)
    return made


def test_the_fast_index_is_used_and_the_written_index_is_byte_identical(tmp_path, monkeypatch):
    from generator.site import search_index

    with monkeypatch.context() as m:
        made = fast_indexes_made(m)
        fast_site = build(corpus(tmp_path / "a"), full=True)[1]
    assert made, "the build indexed with FastSearchIndex"
    with monkeypatch.context() as m:
        m.setattr(search_index, "install", lambda config: None)
        material_site = build(corpus(tmp_path / "b"), full=True)[1]
    fast = (fast_site / "search" / "search_index.json").read_bytes()
    assert fast == (material_site / "search" / "search_index.json").read_bytes()
    assert len(json.loads(fast)["docs"]) > 100


def test_the_fast_indexer_agrees_with_material_on_random_tag_soup():
    """Seeded random HTML from the tags, attributes and text the parser treats specially: wherever the fast
    path reads a page at all, its sections are Material's."""
    import random

    from generator.site.search_index import sections

    tags = ["p", "div", "span", "a", "h1", "h2", "h3", "code", "pre", "li", "ul", "sub", "em", "br", "object"]
    attrs = ["", ' id="x"', ' id="y&amp;z"', ' class="headerlink"', " data-search-exclude", ' class="linenodiv"']
    attrs += [' CLASS="headerlink"', " DATA-SEARCH-EXCLUDE", ' data-search-exclude=""', ' href="#a"']
    texts = ["a", " ", "\n", "x\ny", "&amp;", "&lt;", ">", "&para;", "b c", "&#32;", "\t"]
    rng = random.Random(18)
    read = 0
    for _ in range(3000):
        parts = []
        for _ in range(rng.randint(1, 30)):
            tag, k = rng.choice(tags), rng.random()
            if k < 0.35:
                parts.append(f"<{tag}{rng.choice(attrs)}{rng.choice(['', '', ' /'])}>")
            else:
                parts.append(f"</{tag}>" if k < 0.65 else rng.choice(texts))
        html = "".join(parts)
        fast = sections(html)
        if fast is None:  # e.g. a close tag with no open one where Material's parser fails
            continue
        read += 1
        assert shape(fast) == shape(material_sections(html)), html
    assert read > 1500


def test_the_fast_indexer_is_installed_only_over_the_material_parser_it_copies(monkeypatch):
    from mkdocs.config import load_config

    from generator.site import search_index

    # A new Material's parser fails this test: compare _sections with it, then record its hash.
    assert search_index.material_parser_hash() == search_index.MIRRORED
    config = load_config(str(REPO / "mkdocs.yml"), hooks=[])
    search_index.install(config)
    assert "factsheet-search-index" in config.plugins
    monkeypatch.setattr(search_index, "MIRRORED", "0" * 64)
    config = load_config(str(REPO / "mkdocs.yml"), hooks=[])
    search_index.install(config)
    assert "factsheet-search-index" not in config.plugins


def test_mkdocs_build_through_the_hook_indexes_with_the_fast_indexer_and_writes_the_same_index(tmp_path, monkeypatch):
    """Plain `mkdocs build` and `mkdocs serve` run the generator through the hook: their search index is
    made by FastSearchIndex too, and is the one `factsheet build` writes."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    made = fast_indexes_made(monkeypatch)
    project = corpus(tmp_path / "a")
    hook = REPO / "generator" / "mkdocs_hook.py"
    config = load_config(str(project.mkdocs_yml), hooks=[str(hook)], site_dir=str(tmp_path / "hooked"))
    config.plugins.on_startup(command="build", dirty=False)
    mkdocs_build(config)
    assert made, "the hook's build indexed with FastSearchIndex"
    factsheet_site = build(corpus(tmp_path / "b"), full=True)[1]
    hooked = (tmp_path / "hooked" / "search" / "search_index.json").read_bytes()
    assert hooked == (factsheet_site / "search" / "search_index.json").read_bytes()
