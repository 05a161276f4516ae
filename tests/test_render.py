"""Fact text is text: whatever an editor types renders back to itself, never as markup."""

import html
import json
import posixpath
import re

import markdown
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from generator.pages.context import Target
from generator.pages.render import FrontMatterError, anchor, front_matter, href, md_text, read_back, script_json

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


@pytest.mark.parametrize("text", ["a | b | c", "|", "\\|", "ends with a bar |", "`a | b`"])
def test_md_text_stays_in_its_table_cell(text):
    # In a table row an unescaped `|` ends the cell: the row's cells shift and the last ones are lost.
    out = markdown.markdown(f"| x | y |\n|---|---|\n| {md_text(text)} | last |\n", extensions=EXTENSIONS)
    cells = re.findall(r"<td>(.*?)</td>", out, re.S)
    assert [html.unescape(c) for c in cells] == [text, "last"], out


def test_line_breaks_fold_to_spaces():
    assert rendered_text(md_text("one\ntwo\n\nthree")) == "one two three"


@given(st.text(alphabet=st.sampled_from(["a", " ", "\n", "\t", "\u00a0", "\u2003", "\x1c", "\u200b", "."])))
def test_every_run_of_whitespace_is_one_space_ends_included(text):
    # md_text skips the substitution when splitting finds the text single-spaced: the same text either way.
    assert md_text(text) == re.sub(r"\s+", " ", text).replace(".", "&#46;")


def test_href_is_relative_to_the_page():
    assert href("actors/joe-biden.md", Target("sources/x.md", "q-1")) == "../sources/x.md#q-1"
    assert href("index.md", Target("timeline.md", "e")) == "timeline.md#e"
    assert href("positions.md", Target("positions.md", "p")) == "#p"


def test_href_is_posix_relpath_between_any_two_pages():
    # Worked out folder to folder, then the file's name: the same as relpath from the page's folder.
    pages = ["index.md", "about.md", "actors/a.md", "actors/index.md", "sources/s.md", "a/b/c.md", "a/b/d.md", "a/x.md"]
    for page in pages:
        for target in pages:
            if target != page:
                assert href(page, Target(target)) == posixpath.relpath(target, posixpath.dirname(page) or "."), page


@pytest.mark.parametrize("text", ["</script><script>alert(1)</script>", "<!-- x -->", "a & b", "«É» \u2028"])
def test_script_json_has_no_markup_characters_and_round_trips(text):
    out = script_json({"name": text})
    assert not set("<>&") & set(out)
    assert json.loads(out) == {"name": text}
    # The front matter carries it as one YAML string that reads back to the same JSON.
    head, written = front_matter("t", {"name": text})
    assert yaml.safe_load(head.strip("-\n"))["jsonld"] == written["jsonld"] == out


@pytest.mark.parametrize(
    "title", ["Eve\uffff ![x](y){: onerror=alert(1) }", "\ufffe", "a\U0010ffff", "yes", "---", "x: y"]
)
def test_front_matter_is_ascii_and_reads_back_whatever_the_title(title):
    head, written = front_matter(title, {"name": title})
    assert head.isascii() and head.startswith("---\n") and head.endswith("\n---\n")
    read_back("p.md", head + "# Body\n", written)  # MkDocs' own reader gets exactly what was written
    assert html.unescape(written["title"]) == " ".join(title.split())


def test_front_matter_is_written_by_libyaml_not_by_the_pure_python_emitter(monkeypatch):
    # The home page's JSON-LD lists every source: PyYAML's pure-Python emitter writes it about ten times slower.
    if not hasattr(yaml, "CSafeDumper"):
        pytest.skip("PyYAML is built without LibYAML here: the pure-Python emitter is then the fallback")

    def pure_python_emitter(*args):
        raise AssertionError("front matter written by PyYAML's pure-Python emitter")

    monkeypatch.setattr(yaml.emitter.Emitter, "emit", pure_python_emitter)
    head, _ = front_matter("Eve", {"name": "Eve"})
    assert head == '---\ntitle: Eve\njsonld: \'{"name":"Eve"}\'\n---\n'


def test_front_matter_that_does_not_read_back_is_refused():
    head, written = front_matter("Eve", None)
    broken = head.replace('"Eve"', "Eve").replace("Eve", '"Eve\uffff')  # what string formatting once wrote
    with pytest.raises(FrontMatterError) as info:
        read_back("actors/eve.md", broken + "# Body\n", written)
    assert info.value.page == "actors/eve.md" and info.value.field == "title"


def test_a_value_that_reads_back_as_another_is_refused_with_both_values():
    head, written = front_matter("yes", None)
    assert head == "---\ntitle: 'yes'\n---\n"
    broken = head.replace("'yes'", "yes")  # what string formatting would write: YAML reads a boolean
    with pytest.raises(FrontMatterError) as info:
        read_back("actors/yes.md", broken + "# Body\n", written)
    assert (info.value.page, info.value.field, info.value.written, info.value.read) == (
        "actors/yes.md",
        "title",
        "yes",
        True,
    )
    assert str(info.value) == "actors/yes.md: front matter field 'title' reads back as True, not as written"


def test_a_field_that_was_not_written_is_refused_naming_the_page_field_and_value():
    # A title written with string formatting, its line break kept: MkDocs would read two more fields.
    head, written = front_matter("Eve", None)
    planted = head.replace("title: Eve\n", "hooks: [x.py]\ntitle: Eve\nicon: x\n")
    with pytest.raises(FrontMatterError) as info:
        read_back("actors/eve.md", planted + "# Body\n", written)
    # The first extra field in sorted order, with what MkDocs read for it.
    assert (info.value.page, info.value.field, info.value.written, info.value.read) == (
        "actors/eve.md",
        "hooks",
        None,
        ["x.py"],
    )
    assert str(info.value) == "actors/eve.md: front matter field 'hooks' reads back as ['x.py'], not as written"


def test_compiled_templates_are_kept_only_in_a_private_user_folder(basic, tmp_path, monkeypatch):
    from generator import cache
    from generator.pages import render
    from generator.pages.context import build_pages
    from generator.pipeline import check

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    folder = cache.compiled_templates_dir()
    assert folder is not None and folder.is_relative_to(tmp_path / "user-cache" / "factsheet" / "templates")
    facts = check(basic, cache=False).facts
    in_memory = render.render_pages(build_pages(facts), basic.templates_dir)
    assert render.render_pages(build_pages(facts), basic.templates_dir, folder) == in_memory  # compiles, keeps
    assert list(folder.glob("*.cache")), "compiled templates were written"
    assert render.render_pages(build_pages(facts), basic.templates_dir, folder) == in_memory  # reuses
    folder.chmod(0o777)  # anyone could plant code here: not used
    assert cache.compiled_templates_dir() is None


def test_printed_values_are_not_escaped_twice():
    # finalize returns escaped Markup; the code generator leaves out Jinja's second escape() around it.
    from generator.pages.render import make_environment

    from .conftest import REPO

    env = make_environment(REPO / "templates")  # not relative to the folder pytest runs in
    code = env.compile(env.loader.get_source(env, "home.md.j2")[0], raw=True)
    assert "escape(" not in code and "identity(" not in code and "(environment.finalize(" in code
    assert env.from_string("{{ a }}").render(a="<b>&") == "&#60;b&#62;&#38;"


def test_old_versions_of_compiled_templates_are_pruned(tmp_path, monkeypatch):
    import os

    from generator import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    versions = tmp_path / "user-cache" / "factsheet" / "templates"
    for i in range(12):  # older versions of the code, the last one the most recent
        old = versions / f"old-{i:02d}"
        old.mkdir(parents=True)
        os.utime(old, ns=(i * 10**9, i * 10**9))
    current = cache.compiled_templates_dir()
    assert current is not None and current.is_dir()
    left = sorted(p.name for p in versions.iterdir())
    assert current.name in left and len(left) == 8
    assert {f"old-{i:02d}" for i in range(5, 12)} <= set(left), "the newest are kept"


def test_printing_none_is_an_error_that_says_what_to_do():
    from pathlib import Path

    from generator.pages.render import make_environment

    env = make_environment(Path(__file__).resolve().parent.parent / "templates")
    with pytest.raises(ValueError) as info:
        env.from_string("{{ x }}").render(x=None)
    assert str(info.value) == "a template printed None; test the value with {% if %} first"
    # Any other value is text, whatever its type, and escaped like a string.
    assert env.from_string("{{ x }}").render(x=["<b>", 1]) == md_text(str(["<b>", 1]))


def test_a_dicts_keys_and_methods_read_as_in_jinja():
    # The environment looks a plain dict's key up first: a dict's own methods still win, as in Jinja2,
    # a missing key is still an error, and objects other than plain dicts are read as before.
    from collections import OrderedDict
    from types import SimpleNamespace

    import jinja2

    from generator.pages.render import make_environment

    from .conftest import REPO

    env = make_environment(REPO / "templates")
    views = {"name": "Ann", "items": "shadowed", "get": 1}
    assert env.from_string("{{ v.name }}").render(v=views) == "Ann"
    assert env.from_string("{{ v.get('name') }} {{ v.items() | list | length }}").render(v=views) == "Ann 3"
    assert env.from_string("{{ v.name }}").render(v=OrderedDict(name="Bo")) == "Bo"
    assert env.from_string("{{ v.name }}").render(v=SimpleNamespace(name="Cy")) == "Cy"
    with pytest.raises(jinja2.UndefinedError, match="has no attribute 'missing'"):
        env.from_string("{{ v.missing }}").render(v=views)


def test_anchors_are_refused_unless_made_of_validated_ids():
    assert anchor("q-1a2b actor-joe-biden") == "q-1a2b actor-joe-biden"
    for bad in ("", "A", "a_b", "a--b", "a b ", 'x" onmouseover="alert(1)', "-a"):
        with pytest.raises(ValueError, match="not a safe anchor"):
            anchor(bad)


def _render(tmp_path, templates: dict[str, str], pages: list[tuple[str, str]], dirs=None, **context) -> dict[str, str]:
    from generator.pages.context import Page
    from generator.pages.render import render_pages

    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    for name, text in templates.items():
        (folder / name).write_text(text, encoding="utf-8")
    made = [Page(path, template, path.removesuffix(".md").title(), lambda: dict(context)) for path, template in pages]
    return render_pages(made, dirs or folder, jobs=1)


def test_a_page_is_its_front_matter_then_its_body_ending_in_one_line_break(tmp_path):
    # Block tags take their indentation and line break with them; the text printed is escaped.
    template = "  {% if v %}\n# {{ v }}\n  {% endif %}\n\n\n"
    out = _render(tmp_path, {"x.md.j2": template}, [("x.md", "x.md.j2")], v="A*b")
    assert out == {"x.md": "---\ntitle: X\n---\n# A&#42;b\n"}


def test_an_undefined_name_in_a_template_is_an_error_not_an_empty_text(tmp_path):
    import jinja2

    with pytest.raises(jinja2.UndefinedError, match="'nmae' is undefined"):
        _render(tmp_path, {"x.md.j2": "# {{ nmae }}\n"}, [("x.md", "x.md.j2")])


def test_a_template_that_writes_front_matter_is_refused(tmp_path):
    from generator.pages.render import TemplateFrontMatterError

    with pytest.raises(TemplateFrontMatterError) as info:
        _render(tmp_path, {"x.md.j2": "---\ntitle: {{ 'X' }}\n---\n# X\n"}, [("x.md", "x.md.j2")])
    assert str(info.value) == "x.md.j2 starts with '---': templates write no front matter (render.front_matter does)"


def test_two_pages_at_one_path_are_refused(tmp_path):
    with pytest.raises(ValueError) as info:
        _render(tmp_path, {"x.md.j2": "# X\n"}, [("x.md", "x.md.j2"), ("y.md", "x.md.j2"), ("x.md", "x.md.j2")])
    assert str(info.value) == "two pages would be written to x.md"


def test_an_override_extends_the_default_it_replaces(tmp_path):
    from generator.resources import DEFAULT_PREFIX

    defaults = tmp_path / "defaults"
    defaults.mkdir()
    (defaults / "x.md.j2").write_text("# Default {% block b %}body{% endblock %}\n", encoding="utf-8")
    override = '{% extends "' + DEFAULT_PREFIX + '/x.md.j2" %}{% block b %}override{% endblock %}'
    out = _render(tmp_path, {"x.md.j2": override}, [("x.md", "x.md.j2")], dirs=[tmp_path / "templates", defaults])
    assert out["x.md"].endswith("---\n# Default override\n")


def test_a_front_matter_error_raised_in_a_worker_process_unpickles_whole():
    import pickle

    error = pickle.loads(pickle.dumps(FrontMatterError("a.md", "title", "yes", True)))
    assert (error.page, error.field, error.written, error.read) == ("a.md", "title", "yes", True)
    assert str(error) == "a.md: front matter field 'title' reads back as True, not as written"


def test_calls_from_templates_pass_what_jinja_passes():
    # render._Context calls plain functions and macros without Context.call's look-ups: a function marked
    # pass_context (or a method of one) still gets the context, a macro its arguments and caller, and a
    # StopIteration is still an undefined value.
    import jinja2

    from generator.pages.render import make_environment

    from .conftest import REPO

    env = make_environment(REPO / "templates")

    class Holder:
        @jinja2.pass_context
        def method(self, context, suffix):
            return context["name"] + suffix

    def stops():
        raise StopIteration

    template = env.from_string(
        "{% macro m(a, b='d') %}{{ a }}{{ b }}{% endmacro %}{% macro w(a) %}{{ a }}{{ caller() }}{% endmacro %}"
        "{{ f('!') }} {{ h.method('?') }} {{ plain(1) }} {{ m('a') }} {{ m('a', b='c') }} "
        "{% call w('x') %}y{% endcall %}{% for i in [1] %} {{ f(i | string) }}{% endfor %}"
        "{{ stops() is undefined }}"
    )
    out = template.render(
        name="N", f=jinja2.pass_context(lambda c, s: c["name"] + s), h=Holder(), plain=lambda n: n + 1, stops=stops
    )
    assert out == "N&#33; N&#63; 2 ad ac xy N1True"  # printed text is escaped
