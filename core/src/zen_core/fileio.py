"""Safe file access for configuration and the local store.

Writes go to a temp file in the same folder, are fsync'ed and renamed over the
target, so a reader never sees a torn file. Read-modify-write sequences hold a
lock file beside the data. YAML errors name the file and line.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from zen_core.exceptions import InvalidDataError, StoreUnavailableError

#: How long to wait for another process's lock before giving up.
LOCK_TIMEOUT_SECONDS = 30.0


def parse_yaml(text: str, source: str | Path) -> Any:
    if text.lstrip().startswith("{"):
        # JSON is YAML, and json parses 30x faster: large indexes are written that way.
        try:
            return json.loads(text)
        except ValueError:
            pass  # flow-style YAML, or broken: YAML reports where
    import yaml  # only for what is not JSON: PyYAML costs start-up ~10 ms

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise InvalidDataError(
            f"Cannot parse {source}:{where}: {problem}. Fix or remove that file."
        ) from None


#: What to tell the user for the OS errors a person can do something about.
_OS_PROBLEMS = {
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device",
    getattr(errno, "EDQUOT", -1): "the disk quota is exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def os_problem(err: OSError) -> str:
    """A short reason for ``err``: "permission denied", "no space left on the device"..."""
    return _OS_PROBLEMS.get(err.errno or 0) or (err.strerror or str(err)).lower()


def cannot(action: str, path: Path | str, err: OSError) -> StoreUnavailableError:
    """``Cannot write /x/config.yaml: the file system is read-only.`` as an error to raise."""
    return StoreUnavailableError(f"Cannot {action} {path}: {os_problem(err)}.")


def decode_text(raw: bytes, path: Path | str) -> str:
    """``raw`` as UTF-8; a file that is not UTF-8 is named with where it goes wrong."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidDataError(
            f"{path} is not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start}). "
            "Fix or remove that file."
        ) from None


def read_bytes(path: Path | str) -> bytes:
    """The bytes of the file ``path``: ``Path.read_bytes`` without its file object
    (listing 10,000 component files of a local store spent half its reading there)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_yaml(path: Path | str, default: Any = None) -> Any:
    """The YAML content of ``path``, or ``default`` if the file does not exist."""
    try:
        raw = read_bytes(path)
    except (FileNotFoundError, NotADirectoryError):
        return default
    except IsADirectoryError:
        raise InvalidDataError(f"{path} is a folder, not a file. Remove or rename it.") from None
    except OSError as err:
        raise cannot("read", path, err) from None
    data = parse_yaml(decode_text(raw, path), path)
    return default if data is None else data


def inside(folder: Path, path: Path) -> Path:
    """``path`` if it resolves to somewhere inside ``folder``; else InvalidDataError.

    Checked before zen writes or removes anything whose name came from a file:
    a name like ``../x`` or a symlink must never reach outside its folder.
    """
    base = folder.resolve()
    resolved = path.resolve()
    if resolved != base and base not in resolved.parents:
        raise InvalidDataError(
            f"Refusing to touch {path}: it resolves to {resolved}, outside {base}."
        )
    return path


def remove_stale_temp_files(folder: Path, name: str | None = None) -> None:
    """Remove temp files of :func:`write_text_atomic` left in ``folder`` by a killed writer
    (of ``name`` only, or of any file). Call it holding the lock of what they belong to."""
    prefix = f".{name}." if name else "."
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def dump_yaml_as_json(data: Any, sort_keys: bool = True, depth: int = 1) -> str:
    """A YAML document in JSON syntax: readable by any YAML parser (ZenML 0.7's too), and
    written and read without PyYAML, whose import and parser are most of a small command.

    The mappings of the first ``depth`` levels put each entry on a line of its own, so a
    person reads it and a diff says where. NOTE: no ``indent``: with it, ``json`` encodes
    in Python instead of C, 4x slower on a big store's index."""
    return _json_lines(data, sort_keys, depth, 1) + "\n"


def _json_lines(data: Any, sort_keys: bool, depth: int, level: int) -> str:
    if depth < level or not isinstance(data, dict) or not data:
        return json.dumps(data, sort_keys=sort_keys)
    items = sorted(data.items()) if sort_keys else data.items()
    gap = ",\n" + " " * level
    return "{" + gap.join(f"{json.dumps(k)}: {_json_lines(v, sort_keys, depth, level + 1)}"
                          for k, v in items) + "}"


def dump_yaml(data: Any, sort_keys: bool = True) -> str:
    import yaml

    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                     sort_keys=sort_keys, default_flow_style=False, allow_unicode=True)


def write_text_atomic(path: Path, text: str, mode: int = 0o600,
                      temp_dir: Path | None = None, sync: bool = True) -> None:
    """Replace ``path`` with ``text`` atomically, the file readable only by its owner.

    The temp file goes in ``temp_dir`` (default: the file's folder; it must be on the same
    file system). An OS failure (read-only folder, disk full, no permission) is a one-line
    :class:`StoreUnavailableError` naming the file, and leaves ``path`` as it was.
    ``sync=False``: no fsync, for a file that may go back to an older content after a power
    cut, never tear.
    """
    tmp = stage_text(path, text, mode, temp_dir, sync)
    try:
        os.replace(tmp, path)
    except BaseException as err:
        _discard(tmp, path, err)


def stage_text(path: Path, text: str, mode: int = 0o600, temp_dir: Path | None = None,
               sync: bool = True) -> Path:
    """``text`` in a new temp file (in ``temp_dir``, default ``path``'s folder, which is
    created), fsynced, to be renamed over ``path`` later: the first half of
    :func:`write_text_atomic`. Errors as there; a failure leaves no temp file."""
    import tempfile  # with shutil, random, bz2 and lzma: a read never needs them

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=temp_dir or path.parent, prefix=f".{path.name}.",
                                   suffix=".tmp")
    except OSError as err:
        raise cannot("write", path, err) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, mode)
    except BaseException as err:
        _discard(tmp, path, err)
    return Path(tmp)


def _discard(tmp: Path | str, path: Path, err: BaseException) -> NoReturn:
    """Remove the temp file of a write of ``path`` that failed with ``err``, and raise."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    if isinstance(err, OSError):
        raise cannot("write", path, err) from None
    raise err


def unlink(path: Path, folder: Path) -> None:
    """Remove ``path`` (if it exists) after checking it lies inside ``folder``."""
    inside(folder, path)
    try:
        path.unlink(missing_ok=True)
    except OSError as err:
        raise cannot("remove", path, err) from None


def write_yaml(path: Path, data: Any, mode: int = 0o600, sort_keys: bool = True,
               temp_dir: Path | None = None) -> None:
    write_text_atomic(path, dump_yaml(data, sort_keys=sort_keys), mode, temp_dir)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive inter-process lock named after ``path``."""
    from filelock import FileLock, Timeout  # not needed by read-only commands

    lock_path = str(path) + ".lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_path, timeout=LOCK_TIMEOUT_SECONDS)
        lock.acquire()
    except Timeout:
        raise StoreUnavailableError(
            f"Timed out waiting for the lock on {path} (held by another zen process?)."
        ) from None
    except OSError as err:
        raise cannot("lock", lock_path, err) from None
    try:
        yield
    finally:
        lock.release()
