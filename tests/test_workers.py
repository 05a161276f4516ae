"""Work spread over processes: same results as in one process, in order, errors reported the same way."""

from __future__ import annotations

import gc
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest

from generator import cache, pipeline, workers
from generator.cache import FileCache, read_record
from generator.checks import validate
from generator.diagnostics import DiagnosticError
from generator.inputs.load import load_project
from generator.pages import render
from generator.pages.context import build_pages
from generator.pages.export import KEPT_RECORD
from generator.pipeline import check, generate
from generator.pipeline import render as render_site
from generator.project import Project

from .conftest import FIXTURES, copy_tree
from .test_incremental import files

EXPECTED = (FIXTURES / "broken" / "expected-diagnostics.txt").read_text(encoding="utf-8").splitlines()


def pid_of(_: int) -> int:
    time.sleep(0.02)  # long enough that both workers get chunks to do
    return os.getpid()


def test_spread_keeps_item_order_across_processes():
    assert workers.spread(lambda i: i * i, range(50), jobs=2) == [i * i for i in range(50)]
    pids = set(workers.spread(pid_of, range(40), jobs=2))
    assert len(pids) == 2 and os.getpid() not in pids, "the work ran in two worker processes"


def test_spread_stays_in_this_process_for_few_items_or_with_threads_running():
    assert set(workers.spread(pid_of, range(10), jobs=2, min_per_job=10)) == {os.getpid()}
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:  # as under `factsheet serve`: forking now could copy a lock another thread holds
        assert set(workers.spread(pid_of, range(40), jobs=2)) == {os.getpid()}
    finally:
        stop.set()
        other.join()


def fail_on_seven(i: int) -> int:
    if i == 7:
        raise ValueError("seven")
    return i


def test_an_error_in_a_worker_is_raised_here_as_itself():
    with pytest.raises(ValueError, match="seven"):
        workers.spread(fail_on_seven, range(20), jobs=2)


@pytest.fixture
def every_file_shared(monkeypatch):
    monkeypatch.setattr(validate, "_FILES_PER_JOB", 1)
    monkeypatch.setattr(render, "_PAGES_PER_JOB", 1)


def test_parallel_check_reports_exactly_what_a_serial_check_does(every_file_shared):
    project = Project.at(FIXTURES / "broken")
    parallel = [d.format(project.root) for d in check(project, cache=False, jobs=2).diagnostics]
    assert parallel == [line.replace("\\n", "\n") for line in EXPECTED]


def test_parallel_check_fills_the_cache_as_a_serial_one(basic, tmp_path, monkeypatch, every_file_shared):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setattr(cache, "_RACY_NS", 0)  # trust the stat of files written a moment ago
    cold = check(basic, jobs=2)
    files = FileCache.for_project(basic.root)
    loaded = load_project(basic, files, defer=True)
    assert all(getattr(d, "cached", False) for d in loaded.documents), "the workers' results were all cached"
    warm = validate.check(loaded, files, jobs=1)
    assert warm.diagnostics == cold.diagnostics
    assert warm.facts == cold.facts


def test_parallel_render_writes_the_same_pages(basic, every_file_shared):
    facts = check(basic, cache=False).facts
    serial = render.render_pages(build_pages(facts), basic.templates_dir, jobs=1)
    assert render.render_pages(build_pages(facts), basic.templates_dir, jobs=2) == serial


def test_data_exports_made_in_a_worker_beside_the_pages_are_the_ones_made_here(
    tmp_path, monkeypatch, every_file_shared
):
    """The exports are a job of their own in the render's workers: the same files and the same record of
    their pieces as when everything is made in this process, in a first build and after an edit."""
    where = tmp_path / "made by"
    make = pipeline._Exports.make
    monkeypatch.setattr(pipeline._Exports, "make", lambda self: (where.write_text(str(os.getpid())), make(self))[1])
    spread, here = copy_tree("basic", tmp_path / "spread"), copy_tree("basic", tmp_path / "here")
    for step in ("first", "after an edit"):
        if step == "after an edit":
            for project in (spread, here):
                position = project.root / "facts/positions/biden-threatens-sanctions.yaml"
                text = re.sub(r"(?m)^stance: .*$", 'stance: "Edited stance"', position.read_text(encoding="utf-8"))
                position.write_text(text, encoding="utf-8")
        generate(spread, jobs=2)
        assert int(where.read_text()) != os.getpid(), "made in a worker"
        generate(here, jobs=1)
        assert int(where.read_text()) == os.getpid()
        assert files(spread.docs_dir) == files(here.docs_dir), step
        # The pieces of each file, as numbered keys (a key hashes its fact's file path: each copy has its own).
        kept, kept_here = read_record(spread.root, KEPT_RECORD), read_record(here.root, KEPT_RECORD)
        assert isinstance(kept, dict) and isinstance(kept_here, dict)
        assert kept["files"] == kept_here["files"] and len(kept["keys"]) == len(kept_here["keys"]) > 0


def test_an_export_that_fails_in_a_worker_is_raised_as_itself_not_as_a_template_error(
    basic, monkeypatch, every_file_shared
):
    def fails() -> bytes:
        raise ValueError("an export failed")

    monkeypatch.setattr(pipeline, "makers", lambda facts, kept=None: {"data/facts.json": fails})
    for jobs in (2, 1):
        with pytest.raises(ValueError, match="an export failed"):
            render_site(basic, cache=False, jobs=jobs, exported={})


def slow_first(i: int) -> int:
    time.sleep(0.5 if i == 0 else 0.01)
    return os.getpid()


def test_an_item_sent_alone_does_not_hold_up_the_items_after_it():
    pids = workers.spread(slow_first, range(41), jobs=2, alone=1)
    assert pids[0] != pids[1], "the next items went to the other worker while the first one worked"
    assert workers.spread(lambda i: i * i, range(41), jobs=2, alone=3) == [i * i for i in range(41)]


def test_a_template_error_in_a_worker_is_a_diagnostic(tmp_path: Path, every_file_shared):
    project = copy_tree("basic", tmp_path / "basic")
    actor = project.templates_dir / "actor.md.j2"
    actor.write_text(actor.read_text(encoding="utf-8") + "{{ no_such_name }}\n", encoding="utf-8")
    with pytest.raises(DiagnosticError) as raised:
        render_site(project, cache=False, jobs=2)
    assert "no_such_name" in raised.value.diagnostics[0].message


PARENT = os.getpid()


def die_in_a_worker(i: int) -> int:
    if i == 3 and os.getpid() != PARENT:
        os._exit(9)  # as if the kernel killed it (out of memory)
    return i


def test_a_dead_worker_means_the_work_is_redone_here_not_a_hang():
    assert workers.spread(die_in_a_worker, range(20), jobs=2) == list(range(20))


# The cyclic garbage collector and the fact base ---------------------------------------------------------


def _collections(run: Callable[[], object]) -> int:
    """How many cyclic collections `run` triggered, with the collector eager (every 100 new objects)."""
    count = 0

    def heard(phase: str, _info: dict) -> None:
        nonlocal count
        count += phase == "start"

    threshold = gc.get_threshold()
    gc.collect()  # the count of new objects starts from 0
    gc.callbacks.append(heard)
    gc.set_threshold(100)
    try:
        run()
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(heard)
    return count


def test_what_is_made_apart_is_made_without_collections_and_kept_out_of_the_collectors_sight():
    assert _collections(lambda: [[] for _ in range(1000)]) > 0  # the probe hears collections
    made: list[list[list[int]]] = []
    before = gc.get_freeze_count()

    def inside() -> None:
        with workers.made_apart(lambda: [[i] for i in range(1000)]) as value:
            made.append(value)
            assert gc.get_freeze_count() >= before + 1000  # frozen with everything else alive then
            assert gc.isenabled()

    assert _collections(inside) == 0  # neither while it was made nor when the collector ran again
    assert made[0] == [[i] for i in range(1000)]
    assert gc.get_freeze_count() == before  # given back after
    gc.disable()
    try:
        with workers.made_apart(list):
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_the_pages_are_rendered_with_the_fact_base_out_of_the_collectors_sight(basic):
    frozen: list[int] = []
    real = pipeline.render_changed

    def watched(*args, **kwargs):
        frozen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    before = gc.get_freeze_count()
    with mock.patch.object(pipeline, "render_changed", side_effect=watched):
        generate(basic)
    result = check(basic)
    assert frozen and frozen[0] >= before + len(result.facts.positions)  # the fact base among them
    assert gc.get_freeze_count() == before  # given back after
