"""`factsheet new`: templates that guide the editor, pass the check once filled in, and never overwrite."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.commands.cli import main
from generator.commands.scaffold import KINDS
from generator.model import SLUG_MAX, SLUG_RE, slugify
from generator.pipeline import check

QUOTE = "The call was requested by Mr Putin."
FILLED = {
    "source": '"serious-50-minute-conversation"',
    "quote": f'"{QUOTE}"',
    "kind": "person",
    "status": "occurred",
    "date": '"2021-12-30"',
    "voice": "described",  # the quote below is the article's narration
    "label": '"A new article, 30 Dec 2021"',
    "actor": "joe-biden",
    "topic": "sanctions",
    "answer": '"About fifty minutes"',
    # a new seed states what it shows instead of leaving it null
    "outlet": '"The Example Times"',
    "author": '"A. Writer"',
    "url": '"https://example.org/article"',
}
NAMES = {
    "actor": "Jen Psakí",
    "event": "Biden and Putin talk again",
    "topic": "Energy & gas",
    "position": "Biden warns of sanctions",
    "claim": "How long was the call?",
    "source": "A new article",
}


# Fields whose values differ by kind of file; a list gives the values of the field's successive places
# (a claim's two answers differ, each from its own source).
COURIER = "The conference call between Biden and Putin began at 3:35 pm Washington time yesterday"
FILLED_FOR: dict[str, dict[str, object]] = {
    "claim": {
        "kind": "number",
        "answer": ['"About fifty minutes"', '"50 minutes"'],
        "source": ['"serious-50-minute-conversation"', '"courier-second-call-50-minutes"'],
        "quote": [f'"{QUOTE}"', f'"{COURIER}"'],
    }
}


def fill(text: str, kind: str = "") -> str:
    """What an editor does: give every empty value, keep the comments."""
    values = {**FILLED, **FILLED_FOR.get(kind, {})}
    seen: dict[str, int] = {}

    def value(name: str) -> object:
        given = values[name]
        if isinstance(given, list):
            seen[name] = seen.get(name, -1) + 1
            return given[seen[name] % len(given)]
        return given

    text = re.sub(
        r'^(\s*(?:- )?)(\w+): (?:""|null)(?:  #.*)?$', lambda m: f"{m[1]}{m[2]}: {value(m[2])}", text, flags=re.M
    )
    return text.replace("Paste the article text here, verbatim, replacing this line.", f"Words. {QUOTE} More words.")


def new(root, kind: str, name: str, *extra: str) -> int:
    return main(["--root", str(root), "new", kind, name, *extra])


@pytest.mark.parametrize("kind", list(KINDS))
def test_new_file_guides_the_editor_and_passes_check_once_filled_in(kind, basic, capsys):
    assert new(basic.root, kind, NAMES[kind]) == 0
    (path,) = [
        p for p in (*basic.facts_dir.rglob("*.yaml"), *basic.seeds_dir.glob("*.md")) if slugify(NAMES[kind]) in p.name
    ]
    assert path.stem == slugify(NAMES[kind]) and SLUG_RE.match(path.stem)
    assert f"created {path.relative_to(basic.root)}" in capsys.readouterr().out
    template = path.read_text(encoding="utf-8")
    assert "# Stable id" in template and f"id: {path.stem}" in template

    unfilled = [d for d in check(basic).diagnostics if d.where.path == path]
    assert unfilled and all(d.is_error and d.hint for d in unfilled), "an empty template must say what to fill in"

    path.write_text(fill(template, kind), encoding="utf-8")
    assert check(basic).diagnostics == []


def test_new_refuses_to_overwrite_or_to_reuse_an_id(basic, capsys):
    existing = basic.facts_dir / "actors" / "joe-biden.yaml"
    before = existing.read_bytes()
    assert new(basic.root, "actor", "Joe Biden") == 1
    assert "[file-exists]" in capsys.readouterr().err
    assert existing.read_bytes() == before
    assert new(basic.root, "topic", "Joe Biden") == 1
    assert "facts/actors/joe-biden.yaml:1:1: error: id 'joe-biden' is already used here [duplicate-id]" in (
        capsys.readouterr().err
    )
    assert not (basic.facts_dir / "topics" / "joe-biden.yaml").exists()
    assert new(basic.root, "topic", "Joe Biden", "--id", "biden-topic") == 0
    assert new(basic.root, "topic", "???") == 1
    assert "[invalid-id]" in capsys.readouterr().err


def test_slugify_examples():
    assert slugify("Jen Psakí") == "jen-psaki"
    assert slugify("  NATO–Russia Council (2022) ") == "nato-russia-council-2022"
    assert slugify("Владимир") == ""
    long = slugify("word " * 40)
    assert len(long) <= SLUG_MAX and long.endswith("word")


@given(st.text(max_size=300))
def test_slugify_gives_a_valid_id_or_nothing(name):
    slug = slugify(name)
    assert slug == "" or (SLUG_RE.match(slug) and len(slug) <= SLUG_MAX)
