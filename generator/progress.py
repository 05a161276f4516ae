"""How far a long run has come: the pipeline tells a listener each stage it starts and, where it can count,
how much of it is done. Library code only calls the listener; the command line decides whether to show it
(on a terminal) and how."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Stage(Enum):
    CHECK = "checking facts and seeds"
    RENDER = "rendering pages"
    WRITE = "writing pages and data files"
    SITE = "building the HTML"
    BUNDLE = "building the offline bundles"


@dataclass(frozen=True)
class Step:
    stage: Stage
    done: int = 0
    """How many of the stage's items are done."""
    total: int = 0
    """How many items the stage has; 0 when it does not count (then `done` is 0 too)."""


Progress = Callable[[Step], None]


def quiet(step: Step) -> None:
    """The listener that ignores every step (the default)."""
