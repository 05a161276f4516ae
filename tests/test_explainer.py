"""The home page as a news explainer, the About page, and what each page names as its source file."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import yaml
from bs4 import BeautifulSoup

from generator.model import ClaimKind, FactDate
from generator.pages import explainer
from generator.pages.context import build_pages, page_origin
from generator.pipeline import build, check, render, updated_on
from generator.project import Project

from .conftest import REPO, copy_tree


@pytest.fixture(scope="module")
def repo():
    facts = check(Project.at(REPO)).facts
    return facts, {p.path: p for p in build_pages(facts, FactDate(2026, 11, 28))}


def reporting(facts, event_id: str) -> int:
    return len({c.source for c in facts.events[event_id].citations})


def test_key_facts_are_the_events_most_articles_report_in_timeline_order(repo):
    facts, pages = repo
    home = pages["index.md"].context
    shown = [e["id"] for e in home["key_facts"]["events"]]
    half = -(-len(facts.sources) // 2)
    expected = [
        e for e in facts.events if e != facts.info.focus_event and reporting(facts, e) >= half
    ]  # every one of them fits under the cap in this fact sheet
    assert len(expected) <= explainer.KEY_FACTS
    assert sorted(shown) == sorted(expected) and shown
    assert home["key_facts"]["threshold"] == half
    timeline = [e["id"] for m in pages["timeline.md"].context["months"] for d in m["days"] for e in d["events"]]
    assert shown == [e for e in timeline if e in shown]
    assert home["focus"]["id"] == facts.info.focus_event and facts.info.focus_event not in shown
    assert home["key_facts"]["more"] == len(facts.events) - 1 - len(shown)


def test_disagreements_put_numbers_and_dates_first_and_never_list_a_variant(repo):
    facts, pages = repo
    home = pages["index.md"].context["disagreements"]
    claims = [facts.claims[c["id"]] for c in home["claims"]]
    assert claims and not any(c.kind.is_variant for c in claims)
    ranks = [explainer.CLAIM_PRIORITY.index(c.kind) for c in claims]
    assert ranks == sorted(ranks)
    assert claims[0].kind is ClaimKind.NUMBER  # "How many Russian troops are near Ukraine?"
    substantive = [c for c in facts.claims.values() if not c.kind.is_variant]
    assert len(claims) + home["more"] == len(substantive)


def test_every_unconfirmed_account_shows_under_the_response_it_got(repo):
    facts, pages = repo
    groups = pages["index.md"].context["accounts"]["groups"]
    with_responses = [x.id for x in (*facts.events.values(), *facts.positions.values()) if x.responses]
    assert len(with_responses) <= explainer.HOME_ACCOUNTS
    shown = [x["id"] for g in groups for x in (*g["events"], *g["positions"])]
    assert sorted(shown) == sorted(with_responses)
    for g in groups:
        for x in (*g["events"], *g["positions"]):
            fact = facts.events.get(x["id"]) or facts.positions[x["id"]]
            # The response above the account is the account's own, word for word.
            assert [(r["by"].target.page, r["kind"], r["summary"]) for r in g["responses"]] == [
                (f"actors/{r.by}.md", r.kind.value, r.summary) for r in fact.responses
            ]


def test_the_home_page_stays_short_however_many_facts(repo):
    facts, _ = repo

    # Copies beside the originals (which claims refer to), so there are more of each than a home page shows.
    def more(facts_by_id):
        return {
            **facts_by_id,
            **{f"{x.id}-{i}": replace(x, id=f"{x.id}-{i}") for x in facts_by_id.values() for i in (2, 3)},
        }

    many_events, many_claims, many_positions = more(facts.events), more(facts.claims), more(facts.positions)
    big = replace(facts, events=many_events, claims=many_claims, positions=many_positions)
    home = {p.path: p for p in build_pages(big)}["index.md"].context
    shown = home["key_facts"]["events"]
    assert len(shown) == explainer.KEY_FACTS
    assert home["key_facts"]["more"] == len(many_events) - 1 - explainer.KEY_FACTS
    assert min(e["source_count"] for e in shown) >= home["key_facts"]["threshold"]
    assert len(home["disagreements"]["claims"]) == explainer.HOME_DISAGREEMENTS
    accounts = [x for g in home["accounts"]["groups"] for x in (*g["events"], *g["positions"])]
    assert len(accounts) == explainer.HOME_ACCOUNTS and home["accounts"]["more"] > 0


def test_the_about_page_explains_each_attribution_with_an_example_from_the_sheet(repo):
    facts, pages = repo
    about = pages["about.md"].context
    examples = about["voices"]
    assert {e["voice"] for e in examples} == {p.voice.value for p in facts.positions.values()}
    assert any(e["teller"]["unnamed"] for e in examples) and any(e["teller"]["named"] for e in examples)
    assert [s["label"] for s in about["sources"]] == [s.label for s in facts.sources.values()]
    assert {s["id"] for s in about["translated"]} == {s.id for s in facts.sources.values() if s.translated}
    assert about["updated"] == FactDate(2026, 11, 28)


# An account the other side did not answer, added to a copy of the basic fixture.
NO_RESPONSE = """responses:
  - by: united-states
    kind: no-comment
    summary: "A White House spokesman did not immediately respond to a request for comment."
    citations:
      - source: serious-50-minute-conversation
        quote: "A White House spokesman did not immediately respond to a request for comment"
"""


@pytest.fixture(scope="module")
def basic_pages(tmp_path_factory):
    project = copy_tree("basic", tmp_path_factory.mktemp("basic"))
    position = project.facts_dir / "positions" / "putin-sanctions-breach-of-ties.yaml"
    position.write_text(position.read_text(encoding="utf-8") + NO_RESPONSE, encoding="utf-8")
    return render(project)[1]


def test_the_home_page_reads_as_an_explainer(basic_pages):
    home = basic_pages["index.md"]
    headings = re.findall(r"^## (.+)$", home, re.M)
    assert headings[:3] == ["What happened", "Key facts", "What the articles disagree on"]
    assert "Accounts the other side has not confirmed" in headings
    assert "[About this fact sheet](about.md)" in home
    # Each key fact and each version of a disagreement carries its source marks.
    for item in re.findall(r"<li markdown=\"block\">(.*?)</li>", home, re.S):
        assert "Reported by" in item and "](sources/" in item
    versions = re.findall(r"^    - .+$", home, re.M)
    assert versions and all("](sources/" in v for v in versions)
    account = home.split("## Accounts the other side has not confirmed")[1].split("\n## ")[0]
    assert "No response</span> from [United States]" in account and "Said new sanctions could lead" in account
    (response,) = re.findall(r'<p class="fs-account" markdown>(.*?)</p>', account)
    assert "](sources/serious-50-minute-conversation.md#" in response  # the response's own source mark


def test_the_about_page_says_when_the_facts_last_changed(monkeypatch, tmp_path):
    project = copy_tree("basic", tmp_path / "dated")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 14 November 2023, 22:13 UTC
    assert updated_on(project, check(project).facts) == FactDate(2023, 11, 14)
    pages = render(project)[1]
    assert "**Last updated:** 14 November 2023" in pages["about.md"]
    assert "Last updated 14 November 2023" in pages["index.md"]


def test_a_sheet_of_many_articles_lists_their_marks_on_the_sources_page_and_not_again_on_about(tmp_path):
    """Up to 20 articles, About lists each mark (the snapshots: tests/snapshots/basic/about.md); more, and it
    links to the Sources page, which lists them all with their marks (at 1,000 articles the table made About
    the costliest page of an edit for MkDocs to convert)."""
    from bench.corpus import make_corpus

    project, shape = make_corpus(tmp_path / "corpus", 210)
    assert shape.sources == 21
    pages = render(project)[1]
    about, sources = pages["about.md"], pages["sources/index.md"]
    assert "| Mark |" not in about and "| S1 |" not in about
    assert "listed\non [Sources](sources/index.md). Editors" in about
    assert "[Sources](sources/index.md) lists the 21 articles, each with its mark." in about
    assert all(f"| S{n} | [" in sources for n in range(1, 22))


def test_every_page_names_the_file_it_is_made_from(repo):
    _, pages = repo
    for path, page in pages.items():
        origin = page.origin
        if path == "about.md":
            assert origin is None
            continue
        assert origin, path
        assert (REPO / origin).is_dir() if origin.endswith("/") else (REPO / origin).is_file(), (path, origin)
    assert page_origin("actors/joe-biden.md") == "facts/actors/joe-biden.yaml"
    assert page_origin("topics/sanctions.md") == "facts/topics/sanctions.yaml"
    assert page_origin("sources/serious-50-minute-conversation.md") == "seeds/serious-50-minute-conversation.md"
    assert page_origin("timeline.md") == "facts/events/"


def corrections(site) -> dict[str, str | None]:
    """The "Suggest a correction" link of every page of a built site, by page."""
    found = {}
    for html in sorted(site.rglob("*.html")):
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        link = soup.select_one("article aside.fs-correction a")
        found[html.relative_to(site).as_posix()] = link["href"] if link else None
    return found


def test_each_page_links_its_fact_file_for_corrections_when_the_repository_is_set(monkeypatch, tmp_path):
    project = copy_tree("basic", tmp_path / "edit")
    monkeypatch.setenv("FACTSHEET_REPO_URL", "https://example.org/team/factsheet")
    monkeypatch.setenv("FACTSHEET_EDIT_URI", "edit/main/")
    _, site = build(project, strict=True)
    links = corrections(site)
    base = "https://example.org/team/factsheet/edit/main/"
    assert links["index.html"] == base + "facts/factsheet.yaml"
    assert links["actors/joe-biden/index.html"] == base + "facts/actors/joe-biden.yaml"
    assert links["topics/sanctions/index.html"] == base + "facts/topics/sanctions.yaml"
    assert (
        links["sources/courier-second-call-50-minutes/index.html"] == base + "seeds/courier-second-call-50-minutes.md"
    )
    assert links["timeline/index.html"] == "https://example.org/team/factsheet/tree/main/facts/events/"
    assert links["about/index.html"] is None and links["404.html"] is None
    # The header's repository link makes no request to the host's API (no data-md-component="source").
    header = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser").select_one("a.md-source")
    assert header is not None and header["href"] == "https://example.org/team/factsheet"
    assert not header.has_attr("data-md-component")


def test_no_correction_link_without_a_repository(monkeypatch, basic):
    monkeypatch.delenv("FACTSHEET_REPO_URL", raising=False)
    monkeypatch.delenv("FACTSHEET_EDIT_URI", raising=False)
    _, site = build(basic, strict=True)
    assert not any(corrections(site).values())


def test_the_about_page_explains_every_note_a_fact_can_carry(basic_pages):
    about = basic_pages["about.md"]
    for label in ("No response", "Not confirmed", "Disputed", "Sources differ", "Written differently"):
        assert f"{label}</span>" in about, label
    assert "## Report an error" in about and "Suggest a correction" in about


def test_the_published_site_links_corrections_to_its_own_repository():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "publish.yml").read_text(encoding="utf-8"))
    env = workflow["jobs"]["build"]["env"]
    assert env["FACTSHEET_REPO_URL"] == "${{ github.server_url }}/${{ github.repository }}"
    assert env["FACTSHEET_EDIT_URI"] == "edit/${{ github.ref_name }}/"
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert "repo_url: !ENV [FACTSHEET_REPO_URL, null]" in config
    assert "edit_uri: !ENV [FACTSHEET_EDIT_URI, null]" in config
