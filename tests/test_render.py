"""Fact text is text: whatever an editor types renders back to itself, never as markup."""

import html
import re

import markdown
import pytest

from generator.context import Target
from generator.render import href, md_text

EXTENSIONS = ["attr_list", "tables", "toc", "md_in_html", "def_list", "abbr", "footnotes"]


def rendered_text(md: str) -> str:
    out = markdown.markdown(md, extensions=EXTENSIONS)
    assert re.fullmatch(r"<p>.*</p>", out, re.S), out  # one paragraph, no other element
    return html.unescape(out[3:-4])


@pytest.mark.parametrize(
    "text",
    [
        "Plain words, with commas; and semicolons?",
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "**bold** _em_ `code` ~~del~~ ==mark== ^sup^",
        "{: onclick=alert(1) } { #id .class }",
        "# not a heading",
        "1. not a list",
        "- not a list",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "--8<-- /etc/passwd",
        "\\( x^2 \\) and $$y$$",
        "a | b | c",
        "&amp; &lt; &#60; entities stay literal",
        "‘Serious’ 50-minute call — “frank”",
        "https://example.org and www.example.org and a@b.org",
        "trailing backslash \\",
    ],
)
def test_md_text_renders_back_to_itself(text):
    assert rendered_text(md_text(text)) == text


def test_line_breaks_fold_to_spaces():
    assert rendered_text(md_text("one\ntwo\n\nthree")) == "one two three"


def test_href_is_relative_to_the_page():
    assert href("actors/joe-biden.md", Target("sources/x.md", "q-1")) == "../sources/x.md#q-1"
    assert href("index.md", Target("timeline.md", "e")) == "timeline.md#e"
    assert href("positions.md", Target("positions.md", "p")) == "#p"
