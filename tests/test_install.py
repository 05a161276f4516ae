"""Installs are the tested ones: the committed uv.lock matches pyproject.toml, and every import is declared."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .conftest import REPO

UV = Path(sys.executable).with_name("uv")


def _lock_check(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(UV), "lock", "--check", "--offline"],
        cwd=folder,
        capture_output=True,
        text=True,
        env={"UV_PYTHON_DOWNLOADS": "never", "PATH": "/usr/bin:/bin", "HOME": str(folder)},
        timeout=120,
        check=False,
    )


@pytest.fixture
def lock_copy(tmp_path: Path) -> Path:
    if not UV.exists():
        pytest.fail(f"uv is not in the venv ({UV}): run `make install`")
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(REPO / name, tmp_path / name)
    return tmp_path


def test_the_lock_is_fresh_against_pyproject(lock_copy):
    result = _lock_check(lock_copy)
    assert result.returncode == 0, result.stderr


def test_a_stale_lock_is_caught(lock_copy):
    pyproject = lock_copy / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert '"jinja2>=3.1.4,<4"' in text
    pyproject.write_text(text.replace('"jinja2>=3.1.4,<4"', '"jinja2>=3.1.5,<4"'), encoding="utf-8")
    assert _lock_check(lock_copy).returncode != 0


# Import names that differ from their distribution's name.
_DISTRIBUTION = {
    "yaml": "pyyaml",
    "frontmatter": "python-frontmatter",
    "playwright": "playwright",
    "material": "mkdocs-material",
}


def test_every_package_the_generator_imports_is_a_declared_runtime_dependency():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[<>=!~ ;\[]", d, maxsplit=1)[0].strip().lower() for d in project["dependencies"]}
    optional = {  # imported only where the command says it needs the extra (screenshots)
        "playwright",
    }
    for path in sorted((REPO / "generator").rglob("*.py")):  # every stage package's modules too
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in optional or top == "generator":
                    continue
                where = path.relative_to(REPO)
                assert _DISTRIBUTION.get(top, top).replace("_", "-") in declared, f"{where} imports {top}"
