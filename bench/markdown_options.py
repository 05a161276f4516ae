"""What Python-Markdown's conversion of the generated pages would cost written other ways (issue 18).

    python -m bench.markdown_options [--facts 1000] [--out bench/markdown_options.json]

Builds the synthetic fact sheet of `--facts` facts (bench/corpus.py), generates its pages, then converts
every page with Python-Markdown and the extensions of its mkdocs.yml, as MkDocs does, once per option,
and prints the CPU seconds of each (the fastest of `--repeat` runs) and its share of the pages as they are:

- `as_written`: the pages as the generator writes them;
- `no_entity_escapes`: every `&#NN;` that escapes punctuation turned back into the character (what
  escaping only where Markdown needs it could save at most);
- `no_cited_spans`: the `<span class="fs-cited">` around quoted words removed (the cost of that markup);
- `html_blocks`: the lower bound of pre-rendered HTML: each page converted once, then every run of HTML
  between two headings given back to Python-Markdown as one raw HTML block (headings stay Markdown, so
  the table of contents and permalinks are still built), with `md_in_html`;
- `html_blocks_no_md_in_html`: the same without the `md_in_html` extension.

The last two are not pages the generator could write as they are: in raw HTML MkDocs no longer rewrites
links to `.md` pages, so the generator would have to resolve every link itself, for both the site's
directory URLs and the bundle's file URLs. They bound what that work could save.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import markdown
import yaml

from bench.corpus import make_corpus
from generator import pipeline

_ENTITY = re.compile(r"&#(\d+);")
_MARKDOWN_SPECIAL = set("<>&[]*_`\\")
_HEADING = re.compile(r"(<h[1-6][^>]*>.*?</h[1-6]>)", re.S)
_HEADING_PARTS = re.compile(r"<h([1-6])[^>]*>(.*?)(?:<a class=\"headerlink\".*?</a>)?</h[1-6]>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _body(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text.split("---\n", 2)[2] if text.startswith("---\n") else text


def _extensions(mkdocs_yml: Path) -> tuple[list[str], dict[str, dict[str, object]]]:
    config = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=_IgnoreTags)
    names: list[str] = []
    options: dict[str, dict[str, object]] = {}
    for item in config.get("markdown_extensions", []):
        if isinstance(item, dict):
            for name, value in item.items():
                names.append(name)
                options[name] = value or {}
        else:
            names.append(item)
    return names, options


class _IgnoreTags(yaml.SafeLoader):
    """mkdocs.yml's `!ENV` values read as plain text: only the Markdown extensions are wanted here."""


_IgnoreTags.add_multi_constructor("!", lambda loader, suffix, node: None)


def _no_entities(text: str) -> str:
    def back(m: re.Match[str]) -> str:
        char = chr(int(m[1]))
        return m[0] if char in _MARKDOWN_SPECIAL else char

    return _ENTITY.sub(back, text)


def _html_blocks(html: str) -> str:
    out = []
    for part in _HEADING.split(html):
        heading = _HEADING_PARTS.fullmatch(part)
        if heading:
            out.append("#" * int(heading[1]) + " " + _TAG.sub("", heading[2]))
        elif part.strip():
            out.append('<div class="fs-block">\n' + part.strip() + "\n</div>")
    return "\n\n".join(out) + "\n"


def _convert_all(pages: list[str], names: list[str], options: dict[str, dict[str, object]], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        md = markdown.Markdown(extensions=names, extension_configs=options)
        start = time.process_time()
        for text in pages:
            md.reset()
            md.convert(text)
        best = min(best, time.process_time() - start)
    return best


@dataclass(frozen=True)
class Measured:
    """CPU seconds of converting every page, per option."""

    facts: int
    pages: int
    cpu_seconds: dict[str, float]

    def share(self, option: str) -> float:
        return round(self.cpu_seconds[option] / self.cpu_seconds["as_written"], 3)

    def as_json(self) -> dict[str, object]:
        shares = {name: self.share(name) for name in self.cpu_seconds}
        return {
            "facts": self.facts,
            "pages": self.pages,
            "cpu_seconds": self.cpu_seconds,
            "share_of_as_written": shares,
        }


def measure(root: Path, facts: int, repeat: int) -> Measured:
    project, _shape = make_corpus(root, facts)
    pipeline.generate(project, cache=False)
    names, options = _extensions(project.mkdocs_yml)
    pages = [_body(p) for p in sorted(project.docs_dir.rglob("*.md"))]
    converter = markdown.Markdown(extensions=names, extension_configs=options)
    converted = []
    for text in pages:
        converter.reset()
        converted.append(_html_blocks(converter.convert(text)))
    without_md_in_html = [n for n in names if n != "md_in_html"]
    runs: dict[str, Callable[[], float]] = {
        "as_written": lambda: _convert_all(pages, names, options, repeat),
        "no_entity_escapes": lambda: _convert_all([_no_entities(p) for p in pages], names, options, repeat),
        "no_cited_spans": lambda: _convert_all(
            [re.sub(r'<span class="fs-cited">(.*?)</span>', r"\1", p) for p in pages], names, options, repeat
        ),
        "html_blocks": lambda: _convert_all(converted, names, options, repeat),
        "html_blocks_no_md_in_html": lambda: _convert_all(converted, without_md_in_html, options, repeat),
    }
    return Measured(facts, len(pages), {name: round(run(), 3) for name, run in runs.items()})


def main() -> None:
    p = argparse.ArgumentParser(prog="bench.markdown_options", description=__doc__.splitlines()[0])
    p.add_argument("--facts", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=3, help="runs of each option; the fastest counts")
    p.add_argument("--out", type=Path, help="write the results as JSON here")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="factsheet-md-") as tmp:
        result = measure(Path(tmp), args.facts, args.repeat)
    for name, value in result.cpu_seconds.items():
        print(f"{name:28} {value:7.2f} s CPU  {result.share(name):5.2f}")
    if args.out:
        args.out.write_text(json.dumps(result.as_json(), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
