"""The GitHub workflows and the pre-commit hook: valid YAML, and safe for pull requests from forks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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
    assert not files.search("generator/commands/cli.py") and not files.search("tests/fixtures/basic/facts/x.yaml")


_PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def test_every_action_is_pinned_by_commit_with_its_version_in_a_comment():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if re.search(r"\buses:", line)]
        assert lines, path.name
        for line in lines:
            use = line.split("uses:", 1)[1].split("#", 1)[0].strip()
            # A tag can be moved to other code; a full commit cannot. The comment says which release it is.
            assert _PINNED.match(use), f"{path.name}: {use} is not pinned to a 40-hex commit"
            assert re.search(r"#\s*v\d+\.\d+\.\d+\s*$", line), f"{path.name}: say the release: {line.strip()}"


def _content_only_script() -> str:
    (step,) = [s for s in load(WORKFLOWS / "pull-request.yml")["jobs"]["content-only"]["steps"] if "run" in s]
    assert step["shell"] == "python" and step["env"] == {"BASE_REF": "${{ github.base_ref }}"}
    return step["run"]


def _pull_request(tmp_path: Path, changes: dict[str, str]) -> Path:
    """A repository whose branch `pr` changes `changes` over `origin/main`."""
    repo = tmp_path / "repo"
    (repo / "facts").mkdir(parents=True)
    (repo / "facts" / "a.yaml").write_text("a\n")
    (repo / "mkdocs.yml").write_text("site_name: x\n")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "--allow-empty", "-m", "root")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "base")
    git("update-ref", "refs/remotes/origin/main", "HEAD")
    git("checkout", "-q", "-b", "pr")
    for rel, text in changes.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "pr")
    return repo


def _run_content_only(repo: Path, tmp_path: Path) -> tuple[int, str, str]:
    summary = tmp_path / "summary.md"
    env = {**os.environ, "BASE_REF": "main", "GITHUB_STEP_SUMMARY": str(summary)}
    result = subprocess.run(
        [sys.executable, "-c", _content_only_script()], cwd=repo, env=env, capture_output=True, text=True
    )
    return result.returncode, result.stdout, summary.read_text(encoding="utf-8")


def test_a_content_pull_request_passes_the_content_only_job(tmp_path):
    repo = _pull_request(tmp_path, {"facts/actors/eve.yaml": "id: eve\n", "seeds/a.md": "---\n"})
    code, out, summary = _run_content_only(repo, tmp_path)
    assert code == 0 and out == "" and "every change is in facts/ or seeds/" in summary


def test_a_pull_request_that_touches_code_fails_and_names_each_path(tmp_path):
    hostile = "evil\n::warning file=README.md::approved,%0A"  # a file name is data, not a workflow command
    repo = _pull_request(
        tmp_path, {"facts/b.yaml": "b\n", "mkdocs.yml": "hooks: [x.py]\n", "templates/t.md.j2": "x", hostile: "x"}
    )
    code, out, summary = _run_content_only(repo, tmp_path)
    assert code == 1
    lines = out.splitlines()
    assert all(line.startswith("::error file=") for line in lines[:-1]) and len(lines) == 4
    assert "::error file=mkdocs.yml,title=Not content::mkdocs.yml is outside facts/ and seeds/" in out
    assert "templates/t.md.j2 is outside" in out and "facts/b.yaml" not in out
    assert not any(line.startswith("::warning") for line in lines), "a file name started a workflow command"
    assert "evil%0A%3A%3Awarning" in out and "&lt;" not in summary and "mkdocs.yml" in summary


def test_codeowners_gives_every_path_but_the_content_to_the_maintainers():
    rules = [
        line.split()
        for line in (REPO / ".github" / "CODEOWNERS").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0][0] == "*" and len(rules[0]) > 1, "a default owner for everything"
    # The last matching pattern wins: facts/ and seeds/ come after, with no owner.
    assert [r for r in rules[1:]] == [["/facts/"], ["/seeds/"]]
