"""The `factsheet` command: thin wrappers that call the library, print diagnostics and exit.

Exit status: 0 clean, 1 problems in the inputs (or a failed build, or the machine: a full disk, a read-only
folder, no memory left), 2 wrong usage, 3 a bug in factsheet itself.
`check` never imports MkDocs, so it stays fast enough for a pre-commit hook.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn, TextIO

from generator.commands.scaffold import KINDS as NEW_KINDS
from generator.commands.schema import KINDS as SCHEMA_KINDS
from generator.diagnostics import Diagnostic, DiagnosticError, environment_fault, visible
from generator.progress import Progress, Step, quiet
from generator.project import Project, find_root, is_fact_sheet
from generator.report import Format, render


def _print_diagnostics(diagnostics: list[Diagnostic], root: Path, fmt: Format = Format.TEXT) -> None:
    # Text is for people (stderr, beside other messages); github and json are read from stdout by tools.
    text = render(diagnostics, root, fmt)
    if fmt is Format.TEXT:
        sys.stderr.write(text)
    else:
        sys.stdout.write(text)


class _ProgressLine:
    """The stage a long run is at, and its count, on one line of the terminal rewritten in place, and wiped
    when the run ends (so that what is printed after it starts on a clean line)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = False
        self.last = 0.0

    def __call__(self, step: Step) -> None:
        now = time.monotonic()
        if 0 < step.done < step.total and now - self.last < 0.1:  # at most ten updates a second
            return
        self.last = now
        count = f": {step.done:,} of {step.total:,}" if step.total else " ..."
        self.stream.write(f"\r\x1b[K{step.stage.value}{count}")
        self.stream.flush()
        self.shown = True

    def wipe(self) -> str:
        """What wipes the line, if one is shown (for a message printed while it is)."""
        if not self.shown:
            return ""
        self.shown = False
        return "\r\x1b[K"


_line: _ProgressLine | None = None  # the progress line being shown, if any


@contextlib.contextmanager
def _progress() -> Iterator[Progress]:
    """A listener for the pipeline's progress: stages and counts on stderr when it is a terminal, nothing
    when it is not (a pipe, a file, CI's log)."""
    global _line
    if not sys.stderr.isatty():
        yield quiet
        return
    _line = _ProgressLine(sys.stderr)
    try:
        yield _line
    finally:
        sys.stderr.write(_line.wipe())
        sys.stderr.flush()
        _line = None


def cmd_check(project: Project, args: argparse.Namespace) -> int:
    # Not through generator.pipeline, which imports every stage (Jinja2, the pages, MkDocs' helpers).
    from generator.checks.validate import check_project

    with _progress() as progress:
        result = check_project(project, cache=not args.no_cache, jobs=args.jobs, progress=progress)
    _print_diagnostics(result.diagnostics, project.root, Format(args.format))
    blocking = result.diagnostics if args.strict else result.errors
    if not blocking:
        n = result.counts
        print(
            f"ok: {n['sources']} sources, {n['actors']} actors, {n['events']} events, "
            f"{n['topics']} topics, {n['positions']} positions, {n['claims']} claims",
            file=sys.stderr if Format(args.format) is Format.JSON else sys.stdout,
        )
    return 1 if blocking else 0


def cmd_stats(project: Project, args: argparse.Namespace) -> int:
    from generator.pages.stats import compute
    from generator.pipeline import check

    result = check(project)
    if result.errors:
        _print_diagnostics(result.diagnostics, project.root)
        return 1
    stats = compute(result.facts)
    print("facts by kind:")
    for kind, n in stats.counts.items():
        print(f"  {kind:<10} {n:>5}")
    print("citations per source:")
    for s in stats.sources:
        print(
            f"  {s.source_id:<45} {s.citations:>4} citations, {s.passages:>3} passages, "
            f"{s.cited}/{s.paragraphs - s.boilerplate} paragraphs cited ({s.boilerplate} boilerplate)"
        )
    print(f"uncited paragraphs: {stats.uncited}")
    for s in stats.sources:
        for p in s.uncited:
            excerpt = p.text if len(p.text) <= 100 else p.text[:97] + "..."
            print(f"  {project.seeds_dir.name}/{s.source_id}.md:{p.line}: paragraph {p.number}: {excerpt}")
    return 0


class _OneLine(logging.Formatter):
    """MkDocs' messages on one line each, unprintable characters shown: like our own, no text from a page
    can start a line of its own (a workflow command in a CI log)."""

    def format(self, record: logging.LogRecord) -> str:
        return (_line.wipe() if _line else "") + visible(super().format(record))


def _show_mkdocs_warnings() -> None:
    _show_mkdocs_messages(logging.WARNING)


def _show_mkdocs_messages(level: int) -> None:
    """MkDocs' messages from `level` up on stderr, one line each; and the preview's own (logger "factsheet":
    the check's problems, as `factsheet check` prints them)."""
    for name, form in (("mkdocs", "mkdocs: %(levelname)s: %(message)s"), ("factsheet", "%(message)s")):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_OneLine(form))
        log = logging.getLogger(name)
        log.addHandler(handler)
        log.setLevel(level)


def cmd_build(project: Project, args: argparse.Namespace) -> int:
    from generator.pipeline import build
    from generator.site.publish import removed

    _show_mkdocs_warnings()
    with _progress() as progress:
        generated, site = build(
            project,
            strict=args.strict,
            cache=not args.no_cache,
            jobs=args.jobs,
            progress=progress,
            full=args.full,
            detach=True,
        )
    _print_diagnostics(generated.result.diagnostics, project.root, Format(args.format))
    print(
        f"built {len(generated.pages)} pages into {site}",
        file=sys.stderr if Format(args.format) is Format.JSON else sys.stdout,
    )
    removed()  # the old site, removed while the build was reported
    return 0


def cmd_generate(project: Project, args: argparse.Namespace) -> int:
    from generator.pipeline import generate
    from generator.site.publish import build_lock

    with _progress() as progress, build_lock(project):  # it writes the docs folder, as a build does
        generated = generate(project, strict=args.strict, cache=not args.no_cache, jobs=args.jobs, progress=progress)
    _print_diagnostics(generated.result.diagnostics, project.root, Format(args.format))
    docs = os.path.relpath(project.docs_dir, project.root)
    print(
        f"generated {len(generated.pages)} pages and {len(generated.exports)} data files into {docs}/ "
        f"({len(generated.written.changed)} changed): build them with an engine that reads mkdocs.yml",
        file=sys.stderr if Format(args.format) is Format.JSON else sys.stdout,
    )
    return 0


def cmd_completion(project: Project, args: argparse.Namespace) -> int:
    import shtab

    p = parser()
    for action in _all_actions(p):  # folders and files complete as such
        if action.dest == "root":
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
        elif action.type is Path:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
    sys.stdout.write(shtab.complete(p, shell=args.shell))
    return 0


def _all_actions(p: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in p._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for command in dict.fromkeys(action.choices.values()):  # each once, though aliases repeat it
                yield from _all_actions(command)


def cmd_schema(project: Project, args: argparse.Namespace) -> int:
    from generator.commands.schema import schema_text, write_schemas

    if args.write:
        changed = write_schemas(project.root)
        print(f"schema/: {len(changed)} file{'s' * (len(changed) != 1)} updated")
        return 0
    if args.kind is None:
        print("factsheet schema: name a kind, or use --write to update schema/", file=sys.stderr)
        return 2
    sys.stdout.write(schema_text(args.kind))
    return 0


def cmd_new(project: Project, args: argparse.Namespace) -> int:
    from generator.commands.scaffold import create

    if args.from_file is not None:
        return _new_source_from(project, args)
    if args.name is None:
        print(f"factsheet new {args.kind}: give its name (or, for a source, --from a saved article)", file=sys.stderr)
        return 2
    path = create(project, args.kind, args.name, args.id)
    print(f"created {path.relative_to(project.root)}: fill it in, then run `factsheet check`")
    return 0


def _new_source_from(project: Project, args: argparse.Namespace) -> int:
    from generator.commands.intake import create_seed

    if args.kind != "source" or args.name is not None:
        print(
            "factsheet new: --from FILE makes a source, named by its page: `factsheet new source --from FILE`",
            file=sys.stderr,
        )
        return 2
    seed = create_seed(project, args.from_file, args.id)
    _print_diagnostics(list(seed.warnings), project.root)
    print(
        f"created {seed.path.relative_to(project.root)} from {args.from_file.name}: check its front matter against "
        "the article (null fields say what the page does not state), then run `factsheet check`"
    )
    return 0


def cmd_diff(project: Project, args: argparse.Namespace) -> int:
    from generator.commands.factdiff import diff_revisions, to_markdown

    text = to_markdown(diff_revisions(project, args.base, args.head))
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_cite(project: Project, args: argparse.Namespace) -> int:
    from generator.checks.cite import citation_block, find

    found = find(project, args.source, args.words)
    seed = found.seed.relative_to(project.root).as_posix() if found.seed.is_relative_to(project.root) else found.seed
    if not found.passages:
        print(f"factsheet cite: no passage of {seed} holds {args.words!r}", file=sys.stderr)
        if found.closest:
            print("the closest passage:", file=sys.stderr)
            print(citation_block(found.source_id, found.closest))
        return 1
    for n, passage in enumerate(found.passages):
        note = f", {passage.occurrences} times: quote more words" if passage.occurrences > 1 else ""
        if n:
            print()
        print(f"# {seed} line {passage.line}{note}")  # a YAML comment: harmless if pasted too
        print(citation_block(found.source_id, passage.text))
    if found.more:
        print(f"(more passages hold {args.words!r}: give more words)", file=sys.stderr)
    return 0


def cmd_bundle(project: Project, args: argparse.Namespace) -> int:
    from generator.pipeline import bundle

    _show_mkdocs_warnings()
    with _progress() as progress:
        generated, bundles = bundle(project, strict=args.strict, progress=progress)
    _print_diagnostics(generated.result.diagnostics, project.root, Format(args.format))
    for artifact in (bundles.offline_zip, bundles.single_html):
        print(
            f"wrote {artifact.path} ({artifact.size / 1024:,.0f} KiB)",
            file=sys.stderr if Format(args.format) is Format.JSON else sys.stdout,
        )
    return 0


def cmd_serve(project: Project, args: argparse.Namespace) -> int:
    from mkdocs.commands.serve import serve

    # The MkDocs hook regenerates the pages whenever facts/, seeds/ or templates/ change; it is named here,
    # so the preview works whatever mkdocs.yml's `hooks:` says. It rewrites only the pages whose Markdown
    # changed, so a dirty rebuild (MkDocs renders only files newer than their HTML) shows every effect of
    # an edit; the navigation is fixed, so nothing goes stale (and the hook drops MkDocs' warning about it).
    # A failed check does not stop the preview: the pages show the problems (generator/site/preview.py).
    _show_mkdocs_messages(logging.INFO)
    project.docs_dir.mkdir(parents=True, exist_ok=True)  # MkDocs refuses a docs_dir that is not there yet
    if args.poll:  # the hook reads it: MkDocs' polling instead of the OS's file events
        from generator.site.preview import POLL_ENV

        os.environ[POLL_ENV] = "1"
    serve(
        config_file=str(project.mkdocs_yml),
        dev_addr=args.dev_addr,
        livereload=True,
        build_type=None if args.full_rebuild else "dirty",
        hooks=[str(Path(__file__).resolve().parent.parent / "mkdocs_hook.py")],
    )
    return 0


def cmd_init(project: Project, args: argparse.Namespace) -> int:
    from generator.commands.init import InitError, create

    try:
        made = create(args.dir, args.title)
    except InitError as exc:
        print(f"factsheet init: {exc.message}\n  hint: {exc.hint}", file=sys.stderr)
        return 2
    where = os.path.relpath(made.root) if made.root.is_relative_to(Path.cwd()) else str(made.root)
    print(f"created the fact sheet '{made.title}' in {where} ({len(made.files)} files, with invented examples)")
    print(f"next: cd {where} && factsheet build   (then open site/index.html; README.md says what goes where)")
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("factsheet")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


class _Version(argparse.Action):
    """--version, as argparse's: the version is looked up only when asked for (importlib.metadata took 0.03-0.05 s
    of every command's start)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


_NO_CACHE = "parse and check every file afresh; do not read or write .cache/factsheet/"


def _format_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        type=str.lower,
        choices=[f.value for f in Format],
        default=Format.TEXT.value,
        help="how to print problems: text (default), github (workflow annotations) or json",
    )


def cmd_screenshots(project: Project, args: argparse.Namespace) -> int:
    from generator.site.screenshots import Scheme, screenshots

    schemes = (Scheme.LIGHT, Scheme.DARK) if args.dark else (Scheme.LIGHT,)
    shots = screenshots(project.site_dir, args.out.resolve(), schemes, full_page=not args.first_screen)
    for shot in shots:
        note = f"  (scrolls sideways: {shot.scroll_width}px wide)" if shot.overflows else ""
        print(f"{shot.file}{note}")
    return 1 if any(s.overflows for s in shots) else 0


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of processes (1 or more)")
    return int(text)


def _jobs_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=None,
        metavar="N",
        help="processes for checking files and rendering pages on large fact sheets (default: one per core)",
    )


EXIT_STATUS = """exit status:
  0  done, no problems
  1  problems in the facts or seeds (or a failed build, or the machine: a full disk, a read-only folder,
     no memory left)
  2  wrong usage: an unknown command or option, or not inside a fact sheet
  3  a bug in factsheet itself (FACTSHEET_DEBUG=1 shows its traceback)"""


def _global_options(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: an option not given leaves no value, so one given before the subcommand is not overwritten
    # by the subcommand's default (`factsheet --root X check` and `factsheet check --root X` both work).
    p.add_argument(
        "--root",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="FOLDER",
        help="the fact sheet's folder (default: the one this folder is in)",
    )


class _Command(argparse.ArgumentParser):
    """A subcommand's parser: it takes the global options too, and its help ends with the exit status."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("epilog", EXIT_STATUS)
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(**kwargs)
        _global_options(self)


def parser() -> argparse.ArgumentParser:
    """The command line. Each subcommand sets `run` (a function of the project and the arguments); one that
    works outside a fact sheet (init, completion, screenshots) also sets `sheet=False`, and gets the project at
    --root, else the one this folder is in, else here, without a check that there is one."""
    p = argparse.ArgumentParser(
        prog="factsheet",
        description="Check a fact sheet's facts against the articles they quote, and build its site. Run it in "
        "any folder of the fact sheet, or name the fact sheet's folder with --root.",
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _global_options(p)
    p.add_argument("--version", action=_Version)
    p.set_defaults(sheet=True)
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Command)
    c = sub.add_parser("check", help="validate facts and seeds; report every problem")
    c.add_argument("--strict", action="store_true", help="treat warnings as errors")
    c.add_argument("--no-cache", action="store_true", help=_NO_CACHE)
    _jobs_option(c)
    _format_option(c)
    c.set_defaults(run=cmd_check)
    b = sub.add_parser("build", help="check, generate the pages and publish the site into site/")
    b.add_argument("--strict", action="store_true", help="treat warnings (ours and MkDocs') as errors")
    b.add_argument("--no-cache", action="store_true", help=_NO_CACHE)
    b.add_argument(
        "--full",
        "--clean",
        action="store_true",
        help="render every page and build the whole site, not only what changed since the last build",
    )
    _jobs_option(b)
    _format_option(b)
    b.set_defaults(run=cmd_build)
    g = sub.add_parser(
        "generate",
        help="check and write the Markdown pages and data files into generated/, without building HTML "
        "(for another engine that reads mkdocs.yml, such as Zensical)",
    )
    g.add_argument("--strict", action="store_true", help="treat warnings as errors")
    g.add_argument("--no-cache", action="store_true", help=_NO_CACHE)
    _jobs_option(g)
    _format_option(g)
    g.set_defaults(run=cmd_generate)
    z = sub.add_parser("bundle", help="build the offline bundles into dist/: a zipped site and one HTML file")
    z.add_argument("--strict", action="store_true", help="treat warnings (ours and MkDocs') as errors")
    _format_option(z)
    z.set_defaults(run=cmd_bundle)
    j = sub.add_parser("schema", help="print the JSON Schema of a kind of fact file (for editors)")
    j.add_argument("kind", nargs="?", choices=list(SCHEMA_KINDS), help="which file kind")
    j.add_argument("--write", action="store_true", help="write every schema into schema/ (committed)")
    j.set_defaults(run=cmd_schema)
    n = sub.add_parser("new", help="write a new fact file from a commented template")
    n.add_argument("kind", choices=list(NEW_KINDS), help="what to create")
    n.add_argument("name", nargs="?", help="its name (title, question or stance); the id is derived from it")
    n.add_argument("--id", help="the id to use instead of one derived from the name")
    n.add_argument(
        "--from",
        dest="from_file",
        type=Path,
        metavar="FILE",
        help="source only: a saved article (HTML page or .txt) to bring in as the seed, its text verbatim",
    )
    n.set_defaults(run=cmd_new)
    d = sub.add_parser("diff", help="the changes to the facts between two git revisions, as Markdown")
    d.add_argument("base", nargs="?", help="base revision (default: the merge base with main)")
    d.add_argument("head", nargs="?", help="head revision (default: the working tree)")
    d.add_argument("--output", type=Path, help="write the Markdown into this file instead of printing it")
    d.set_defaults(run=cmd_diff)
    ci = sub.add_parser("cite", help="print the sentences of a source holding some words, as citations to paste")
    ci.add_argument("source", help="the source's id (its file name in seeds/ without .md)")
    ci.add_argument("words", help="a few words of the passage, in quotes")
    ci.set_defaults(run=cmd_cite)
    st = sub.add_parser("stats", help="counts by kind, citations per source, paragraphs no fact cites yet")
    st.set_defaults(run=cmd_stats)
    sc = sub.add_parser("screenshots", help="screenshot one page of each kind of the built site at 1280 and 390 px")
    sc.add_argument("--out", type=Path, default=Path("screenshots"), help="folder for the PNGs (default: screenshots)")
    sc.add_argument("--dark", action="store_true", help="also in the dark colour scheme")
    sc.add_argument("--first-screen", action="store_true", help="only the first screenful of each page (faster)")
    sc.set_defaults(run=cmd_screenshots, sheet=False)  # it needs only a built site: the command says if none
    s = sub.add_parser("serve", help="live preview that regenerates when facts, seeds or templates change")
    s.add_argument("--dev-addr", default="127.0.0.1:8000", help="address to serve on")
    s.add_argument(
        "--full-rebuild", action="store_true", help="render every page on each change (slower; as `factsheet build`)"
    )
    s.add_argument(
        "--poll",
        action="store_true",
        help="look for changes every 0.5 s instead of the OS's file events (slower): for a network drive or a "
        "Windows drive under WSL, where a saved file raises no event",
    )
    s.set_defaults(run=cmd_serve)
    i = sub.add_parser("init", help="start a new fact sheet in a new folder, with an example of each kind of fact")
    i.add_argument("dir", type=Path, help="the folder to create (it must not exist, or be empty)")
    i.add_argument("--title", help="the fact sheet's title (default: from the folder's name)")
    i.set_defaults(run=cmd_init, sheet=False)
    co = sub.add_parser(
        "completion",
        help="print the shell's completion script for factsheet",
        description='Print the completion script for your shell. bash: add `eval "$(factsheet completion bash)"` '
        "to ~/.bashrc; zsh: `factsheet completion zsh > ~/.zfunc/_factsheet` with ~/.zfunc in $fpath, before "
        'compinit; tcsh: `eval "`factsheet completion tcsh`"` in ~/.tcshrc.',
    )
    co.add_argument("shell", choices=["bash", "zsh", "tcsh"], help="your shell")
    co.set_defaults(run=cmd_completion, sheet=False)
    return p


def _project(args: argparse.Namespace) -> Project | None:
    """The fact sheet to work on: exactly --root when given, else the one the current folder is in. None,
    with a one-line message on stderr, when there is none (a usage error)."""
    given: Path | None = getattr(args, "root", None)
    if given is not None:
        root = given.resolve()
        if not args.sheet or is_fact_sheet(root):
            return Project.at(root)
        what = "does not exist" if not root.exists() else "is not a fact sheet's folder (no mkdocs.yml, no facts/)"
        print(
            f"factsheet: --root {given} {what}: pass the folder that holds mkdocs.yml and facts/, "
            "or run factsheet inside it",
            file=sys.stderr,
        )
        return None
    here = Path.cwd()
    if not args.sheet:
        return Project.at(find_root(here) or here)
    found = find_root(here)
    if found is None:
        print(
            f"factsheet: {here} is not in a fact sheet (no folder above it has mkdocs.yml and facts/): "
            "run it inside a fact sheet's folder or pass --root FOLDER",
            file=sys.stderr,
        )
        return None
    return Project.at(found)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    project = _project(args)
    if project is None:
        return 2
    try:
        return args.run(project, args)
    except DiagnosticError as exc:
        _print_diagnostics(exc.diagnostics, project.root, Format(getattr(args, "format", "text")))
        return 1
    except KeyboardInterrupt:
        return 130
    except (OSError, MemoryError) as exc:  # the disk, the folder or the memory, if not a bug
        fault = environment_fault(exc, project.root)
        if fault is None:
            return _internal_error(exc)
        _print_diagnostics([fault], project.root, Format(getattr(args, "format", "text")))
        return 1
    except Exception as exc:
        return _internal_error(exc)


def run() -> NoReturn:
    """The `factsheet` console script and `python -m generator`: `main`, then the process ends at once.

    Python's own exit frees every object the command made, one at a time: after a build of 10,000 facts
    that took 0.25-0.33 s, a twentieth of an incremental build, for nothing. The output is flushed
    first; nothing else is pending then (each command has closed its worker pools, files and threads,
    and waited for the old site's removal, before it returns)."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(code)


def _internal_error(exc: Exception) -> int:
    # A bug, not bad input: say so briefly; FACTSHEET_DEBUG=1 shows the traceback.
    if os.environ.get("FACTSHEET_DEBUG"):
        raise exc
    print(
        f"factsheet: internal error: {type(exc).__name__}: {exc} (set FACTSHEET_DEBUG=1 for details)",
        file=sys.stderr,
    )
    return 3
