"""`factsheet init`: a new fact sheet that checks and builds at once, never over an existing folder; `--version`."""

from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from generator import resources
from generator.commands import cli, init
from generator.commands.schema import KINDS as SCHEMA_KINDS

from .test_workflows import _PINNED, load, steps

KINDS = ("actors", "events", "topics", "positions", "claims")


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _init(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["init", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_init_copies_the_whole_starter_with_the_title_filled_in_and_the_schemas(tmp_path, capsys):
    dest = tmp_path / "footbridge"
    code, out, _ = _init(capsys, str(dest), "--title", 'The "Sample" bridge: a fact sheet')
    assert code == 0
    assert "footbridge" in out and "factsheet build" in out
    starter = _files(resources.starter())
    schemas = {f"schema/{kind}.schema.json" for kind in SCHEMA_KINDS}
    assert _files(dest) == starter | schemas
    for name in (
        ".github/workflows/pull-request.yml",
        ".github/workflows/publish.yml",
        ".pre-commit-config.yaml",
        ".vscode/settings.json",
        ".editorconfig",
        ".gitignore",
        "README.md",
        "Makefile",
        "mkdocs.yml",
    ):
        assert name in starter, name
    for kind in KINDS:  # one example of each kind
        assert len(list((dest / "facts" / kind).glob("*.yaml"))) == 1, kind
    title = 'The "Sample" bridge: a fact sheet'
    assert yaml.safe_load((dest / "mkdocs.yml").read_text(encoding="utf-8").replace("!ENV", ""))["site_name"] == title
    assert yaml.safe_load((dest / "facts" / "factsheet.yaml").read_text(encoding="utf-8"))["title"] == title
    assert (dest / "README.md").read_text(encoding="utf-8").startswith(f"# {title}\n")
    for path in dest.rglob("*"):
        if path.is_file():
            assert "{{ title }}" not in path.read_text(encoding="utf-8"), path
    assert json.loads((dest / "schema" / "actor.schema.json").read_text(encoding="utf-8"))["title"]
    assert not (dest / "templates" / "home.md.j2").exists()  # the templates come from the package
    assert [p.name for p in tmp_path.iterdir()] == ["footbridge"]  # no staging folder left beside it


def test_a_new_fact_sheet_checks_clean_and_builds_with_the_examples_quotes_highlighted(tmp_path, capsys):
    dest = tmp_path / "sheet"
    assert _init(capsys, str(dest))[0] == 0
    assert cli.main(["--root", str(dest), "check", "--strict"]) == 0
    assert "ok: 2 sources, 1 actors, 1 events, 1 topics, 1 positions, 1 claims" in capsys.readouterr().out
    assert cli.main(["--root", str(dest), "build", "--strict"]) == 0
    site = dest / "site"
    for page in (
        "index.html",
        "timeline/index.html",
        "positions/index.html",
        "claims/index.html",
        "actors/alex-sample/index.html",
        "topics/the-footbridge/index.html",
        "about/index.html",
    ):
        assert (site / page).is_file(), page
    home = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert home.title is not None and "Sheet" in home.title.get_text()  # the title from the folder's name
    assert home.find("script", type="application/ld+json") is not None  # the default theme's main.html
    assert (site / "assets" / "factsheet.css").read_bytes() == (
        resources.default_templates() / "assets" / "factsheet.css"
    ).read_bytes()
    source = BeautifulSoup(
        (site / "sources" / "example-gazette-footbridge-vote" / "index.html").read_text(encoding="utf-8"),
        "html.parser",
    )
    marked = " ".join(m.get_text() for m in source.select("mark.fs-quote"))
    assert "The footbridge will cost 1.2 million euros, according to the council's budget papers." in marked
    assert "invented example" in source.get_text()  # the article says what it is


def test_the_starters_workflows_are_read_only_pinned_and_build_strictly():
    folder = resources.starter() / ".github" / "workflows"
    for path in sorted(folder.glob("*.yml")):
        workflow = load(path)
        assert workflow["permissions"] == {"contents": "read"}, path.name
        assert "pull_request_target" not in workflow["on"], path.name
        assert "secrets." not in path.read_text(encoding="utf-8"), path.name
        for step in steps(workflow):
            assert "${{" not in step.get("run", ""), path.name
            if "uses" in step:
                assert _PINNED.match(step["uses"]), step["uses"]
        script = "\n".join(step.get("run", "") for step in steps(workflow))
        assert "make install" in script and "factsheet build --strict" in script, path.name


@pytest.mark.parametrize("existing", ["a file in it", "a hidden file in it", "a file, not a folder"])
def test_init_never_writes_into_an_existing_folder_or_over_a_file(tmp_path, capsys, existing):
    dest = tmp_path / "taken"
    if existing == "a file, not a folder":
        dest.write_text("mine\n", encoding="utf-8")
    else:
        dest.mkdir()
        (dest / (".keep" if "hidden" in existing else "notes.txt")).write_text("mine\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    code, out, err = _init(capsys, str(dest))
    assert code == 2
    assert out == ""
    assert str(dest) in err and "hint:" in err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_init_fills_an_empty_folder(tmp_path, capsys):
    dest = tmp_path / "empty"
    dest.mkdir()
    assert _init(capsys, str(dest), "--title", "Empty no more")[0] == 0
    assert (dest / "facts" / "factsheet.yaml").is_file()


@pytest.mark.parametrize(("title", "says"), [("", "empty"), ("Two\nlines", "U+000A"), ("\u200b", "U+200B")])
def test_a_title_the_check_would_refuse_is_a_usage_error_and_nothing_is_written(tmp_path, capsys, title, says):
    code, _, err = _init(capsys, str(tmp_path / "new"), "--title", title)
    assert code == 2
    assert says in err and "--title" in err
    assert list(tmp_path.iterdir()) == []


def test_default_title_comes_from_the_folder_name():
    assert init.default_title(Path("/x/ukraine-talks_2022")) == "Ukraine talks 2022"
    assert init.default_title(Path("/x/---")) == "A new fact sheet"


def _dist(tmp_path: Path, direct_url: dict | None) -> metadata.Distribution:
    info = tmp_path / "factsheet-9.8.7.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: factsheet\nVersion: 9.8.7\n", encoding="utf-8")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url), encoding="utf-8")
    return metadata.PathDistribution(info)


def test_requirements_name_the_factsheet_that_made_the_sheet_as_another_machine_can_install_it(tmp_path):
    (tmp_path / "index").mkdir()
    assert init.requirement(_dist(tmp_path / "index", None)) == "factsheet==9.8.7"
    (tmp_path / "git").mkdir()
    commit = "0123456789abcdef0123456789abcdef01234567"
    vcs = {"url": "https://example.org/news/factsheet.git", "vcs_info": {"vcs": "git", "commit_id": commit}}
    assert (
        init.requirement(_dist(tmp_path / "git", vcs))
        == f"factsheet @ git+https://example.org/news/factsheet.git@{commit}"
    )
    (tmp_path / "file").mkdir()
    local = init.requirement(_dist(tmp_path / "file", {"url": "file:///tmp/factsheet-9.8.7-py3-none-any.whl"}))
    assert local.startswith("#") and "9.8.7" in local  # nothing another computer could install: a comment
    assert init.requirement(None).startswith("#")


def test_version_is_the_installed_packages(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"factsheet {metadata.version('factsheet')}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", metadata.version("factsheet"))
