"""The CLI reference page (docs/reference/cli.md), rendered as the documentation site renders
it: mkdocs-click over the real commands, after docs/hooks.py prepared them (in a process of
its own, as the preparation changes the commands' defaults)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


RENDER = """
import importlib.util, sys, markdown
spec = importlib.util.spec_from_file_location("hooks", sys.argv[1])
hooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hooks)
hooks.prepare_cli_reference()
page = open(sys.argv[2], encoding="utf-8").read()
sys.stdout.write(markdown.markdown(page, extensions=["mkdocs-click", "attr_list", "tables"]))
"""


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> str:
    env = {**os.environ, "ZENML_CONFIG_PATH": str(tmp_path_factory.mktemp("docs-config"))}
    done = subprocess.run(
        [sys.executable, "-c", RENDER, str(ROOT / "docs" / "hooks.py"),
         str(ROOT / "docs" / "reference" / "cli.md")],
        capture_output=True, text=True, env=env, timeout=120, encoding="utf-8",
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_no_option_shows_clicks_unset_sentinel(reference):
    assert "::: mkdocs-click" not in reference  # the directive was expanded
    for usage in ("zenml stack register", "zenml orchestrator update", "zenml service up"):
        assert usage in reference
    assert "Sentinel" not in reference
    assert "UNSET" not in reference


def test_the_exit_codes_are_stated_once_and_right(reference):
    text = re.sub(r"<[^>]+>", "", reference)
    stated = re.findall(r"Exit codes: [^\n]*", text)
    assert stated == ["Exit codes: 0 ok, 1 error (one line on stderr), 2 usage "
                      "error (a bad option or argument, an unknown command), 130 interrupted "
                      "(Ctrl-C)."]
    assert "usage errors included" not in text


def test_the_exit_codes_stated_are_the_ones_zenml_exits_with(zen):
    from zen_core.testing.cli import usage_error

    assert "Exit codes: 0 ok, 1 error" in zen("--help").stdout
    usage_error(zen("stack list --no-such-option"))


def test_every_page_that_states_exit_codes_agrees_with_the_cli():
    promised = {0: "ok", 1: "error", 2: "usage error", 130: "interrupted"}  # the README's
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    pages.remove(ROOT / "docs" / "decisions.md")  # its history of the codes
    stated = 0
    for page in pages:
        text = " ".join(page.read_text(encoding="utf-8").split())
        for sentence in re.findall(r"Exit codes: .*?\.(?= [A-Z`]|$)", text):
            stated += 1
            for code, meaning in promised.items():
                assert f"{code} {meaning}" in sentence, (page.name, sentence)
    assert stated  # the README states them
