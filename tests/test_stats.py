from generator.pages.stats import compute
from generator.pipeline import check


def test_uncited_paragraphs_are_listed_with_file_lines(basic):
    stats = compute(check(basic).facts)
    assert stats.counts == {"sources": 2, "actors": 5, "events": 2, "topics": 1, "positions": 2, "claims": 1}
    serious = next(s for s in stats.sources if s.source_id == "serious-50-minute-conversation")
    assert serious.paragraphs == 31 and serious.boilerplate == 0
    first = next(p for p in serious.uncited if p.number == 5)
    assert first.text == "The call was requested by Mr Putin."
    assert 1 in [p.number for p in serious.uncited]  # the headline: not cited in this fixture
    seed_lines = (basic.seeds_dir / "serious-50-minute-conversation.md").read_text().split("\n")
    assert seed_lines[first.line - 1] == first.text
    assert serious.cited + len(serious.uncited) == serious.paragraphs


def test_boilerplate_is_not_counted_and_must_exist(basic):
    seed = basic.seeds_dir / "serious-50-minute-conversation.md"
    text = seed.read_text()
    seed.write_text(text.replace("original_file:", 'boilerplate:\n  - "Leave a Comment"\noriginal_file:', 1))
    stats = compute(check(basic).facts)
    serious = next(s for s in stats.sources if s.source_id == "serious-50-minute-conversation")
    assert serious.boilerplate == 1
    assert "Leave a Comment" not in [p.text for p in serious.uncited]

    seed.write_text(text.replace("original_file:", 'boilerplate:\n  - "Leave no comment"\noriginal_file:', 1))
    codes = [(d.code.value, d.where.path.name) for d in check(basic).diagnostics]
    assert codes == [("invalid-value", "serious-50-minute-conversation.md")]


def test_stats_command_prints_coverage(basic, capsys):
    from generator.commands.cli import main

    assert main(["--root", str(basic.root), "stats"]) == 0
    out = capsys.readouterr().out
    assert "positions      2" in out
    assert "seeds/serious-50-minute-conversation.md:" in out and "paragraph 5: The call was requested" in out
