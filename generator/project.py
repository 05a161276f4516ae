"""Where a fact sheet's inputs and outputs live. One declarative place, every option documented."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    root: Path
    """The fact sheet's folder: it holds mkdocs.yml, facts/ and seeds/."""

    facts_dir: Path
    """YAML facts, one entity per file, in a folder per kind (see docs/fact-format.md). Default: facts/."""

    seeds_dir: Path
    """Source articles: Markdown with YAML front matter, text verbatim. Default: seeds/."""

    templates_dir: Path
    """Jinja2 templates, one per page kind, and assets/ copied beside the pages. Default: templates/."""

    docs_dir: Path
    """Generated Markdown for MkDocs, git-ignored; must be `docs_dir` in mkdocs.yml. Default: generated/."""

    site_dir: Path
    """The published HTML site. Default: site/."""

    dist_dir: Path
    """Offline bundles for readers with no network or web server (`factsheet bundle`). Default: dist/."""

    @classmethod
    def at(cls, root: Path, **overrides: Path) -> Project:
        """The project in `root` with the default layout, or other folders where given."""
        defaults = {
            "facts_dir": "facts",
            "seeds_dir": "seeds",
            "templates_dir": "templates",
            "docs_dir": "generated",
            "site_dir": "site",
            "dist_dir": "dist",
        }
        return cls(root, **{k: overrides.get(k, root / v) for k, v in defaults.items()})

    @property
    def mkdocs_yml(self) -> Path:
        return self.root / "mkdocs.yml"


def is_fact_sheet(folder: Path) -> bool:
    """Whether `folder` is a fact sheet's own folder, perhaps an incomplete one: it has mkdocs.yml or facts/.
    (The check says what is missing in one; a folder with neither is not one at all.)"""
    return (folder / "mkdocs.yml").is_file() or (folder / "facts").is_dir()


def find_root(start: Path) -> Path | None:
    """The fact sheet that `start` is in: the nearest folder at or above it with mkdocs.yml and
    facts/factsheet.yaml (so `factsheet` works from facts/, seeds/ or any folder below); failing that, the
    nearest with mkdocs.yml and a facts/ folder (a sheet whose own file is missing: the check says so);
    None outside any."""
    folders = [start.resolve(), *start.resolve().parents]
    for marker in ("facts/factsheet.yaml", "facts"):
        for folder in folders:
            if (folder / "mkdocs.yml").is_file() and (folder / marker).exists():
                return folder
    return None
