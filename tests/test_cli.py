"""The command line: exit codes, located messages, and a failed build that keeps the old site."""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.commands.cli import main


def run_check(root: Path, capsys) -> tuple[int, str]:
    code = main(["--root", str(root), "check"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_check_clean_exits_0(basic, capsys):
    code, out = run_check(basic.root, capsys)
    assert code == 0 and "ok: 2 sources" in out


def test_check_broken_quote_prints_file_and_line_and_exits_1(basic, capsys):
    path = basic.facts_dir / "topics" / "sanctions.yaml"
    path.write_text(path.read_text().replace("unprecedented sanctions", "unprecedented penalties"))
    code, out = run_check(basic.root, capsys)
    assert code == 1
    assert "facts/topics/sanctions.yaml:6:12: error: quote not found in source 'serious-50-minute-conversation'" in out
    assert "hint:" in out and "Traceback" not in out


def test_check_imports_nothing_of_the_later_stages(basic):
    # `check` runs in pre-commit hooks: its start-up is most of a warm check's time.
    later = ("mkdocs", "jinja2", "markdown", "icalendar", "generator.pages", "generator.site", "generator.pipeline")
    probe = (
        "import sys; from generator.commands.cli import main; code = main(['--root', sys.argv[1], 'check']); "
        f"found = [m for m in sys.modules if m.startswith({later!r})]; assert not found, found; sys.exit(code)"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(basic.root)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_version_prints_the_installed_version_and_only_it_looks_the_version_up(basic, capsys, monkeypatch):
    # Looking the version up (importlib.metadata) was 0.03-0.05 s of every command's start.
    import importlib.metadata

    version = importlib.metadata.version("factsheet")
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0 and capsys.readouterr().out == f"factsheet {version}\n"

    def looked_up(name: str) -> str:
        raise AssertionError(f"the version of {name} was looked up")

    monkeypatch.setattr(importlib.metadata, "version", looked_up)
    assert main(["--root", str(basic.root), "check"]) == 0


def test_the_command_ends_without_tearing_down_and_says_everything(basic):
    # `run` ends the process at once after `main` (the interpreter's teardown cost a twentieth of an
    # incremental build): the exit code and every line of output still arrive, through pipes too, and
    # a handler left for the teardown never runs.
    fact = basic.facts_dir / "actors" / "joe-biden.yaml"
    fact.write_text(fact.read_text() + "nickname: Joe\n")  # an unknown field: a located error
    probe = (
        "import atexit, sys; from generator.commands import cli; "
        "atexit.register(lambda: sys.stderr.write('torn down\\n')); "
        "sys.argv = ['factsheet', '--root', sys.argv[1], 'check', '--format', 'json']; cli.run()"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(basic.root)], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert "torn down" not in result.stderr
    assert '"path": "facts/actors/joe-biden.yaml"' in result.stdout and result.stdout.rstrip().endswith("]")


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_failed_build_keeps_the_previous_site(basic, capsys):
    assert main(["--root", str(basic.root), "build"]) == 0
    before = snapshot(basic.site_dir)
    assert (basic.site_dir / "index.html").exists()

    # Bad input: the check stops the build before anything is written.
    fact = basic.facts_dir / "actors" / "joe-biden.yaml"
    good = fact.read_text()
    fact.write_text("id: joe-biden\nname: [\n")
    assert main(["--root", str(basic.root), "build"]) == 1
    assert "yaml-syntax" in capsys.readouterr().err
    assert snapshot(basic.site_dir) == before

    # MkDocs itself fails (here: an unknown theme) after the pages were generated.
    fact.write_text(good)
    config = basic.root / "mkdocs.yml"
    config.write_text(config.read_text().replace("name: material", "name: no-such-theme"))
    assert main(["--root", str(basic.root), "build"]) == 1
    assert "build-failed" in capsys.readouterr().err
    assert snapshot(basic.site_dir) == before
    assert not list(basic.root.glob(".site-*")), "staging folders must be cleaned up"


def test_jobs_must_be_a_positive_number(basic, capsys):
    import pytest

    with pytest.raises(SystemExit) as exited:
        main(["--root", str(basic.root), "check", "--jobs", "0"])
    assert exited.value.code == 2 and "not a number of processes" in capsys.readouterr().err
    assert main(["--root", str(basic.root), "check", "-j", "2"]) == 0


def test_mkdocs_messages_are_printed_on_one_line(capsys):
    """Like our own diagnostics, no text in a MkDocs message can start a line (a workflow command in CI)."""
    import logging

    from generator.commands.cli import _show_mkdocs_warnings

    log = logging.getLogger("mkdocs")
    before = list(log.handlers)
    _show_mkdocs_warnings()
    try:
        log.warning("a page says\n::error file=README.md,line=1::forged")
    finally:
        for handler in set(log.handlers) - set(before):
            log.removeHandler(handler)
    err = capsys.readouterr().err
    assert "mkdocs: WARNING: a page says\\n::error file=README.md" in err
    assert not any(line.lstrip().startswith("::") for line in err.splitlines())


# The machine, not the input (review F9): a full disk, a read-only or protected folder, no memory left. Each is
# a located `environment` error with a hint, exit 1 (3 is for bugs), and no temporary file is left behind.


def _temporary_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp") or p.name.startswith((".site-", ".files-", ".obj"))]


def test_a_full_disk_is_a_located_error_and_leaves_no_temporary_file(basic, monkeypatch, capsys):
    assert main(["--root", str(basic.root), "build"]) == 0
    before = snapshot(basic.site_dir)
    shutil.rmtree(basic.docs_dir)  # every page has to be written again
    (basic.root / ".cache").rename(basic.root / ".cache-before")  # and the whole cache
    real_write_bytes, real_fdopen = Path.write_bytes, os.fdopen

    def half_then_full(write):
        def run(data):
            write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        return run

    def write_bytes(self, data):
        return half_then_full(lambda d: real_write_bytes(self, d))(data)

    def fdopen(fd, *args, **kwargs):  # the cache's files
        f = real_fdopen(fd, *args, **kwargs)
        f.write = half_then_full(f.write)
        return f

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    monkeypatch.setattr(os, "fdopen", fdopen)
    assert main(["--root", str(basic.root), "build"]) == 1
    err = capsys.readouterr().err
    assert re.search(
        r"^generated/\S+:0:0: error: stopped by the system: No space left on device \[environment\]$", err, re.M
    )
    assert "hint: the disk is full" in err and "internal error" not in err
    assert _temporary_files(basic.root) == [] and snapshot(basic.site_dir) == before


def test_a_read_only_file_system_is_a_located_error(published_basic, monkeypatch, capsys):
    basic, before = published_basic
    staging = basic.root / ".site-new-x"

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(staging))

    monkeypatch.setattr("generator.site.publish.tempfile.mkdtemp", read_only)
    assert main(["--root", str(basic.root), "build"]) == 1
    err = capsys.readouterr().err
    assert ".site-new-x:0:0: error: stopped by the system: Read-only file system [environment]" in err
    assert "hint: the folder is on a read-only file system" in err and snapshot(basic.site_dir) == before


def test_a_protected_folder_is_a_located_error(published_basic, capsys):
    """A real folder that cannot be written (immutable: root, as in CI, ignores permission bits)."""
    basic, before = published_basic
    page = basic.docs_dir / "index.md"
    page.write_text("changed, so that the build writes it again")
    if subprocess.run(["chattr", "+i", str(basic.docs_dir)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        assert main(["--root", str(basic.root), "check"]) == 0, "the check writes only its cache, which is optional"
        assert main(["--root", str(basic.root), "build"]) == 1
    finally:
        subprocess.run(["chattr", "-i", str(basic.docs_dir)], check=True)
    err = capsys.readouterr().err
    assert "generated/index.md:0:0: error: stopped by the system: Operation not permitted [environment]" in err
    assert "immutable" in err and _temporary_files(basic.root) == [] and snapshot(basic.site_dir) == before


def test_running_out_of_memory_is_a_located_error(basic):
    head = '---\nid: long\nlabel: a long text\ntitle: long\noutlet: o\nauthor: a\ndate: "2021-12-31"\n'
    (basic.seeds_dir / "long.md").write_text(
        head + "translated: false\nurl: https://example.org/\n---\n" + " ".join(f"w{i:05d}" for i in range(60_000))
    )
    # Everything the check imports is loaded first; then the address space is capped at what is in use plus
    # 128 KiB, less than reading and folding a 420 KB article needs (512 KiB was not, once the check got leaner).
    probe = (
        "import resource, sys\n"
        "from generator.commands.cli import main\n"
        "import generator.pipeline, generator.checks.validate, generator.inputs.load, generator.workers\n"
        "from generator.commands.cli import parser; parser()\n"  # the command line's own objects made before the cap
        "size = int(open('/proc/self/statm').read().split()[0]) * resource.getpagesize() + 2**17\n"
        "resource.setrlimit(resource.RLIMIT_AS, (size, size))\n"
        "sys.exit(main(['--root', sys.argv[1], 'check', '--no-cache']))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(basic.root)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert ".:0:0: error: ran out of memory [environment]" in result.stderr
    assert "hint: close other programs or raise the limit" in result.stderr and "internal error" not in result.stderr


@pytest.fixture
def published_basic(basic):
    assert main(["--root", str(basic.root), "build"]) == 0
    return basic, snapshot(basic.site_dir)


def test_cite_prints_the_sentence_holding_the_words_and_its_output_pasted_passes_the_check(basic, capsys):
    code = main(["--root", str(basic.root), "cite", "serious-50-minute-conversation", 'a "good background"'])
    out = capsys.readouterr().out
    assert code == 0
    assert out == (
        "# seeds/serious-50-minute-conversation.md line 31\n"
        "- source: serious-50-minute-conversation\n"
        '  quote: "Kremlin assistant Yuri Ushakov said the call provided a “good background” for future talks."\n'
    )
    lines = (basic.seeds_dir / "serious-50-minute-conversation.md").read_text(encoding="utf-8").splitlines()
    assert "“good background”" in lines[31 - 1]
    # Pasted under `citations:` of a new fact, as printed (the comment line too), it passes the check.
    indented = "".join(f"  {line}\n" for line in out.splitlines())
    (basic.facts_dir / "positions" / "ushakov-good-background.yaml").write_text(
        "id: ushakov-good-background\nactor: yuri-ushakov\ntopic: sanctions\n"
        'stance: "Ushakov said the call gave a good background for future talks."\n'
        "voice: described\ncitations:\n" + indented,
        encoding="utf-8",
    )
    code, report = run_check(basic.root, capsys)
    assert code == 0 and "ok: 2 sources, 5 actors, 2 events, 1 topics, 3 positions" in report


def test_cite_prints_every_passage_and_says_when_there_are_more(basic, capsys):
    assert main(["--root", str(basic.root), "cite", "serious-50-minute-conversation", "Ushakov"]) == 0
    out = capsys.readouterr().out
    assert out.count("- source: serious-50-minute-conversation\n") == 2 and "\n\n# seeds/" in out
    assert main(["--root", str(basic.root), "cite", "serious-50-minute-conversation", "the"]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("- source: ") == 10 and "give more words" in captured.err


def test_cite_names_the_nearest_sources_or_the_closest_passage(basic, capsys):
    assert main(["--root", str(basic.root), "cite", "serious-conversation", "good background"]) == 1
    err = capsys.readouterr().err
    assert "no source with id 'serious-conversation' [unknown-reference]" in err
    assert "did you mean 'serious-50-minute-conversation'?" in err
    assert main(["--root", str(basic.root), "cite", "serious-50-minute-conversation", "good backround"]) == 1
    captured = capsys.readouterr()
    assert "no passage of seeds/serious-50-minute-conversation.md holds 'good backround'" in captured.err
    assert "“good background” for future talks." in captured.out


# Conventions (issue 17): global options after the subcommand, usage errors, exit codes in --help, progress on a
# terminal only, shell completion; and the fact sheet found from any folder inside it (issue 16).


def test_root_is_accepted_before_and_after_the_subcommand(basic, capsys):
    assert main(["check", "--root", str(basic.root)]) == 0
    assert main(["--root", str(basic.root), "check", "--strict"]) == 0
    assert capsys.readouterr().out.count("ok: 2 sources") == 2
    # Given after the subcommand, it wins over one given before (the nearer one).
    assert main(["--root", str(basic.root / "facts"), "check", "--root", str(basic.root)]) == 0


def test_the_fact_sheet_is_found_from_any_folder_inside_it(basic, monkeypatch, capsys):
    for folder in (basic.facts_dir, basic.facts_dir / "topics", basic.seeds_dir, basic.root):
        monkeypatch.chdir(folder)
        assert main(["check"]) == 0, folder
        assert "ok: 2 sources" in capsys.readouterr().out
    # Found from facts/topics: a problem there is still reported at its path from the fact sheet's folder.
    path = basic.facts_dir / "topics" / "sanctions.yaml"
    path.write_text(path.read_text().replace("unprecedented sanctions", "unprecedented penalties"))
    monkeypatch.chdir(basic.facts_dir / "topics")
    assert main(["check"]) == 1
    assert "facts/topics/sanctions.yaml:6:12: error: quote not found" in capsys.readouterr().err


def test_a_fact_sheet_without_its_own_file_is_still_found_and_told_what_is_missing(basic, monkeypatch, capsys):
    (basic.facts_dir / "factsheet.yaml").unlink()
    monkeypatch.chdir(basic.seeds_dir)
    assert main(["check"]) == 1
    assert "facts/factsheet.yaml:0:0" in capsys.readouterr().err


def _one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_outside_a_fact_sheet_is_a_one_line_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for command in (["check"], ["build"], ["generate"], ["stats"]):
        assert main(command) == 2
        line = _one_line(capsys.readouterr().err)
        assert line.startswith(f"factsheet: {tmp_path} is not in a fact sheet")
        assert "run it inside a fact sheet's folder or pass --root" in line
    assert not list(tmp_path.iterdir()), "nothing is written outside a fact sheet"


def test_root_is_used_exactly_and_a_folder_that_is_not_a_fact_sheet_is_a_usage_error(basic, tmp_path, capsys):
    # facts/ is inside a fact sheet, but --root says where the fact sheet is: no walking up from it.
    assert main(["check", "--root", str(basic.facts_dir)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert f"--root {basic.facts_dir} is not a fact sheet's folder" in line and "pass the folder that holds" in line
    assert main(["check", "--root", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in _one_line(capsys.readouterr().err)


def test_help_documents_the_exit_codes(capsys):
    for argv in (["--help"], ["check", "--help"], ["generate", "--help"]):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 0
        out = capsys.readouterr().out
        assert "exit status:" in out and "--root FOLDER" in out
        for code, words in (("0", "no problems"), ("1", "problems in the facts"), ("2", "wrong usage"), ("3", "a bug")):
            assert re.search(rf"^  {code}  .*{words}", out, re.M), (argv, code)


def test_generate_writes_the_pages_and_data_without_building_html(basic, capsys):
    assert main(["generate", "--root", str(basic.root)]) == 0
    out = capsys.readouterr().out
    assert re.match(r"generated (\d+) pages and (\d+) data files into generated/", out), out
    pages = int(out.split()[1])
    assert len(list(basic.docs_dir.rglob("*.md"))) == pages
    assert (basic.docs_dir / "index.md").is_file() and (basic.docs_dir / "data" / "facts.json").is_file()
    assert not basic.site_dir.exists(), "generate builds no HTML"
    # Bad input stops it like a build: located problem, exit 1.
    (basic.facts_dir / "actors" / "joe-biden.yaml").write_text("id: joe-biden\nname: [\n")
    assert main(["generate", "--root", str(basic.root)]) == 1
    assert "yaml-syntax" in capsys.readouterr().err


def test_the_pipeline_reports_its_stages_and_counts(basic):
    from generator.pipeline import build
    from generator.progress import Stage, Step

    steps: list[Step] = []
    generated, _ = build(basic, progress=steps.append)
    assert [s.stage for s in steps if s.done == 0] == [Stage.CHECK, Stage.RENDER, Stage.WRITE, Stage.SITE, Stage.SITE]
    pages = len(generated.pages)
    site = [s for s in steps if s.stage is Stage.SITE and s.total]
    assert [s.done for s in site] == list(range(pages + 1)) and {s.total for s in site} == {pages}
    written = [s for s in steps if s.stage is Stage.WRITE]
    assert written[-1].done == written[-1].total == pages + len(generated.exports)


def _run_factsheet(args: list[str], *, stderr_terminal: bool) -> tuple[int, str, str]:
    """Run the command in a child process, its stderr a terminal (a pseudo-terminal) or a pipe."""
    import pty

    command = [sys.executable, "-m", "generator", *args]
    if not stderr_terminal:
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        return result.returncode, result.stdout, result.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=follower) as child:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        out = child.stdout.read().decode() if child.stdout else ""
        code = child.wait(timeout=300)
    os.close(leader)
    return code, out, b"".join(chunks).decode()


def test_progress_shows_on_a_terminal_and_nowhere_else(basic):
    code, out, err = _run_factsheet(["build", "--root", str(basic.root)], stderr_terminal=True)
    assert code == 0 and out.startswith("built ")
    for stage in ("checking facts and seeds", "rendering pages", "writing pages and data files"):
        assert stage in err, err
    pages = len(list(basic.docs_dir.rglob("*.md")))
    assert f"building the HTML: {pages} of {pages}" in err
    assert err.endswith("\r\x1b[K"), "the progress line is wiped at the end"

    code, out, err = _run_factsheet(["build", "--root", str(basic.root)], stderr_terminal=False)
    assert code == 0 and out.startswith("built ")
    assert err == "", "not on a terminal: no progress"


def _bash_completions(script: Path, *words: str) -> list[str]:
    """What bash offers for the last word after `words`, with the script loaded."""
    quoted = " ".join(f"'{w}'" for w in words)
    probe = (
        f"source '{script}'; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; "
        "_shtab_factsheet; printf '%s\\n' \"${COMPREPLY[@]}\""
    )
    result = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30, check=True)
    return result.stdout.split()


def test_completion_scripts_complete_commands_options_and_folders(tmp_path, monkeypatch, capsys):
    assert main(["completion", "bash"]) == 0, "works outside a fact sheet"
    script = tmp_path / "factsheet.bash"
    script.write_text(capsys.readouterr().out)
    assert set(_bash_completions(script, "factsheet", "")) >= {"check", "build", "generate", "serve", "completion"}
    assert _bash_completions(script, "factsheet", "gen") == ["generate"]
    assert "--root" in _bash_completions(script, "factsheet", "check", "--r")
    kinds = ["actor", "event", "topic", "position", "claim", "source"]
    assert _bash_completions(script, "factsheet", "new", "") == kinds
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "a-file.txt").write_text("")
    monkeypatch.chdir(tmp_path)
    assert _bash_completions(script, "factsheet", "check", "--root", "a-") == ["a-folder"], "folders only"

    assert main(["completion", "zsh"]) == 0
    zsh = capsys.readouterr().out
    assert zsh.startswith("#compdef factsheet") and "generate" in zsh and "--root" in zsh
    if shutil.which("zsh"):
        check = subprocess.run(["zsh", "-n"], input=zsh, capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr
