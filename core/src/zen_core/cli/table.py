"""The seed's tables (rich's ``box.HEAVY_EDGE``) drawn without rich, when that is exact.

rich costs ``zenml stack list`` more than the rest of the command together:
about 20 ms to import and, per row, ~0.6 ms to lay out (1.3 s at 2,000 stacks).
Most tables are the simple case: ASCII cells (names are ASCII by construction,
plus the 👉 mark), one line each, a title and a caption (if any) of one line of
ASCII without markup, and narrower than the terminal, so no column is wrapped.
:func:`render` draws exactly what rich would draw for that case, byte for byte
(bold headers, italic titles on a colour terminal included; tests compare the
two on thousands of random tables), and returns None for anything else, which
``print_table`` then gives to rich.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Cells that are not plain printable ASCII go to rich, but for these (and their width).
_WIDE = {"👉": 2}
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"
#: rich's styles of a table's title (``table.title``) and caption (``table.caption``).
_TITLE, _CAPTION = "\x1b[3m", "\x1b[2;3m"


def _width(text: str) -> int | None:
    """The terminal width of ``text``, or None when rich should measure it."""
    if text in _WIDE:
        return _WIDE[text]
    if text.isascii() and text.isprintable():
        return len(text)
    return None


def _annotation(text: str, width: int, style: str | None) -> str | None:
    """A title or caption centred over ``width`` as rich draws it, or None where rich
    would wrap it or read markup in it."""
    if not (text.isascii() and text.isprintable()) or "[" in text or \
            text != " ".join(text.split()) or len(text) > width:
        return None
    left = (width - len(text)) // 2
    line = " " * left + text + " " * (width - len(text) - left)
    return f"{style}{line}{_RESET}" if style else line


def render(columns: Sequence[str], rows: Sequence[Sequence[str]], centered: set[int],
           min_widths: dict[int, int], max_width: int, bold: bool,
           title: str | None = None, caption: str | None = None) -> str | None:
    """The table as rich draws it (``padding=(0, 1)``, natural widths), with its ``title``
    above and ``caption`` below, or None if this renderer cannot promise the same output
    (then use rich). ``bold``: styled as on a colour terminal."""
    if not rows or not columns:
        return None
    widths = []
    for index, header in enumerate(columns):
        width = _width(header)
        if width is None:
            return None
        widths.append(max(width, min_widths.get(index, 0)))
    cell_widths = []
    for row in rows:
        if len(row) != len(columns):
            return None
        measured = []
        for index, cell in enumerate(row):
            width = _width(cell)
            if width is None:
                return None
            measured.append(width)
            if width > widths[index]:
                widths[index] = width
        cell_widths.append(measured)
    table_width = sum(widths) + 3 * len(widths) + 1
    if table_width > max_width:
        return None  # rich would wrap or shrink columns
    above = below = None
    if title is not None:
        above = _annotation(title, table_width, _TITLE if bold else "")
        if above is None:
            return None
    if caption is not None:
        below = _annotation(caption, table_width, _CAPTION if bold else "")
        if below is None:
            return None

    def line(cells: Sequence[str], sizes: Sequence[int], header: bool) -> str:
        parts = []
        for index, (text, size) in enumerate(zip(cells, sizes, strict=True)):
            room = widths[index] - size
            if index in centered:
                left = room // 2
                text = " " * left + text + " " * (room - left)
            else:
                text = text + " " * room
            if header and bold:
                parts.append(f"{_BOLD} {_RESET}{_BOLD}{text}{_RESET}{_BOLD} {_RESET}")
            else:
                parts.append(f" {text} ")
        return "┃" + "│".join(parts) + "┃"

    out = [
        *([above] if above is not None else []),
        "┏" + "┯".join("━" * (w + 2) for w in widths) + "┓",
        line(columns, [_width(c) or 0 for c in columns], header=True),
        "┠" + "┼".join("─" * (w + 2) for w in widths) + "┨",
        *(line(row, sizes, header=False) for row, sizes in zip(rows, cell_widths, strict=True)),
        "┗" + "┷".join("━" * (w + 2) for w in widths) + "┛",
        *([below] if below is not None else []),
    ]
    return "\n".join(out) + "\n"


def terminal_width() -> int | None:
    """The width rich finds for a terminal (``$COLUMNS``, else the first standard stream that
    is a terminal, else 80); None where rich would take another way (Windows, a dumb or
    forced terminal), so that the caller uses rich."""
    import os
    import sys

    environ = os.environ
    if sys.platform == "win32" or environ.get("TERM", "").lower() in ("dumb", "unknown") or \
            any(name in environ for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
                                             "JUPYTER_COLUMNS")):
        return None
    columns = environ.get("COLUMNS")
    if columns is not None and columns.isdigit() and int(columns) > 0:
        return int(columns)
    for descriptor in (0, 1, 2):
        try:
            size = os.get_terminal_size(descriptor).columns
        except OSError:
            continue
        return size or 80  # a terminal that tells no size: 80, as rich takes it
    return 80
