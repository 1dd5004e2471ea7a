"""Discovery of the ``zen`` entry points, cached per Python environment.

Scanning installed distributions with ``importlib.metadata`` costs more than
the rest of ``zenml stack list`` together (its import alone is ~35 ms), so the
result is cached in the config folder, keyed by the interpreter and the
modification times of every ``sys.path`` folder: installing, upgrading or
removing a distribution changes its folder's mtime and so refreshes the cache.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from pathlib import Path
from typing import NamedTuple

#: How many environments' discoveries the cache folder keeps.
KEEP_CACHE_FILES = 8


class EntryPointInfo(NamedTuple):
    """One entry point, as the cache keeps it. (A named tuple: every command makes this
    class, and a frozen dataclass costs eight times as much to make, ~0.8 ms.)"""

    name: str
    value: str
    distribution: str
    version: str


def scan(group: str) -> list[EntryPointInfo]:
    """Every entry point of ``group`` in the installed distributions (no cache)."""
    from importlib.metadata import entry_points

    found = []
    for ep in entry_points(group=group):
        dist = getattr(ep, "dist", None)
        found.append(EntryPointInfo(
            ep.name, ep.value,
            dist.metadata["Name"] if dist else "?", dist.version if dist else "?",
        ))
    return found


def _fingerprint(group: str) -> str:
    """The environment as text: the interpreter, the group, each ``sys.path`` folder's
    modification time."""
    parts = [sys.executable, group]
    for entry in sys.path:
        try:
            parts.append(f"{entry}={os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            parts.append(f"{entry}=-")
    return "\n".join(parts)


def discover(group: str, cache_dir: Path | None) -> list[EntryPointInfo]:
    """Like :func:`scan`, served from ``cache_dir`` while the environment is unchanged."""
    if cache_dir is None:
        return scan(group)
    fingerprint = _fingerprint(group)
    # The file is named by a CRC of the fingerprint and holds the fingerprint itself, which
    # must match: hashlib would load OpenSSL, ~2 ms of every command.
    cache_file = cache_dir / f"entry-points-{zlib.crc32(fingerprint.encode()):08x}.json"
    try:
        cached = json.loads(cache_file.read_text())
        if cached["fingerprint"] == fingerprint:
            return [EntryPointInfo(*e) for e in cached["entry_points"]]
    except (OSError, ValueError, TypeError, KeyError):
        pass
    found = scan(group)
    try:
        from zen_core.fileio import write_text_atomic

        write_text_atomic(cache_file, json.dumps({"fingerprint": fingerprint,
                                                  "entry_points": found}), mode=0o644)
        # Several environments (venvs, `python -m` from changing folders) share the
        # folder: keep the newest few instead of thrashing one file between them.
        cached = sorted(cache_dir.glob("entry-points-*.json"), key=lambda p: p.stat().st_mtime)
        for stale in cached[:-KEEP_CACHE_FILES]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only config folder just means no cache
    return found



def skip_pydantics_empty_plugin_scan(cache_dir: Path | None) -> None:
    """Tell pydantic it has no plugins when no installed distribution has an entry point
    in its group, ``pydantic``: its own scan, on the first model it builds, reads every
    distribution's metadata (~20 ms of each command that builds a flavor's schema),
    where the cached discovery reads one small file and sees an installed plugin as it
    sees zen's. Only while pydantic has not looked yet; its environment switch
    (``PYDANTIC_DISABLE_PLUGINS``) would reach every subprocess, so it is not used."""
    from pydantic.plugin import _loader

    if getattr(_loader, "_plugins", ()) is None and not discover("pydantic", cache_dir):
        _loader._plugins = {}
