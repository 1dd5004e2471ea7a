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

from zen_core import env
from zen_core.config import GlobalConfig
from zen_core.context import ENVIRONMENT, NAMED_PROFILE, Context
from zen_core.exceptions import STORE_FAILURES, ProfileNotFoundError, ZenError
from zen_core.repository import REPOSITORY_DIR, Repository
from zen_core.services import choices, profiles
from zen_core.services.access import Reporter, quiet
from zen_core.services.progress import Progress, no_progress

#: Migrates the repository folder it is given if it needs it; says whether it did.
Migration = Callable[..., bool]


def prepare(config: GlobalConfig, repository_root: Path | None, report: Reporter = quiet,
            warn: Reporter = quiet, *, profile: str | None = None, stack: str | None = None,
            progress: Progress = no_progress, migrate: Migration | None = None,
            store: bool = True) -> ZenError | None:
    """``profile`` and ``stack`` are what the command names (``--profile``/``--stack``):
    then no stored choice is repaired. ``migrate(config, zen_dir, report, progress=...)``
    migrates a legacy repository; ``progress`` follows a large migration.

    ``store=False`` (commands that manage profiles) opens no profile's store: a stale
    stack choice is then left for the next command that reads the store. Returns the
    error of an effective profile's store that could not be reached or read (the repair
    of stack choices is skipped; the command that needs the store says so), else None.
    No profile in effect (a stale global choice) is no error here either: the commands
    that need one say so, and `zenml profile set --global` is one that does not.
    """
    profiles.ensure_default(config, report)
    if repository_root is not None and migrate is not None and migrate(
            config, repository_root / REPOSITORY_DIR, report, progress=progress):
        config.reload()
    repository = Repository(repository_root) if repository_root else None
    context = Context(config, repository, profile=profile, stack=stack)
    try:
        context.profile_choice  # noqa: B018 - resolves, or says there is none
    except ProfileNotFoundError:
        return None
    problem: ZenError | None = None
    repaired = choices.repair_profile(context, warn)
    if repaired:
        config.reload()
        context = Context(config, Repository(repository_root) if repository_root else None,
                          profile=profile, stack=stack)
    if store:
        try:
            with profiles.open_store(config, context.profile) as opened:
                repaired = choices.repair_stack(context, opened, warn) or repaired
        except STORE_FAILURES as err:  # the command that reads the store says so
            problem = err
    if repaired:
        config.reload()
    return problem


def way_round(context: Context) -> str:
    """What still works when the effective profile's store cannot be read: another
    profile, for one command or from now on (a hint that names a profile that exists)."""
    current = context.profile
    others = [name for name in context.config.profiles if name != current.name]
    if not others:
        return ("Commands on profiles still work: `zenml profile list`, `zenml profile "
                "create NAME`.")
    other = "default" if "default" in others else others[0]
    hint = f"Meanwhile other profiles still work: `--profile {other}` runs one command with one"
    if context.profile_scope == ENVIRONMENT:
        hint += f" (or unset {env.ACTIVATED_PROFILE})"
    elif context.profile_scope != NAMED_PROFILE:
        hint += f", `zenml profile set {other}` switches to it"
    return hint + "."
