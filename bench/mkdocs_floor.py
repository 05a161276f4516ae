"""How fast MkDocs could publish the generated pages if Python-Markdown's conversion cost nothing (issue 18).

    python -m bench.mkdocs_floor [--facts 1000] [--out bench/mkdocs_floor.json]

Builds the synthetic fact sheet of `--facts` facts (bench/corpus.py) and generates its pages, then builds
them with plain MkDocs (the fact sheet's own mkdocs.yml, without the hook: `stage.mkdocs_same_pages`), each
build in a process of its own, imports included, on one core:

- `plain`: MkDocs as it is;
- `recording`: the same, keeping what each page's conversion gave (its HTML, table of contents, title and
  anchors);
- `floor`: MkDocs with `Page.render` giving back what `recording` kept, so that everything a build does but
  converting Markdown still runs: the theme's templates, the search index, links, writing the files. Its
  site must be byte for byte `recording`'s, or the numbers say nothing (checked).

and Hugo on the same pages (`stage.hugo_same_pages`) when it is installed. `floor` bounds what any change to
the pages' Markdown could gain, pre-rendered HTML blocks included (bench/markdown_options.py): a build that
publishes with MkDocs costs at least `floor` plus our own stages.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import pickle
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.corpus import make_corpus
from bench.stage import _command, hugo_same_pages
from generator import pipeline

MODES = ("plain", "recording", "floor")


def _build(mode: str, mkdocs_yml: Path, site: Path, kept: Path) -> None:
    """One MkDocs build in this process (run by `measure` as `python -m bench.mkdocs_floor --build ...`)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.structure.pages import Page

    convert = Page.render
    pages: dict[str, tuple[object, ...]] = {}
    if mode == "recording":

        def render(self: Page, config: object, files: object) -> None:
            convert(self, config, files)  # type: ignore[arg-type]
            pages[self.file.src_uri] = (self.content, self.toc, self._title_from_render, self.present_anchor_ids)

        Page.render = render  # type: ignore[method-assign]
    elif mode == "floor":
        pages = pickle.loads(kept.read_bytes())  # the file `recording` wrote just before

        def render(self: Page, config: object, files: object) -> None:
            self.content, self.toc, self._title_from_render, self.present_anchor_ids = pages[self.file.src_uri]  # type: ignore[assignment]

        Page.render = render  # type: ignore[method-assign]
    build(load_config(str(mkdocs_yml), site_dir=str(site), hooks=[]))
    if mode == "recording":
        kept.write_bytes(pickle.dumps(pages))


def _same_tree(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return files_a == files_b and all(filecmp.cmp(a / f, b / f, shallow=False) for f in files_a)


@dataclass(frozen=True)
class Measured:
    """Seconds (wall, CPU) of each build."""

    facts: int
    pages: int
    seconds: dict[str, tuple[float, float]]
    same_site: bool

    def as_json(self) -> dict[str, object]:
        cpu = {name: c for name, (_, c) in self.seconds.items()}
        return {
            "facts": self.facts,
            "pages": self.pages,
            "seconds_wall_cpu": self.seconds,
            "same_site": self.same_site,
            "floor_vs_plain_cpu": round(cpu["floor"] / cpu["plain"], 3),
            "floor_vs_hugo_cpu": round(cpu["floor"] / cpu["hugo"], 2) if "hugo" in cpu else None,
        }


def measure(root: Path, facts: int) -> Measured:
    project, _shape = make_corpus(root, facts)
    pipeline.generate(project, cache=False)
    kept = root / "rendered.pickle"
    seconds: dict[str, tuple[float, float]] = {}
    for mode in MODES:
        site = root / f"site-{mode}"
        argv = [
            sys.executable,
            "-m",
            "bench.mkdocs_floor",
            "--build",
            mode,
            str(project.mkdocs_yml),
            str(site),
            str(kept),
        ]
        report = _command(argv, f"mkdocs ({mode})")
        seconds[mode] = (round(float(report["seconds"]), 2), round(float(report["cpu_seconds"]), 2))  # type: ignore[arg-type]
    hugo = hugo_same_pages(root)
    if "skipped" not in hugo:
        seconds["hugo"] = (round(float(hugo["seconds"]), 2), round(float(hugo["cpu_seconds"]), 2))  # type: ignore[arg-type]
    pages = sum(1 for _ in project.docs_dir.rglob("*.md"))
    return Measured(facts, pages, seconds, _same_tree(root / "site-recording", root / "site-floor"))


def main() -> None:
    p = argparse.ArgumentParser(prog="bench.mkdocs_floor", description=__doc__.splitlines()[0])
    p.add_argument("--facts", type=int, default=1000)
    p.add_argument("--out", type=Path, help="write the results as JSON here")
    p.add_argument("--build", nargs=4, metavar=("MODE", "MKDOCS_YML", "SITE", "KEPT"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.build:
        mode, mkdocs_yml, site, kept = args.build
        _build(mode, Path(mkdocs_yml), Path(site), Path(kept))
        return
    with tempfile.TemporaryDirectory(prefix="factsheet-floor-") as tmp:
        result = measure(Path(tmp), args.facts)
    for name, (wall, cpu) in result.seconds.items():
        print(f"{name:10} {wall:7.2f} s wall {cpu:7.2f} s CPU")
    print(json.dumps({k: v for k, v in result.as_json().items() if k != "seconds_wall_cpu"}))
    if args.out:
        args.out.write_text(json.dumps(result.as_json(), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
