"""`factsheet new source --from FILE` (generator/commands/intake.py): a saved article becomes a seed that the check
accepts, with front matter only from what the page states, warnings for translated or cut texts, and no
overwriting; hostile pages neither crash it, nor run anything, nor stall it.

The pages in tests/fixtures/articles are invented for these tests (no real outlet, person or place)."""

from __future__ import annotations

import codecs
import hashlib
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from generator.commands.cli import main
from generator.commands.intake import MAX_PAGE_BYTES, MAX_PAGE_ELEMENTS
from generator.inputs.load import split_front_matter
from generator.pipeline import check

ARTICLES = Path(__file__).resolve().parent / "fixtures" / "articles"
FROM_META = "From the page's metadata"

# What each fixture's seed must say: every field of the front matter but the hash (checked against the body).
EXPECTED: dict[str, dict[str, object]] = {
    "full-metadata.html": {
        "id": "lowmarsh-council-votes-to-keep-the-night-ferry",
        "label": "The Harbour Ledger, 17 Apr 2031",
        "title": "Lowmarsh council votes to keep the night ferry",
        "title_note": f"{FROM_META} (og:title).",
        "outlet": "The Harbour Ledger",
        "outlet_note": f"{FROM_META} (og:site_name).",
        "author": "Maren Tollefsen",
        "author_note": f"{FROM_META} (author).",
        "date": "2031-04-17",
        "date_note": f'{FROM_META}: article:published_time "2031-04-17T21:40:00+01:00".',
        "translated": False,
        "translation_note": None,
        "url": "https://ledger.example.org/2031/04/lowmarsh-night-ferry",
        "url_note": f"{FROM_META} (canonical link).",
        "original_file": "full-metadata.html",
    },
    "no-author.html": {
        "id": "tidewater-library-to-open-on-sundays-from-june",
        "label": "Brackwater Bulletin (undated)",
        "title": "Tidewater library to open on Sundays from June",
        "title_note": f"{FROM_META} (og:title).",
        "outlet": "Brackwater Bulletin",
        "outlet_note": f"{FROM_META} (og:site_name).",
        "author": None,
        "author_note": "The page states no author (no author metadata, JSON-LD author or byline).",
        "date": None,
        "date_note": "The page states no publication date in its metadata; none was taken from its text or address.",
        "translated": False,
        "translation_note": None,
        "url": "https://bulletin.example.net/2024/05/02/tidewater-library-sundays",
        "url_note": f"{FROM_META} (canonical link).",
        "original_file": "no-author.html",
    },
    "translated.html": {
        "id": "fjellby-ferry-strike-ends-after-two-days",
        "label": "Nordvik Tidende, 11 Feb 2031",
        "title": "Fjellby ferry strike ends after two days",
        "title_note": f"{FROM_META} (JSON-LD headline).",
        "outlet": "Nordvik Tidende",
        "outlet_note": f"{FROM_META} (JSON-LD publisher).",
        "author": "Sigrun Vaagen",
        "author_note": f"{FROM_META} (JSON-LD author).",
        "date": "2031-02-11",
        "date_note": f'{FROM_META}: JSON-LD datePublished "2031-02-11T07:05:00+01:00".',
        "translated": True,
        "translation_note": 'The text says: "(Translated by Ilse Marchetti from the Norwegian original.)".',
        "url": "https://tidende.example.com/en/fjellby-ferry-strike-ends",
        "url_note": f"{FROM_META} (JSON-LD url).",
        "original_file": "translated.html",
    },
    "paywalled.html": {
        "id": "harbour-dredging-contract-goes-to-saltmere-firm",
        "label": "The Quayside Courant, 23 Sep 2031",
        "title": "Harbour dredging contract goes to Saltmere firm",
        "title_note": f"{FROM_META} (og:title).",
        "outlet": "The Quayside Courant",
        "outlet_note": f"{FROM_META} (og:site_name).",
        "author": "Tove Rasmussen",
        "author_note": 'From the byline printed on the page: "By Tove Rasmussen".',
        "date": "2031-09-23",
        "date_note": f'{FROM_META}: article:published_time "2031-09-23".',
        "translated": False,
        "translation_note": None,
        "url": "https://courant.example.org/business/harbour-dredging-contract",
        "url_note": f"{FROM_META} (og:url).",
        "original_file": "paywalled.html",
    },
    "plain-text.txt": {
        "id": "plain-text",
        "label": "The article from plain-text.txt",
        **{
            field: value
            for name in ("title", "outlet", "author", "date", "url")
            for field, value in (
                (name, None),
                (f"{name}_note", "Not stated: the article came as plain text, without its page."),
            )
        },
        "translated": False,
        "translation_note": None,
        "original_file": "plain-text.txt",
    },
}
# Paragraphs each seed's body must hold as printed (curly quotes, dashes, letters as on the page), and words of
# the page that are not the article (navigation, comments, footer, scripts) that it must not.
KEPT = {
    "full-metadata.html": [
        "Lowmarsh council votes to keep the night ferry",
        "Lowmarsh’s town council voted 7–2 on Thursday evening to keep the night ferry to Skarvøy running through "
        "the winter, reversing a plan announced in January.",
        "“We heard the nurses, the bakers and the students,” said council leader Idris Pennock. “The last boat at "
        "23:15 stays.”",
    ],
    "no-author.html": ["“Sunday is when families have time to read together,” said librarian Oskar Lindqvist-Hale"],
    "translated.html": ["(Translated by Ilse Marchetti from the Norwegian original.)"],
    "paywalled.html": ["The two other bidders, he said, had asked for"],
    "plain-text.txt": ["“Safety comes first; the river has to be calm below the weir,” said club secretary"],
}
LEFT_OUT = ["Most read", "All rights reserved", "Hedda Marlow", "window.tracking", "Forsiden", "invented newspaper"]


def new_from(root: Path, file: Path, *extra: str) -> int:
    return main(["--root", str(root), "new", "source", "--from", str(file), *extra])


def front_and_body(path: Path) -> tuple[dict[str, object], str]:
    parts = split_front_matter(path.read_text(encoding="utf-8"))
    return yaml.safe_load(parts.yaml), parts.body


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_saved_article_becomes_a_seed_with_only_what_the_page_states(name, basic, capsys):
    assert new_from(basic.root, ARTICLES / name) == 0
    seed = basic.seeds_dir / f"{EXPECTED[name]['id']}.md"
    assert f"created seeds/{seed.name} from {name}" in capsys.readouterr().out
    front, body = front_and_body(seed)
    sha = front.pop("original_sha256")
    assert front == EXPECTED[name]
    assert sha == hashlib.sha256(body.encode("utf-8")).hexdigest()
    for paragraph in KEPT[name]:
        assert paragraph in body
    assert not [words for words in LEFT_OUT if words in body]
    if name.endswith(".txt"):
        assert body == (ARTICLES / name).read_text(encoding="utf-8"), "a text file's words come in as they are"
    else:
        assert "\n\n" in body and "\n\n\n" not in body, "one paragraph a line, a blank line between"
    # The check accepts the seed as it is, warnings included; and its hash is the one the check compares.
    assert [str(d) for d in check(basic).diagnostics] == []
    text = seed.read_text(encoding="utf-8")
    seed.write_text(text[: -len(body)] + body.replace("the ", "teh ", 1), encoding="utf-8")
    assert [d.code.value for d in check(basic).diagnostics] == ["body-changed"]


def test_all_fixtures_side_by_side_pass_the_strict_check(basic):
    for name in EXPECTED:
        assert new_from(basic.root, ARTICLES / name) == 0
    assert main(["--root", str(basic.root), "check", "--strict"]) == 0


def test_no_author_is_null_with_a_note_and_no_date_is_guessed(basic):
    """The page states no author and no date in its metadata; its address and text show a date, and trafilatura's
    own metadata reader (which the seed does not use) guesses from them. The seed keeps both null."""
    import trafilatura

    page = ARTICLES / "no-author.html"
    guessed = trafilatura.extract_metadata(page.read_text(encoding="utf-8"))
    assert guessed.date == "2024-05-02", "the page is a real trap: a guess is there to be made"
    assert new_from(basic.root, page) == 0
    front, _ = front_and_body(basic.seeds_dir / "tidewater-library-to-open-on-sundays-from-june.md")
    assert front["author"] is None and "states no author" in str(front["author_note"])
    assert front["date"] is None and "none was taken from its text or address" in str(front["date_note"])
    assert "Hedda Marlow" not in str(front), "a commenter is not the author"


def test_the_warnings_say_translated_or_cut_where_it_shows(basic, capsys):
    assert new_from(basic.root, ARTICLES / "full-metadata.html") == 0
    assert capsys.readouterr().err == "", "a whole article in its own language: no warning"

    assert new_from(basic.root, ARTICLES / "translated.html") == 0
    err = capsys.readouterr().err
    seed = basic.seeds_dir / "fjellby-ferry-strike-ends-after-two-days.md"
    lines = seed.read_text(encoding="utf-8").split("\n")
    at = lines.index("(Translated by Ilse Marchetti from the Norwegian original.)") + 1
    assert f"seeds/{seed.name}:{at}:1: warning: the text says it is translated" in err
    assert "warning: the page states different languages: <html lang> en, og:locale nb, JSON-LD inLanguage nb" in err
    assert err.count("[looks-translated]") == 2 and "[looks-cut]" not in err

    assert new_from(basic.root, ARTICLES / "paywalled.html") == 0
    err = capsys.readouterr().err
    seed = basic.seeds_dir / "harbour-dredging-contract-goes-to-saltmere-firm.md"
    lines = seed.read_text(encoding="utf-8").split("\n")
    cut = next(i for i, line in enumerate(lines, 1) if line.endswith("had asked for"))
    assert f"seeds/{seed.name}:{cut}:1: warning: the text ends mid-sentence" in err
    assert f"seeds/{seed.name}:{cut + 2}:1: warning: a paywall's or teaser's words in the text" in err
    assert "the page's metadata says the article is for subscribers only" in err
    assert "the page has a part marked as a paywall" in err
    assert "the text is very short: 94 words" in err
    assert "[looks-translated]" not in err


def test_an_existing_seed_or_id_is_never_overwritten(basic, capsys):
    page = ARTICLES / "full-metadata.html"
    seed = basic.seeds_dir / "lowmarsh-council-votes-to-keep-the-night-ferry.md"
    seed.write_text("an editor's work\n", encoding="utf-8")
    assert new_from(basic.root, page) == 1
    assert f"seeds/{seed.name}:1:1: error: the file already exists; it was left as it is [file-exists]" in (
        capsys.readouterr().err
    )
    assert seed.read_text(encoding="utf-8") == "an editor's work\n"
    assert new_from(basic.root, page, "--id", "joe-biden") == 1, "an actor has that id"
    assert "[duplicate-id]" in capsys.readouterr().err
    assert not (basic.seeds_dir / "joe-biden.md").exists()
    assert new_from(basic.root, page, "--id", "ferry-vote") == 0
    assert front_and_body(basic.seeds_dir / "ferry-vote.md")[0]["id"] == "ferry-vote"


def test_from_is_for_sources_only_and_a_name_or_a_file_is_needed(basic, capsys):
    assert main(["--root", str(basic.root), "new", "actor", "--from", str(ARTICLES / "plain-text.txt")]) == 2
    assert main(["--root", str(basic.root), "new", "source"]) == 2
    assert "give its name" in capsys.readouterr().err
    assert main(["--root", str(basic.root), "new", "source", "--from", str(basic.root / "nothing.html")]) == 1
    assert "[not-a-regular-file]" in capsys.readouterr().err


# --- hostile pages -----------------------------------------------------------------------------------------

HEAD = '<!DOCTYPE html><html lang="en"><head><meta charset="{charset}"><meta property="og:title" content="{title}">'
ARTICLE = (
    "<p>The invented harbour of Saltmere reopened its fish market on Monday, the port board said.</p>"
    "<p>'It took us two winters,' said the harbour master, whose name is invented too. " + "Words. " * 120 + "</p>"
)


def page(tmp_path: Path, name: str, html: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(html.encode(encoding))
    return path


def test_scripts_are_neither_run_nor_taken_as_text(basic, tmp_path, capsys):
    marker = tmp_path / "ran"
    html = (
        HEAD.format(charset="utf-8", title="Fish market reopens")
        + '<link rel="canonical" href="javascript:alert(1)">'
        + f"<script>require('fs').writeFileSync('{marker}', 'x'); var s = 'SCRIPT TEXT';</script></head>"
        + '<body onload="alert(2)"><article>'
        + ARTICLE
        + '<img src="x" onerror="alert(3)"><noscript>NOSCRIPT TEXT</noscript><style>p{}</style></article>'
        + "<script>document.write('<p>WRITTEN TEXT</p>')</script></body></html>"
    )
    assert new_from(basic.root, page(tmp_path, "scripts.html", html)) == 0
    front, body = front_and_body(basic.seeds_dir / "fish-market-reopens.md")
    assert "It took us two winters" in body
    assert not [t for t in ("SCRIPT", "WRITTEN", "alert", "NOSCRIPT", "p{}") if t in body]
    assert front["url"] is None and "states no address" in str(front["url_note"]), "javascript: is no address"
    assert not marker.exists()
    assert check(basic).errors == []


def test_an_external_entity_is_not_read(basic, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT", encoding="utf-8")
    html = (
        f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<html><head><meta property="og:title" content="Entity &x; page"></head><body><article>'
        + ARTICLE
        + "<p>&x;</p></article></body></html>"
    )
    assert new_from(basic.root, page(tmp_path, "entity.html", html)) == 0
    (seed,) = basic.seeds_dir.glob("entity*.md")
    assert "SECRET-CONTENT" not in seed.read_text(encoding="utf-8")


def test_invisible_and_direction_characters_do_not_reach_the_seed(basic, tmp_path, capsys):
    html = (
        HEAD.format(charset="utf-8", title="Fish\u202e market\u200b reopens")
        + '<meta name="author" content="\u200b\u200b"></head><body><article>'
        + ARTICLE.replace("Monday", "Mon\u202eday\x07")
        + "</article></body></html>"
    )
    assert new_from(basic.root, page(tmp_path, "bidi.html", html)) == 0
    seed = basic.seeds_dir / "bidi.md"  # named after the file: the page's headline is not usable
    front, body = front_and_body(seed)
    assert "\u202e" not in seed.read_text(encoding="utf-8") and "\x07" not in body and "Monday" in body
    assert front["title"] is None and "not usable" in str(front["title_note"]), "a zero-width space is refused"
    assert front["author"] is None
    text = page(tmp_path, "bidi.txt", "Mon\u202eday\x07 and Tues\u2066day.\r\nWednesday.\r\n")
    assert new_from(basic.root, text, "--id", "bidi-text") == 0
    assert "3 invisible control or direction characters removed" in capsys.readouterr().err
    assert front_and_body(basic.seeds_dir / "bidi-text.md")[1] == "Monday and Tuesday.\nWednesday.\n"
    assert check(basic).errors == []


@pytest.mark.parametrize(
    ("encoding", "declared", "bom"),
    [("cp1252", "windows-1252", b""), ("latin-1", "iso-8859-1", b""), ("utf-16-le", "utf-16", codecs.BOM_UTF16_LE)],
)
def test_a_page_in_the_encoding_it_states_is_read_as_printed(basic, tmp_path, encoding, declared, bom):
    words = "“Déjà vu,” said the harbour master." if encoding != "latin-1" else "Déjà vu, said the harbour master."
    html = HEAD.format(charset=declared, title="Fish market reopens") + "</head><body><article>"
    html += ARTICLE + f"<p>{words}</p></article></body></html>"
    path = tmp_path / "encoded.html"
    path.write_bytes(bom + html.encode(encoding))
    assert new_from(basic.root, path) == 0
    _, body = front_and_body(basic.seeds_dir / "fish-market-reopens.md")
    assert words in body


def test_a_page_in_no_stated_encoding_or_of_garbage_is_refused_not_guessed(basic, tmp_path, capsys):
    seeds = sorted(basic.seeds_dir.iterdir())
    html = (
        "<html><head><title>Fish</title></head><body><article>"
        + ARTICLE
        + "<p>D\xe9j\xe0 vu</p></article></body></html>"
    )
    assert new_from(basic.root, page(tmp_path, "latin.html", html, "latin-1")) == 1
    assert "is not valid UTF-8 and the file states no other encoding [not-utf8]" in capsys.readouterr().err
    garbage = tmp_path / "garbage.html"
    garbage.write_bytes(bytes(range(256)) * 64)
    assert new_from(basic.root, garbage) == 1
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"<html><head><title>Front page</title></head><body><script>var a = 1;</script></body></html>")
    assert new_from(basic.root, empty) == 1
    assert "[no-article]" in capsys.readouterr().err
    assert sorted(basic.seeds_dir.iterdir()) == seeds, "nothing written"


def run_in_own_process(root: Path, file: Path) -> tuple[int, str, float]:
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "generator", "--root", str(root), "new", "source", "--from", str(file)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"new source --from {file.name} ran over two minutes") from None
    return result.returncode, result.stderr, time.monotonic() - started


def test_huge_pages_are_refused_or_read_in_bounded_time(basic, tmp_path):
    """Pages at the bounds: over the size or the element count, refused at once; just under the element count
    (the extractor's work grows with its square), read within the time of the test; deep nesting and one
    paragraph of 15 MB do not stall it. Each in a process of its own, as `factsheet`."""
    head = HEAD.format(charset="utf-8", title="Big page") + "</head><body><article>"
    paragraph = "<p>Sentence {} of an invented article, with some words.</p>"
    cases = {
        "over-size.html": (head + "<p>" + "word " * (MAX_PAGE_BYTES // 5) + "</p>", 1, "[file-too-large]"),
        "over-elements.html": (head + "".join(paragraph.format(i) for i in range(MAX_PAGE_ELEMENTS)), 1, "elements"),
        "under-elements.html": (
            head + "".join(paragraph.format(i) for i in range(MAX_PAGE_ELEMENTS - 100)),
            1,  # read, and then too many paragraphs for one seed
            "paragraphs; a seed holds at most",
        ),
        "deep.html": (head + "<div>" * 200_000 + ARTICLE + "</div>" * 200_000, None, ""),
        "one-paragraph.html": (head + "<p>" + "word " * ((MAX_PAGE_BYTES - 1000) // 5) + "</p>", None, ""),
    }
    for name, (html, code, message) in cases.items():
        file = page(tmp_path, name, html + "</article></body></html>")
        status, err, seconds = run_in_own_process(basic.root, file)
        assert "internal error" not in err and "Traceback" not in err, (name, err)
        assert status in (0, 1) if code is None else status == code, (name, status, err)
        assert message in err, (name, err)
        assert seconds < 90, (name, seconds)
    assert check(basic).errors == []


def test_a_teaser_an_ellipsis_and_a_mere_mention_of_translation(basic, tmp_path, capsys):
    """A teaser's 'Read more' and an ellipsis at the end are cut signs; a translation the text only mentions is a
    warning without `translated: true`; a JSON-LD WebSite's address (its home page) is not the article's."""
    html = (
        HEAD.format(charset="utf-8", title="Council weighs the ferry plan")
        + '<script type="application/ld+json">{"@type": "WebSite", "url": "https://site.example.org/"}</script>'
        + "</head><body><article>"
        + ARTICLE
        + "<p>The mayor's speech, given in Norwegian, was read in translation to the visitors.</p>"
        + "<p>The council then turned to the ferry, and the first speaker said…</p><p>Read more</p>"
        + "</article></body></html>"
    )
    assert new_from(basic.root, page(tmp_path, "teaser.html", html)) == 0
    err = capsys.readouterr().err
    seed = basic.seeds_dir / "council-weighs-the-ferry-plan.md"
    lines = seed.read_text(encoding="utf-8").split("\n")
    read_more = lines.index("Read more") + 1
    assert f"{seed.name}:{read_more}:1: warning: a paywall's or teaser's words in the text: \"Read more\"" in err
    assert f"{seed.name}:{read_more - 2}:1: warning: the text ends with an ellipsis" in err
    assert "warning: the text speaks of a translation" in err and "mid-sentence" not in err
    front, _ = front_and_body(seed)
    assert front["translated"] is False and front["translation_note"] is None
    assert front["url"] is None
    assert check(basic).errors == []
