"""The benchmark: check, generate and build synthetic fact sheets of N facts, against baselines.

    python -m bench.run [--sizes 100 1000 10000] [--repeat 3] [--out bench/results.json]

For each N it writes a corpus (bench/corpus.py) into a temporary folder and runs every stage in a
fresh process (bench/stage.py): a bare CSafeLoader parse of the same files; `check` without cache, with
an empty cache, and again after one file changed (each of these four the fastest of --repeat runs);
the full build (ours stage by stage, then MkDocs); and two default Material builds: the naive site the
targets mean (one page per fact, every page in the navigation; measured up to --naive-max facts,
extrapolated above), and as many trivial pages as our site has, all in the navigation. It prints a
table and writes JSON with the times, the baselines and each target's ratio. Targets are ratios within
one run: the machine is noisy, absolute seconds are not stable.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .corpus import Shape, make_corpus

REPO = Path(__file__).resolve().parent.parent
OWN_STAGES = ("load", "validate", "render", "write")


@dataclass(frozen=True)
class Target:
    name: str
    limit: float
    what: str


TARGETS = (
    Target("linear_growth", 12.0, "full build at 10,000 facts / at 1,000 facts"),
    Target("own_share", 0.15, "our stages (load, validate, render, write) / full build, at every N"),
    Target("check_vs_parse", 1.5, "cold `check` / bare CSafeLoader parse of the same files, at the largest N"),
    Target("warm_vs_cold", 0.10, "`check` after one file changed (cached) / cold `check`, at the largest N"),
    Target(
        "build_vs_material",
        0.35,
        "full build / default Material build of one page per fact, all in the nav (naive site), at 1,000",
    ),
    Target("peak_rss_mb", 500.0, "peak memory of any process (a stage or its workers) at the largest N, MB"),
)


def run_stage(name: str, root: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.stage", name, str(root)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"stage {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def touch_one_fact(root: Path) -> None:
    """Change one fact as an editor would (the stance of the first position), keeping it valid."""
    path = min((root / "facts" / "positions").glob("*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace('stance: "', 'stance: "Edited. ', 1), encoding="utf-8")


def best_of(repeat: int, name: str, root: Path, before: Callable[[], None] = lambda: None) -> dict[str, object]:
    """The fastest of `repeat` runs of a short stage (`before` each): a run that shared the machine with
    another job says more about the job than about the stage. Baseline and check are treated alike."""
    runs = []
    for _ in range(repeat):
        before()
        runs.append(run_stage(name, root))
    return min(runs, key=lambda r: float(r["seconds"]))


def measure(n: int, workdir: Path, naive: bool, repeat: int = 3) -> dict[str, object]:
    root = workdir / f"n{n}"
    _, shape = make_corpus(root, n)
    stages: dict[str, dict[str, object]] = {}
    stages["parse_baseline"] = best_of(repeat, "parse_baseline", root)
    stages["check_no_cache"] = best_of(repeat, "check_no_cache", root)
    stages["check_cold"] = best_of(repeat, "check_cold", root, lambda: shutil.rmtree(root / ".cache", True))
    stages["check_warm"] = best_of(repeat, "check_warm", root, lambda: touch_one_fact(root))
    for name in ("build", "material_same_pages", *(["material_naive"] if naive else [])):
        stages[name] = run_stage(name, root)
    build = stages["build"]
    own = sum(float(build["stages"][s]) for s in OWN_STAGES)
    naive_seconds = stages["material_naive"]["seconds"] if naive else None
    return {
        "facts": shape.facts,
        "shape": shape.__dict__,
        "pages": build["pages"],
        "input_bytes": sum(p.stat().st_size for p in (root / "facts").rglob("*.yaml"))
        + sum(p.stat().st_size for p in (root / "seeds").glob("*.md")),
        "seconds": {
            "parse_baseline": stages["parse_baseline"]["seconds"],
            "check_no_cache": stages["check_no_cache"]["seconds"],
            "check_cold": stages["check_cold"]["seconds"],
            "check_warm": stages["check_warm"]["seconds"],
            **{f"build_{k}": v for k, v in build["stages"].items()},
            "build_own": own,
            "build": build["seconds"],
            "material_same_pages": stages["material_same_pages"]["seconds"],
            "material_naive": naive_seconds,
        },
        "material_naive_extrapolated": False,
        "peak_rss_mb": {k: v["peak_rss_mb"] for k, v in stages.items()},
        "peak_rss_worker_mb": {k: v["peak_rss_worker_mb"] for k, v in stages.items()},
        "ratios": {
            "own_share": own / float(build["seconds"]),
            "check_vs_parse": float(stages["check_cold"]["seconds"]) / float(stages["parse_baseline"]["seconds"]),
            "warm_vs_cold": float(stages["check_warm"]["seconds"]) / float(stages["check_cold"]["seconds"]),
            "build_vs_material": float(build["seconds"]) / float(naive_seconds) if naive_seconds else None,
            "build_vs_material_same_pages": float(build["seconds"]) / float(stages["material_same_pages"]["seconds"]),
        },
    }


def extrapolate_naive(runs: dict[int, dict]) -> None:
    """Fill the naive baseline where it was not measured, from t = b*N + c*N^2 through the two largest
    measured sizes (Material's navigation makes it quadratic), and mark it as extrapolated."""
    measured = sorted(n for n, r in runs.items() if r["seconds"]["material_naive"])
    if len(measured) < 2:
        return
    (n1, n2), (t1, t2) = measured[-2:], [float(runs[n]["seconds"]["material_naive"]) for n in measured[-2:]]
    c = (t2 / n2 - t1 / n1) / (n2 - n1)
    b = t1 / n1 - c * n1
    for n, r in runs.items():
        if r["seconds"]["material_naive"] is None:
            r["seconds"]["material_naive"] = b * n + c * n * n
            r["material_naive_extrapolated"] = True
            r["ratios"]["build_vs_material"] = float(r["seconds"]["build"]) / r["seconds"]["material_naive"]


def verdicts(runs: dict[int, dict]) -> list[dict[str, object]]:
    """Each target's measured value where this run has the sizes it needs (None otherwise)."""

    def at(n: int, *path: str) -> float | None:
        value: object = runs.get(n)
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return float(value) if isinstance(value, (int, float)) else None

    largest = max(runs)
    b10k, b1k = at(10000, "seconds", "build"), at(1000, "seconds", "build")
    own = [float(r["ratios"]["own_share"]) for r in runs.values()]
    peak = at(largest, "peak_rss_mb", "build")
    values = {
        "linear_growth": b10k / b1k if b10k and b1k else None,
        "own_share": max(own),
        "check_vs_parse": at(largest, "ratios", "check_vs_parse"),
        "warm_vs_cold": at(largest, "ratios", "warm_vs_cold"),
        "build_vs_material": at(1000, "ratios", "build_vs_material") if 1000 in runs else None,
        "peak_rss_mb": _peak(runs[largest]) if peak else None,
    }
    return [
        {
            "target": t.name,
            "what": t.what,
            "limit": t.limit,
            "value": values[t.name],
            "at_facts": largest if t.name in ("check_vs_parse", "warm_vs_cold", "peak_rss_mb") else None,
            "met": None if values[t.name] is None else values[t.name] <= t.limit,
        }
        for t in TARGETS
    ]


def _peak(run: dict) -> float:
    """The largest RSS of our stages' processes, their worker processes included (not the baselines')."""
    return max(
        v
        for key in ("peak_rss_mb", "peak_rss_worker_mb")
        for k, v in run.get(key, {}).items()
        if not k.startswith("material_")
    )


def machine() -> dict[str, object]:
    import mkdocs
    import yaml

    try:
        import material

        material_version = getattr(material, "__version__", "")
    except ImportError:  # pragma: no cover
        material_version = ""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "mkdocs": mkdocs.__version__,
        "mkdocs_material": material_version,
        "pyyaml": yaml.__version__,
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
    }


def table(runs: dict[int, dict], targets: list[dict]) -> str:
    cols = (
        "parse_baseline",
        "check_cold",
        "check_warm",
        "build_own",
        "build_mkdocs",
        "build",
        "material_same_pages",
        "material_naive",
    )
    lines = [
        "| facts | pages | input MB | " + " | ".join(cols) + " | peak RSS MB |",
        "|---:" * (len(cols) + 4) + "|",
    ]
    for _, r in sorted(runs.items()):
        s = r["seconds"]
        peak = _peak(r)
        lines.append(
            f"| {r['facts']} | {r['pages']} | {r['input_bytes'] / 1e6:.1f} | "
            + " | ".join(
                f"{s[c]:.2f}" + ("*" if c == "material_naive" and r["material_naive_extrapolated"] else "")
                for c in cols
            )
            + f" | {peak:.0f} |"
        )
    if any(r["material_naive_extrapolated"] for r in runs.values()):
        lines += ["", "\\* extrapolated from the two largest measured sizes (t = bN + cN²), not measured"]
    lines += ["", "| target | limit | measured | met |", "|---|---:|---:|---|"]
    for t in targets:
        value = "n/a" if t["value"] is None else f"{t['value']:.3g}"
        met = "n/a" if t["met"] is None else ("yes" if t["met"] else "**no**")
        lines.append(f"| {t['what']} | {t['limit']} | {value} | {met} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000], help="numbers of facts")
    p.add_argument("--naive-max", type=int, default=1000, help="largest N for which the naive Material site is built")
    p.add_argument("--repeat", type=int, default=3, help="runs of each parse and check stage; the fastest counts")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results.json", help="where the JSON goes")
    args = p.parse_args(argv)
    runs: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(prefix="factsheet-bench-") as tmp:
        for n in args.sizes:
            started = time.perf_counter()
            runs[n] = measure(n, Path(tmp), naive=n <= args.naive_max, repeat=args.repeat)
            print(f"N={n}: {Shape.of(n).pages} pages, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    extrapolate_naive(runs)
    targets = verdicts(runs)
    try:  # the serve measurement (bench/serve_reload.py) is kept: this run does not redo it
        kept = {k: v for k, v in json.loads(args.out.read_text(encoding="utf-8")).items() if k == "serve_reload"}
    except (OSError, ValueError):
        kept = {}
    report = {
        **kept,
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "runs": {str(n): r for n, r in sorted(runs.items())},
        "targets": targets,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(table(runs, targets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
