"""The GitHub workflows and the pre-commit hook: valid YAML, and safe for pull requests from forks."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

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


def test_pre_commit_hook_checks_when_facts_or_seeds_change():
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for repo in config["repos"] for h in repo["hooks"]]
    assert hook["entry"] == "factsheet check" and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert files.search("facts/actors/joe-biden.yaml") and files.search("seeds/a.md")
    assert not files.search("generator/cli.py") and not files.search("tests/fixtures/basic/facts/x.yaml")
