"""Hostile but valid input stays within time and memory (docs/security.md, "Bounds on input"): the red team's
slow cases (review F5, F6) at the largest size the bounds allow, each run as the command in its own process
under a bound on CPU time (other processes on the machine do not count) and on peak memory."""

from __future__ import annotations

import json
import subprocess
import sys

from generator.checks.fact_file import MAX_PARAGRAPHS
from generator.checks.validate import HINTS_PER_RUN
from generator.inputs.load import MAX_SEED_BYTES
from generator.project import Project

_HEAD = '---\nid: {id}\nlabel: "{id}"\ntitle: "t"\noutlet: "o"\nauthor: "a"\ndate: "2021-12-31"\ntranslated: false\n'
_HEAD += 'url: "https://example.org/a"\n---\n'


def _seed(project: Project, source_id: str, body: str) -> None:
    text = _HEAD.format(id=source_id) + body + "\n"
    assert len(text.encode()) <= MAX_SEED_BYTES, "within the bound: valid input"
    (project.seeds_dir / f"{source_id}.md").write_text(text)


def _topic(project: Project, topic_id: str, citations: list[tuple[str, str]]) -> None:
    cited = "".join(f"  - source: {s}\n    quote: {json.dumps(q)}\n" for s, q in citations)
    (project.facts_dir / "topics" / f"{topic_id}.yaml").write_text(f'id: {topic_id}\nname: "t"\ncitations:\n{cited}')


def _run(project: Project, *command: str) -> tuple[int, str, float, int]:
    """Exit status, stdout, CPU seconds and peak memory (MiB) of `factsheet <command>` in a process of its own
    (worker processes it waited for included)."""
    probe = (
        "import resource, sys\n"
        "from generator.commands.cli import main\n"
        "code = main(['--root', sys.argv[1], *sys.argv[2:]])\n"
        "me, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "cpu = me.ru_utime + me.ru_stime + workers.ru_utime + workers.ru_stime\n"
        "print(f'{cpu} {max(me.ru_maxrss, workers.ru_maxrss)}', file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    try:  # a regression to the old quadratic work would take many minutes: fail after two
        result = subprocess.run(
            [sys.executable, "-c", probe, str(project.root), *command], capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"factsheet {' '.join(command)} ran over two minutes") from None
    cpu, rss = result.stderr.splitlines()[-1].split()
    return result.returncode, result.stdout, float(cpu), int(rss) // 1024


def test_hundreds_of_misquotes_in_the_largest_articles_are_checked_in_seconds(basic):
    """F5: every quote not found searched for its closest passage. 13 quotes of 3,000 characters that miss
    in an article of one repeated word (47 s each before), 12 near misses of 330 words (18 s each at 400), and 300
    short misses (164 s in all): now seconds, and the hints of the first ones still point at the change."""
    words = [f"w{i:06d}x" for i in range(MAX_SEED_BYTES // 9 - 100)]
    _seed(basic, "repeated", " ".join(["a"] * (MAX_SEED_BYTES // 2 - 200)))
    _seed(basic, "distinct", " ".join(words))
    near = [" ".join([*words[:130], "CHANGED", *words[131:330]])]
    near += [" ".join(words[k * 1000 : k * 1000 + 330]).replace(words[k * 1000 + 7], "changed") for k in range(1, 12)]
    _topic(basic, "a-hard", [("repeated", "a " * 1499 + "b")] * 13 + [("distinct", q) for q in near])
    _topic(basic, "b-many", [("distinct", f"zz{i} {words[i * 97]} yy{i}") for i in range(300)])

    code, out, cpu, memory = _run(basic, "check", "--no-cache", "--format", "json")
    assert code == 1
    assert cpu < 15, f"{cpu:.1f} s of CPU"  # 1.3 s here; before, minutes
    assert memory < 200, f"{memory} MiB"  # 53 MiB here
    missed = [d for d in json.loads(out) if d["code"] == "quote-not-found"]
    assert len(missed) == 325
    hints = [d["hint"] for d in sorted(missed, key=lambda d: (d["path"], d["line"]))]
    assert all(h.startswith("copy the words exactly") for h in hints[:13]), "nothing to point at: no hint"
    assert "[-CHANGED-]{+w000130x+}" in hints[13] and "first difference" in hints[13]
    assert "[-changed-]{+w001007x+}" in hints[14]
    searched, rest = hints[:HINTS_PER_RUN], hints[HINTS_PER_RUN:]
    assert any(h.startswith("closest passage") for h in searched[25:])
    assert all(f"for the first {HINTS_PER_RUN} quotes not found" in h for h in rest)


def test_the_largest_article_allowed_builds_in_bounded_time_and_memory(basic):
    """F6 (D-07: twenty 2 MB seeds took 1 GB, and MkDocs' work on a page grows with its paragraphs times its
    length): a seed at both bounds, size and paragraphs, with a quote cited, builds within bounds."""
    line = "word " * (MAX_SEED_BYTES // MAX_PARAGRAPHS // 5 - 2)
    paragraphs = [f"{i} {line}".strip() for i in range(MAX_PARAGRAPHS)]
    _seed(basic, "largest", "\n\n".join(paragraphs)[: MAX_SEED_BYTES - 400].rsplit("\n", 1)[0])
    _topic(basic, "on-the-largest", [("largest", paragraphs[1000])])
    code, _, cpu, memory = _run(basic, "build", "--no-cache")
    assert code == 0
    assert cpu < 30, f"{cpu:.1f} s of CPU"  # 3 s here
    assert memory < 300, f"{memory} MiB"  # 58 MiB here
    page = (basic.site_dir / "sources" / "largest" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="fs-paragraph"') > MAX_PARAGRAPHS * 0.9 and "<mark" in page


def test_a_seed_beyond_the_bounds_is_refused_before_any_work(basic):
    """What the red team sent (2 MB of articles) is refused at once, located, instead of taking minutes."""
    (basic.seeds_dir / "huge.md").write_text(_HEAD.format(id="huge") + "a " * 1_000_000)
    code, out, cpu, _ = _run(basic, "check", "--no-cache", "--format", "json")
    assert code == 1 and cpu < 10
    (found,) = [d for d in json.loads(out) if d["path"] == "seeds/huge.md"]
    assert (found["code"], found["line"]) == ("file-too-large", 1)
