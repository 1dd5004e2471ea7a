"""The explicit steps the CLI runs before a command (``Client.prepare``), in this order:

1. the first run creates and activates the ``default`` profile;
2. a repository written by ZenML before 0.7 is migrated into a profile, by the step the
   caller gives (the CLI's and the Python API's: :func:`zen_core.legacy.migrate_if_legacy`;
   the domain does not know that format);
3. choices that name a profile or stack that has gone are repaired, with a warning.

Nothing else writes on its way to a command: reading the configuration never does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from zen_core.config import GlobalConfig
from zen_core.context import Context
from zen_core.exceptions import StoreUnavailableError
from zen_core.repository import REPOSITORY_DIR, Repository
from zen_core.services import choices, profiles
from zen_core.services.access import Reporter, quiet
from zen_core.services.progress import Progress, no_progress

#: Migrates the repository folder it is given if it needs it; says whether it did.
Migration = Callable[..., bool]


def prepare(config: GlobalConfig, repository_root: Path | None, report: Reporter = quiet,
            warn: Reporter = quiet, *, profile: str | None = None, stack: str | None = None,
            progress: Progress = no_progress, migrate: Migration | None = None) -> None:
    """``profile`` and ``stack`` are what the command names (``--profile``/``--stack``):
    then no stored choice is repaired. ``migrate(config, zen_dir, report, progress=...)``
    migrates a legacy repository; ``progress`` follows a large migration."""
    profiles.ensure_default(config, report)
    if repository_root is not None and migrate is not None and migrate(
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
