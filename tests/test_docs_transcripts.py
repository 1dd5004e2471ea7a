"""Every command the documentation shows runs (issue 20): README.md, each distribution's
README.md and docs/**/*.md.

Each page runs in a fresh config folder and working folder, its commands in the order
the page shows them, in-process (click's runner). What a block may hold:

- Lines ``$ zenml ...`` (a transcript): the lines after one, up to the next ``$`` line,
  are its output. Each must appear in what the command printed (stderr, then stdout),
  in order, spaces collapsed; ``...`` stands for anything. An ``Error:`` line in the
  output means the command must fail.
- Lines ``zenml ...`` (no ``$``): each runs and must succeed. ``# comments``, a trailing
  ``\\`` and ``> FILE`` / ``< FILE`` work as in a shell (``~`` is a HOME of the test's,
  and ``/tmp/`` a folder of the test's own); lines that are not zenml commands
  (``pip install ...``) are not run, except ``printf 'TEXT' | zenml ...`` (TEXT is its
  standard input).

An HTML comment right above a block changes that:

- ``<!-- docs-test: skip REASON -->``: the block is not run (it needs a server, a
  service, a terminal, or shows a synopsis with placeholders). Its commands are still
  checked to name commands and options that exist.
- ``<!-- docs-test: setup`` then commands on the lines after it, then ``-->``: run
  before the block, unseen by readers (what the page assumes exists).

Install lines must say how to install from the repository or a wheelhouse: the names
are not on the public index (``test_install_lines_name_a_folder_or_a_wheelhouse``).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted(ROOT.glob("*/README.md")),
         *sorted(ROOT.glob("plugins/*/README.md")), *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^(\s*)(```+)\s*([\w-]*)\s*$")
MARK = re.compile(r"^\s*<!-- docs-test: (skip|setup)\b(.*?)(-->)?\s*$")
SHELL_LANGUAGES = {"", "console", "shell", "sh", "bash"}
#: ``printf 'TEXT' | zenml ...``: TEXT is the command's standard input.
PIPED = re.compile(r"^printf (?P<text>'[^']*') \| (?P<command>zenml .*)$")


@dataclass
class Command:
    line: str  # as the page shows it (continuations joined)
    output: list[str] = field(default_factory=list)  # expected lines, `$` blocks only


@dataclass
class Block:
    page: Path
    lineno: int
    commands: list[Command]
    skip: str | None = None
    setup: list[str] = field(default_factory=list)


def blocks(page: Path) -> list[Block]:
    """The fenced shell blocks of ``page`` that show zenml commands, with their marks."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    pending_skip: str | None = None
    pending_setup: list[str] = []
    while i < len(lines):
        mark = MARK.match(lines[i])
        if mark:
            kind, rest = mark.group(1), mark.group(2).strip()
            if kind == "skip":
                assert rest, f"{page.name}:{i + 1}: a skip mark needs a reason"
                pending_skip = rest
            else:
                i += 1
                while not lines[i].strip().startswith("-->"):
                    pending_setup.append(lines[i].strip())
                    i += 1
            i += 1
            continue
        fence = FENCE.match(lines[i])
        if not fence:
            if lines[i].strip():
                pending_skip, pending_setup = None, []
            i += 1
            continue
        indent, ticks, language = fence.groups()
        start = i
        body: list[str] = []
        i += 1
        while not lines[i].strip().startswith(ticks):
            body.append(lines[i][len(indent):])
            i += 1
        i += 1
        if language in SHELL_LANGUAGES:
            commands = parse_block(body)
            if commands:
                found.append(Block(page, start + 1, commands, pending_skip, pending_setup))
        pending_skip, pending_setup = None, []
    return found


def parse_block(body: list[str]) -> list[Command]:
    transcript = any(line.startswith("$ ") for line in body)
    commands: list[Command] = []
    joined: list[str] = []
    for line in body:  # continuation lines joined first
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1] + " " + line.strip()
        else:
            joined.append(line)
    for line in joined:
        if transcript:
            if line.startswith("$ "):
                text = line[2:].strip()
                commands.append(Command(text) if text.startswith("zenml ") else Command(""))
            elif commands and line.strip():
                commands[-1].output.append(line)
        elif line.startswith("zenml ") or PIPED.match(line):
            commands.append(Command(line.strip()))
    return [c for c in commands if c.line]


def split(line: str) -> tuple[list[str], str | None, str | None]:
    """argv (without ``zenml``), and the files of ``> FILE`` and ``< FILE``."""
    piped = PIPED.match(line)
    if piped:
        line = piped.group("command")
    tokens = shlex.split(line, comments=True)
    out = into = None
    argv: list[str] = []
    it = iter(tokens[1:])
    for token in it:
        if token == ">":
            out = next(it)
        elif token == "<":
            into = next(it)
        else:
            argv.append(token)
    return argv, out, into


def all_blocks() -> list[Block]:
    return [b for page in PAGES for b in blocks(page)]


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


# --- what the page shows runs ---------------------------------------------------------------
BORDER = re.compile(r"^[\s┏┓┗┛┠┨━─┯┷┼]+$")


def table_row(line: str, shown: bool) -> str:
    """A table row's cells, spaces collapsed; a cell the page shows cut (``…``) is ``...``."""
    cells = [" ".join(c.split()) for c in line.strip().strip("┃").split("│")]
    if shown:
        cells = ["..." if "…" in c else c for c in cells]
    return " │ ".join(cells)


def matches(expected: str, actual: str) -> bool:
    if expected.lstrip().startswith("┃"):
        expected, actual = table_row(expected, True), table_row(actual, False)
    pattern = ".*".join(re.escape(part) for part in " ".join(expected.split()).split("..."))
    return re.fullmatch(pattern, " ".join(actual.split())) is not None


def missing(shown: list[str], printed: str) -> str | None:
    """The first line of ``shown`` not printed in order; a table's borders (which depend on
    the widths) are left out."""
    actual = [line for line in printed.splitlines() if line.strip()]
    position = 0
    for expected in (line for line in shown if not BORDER.match(line)):
        while position < len(actual) and not matches(expected, actual[position]):
            position += 1
        if position == len(actual):
            return expected
        position += 1
    return None


def check_output(command: Command, stderr: str, stdout: str) -> None:
    """What the page shows was printed, in order: messages then data, or data then
    messages (a terminal interleaves the two streams as they come)."""
    first = missing(command.output, stderr + stdout)
    if first is not None and missing(command.output, stdout + stderr) is not None:
        raise AssertionError(
            f"`{command.line}` did not print (in this order) {first!r}:\n{stderr}{stdout}")


def run(zen, sandbox: Path, command: Command, where: str) -> None:
    """Run one command as a shell would, ``~`` being the test's HOME, and a page's ``/tmp/``
    the test's own folder (two pages, or two runs, share nothing)."""
    argv, out, into = split(command.line)
    argv = [str(Path(a).expanduser()) if a.startswith("~/") else a for a in argv]
    argv = [a.replace("/tmp/", f"{sandbox}/") for a in argv]
    stdin = Path(into).expanduser().read_text() if into else None
    piped = PIPED.match(command.line)
    if piped:
        stdin = shlex.split(piped.group("text"))[0].encode().decode("unicode_escape")
    result = zen(argv, input=stdin)
    fails = any(line.lstrip().startswith("Error:") for line in command.output)
    assert "Traceback" not in result.output, f"{where}: `{command.line}`:\n{result.output}"
    assert (result.exit_code != 0) == fails, (
        f"{where}: `{command.line}` exited {result.exit_code}:\n{result.output}")
    if out:
        target = Path(out).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(result.stdout)
    check_output(command, result.stderr, result.stdout)


@pytest.mark.parametrize("page", [p for p in PAGES if any(not b.skip for b in blocks(p))],
                         ids=page_id)
def test_the_commands_of_the_page_run_as_shown(zen, zen_home, tmp_path, monkeypatch, page):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    sandbox = tmp_path / "tmp"
    sandbox.mkdir()
    for block in blocks(page):
        where = f"{page_id(page)}:{block.lineno}"
        if block.skip:
            continue
        for line in block.setup:
            run(zen, sandbox, Command(line), f"{where} (setup)")
        for command in block.commands:
            run(zen, sandbox, command, where)


# --- what is not run still names real commands ------------------------------------------------
def resolve(argv: list[str]) -> tuple[list[click.Command], list[str]]:
    """The commands ``argv`` names (``zenml``, a group, ..., the command) and its options."""
    from zen_core.cli.main import cli

    ctx = click.Context(cli, info_name="zenml")
    path: list[click.Command] = [cli]
    options: list[str] = []
    tokens = iter(argv)
    for token in tokens:
        command = path[-1]
        if token == "--":
            break
        if token.startswith("-"):
            name = token.split("=")[0]
            options.append(name)
            param = next((p for p in command.get_params(ctx)
                          if name in getattr(p, "opts", [])), None)
            if param is not None and not getattr(param, "is_flag", False) and "=" not in token:
                next(tokens, None)  # its value
        elif isinstance(command, click.Group):
            sub = command.get_command(ctx, token)
            assert sub is not None, f"no command '{token}' in `{command.name}`"
            path.append(sub)
            ctx = click.Context(sub, parent=ctx, info_name=token)
    return path, options


def known_options(command: click.Command) -> set[str]:
    ctx = click.Context(command)
    names = {"-h", "--help"}
    for param in command.get_params(ctx):
        names.update(getattr(param, "opts", []))
        names.update(getattr(param, "secondary_opts", []))
    return names


PLACEHOLDERS = re.compile(r"\[[^\]]*\]|\.\.\.")


@pytest.mark.parametrize("block", [b for b in all_blocks() if b.skip],
                         ids=lambda b: f"{page_id(b.page)}:{b.lineno}")
def test_a_block_not_run_names_commands_and_options_that_exist(zen_home, block):
    for command in block.commands:
        argv, _, _ = split(PLACEHOLDERS.sub(" ", command.line))
        path, options = resolve(argv)
        if (path[-1].context_settings or {}).get("ignore_unknown_options"):
            continue  # --key=value configuration
        unknown = set(options) - set().union(*(known_options(c) for c in path))
        assert not unknown, f"`{command.line}`: no option {sorted(unknown)}"


# --- install lines ------------------------------------------------------------------------------
ZEN_NAME = re.compile(r"(?<![\w./-])[\"']?zen-(core|local-store|sql-store|rest-store|service)\b")


@pytest.mark.parametrize("page", [p for p in PAGES if p.name != "decisions.md"], ids=page_id)
def test_install_lines_name_a_folder_or_a_wheelhouse(page):  # decisions.md: the old hints
    """`pip install zen-core` installs an unrelated project; the others are not published."""
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        for command in re.findall(r"pip install[^`#\n]*", line):
            if "--find-links" in command:
                continue
            assert not ZEN_NAME.search(command), (
                f"{page_id(page)}:{number}: `{command.strip()}` installs from the public index")


def test_the_marks_are_understood():
    """A mistyped mark would leave a block run (or not) by surprise."""
    for page in PAGES:
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("<!--") and "docs-test" in line:
                assert MARK.match(line), f"{page_id(page)}:{number}: {line}"
