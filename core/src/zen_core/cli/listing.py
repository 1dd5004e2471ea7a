"""The list commands' filter and paging options, over :mod:`zen_core.services.listing`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from zen_core.cli.output import info


def list_options(flavor_help: str) -> Callable[[Any], Any]:
    """``--name``, ``--flavor``, ``--sort``, ``--limit`` and ``--page`` of list commands."""

    def decorate(func: Any) -> Any:
        for option in reversed([
            click.option("--name", "name_filter", metavar="FILTER",
                         help="Only names matching: contains:TEXT, prefix:TEXT or exact:NAME "
                              "(a bare NAME is exact)."),
            click.option("--flavor", "flavor_filter", metavar="FLAVOR", help=flavor_help),
            click.option("--sort", metavar="KEY", default="name", show_default=True,
                         help="name, created or updated; a leading '-' reverses "
                              "(--sort=-updated: the latest first)."),
            click.option("--limit", metavar="N", help="Show at most N."),
            click.option("--page", metavar="K", help="Show page K (from 1) of --limit N each."),
            click.option("--selector", "-l", "selector", metavar="SELECTOR", multiple=True,
                         help="Only records whose labels match: KEY=VALUE, KEY!=VALUE, KEY or "
                              "!KEY, comma-separated or repeated (all must hold)."),
        ]):
            func = option(func)
        return func

    return decorate


def label_option(removals: bool = False) -> Callable[[Any], Any]:
    """``--label KEY=VALUE`` (repeatable); on updates ``--label KEY-`` removes one."""
    help_text = "A label KEY=VALUE (repeatable)" + (
        "; KEY- removes that label." if removals else ".")
    return click.option("--label", "labels", metavar="KEY=VALUE", multiple=True,
                        help=help_text)


def parse_labels(items: tuple[str, ...], removals: bool = False) -> dict[str, Any]:
    """The labels given with ``--label``; a bad one is a usage error (exit 2)."""
    from zen_core.exceptions import InvalidDataError
    from zen_core.labels import parse_assignments

    try:
        return parse_assignments(items, removals=removals)
    except InvalidDataError as err:
        raise click.UsageError(err.message) from None


def labels_cell(labels: dict[str, str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in labels.items())


def parse_list_query(**values: Any) -> Any:
    """The domain's checked query; a bad value is a usage error (exit 2)."""
    from zen_core.exceptions import InvalidDataError
    from zen_core.services.listing import parse_query

    values["label"] = list(values.pop("selector", None) or ()) or None
    try:
        return parse_query(**values)
    except InvalidDataError as err:
        raise click.UsageError(err.message) from None


def page_caption(page: Any, plural: str) -> None:
    """``Showing 11-20 of 57 stacks.`` on stderr when a page does not hold them all."""
    if page.is_partial and page.items:
        first = page.offset + 1
        info(f"Showing {first}-{page.offset + len(page.items)} of {page.total} {plural}.")
    elif page.is_partial:
        info(f"No {plural} on this page ({page.total} in all).")
