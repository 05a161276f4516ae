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
    assert run.main(["--sizes", "20", "--repeat", "2", "--out", str(out)]) == 0
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
        "material_same_pages",
        "material_naive",
    ):
        assert r["seconds"][key] > 0, key
    assert set(r["ratios"]) == {
        "own_share",
        "check_vs_parse",
        "warm_vs_cold",
        "build_vs_material",
        "build_vs_material_same_pages",
    }
    assert all(v > 0 for v in r["peak_rss_mb"].values())
    assert set(r["peak_rss_worker_mb"]) == set(r["peak_rss_mb"])  # 0 where no worker was started
    assert {t["target"] for t in report["targets"]} == {t.name for t in run.TARGETS}
    assert report["machine"]["cores"] and report["machine"]["mkdocs"]
    assert "| facts | pages |" in capsys.readouterr().out


def test_naive_baseline_is_extrapolated_only_where_not_measured():
    def run_of(naive: float | None) -> dict:
        return {"seconds": {"build": 10.0, "material_naive": naive}, "ratios": {}, "material_naive_extrapolated": False}

    runs = {100: run_of(1.0), 1000: run_of(30.0), 10000: run_of(None)}
    run.extrapolate_naive(runs)
    assert not runs[1000]["material_naive_extrapolated"] and runs[10000]["material_naive_extrapolated"]
    # Through both points: b*100 + c*100^2 = 1 and b*1000 + c*1000^2 = 30.
    b, c = 0.01 - 100 * ((0.03 - 0.01) / 900), (0.03 - 0.01) / 900
    assert abs(runs[10000]["seconds"]["material_naive"] - (b * 1e4 + c * 1e8)) < 1e-6
    assert runs[10000]["ratios"]["build_vs_material"] == 10.0 / runs[10000]["seconds"]["material_naive"]
