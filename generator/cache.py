"""A local cache of per-file check results, keyed on each file's content hash.

A repeated `factsheet check` (or a rebuild in `factsheet serve`) then parses and converts only the files
that changed. The cache lives in `.cache/factsheet/` beside the facts (git-ignored), as one file: an
HMAC-SHA256 over the payload, then the pickled entries. The HMAC key is a random secret in the user's
own cache folder, outside any repository, so a cache file that came from elsewhere (a commit, an
archive, another user) never verifies and is ignored; unpickling is further limited to the model's own
classes. A missing, corrupt, foreign or old-version cache is simply empty: the cost is a cold check,
never a wrong result. Entries hold diagnostics too, so a cached file with problems reports them again.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import pickle
import secrets
import stat
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

VERSION = b"factsheet-cache 1"
CACHE_DIR = Path(".cache") / "factsheet"
_FILE = "files.pickle"
_DIGEST = hashlib.sha256().digest_size
# What a cache file may rebuild: our frozen model values, their enums, and paths. Nothing callable.
_ALLOWED_MODULES = {"generator.cache", "generator.model", "generator.diagnostics", "generator.validate", "pathlib"}


@dataclass(frozen=True)
class Unparsable:
    """A file whose YAML was refused: the same problem is reported again."""

    problem: object  # Diagnostic


@dataclass(frozen=True)
class Converted:
    """A file checked on its own: the model object (None if invalid), its diagnostics and references."""

    obj: object | None
    diagnostics: list
    references: list


def _user_cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


@cache
def _stamp() -> bytes:
    # Pickles of model classes are only valid for the same code and Python.
    code = Path(__file__).resolve().parent
    sources = sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in code.glob("*.py"))
    return VERSION + repr((sys.version_info[:2], sources)).encode()


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        if module in _ALLOWED_MODULES:
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")


def _secret(key_dir: Path) -> bytes | None:
    """This user's cache key, created on first use; None if it cannot be read or made safely."""
    path = key_dir / "cache-key"
    try:
        key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(32))
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            return None
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == 32 else None


class FileCache:
    """Results per input file, keyed by (kind, path, sha256 of the bytes). Disabled when `folder` is None."""

    def __init__(self, folder: Path | None, key_dir: Path | None = None, root: Path | None = None) -> None:
        self.folder = folder
        self.root = root  # the folder the cache must stay inside, without following links
        self._entries: dict[tuple[str, str, str], object] = {}
        self._used: set[tuple[str, str, str]] = set()
        self._dirty = False
        self._key = _secret(key_dir or _user_cache_home() / "factsheet") if folder is not None else None
        if self._key is None or not self._folder_is_safe():
            self.folder = None
        else:
            self._entries = self._read()

    @classmethod
    def disabled(cls) -> FileCache:
        return cls(None)

    @classmethod
    def for_project(cls, root: Path, enabled: bool = True) -> FileCache:
        return cls(root / CACHE_DIR if enabled else None, root=root)

    def _folder_is_safe(self) -> bool:
        """No part of the cache's path below the project is a link: a repository could ship `.cache` as a
        symlink to make us read or write somewhere else."""
        assert self.folder is not None
        if self.root is None:
            return not self.folder.is_symlink()
        path = self.root
        for part in self.folder.relative_to(self.root).parts:
            path = path / part
            if path.is_symlink() or (path.exists() and not path.is_dir()):
                return False
        return True

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    @staticmethod
    def key(kind: type, path: Path, raw: bytes) -> tuple[str, str, str]:
        return (kind.__name__, str(path), hashlib.sha256(raw).hexdigest())

    def get(self, key: tuple[str, str, str]) -> object | None:
        if key in self._entries:
            self._used.add(key)
            return self._entries[key]
        return None

    def put(self, key: tuple[str, str, str], value: object) -> None:
        if self.folder is None:
            return
        self._entries[key] = value
        self._used.add(key)
        self._dirty = True

    def _mac(self, payload: bytes) -> bytes:
        assert self._key is not None
        return hmac.new(self._key, _stamp() + payload, hashlib.sha256).digest()

    def _read(self) -> dict[tuple[str, str, str], object]:
        assert self.folder is not None
        path = self.folder / _FILE
        try:
            if not stat.S_ISREG(path.lstat().st_mode):
                return {}
            data = path.read_bytes()
        except OSError:
            return {}
        mac, payload = data[:_DIGEST], data[_DIGEST:]
        if not hmac.compare_digest(mac, self._mac(payload)):
            return {}
        try:
            entries = _Unpickler(io.BytesIO(payload)).load()
        except Exception:  # a corrupt entry is a miss, whatever the unpickler raises
            return {}
        return entries if isinstance(entries, dict) else {}

    def save(self) -> None:
        """Write the entries used in this run (stale ones are dropped). Failing to write is harmless."""
        if self.folder is None or not (self._dirty or len(self._used) != len(self._entries)):
            return
        entries = {k: v for k, v in self._entries.items() if k in self._used}
        payload = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if not self._folder_is_safe():
                return
            fd, tmp = tempfile.mkstemp(prefix=f".{_FILE}.", dir=self.folder)  # a fresh file, never a link
            with os.fdopen(fd, "wb") as f:
                f.write(self._mac(payload) + payload)
            os.replace(tmp, self.folder / _FILE)
        except OSError:
            return
