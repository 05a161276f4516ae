"""What a page's context read of the fact base: the dependency map of incremental builds (issue 18).

After context._Builder has built its indexes, everything a page's context can read of the fact base goes
through a `Reads` (a mapping) or `ReadsAll` (a list or set) wrapper, which notes (name, key) while a page's
context is built (`reading`): a key looked up, or ALL when the whole collection is iterated or counted.
An entity reaches a page only that way (its page is made from its id, not from the object), so equal
values for every noted read mean an equal context; the value of a read is context._Builder.digest's. The
sheet's info, in every page's `common`, is always a dependency (INFO_TOKEN).
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

ALL = "*"
INFO_TOKEN = "info"
T = typing.TypeVar("T")


@dataclass(frozen=True)
class Known:
    """What a build recorded of the reads' values for the next one: `inputs`, per index (context.MADE_FROM),
    a hash of the files it was made from, and `digests`, per read (a token), the hash of its value. A
    read's recorded hash is used only while its index's files are the same (context._Builder)."""

    inputs: Mapping[str, str] = field(default_factory=dict)
    digests: Mapping[str, str] = field(default_factory=dict)


def reading(make: Callable[[], T]) -> tuple[T, tuple[str, ...]]:
    """What `make()` gives, and what it read of a tracked fact base (build_pages_reads), as sorted tokens."""
    global _READS
    outer, _READS = _READS, set()
    try:
        made = make()
        reads = _READS
    finally:
        _READS = outer
    return made, tuple(sorted({_token(name, key) for name, key in reads} | {INFO_TOKEN}))


_READS: set[tuple[str, object]] | None = None


def _note(name: str, key: object) -> None:
    if _READS is not None:
        _READS.add((name, key))


_KEY_JSON = json.JSONEncoder(separators=(",", ":")).encode
"""json.dumps(key, separators=...) without making an encoder per call (250,000 tokens at 10,000 facts)."""


def _token(name: str, key: object) -> str:
    if key == ALL:
        return f"{name}\t{ALL}"
    return f"{name}\t{_KEY_JSON(key)}"


def untoken(token: str) -> tuple[str, object]:
    name, _, key = token.partition("\t")
    if key == ALL:
        return name, ALL
    if key.startswith('"') and "\\" not in key:  # most keys: an id, JSON text without escapes
        return name, key[1:-1]
    value = json.loads(key)
    return name, tuple(value) if isinstance(value, list) else value


class Reads(Mapping[typing.Any, typing.Any]):
    """A read-only view of a dict that notes every key looked up (and ALL for iteration or its size);
    `default` stands for a defaultdict's factory (a missing key reads as its value, nothing is stored)."""

    __slots__ = ("data", "default", "name")

    def __init__(self, name: str, data: Mapping[typing.Any, typing.Any], default: Callable[[], object] | None = None):
        self.name = name
        self.data = dict(data)
        self.default = default

    def token(self, key: object) -> str:
        """The token `reading` notes for a look-up of `key` (the name of its read, for digests)."""
        return _token(self.name, key)

    def value(self, key: object) -> object:
        """What looking up `key` gives, unnoted (None when missing without a default)."""
        if key == ALL:
            return list(self.data.items())
        if key in self.data:
            return self.data[key]
        return self.default() if self.default is not None else None

    def __getitem__(self, key: object) -> typing.Any:
        _note(self.name, key)
        try:
            return self.data[key]
        except KeyError:
            if self.default is None:
                raise
            return self.default()

    def get(self, key: object, default: object = None) -> typing.Any:
        _note(self.name, key)
        return self.data.get(key, default)

    def __contains__(self, key: object) -> bool:
        _note(self.name, key)
        return key in self.data

    def __iter__(self) -> Iterator[typing.Any]:
        _note(self.name, ALL)
        return iter(self.data)

    def __len__(self) -> int:
        _note(self.name, ALL)
        return len(self.data)

    def keys(self) -> typing.Any:
        _note(self.name, ALL)
        return self.data.keys()

    def values(self) -> typing.Any:
        _note(self.name, ALL)
        return self.data.values()

    def items(self) -> typing.Any:
        _note(self.name, ALL)
        return self.data.items()


class ReadsAll(Sequence[typing.Any]):
    """A read-only list, or a set looked up by membership, that notes its reads (ALL, or the key tested)."""

    __slots__ = ("data", "members", "name")

    def __init__(self, name: str, data: Iterable[object]):
        self.name = name
        self.data = list(data)
        self.members = frozenset(self.data) if not isinstance(data, list) else None

    def value(self, key: object) -> object:
        if key == ALL:
            return self.data if self.members is None else sorted(self.members, key=repr)
        return self.members is not None and key in self.members

    def __contains__(self, key: object) -> bool:
        if self.members is None:
            _note(self.name, ALL)
            return key in self.data
        _note(self.name, key)
        return key in self.members

    @typing.overload
    def __getitem__(self, index: int) -> typing.Any: ...
    @typing.overload
    def __getitem__(self, index: slice) -> typing.Any: ...
    def __getitem__(self, index: int | slice) -> typing.Any:
        _note(self.name, ALL)
        return self.data[index]

    def __iter__(self) -> Iterator[typing.Any]:
        _note(self.name, ALL)
        return iter(self.data)

    def __len__(self) -> int:
        _note(self.name, ALL)
        return len(self.data)
