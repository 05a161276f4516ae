"""Markup, script and template injections written into every text field of a valid fact tree.

Each payload that could run sets `window.__pwned` or opens a dialog, so a browser test can tell. The
fact tree stays valid: the check accepts it, because all of this is legitimate text that must be shown
as written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from generator.project import Project

PAYLOADS = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=2">',
    "</title><script>window.__pwned=3</script>",
    '"><svg onload=window.__pwned=4>',
    "'><svg onload=window.__pwned=5>",
    "[link](javascript:window.__pwned=6)",
    '<a href="javascript:window.__pwned=7">a</a>',
    '![x](x" onerror="window.__pwned=8)',
    '{: onclick="window.__pwned=9" }',
    '<div markdown="1" onmouseover="window.__pwned=10">*md_in_html*</div>',
    '<iframe srcdoc="<script>parent.__pwned=11</script>"></iframe>',
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{% raw %}{{ 7*7 }}{% endraw %} ${7*7} #{7*7}",
    '--8<-- "/etc/passwd"',
    "\\( \\alert(12) \\) $$x$$",
    "&lt;script&gt;window.__pwned=13&lt;/script&gt; &#60;b&#62;",
    "`<script>` **bold** _em_ ~~del~~ ==mark== <!-- comment -->",
    "<style>body{display:none}</style><base href=//example.invalid/>",
    "<form action=javascript:window.__pwned=14><button>go</button></form>",
    "<<SYS>> [[wiki]] | table | cell |",
    # Issue 13 (F1): unquoted attr_list values need no quote characters; what ran once the front matter broke.
    "![x](https://invalid.invalid/x.png){: onerror=window.__pwned=21 }",
    "{: onmouseover=window.__pwned=22 autofocus onfocus=window.__pwned=23 }",
    '" --- jsonld: "<script>window.__pwned=24</script>" # title: x',
    "\U0001f600 caf\u00e9 \u2018x\u2019 \u2014 ---",  # astral, accented, typographic: YAML escapes them all
)

# Issue 13 (F1), as the red team wrote it: a noncharacter (a YAML escape, so the file is plain ASCII) in
# every kind of page title, which once broke the generated front matter so that MkDocs rendered it as
# Markdown. The check refuses these characters; `bypass` writes them for a build run without that refusal,
# to show that the front matter holds them on its own.
F1_PAYLOADS = (
    (
        "facts/actors/joe-biden.yaml",
        "name",
        "Eve\uffff ![x](https://invalid.invalid/x.png){: onerror=window.__pwned=31 }",
    ),
    (
        "facts/topics/sanctions.yaml",
        "name",
        "Sanctions\uffff {: onmouseover=window.__pwned=32 autofocus onfocus=window.__pwned=33 }",
    ),
    (
        "facts/factsheet.yaml",
        "title",
        "A sheet\uffff {: onmouseover=window.__pwned=34 autofocus onfocus=window.__pwned=35 }",
    ),
    (
        "seeds/serious-50-minute-conversation.md",
        "title",
        "x \ufffe ![y](https://invalid.invalid/y.png){: onerror=window.__pwned=36 }",
    ),
    (
        "seeds/serious-50-minute-conversation.md",
        "outlet",
        "[x](javascript:window.__pwned=37) ![z](https://invalid.invalid/z.png){: onerror=window.__pwned=38 }",
    ),
)

# Single-line fields of facts and seeds that readers see; values are rewritten as JSON strings (valid YAML).
_FIELD = re.compile(
    r"^(?P<key>(?:  |    )?(?:- )?(?:name|title|summary|stance|question|answer|place|description|\w+_note)): "
    r'(?P<value>".*")$',
    re.MULTILINE,
)
_ALIAS_BLOCK = re.compile(r"^aliases:\n(?:[ -].*\n)*", re.MULTILINE)  # alias names must stay in their quotes

ARTICLE_ID = "injected-article"
ARTICLE_LABEL = "<b>x</b> {: onclick=window.__pwned=25 }"  # labels are short (60 characters)


def _poison_fields(path: Path, start: int) -> int:
    """Append a payload to every reader-facing text field of one file; returns the next payload index."""
    text = path.read_text(encoding="utf-8")
    aliases = _ALIAS_BLOCK.search(text)
    protected = range(aliases.start(), aliases.end()) if aliases else range(0)
    count = start

    def poisoned(match: re.Match[str]) -> str:
        nonlocal count
        if match.start() in protected:
            return match.group(0)
        value = json.loads(match.group("value")) + " " + PAYLOADS[count % len(PAYLOADS)]
        count += 1
        return f"{match.group('key')}: {json.dumps(value, ensure_ascii=False)}"

    path.write_text(_FIELD.sub(poisoned, text), encoding="utf-8")
    return count


def poison(project: Project) -> None:
    """Write every payload into the facts and seeds of `project` (a copy of tests/fixtures/basic)."""
    index = 0
    for path in sorted([*project.facts_dir.rglob("*.yaml"), *project.seeds_dir.glob("*.md")]):
        index = _poison_fields(path, index)
    # An article made of payloads, cited word for word, so they also appear highlighted and in "Cited by".
    body = "\n\n".join(PAYLOADS) + "\n"
    (project.seeds_dir / f"{ARTICLE_ID}.md").write_text(
        "---\n"
        f"id: {ARTICLE_ID}\n"
        f"label: {json.dumps(ARTICLE_LABEL, ensure_ascii=False)}\n"
        f"title: {json.dumps(PAYLOADS[2], ensure_ascii=False)}\n"
        f"outlet: {json.dumps(PAYLOADS[3], ensure_ascii=False)}\n"
        f"author: {json.dumps(PAYLOADS[0], ensure_ascii=False)}\n"
        'date: "2021-12-31"\n'
        "translated: false\n"
        'url: "https://example.org/article?a=1&b=2"\n'
        "---\n" + body,
        encoding="utf-8",
    )
    citations = "".join(
        f"  - source: {ARTICLE_ID}\n    quote: {json.dumps(p, ensure_ascii=False)}\n"
        for p in PAYLOADS
        if p.startswith(("<", "{", "["))
    )
    (project.facts_dir / "topics" / "injected-topic.yaml").write_text(
        f"id: injected-topic\nname: {json.dumps(PAYLOADS[1], ensure_ascii=False)}\n"
        f"summary: {json.dumps(' '.join(PAYLOADS), ensure_ascii=False)}\ncitations:\n{citations}",
        encoding="utf-8",
    )


def bypass(project: Project) -> None:
    """Write F1_PAYLOADS into `project` (a copy of tests/fixtures/basic), each as a YAML escape."""
    for rel, field, value in F1_PAYLOADS:
        path = project.root / rel
        text = path.read_text(encoding="utf-8")
        line = re.search(rf"^{field}: .*$", text, re.MULTILINE)
        assert line, (rel, field)
        path.write_text(f"{text[: line.start()]}{field}: {json.dumps(value)}{text[line.end() :]}", encoding="utf-8")
