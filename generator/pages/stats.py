"""Coverage of the sources by the facts: counts by kind, citations per source, and the paragraphs
no fact cites yet (so an editor sees what is still uncovered)."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model import FactBase, all_citations
from generator.pages.citations import locate


@dataclass(frozen=True)
class Paragraph:
    number: int  # 1-based, counting non-blank lines of the body
    line: int  # line in the seed file
    text: str


@dataclass(frozen=True)
class SourceCoverage:
    source_id: str
    citations: int  # citations pointing at this source
    passages: int  # distinct cited passages
    paragraphs: int
    boilerplate: int  # paragraphs declared as stating no fact
    uncited: tuple[Paragraph, ...]  # substantive paragraphs no citation touches

    @property
    def cited(self) -> int:
        return self.paragraphs - self.boilerplate - len(self.uncited)


@dataclass(frozen=True)
class Stats:
    counts: dict[str, int]
    sources: tuple[SourceCoverage, ...]

    @property
    def uncited(self) -> int:
        return sum(len(s.uncited) for s in self.sources)


def compute(facts: FactBase) -> Stats:
    passages = locate(facts)
    citation_counts = dict.fromkeys(facts.sources, 0)
    for fact in facts.facts():
        for c in all_citations(fact):
            if c.source in citation_counts:
                citation_counts[c.source] += 1
    coverage = []
    for sid, source in facts.sources.items():
        boilerplate = {" ".join(b.split()) for b in source.boilerplate}
        spans = source.paragraphs()
        uncited, skipped = [], 0
        for number, (start, end) in enumerate(spans, 1):
            text = source.body[start:end]
            if " ".join(text.split()) in boilerplate:
                skipped += 1
            elif not any(p.start < end and p.end > start for p in passages[sid]):
                line = source.body_line + source.body.count("\n", 0, start)
                uncited.append(Paragraph(number, line, text))
        coverage.append(
            SourceCoverage(sid, citation_counts[sid], len(passages[sid]), len(spans), skipped, tuple(uncited))
        )
    counts = {
        "sources": len(facts.sources),
        "actors": len(facts.actors),
        "events": len(facts.events),
        "topics": len(facts.topics),
        "positions": len(facts.positions),
        "claims": len(facts.claims),
    }
    return Stats(counts, tuple(coverage))
