"""Fixtures for the cross-distribution tests: run ``zenml`` as a user would."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from zen_core.cli.main import cli

ZENML = str(Path(sys.executable).parent / "zenml")


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stderr + self.stdout


@pytest.fixture
def zen():
    """``zen("stack list")`` runs the CLI in-process (CliRunner), stdout/stderr apart."""
    runner = CliRunner()

    def run(args: str | list[str], input: str | None = None) -> Result:
        argv = shlex.split(args) if isinstance(args, str) else args
        r = runner.invoke(
            cli, argv, input=input, prog_name="zenml", terminal_width=200, catch_exceptions=False
        )
        return Result(r.exit_code, r.stdout, r.stderr)

    return run


@pytest.fixture
def zen_process():
    """``zen_process("stack list", cwd=...)`` runs the installed ``zenml`` in a subprocess."""

    def run(args: str | list[str], cwd: Path | None = None, env: dict | None = None) -> Result:
        argv = shlex.split(args) if isinstance(args, str) else args
        p = subprocess.run(
            [ZENML, *argv], capture_output=True, text=True, cwd=cwd,
            env={**os.environ, **(env or {})}, timeout=60,
        )
        return Result(p.returncode, p.stdout, p.stderr)

    return run
