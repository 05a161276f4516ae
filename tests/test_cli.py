"""The command line: exit codes, located messages, and a failed build that keeps the old site."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
