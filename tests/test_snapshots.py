"""Golden files: the generated Markdown of the basic fixture, page by page.

After an intended change to templates or the context, run `make snapshots` and review the diff.
"""

from pathlib import Path

from generator.pipeline import render

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "basic"


def test_generated_markdown_matches_snapshots(basic, update_snapshots):
    _, pages = render(basic)
    if update_snapshots:
        for old in SNAPSHOTS.rglob("*.md"):
            old.unlink()
        for path, text in pages.items():
            (SNAPSHOTS / path).parent.mkdir(parents=True, exist_ok=True)
            (SNAPSHOTS / path).write_text(text, encoding="utf-8")
    stored = {p.relative_to(SNAPSHOTS).as_posix(): p.read_text(encoding="utf-8") for p in SNAPSHOTS.rglob("*.md")}
    assert sorted(stored) == sorted(pages), "pages added or removed: run `make snapshots` and review"
    for path, text in pages.items():
        assert text == stored[path], f"{path} differs from its snapshot: run `make snapshots` and review the diff"


def test_rendering_is_deterministic(basic):
    assert render(basic)[1] == render(basic)[1]
