"""A pytest plugin for `make mutate` (loaded by pytest_add_cli_args in pyproject.toml): every test session,
one per mutant, gets a user cache of its own.

The caches are keyed on the code's files, and mutmut's mutated files are the same for every mutant (it picks
the mutant at run time). Without this, a result that one mutant cached (the repo's own facts in mutants/.cache,
compiled templates) would be read by the next: a mutant hidden, or one killed by another's result. A fresh user
cache comes with a fresh cache key, so every project cache written before is foreign, hence a miss.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
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
