"""Pages stay bounded as the fact base grows: positions live on their topic's page, the matrix is capped."""

from __future__ import annotations

from bench.corpus import make_corpus
from generator.pages.context import _MATRIX_CELL, _MATRIX_SIDES, build_pages
from generator.pipeline import check


def test_every_position_is_on_its_topic_page_and_the_matrix_is_capped(tmp_path):
    project, shape = make_corpus(tmp_path / "corpus", 400)
    facts = check(project, cache=False).facts
    pages = {p.path: p for p in build_pages(facts)}
    on_topic_pages = [
        pos["id"]
        for path, page in pages.items()
        if path.startswith("topics/")
        for pos in page.context["topic"]["positions"]
    ]
    assert sorted(on_topic_pages) == sorted(facts.positions)
    assert len(pages) == shape.pages
    matrix = pages["positions.md"].context["matrix"]
    cells = [c for row in matrix["rows"] for c in row["cells"]] + [row["cell"] for row in matrix["others"]["rows"]]
    assert len(matrix["sides"]) <= _MATRIX_SIDES and all(len(c["positions"]) <= _MATRIX_CELL for c in cells)
    assert any(c["more"] for c in cells)  # capped: the rest are on the topic's page
    assert sum(len(c["positions"]) + c["more"] for c in cells) == len(facts.positions)
    assert "topics" in pages["positions.md"].context and "positions" not in pages["positions.md"].context["topics"][0]
