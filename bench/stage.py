"""One benchmark stage, run in its own process so that its time and peak memory are its own.

    python -m bench.stage STAGE ROOT

prints one JSON object: the stage's seconds (measured inside the process, imports excluded), its
sub-stage seconds where it has some, and the process's peak RSS in MB.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import yaml

from generator.project import Project


def _project(root: Path) -> Project:
    return Project.at(root)


def parse_baseline(root: Path) -> dict[str, object]:
    """Read the same files and parse them with PyYAML's bare CSafeLoader: the floor for a check."""
    from generator.load import SeedFrontMatter

    start = time.perf_counter()
    count = 0
    for path in sorted(root.glob("facts/**/*.yaml")):
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        count += 1
    for path in sorted(root.glob("seeds/*.md")):
        front_matter, _ = SeedFrontMatter().split(path.read_text(encoding="utf-8"))
        yaml.load(front_matter, Loader=yaml.CSafeLoader)
        count += 1
    return {"seconds": time.perf_counter() - start, "files": count}


def _check(root: Path, cache: bool) -> dict[str, object]:
    from generator.pipeline import check

    start = time.perf_counter()
    result = check(_project(root), cache=cache)
    seconds = time.perf_counter() - start
    if result.errors:
        raise SystemExit(f"the corpus does not check: {result.errors[0].format(root)}")
    return {"seconds": seconds}


def check_cold(root: Path) -> dict[str, object]:
    """`factsheet check` with an empty cache (it fills it)."""
    return _check(root, cache=True)


def check_warm(root: Path) -> dict[str, object]:
    """`factsheet check` again, after the caller changed one file."""
    return _check(root, cache=True)


def check_no_cache(root: Path) -> dict[str, object]:
    return _check(root, cache=False)


def build(root: Path) -> dict[str, object]:
    """`factsheet build --no-cache`, timed stage by stage as `pipeline.build` runs them: our own stages,
    then MkDocs. The parse cache is off; compiled templates come from the user's cache, as in any build
    but the very first on a machine."""
    from generator import context, export, load, publish, render, validate
    from generator.cache import compiled_templates_dir
    from generator.pipeline import few_collections

    project = _project(root)
    templates = compiled_templates_dir()
    warm = render.make_environment(project.templates_dir, templates)
    for name in warm.list_templates(extensions=["j2"]):  # compiled once per machine, untimed
        warm.get_template(name)
    times: dict[str, float] = {}
    start = time.perf_counter()
    with few_collections():
        loaded = load.load_project(project, defer=True)  # listed here, read in the check's workers
        times["load"] = time.perf_counter() - start
        result = validate.check(loaded)
        del loaded  # as in `factsheet build`, the parsed documents are not kept past the check
        times["validate"] = time.perf_counter() - start - sum(times.values())
        pages = render.render_pages(context.build_pages(result.facts), project.templates_dir, templates)
        times["render"] = time.perf_counter() - start - sum(times.values())
        files = export.exports(result.facts)
    publish.write_docs(project, pages, files)  # pages and data files, as `build`
    times["write"] = time.perf_counter() - start - sum(times.values())
    publish.build_site(project)
    times["mkdocs"] = time.perf_counter() - start - sum(times.values())
    return {"seconds": time.perf_counter() - start, "stages": times, "pages": len(pages)}


def material_same_pages(root: Path) -> dict[str, object]:
    """A default Material build of trivial pages, as many as `root/generated` has (our page count), all in
    the nav."""
    pages = sorted(p for p in (root / "generated").rglob("*.md"))
    base = root / "baseline"
    docs = base / "docs"
    for i, page in enumerate(pages):
        target = docs / page.relative_to(root / "generated")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"# Page {i}\n\nA trivial page.\n", encoding="utf-8")
    nav = "\n".join(f"  - 'Page {i}': {p.relative_to(root / 'generated').as_posix()}" for i, p in enumerate(pages))
    (base / "mkdocs.yml").write_text(
        f"site_name: Baseline\ndocs_dir: docs\nsite_dir: site\ntheme:\n  name: material\nnav:\n{nav}\n",
        encoding="utf-8",
    )
    start = time.perf_counter()  # imports included, as in `build`
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    mkdocs_build(load_config(str(base / "mkdocs.yml")))
    return {"seconds": time.perf_counter() - start, "pages": len(pages)}


def material_naive(root: Path) -> dict[str, object]:
    """The naive site the targets compare against: one page per fact (N pages), a default Material
    build with every page in the navigation (no `nav:`, so MkDocs lists every page, a section per
    kind). Each page holds the fact's own fields as text, so it is a lower bound for such a site."""
    base = root / "naive"
    docs = base / "docs"
    count = 0
    for path in sorted((root / "facts").glob("*/*.yaml")):
        target = docs / path.parent.name / f"{path.stem}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        target.write_text(f"# {path.stem}\n\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
        count += 1
    (docs / "index.md").write_text("# Facts\n", encoding="utf-8")
    (base / "mkdocs.yml").write_text(
        "site_name: Naive\ndocs_dir: docs\nsite_dir: site\ntheme:\n  name: material\n", encoding="utf-8"
    )
    start = time.perf_counter()  # imports included, as in `build`
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    mkdocs_build(load_config(str(base / "mkdocs.yml")))
    return {"seconds": time.perf_counter() - start, "pages": count + 1}


STAGES = {
    f.__name__: f
    for f in (parse_baseline, check_cold, check_warm, check_no_cache, build, material_same_pages, material_naive)
}


def main() -> None:
    name, root = sys.argv[1], Path(sys.argv[2])
    report = STAGES[name](root)
    # Linux reports ru_maxrss in KiB.
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    # The largest worker process (check and render spread over the cores); 0 when none was started.
    report["peak_rss_worker_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
