"""A pytest plugin for `make mutate` (loaded by pytest_add_cli_args in pyproject.toml): every test session,
one per mutant, starts with nothing cached, and runs the unit tests of the mutated modules first.

mutmut forks each mutant's session from a process that has already run the tests once, and its mutated
files are the same for every mutant (it picks the mutant at run time). So without this:
- a text escaped and kept by an lru_cache in the clean run would never reach a mutant of the escaping;
- a result that one mutant left in a file cache keyed on the code's files (the repo's own facts checked
  into mutants/.cache, compiled templates) would be read by the next: a mutant hidden, or one killed by
  another's result. A fresh user cache comes with a fresh cache key: every project cache written before
  it is foreign, hence a miss.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    for name, module in list(sys.modules.items()):
        if name.startswith("generator.") and module is not None:
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()
    folder = tempfile.mkdtemp(prefix="factsheet-mutant-cache-")
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = folder

    def restore() -> None:
        if before is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = before
        shutil.rmtree(folder, ignore_errors=True)

    config.add_cleanup(restore)


# mutmut runs a mutant's tests fastest first by their call time alone, so a test whose fixture builds a whole
# site counts as quick. Most mutants die in a module's own tests: those go first, end-to-end ones last (-x).
_UNIT = {
    f"test_{name}.py"
    for name in (
        "quotes",
        "yamlsafe",
        "publish",
        "render",
        "factdiff",
        "export",
        "validate",
        "cache",
        "snapshots",
        "incremental",
    )
}


# A mutant of a module runs only the tests that mirror that module (of those that reach the function): a
# surviving mutant then costs seconds, not the minute the command-line and fixture-wide tests take together.
_CHECKS = {"test_validate.py", "test_mistakes.py", "test_report.py", "test_cache.py"}  # the check's tests
_MIRROR = {
    "quotes": {"test_quotes.py", "test_cite.py", "test_validate.py"},
    "validate": _CHECKS,
    "fact_file": _CHECKS,  # split from validate.py: the same tests
    "render": {"test_render.py", "test_snapshots.py"},
    "export": {"test_export.py"},
    "factdiff": {"test_factdiff.py"},
    "publish": {"test_publish.py", "test_cli.py", "test_incremental.py"},  # build_site keeps the site in place
    "yamlsafe": {"test_yamlsafe.py", "test_yamlhelp.py", "test_validate.py", "test_mistakes.py"},
    "incremental": {"test_incremental.py", "test_publish.py"},
}


def mirror_of(mutant: str) -> set[str]:
    """The test files of a mutant's module: generator.<stage>.<module>.<mutant>, the module is the name
    before the mutant's. None known: every test of the selection that reaches the function runs."""
    name = mutant.split(".")
    return _MIRROR.get(name[-2], set()) if len(name) > 2 and name[0] == "generator" else set()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name not in _UNIT)
    mirror = mirror_of(os.environ.get("MUTANT_UNDER_TEST", ""))
    kept = [item for item in items if item.path.name in mirror]
    if kept and len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item.path.name not in mirror])
        items[:] = kept
