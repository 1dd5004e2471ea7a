"""The tables drawn without rich are exactly rich's, and rich draws the rest."""

from __future__ import annotations

import io
import random
import string

import pytest
from rich.console import Console

from zen_core.cli import table
from zen_core.cli.output import ACTIVE_MARK, plain_table, rich_table

HEADERS = ["ACTIVE", "STACK NAME", "PROFILE NAME", "NAME", "FLAVOR", "URL", "X", "A_LONG_HEADER"]
ALPHABET = string.ascii_letters + string.digits + " _-./:[]{}()=,'\"*#@!?%&<>|~^`+$"


def _random_table(rng: random.Random) -> tuple[list[str], list[list[str]]]:
    columns = rng.sample(HEADERS, rng.randint(1, 6))
    rows = []
    for _ in range(rng.randint(1, 12)):
        row = []
        for column in columns:
            if column == "ACTIVE":
                row.append(rng.choice([ACTIVE_MARK, ""]))
            else:
                row.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30))))
        rows.append(row)
    return columns, rows


def _rich(columns, rows, keep, width: int, terminal: bool, title=None, caption=None) -> str:
    built, _ = rich_table(columns, rows, keep, title, caption)
    out = io.StringIO()
    Console(file=out, width=width, highlight=False, soft_wrap=False, force_terminal=terminal,
            color_system="auto" if terminal else None).print(built, crop=False)
    return out.getvalue()


def _plain(columns, rows, keep, width: int, terminal: bool, title=None,
           caption=None) -> str | None:
    return plain_table(columns, rows, keep, width, bold=terminal, title=title, caption=caption)


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "colour terminal"])
def test_the_plain_tables_are_exactly_richs(terminal):
    rng = random.Random(20261201 + terminal)
    drawn = 0
    for _ in range(1500):
        columns, rows = _random_table(rng)
        keep = [next((c for c in columns if c != "ACTIVE"), columns[0])]
        width = rng.choice([40, 60, 80, 120, 200])
        plain = _plain(columns, rows, keep, width, terminal)
        if plain is None:  # too wide: rich wraps it
            continue
        drawn += 1
        assert plain == _rich(columns, rows, keep, width, terminal), (columns, rows, width)
    assert drawn > 500  # most random tables fit: the comparison covered them


def _annotation(rng: random.Random) -> str | None:
    """A title or caption: none, a describe command's, or random (wider than the table,
    with spaces to wrap at, markup...)."""
    kind = rng.random()
    if kind < 0.3:
        return None
    if kind < 0.5:
        return rng.choice(["ORCHESTRATOR Component Configuration (ACTIVE)",
                           "'default' stack (ACTIVE)", "3 of 12 changes, newest first"])
    return "".join(rng.choice(ALPHABET + "   ") for _ in range(rng.randint(1, 60)))


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "colour terminal"])
def test_titles_and_captions_are_exactly_richs(terminal):
    rng = random.Random(20261207 + terminal)
    drawn = titled = 0
    for _ in range(1500):
        columns, rows = _random_table(rng)
        keep = [next((c for c in columns if c != "ACTIVE"), columns[0])]
        width = rng.choice([60, 120, 200])
        title, caption = _annotation(rng), _annotation(rng)
        plain = _plain(columns, rows, keep, width, terminal, title, caption)
        if plain is None:  # too wide, or a title rich wraps or reads as markup
            continue
        drawn += 1
        titled += title is not None or caption is not None
        assert plain == _rich(columns, rows, keep, width, terminal, title, caption), \
            (columns, rows, width, title, caption)
    assert drawn > 300 and titled > 200


@pytest.mark.parametrize(("title", "caption"), [
    ("[bold]a[/bold]", None),          # markup: rich reads it
    (None, "x" * 80),                  # wider than the table: rich wraps it
    ("two  spaces", None),             # rich may wrap at a space
    ("café", None),
])
def test_a_title_only_rich_draws_right_goes_to_rich(title, caption):
    assert table.render(["NAME"], [["x" * 10]], set(), {}, 200, bold=False, title=title,
                        caption=caption) is None
    assert table.render(["NAME"], [["x" * 10]], set(), {}, 200, bold=False,
                        title="a title") is not None


@pytest.mark.parametrize("cells", [
    ["café"],            # not ASCII: rich measures it
    ["two\nlines"],      # a cell of several lines
    ["tab\there"],       # a control character
])
def test_what_only_rich_draws_right_goes_to_rich(cells):
    assert table.render(["NAME"], [cells], set(), {}, 200, bold=False) is None


def test_a_table_wider_than_the_terminal_goes_to_rich():
    assert table.render(["NAME"], [["x" * 50]], set(), {}, 40, bold=False) is None
    assert table.render(["NAME"], [["x" * 50]], set(), {}, 60, bold=False) is not None


def test_values_are_text_never_markup(zen):
    result = zen("orchestrator register kf -t kubeflow --kubernetes_context=[bold]ctx[/bold]")
    assert result.exit_code == 0, result.output
    listed = zen("orchestrator list").stdout
    assert "[bold]ctx[/bold]" in listed
