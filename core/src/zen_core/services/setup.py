"""The explicit steps the CLI runs before a command (``Client.prepare``), in this order:

1. the first run creates and activates the ``default`` profile;
2. a repository written by ZenML before 0.7 is migrated into a profile;
3. choices that name a profile or stack that has gone are repaired, with a warning.

Nothing else writes on its way to a command: reading the configuration never does.
"""

from __future__ import annotations

from pathlib import Path

from zen_core.config import GlobalConfig
from zen_core.context import Context
from zen_core.exceptions import StoreUnavailableError
from zen_core.repository import REPOSITORY_DIR, Repository
from zen_core.services import choices, profiles
from zen_core.services.access import Reporter, quiet
from zen_core.services.progress import Progress, no_progress


def prepare(config: GlobalConfig, repository_root: Path | None, report: Reporter = quiet,
            warn: Reporter = quiet, *, profile: str | None = None, stack: str | None = None,
            progress: Progress = no_progress) -> None:
    """``profile`` and ``stack`` are what the command names (``--profile``/``--stack``):
    then no stored choice is repaired. ``progress`` follows a large migration."""
    profiles.ensure_default(config, report)
    if repository_root is not None and _migrate_if_legacy(
            config, repository_root / REPOSITORY_DIR, report, progress=progress):
        config.reload()
    repository = Repository(repository_root) if repository_root else None
    context = Context(config, repository, profile=profile, stack=stack)
    try:
        with profiles.open_store(config, context.profile) as store:
            repaired = choices.repair(context, store, warn)
    except StoreUnavailableError:
        repaired = False  # a store that has gone: nothing to repair, the command says so
    if repaired:
        config.reload()


def _migrate_if_legacy(config: GlobalConfig, zen_dir: Path, report: Reporter,
                       progress: Progress) -> bool:
    from zen_core.legacy import migrate_if_legacy  # only inside a repository

    return migrate_if_legacy(config, zen_dir, report, progress=progress)
