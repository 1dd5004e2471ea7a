"""Instructions a command runs, counted by valgrind's callgrind: the same count on a loaded
host as on a quiet one (wall times here move by half with the host's load), so the
start-up ratios can be read beside the wall-time ratios the verdicts use. Each command
runs once, about 40x slower than bare; nothing is counted without valgrind."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

#: Seconds one counted run may take (a start-up command runs in a few seconds under it).
TIMEOUT_SECONDS = 300


def available() -> bool:
    return shutil.which("valgrind") is not None


def count(argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> int:
    """The instructions ``argv`` runs (callgrind's total); raise if it fails."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
            env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
            timeout=TIMEOUT_SECONDS, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} under callgrind exited with "
                               f"{done.returncode}: {done.stderr.decode(errors='replace')[-500:]}")
        for line in out.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError(f"callgrind wrote no total for {' '.join(argv)}")


def text(numerator: int, denominator: int) -> str:
    """``instructions 1.94x (334M vs 172M)``."""
    return (f"instructions {numerator / denominator:.2f}x "
            f"({numerator / 1e6:.0f}M vs {denominator / 1e6:.0f}M)")
