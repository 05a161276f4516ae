"""The real fact base: clean, complete, and pinned, so that a change that drops facts fails loudly."""

import pytest

from generator.model import all_citations
from generator.pages.stats import compute
from generator.pipeline import check
from generator.project import Project

from .conftest import REPO


@pytest.fixture(scope="module")
def result():
    return check(Project.at(REPO))


def test_check_is_clean_without_warnings(result):
    assert [d.format(REPO) for d in result.diagnostics] == []


def test_counts_are_pinned(result):
    # Update these numbers only together with the facts that change them.
    assert compute(result.facts).counts == {
        "sources": 5,
        "actors": 40,
        "events": 18,
        "topics": 12,
        "positions": 74,
        "claims": 22,
    }


def test_claims_are_split_into_disagreements_and_variants(result):
    # Spellings and translation wordings are not disagreements: the split is pinned like the counts.
    claims = list(result.facts.claims.values())
    assert sum(not c.kind.is_variant for c in claims) == 11
    assert sum(c.kind.is_variant for c in claims) == 11


def test_every_claim_names_the_facts_it_bears_on(result):
    # Without them no page that shows the fact says that the sources differ on it.
    assert [c.id for c in result.facts.claims.values() if not (c.events or c.positions or c.actors)] == []


def test_every_substantive_paragraph_is_cited(result):
    stats = compute(result.facts)
    assert [(s.source_id, p.number, p.text) for s in stats.sources for p in s.uncited] == []


def test_every_article_is_cited_by_many_facts(result):
    for coverage in compute(result.facts).sources:
        assert coverage.citations >= 50, coverage.source_id


def test_claims_show_disagreement_with_sources(result):
    for claim in result.facts.claims.values():
        answers = {a.answer for a in claim.answers}
        assert len(answers) == len(claim.answers) >= 2, claim.id
        assert all(a.citations for a in claim.answers), claim.id


def test_corroborated_facts_cite_several_sources(result):
    multi = [f for f in result.facts.facts() if len({c.source for c in all_citations(f)}) > 1]
    assert len(multi) >= 30


def test_focus_event_is_the_call(result):
    call = result.facts.events[result.facts.info.focus_event]
    assert call.date.iso() == "2021-12-30" and str(call.time) == "15:35"
