"""A synthetic fact sheet of any size, valid by construction, for the benchmark.

N facts over M = N/10 sources and K = N/10 actors (plus events, topics, claims and positions), with
realistic field sizes: each source is an article of a few kilobytes of generated prose, and every quote
is a run of words cut from the article it cites, so `factsheet check` passes. Deterministic: the same
N gives byte-identical files.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from generator.project import Project

REPO = Path(__file__).resolve().parent.parent
_SYLLABLES = [c + v for c in "bdklmnrstv" for v in "aeiou"]


@dataclass(frozen=True)
class Shape:
    """How many entities of each kind a corpus of `facts` facts holds."""

    facts: int
    sources: int
    actors: int
    events: int
    topics: int
    claims: int
    positions: int

    @classmethod
    def of(cls, n: int) -> Shape:
        sources = max(2, n // 10)
        actors = max(2, n // 10)
        events = max(1, n // 10)
        topics = max(1, n // 50)
        claims = max(1, n // 20)
        positions = max(1, n - actors - events - topics - claims)
        return cls(actors + events + topics + claims + positions, sources, actors, events, topics, claims, positions)

    @property
    def pages(self) -> int:
        """Pages the site will have: one per actor, source and topic, plus the six index pages and About."""
        return self.actors + self.sources + self.topics + 7


def _q(text: str) -> str:
    """A YAML double-quoted scalar (the generated text has no quotes or backslashes)."""
    return f'"{text}"'


class _Writer:
    def __init__(self, root: Path, shape: Shape, seed: int) -> None:
        self.root = root
        self.shape = shape
        self.rng = random.Random(seed)
        self.vocab = sorted({self._word() for _ in range(3000)})
        self.sources: list[tuple[str, list[str]]] = []  # id, sentences

    def _word(self) -> str:
        return "".join(self.rng.choice(_SYLLABLES) for _ in range(self.rng.randint(1, 4)))

    def words(self, lo: int, hi: int) -> str:
        return " ".join(self.rng.choice(self.vocab) for _ in range(self.rng.randint(lo, hi)))

    def sentence(self) -> str:
        return self.words(10, 24).capitalize() + "."

    def cite(self, indent: str, count: int = 2, source: int | None = None) -> str:
        """YAML for `count` citations, each a run of words from one of the sources (or the one numbered `source`)."""
        lines = [f"{indent}citations:"]
        for _ in range(count):
            source_id, sentences = self.rng.choice(self.sources) if source is None else self.sources[source]
            words = self.rng.choice(sentences).rstrip(".").split()
            start = self.rng.randrange(0, len(words) - 8)
            quote = " ".join(words[start : start + self.rng.randint(8, min(16, len(words) - start))])
            lines += [f"{indent}  - source: {source_id}", f"{indent}    quote: {_q(quote)}"]
        return "\n".join(lines)

    def write(self, kind: str, id_: str, text: str) -> None:
        path = self.root / "facts" / kind / f"{id_}.yaml"
        path.write_text(text + "\n", encoding="utf-8")

    def corpus(self) -> None:
        s = self.shape
        for folder in ("actors", "events", "topics", "positions", "claims"):
            (self.root / "facts" / folder).mkdir(parents=True, exist_ok=True)
        (self.root / "seeds").mkdir(exist_ok=True)
        for i in range(s.sources):
            sid = f"source-{i:05d}"
            paragraphs = [[self.sentence() for _ in range(self.rng.randint(2, 5))] for _ in range(10)]
            sentences = [x for p in paragraphs for x in p]
            self.sources.append((sid, sentences))
            body = "\n\n".join(" ".join(p) for p in paragraphs)
            front = "\n".join(
                [
                    "---",
                    f"id: {sid}",
                    f"label: {_q(self.words(1, 3).title())}",
                    f"title: {_q(self.words(5, 10).capitalize())}",
                    f"outlet: {_q(self.words(1, 3).title())}",
                    f"author: {_q(self.words(2, 2).title())}",
                    f'date: "2021-12-{1 + i % 28:02d}"',
                    "translated: false",
                    f"url: https://news.example/{sid}",
                    "---",
                ]
            )
            (self.root / "seeds" / f"{sid}.md").write_text(f"{front}\n{body}\n", encoding="utf-8")

        actors = [f"actor-{i:05d}" for i in range(s.actors)]
        topics = [f"topic-{i:04d}" for i in range(s.topics)]
        for i, aid in enumerate(actors):
            kind = ("person", "organization", "state")[i % 3]
            self.write(
                "actors",
                aid,
                f"id: {aid}\nname: {_q(self.words(2, 3).title())}\nkind: {kind}\n"
                f"summary: {_q(self.sentence())}\n"
                f"roles:\n  - title: {_q(self.words(2, 5).capitalize())}\n"
                f"    affiliation: {actors[(i + 1) % len(actors)]}\n{self.cite('    ', 1)}\n{self.cite('')}",
            )
        for i in range(s.events):
            eid = f"event-{i:05d}"
            members = ", ".join(self.rng.sample(actors, 2))
            self.write(
                "events",
                eid,
                f"id: {eid}\ntitle: {_q(self.words(3, 8).capitalize())}\n"
                f'date: "20{10 + i % 12}-{1 + i % 12:02d}-{1 + i % 28:02d}"\nstatus: occurred\n'
                f"summary: {_q(self.sentence() + ' ' + self.sentence())}\nactors: [{members}]\n"
                f"place: {_q(self.words(1, 3).title())}\n{self.cite('')}",
            )
        for tid in topics:
            self.write(
                "topics",
                tid,
                f"id: {tid}\nname: {_q(self.words(1, 3).title())}\nsummary: {_q(self.sentence())}\n{self.cite('')}",
            )
        for i in range(s.positions):
            pid = f"position-{i:05d}"
            actor, reporter = self.rng.sample(actors, 2)
            voice = "described" if i % 2 else f"reported\nreported_by: {reporter}"
            self.write(
                "positions",
                pid,
                f"id: {pid}\nactor: {actor}\ntopic: {self.rng.choice(topics)}\n"
                f"stance: {_q(self.sentence())}\nvoice: {voice}\n"
                f'date: "2021-12-{1 + i % 28:02d}"\n{self.cite("")}',
            )
        for i in range(s.claims):
            cid = f"claim-{i:05d}"
            answers = "\n".join(
                f"  - answer: {_q(self.words(2, 6))}\n    said_by: {self.rng.choice(actors)}\n"
                + self.cite("    ", 1, source=(i + n) % len(self.sources))  # two answers, two sources
                for n in range(2)
            )
            self.write(
                "claims",
                cid,
                f"id: {cid}\nquestion: {_q(self.words(5, 10).capitalize() + '?')}\nkind: number\n"
                f"topic: {self.rng.choice(topics)}\nanswers:\n{answers}",
            )
        (self.root / "facts" / "factsheet.yaml").write_text(
            'title: "Benchmark fact sheet"\ndescription: "Synthetic facts for the benchmark."\n'
            "focus_event: event-00000\n",
            encoding="utf-8",
        )


def make_corpus(root: Path, n: int, seed: int = 8) -> tuple[Project, Shape]:
    """Write a project of about `n` facts into `root` (which must not exist or be empty)."""
    shape = Shape.of(n)
    root.mkdir(parents=True, exist_ok=True)
    _Writer(root, shape, seed).corpus()
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "templates", root / "templates")  # mkdocs.yml names templates/theme
    (root / "generated").mkdir(exist_ok=True)
    return Project.at(root), shape
