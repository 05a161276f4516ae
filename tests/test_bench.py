"""The benchmark runs end to end at a tiny size and reports every field (targets are its job, not ours)."""

from __future__ import annotations

import json

from bench import run
from bench.corpus import Shape, make_corpus
from generator.pipeline import check


def test_synthetic_corpus_is_valid(tmp_path):
    project, shape = make_corpus(tmp_path / "corpus", 60)
    result = check(project, cache=False)
    assert result.diagnostics == []
    f = result.facts
    assert len(f.sources) == shape.sources and len(f.actors) == shape.actors
    assert len(f.positions) == shape.positions and shape.facts >= 60


def test_bench_smoke(tmp_path, capsys):
    out = tmp_path / "results.json"
    assert run.main(["--sizes", "20", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    r = report["runs"]["20"]
    assert r["pages"] == Shape.of(20).pages
    for key in (
        "parse_baseline",
        "check_cold",
        "check_warm",
        "build_own",
        "build_mkdocs",
        "build",
        "material_baseline",
    ):
        assert r["seconds"][key] > 0, key
    assert set(r["ratios"]) == {"own_share", "check_vs_parse", "warm_vs_cold", "build_vs_material"}
    assert all(v > 0 for v in r["peak_rss_mb"].values())
    assert {t["target"] for t in report["targets"]} == {t.name for t in run.TARGETS}
    assert report["machine"]["cores"] and report["machine"]["mkdocs"]
    assert "| facts | pages |" in capsys.readouterr().out
