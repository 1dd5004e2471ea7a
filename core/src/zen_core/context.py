"""What is in effect for one command or program: profile, stack, repository. Read-only.

Effective profile: the one named for this command (``zenml --profile P``,
``Client(profile=P)``), else ``$ZENML_ACTIVATED_PROFILE``, else the
repository's, else the global one. Effective stack: the one named for this
command (``--stack S``), else the named profile's own active stack when a
profile is named, else ``$ZENML_ACTIVATED_STACK``, else the repository's (when
the repository's profile is in effect), else the profile's. Naming a profile
or stack for a command stores nothing.

Resolving never writes. A choice that names something gone (a repository's
profile deleted elsewhere, an active stack deleted through another profile) is
resolved to its fallback and reported as *stale*; repairing the files is an
explicit step (:func:`zen_core.services.choices.repair`) that the CLI runs.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from zen_core import env
from zen_core.config import GlobalConfig, Profile
from zen_core.defaults import DEFAULT_PROFILE, DEFAULT_STACK
from zen_core.exceptions import ProfileNotFoundError, StackNotFoundError
from zen_core.repository import Repository

ENVIRONMENT, LOCAL, GLOBAL = "environment", "local", "global"
#: The scopes of a profile or stack named for one command (the CLI's options).
NAMED_PROFILE, NAMED_STACK = "--profile", "--stack"


class ProfileChoice(NamedTuple):
    profile: Profile
    #: Where it comes from: ``environment``, ``local`` (the repository) or ``global``.
    scope: str
    #: The repository's own profile when it no longer exists (the global one is used).
    stale: str | None = None


class StackChoice(NamedTuple):
    #: The effective stack, None when the profile has no stacks.
    name: str | None
    scope: str
    #: The recorded choice when it names a stack that no longer exists (``name`` is the
    #: fallback), and where it is recorded: ``local`` (repository) or ``global`` (profile).
    stale: str | None = None


def fallback_stack(recorded: str | None, names: Collection[str]) -> str | None:
    """The recorded stack if it exists, else ``default``, else the first, else None."""
    if recorded in names:
        return recorded
    if DEFAULT_STACK in names:
        return DEFAULT_STACK
    return min(names) if names else None


def profile_of_repository(config: GlobalConfig, repository: Repository) -> Profile | None:
    """The profile the repository chose: the one with the identity it recorded (so a
    profile renamed since is followed), else the one of the name it recorded, else None."""
    identity = repository.active_profile_id
    if identity:
        for profile in config.profiles.values():
            if profile.identity == identity:
                return profile
    name = repository.active_profile_name
    if name and config.has_profile(name):
        return config.get_profile(name)
    return None


def no_active_profile(config: GlobalConfig) -> str:
    """What to say when no profile is in effect, with a command that works right there."""
    names = list(config.profiles)
    recorded = config.activated_profile
    what = (f"The active profile '{recorded}' (activated_profile in {config.path}) does not "
            "exist." if recorded else "No active profile is set.")
    if not names:
        return f"{what} Create one with `zenml profile create NAME`."
    choice = DEFAULT_PROFILE if DEFAULT_PROFILE in names else names[0]
    return (f"{what} Choose one with `zenml profile set --global {choice}` (profiles: "
            f"{', '.join(names)}).")


class Context:
    """The effective choices, given the global config, the repository (if any) and the
    profile and stack named for this command (if any)."""

    def __init__(self, config: GlobalConfig, repository: Repository | None, *,
                 profile: str | None = None, stack: str | None = None) -> None:
        self.config = config
        self.repository = repository
        self.named_profile = profile or None
        self.named_stack = stack or None

    @classmethod
    def here(cls, config: GlobalConfig, cwd: Path | None = None, *, profile: str | None = None,
             stack: str | None = None) -> Context:
        """The context of the working directory ``cwd`` (default: the current one): its
        repository, if it is in one."""
        from zen_core.repository import find_repository_root

        root = find_repository_root(cwd)
        return cls(config, Repository(root) if root else None, profile=profile, stack=stack)

    @property
    def names_choices(self) -> bool:
        """Whether this command names its profile or stack (then nothing stored is repaired)."""
        return self.named_profile is not None or self.named_stack is not None

    def without_named(self) -> Context:
        """The choices as stored and set in the environment, ignoring what the command names:
        what guards (an active profile cannot be deleted...) protect."""
        if not self.names_choices:
            return self
        return Context(self.config, self.repository)

    @cached_property
    def profile_choice(self) -> ProfileChoice:
        config = self.config
        if self.named_profile is not None:
            if not config.has_profile(self.named_profile):
                raise ProfileNotFoundError(
                    f"Profile '{self.named_profile}' named by --profile does not exist. "
                    f"Available profiles: {', '.join(sorted(config.profiles)) or 'none'}."
                )
            return ProfileChoice(config.get_profile(self.named_profile), NAMED_PROFILE)
        env_name = os.environ.get(env.ACTIVATED_PROFILE)
        if env_name:
            if not config.has_profile(env_name):
                raise ProfileNotFoundError(
                    f"Profile '{env_name}' named by {env.ACTIVATED_PROFILE} does not exist."
                )
            return ProfileChoice(config.get_profile(env_name), ENVIRONMENT)
        global_name = config.activated_profile
        local = None
        if self.repository is not None:
            local = self.repository.active_profile_name
            found = profile_of_repository(config, self.repository)
            if found is not None:
                return ProfileChoice(found, LOCAL)
        if not global_name or not config.has_profile(global_name):
            raise ProfileNotFoundError(no_active_profile(config))
        if self.repository is None:
            return ProfileChoice(config.get_profile(global_name), GLOBAL)
        return ProfileChoice(config.get_profile(global_name), LOCAL, stale=local or None)

    @property
    def profile(self) -> Profile:
        return self.profile_choice.profile

    @property
    def profile_scope(self) -> str:
        return self.profile_choice.scope

    def stack_choice(self, names: Collection[str] | None) -> StackChoice:
        """The effective stack of the effective profile, whose stacks are ``names``; with
        ``names`` None (its store not read), the stack the choices record, unchecked."""
        env_name = os.environ.get(env.ACTIVATED_STACK)
        profile = self.profile
        if names is None:
            return self._recorded_stack_choice(env_name)
        if self.named_stack is not None:
            if self.named_stack not in names:
                raise StackNotFoundError(
                    f"Stack '{self.named_stack}' named by --stack does not exist in profile "
                    f"'{profile.name}'. Available stacks: {', '.join(sorted(names)) or 'none'}."
                )
            return StackChoice(self.named_stack, NAMED_STACK)
        if self.profile_scope == NAMED_PROFILE:
            # The environment's and the repository's stacks go with their own profiles.
            env_name = None
        if env_name:
            if env_name not in names:
                raise StackNotFoundError(
                    f"Stack '{env_name}' named by {env.ACTIVATED_STACK} does not exist in "
                    f"profile '{profile.name}'."
                )
            return StackChoice(env_name, ENVIRONMENT)
        fallback = fallback_stack(profile.active_stack, names)
        if self.profile_scope == LOCAL and self.repository is not None:
            # A repository whose profile has gone: its stack belonged to that profile.
            local = None if self.profile_choice.stale else self.repository.active_stack_name
            if local in names:
                return StackChoice(local, LOCAL)
            return StackChoice(fallback, LOCAL, stale=local or None)
        stale = profile.active_stack if profile.active_stack not in names else None
        return StackChoice(fallback, GLOBAL, stale=stale)

    def _recorded_stack_choice(self, env_name: str | None) -> StackChoice:
        profile = self.profile
        if self.named_stack is not None:
            return StackChoice(self.named_stack, NAMED_STACK)
        if env_name and self.profile_scope != NAMED_PROFILE:
            return StackChoice(env_name, ENVIRONMENT)
        if self.profile_scope == LOCAL and self.repository is not None:
            local = None if self.profile_choice.stale else self.repository.active_stack_name
            return StackChoice(local or profile.active_stack, LOCAL)
        return StackChoice(profile.active_stack, GLOBAL)
