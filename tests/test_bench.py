"""The benchmark runs end to end at a tiny size and reports every field (targets are its job, not ours)."""

from __future__ import annotations

import json
import pickle

from bench import run, stage
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
    """Two tiny sizes, the naive sites built only at the smaller: the larger has no naive time to show (fewer
    than two measured sizes to extrapolate from), and the table says n/a there instead of failing."""
    out = tmp_path / "results.json"
    assert run.main(["--sizes", "10", "20", "--naive-max", "10", "--repeat", "1", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    r = report["runs"]["20"]
    assert r["pages"] == Shape.of(20).pages
    measured = ["parse_baseline", "check_cold", "check_cold_cli", "check_warm_cli", "build_own", "build_mkdocs"]
    measured += ["incremental_cli", "incremental"]
    for key in [*measured, "build", "mkdocs_same_pages"]:
        assert r["seconds"][key] > 0, key
        assert r["cpu_seconds"][key] > 0, key
    for name in run.NAIVE:
        assert report["runs"]["10"]["seconds"][name] > 0 and r["seconds"][name] is None, name
    assert report["runs"]["10"]["ratios"]["build_vs_naive_pruned"] > 0
    assert r["ratios"]["build_vs_naive"] is None and r["ratios"]["own_share"] > 0
    if stage.hugo_binary() is None:
        assert "hugo_same_pages" in r["skipped"] and r["ratios"]["build_vs_hugo"] is None
    else:
        assert r["seconds"]["hugo_same_pages"] > 0 and r["ratios"]["build_vs_hugo"] > 0
        assert report["machine"]["hugo"]
    # The bare parse runs on as many processes as the check it is compared with.
    assert r["processes"]["parse_baseline"] == r["processes"]["check_cold"] >= 1
    assert set(r["ratios"]) >= {"own_share", "check_vs_parse", "warm_vs_cold", "build_vs_mkdocs", "build_vs_hugo"}
    assert "incremental_vs_build" in r["ratios"]  # where the incremental build's measurement goes
    assert all(v > 0 for v in r["peak_rss_mb"].values())
    assert set(r["peak_rss_worker_mb"]) == set(r["peak_rss_mb"])  # 0 where no worker was started
    assert {t["target"] for t in report["targets"]} == {t.name for t in run.TARGETS}
    assert report["machine"]["cores"] and report["machine"]["mkdocs_material"] and report["machine"]["markdown"]
    assert len(report["load"]["before"]) == len(r["load_after"]) == 3
    printed = capsys.readouterr().out
    assert "| facts | pages |" in printed and "| 20 | " in printed and "n/a" in printed
    headers = [line for line in printed.splitlines() if line.startswith("| facts |")]
    assert "| incremental |" in headers[0] and "| incremental_vs_build |" in headers[1]  # the measure shown


def test_hugo_site_has_the_same_pages(tmp_path):
    """The generated folder as Hugo content: every Markdown page kept (a folder's index.md under Hugo's name
    for a section's page, _index.md), every other file static, one layout per kind of page."""
    generated = tmp_path / "generated"
    for page in ("index.md", "about.md", "actors/index.md", "actors/a.md"):
        (generated / page).parent.mkdir(parents=True, exist_ok=True)
        (generated / page).write_text(f"---\ntitle: {page}\n---\n# {page}\n", encoding="utf-8")
    (generated / "data").mkdir()
    (generated / "data" / "facts.json").write_text("{}\n", encoding="utf-8")
    site = stage.hugo_site(tmp_path)
    content = sorted(p.relative_to(site / "content").as_posix() for p in (site / "content").rglob("*.md"))
    assert content == ["_index.md", "about.md", "actors/_index.md", "actors/a.md"]
    assert (site / "content" / "actors" / "a.md").read_text() == (generated / "actors" / "a.md").read_text()
    assert (site / "static" / "data" / "facts.json").read_text() == "{}\n"
    assert "{{ .Content }}" in (site / "layouts" / "page.html").read_text()


def test_naive_baselines_are_extrapolated_only_where_not_measured():
    def run_of(naive: float | None) -> dict:
        return {
            "seconds": {"build": 10.0, "material_naive": naive, "material_naive_pruned": naive},
            "ratios": {},
            "naive_extrapolated": dict.fromkeys(run.NAIVE, False),
        }

    runs = {100: run_of(1.0), 1000: run_of(30.0), 10000: run_of(None)}
    run.extrapolate_naive(runs)
    assert not any(runs[1000]["naive_extrapolated"].values()) and all(runs[10000]["naive_extrapolated"].values())
    # Through both points: b*100 + c*100^2 = 1 and b*1000 + c*1000^2 = 30.
    b, c = 0.01 - 100 * ((0.03 - 0.01) / 900), (0.03 - 0.01) / 900
    assert abs(runs[10000]["seconds"]["material_naive"] - (b * 1e4 + c * 1e8)) < 1e-6
    assert runs[10000]["ratios"]["build_vs_naive"] == 10.0 / runs[10000]["seconds"]["material_naive"]
    assert runs[10000]["ratios"]["build_vs_naive_pruned"] == runs[10000]["ratios"]["build_vs_naive"]


def test_markdown_options_measure_the_same_pages_other_ways(tmp_path):
    from bench import markdown_options

    result = markdown_options.measure(tmp_path, 100, repeat=1)
    assert result.pages == len(list((tmp_path / "generated").rglob("*.md"))) > 20
    seconds = result.cpu_seconds
    assert set(seconds) == {
        "as_written",
        "no_entity_escapes",
        "no_cited_spans",
        "html_blocks",
        "html_blocks_no_md_in_html",
    }
    assert all(value > 0 for value in seconds.values())
    assert result.share("as_written") == 1.0
    assert result.as_json()["share_of_as_written"] == {name: result.share(name) for name in seconds}


def test_html_blocks_keep_the_headings_as_markdown_and_the_rest_as_raw_html():
    from bench.markdown_options import _html_blocks, _no_entities

    html = '<h1 id="a">Title<a class="headerlink" href="#a">¶</a></h1>\n<p>One <a href="x/">link</a></p>'
    assert _html_blocks(html) == '# Title\n\n<div class="fs-block">\n<p>One <a href="x/">link</a></p>\n</div>\n'
    assert _no_entities("a&#46; b&#60;c") == "a. b&#60;c"  # "<" stays escaped: Markdown would read it


def test_the_mkdocs_floor_gives_back_each_pages_conversion_and_builds_the_same_site(tmp_path):
    """The floor's MkDocs skips Python-Markdown but must publish the very site: else its time bounds nothing."""
    from bench import mkdocs_floor

    result = mkdocs_floor.measure(tmp_path, 30)
    assert result.same_site
    assert set(mkdocs_floor.MODES) <= set(result.seconds)
    assert all(cpu > 0 for _, cpu in result.seconds.values())
    kept = pickle.loads((tmp_path / "rendered.pickle").read_bytes())
    assert len(kept) == result.pages and all("<h1" in content for content, *_ in kept.values())
