"""Diagnostics as text for people, as GitHub annotations, or as JSON for tools.

The CLI chooses the format (`--format text|github|json`) and the stream; this module only builds the
text. The JSON format is a stable contract (documented in CONTRIBUTING.md): a list of objects
`{path, line, col, severity, code, message, hint}`, paths relative to the fact sheet's root, in POSIX
form, sorted by place.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from enum import Enum
from pathlib import Path

from generator.diagnostics import Code, Diagnostic, Severity

# GitHub shows at most 10 annotations of each level per step; the rest would be dropped silently.
GITHUB_ANNOTATIONS_PER_LEVEL = 10
SHOWN_PER_CODE = 20  # problems of one code printed as text; the count of the others follows


class Format(Enum):
    TEXT = "text"
    GITHUB = "github"
    JSON = "json"


def summary(diagnostics: list[Diagnostic]) -> str:
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def _text_lines(diagnostics: list[Diagnostic], root: Path | None) -> list[str]:
    """Each problem as text, at most SHOWN_PER_CODE of each code: one cause (a folder that is a link, a
    renamed source) can make hundreds of follow-on errors, which would bury it. A line says how many more
    there are; `--format json` lists every one."""
    lines: list[str] = []
    seen: Counter[Code] = Counter()
    for d in diagnostics:
        seen[d.code] += 1
        if seen[d.code] <= SHOWN_PER_CODE:
            lines.append(d.format(root))
    for code, n in seen.items():
        if n > SHOWN_PER_CODE:
            lines.append(f"... and {n - SHOWN_PER_CODE} more [{code.value}] not shown (--format json lists all)")
    return lines


def as_text(diagnostics: list[Diagnostic], root: Path | None) -> str:
    if not diagnostics:
        return ""
    return "\n".join([*_text_lines(diagnostics, root), summary(diagnostics)]) + "\n"


def as_records(diagnostics: list[Diagnostic], root: Path | None) -> list[dict[str, object]]:
    return [
        {
            "path": d.path_from(root),
            "line": d.where.line,
            "col": d.where.col,
            "severity": d.severity.value,
            "code": d.code.value,
            "message": d.message,
            "hint": d.hint,
            **({"excerpt": list(d.excerpt)} if d.excerpt else {}),
        }
        for d in diagnostics
    ]


def as_json(diagnostics: list[Diagnostic], root: Path | None) -> str:
    return json.dumps(as_records(diagnostics, root), ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(diagnostics: list[Diagnostic], root: Path | None) -> str:
    """Workflow commands: one annotation per problem up to GitHub's cap, the rest as log lines.

    Every problem is in the log as text too, so nothing is lost when the cap is reached; a notice
    says how many were not annotated.
    """
    lines: list[str] = []
    shown = {Severity.ERROR: 0, Severity.WARNING: 0}
    left_out = 0
    for d in diagnostics:
        if shown[d.severity] >= GITHUB_ANNOTATIONS_PER_LEVEL:
            left_out += 1
            continue
        shown[d.severity] += 1
        props = ",".join(
            f"{k}={_escape_property(str(v))}"
            for k, v in (
                ("file", d.path_from(root)),
                ("line", d.where.line),
                ("col", d.where.col),
                ("title", d.code.value),
            )
        )
        message = d.message + (f"\n{d.hint}" if d.hint else "")
        lines.append(f"::{d.severity.value} {props}::{_escape_data(message)}")
    if diagnostics:
        text = [d.format(root) for d in diagnostics]  # all of them: the group is folded in the log
        # Values in messages cannot start a line (diagnostics.visible), and the runner is also told to act
        # on no workflow command until a token that no input can know: a hash of the very text it guards.
        token = hashlib.sha256("\n".join(text).encode("utf-8")).hexdigest()[:32]
        lines += ["::group::all problems as text", f"::stop-commands::{token}", *text, f"::{token}::", "::endgroup::"]
    if left_out:
        lines.append(
            f"::notice title=more problems::{summary(diagnostics)}; {left_out} not annotated "
            f"(GitHub shows {GITHUB_ANNOTATIONS_PER_LEVEL} per level); see 'all problems as text' in the log"
        )
    return "\n".join(lines) + ("\n" if lines else "")


def render(diagnostics: list[Diagnostic], root: Path | None, fmt: Format) -> str:
    return {Format.TEXT: as_text, Format.GITHUB: as_github, Format.JSON: as_json}[fmt](diagnostics, root)
