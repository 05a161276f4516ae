"""Stage 5: pages -> files. Writes the generated Markdown, then has MkDocs build the HTML site.

The docs folder is updated in place but only where content changed (so `mkdocs serve` sees real
changes only), and stale pages are removed. The site is built into a temporary folder beside it
and swapped in only when the build succeeded: a failed build leaves the previous site untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Code, DiagnosticError, error
from .model import Where
from .project import Project


@dataclass(frozen=True)
class Written:
    changed: list[str]
    removed: list[str]


def _files_below(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def write_docs(project: Project, pages: dict[str, str], files: dict[str, bytes] | None = None) -> Written:
    """Make the docs folder hold exactly `pages`, the other `files` (data exports) and the template assets."""
    wanted = {path: text.encode("utf-8") for path, text in pages.items()}
    wanted.update(files or {})
    for rel, data in _files_below(project.templates_dir / "assets").items():
        wanted[f"assets/{rel}"] = data
    docs = project.docs_dir
    docs.mkdir(parents=True, exist_ok=True)
    changed, removed = [], []
    for rel, data in sorted(wanted.items()):
        target = docs / rel
        if target.is_symlink():
            target.unlink()
        elif target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        changed.append(rel)
    for path in sorted(docs.rglob("*"), reverse=True):
        rel = path.relative_to(docs).as_posix()
        if rel.startswith(".") or rel in wanted:
            continue
        if path.is_dir() and not path.is_symlink():
            if not any(path.iterdir()):
                path.rmdir()
        else:
            path.unlink()
            removed.append(rel)
    return Written(changed, removed)


def build_site(project: Project, *, strict: bool = False) -> Path:
    """Run MkDocs on the generated docs and swap the result into the site folder atomically.

    Raises DiagnosticError when MkDocs fails; the existing site is then left as it was.
    """
    from mkdocs import exceptions
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site = project.site_dir
    if site.is_symlink():
        raise DiagnosticError(
            [
                error(
                    Where(site),
                    Code.BUILD_FAILED,
                    "the site folder is a symlink",
                    "remove the link; the site is built into a real folder",
                )
            ]
        )
    staging = Path(tempfile.mkdtemp(prefix=".site-new-", dir=project.root))
    try:
        # hooks=[]: the generator already ran; the hook exists for plain `mkdocs build` and `mkdocs serve`.
        config = load_config(
            str(project.mkdocs_yml), docs_dir=str(project.docs_dir), site_dir=str(staging), strict=strict, hooks=[]
        )
        build(config)
    except (exceptions.MkDocsException, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise DiagnosticError(
            [
                error(
                    Where(project.mkdocs_yml),
                    Code.BUILD_FAILED,
                    f"MkDocs build failed: {exc}",
                    "see the MkDocs messages above; the previous site was kept",
                )
            ]
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap(staging, site)
    return site


def _swap(staging: Path, site: Path) -> None:
    staging.chmod(0o755)  # mkdtemp makes it private; a published site is readable
    if not site.exists():
        os.replace(staging, site)
        return
    old = Path(tempfile.mkdtemp(prefix=".site-old-", dir=site.parent))
    os.replace(site, old / "site")
    os.replace(staging, site)
    shutil.rmtree(old, ignore_errors=True)
