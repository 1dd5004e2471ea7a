"""Shell completion of names: profiles, stacks, components, flavors and store types.

click's shell completion (``zenml completion bash|zsh|fish`` prints the script)
calls these while the user presses Tab. They read the profile in effect, or
the one the command line names with ``--profile``, never write (no first-run
set-up, no repair) and never fail: any trouble completes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import click

from zen_core.cli.meta import PROFILE, STACK
from zen_core.models import ComponentType

Completer = Callable[[click.Context, click.Parameter, str], list]


def _safe(names: Callable[[click.Context], Iterable[str]]) -> Completer:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        from click.shell_completion import CompletionItem

        try:
            found = sorted({n for n in names(ctx) if n.startswith(incomplete)})
        except Exception:  # completion must never break the shell
            return []
        return [CompletionItem(n) for n in found]

    return complete


def _client(ctx: click.Context, profile_param: str | None = None) -> Any:
    from zen_core.client import Client

    meta = ctx.meta
    profile = (ctx.params.get(profile_param) if profile_param else None) or meta.get(PROFILE)
    return Client(profile=profile, stack=meta.get(STACK))


def _profiles(ctx: click.Context) -> Iterable[str]:
    from zen_core.config import GlobalConfig

    return GlobalConfig().profiles


def _stacks(ctx: click.Context) -> Iterable[str]:
    from zen_core.services import stacks

    return stacks.names(_client(ctx, "from_profile").access)


def _store_types(ctx: click.Context) -> Iterable[str]:
    from zen_core.plugins import get_plugin_manager

    return get_plugin_manager().store_types()


complete_profiles = _safe(_profiles)
complete_stacks = _safe(_stacks)
complete_store_types = _safe(_store_types)

# The names :func:`zen_core.cli.options.global_options` looks up lazily.
profiles, stacks = complete_profiles, complete_stacks


def complete_components(ctype: ComponentType) -> Completer:
    def names(ctx: click.Context) -> Iterable[str]:
        from zen_core.services import components

        access = _client(ctx, "from_profile").access
        return [c.name for c in components.list_(access, ctype)]

    return _safe(names)


def complete_flavors(ctype: ComponentType) -> Completer:
    def names(ctx: click.Context) -> Iterable[str]:
        from zen_core.plugins import get_plugin_manager

        return [name for (t, name) in get_plugin_manager().flavors() if t is ctype]

    return _safe(names)
