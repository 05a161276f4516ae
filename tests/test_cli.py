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

from generator.cli import main


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


def test_check_does_not_import_mkdocs(basic):
    probe = (
        "import sys; from generator.cli import main; code = main(['--root', sys.argv[1], 'check']); "
        "assert not [m for m in sys.modules if m.startswith('mkdocs')], 'mkdocs imported'; sys.exit(code)"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(basic.root)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


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

    from generator.cli import _show_mkdocs_warnings

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

    monkeypatch.setattr("generator.publish.tempfile.mkdtemp", read_only)
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
    # 512 KiB, less than reading and folding a 420 KB article needs.
    probe = (
        "import resource, sys\n"
        "from generator.cli import main\n"
        "import generator.pipeline, generator.validate, generator.load, generator.workers\n"
        "from generator.cli import parser; parser()\n"  # the command line's own objects made before the cap
        "size = int(open('/proc/self/statm').read().split()[0]) * resource.getpagesize() + 2**19\n"
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
