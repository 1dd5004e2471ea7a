"""What depends on a terminal, tested on a real pseudo-terminal (pexpect): questions before
deletes, progress bars, colours and NO_COLOR, tables and messages fitted to the width."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from zen_core.testing.require import posix_only, require_modules

pytestmark = posix_only("pseudo-terminals")
# Skipped without pexpect (the `test` dependency group); failed under ZEN_REQUIRE_PLUGINS (CI).
require_modules("pexpect")

import pexpect  # noqa: E402
from test_legacy_repository import make_legacy_repository  # noqa: E402

from zen_core.testing.cli import as_at_a_terminal, ok  # noqa: E402

ZENML = str(Path(sys.executable).parent / "zenml")
CORE = ["-o", "default", "-m", "default", "-a", "default"]
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def on_terminal(*args: str, cwd: Path | None = None, columns: int = 100,
                env: dict | None = None, answer: str | None = None, interrupt: bool = False):
    """Run ``zenml ARGS`` on a pseudo-terminal; answer its question (or press Ctrl-C)."""
    # The terminal's size is its own, not a COLUMNS some test runners export.
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    child = pexpect.spawn(ZENML, list(args), cwd=str(cwd) if cwd else None,
                          env={**environment, **(env or {})}, dimensions=(40, columns),
                          encoding="utf-8", timeout=60, preexec_fn=as_at_a_terminal)
    said = ""
    if answer is not None or interrupt:
        child.expect(r"\[y/N\]: ")
        said = child.before + child.after
        if interrupt:
            child.sendintr()
        else:
            child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, (said + child.before).replace("\r\n", "\n")


def in_a_pipe(*args: str, cwd: Path | None = None):
    result = subprocess.run([ZENML, *args], capture_output=True, text=True, cwd=cwd,
                            stdin=subprocess.DEVNULL, timeout=60)
    return result.returncode, result.stdout, result.stderr


@pytest.fixture
def home(zen, zen_home):
    ok(zen("profile list"))
    ok(zen(["stack", "register", "s", *CORE]))
    ok(zen("profile create spare"))
    return zen_home


def stacks(zen, profile: str = "default") -> list[str]:
    import json

    return [s["name"] for s in json.loads(ok(zen(f"stack list --profile {profile} -o json"))
                                          .stdout)]


# --- deletes ask first on a terminal ----------------------------------------------------
def test_a_delete_asks_and_yes_deletes(zen, home):
    code, out = on_terminal("stack", "delete", "s", answer="y")
    assert code == 0, out
    assert "Delete stack 's'? Its components stay registered. [y/N]" in out
    assert "Deleted stack 's'." in out
    assert stacks(zen) == ["default"]


def test_no_keeps_everything(zen, home):
    from zen_core.testing.cli import snapshot

    before = snapshot(home)
    code, out = on_terminal("profile", "delete", "spare", answer="n")
    assert code == 1
    assert "Delete profile 'spare'? Its store goes with it: 1 stack and 3 components." in out
    assert out.strip().splitlines()[-1] == "Error: Aborted: nothing changed."
    assert snapshot(home) == before


def test_ctrl_c_at_the_question_exits_130(zen, home):
    ok(zen("orchestrator register extra -t local"))
    code, out = on_terminal("orchestrator", "delete", "extra", interrupt=True)
    assert code == 130
    assert out.strip().splitlines()[-1].endswith("Error: Interrupted.")
    assert "extra" in ok(zen("orchestrator list")).stdout


def test_yes_skips_the_question(zen, home):
    code, out = on_terminal("stack", "delete", "s", "-y")
    assert code == 0 and "[y/N]" not in out
    assert stacks(zen) == ["default"]


def test_without_a_terminal_deletes_go_ahead(zen, home):
    code, _, err = in_a_pipe("profile", "delete", "spare")
    assert code == 0, err
    assert "[y/N]" not in err
    assert "Deleted profile 'spare'." in err


def test_dry_run_asks_nothing_and_changes_nothing(zen, home):
    from zen_core.testing.cli import snapshot

    before = snapshot(home)
    code, out = on_terminal("profile", "delete", "spare", "--dry-run")
    assert code == 0 and "[y/N]" not in out
    assert "Would delete profile 'spare'. Its store goes with it" in out
    assert snapshot(home) == before


# --- progress bars on a terminal, nothing in a pipe ----------------------------------------
def test_profile_copy_shows_progress_on_a_terminal_only(zen, home):
    code, out = on_terminal("profile", "copy", "default", "copy1", "--store-type", "local")
    assert code == 0, out
    assert "Writing 2 stacks and 3 components to profile 'copy1'" in out
    assert "━" in out  # the bar
    assert "Copied 2 stacks and 3 components." in out
    code, _, err = in_a_pipe("profile", "copy", "default", "copy2", "--store-type", "local")
    assert code == 0, err
    assert "Writing" not in err and "━" not in err and "\x1b[" not in err


def test_stack_import_shows_progress_on_a_terminal_only(zen, home, tmp_path):
    export = tmp_path / "s.yaml"
    ok(zen(f"stack export s {export}"))
    code, out = on_terminal("stack", "import", str(export), "--name", "s2")
    assert code == 0, out
    assert "Checking the components of stack 's2'" in out and "━" in out
    code, _, err = in_a_pipe("stack", "import", str(export), "--name", "s3")
    assert code == 0, err
    assert "Checking" not in err and "━" not in err


def test_quiet_shows_no_progress_either(zen, home):
    code, out = on_terminal("-q", "profile", "copy", "default", "copy1", "--store-type", "local")
    assert code == 0, out
    assert "Writing" not in out and out.strip() == ""


def test_a_legacy_migration_shows_progress_on_a_terminal(home, tmp_path):
    root = make_legacy_repository(tmp_path / "legacy")
    code, out = on_terminal("stack", "list", cwd=root)
    assert code == 0, out
    assert "Migrating the components in" in out and "━" in out
    root = make_legacy_repository(tmp_path / "legacy2")
    code, _, err = in_a_pipe("stack", "list", cwd=root)
    assert code == 0, err
    assert "Migrating the components" not in err


# --- colours ----------------------------------------------------------------------------
def repository_with_a_stale_stack(zen, tmp_path) -> Path:
    """A repository whose stack was deleted elsewhere: the next command warns."""
    root = tmp_path / "repo"
    root.mkdir()
    ok(zen(["init", "--path", str(root)]))
    config = root / ".zen" / "config.yaml"
    data = yaml.safe_load(config.read_text())
    assert data["active_stack_name"] == "default"
    config.write_text(yaml.safe_dump({**data, "active_stack_name": "gone"}))
    return root


def test_warnings_are_yellow_on_a_terminal(zen, home, tmp_path):
    root = repository_with_a_stale_stack(zen, tmp_path)
    code, out = on_terminal("stack", "list", cwd=root)
    assert code == 0, out
    assert "\x1b[33mWarning: Stack `gone` not found" in out


def test_no_color_turns_off_every_colour_and_style(zen, home, tmp_path):
    root = repository_with_a_stale_stack(zen, tmp_path)
    code, out = on_terminal("stack", "list", cwd=root, env={"NO_COLOR": "1"})
    assert code == 0, out
    assert "Warning: Stack `gone` not found" in out
    assert "ACTIVE" in out  # the table's header
    assert not ANSI_COLOUR.search(out), repr(out)
    code, out = on_terminal("profile", "explain", env={"NO_COLOR": "1"})
    assert code == 0 and "Profiles and stacks" in out
    assert not ANSI_COLOUR.search(out), repr(out)


# --- fitted to the terminal -------------------------------------------------------------
LEGACY_NAME = "legacy-repository-dcc5765e"


def test_at_60_columns_names_are_never_cut(zen, home):
    ok(zen(f"profile create {LEGACY_NAME}"))
    ok(zen(["stack", "register", "a_rather_long_stack_name_to_copy", *CORE]))
    code, out = on_terminal("profile", "list", columns=60, env={"NO_COLOR": "1"})
    assert code == 0, out
    assert f"│ {LEGACY_NAME} │" in out
    assert all(len(line) <= 60 for line in out.splitlines() if line.startswith("┃")), out
    code, out = on_terminal("stack", "list", columns=60, env={"NO_COLOR": "1"})
    assert "│ a_rather_long_stack_name_to_copy │" in out


def test_long_messages_wrap_to_the_terminal(zen, home, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    code, out = on_terminal("init", cwd=folder, columns=60)
    assert code == 0, out
    lines = [line for line in out.splitlines() if line.strip()]
    # a word is never broken: only a path longer than the terminal sticks out, alone
    assert all(len(line) <= 60 or " " not in line.strip() for line in lines), lines
    assert max(len(line) for line in lines if " " in line.strip()) > 45  # filled, not cut
    assert "please run 'zenml profile explain'." in " ".join(out.split())
    # in a pipe a paragraph stays one line, for grep
    other = tmp_path / "project2"
    other.mkdir()
    _, _, err = in_a_pipe("init", cwd=other)
    assert any(line.startswith("The local active profile was initialized to 'default' and "
                               "the local active stack to 'default'. This local")
               and line.endswith("'zenml profile explain'.") for line in err.splitlines())


def test_a_command_in_a_message_is_never_wrapped(home, tmp_path):
    root = make_legacy_repository(tmp_path / "legacy")
    code, out = on_terminal("stack", "list", cwd=root, columns=50)
    assert code == 0, out
    assert any(line.startswith("`zenml profile set default && zenml profile delete legacy-")
               and line.endswith("`") for line in out.splitlines()), out


def test_a_narrow_terminal_never_wraps_headers_one_letter_a_line(zen, home):
    """Issue 20: each wrapped column keeps at least 4 letters; a table that cannot fit so
    is drawn wider and the terminal wraps its lines."""
    ok(zen("container-registry register cr -t default --uri=localhost:5000"))
    ok(zen("secrets-manager register sm -t local"))
    ok(zen(["stack", "register", "s3", *CORE, "-c", "cr", "-x", "sm"]))
    code, out = on_terminal("stack", "list", columns=40, env={"NO_COLOR": "1"})
    assert code == 0, out
    lines = out.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("┏"))
    rule = next(i for i, line in enumerate(lines) if line.startswith("┠"))
    assert rule - top - 1 <= 6, out  # CONTAINER_REGISTRY in pieces of 4+, not 18 lines


def test_a_terminal_with_no_size_wraps_at_80(zen, home, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    code, out = on_terminal("init", cwd=folder, columns=0)
    assert code == 0, out
    lines = [line for line in out.splitlines() if " " in line.strip()]
    assert max(len(line) for line in lines) > 60, out  # filled to 80, not 20
    assert all(len(line) <= 80 for line in lines), out


# --- zenml apply asks on a terminal (issue 19) --------------------------------------------
def test_apply_shows_the_plan_and_asks_and_no_changes_nothing(zen, home):
    stacks_file = home.parent / "stacks.yaml"
    stacks_file.write_text("components:\n  - {type: orchestrator, flavor: local, name: o2}\n")
    code, out = on_terminal("apply", "-f", str(stacks_file), answer="n")
    assert code == 1 and "+ create orchestrator 'o2'" in out
    assert "Apply these changes to profile 'default'? [y/N]" in out
    assert "Aborted: nothing changed." in out
    assert "o2" not in ok(zen("orchestrator list")).stdout
    code, out = on_terminal("apply", "-f", str(stacks_file), answer="y")
    assert code == 0 and "Applied: 1 to create" in out
    assert "o2" in ok(zen("orchestrator list")).stdout
    code, out = on_terminal("apply", "-f", str(stacks_file))  # nothing to apply: no question
    assert code == 0 and "Nothing to apply." in out
