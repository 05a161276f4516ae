"""A local cache of per-file check results, keyed on each file's content hash.

A repeated `factsheet check` (or a rebuild in `factsheet serve`) then parses and converts only the files
that changed, and redoes only the checks across files, on small per-file summaries. The cache lives in
`.cache/factsheet/` beside the facts (git-ignored), as files that each start with an HMAC-SHA256 over
their name and pickled payload. Entries are spread over 64 shards by content hash, so that an edit
rewrites a shard or two, not the whole cache: `files-NN.pickle` (stat index and summaries, read by every
run), `objects-NN.pickle` (model objects, read only when the facts are used), `quotes.pickle` and
`hints.pickle`. The HMAC key is a random secret in the user's own cache folder, outside any repository, so
a cache file that came from elsewhere (a commit, an archive, another user) never verifies and is ignored;
unpickling is further limited to the model's own classes. A missing, corrupt, foreign or old-version cache
is simply empty: the cost is a cold check, never a wrong result (a lost model object is checked again from
its file). Entries hold diagnostics too, so a cached file with problems reports them again.

Per file key (kind, path, SHA-256 of the bytes), the cache holds the file's summary (what the
cross-checks need, read on every run) and its model object (pickled apart, unpickled only when the facts
are used: `check` alone never does). Beside them:
- a stat index, path -> (size, mtime_ns, inode, ctime_ns, mode, key): a file whose stat is unchanged is neither
  read nor hashed. The trade-off is git's: an edit that keeps the size and lands in the same clock tick
  as the previous write would go unseen, so a file changed less than two seconds before the run started
  is not put in the index (it is hashed again next time). Any other change of stat falls back to the
  content hash, so a changed file is always parsed again, and `--no-cache` ignores all of it;
- quote lookups, (SHA-256 of the article text, quote) -> occurrences: editing an article changes its
  hash, so every quote citing it is looked up again; and, under the same key, the hint of a quote that
  was not found (its closest passage: a search worth remembering).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import os
import pickle
import secrets
import shutil
import stat
import sys
import tempfile
import time
import zlib
from functools import cache
from pathlib import Path
from typing import ClassVar

VERSION = b"factsheet-cache 3"
CACHE_DIR = Path(".cache") / "factsheet"
_QUOTES_FILE = "quotes.pickle"
_HINTS_FILE = "hints.pickle"
_DIGEST = hashlib.sha256().digest_size
_RACY_NS = 2_000_000_000  # files changed this recently are hashed again next time
_SHARDS = 64  # entries are spread over this many files, so that an edit rewrites one or two, not all
_SAVE_APART_SHARDS = 16  # `save_files_apart` forks for this many shards to write, not for an edit or two
# What a cache file may rebuild: our frozen model values, their enums, and paths. Nothing callable.
_ALLOWED_MODULES = {"generator.model", "generator.diagnostics", "generator.checks.validate", "pathlib"}


Key = tuple[str, str, str]  # (model class name, path, sha256 of the bytes)
Stamp = tuple[int, int, int, int, int]  # size, mtime_ns, inode, ctime_ns, mode (a link is never a hit)


def _shard(key: Key) -> int:
    return zlib.crc32(key[2].encode()) % _SHARDS


def _summaries_file(shard: int) -> str:
    return f"files-{shard:02d}.pickle"


def _objects_file(shard: int) -> str:
    return f"objects-{shard:02d}.pickle"


def stamp(info: os.stat_result) -> Stamp:
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns, info.st_mode)


def _user_cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def private_dir(*parts: str, base: Path | None = None) -> Path | None:
    """A folder of this user's own cache (~/.cache/factsheet/...), made if missing; None unless it is a real
    folder owned by this user that nobody else can write to. What lives there (the cache key, compiled
    templates) is trusted like the user's own files, so a repository can never ship it."""
    folder = (base or _user_cache_home() / "factsheet").joinpath(*parts)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        return None
    return folder


def compiled_templates_dir() -> Path | None:
    """Where Jinja2 keeps compiled templates: per version of our code and of Jinja2, since the compiled
    code depends on the environment render.py sets up (escaping, finalize), not only on the source."""
    import jinja2

    digest = hashlib.sha256(_stamp() + jinja2.__version__.encode()).hexdigest()[:16]
    folder = private_dir("templates", digest)
    if folder is not None:
        _prune(folder.parent, keep=folder)
    return folder


def compiled_theme_dir() -> Path | None:
    """Where Jinja2 keeps MkDocs' theme templates (Material's, and the fact sheet's overrides) compiled: per
    version of MkDocs, the theme and Jinja2, whose environment the compiled code depends on; apart from
    ours, whose environment differs. Compiling them was most of a small rebuild's MkDocs time (0.9 s)."""
    import importlib.metadata

    import jinja2

    versions = []
    for name in ("mkdocs", "mkdocs-material"):
        try:
            versions.append(importlib.metadata.version(name))
        except importlib.metadata.PackageNotFoundError:
            versions.append("")
    digest = hashlib.sha256(repr((versions, jinja2.__version__)).encode()).hexdigest()[:16]
    folder = private_dir("theme-templates", digest)
    if folder is not None:
        _prune(folder.parent, keep=folder)
    return folder


_COMPILED_VERSIONS_KEPT = 8  # every edit of the generator's code is a new version: keep the latest few


def _prune(parent: Path, keep: Path) -> None:
    """Remove all but the most recently written folders of compiled templates (a checkout of another
    version that still used one only compiles again)."""
    try:
        folders = [p for p in parent.iterdir() if p.is_dir() and not p.is_symlink() and p != keep]
        folders.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
    except OSError:
        return
    for old in folders[_COMPILED_VERSIONS_KEPT - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


@cache
def _stamp() -> bytes:
    # Pickles of model classes are only valid for the same code and Python.
    code = Path(__file__).resolve().parent
    sources = sorted(
        (p.relative_to(code).as_posix(), p.stat().st_mtime_ns, p.stat().st_size) for p in code.rglob("*.py")
    )
    return VERSION + repr((sys.version_info[:2], sources)).encode()


class _Unpickler(pickle.Unpickler):
    # The classes allowed so far: a build unpickles 11,000 objects at 10,000 facts, each naming its classes.
    _allowed: ClassVar[dict[tuple[str, str], type]] = {}

    def find_class(self, module: str, name: str) -> object:
        found = self._allowed.get((module, name))
        if found is not None:
            return found
        if module in _ALLOWED_MODULES:
            found = super().find_class(module, name)
            if isinstance(found, type):
                self._allowed[module, name] = found
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")


def _secret(key_dir: Path | None) -> bytes | None:
    """This user's cache key, created on first use; None if it cannot be read or made safely."""
    if key_dir is None:
        return None
    path = key_dir / "cache-key"
    try:
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


def safe_folder(folder: Path, root: Path | None) -> bool:
    """No part of `folder`'s path below `root` is a link or a file: a repository could ship `.cache` as a
    symlink to make us read or write somewhere else."""
    if root is None:
        return not folder.is_symlink()
    path = root
    for part in folder.relative_to(root).parts:
        path = path / part
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            return False
    return True


def make_safe_folder(folder: Path, root: Path | None) -> bool:
    """Make the cache folder `folder` unless part of its path below `root` is a link or a file: checked
    before (nothing is made through a link) and after (one put there meanwhile). Whether it may be written
    into; raises OSError when it cannot be made."""
    if not safe_folder(folder, root):
        return False
    folder.mkdir(parents=True, exist_ok=True)
    return safe_folder(folder, root)


def _signature(key: bytes, name: str, payload: bytes) -> bytes:
    """HMAC-SHA256 of a cache file's payload under the user's key, the code's stamp and the file's name."""
    return hmac.new(key, _stamp() + name.encode() + b"\0" + payload, hashlib.sha256).digest()


def _read_signed(folder: Path, name: str, key: bytes) -> bytes | None:
    """The payload of the signed file `name` (a regular file, not a link); None if it is missing or its
    signature does not verify (signed with another key, by another version of the code, or altered)."""
    path = folder / name
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    mac, payload = data[:_DIGEST], data[_DIGEST:]
    return payload if hmac.compare_digest(mac, _signature(key, name, payload)) else None


def write_new(folder: Path, name: str, data: bytes) -> None:
    """Write `data` as `name` in `folder` through a fresh temporary file (never a link a repository could
    have planted) and a rename: a failed write (a full disk) leaves no half-written file behind. Raises
    OSError."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, folder / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_signed(folder: Path, name: str, key: bytes, payload: bytes) -> None:
    """Write `payload`, signed, as `name` (`write_new`). Raises OSError."""
    write_new(folder, name, _signature(key, name, payload) + payload)


def read_record(root: Path, name: str, key_dir: Path | None = None) -> object | None:
    """The JSON value of one signed record in the project's cache folder (written by `write_record`); None
    if it is missing, foreign (signed with another key or by another version of the code) or corrupt."""
    folder = root / CACHE_DIR
    key = _secret(private_dir(base=key_dir))
    if key is None or not safe_folder(folder, root):
        return None
    payload = _read_signed(folder, name, key)
    if payload is None:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return None


def write_record(root: Path, name: str, content: object, key_dir: Path | None = None) -> None:
    """Store `content` (JSON) as a signed record of the project's cache; failing to is harmless (the next
    run finds no record)."""
    folder = root / CACHE_DIR
    key = _secret(private_dir(base=key_dir))
    if key is None:
        return
    payload = json.dumps(content, separators=(",", ":")).encode()
    with contextlib.suppress(OSError):
        if make_safe_folder(folder, root):
            _write_signed(folder, name, key, payload)


class StaleCache(Exception):
    """A model object the cache's summaries promised is missing (a save cut short, a damaged file)."""


class FileCache:
    """Per input file, keyed by (kind, path, sha256 of the bytes): a small summary of its check, read
    eagerly, and its model object, unpickled only when asked for. Beside them, a stat index (path ->
    size, mtime, inode, ctime, key), so an unchanged file is neither read nor hashed, and remembered
    quote lookups. Disabled when `folder` is None."""

    def __init__(self, folder: Path | None, key_dir: Path | None = None, root: Path | None = None) -> None:
        self.folder = folder
        self.root = root  # the folder the cache must stay inside, without following links
        self._started_ns = time.time_ns()
        self._index: dict[str, tuple[Stamp, Key]] = {}
        self._summaries: dict[Key, tuple] = {}
        self._values: dict[Key, bytes] = {}  # pickled model objects of the shards read so far
        self._objects_read: set[int] = set()
        self._changed: set[int] = set()  # shards with a new or changed entry
        self._quotes: dict[tuple[str, str], int] = {}
        self._quotes_changed = False
        self._hints: dict[tuple[str, str], str] = {}  # (article hash, quote) -> hint for a quote not found
        self._hints_changed = False
        self._used: set[Key] = set()
        self._used_quotes: set[tuple[str, str]] = set()
        self._used_hints: set[tuple[str, str]] = set()
        self._saving: int | None = None  # the process writing the files' entries (`save_files_apart`)...
        self._shards_apart: set[int] = set()  # ...and the shards it writes
        self._key = _secret(private_dir(base=key_dir)) if folder is not None else None
        if self._key is None or not self._folder_is_safe():
            self.folder = None
        else:
            self._read()

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
        return safe_folder(self.folder, self.root)

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    @staticmethod
    def key(kind: type, file: str, raw: bytes) -> Key:
        return (kind.__name__, file, hashlib.sha256(raw).hexdigest())

    def unchanged(self, kind: type, entry: os.DirEntry[str]) -> Key | None:
        """The key of a listed file whose stat is exactly as when it was hashed, without reading it; None
        without a stat when the index has no entry for its path (a new file, an empty cache). One call
        per file: a large fact sheet makes 11,000."""
        found = self._index.get(entry.path)
        if found is None:
            return None
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            return None
        if found[0] != stamp(info):
            return None
        key = found[1]
        return key if key[0] == kind.__name__ and key in self._summaries else None

    def remember(self, path: str, info: Stamp, key: Key) -> None:
        """Record the stamp (`stamp(os.lstat(path))`, taken before the file was read) of a file hashed as
        `key`. A file changed within the last seconds is not recorded: another write in the same clock tick
        could keep size and times."""
        if self.folder is None or max(info[1], info[3]) > self._started_ns - _RACY_NS:  # mtime_ns, ctime_ns
            return
        if self._index.get(path) != (info, key):
            self._index[path] = (info, key)
            self._changed.add(_shard(key))

    def holds(self, key: Key) -> bool:
        """Whether `key` has an entry, without marking it used (safe in a worker process)."""
        return key in self._summaries

    def summary(self, key: Key) -> object | None:
        found = self._summaries.get(key)
        if found is not None:
            self._used.add(key)
        return found

    def value(self, key: Key) -> object:
        """The model object stored with `key`; StaleCache if the cache does not have it after all."""
        self._read_objects(_shard(key))
        data = self._values.get(key)
        if data is None:
            raise StaleCache(key)
        return _Unpickler(io.BytesIO(data)).load()

    def put(self, key: Key, summary: tuple, pickled: bytes | None) -> None:
        """Store a file's summary and its model object, pickled (None for a file that did not convert)."""
        if self.folder is None:
            return
        self._summaries[key] = summary
        self._values.pop(key, None)
        if pickled is not None:
            self._values[key] = pickled
        self._used.add(key)
        self._changed.add(_shard(key))

    def quote_count(self, memo: tuple[str, str]) -> int | None:
        count = self._quotes.get(memo)
        if count is not None:
            self._used_quotes.add(memo)
        return count

    def put_quote_count(self, memo: tuple[str, str], count: int) -> None:
        if self.folder is not None:
            self._quotes[memo] = count
            self._used_quotes.add(memo)
            self._quotes_changed = True

    def quote_hint(self, memo: tuple[str, str]) -> str | None:
        hint = self._hints.get(memo)
        if hint is not None:
            self._used_hints.add(memo)
        return hint

    def put_quote_hint(self, memo: tuple[str, str], hint: str) -> None:
        if self.folder is not None:
            self._hints[memo] = hint
            self._used_hints.add(memo)
            self._hints_changed = True

    def _mac(self, payload: bytes, name: str) -> bytes:
        assert self._key is not None
        return _signature(self._key, name, payload)

    def _load(self, name: str) -> object | None:
        """The verified, unpickled content of one cache file; None if it is missing, foreign or corrupt."""
        assert self.folder is not None and self._key is not None
        payload = _read_signed(self.folder, name, self._key)
        if payload is None:
            return None
        try:
            return _Unpickler(io.BytesIO(payload)).load()
        except Exception:  # a corrupt cache is a miss, whatever the unpickler raises
            return None

    def _read(self) -> None:
        for shard in range(_SHARDS):
            found = self._load(_summaries_file(shard))
            if isinstance(found, tuple) and len(found) == 2 and all(isinstance(x, dict) for x in found):
                self._index.update(found[0])
                self._summaries.update(found[1])
        quotes = self._load(_QUOTES_FILE)
        if isinstance(quotes, dict):
            self._quotes = quotes
        hints = self._load(_HINTS_FILE)
        if isinstance(hints, dict):
            self._hints = hints

    def _read_objects(self, shard: int) -> None:
        if self.folder is None or shard in self._objects_read:
            return
        self._objects_read.add(shard)
        found = self._load(_objects_file(shard))
        if isinstance(found, dict):
            for key, data in found.items():
                self._values.setdefault(key, data)  # what this run put stays

    def _write(self, name: str, content: object) -> None:
        assert self.folder is not None and self._key is not None
        _write_signed(self.folder, name, self._key, pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL))

    def save(self) -> None:
        """Write what changed in this run, dropping entries no file used: the shards with a new, changed or
        dropped entry (model objects first, then summaries), and the quote lookups. Failing to write is
        harmless: the next run misses the cache, or checks a lost object's file again."""
        if self.folder is None:
            return
        if not self._saved_apart():
            self._save_files()
        quotes_stale = self._quotes_changed or len(self._used_quotes) != len(self._quotes)
        hints_stale = self._hints_changed or len(self._used_hints) != len(self._hints)
        if not (quotes_stale or hints_stale):
            return
        with contextlib.suppress(OSError):
            if not make_safe_folder(self.folder, self.root):
                return
            if quotes_stale:
                self._write(_QUOTES_FILE, {k: v for k, v in self._quotes.items() if k in self._used_quotes})
            if hints_stale:
                self._write(_HINTS_FILE, {k: v for k, v in self._hints.items() if k in self._used_hints})

    def save_files_apart(self) -> None:
        """Start writing the files' entries (the shards of `save`) in a forked process, when there are many:
        the caller's checks across files then run on the other core meanwhile, instead of the save waiting
        for them (a fifth of a second at 10,000 facts). Only once no file entry changes any more: `save`
        waits for that process, then writes the quote lookups, and writes the files' entries itself if the
        process failed or an entry changed after all."""
        if self.folder is None or self._saving is not None or len(self._changed) < _SAVE_APART_SHARDS:
            return
        from generator import workers  # shared with the check's worker processes: the same rule for forking

        if not workers.can_fork():
            return
        try:
            pid = os.fork()
        except OSError:
            return
        if pid == 0:  # pragma: no cover - the child process, seen by the parent's tests through its files
            code = 1
            try:
                self._save_files()
                code = 0
            finally:
                os._exit(code)  # no exit handlers, no flushing of the parent's buffers: its output is its own
        self._saving, self._shards_apart = pid, self._changed
        self._changed = set()  # written there; a file entry put from now on marks its shard again

    def _saved_apart(self) -> bool:
        """Whether the process `save_files_apart` started wrote the files' entries, and none changed since."""
        if self._saving is None:
            return False
        pid, self._saving = self._saving, None
        try:
            written = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
        except ChildProcessError:
            written = False
        if not written:  # this process writes them after all
            self._changed |= self._shards_apart
        return written and not self._changed

    def _save_files(self) -> None:
        """Write the shards with a new, changed or dropped file entry: model objects first, then summaries."""
        assert self.folder is not None
        dropped = self._summaries.keys() - self._used
        shards = self._changed | {_shard(k) for k in dropped}
        if not shards:
            return
        for shard in shards:
            self._read_objects(shard)
        parts: dict[int, tuple[dict, dict, dict]] = {shard: ({}, {}, {}) for shard in shards}
        for key, summary in self._summaries.items():
            if key in self._used and (shard := _shard(key)) in parts:
                parts[shard][1][key] = summary
                if key in self._values:
                    parts[shard][2][key] = self._values[key]
        for path, entry in self._index.items():
            if entry[1] in self._used and (shard := _shard(entry[1])) in parts:
                parts[shard][0][path] = entry
        try:
            if not make_safe_folder(self.folder, self.root):
                return
            for shard in sorted(shards):
                index, summaries, objects = parts[shard]
                self._write(_objects_file(shard), objects)
                self._write(_summaries_file(shard), (index, summaries))
        except OSError:
            return
