"""The package's layout is its architecture (docs/architecture.md): data flows one way, so a stage's modules
import from their own stage, from earlier stages and from the shared modules, never from a later stage."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import REPO

PACKAGE = REPO / "generator"
# The stages in the order data flows through them.
STAGES = ("inputs", "checks", "pages", "site")
# Modules at the top of the package that every stage may use; they import no stage.
SHARED = ("model", "diagnostics", "report", "project", "cache", "workers", "progress", "resources")
# Above the stages: the pipeline strings them together; the commands (and MkDocs' hook) call the pipeline.
ABOVE = {"pipeline": "pipeline", "commands": "commands", "mkdocs_hook": "commands", "__main__": "commands"}
ORDER = ("shared", *STAGES, "pipeline", "commands")


def imported(path: Path) -> set[str]:
    """The modules of the package that `path` imports, as dotted names below `generator`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("generator"):
            parts = node.module.split(".")[1:]
            found.update(".".join([*parts, a.name]) if len(parts) <= 1 else ".".join(parts) for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".", 1)[1] for a in node.names if a.name.startswith("generator."))
    return found


def place(module: str) -> str:
    """The stage (or "shared", "above") of a dotted module name below `generator`."""
    head = module.split(".")[0]
    if head in STAGES:
        return head
    if head in SHARED:
        return "shared"
    if head in ABOVE:
        return ABOVE[head]
    raise AssertionError(f"generator/{head}: in no stage; add it to a stage's folder or to SHARED")


def rank(where: str) -> int:
    return ORDER.index(where)


def test_every_module_sits_in_a_stage_or_is_shared():
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).with_suffix("")
        if relative.name != "__init__" and "defaults" not in relative.parts:
            place(".".join(relative.parts))


def test_no_module_imports_from_a_later_stage():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).with_suffix("")
        if relative.name == "__init__" or "defaults" in relative.parts:
            continue
        here = place(".".join(relative.parts))
        for module in sorted(imported(path)):
            there = place(module)
            if rank(there) > rank(here) or (here == "shared" and there != "shared"):
                wrong.append(f"generator/{relative}.py ({here}) imports generator.{module} ({there})")
    assert wrong == []


def test_the_check_catches_an_import_against_the_flow(tmp_path):
    """The test above reads real imports: a module of an earlier stage that imports a later one is found."""
    module = tmp_path / "load.py"
    module.write_text("from generator.site.publish import build_site\nimport generator.pages.render\n")
    assert {place(m) for m in imported(module)} == {"site", "pages"}
