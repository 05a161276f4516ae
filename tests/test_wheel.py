"""The installable package: a wheel built from the committed files carries the default templates, theme and
starter; installed into a fresh venv outside this repository (the locked versions), it starts a new fact sheet
with `factsheet init` and builds it, with nothing from this repository on its path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from .conftest import REPO

UV = Path(sys.executable).with_name("uv")
pytestmark = pytest.mark.slow


def _run(args: list[str | Path], cwd: Path, env: dict[str, str], timeout: int = 120) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _tracked(*paths: str) -> list[str]:
    """The files under `paths` that git does not ignore (committed or not): what a clone with these changes
    committed would build from, without caches, build folders or anything else git ignores."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *paths],
        cwd=REPO,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return [p for p in out.decode("utf-8").split("\0") if p and (REPO / p).is_file()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """(the wheel, the fresh venv's bin folder, an environment that reaches nothing of this repository)."""
    if not UV.exists():
        pytest.fail(f"uv is not in the venv ({UV}): run `make install`")
    if shutil.which("git") is None:
        pytest.fail("git is needed to know the committed files")
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    for rel in _tracked("pyproject.toml", "README.md", "generator", "templates"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, src / rel)
    uv_env = {
        "PATH": "/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(tmp)),
        "UV_PYTHON_DOWNLOADS": "never",
        **{k: v for k, v in os.environ.items() if k.startswith(("UV_CACHE", "UV_INDEX", "SSL_", "XDG_CACHE"))},
    }
    _run([UV, "build", "--wheel", "--out-dir", tmp / "dist", src], tmp, uv_env, timeout=300)
    (wheel,) = (tmp / "dist").glob("factsheet-*.whl")
    constraints = tmp / "constraints.txt"
    export = [UV, "export", "--frozen", "--no-hashes", "--no-emit-project", "--format", "requirements-txt"]
    _run([*export, "-o", constraints, "-q"], REPO, uv_env)
    venv = tmp / "venv"
    _run([UV, "venv", "-q", "-p", sys.executable, venv], tmp, uv_env)
    _run([UV, "pip", "install", "-q", "-p", venv / "bin" / "python", "-c", constraints, wheel], tmp, uv_env, 600)
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp),
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "LANG": "C.UTF-8",
    }
    return wheel, venv / "bin", env


def test_the_wheel_carries_every_committed_template_and_starter_file(installed):
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.removeprefix("templates/") for p in _tracked("templates")}
    packaged = {n.removeprefix("generator/defaults/templates/") for n in names if "/defaults/templates/" in n}
    missing = sorted(templates - packaged)
    assert not missing, f"not in the wheel: {missing}: list their folders in pyproject.toml [tool.setuptools]"
    assert packaged == templates
    starter = {p.removeprefix("generator/defaults/") for p in _tracked("generator/defaults/starter")}
    packaged = {n.removeprefix("generator/defaults/") for n in names if n.startswith("generator/defaults/starter/")}
    missing = sorted(starter - packaged)
    assert not missing, f"not in the wheel: {missing}: list their folders in pyproject.toml [tool.setuptools]"
    assert packaged == starter
    assert not [n for n in names if n.startswith(("templates/", "tests/", "facts/", "seeds/"))]


def test_the_installed_package_starts_a_fact_sheet_that_builds(installed, tmp_path):
    _, bin_dir, env = installed
    version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert _run([bin_dir / "factsheet", "--version"], tmp_path, env).strip() == f"factsheet {version}"
    where = _run(
        [bin_dir / "python", "-c", "import generator.resources as r; print(r.default_templates())"], tmp_path, env
    )
    assert Path(where.strip()).is_relative_to(bin_dir.parent), where  # the package's own, not this repository's
    assert not Path(where.strip()).is_relative_to(REPO)

    out = _run([bin_dir / "factsheet", "init", "bridge", "--title", "The footbridge vote"], tmp_path, env)
    assert "bridge" in out
    sheet = tmp_path / "bridge"
    assert f"factsheet {version}" in (sheet / "requirements.txt").read_text(encoding="utf-8")  # installed from a file
    _run(["make", "site"], sheet, env, timeout=300)  # the Makefile finds factsheet on the PATH

    site = sheet / "site"
    for page in ("index.html", "timeline/index.html", "claims/index.html", "sources/index.html"):
        assert (site / page).is_file(), page
    home = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert "The footbridge vote" in home.get_text()
    assert home.find("script", type="application/ld+json") is not None  # the packaged theme override
    assert (site / "assets" / "factsheet.css").stat().st_size > 1000  # the packaged assets
    article = BeautifulSoup(
        (site / "sources" / "example-radio-footbridge-vote" / "index.html").read_text(encoding="utf-8"),
        "html.parser",
    )
    marks = [m.get_text() for m in article.select("mark.fs-quote")]
    assert "The bridge is expected to cost 1.5 million euros" in marks
