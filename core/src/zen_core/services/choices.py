"""The active profile and stack: setting them, keeping them right, and what they protect.

Inside a repository ``set`` changes the repository's choice, else (or with
``global_``) the global config. Renaming a stack moves the choices that name
it; an active profile or stack cannot be deleted. :func:`repair` rewrites
choices that name something gone, which resolving (:mod:`zen_core.context`)
only reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zen_core import env
from zen_core.context import ENVIRONMENT, LOCAL, Context, StackChoice
from zen_core.exceptions import (
    STORE_FAILURES,
    InUseError,
    ProfileNotFoundError,
    StackNotFoundError,
)
from zen_core.services import profiles, stacks
from zen_core.services.access import Reporter, quiet
from zen_core.services.profiles import open_store

if TYPE_CHECKING:
    from zen_core.config import Profile
    from zen_core.models import Stack
    from zen_core.services.access import StoreAccess
    from zen_core.store import BaseStore


def set_profile(context: Context, name: str, global_: bool = False) -> tuple[str, bool]:
    """Activate profile ``name`` in the repository (inside one) or globally.

    Returns the scope (``local`` or ``global``) and whether anything changed.
    """
    config, repository = context.config, context.repository
    profile = config.get_profile(name)
    if repository is not None and not global_:
        changed = repository.active_profile_name != name
        if changed:
            try:
                with open_store(config, profile) as store:
                    stack = profiles.active_stack_of(store, profile)
            except STORE_FAILURES:  # switching away from (or to) a broken store still works
                stack = profile.active_stack
            repository.set_active(profile=name, stack=stack, clear_stack=stack is None,
                                  profile_id=profiles.identity_of(config, name))
        return "local", changed
    changed = config.activated_profile != name
    if changed:
        config.activate_profile(name)
    return "global", changed


def stack_choice(context: Context, access: StoreAccess) -> StackChoice:
    """The effective stack of the context's profile (``access``: its store), and where
    the choice comes from."""
    return context.stack_choice(access.bookkeeping().stack_names())


def active_stack_of(access: StoreAccess, profile: Profile) -> str | None:
    """The profile's recorded active stack, or its fallback if that one is gone."""
    return profiles.active_stack_of(access.bookkeeping(), profile)


def active_stack(context: Context, access: StoreAccess) -> Stack:
    """The effective stack's record; StackNotFoundError when the profile has none."""
    name = stack_choice(context, access).name
    if name is None:
        raise StackNotFoundError(
            "No active stack is configured. Register one with `zenml stack register` "
            "and activate it with `zenml stack set STACK`.")
    return stacks.get(access, name)


def set_stack(context: Context, access: StoreAccess, name: str, global_: bool = False) -> str:
    """Activate stack ``name`` of the effective profile in the repository or the profile."""
    stacks.get(access, name)
    profile, repository = context.profile, context.repository
    if repository is not None and not global_ and context.profile_scope == LOCAL:
        repository.set_active(stack=name)
        if not profile.active_stack:
            context.config.set_profile_stack(profile.name, name)
        return "local"
    context.config.set_profile_stack(profile.name, name)
    return "global"


def rename_stack(context: Context, access: StoreAccess, old: str, new: str) -> Stack:
    """Rename a stack; the active choices that named it follow."""
    stack = stacks.rename(access, old, new)
    follow_stack_rename(context, old, new)
    return stack


def delete_stack(context: Context, access: StoreAccess, name: str) -> None:
    """Delete a stack unless it is active (:func:`check_stack_deletable`)."""
    check_stack_deletable(context, access, name)
    stacks.delete(access, name)


def follow_stack_rename(context: Context, old: str, new: str) -> None:
    """The active choices that named stack ``old`` name ``new``."""
    profile, repository = context.profile, context.repository
    if profile.active_stack == old:
        context.config.set_profile_stack(profile.name, new)
    if (repository is not None and repository.active_stack_name == old
            and repository.active_profile_name == profile.name):
        repository.set_active(stack=new)


def rename_profile(context: Context, old: str, new: str) -> Profile:
    """Rename a profile; the global choice (:func:`profiles.rename`) and the context's
    repository's follow."""
    profile = profiles.rename(context.config, old, new)
    follow_profile_rename(context, old, new)
    return profile


def delete_profile(context: Context, name: str) -> None:
    """Delete a profile unless it is active (:func:`check_profile_deletable`)."""
    check_profile_deletable(context, name)
    profiles.delete(context.config, name)


def follow_profile_rename(context: Context, old: str, new: str) -> None:
    """The repository's choice of profile ``old`` names ``new`` (the global choice is moved
    by :func:`zen_core.services.profiles.rename`; other repositories follow the profile's
    identity, and :func:`repair` writes the new name when next used there)."""
    repository = context.repository
    if repository is not None and repository.active_profile_name == old:
        repository.set_active(profile=new, profile_id=profiles.identity_of(context.config, new))


def check_stack_deletable(context: Context, access: StoreAccess, name: str) -> None:
    """Refuse to delete the profile's active stack or the effective one (as stored or set in
    the environment: a stack named for one command protects nothing)."""
    stacks.stored(access, name)
    store = access.bookkeeping()
    profile = context.profile  # whose store it is
    stored = context.without_named()
    if profile.active_stack == name:
        raise InUseError(
            f"Stack '{name}' cannot be deleted while it is globally active. Please choose "
            "a different active global stack first by running "
            "'zenml stack set --global STACK'."
        )
    if stored.profile.name == profile.name and (
            stored.stack_choice(store.stack_names()).name == name):
        raise InUseError(
            f"Stack '{name}' cannot be deleted while it is active. Please choose a "
            "different active stack first by running 'zenml stack set STACK'."
        )


def check_profile_deletable(context: Context, name: str) -> None:
    """Refuse to delete the global profile or the effective one (as stored or set in the
    environment: a profile named for one command protects nothing)."""
    context = context.without_named()
    context.config.get_profile(name)
    profiles.check_not_in_use(context.config, name)
    try:
        effective = context.profile
    except ProfileNotFoundError:  # no profile in effect (a stale global choice)
        effective = None
    if context.config.activated_profile == name:
        raise InUseError(
            f"Profile '{name}' cannot be deleted because it's globally active. Please "
            "choose a different active global profile first by running "
            "'zenml profile set --global PROFILE'."
        )
    if effective is None or effective.name != name:
        return
    if context.profile_scope == ENVIRONMENT:
        raise InUseError(
            f"Profile '{name}' cannot be deleted because {env.ACTIVATED_PROFILE} "
            "activates it. Unset that variable or point it at another profile first."
        )
    raise InUseError(
        f"Profile '{name}' cannot be deleted because it's locally active. Please "
        "choose a different active profile first by running 'zenml profile set PROFILE'."
    )


def repair(context: Context, store: BaseStore, warn: Reporter = quiet) -> bool:
    """Rewrite choices that name a profile or stack that has gone, with a warning for each.
    Returns whether anything was rewritten (then resolve the context again). A command
    that names its profile or stack repairs nothing: it changes no stored choice."""
    repaired = repair_profile(context, warn)
    if context.names_choices:
        return repaired
    return repair_stack(context, store, warn) or repaired


def repair_profile(context: Context, warn: Reporter = quiet) -> bool:
    """The profile half of :func:`repair`, which needs no store: a repository whose profile
    has gone switches to the global one; one whose profile was renamed records the new
    name (it followed the profile's identity already)."""
    if context.names_choices:
        return False
    choice, repository, config = context.profile_choice, context.repository, context.config
    if repository is None or choice.scope != LOCAL:
        return False
    if choice.stale:
        warn(f"Profile `{choice.stale}` not found. Switching repository to the global "
             f"active profile `{choice.profile.name}`.")
        repository.set_active(profile=choice.profile.name, clear_stack=True,
                              profile_id=profiles.identity_of(config, choice.profile.name))
        return True
    if repository.active_profile_name != choice.profile.name:  # renamed elsewhere
        repository.set_active(profile=choice.profile.name,
                              profile_id=repository.active_profile_id)
        return True
    return False


def repair_stack(context: Context, store: BaseStore, warn: Reporter = quiet) -> bool:
    """The stack half of :func:`repair`, on the effective profile's ``store``."""
    if context.names_choices:
        return False
    choice, repository, config = context.profile_choice, context.repository, context.config
    stack = context.stack_choice(store.stack_names())
    if stack.stale is None:
        return False
    profile = choice.profile
    if stack.scope == LOCAL and repository is not None:
        warn(f"Stack `{stack.stale}` not found. Switching the repository active stack to "
             f"`{stack.name}`." if stack.name else
             f"Stack `{stack.stale}` not found and profile '{profile.name}' has no stacks "
             "left. Register one with `zenml stack register`.")
        repository.set_active(stack=stack.name, clear_stack=stack.name is None)
    else:
        warn(f"Stack `{stack.stale}` not found. Switching the active stack of profile "
             f"'{profile.name}' to `{stack.name}`." if stack.name else
             f"Stack `{stack.stale}` not found and profile '{profile.name}' has no stacks "
             "left. Register one with `zenml stack register`.")
        config.set_profile_stack(profile.name, stack.name)
    return True


def set_user(context: Context, access: StoreAccess, name: str) -> None:
    """Make the effective profile act as user ``name`` (who must exist in its store: on a
    direct store anyone may act as any user, so this needs no role)."""
    access.bookkeeping().get_user(name)
    with context.config.edit() as data:
        data["profiles"][context.profile.name]["active_user"] = name
