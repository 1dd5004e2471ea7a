"""The Python API: the effective profile, stack and store, and every operation of the CLI.

Programs (pipelines) run "in the context of the active profile"::

    from zen_core.client import Client

    client = Client()
    print(client.profile.name, client.active_stack_name)
    for stack in client.store.list_stacks():
        print(stack.name, stack.components)

The CLI is a thin layer over this class; both raise ``zen_core.exceptions``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from zen_core.config import GlobalConfig, Profile
from zen_core.defaults import (
    DEFAULT_PROFILE,
    DEFAULT_STACK,
    default_stack_components,
    default_store_type,
)
from zen_core.exceptions import (
    InUseError,
    InvalidDataError,
    ProfileExistsError,
    ProfileNotFoundError,
    StackNotFoundError,
    ZenError,
)
from zen_core.fileio import locked
from zen_core.models import REQUIRED_TYPES, Component, ComponentType, Stack
from zen_core.names import check_name
from zen_core.repository import REPOSITORY_DIR, Repository, find_repository_root
from zen_core.store import BaseStore

ENV_ACTIVATED_PROFILE = "ZENML_ACTIVATED_PROFILE"
ENV_ACTIVATED_STACK = "ZENML_ACTIVATED_STACK"

Reporter = Callable[[str], None]

#: Config keys masked even when the flavor's schema is not installed.
_SECRET_NAME = re.compile(r"password|secret|token|api_key|private_key|access_key", re.I)


def _quiet(_: str) -> None:
    pass


class Client:
    """zen as seen from one working directory and environment.

    ``report`` receives progress messages and ``warn`` warnings (the CLI sends
    both to stderr); by default a program hears nothing.
    """

    def __init__(
        self,
        config_directory: Path | None = None,
        *,
        cwd: Path | None = None,
        report: Reporter = _quiet,
        warn: Reporter = _quiet,
    ) -> None:
        self.report = report
        self.warn = warn
        self.config = GlobalConfig(config_directory)
        root = find_repository_root(cwd)
        self._stores: dict[str, BaseStore] = {}
        self._ensure_default_profile()
        if root is not None:
            from zen_core.legacy import migrate_if_legacy

            if migrate_if_legacy(self, root / REPOSITORY_DIR):
                self.config.reload()
        self.repository = Repository(root) if root else None

    # --- plugins -------------------------------------------------------------------
    @property
    def plugins(self):
        from zen_core.plugins import get_plugin_manager

        return get_plugin_manager()

    # --- profiles ---------------------------------------------------------------------
    def _ensure_default_profile(self) -> None:
        if self.config.profiles:
            return
        with locked(self.config.directory / "default-profile"):
            self.config.reload()
            if self.config.profiles:
                return
            self.report("Creating default profile...")
            profile = self.create_profile(DEFAULT_PROFILE, record=False)
            # One write records and activates it: no process sees one without the other.
            with self.config.edit() as data:
                data.setdefault("profiles", {})[profile.name] = profile.to_dict()
                data["activated_profile"] = profile.name
            self.report("Created and activated default profile.")

    def list_profiles(self) -> list[Profile]:
        return list(self.config.profiles.values())

    def get_profile(self, name: str) -> Profile:
        return self.config.get_profile(name)

    def store_url(self, profile: Profile) -> str:
        if profile.store_url:
            return profile.store_url
        store_type = self.plugins.store_type(profile.store_type)
        return store_type.url_for_profile(self.config.profile_dir(profile.name))

    def open_store(self, profile: Profile) -> BaseStore:
        """The store of ``profile`` (cached for the life of this client)."""
        if profile.name not in self._stores:
            store_type = self.plugins.store_type(profile.store_type)
            store = store_type.open(self.store_url(profile), token=profile.store_token)
            store.config_directory = self.config.directory
            self._stores[profile.name] = store
        return self._stores[profile.name]

    def create_profile(
        self,
        name: str,
        store_type: str | None = None,
        url: str | None = None,
        token: str | None = None,
        *,
        register_default_stack: bool = True,
        record: bool = True,
    ) -> Profile:
        """Create a profile, its store and (if the store is empty) its default stack.

        All or nothing: if the store cannot be set up, no profile is recorded.
        With ``record=False`` the caller fills the store and then calls
        :meth:`record_profile` (or :meth:`discard_profile_storage` on failure).
        """
        check_name(name, "profile name")
        if self.config.has_profile(name):
            raise ProfileExistsError(f"Profile '{name}' already exists.")
        type_name = store_type or default_store_type()
        kind = self.plugins.store_type(type_name)
        if url is not None:
            kind.validate_url(url)
        if token and not kind.accepts_token:
            raise InvalidDataError(f"Store type '{type_name}' takes no token.")
        profile = Profile(name=name, store_type=type_name, store_url=url, store_token=token)
        profile.store_url = self.store_url(profile)
        with locked(self.config.directory / "create-profile"):
            self.config.reload()
            if self.config.has_profile(name):
                raise ProfileExistsError(f"Profile '{name}' already exists.")
            self.report(f"Initializing profile `{name}`...")
            try:
                store = self.open_store(profile)
                store.initialize()
                if register_default_stack and kind.registers_default_stack and store.is_empty():
                    store.register_default_stack(
                        default_stack_components(self.config.directory),
                        self.report if kind.reports_default_stack else _quiet,
                    )
                    profile.active_stack = DEFAULT_STACK
                if record:
                    profile.active_stack = self.active_stack_of(profile)
                    self.config.save_profile(profile)
            except BaseException:
                self.discard_profile_storage(profile)
                raise
        return profile

    def record_profile(self, profile: Profile) -> None:
        """Record a profile created with ``record=False`` in the global config."""
        with locked(self.config.directory / "create-profile"):
            self.config.reload()
            if self.config.has_profile(profile.name):
                raise ProfileExistsError(f"Profile '{profile.name}' already exists.")
            self.config.save_profile(profile)

    def discard_profile_storage(self, profile: Profile) -> None:
        """Forget the store of a profile that was never recorded, and its own folder."""
        store = self._stores.pop(profile.name, None)
        if store is not None:
            store.close()
        profile_dir = self.config.profile_dir(profile.name)
        if not self.config.has_profile(profile.name) and profile_dir.is_dir():
            shutil.rmtree(profile_dir, ignore_errors=True)

    def delete_profile(self, name: str) -> None:
        self.config.get_profile(name)  # raises if unknown
        if self.config.activated_profile == name:
            raise InUseError(
                f"Profile '{name}' cannot be deleted because it's globally active. Please "
                "choose a different active global profile first by running "
                "'zenml profile set --global PROFILE'."
            )
        if self.profile.name == name and self.profile_scope == "environment":
            raise InUseError(
                f"Profile '{name}' cannot be deleted because {ENV_ACTIVATED_PROFILE} "
                "activates it. Unset that variable or point it at another profile first."
            )
        if self.profile.name == name:
            raise InUseError(
                f"Profile '{name}' cannot be deleted because it's locally active. Please "
                "choose a different active profile first by running 'zenml profile set PROFILE'."
            )
        self.config.remove_profile(name)
        self._stores.pop(name, None)
        profile_dir = self.config.profile_dir(name)
        # Only the profile's own folder goes: a store elsewhere (--url) is the user's.
        if profile_dir.is_dir():
            shutil.rmtree(profile_dir, ignore_errors=True)

    def _forget_resolution(self) -> None:
        """Drop the cached effective profile and stack after changing either."""
        self.__dict__.pop("_effective_profile", None)
        self.__dict__.pop("active_stack_name", None)

    @cached_property
    def _effective_profile(self) -> tuple[Profile, str]:
        env_name = os.environ.get(ENV_ACTIVATED_PROFILE)
        if env_name:
            if not self.config.has_profile(env_name):
                raise ProfileNotFoundError(
                    f"Profile '{env_name}' named by {ENV_ACTIVATED_PROFILE} does not exist."
                )
            return self.config.get_profile(env_name), "environment"
        global_name = self.config.activated_profile
        if not global_name or not self.config.has_profile(global_name):
            raise ProfileNotFoundError(
                "No active profile found. Please set one by running "
                "`zenml profile set --global PROFILE`."
            )
        repo = self.repository
        if repo is None:
            return self.config.get_profile(global_name), "global"
        local_name = repo.active_profile_name
        if local_name and self.config.has_profile(local_name):
            return self.config.get_profile(local_name), "local"
        if local_name:
            self.warn(
                f"Profile `{local_name}` not found. Switching repository to the global "
                f"active profile `{global_name}`."
            )
        repo.set_active(profile=global_name, clear_stack=True)
        return self.config.get_profile(global_name), "local"

    @property
    def profile(self) -> Profile:
        """The effective profile: environment, else repository, else global."""
        return self._effective_profile[0]

    @property
    def profile_scope(self) -> str:
        """Where the effective profile comes from: ``environment``, ``local`` or ``global``."""
        return self._effective_profile[1]

    def set_profile(self, name: str, global_: bool = False) -> tuple[str, bool]:
        """Activate ``name`` in the repository (inside one) or globally.

        Returns the scope (``local`` or ``global``) and whether anything changed:
        activating the profile that is already active changes nothing.
        """
        self.config.get_profile(name)
        if self.repository is not None and not global_:
            changed = self.repository.active_profile_name != name
            if changed:
                stack = self.active_stack_of(self.config.get_profile(name))
                self.repository.set_active(profile=name, stack=stack, clear_stack=stack is None)
            scope = "local"
        else:
            changed = self.config.activated_profile != name
            if changed:
                self.config.activate_profile(name)
            scope = "global"
        self._forget_resolution()
        return scope, changed

    # --- the store and the active stack ------------------------------------------------
    @property
    def store(self) -> BaseStore:
        """The effective profile's store."""
        return self.open_store(self.profile)

    def active_stack_of(self, profile: Profile) -> str | None:
        """The active stack of ``profile`` as recorded, or a fallback if that one is gone."""
        names = self.open_store(profile).stack_names()
        if profile.active_stack in names:
            return profile.active_stack
        return DEFAULT_STACK if DEFAULT_STACK in names else (names[0] if names else None)

    @cached_property
    def active_stack_name(self) -> str | None:
        """The effective stack: environment, else repository, else the profile's."""
        names = set(self.store.stack_names())
        env_name = os.environ.get(ENV_ACTIVATED_STACK)
        if env_name:
            if env_name not in names:
                raise StackNotFoundError(
                    f"Stack '{env_name}' named by {ENV_ACTIVATED_STACK} does not exist in "
                    f"profile '{self.profile.name}'."
                )
            return env_name
        profile = self.profile
        fallback = self.active_stack_of(profile)
        if self.profile_scope == "local" and self.repository is not None:
            local = self.repository.active_stack_name
            if local in names:
                return local
            if local:
                self.warn(
                    f"Stack `{local}` not found. Switching the repository active stack to "
                    f"`{fallback}`." if fallback else
                    f"Stack `{local}` not found and profile '{profile.name}' has no stacks "
                    "left. Register one with `zenml stack register`."
                )
            self.repository.set_active(stack=fallback, clear_stack=fallback is None)
            return fallback
        if profile.active_stack and profile.active_stack not in names:
            if fallback is None:
                self.warn(
                    f"Stack `{profile.active_stack}` not found and profile '{profile.name}' has "
                    "no stacks left. Register one with `zenml stack register`."
                )
            else:
                self.warn(
                    f"Stack `{profile.active_stack}` not found. Switching the active stack of "
                    f"profile '{profile.name}' to `{fallback}`."
                )
            self.config.set_profile_stack(profile.name, fallback)
        return fallback

    @property
    def active_stack(self) -> Stack:
        name = self.active_stack_name
        if name is None:
            raise StackNotFoundError(
                "No active stack is configured. Register one with `zenml stack register` "
                "and activate it with `zenml stack set STACK`."
            )
        return self.store.get_stack(name)

    def set_stack(self, name: str, global_: bool = False) -> str:
        """Activate stack ``name`` in the repository (inside one) or in the profile."""
        self.store.get_stack(name)
        profile = self.profile
        if self.repository is not None and not global_ and self.profile_scope == "local":
            self.repository.set_active(stack=name)
            if not profile.active_stack:
                self.config.set_profile_stack(profile.name, name)
            scope = "local"
        else:
            self.config.set_profile_stack(profile.name, name)
            scope = "global"
        self._forget_resolution()
        return scope

    # --- stacks ---------------------------------------------------------------------------
    def _resolve_components(self, components: Mapping[ComponentType | str, str | None]):
        return {ComponentType.parse(t): n for t, n in components.items() if n}

    def register_stack(self, name: str, components: Mapping[ComponentType | str, str]) -> Stack:
        stack = Stack(name, self._resolve_components(components))
        missing = stack.missing_required()
        if missing:
            raise InvalidDataError(
                f"Stack '{name}' needs a {', '.join(t.display for t in missing)}."
            )
        self.store.register_stack(stack)
        self.report(f"Registered stack with name '{name}'.")
        return stack

    def update_stack(
        self, name: str, components: Mapping[ComponentType | str, str | None]
    ) -> Stack:
        """Replace the given components of stack ``name``."""
        current = self.store.get_stack(name)
        new = dict(current.components)
        new.update(self._resolve_components(components))
        stack = Stack(name, new)
        self.store.update_stack(name, stack)
        self.report(f"Updated stack with name '{name}'.")
        return stack

    def remove_stack_components(self, name: str, types: Iterable[ComponentType | str]) -> Stack:
        current = self.store.get_stack(name)
        types = [ComponentType.parse(t) for t in types]
        required = [t for t in types if t in REQUIRED_TYPES]
        if required:
            raise InvalidDataError(
                f"The {required[0].display} of a stack cannot be removed, only replaced "
                "(`zenml stack update`)."
            )
        stack = Stack(name, {t: n for t, n in current.components.items() if t not in types})
        self.store.update_stack(name, stack)
        return stack

    def rename_stack(self, old: str, new: str) -> Stack:
        check_name(new, "stack name")
        current = self.store.get_stack(old)
        if new == old:
            raise self.store.stack_exists(new)
        stack = Stack(new, current.components)
        self.store.update_stack(old, stack)
        # The active choices follow the stack's new name.
        profile = self.profile
        if profile.active_stack == old:
            self.config.set_profile_stack(profile.name, new)
        if self.repository is not None and self.repository.active_stack_name == old:
            self.repository.set_active(stack=new)
        self._forget_resolution()
        return stack

    def delete_stack(self, name: str) -> None:
        self.store.get_stack(name)
        if self.profile.active_stack == name:
            raise InUseError(
                f"Stack '{name}' cannot be deleted while it is globally active. Please choose "
                "a different active global stack first by running "
                "'zenml stack set --global STACK'."
            )
        if self.active_stack_name == name:
            raise InUseError(
                f"Stack '{name}' cannot be deleted while it is active. Please choose a "
                "different active stack first by running 'zenml stack set STACK'."
            )
        self.store.delete_stack(name)

    # --- components ---------------------------------------------------------------------
    def validated_config(self, type: ComponentType, flavor: str, config: dict[str, Any]) -> dict:
        from zen_core.flavors.base import validate_config

        record = self.plugins.flavor(type, flavor)
        return validate_config(record.load_model(), config, f"{type.display} flavor '{flavor}'")

    def secret_keys(self, component: Component) -> set[str]:
        """The config keys of ``component`` to mask: its flavor's secret fields, and keys
        named like secrets (all that is known when the flavor is not installed)."""
        keys = {k for k in component.config if _SECRET_NAME.search(k)}
        try:
            from zen_core.flavors.base import secret_fields

            model = self.plugins.flavor(component.type, component.flavor).load_model()
            keys |= secret_fields(model)
        except ZenError:
            pass  # flavor not installed: the name heuristic alone
        return keys

    def register_component(
        self, type: ComponentType | str, name: str, flavor: str, config: dict[str, Any]
    ) -> Component:
        type = ComponentType.parse(type)
        check_name(name, f"{type.display} name")
        component = Component(type, flavor, name, self.validated_config(type, flavor, config))
        self.store.register_component(component)
        self.report(
            f"Registered stack component with type '{type.value}' and name '{name}'."
        )
        return component

    def update_component(
        self, type: ComponentType | str, name: str, changes: dict[str, Any]
    ) -> Component:
        type = ComponentType.parse(type)
        for key in ("name", "uuid"):
            if key in changes:
                raise InvalidDataError(
                    f"Cannot update mandatory property '{key}' of {type.display} '{name}'."
                    + (" Use `rename` instead." if key == "name" else "")
                )
        current = self.store.get_component(type, name)
        config = self.validated_config(type, current.flavor, {**current.config, **changes})
        component = Component(type, current.flavor, name, config, uuid=current.uuid)
        self.store.update_component(type, name, component)
        return component

    def rename_component(self, type: ComponentType | str, old: str, new: str) -> Component:
        type = ComponentType.parse(type)
        check_name(new, f"{type.display} name")
        current = self.store.get_component(type, old)
        if new == old:
            raise self.store.component_exists(type, new)
        component = Component(type, current.flavor, new, current.config, uuid=current.uuid)
        self.store.update_component(type, old, component)
        return component

    def delete_component(self, type: ComponentType | str, name: str) -> None:
        self.store.delete_component(ComponentType.parse(type), name)
