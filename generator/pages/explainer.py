"""Stage 3, the front of the site: the home page as a news explainer and the About page.

The home page answers "what do we know?" the way news explainers do: what happened, the key facts with their
sources, what the articles disagree on, and the accounts one side gives that the other has not confirmed.
The About page says how the fact sheet is made and what each label means. Like context.py, these functions
only decide what the pages show, as plain values; each list on the home page is capped (and says how many
more there are), so the page stays short however large the fact sheet grows.
"""

from __future__ import annotations

import math
import typing

from generator.model import Claim, ClaimKind, Event, Position, Voice

# context.py imports this module only when it builds the pages, so both are complete by then.
from generator.pages.context import Link, Target, _Builder, fact_target
from generator.pages.export import EXPORT_FILES

KEY_FACTS = 8  # events on the home page besides the one at the centre
HOME_DISAGREEMENTS = 5
HOME_ACCOUNTS = 6

# Disagreements in the order a reader needs them: a different number or date changes the story; a title
# worded differently rarely does. Variants (spellings, translations, rounding) are not disagreements.
CLAIM_PRIORITY = (
    ClaimKind.NUMBER,
    ClaimKind.DATE,
    ClaimKind.TIME,
    ClaimKind.ACCOUNT,
    ClaimKind.DETAIL,
    ClaimKind.TITLE,
)


def most_articles(source_count: int) -> int:
    """'Most articles': at least half of them (and at least one)."""
    return max(1, math.ceil(source_count / 2))


def key_events(b: _Builder) -> list[Event]:
    """The events most articles report, besides the one at the centre, in timeline order. When more than
    KEY_FACTS qualify, the most widely reported are kept (ties: the earlier on the timeline)."""
    threshold = most_articles(len(b.facts.sources))
    focus = b.facts.info.focus_event
    place = {e.id: i for i, e in enumerate(b.order)}
    widely = [e for e in b.order if e.id != focus and b.source_count(e) >= threshold]
    kept = {e.id for e in sorted(widely, key=lambda e: (-b.source_count(e), place[e.id]))[:KEY_FACTS]}
    return [e for e in widely if e.id in kept]


def disagreements(b: _Builder) -> list[Claim]:
    """Every substantive claim (never a variant), the most telling first: by kind (CLAIM_PRIORITY), then by
    how many articles take part, then by question."""
    claims = [c for c in b.facts.claims.values() if not c.kind.is_variant]

    def articles(c: Claim) -> int:
        return len({x.source for a in c.answers for x in a.citations})

    rank = {kind: i for i, kind in enumerate(CLAIM_PRIORITY)}  # a kind added later goes last, not astray
    return sorted(claims, key=lambda c: (rank.get(c.kind, len(rank)), -articles(c), c.question, c.id))


def unconfirmed(b: _Builder) -> list[Event | Position]:
    """Accounts one side gives that the other has not confirmed, disputes or did not answer (facts with
    responses): events in timeline order, then positions by actor and topic."""
    f = b.facts
    events: list[Event | Position] = [e for e in b.order if e.responses]
    positions = sorted(
        (p for p in f.positions.values() if p.responses),
        key=lambda p: (f.actors[p.actor].name, f.topics[p.topic].name, p.id),
    )
    return events + positions


def account_groups(b: _Builder, accounts: list[Event | Position]) -> list[dict[str, object]]:
    """The accounts grouped by what the other side said of them (the same responses, word for word), so
    that each response shows once, above the accounts it answers; groups in the order of their first account."""
    groups: dict[tuple[tuple[str, str, str], ...], dict[str, object]] = {}
    for x in accounts:
        view = b.event_view(x) if isinstance(x, Event) else b.position_view(x)
        responses = typing.cast(list[dict[str, object]], view["responses"])
        key = tuple((r.by, r.kind.value, r.summary) for r in x.responses)
        if key not in groups:
            groups[key] = {"responses": [{**r, "citations": []} for r in responses], "events": [], "positions": []}
        group = groups[key]
        for shown, own in zip(typing.cast(list, group["responses"]), responses, strict=True):
            shown["citations"].extend(own["citations"])  # the marks of every account's response
        typing.cast(list, group["events" if isinstance(x, Event) else "positions"]).append(view)
    return list(groups.values())


def home(b: _Builder, common: dict[str, object]) -> dict[str, object]:
    f = b.facts
    key = key_events(b)
    claims = disagreements(b)
    accounts = unconfirmed(b)
    return {
        **common,
        "counts": {
            "sources": len(f.sources),
            "actors": len(f.actors),
            "events": len(f.events),
            "topics": len(f.topics),
            "positions": len(f.positions),
            "claims": len(claims),
            "variants": sum(c.kind.is_variant for c in f.claims.values()),
        },
        "focus": b.event_view(f.events[f.info.focus_event]) if f.info.focus_event else None,
        "key_facts": {
            "events": [b.event_view(e) for e in key],
            "threshold": most_articles(len(f.sources)),
            "more": len([e for e in f.events.values() if e.id != f.info.focus_event]) - len(key),
        },
        "disagreements": {
            "claims": [{**b.claim_view(c), "target": fact_target(c)} for c in claims[:HOME_DISAGREEMENTS]],
            "more": max(0, len(claims) - HOME_DISAGREEMENTS),
        },
        "accounts": {
            "groups": account_groups(b, accounts[:HOME_ACCOUNTS]),
            "more": max(0, len(accounts) - HOME_ACCOUNTS),
        },
        "sources": [b.source_view(s) for s in f.sources.values()],
        "exports": common_exports(),
        "jsonld": b.home_ld(),
    }


def about(b: _Builder, common: dict[str, object]) -> dict[str, object]:
    f = b.facts
    # One real position for each way a statement can be attributed, so the explanations show what readers
    # will meet (the first of each kind, by id).
    examples: dict[str, Position] = {}
    for p in f.positions.values():
        kind = "unnamed" if p.reported_by_unnamed else p.voice.value
        examples.setdefault(kind, p)
    order = (Voice.OWN_WORDS.value, Voice.REPORTED.value, "unnamed", Voice.DESCRIBED.value)
    sources = [b.source_view(s) for s in f.sources.values()]
    return {
        **common,
        "sources": sources,
        "translated": [s for s in sources if s["translated"]],
        "voices": [b.position_view(examples[k]) for k in order if k in examples],
        "counts": {
            "facts": len(f.facts()),
            "sources": len(f.sources),
            "claims": sum(not c.kind.is_variant for c in f.claims.values()),
            "variants": sum(c.kind.is_variant for c in f.claims.values()),
        },
        "exports": common_exports(),
        "jsonld": b.page_ld("About this fact sheet"),
    }


def common_exports() -> list[Link]:
    return [Link(path.removeprefix("data/"), Target(path)) for path in EXPORT_FILES]
