"""`make mutate`'s choice of tests (tests/mutation_isolation.py) against its configuration in pyproject.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

from .conftest import REPO
from .mutation_isolation import _MIRROR, mirror_of


def test_every_mutated_module_runs_its_own_tests_and_they_are_in_the_selection():
    """A module without a mirror runs every test that reaches it (slow, and a mutant may be killed by a test
    of another module); a mirror file outside the selection never runs."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    assert {Path(p).stem for p in config["only_mutate"]} == set(_MIRROR)
    selection = {Path(p).name for p in config["pytest_add_cli_args_test_selection"]}
    for files in _MIRROR.values():
        assert files <= selection
        assert all((REPO / "tests" / name).is_file() for name in files)


def test_a_mutants_module_is_the_name_before_its_own():
    assert mirror_of("generator.site.publish.x_build_site__mutmut_4") == _MIRROR["publish"]
    assert mirror_of("generator.checks.fact_file.x_check_file__mutmut_1") == _MIRROR["fact_file"]
    assert mirror_of("generator.site.incremental.xǁIndexTextǁcut__mutmut_2") == _MIRROR["incremental"]
    assert mirror_of("") == mirror_of("generator.unknown.x_f__mutmut_1") == set()
