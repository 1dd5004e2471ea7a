"""CI runs exactly the README's test command, and installs nothing into the system Python."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_command(section: str) -> str:
    text = (ROOT / "README.md").read_text()
    body = text.split(f"## {section}", 1)[1]
    return re.search(r"```\n(.+?)\n```", body, re.S).group(1).strip()


def ci_lines() -> list[str]:
    return [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_ci_ends_with_exactly_the_readme_test_command():
    command = readme_command("Run the whole test suite (one command)")
    assert "\n" not in command
    assert ci_lines()[-1] == command


def test_the_test_command_installs_into_a_venv_of_its_own():
    command = readme_command("Run the whole test suite (one command)")
    assert command.startswith("python3 -m venv .venv-nox && ")
    for line in ci_lines():
        # only the venv's pip: `python3 -m pip install` would hit the system Python
        assert not re.search(r"(^|[\s;&|])(python3? -m |(?<!-m ))pip3? install", line), line


def test_the_install_command_still_ends_with_profile_list():
    command = readme_command("Install and run (one command)")
    assert command.endswith("&& zenml profile list")
