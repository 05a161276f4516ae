"""The GitHub workflows and the pre-commit hook: valid YAML, and safe for pull requests from forks."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from generator.project import Project

from .conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def runs(workflow: dict) -> str:
    return "\n".join(step.get("run", "") for step in steps(workflow))


def test_every_workflow_is_valid_and_uses_no_secrets_or_pull_request_target():
    paths = sorted(WORKFLOWS.glob("*.yml"))
    assert {p.name for p in paths} >= {"pull-request.yml", "publish.yml"}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        workflow = load(path)
        assert "pull_request_target" not in workflow["on"], path.name
        assert not re.search(r"\bsecrets\.", text), f"{path.name} uses a secret"
        assert workflow["permissions"] == {"contents": "read"}, f"{path.name}: the default token must be read-only"
        for step in steps(workflow):
            # ${{ }} in a script would paste untrusted text (branch names, titles) into a shell.
            assert "${{" not in step.get("run", ""), f"{path.name}: expression inside a run script"


def test_pull_request_workflow_is_fork_safe_and_runs_everything():
    workflow = load(WORKFLOWS / "pull-request.yml")
    assert set(workflow["on"]) == {"pull_request"}
    for job in workflow["jobs"].values():
        assert "permissions" not in job, "jobs keep the read-only default"
    for step in steps(workflow):
        if step.get("uses", "").startswith("actions/checkout"):
            assert step["with"]["persist-credentials"] is False
    script = runs(workflow)
    for command in ("factsheet check --format github", "factsheet build --strict", ".ci/run", "factsheet diff"):
        assert command in script, command
    assert "$GITHUB_STEP_SUMMARY" in script
    assert any(step.get("uses", "").startswith("actions/upload-artifact") for step in steps(workflow))


def test_publish_workflow_builds_strictly_and_only_the_deploy_job_may_write():
    workflow = load(WORKFLOWS / "publish.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert "permissions" not in build
    assert "factsheet build --strict" in runs({"jobs": {"build": build}})
    uploads = [s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "site/"
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"actions": "read", "pages": "write", "id-token": "write"}
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]


def made_by(run: str) -> set[str]:
    """What a run script leaves in the checkout for later steps: the folders `factsheet build` and
    `factsheet bundle` write (the project's defaults), and any file named by --output."""
    layout = Project.at(REPO)
    made = set(re.findall(r"--output\s+(\S+)", run))
    if re.search(r"\bfactsheet build\b", run):
        made.add(layout.site_dir.name)
    if re.search(r"\bfactsheet bundle\b", run):
        made.add(layout.dist_dir.name)
    return made


def test_every_uploaded_path_is_made_by_an_earlier_step_of_its_job():
    # An upload of something no step makes is dead: it uploads nothing, or an error, on every run.
    uploads = 0
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for name, job in load(path)["jobs"].items():
            made: set[str] = set()
            for step in job.get("steps", []):
                if re.match(r"actions/upload-(pages-)?artifact@", step.get("uses", "")):
                    target = step["with"]["path"].rstrip("/")
                    assert target in made, f"{path.name} {name}: no step before '{step.get('name')}' makes {target}"
                    uploads += 1
                made |= made_by(step.get("run", ""))
    assert uploads >= 3


def test_publish_workflow_builds_and_attaches_the_offline_bundles_on_every_run():
    build = load(WORKFLOWS / "publish.yml")["jobs"]["build"]
    bundle = [s for s in build["steps"] if "dist" in made_by(s.get("run", ""))]
    attach = [s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert bundle and attach and attach[0]["with"]["path"].rstrip("/") == "dist"
    assert "--strict" in bundle[0]["run"]
    assert "if" not in bundle[0] and "if" not in attach[0], "a step that may skip itself is not live"


def test_pre_commit_hook_checks_when_facts_or_seeds_change():
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for repo in config["repos"] for h in repo["hooks"]]
    assert hook["entry"] == "factsheet check" and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert files.search("facts/actors/joe-biden.yaml") and files.search("seeds/a.md")
    assert not files.search("generator/cli.py") and not files.search("tests/fixtures/basic/facts/x.yaml")
