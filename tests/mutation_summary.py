"""The last `make mutate` run in numbers: mutants per module and outcome, then every one not killed.

Reads mutmut's result files (mutants/generator/**/*.py.meta: one per mutated module, in every stage
package); mutants outside the run's selection are "not checked" and left out.
Usage: python -m tests.mutation_summary [SECONDS_TAKEN]
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

COLUMNS = ("killed", "survived", "timeout", "no tests", "suspicious")


def main(argv: list[str]) -> int:
    counts: dict[str, Counter[str]] = {}
    not_killed: list[tuple[str, str]] = []
    package = Path("mutants", "generator")
    for meta in sorted(package.rglob("*.py.meta")):
        exit_codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        for name, code in sorted(exit_codes.items(), key=lambda item: _natural(item[0])):
            status = status_by_exit_code[code]
            if status == "not checked":
                continue
            module = meta.relative_to(package).as_posix().removesuffix(".py.meta").replace("/", ".")
            counts.setdefault(module, Counter())[status] += 1
            if status != "killed":
                not_killed.append((name, status))
    if not counts:
        print("no mutation results in mutants/: run `make mutate` first")
        return 1
    taken = f", {int(argv[0]) // 60} min {int(argv[0]) % 60} s" if argv else ""
    print(f"\nmutation testing, {dt.date.today().isoformat()}{taken}\n")
    others = sorted({s for c in counts.values() for s in c} - set(COLUMNS))
    header = ("module", *COLUMNS, *others, "total")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for module, c in counts.items():
        print("| " + " | ".join([module, *(str(c[s]) for s in (*COLUMNS, *others)), str(c.total())]) + " |")
    for name, status in not_killed:
        print(f"{status}: {name}  (mutmut show {name})")
    return 0


def _natural(name: str) -> tuple[str, int]:
    base, _, number = name.rpartition("__mutmut_")
    return base, int(number) if number.isdigit() else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
