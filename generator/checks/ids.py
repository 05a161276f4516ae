"""Did you mean: the ids nearest a mistyped one, compared with a bounded number of the ids of its kind."""

from __future__ import annotations

import bisect
import typing

from rapidfuzz import fuzz, process, utils


def _did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    # rapidfuzz's ratio is difflib's similarity, computed in C: cheap even over a few thousand choices.
    close = process.extract(word, list(choices), scorer=fuzz.ratio, limit=3, score_cutoff=60)
    return f"did you mean {' or '.join(repr(c) for c, _, _ in close)}?" if close else ""


NEAR_IDS = 100  # "did you mean" for an unknown id compares it with at most this many ids of its kind


class _NearIds:
    """The ids of one kind, sorted as written and as written backwards. The ids nearest an unknown one in
    either order (those sharing the longest beginning or end with it: a typo leaves one of them intact)
    are the candidates for "did you mean", so each unknown reference costs the same however many ids there are.
    """

    def __init__(self, ids: typing.Iterable[str]) -> None:
        self.forward = sorted(ids)
        self.backward = sorted(i[::-1] for i in self.forward)

    def candidates(self, word: str) -> list[str]:
        if len(self.forward) <= NEAR_IDS:
            return self.forward
        half = NEAR_IDS // 4
        at = bisect.bisect(self.forward, word)
        near = set(self.forward[max(0, at - half) : at + half])
        at = bisect.bisect(self.backward, word[::-1])
        near.update(i[::-1] for i in self.backward[max(0, at - half) : at + half])
        return sorted(near)

    def suggest(self, word: str) -> str:
        return _did_you_mean(word, self.candidates(word))

    def nearest(self, word: str, limit: int) -> list[str]:
        """The `limit` ids sharing most words with `word` (hyphens as spaces), nearest first, then by id."""
        scored = process.extract(
            word, self.candidates(word), scorer=fuzz.token_set_ratio, processor=utils.default_process, limit=None
        )
        return [c for c, _, _ in sorted(scored, key=lambda x: (-x[1], x[0]))[:limit]]


NEAREST_SHOWN = 5  # ids listed for a blank, missing or unknown reference, nearest first...
ALL_SHOWN = 8  # ...or all of them, when a kind has this many or fewer
