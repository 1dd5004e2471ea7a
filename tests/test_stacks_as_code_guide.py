"""docs/guide/stacks-as-code.md, run: every command of the page, in order, in a copy of its
example repository (docs/examples/stacks-as-code, which the page includes), then the CI
job's steps of that repository against a zen service with an editor's key."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from zen_core.testing.cli import ok
from zen_core.testing.helpers import profile_store

pytestmark = [pytest.mark.zen_needs("zen_service"),
              pytest.mark.skipif(os.name == "nt", reason="the page's commands are POSIX shell")]

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "guide" / "stacks-as-code.md"
EXAMPLE = ROOT / "docs" / "examples" / "stacks-as-code"
BIN = str(Path(sys.executable).parent)


def page_commands() -> list[str]:
    """The page's commands: ``$ ...`` lines of console blocks, ``zenml ...`` lines of plain
    ones (YAML blocks are files, not commands)."""
    commands = []
    for lang, body in re.findall(r"```(\w*)\n(.*?)```", PAGE.read_text(), re.S):
        for line in body.splitlines():
            if lang == "console" and line.startswith("$ "):
                commands.append(line[2:])
            elif lang == "" and line.startswith("zenml "):
                commands.append(line)
    return commands


def run(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"],
                               **env}, timeout=120)


def test_every_command_of_the_page_runs(zen_home, tmp_path):
    repo = tmp_path / "team-stacks"
    shutil.copytree(EXAMPLE, repo)
    commands = page_commands()
    assert len(commands) >= 15 and any("--prune" in c for c in commands)
    diffs = []
    for command in commands:
        done = run(command, repo, {})
        if command.startswith("zenml diff"):
            assert done.returncode in (0, 1), (command, done.stderr)
            diffs.append(done.returncode)
        else:
            assert done.returncode == 0, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
    assert diffs == [1, 0, 1, 0]  # to apply, applied; a change by hand, reverted
    assert (repo / "stacks.schema.json").exists() and (repo / "exported.yaml").exists()
    assert "hunter2" not in (repo / "exported.yaml").read_text()


def test_the_ci_job_diffs_then_applies_with_an_editors_key(zen, zen_home, tmp_path):
    from zen_service.testing import add_user_key, running_service

    repo = tmp_path / "team-stacks"
    shutil.copytree(EXAMPLE, repo)
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "stacks.yaml").read_text())
    steps = [s["run"] for s in workflow["jobs"]["stacks"]["steps"]
             if "run" in s and not s["run"].startswith("pip install")]
    assert any(s.startswith("zenml diff") for s in steps)
    assert any(s.startswith("zenml apply") for s in steps)
    ok(zen("profile create served"))
    ok(zen("secret create db --values - --profile served", input="password: hunter2\n"))
    with running_service(zen_home, profile="served") as state:
        key = add_user_key(profile_store("served"), "ci", "editor")
        runner = {"ZENML_CONFIG_PATH": str(tmp_path / "ci-config"), "ZENML_STORE_TOKEN": key}
        for step in steps:
            command = step.replace("https://zen.example.com", state.url.rstrip("/"))
            done = run(command, repo, runner)
            assert done.returncode == 0, (command, done.stdout, done.stderr)
        again = run("zenml diff -f stacks/ --profile team", repo, runner)
        assert again.returncode == 0, again.stdout + again.stderr
    events = profile_store("served").list_events(actor="ci")[0]
    assert {e.name for e in events} >= {"prod", "runner", "prod-metadata", "prod-artifacts"}
