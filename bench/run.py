"""The benchmark: check, generate and build synthetic fact sheets of N facts, against baselines.

    python -m bench.run [--sizes 100 1000 10000] [--repeat 3] [--build-repeat 1] [--out bench/results.json]

For each N it writes a corpus (bench/corpus.py) into a temporary folder and runs every stage in a
fresh process (bench/stage.py), timing wall and CPU time: a bare CSafeLoader parse of the same files
over as many processes as the check uses; `check` without cache and with an empty cache; `factsheet
check` from the command line with an empty cache and again after one file changed (each of these five
the fastest of --repeat runs); the full build (ours stage by stage, then MkDocs); and the baselines, the
fair ones first: plain MkDocs on the same generated pages, Hugo on the same pages (when the `bench` extra
is installed), the naive site (one page per fact, every page in the navigation) with Material's
`navigation.prune` and, last, without it (quadratic; both measured up to --naive-max facts, extrapolated
above when two sizes were measured). It prints the tables and writes JSON with the times, the machine,
its load before and after, and each target's ratio. Every ratio is computed within one run: the machine
is noisy, absolute seconds are not stable.
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
from importlib import metadata
from pathlib import Path

from .corpus import Shape, make_corpus
from .stage import hugo_binary

REPO = Path(__file__).resolve().parent.parent
OWN_STAGES = ("load", "validate", "render", "write")


@dataclass(frozen=True)
class Target:
    name: str
    limit: float
    what: str


TARGETS = (
    Target("own_share", 0.15, "our stages (load, validate, render, write) / full build, at every N (the largest)"),
    Target(
        "check_vs_parse",
        1.5,
        "cold `check` / bare CSafeLoader parse of the same files with as many processes, at the largest N",
    ),
    Target("build_vs_hugo", 2.0, "full build / Hugo on the same pages, at 10,000 facts"),
    Target("incremental_vs_build", 0.10, "one fact edited: site updated / full build, at 10,000 facts"),
    Target(
        "warm_vs_cold",
        0.10,
        "`factsheet check` after one file changed / with an empty cache, both from the command line, at the largest N",
    ),
    Target("linear_growth", 12.0, "full build at 10,000 facts / at 1,000 facts"),
    Target(
        "build_vs_naive_pruned",
        0.35,
        "full build / naive site (one page per fact, all in the nav) with navigation.prune, at 1,000",
    ),
    Target("peak_rss_mb", 500.0, "peak memory of any process (a stage or its workers) at the largest N, MB"),
)

# The baselines, the fair ones first: (stage, what it is). `fair` ones build the same pages as we do.
BASELINES = (
    ("mkdocs_same_pages", "plain MkDocs (mkdocs.yml as is: Material, search) on the same generated pages"),
    ("hugo_same_pages", "Hugo on the same generated pages: content only, theme-less layouts, no search"),
    ("material_naive_pruned", "naive site: one page per fact, all in the nav, Material with navigation.prune"),
    ("material_naive", "naive site without navigation.prune (quadratic: unfair, for reference only)"),
)
NAIVE = ("material_naive_pruned", "material_naive")


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
    return min(runs, key=lambda r: _float(r["seconds"]))


def _float(value: object) -> float:
    """A number a stage reported (JSON from its process): int or float."""
    if not isinstance(value, (int, float)):
        raise TypeError(f"not a number: {value!r}")
    return float(value)


def _times(stage: dict[str, object], key: str) -> dict[str, float]:
    """A stage's times per step (the build's "stages" and "stages_cpu")."""
    value = stage[key]
    if not isinstance(value, dict):
        raise TypeError(f"{key} is not a mapping: {value!r}")
    return {str(k): _float(v) for k, v in value.items()}


def _seconds(stage: dict[str, object] | None, key: str = "seconds") -> float | None:
    """A stage's time, None when it did not run or was skipped."""
    value = stage.get(key) if stage else None
    return float(value) if isinstance(value, (int, float)) else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def measure(n: int, workdir: Path, naive: bool, repeat: int = 3, build_repeat: int = 1) -> dict[str, object]:
    root = workdir / f"n{n}"
    _, shape = make_corpus(root, n)
    load_before = os.getloadavg()
    stages: dict[str, dict[str, object]] = {}
    stages["parse_baseline"] = best_of(repeat, "parse_baseline", root)
    stages["check_no_cache"] = best_of(repeat, "check_no_cache", root)
    stages["check_cold"] = best_of(repeat, "check_cold", root, lambda: shutil.rmtree(root / ".cache", True))
    stages["check_cold_cli"] = best_of(repeat, "check_cold_cli", root, lambda: shutil.rmtree(root / ".cache", True))
    stages["check_warm_cli"] = best_of(repeat, "check_warm_cli", root, lambda: touch_one_fact(root))
    # The build and the baselines, interleaved --build-repeat times, the fastest of each counting. The build
    # comes first each time: the same-pages baselines build what it generated.
    builds = ["build", *(name for name, _ in BASELINES if naive or name not in NAIVE)]
    for _ in range(build_repeat):
        for name in builds:
            done = run_stage(name, root)
            if name not in stages or _float(done.get("seconds", 0)) < _float(stages[name].get("seconds", 0)):
                stages[name] = done
    # Issue 18: one fact edited, then `factsheet build`, after a full build (untimed): an editor's builds in a
    # row, each after one edit, the fastest counting as for the other short stages.
    run_stage("full_build_cli", root)
    stages["incremental_cli"] = best_of(repeat, "incremental_cli", root, lambda: touch_one_fact(root))
    load_after = os.getloadavg()
    build = stages["build"]
    steps, steps_cpu = _times(build, "stages"), _times(build, "stages_cpu")
    own = sum(steps[s] for s in OWN_STAGES)
    own_cpu = sum(steps_cpu[s] for s in OWN_STAGES)
    measured = {k: v for k, v in stages.items() if "skipped" not in v}
    seconds = {name: _seconds(stages.get(name)) for name in (*stages, *NAIVE)}
    cpu = {name: _seconds(stages.get(name), "cpu_seconds") for name in (*stages, *NAIVE)}
    seconds.update({f"build_{k}": v for k, v in steps.items()}, build_own=own)
    cpu.update({f"build_{k}": v for k, v in steps_cpu.items()}, build_own=own_cpu)
    seconds["incremental"], cpu["incremental"] = seconds["incremental_cli"], cpu["incremental_cli"]
    b = seconds["build"]
    return {
        "facts": shape.facts,
        "shape": shape.__dict__,
        "pages": build["pages"],
        "input_bytes": sum(p.stat().st_size for p in (root / "facts").rglob("*.yaml"))
        + sum(p.stat().st_size for p in (root / "seeds").glob("*.md")),
        "load_before": list(load_before),
        "load_after": list(load_after),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "processes": {k: v["processes"] for k, v in stages.items() if "processes" in v},
        "skipped": {k: v["skipped"] for k, v in stages.items() if "skipped" in v},
        "naive_extrapolated": dict.fromkeys(NAIVE, False),
        "peak_rss_mb": {k: v["peak_rss_mb"] for k, v in measured.items()},
        "peak_rss_worker_mb": {k: v["peak_rss_worker_mb"] for k, v in measured.items()},
        "ratios": {
            "own_share": _ratio(own, b),
            "own_share_cpu": _ratio(own_cpu, cpu["build"]),
            "check_vs_parse": _ratio(seconds["check_cold"], seconds["parse_baseline"]),
            "check_vs_parse_cpu": _ratio(cpu["check_cold"], cpu["parse_baseline"]),
            "warm_vs_cold": _ratio(seconds["check_warm_cli"], seconds["check_cold_cli"]),
            "build_vs_mkdocs": _ratio(b, seconds["mkdocs_same_pages"]),
            "build_vs_hugo": _ratio(b, seconds.get("hugo_same_pages")),
            "build_vs_hugo_cpu": _ratio(cpu["build"], cpu.get("hugo_same_pages")),
            "build_vs_naive_pruned": _ratio(b, seconds["material_naive_pruned"]),
            "build_vs_naive": _ratio(b, seconds["material_naive"]),
            "incremental_vs_build": _ratio(seconds["incremental"], b),
        },
    }


def extrapolate_naive(runs: dict[int, dict]) -> None:
    """Fill each naive baseline where it was not measured, from t = b*N + c*N^2 through the two largest
    measured sizes (Material's navigation makes the unpruned one quadratic), and mark it as extrapolated.
    With fewer than two measured sizes it stays None ("n/a")."""
    for name, ratio in zip(NAIVE, ("build_vs_naive_pruned", "build_vs_naive"), strict=True):
        measured = sorted(n for n, r in runs.items() if r["seconds"].get(name))
        if len(measured) < 2:
            continue
        (n1, n2), (t1, t2) = measured[-2:], [float(runs[n]["seconds"][name]) for n in measured[-2:]]
        c = (t2 / n2 - t1 / n1) / (n2 - n1)
        b = t1 / n1 - c * n1
        for n, r in runs.items():
            if r["seconds"].get(name) is None:
                r["seconds"][name] = b * n + c * n * n
                r["naive_extrapolated"][name] = True
                r["ratios"][ratio] = float(r["seconds"]["build"]) / r["seconds"][name]


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
    values = {
        "own_share": max(own),
        "check_vs_parse": at(largest, "ratios", "check_vs_parse"),
        "build_vs_hugo": at(10000, "ratios", "build_vs_hugo"),
        "incremental_vs_build": at(10000, "ratios", "incremental_vs_build"),
        "warm_vs_cold": at(largest, "ratios", "warm_vs_cold"),
        "linear_growth": b10k / b1k if b10k and b1k else None,
        "build_vs_naive_pruned": at(1000, "ratios", "build_vs_naive_pruned"),
        "peak_rss_mb": _peak(runs[largest]),
    }

    def met(value: float | None, limit: float) -> bool | None:
        return None if value is None else value <= limit

    return [
        {
            "target": t.name,
            "what": t.what,
            "limit": t.limit,
            "value": values[t.name],
            "at_facts": largest if t.name in ("check_vs_parse", "warm_vs_cold", "peak_rss_mb") else None,
            "met": met(values[t.name], t.limit),
        }
        for t in TARGETS
    ]


def _peak(run: dict) -> float:
    """The largest RSS of our stages' processes, their worker processes included (not the baselines')."""
    baselines = {name for name, _ in BASELINES}
    return max(
        v
        for key in ("peak_rss_mb", "peak_rss_worker_mb")
        for k, v in run.get(key, {}).items()
        if k not in baselines and not k.endswith("_cli")  # a command's RSS is a child's: check_* has its own
    )


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, object]:
    import yaml

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), None)
    hugo = hugo_binary()
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "mkdocs": _version("mkdocs"),
        "mkdocs_material": _version("mkdocs-material"),
        "markdown": _version("markdown"),
        "pyyaml": _version("pyyaml"),
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
        "hugo": _version("hugo") if hugo else None,
        "hugo_version": (
            subprocess.run([str(hugo), "version"], capture_output=True, text=True, check=False).stdout.strip()
            if hugo
            else None
        ),
    }


COLUMNS = (
    "parse_baseline",
    "check_cold",
    "check_cold_cli",
    "check_warm_cli",
    "build_own",
    "build_mkdocs",
    "build",
    "incremental",
    *(name for name, _ in BASELINES),
)
RATIOS = (
    "own_share",
    "check_vs_parse",
    "warm_vs_cold",
    "build_vs_mkdocs",
    "build_vs_hugo",
    "build_vs_hugo_cpu",
    "incremental_vs_build",
    "build_vs_naive_pruned",
    "build_vs_naive",
)


def _cell(value: object, digits: str = ".2f") -> str:
    return "n/a" if not isinstance(value, (int, float)) else format(value, digits)


def table(runs: dict[int, dict], targets: list[dict]) -> str:
    """The results as Markdown: seconds (wall / CPU) per stage, the ratios per N, then the targets."""
    lines = [
        "| facts | pages | input MB | " + " | ".join(COLUMNS) + " | peak RSS MB |",
        "|---:" * (len(COLUMNS) + 4) + "|",
    ]
    for _, r in sorted(runs.items()):
        cells = []
        for c in COLUMNS:
            wall, cpu = r["seconds"].get(c), r["cpu_seconds"].get(c)
            extrapolated = r["naive_extrapolated"].get(c, False)
            cells.append(_cell(wall) + ("\\*" if extrapolated else f" / {_cell(cpu)}" if wall is not None else ""))
        head = f"| {r['facts']} | {r['pages']} | {r['input_bytes'] / 1e6:.1f} | "
        lines.append(head + " | ".join(cells) + f" | {_peak(r):.0f} |")
    lines += ["", "Seconds, wall / CPU (this process and its child processes)."]
    if any(any(r["naive_extrapolated"].values()) for r in runs.values()):
        lines += ["\\* extrapolated from the two largest measured sizes (t = bN + cN²), not measured"]
    for r in runs.values():
        for stage, why in r["skipped"].items():
            lines.append(f"{stage} at {r['facts']} facts: skipped, {why}")
    lines += ["", "| facts | " + " | ".join(RATIOS) + " |", "|---:" * (len(RATIOS) + 1) + "|"]
    for _, r in sorted(runs.items()):
        lines.append(f"| {r['facts']} | " + " | ".join(_cell(r["ratios"].get(k), ".3g") for k in RATIOS) + " |")
    lines += ["", "| target | limit | measured | met |", "|---|---:|---:|---|"]
    for t in targets:
        met = "n/a" if t["met"] is None else ("yes" if t["met"] else "**no**")
        lines.append(f"| {t['what']} | {t['limit']} | {_cell(t['value'], '.3g')} | {met} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000], help="numbers of facts")
    p.add_argument("--naive-max", type=int, default=1000, help="largest N for which the naive sites are built")
    p.add_argument("--repeat", type=int, default=3, help="runs of each parse and check stage; the fastest counts")
    p.add_argument(
        "--build-repeat", type=int, default=1, help="interleaved runs of the build and each baseline; fastest counts"
    )
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results.json", help="where the JSON goes")
    args = p.parse_args(argv)
    runs: dict[int, dict] = {}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="factsheet-bench-") as tmp:
        for n in args.sizes:
            started = time.perf_counter()
            runs[n] = measure(
                n, Path(tmp), naive=n <= args.naive_max, repeat=args.repeat, build_repeat=args.build_repeat
            )
            print(f"N={n}: {Shape.of(n).pages} pages, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    load_after = os.getloadavg()
    extrapolate_naive(runs)
    targets = verdicts(runs)
    try:  # the serve measurement (bench/serve_reload.py) is kept: this run does not redo it
        kept = {k: v for k, v in json.loads(args.out.read_text(encoding="utf-8")).items() if k.startswith("serve_")}
    except (OSError, ValueError):
        kept = {}
    report = {
        **kept,
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load": {"before": list(load_before), "after": list(load_after)},
        "baselines": dict(BASELINES),
        "runs": {str(n): r for n, r in sorted(runs.items())},
        "targets": targets,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(table(runs, targets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
