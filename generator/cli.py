"""The `factsheet` command: thin wrappers that call the library, print diagnostics and exit.

Exit status: 0 clean, 1 problems in the inputs (or a failed build), 2 wrong usage.
`check` never imports MkDocs, so it stays fast enough for a pre-commit hook.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from .diagnostics import Diagnostic, DiagnosticError
from .project import Project


def _print_diagnostics(diagnostics: list[Diagnostic], root: Path) -> None:
    for d in diagnostics:
        print(d.format(root), file=sys.stderr)
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    if diagnostics:
        print(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}", file=sys.stderr)


def cmd_check(project: Project, args: argparse.Namespace) -> int:
    from .pipeline import check

    result = check(project)
    _print_diagnostics(result.diagnostics, project.root)
    blocking = result.diagnostics if args.strict else result.errors
    if not blocking:
        f = result.facts
        print(
            f"ok: {len(f.sources)} sources, {len(f.actors)} actors, {len(f.events)} events, "
            f"{len(f.topics)} topics, {len(f.positions)} positions, {len(f.claims)} claims"
        )
    return 1 if blocking else 0


def _show_mkdocs_warnings() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("mkdocs: %(levelname)s: %(message)s"))
    log = logging.getLogger("mkdocs")
    log.addHandler(handler)
    log.setLevel(logging.WARNING)


def cmd_build(project: Project, args: argparse.Namespace) -> int:
    from .pipeline import build

    _show_mkdocs_warnings()
    generated, site = build(project, strict=args.strict)
    _print_diagnostics(generated.result.diagnostics, project.root)
    print(f"built {len(generated.pages)} pages into {site}")
    return 0


def cmd_serve(project: Project, args: argparse.Namespace) -> int:
    from mkdocs.commands.serve import serve

    # The MkDocs hook in mkdocs.yml regenerates the pages whenever facts/, seeds/ or templates/ change.
    serve(config_file=str(project.mkdocs_yml), dev_addr=args.dev_addr, livereload=True)
    return 0


def cmd_screenshots(project: Project, args: argparse.Namespace) -> int:
    from .screenshots import Scheme, screenshots

    schemes = (Scheme.LIGHT, Scheme.DARK) if args.dark else (Scheme.LIGHT,)
    shots = screenshots(project.site_dir, args.out.resolve(), schemes)
    for shot in shots:
        note = f"  (scrolls sideways: {shot.scroll_width}px wide)" if shot.overflows else ""
        print(f"{shot.file}{note}")
    return 1 if any(s.overflows for s in shots) else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="factsheet", description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=Path.cwd(), help="the fact sheet's folder (default: here)")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="validate facts and seeds; report every problem")
    c.add_argument("--strict", action="store_true", help="treat warnings as errors")
    c.set_defaults(run=cmd_check)
    b = sub.add_parser("build", help="check, generate the pages and publish the site into site/")
    b.add_argument("--strict", action="store_true", help="treat warnings (ours and MkDocs') as errors")
    b.set_defaults(run=cmd_build)
    sc = sub.add_parser("screenshots", help="screenshot one page of each kind of the built site at 1280 and 390 px")
    sc.add_argument("--out", type=Path, default=Path("screenshots"), help="folder for the PNGs (default: screenshots)")
    sc.add_argument("--dark", action="store_true", help="also in the dark colour scheme")
    sc.set_defaults(run=cmd_screenshots)
    s = sub.add_parser("serve", help="live preview that regenerates when facts, seeds or templates change")
    s.add_argument("--dev-addr", default="127.0.0.1:8000", help="address to serve on")
    s.set_defaults(run=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    project = Project.at(args.root.resolve())
    try:
        return args.run(project, args)
    except DiagnosticError as exc:
        _print_diagnostics(exc.diagnostics, project.root)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug, not bad input: say so briefly; FACTSHEET_DEBUG=1 shows the traceback
        if os.environ.get("FACTSHEET_DEBUG"):
            raise
        print(
            f"factsheet: internal error: {type(exc).__name__}: {exc} (set FACTSHEET_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 3
