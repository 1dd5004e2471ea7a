"""Which of some modules a ``zenml`` command imports: start-up stays light, and tests of
zen and of its plugins check what a command leaves out (a heavy library, a record class
it does not need)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

#: ``zenml ARGS`` in-process, saying at exit which of the watched modules were imported.
_PROBE = """
import atexit, sys
watched = sys.argv[1].split(",")
atexit.register(lambda: print(
    "LOADED=" + ",".join(m for m in watched if m in sys.modules), file=sys.stderr))
sys.argv = ["zenml", *sys.argv[2:]]
from zen_core.cli.main import main
main()
"""


class Probed(NamedTuple):
    stdout: str
    #: The watched modules the command imported, in the order watched.
    loaded: list[str]


def zenml_imports(*args: str, watched: Iterable[str], env: Mapping[str, str] | None = None,
                  cwd: Path | None = None, timeout: float = 120) -> Probed:
    """Run ``zenml ARGS`` (it must succeed) and say which ``watched`` modules it imported."""
    done = subprocess.run([sys.executable, "-c", _PROBE, ",".join(watched), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=None if env is None else dict(env), check=False)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED="))
    return Probed(done.stdout, [m for m in line.removeprefix("LOADED=").split(",") if m])
