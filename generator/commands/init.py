"""`factsheet init`: a new fact sheet that builds at once, copied from the starter tree that ships with factsheet.

The starter (generator/defaults/starter, see resources.starter) is a real fact sheet: mkdocs.yml, a Makefile,
requirements.txt, facts/ with the fact sheet's own file and one example of each kind, two invented example
articles in seeds/, a README for its editors, the pull-request and publish workflows, the pre-commit hook and
editor settings. Three things are filled in as it is copied: the title (mkdocs.yml, facts/factsheet.yaml,
README.md), the factsheet to install (requirements.txt), and the JSON Schemas (schema/, written by schema.py
for this version of factsheet). The templates are not copied: they come from the installed package
(resources.default_templates), and the new fact sheet's templates/ holds only what it overrides.

The new fact sheet is written into a temporary folder beside its destination and moved into place whole, so
an existing folder with anything in it is never touched, and a failure leaves nothing half made.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from generator.checks.text import unseen_character
from generator.commands.schema import write_schemas
from generator.resources import starter

TITLE = "{{ title }}"
REQUIREMENT = "{{ requirement }}"
DISTRIBUTION = "factsheet"
TITLE_MAX = 200


class InitError(Exception):
    """The fact sheet cannot be made there, or so: wrong usage (the command exits 2). Nothing was written."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Created:
    root: Path
    title: str
    files: tuple[str, ...]
    """Every file written, relative to `root`, sorted."""


def default_title(folder: Path) -> str:
    """A title from the folder's name: 'ukraine-talks_2022' -> 'Ukraine talks 2022'."""
    words = folder.name.replace("-", " ").replace("_", " ").split()
    text = " ".join(words) or "A new fact sheet"
    return text[0].upper() + text[1:]


def _check_title(title: str) -> None:
    problem = unseen_character(title, multiline=False)
    if not title.strip():
        problem = (0, "is empty")
    if problem is not None:
        raise InitError(
            f"the title {problem[1]}", 'give the title as plain text on one line: --title "The footbridge vote"'
        )
    if len(title) > TITLE_MAX:
        raise InitError(
            f"the title is {len(title)} characters long, more than {TITLE_MAX}",
            "give a shorter title; the description in facts/factsheet.yaml can say more",
        )


def installed() -> metadata.Distribution | None:
    """The installed factsheet's distribution (None when run from a checkout that was never installed)."""
    try:
        return metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def requirement(dist: metadata.Distribution | None) -> str:
    """The line of requirements.txt that installs this factsheet again: the same version from the package
    index it came from, or the same commit of the repository it was installed from. Installed from a local
    file or folder, nothing another machine could install: a comment that asks for the line instead."""
    if dist is None:
        return "# factsheet @ ...   <- name where your newsroom installs factsheet from"
    origin = dist.read_text("direct_url.json")
    if origin is None:  # from a package index
        return f"factsheet=={dist.version}"
    try:
        direct = json.loads(origin)
    except ValueError:
        direct = {}
    vcs = direct.get("vcs_info") if isinstance(direct, dict) else None
    url = direct.get("url", "") if isinstance(direct, dict) else ""
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and vcs.get("commit_id") and url.startswith("https://"):
        return f"factsheet @ git+{url}@{vcs['commit_id']}"
    return (
        f"# factsheet @ ...   <- factsheet {dist.version} was installed from a file on one computer; "
        "name where your newsroom installs it from"
    )


def _fill(rel: str, data: bytes, title: str, needs: str) -> bytes:
    if rel.endswith((".yml", ".yaml")):  # a YAML string in double quotes: JSON's escapes are YAML's
        return data.replace(f'"{TITLE}"'.encode(), json.dumps(title, ensure_ascii=False).encode())
    if rel == "requirements.txt":
        return data.replace(REQUIREMENT.encode(), needs.encode())
    if rel.endswith(".md"):
        return data.replace(f"# {TITLE}\n".encode(), f"# {title}\n".encode())
    return data


def _refuse(dest: Path) -> None:
    if dest.is_symlink():
        raise InitError(f"{dest} is a symbolic link", "name a new folder for the fact sheet")
    if dest.exists() and not dest.is_dir():
        raise InitError(f"{dest} is a file, not a folder", "name a new folder for the fact sheet")
    if dest.is_dir() and any(dest.iterdir()):
        raise InitError(
            f"{dest} already exists and is not empty; nothing was written",
            "name a new folder (factsheet init creates it), or an empty one",
        )


def create(dest: Path, title: str | None = None) -> Created:
    """Make a new fact sheet in `dest` (a new or empty folder). Raises InitError (nothing written)."""
    dest = dest.absolute()
    _refuse(dest)
    title = default_title(dest) if title is None else title
    _check_title(title)
    needs = requirement(installed())
    source = starter()
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.init-", dir=dest.parent))
    try:
        written = []
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source).as_posix()
            if path.is_dir() or "__pycache__" in rel:
                continue
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_fill(rel, path.read_bytes(), title, needs))
            written.append(rel)
        written += [p.relative_to(staging).as_posix() for p in write_schemas(staging)]
        for folder in (staging, *(p for p in staging.rglob("*") if p.is_dir())):
            folder.chmod(0o755)  # mkdtemp makes its folder private; a fact sheet is an ordinary folder
        _refuse(dest)  # again: something may have been put there meanwhile
        os.replace(staging, dest)  # an empty folder is replaced; anything else would fail here
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Created(dest, title, tuple(sorted(written)))
