"""Reading the fact sheet's own git history: files at a revision, merge bases, commit times.

Git runs as a subprocess with an argument list (never a shell); revision names come from the command
line and are passed after `--end-of-options` where git allows it, so they cannot act as options.
"""

from __future__ import annotations

import subprocess
from pathlib import Path, PurePosixPath

from generator.diagnostics import Code, DiagnosticError, error
from generator.model import Where

DEFAULT_BRANCHES = ("main", "origin/main")


def run(root: Path, *args: str) -> bytes:
    """Output of `git args` in root; DiagnosticError when git is missing or fails."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except OSError as exc:
        raise _failed(root, f"cannot run git: {exc.strerror}", "install git") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _failed(
            root,
            f"git {args[0]} failed: {message[-1] if message else done.returncode}",
            "check the revision names; in a shallow clone fetch the history first (git fetch --unshallow)",
        )
    return done.stdout


def _failed(root: Path, message: str, hint: str) -> DiagnosticError:
    return DiagnosticError([error(Where(root), Code.GIT_FAILED, message, hint)])


def resolve(root: Path, rev: str) -> str:
    """The commit id a revision name stands for."""
    return run(root, "rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}").decode().strip()


def merge_base(root: Path, head: str = "HEAD") -> str:
    """The commit where `head` left the main branch (main, else origin/main)."""
    for branch in DEFAULT_BRANCHES:
        try:
            resolve(root, branch)
        except DiagnosticError:
            continue
        return run(root, "merge-base", "--end-of-options", branch, head).decode().strip()
    raise _failed(root, "no branch main or origin/main to compare with", "name the base revision: factsheet diff BASE")


def files_at(root: Path, rev: str, folders: tuple[str, ...]) -> dict[PurePosixPath, bytes]:
    """Every regular file below `folders` at revision `rev`, by path (symlinks and submodules left out)."""
    commit = resolve(root, rev)
    listing = run(root, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *folders)
    blobs: list[tuple[PurePosixPath, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, sha = meta.decode().split(" ")
        if kind == "blob" and mode in ("100644", "100755"):
            blobs.append((PurePosixPath(raw_path.decode("utf-8", "surrogateescape")), sha))
    if not blobs:
        return {}
    # One `cat-file --batch` for all blobs: "<sha> blob <size>\n<content>\n" per request.
    done = subprocess.run(
        ["git", "-C", str(root), "cat-file", "--batch"],
        input="".join(f"{sha}\n" for _, sha in blobs).encode(),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise _failed(root, f"git cat-file failed at {rev}", "check that the repository is complete (git fsck)")
    out = done.stdout
    files: dict[PurePosixPath, bytes] = {}
    pos = 0
    for path, _ in blobs:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split(b" ")[2])
        files[path] = out[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
    return files


def last_commit_time(root: Path, paths: tuple[str, ...]) -> int | None:
    """Unix time of the last commit touching `paths`, or None outside a git checkout."""
    try:
        out = run(root, "log", "-1", "--format=%ct", "--", *paths).decode().strip()
    except DiagnosticError:
        return None
    return int(out) if out.isdigit() else None


def last_commit_id(root: Path, paths: tuple[str, ...]) -> tuple[str, bool] | None:
    """The last commit touching `paths` and whether those paths have changes not yet committed there;
    None outside a git checkout."""
    try:
        commit = run(root, "log", "-1", "--format=%H", "--", *paths).decode().strip()
        changed = run(root, "status", "--porcelain", "--", *paths).strip()
    except DiagnosticError:
        return None
    return (commit, bool(changed)) if commit else None
