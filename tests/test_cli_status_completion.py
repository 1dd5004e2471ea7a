"""``zenml status`` (one view of what is in effect) and ``zenml completion`` (shell completion
of commands and of the names in the profile in effect)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from zen_core.testing.cli import ok, snapshot
from zen_core.testing.require import require_programs

ZENML_BIN = str(Path(sys.executable).parent)


@pytest.fixture
def home(zen, zen_home):
    ok(zen("profile list"))
    ok(zen("profile create team"))
    ok(zen("--profile team stack register t2 -o default -m default -a default"))
    ok(zen("orchestrator register kf -t kubeflow"))
    return zen_home


def status(zen, *args: str) -> dict:
    return json.loads(ok(zen(["status", "-o", "json", *args])).stdout)


# --- status -----------------------------------------------------------------------------
def test_status_outside_a_repository(zen, home):
    data = status(zen)
    assert data["profile"] == {"name": "default", "scope": "global"}
    assert data["stack"] == {"name": "default", "scope": "global"}
    assert data["store"] == {"type": "local", "url": f"file://{home / 'profiles' / 'default'}"}
    assert data["repository"] is None
    table = ok(zen("status")).stdout
    assert "default (global)" in table and "outside any repository" in table


def test_status_in_a_repository_and_with_overrides(zen, home, tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    ok(zen("init"))
    data = status(zen)
    assert data["repository"] == str(repo)
    assert data["profile"]["scope"] == "local" and data["stack"]["scope"] == "local"
    data = status(zen, "--profile", "team", "--stack", "t2")
    assert data["profile"] == {"name": "team", "scope": "--profile"}
    assert data["stack"] == {"name": "t2", "scope": "--stack"}
    monkeypatch.setenv("ZENML_ACTIVATED_PROFILE", "team")
    assert status(zen)["profile"] == {"name": "team", "scope": "environment"}


def test_status_masks_the_store_url_and_survives_a_store_that_has_gone(zen, home):
    config = yaml.safe_load((home / "config.yaml").read_text())
    config["profiles"]["team"]["store_url"] = "file:///nowhere/zen?token=s3cret"
    (home / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    data = status(zen, "--profile", "team")
    assert data["store"]["url"] == "file:///nowhere/zen?token=***"
    assert data["stack"]["name"] is None and "missing" in data["stack"]["error"]
    assert "local: file:///nowhere/zen?token=***" in ok(zen("status --profile team")).stdout


@pytest.mark.zen_needs("zen_service")
def test_status_shows_the_service(zen, home):
    assert status(zen)["services"]["service"]["status"] == "not running"
    assert "not running" in ok(zen("status")).stdout


# --- completion -------------------------------------------------------------------------
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_script(zen, shell):
    script = ok(zen(f"completion {shell}")).stdout
    assert "_ZENML_COMPLETE" in script
    assert f"{shell}_complete" in script


def complete(words: str, cwd: Path) -> list[str]:
    """What the shell gets for ``words`` (the last one is being typed)."""
    parts = words.split(" ")
    env = {"_ZENML_COMPLETE": "bash_complete", "COMP_WORDS": words,
           "COMP_CWORD": str(len(parts) - 1), "PATH": ZENML_BIN}
    import os

    result = subprocess.run([f"{ZENML_BIN}/zenml"], env={**os.environ, **env}, cwd=cwd,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [line.split(",", 1)[1] for line in result.stdout.split()]


@pytest.mark.parametrize(("words", "expected"), [
    ("zenml st", ["stack", "status", "step-operator"]),
    ("zenml profile set ", ["default", "team"]),
    ("zenml profile delete t", ["team"]),
    ("zenml stack describe ", ["default"]),
    ("zenml stack describe --profile team ", ["default", "t2"]),
    ("zenml stack list --stack ", ["default"]),
    ("zenml orchestrator describe ", ["default", "kf"]),
    ("zenml stack register x -o ", ["default", "kf"]),
    ("zenml orchestrator register x -t ", ["airflow", "kubeflow", "local", "vertex"]),
    ("zenml profile create x --store-type l", ["local"]),
    ("zenml stack copy ", ["default"]),
])
def test_completion_of_names(home, tmp_path, words, expected):
    assert complete(words, tmp_path) == expected


def test_completion_writes_nothing_not_even_on_a_first_run(zen_home, tmp_path):
    assert complete("zenml profile set ", tmp_path) == []
    assert not zen_home.exists() or snapshot(zen_home) == {}


def test_the_bash_script_completes_in_bash(home, tmp_path):
    require_programs("bash")
    script = (
        f'export PATH="{ZENML_BIN}:$PATH"\n'
        'source <(zenml completion bash)\n'
        'COMP_WORDS=(zenml profile set ""); COMP_CWORD=3\n'
        '_zenml_completion zenml "" set\n'  # as bash calls it: command, word, previous
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["default", "team"]
