"""The Python API: zen as seen from one working directory, over the domain layer.

Programs (pipelines) run "in the context of the active profile"::

    from zen_core.client import Client

    client = Client().prepare()      # first run: default profile, legacy repository
    print(client.profile.name, client.active_stack_name)
    for stack in client.store.list_stacks():
        print(stack.name, stack.revision, stack.components)
    client.update_component("orchestrator", "kf", {"synchronous": True})

Constructing a client and reading its properties never writes; :meth:`prepare`
runs the first-run steps explicitly. Every rule lives in ``zen_core.services``;
this class only binds them to the effective profile. Errors are
``zen_core.exceptions``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from zen_core.config import GlobalConfig, Profile
from zen_core.context import Context
from zen_core.models import Component, ComponentType, Stack
from zen_core.repository import Repository, find_repository_root
from zen_core.services import authz, choices, components, profiles, stacks
from zen_core.services.access import Reporter, StoreAccess, quiet
from zen_core.services.authz import Actor
from zen_core.services.progress import Progress, no_progress
from zen_core.store import BaseStore


class Client:
    """``report`` receives progress messages and ``warn`` warnings (the CLI sends both to
    stderr); by default a program hears nothing. ``profile`` and ``stack`` name the ones to
    work with, over every stored choice and the environment, without storing anything
    (``zenml --profile P --stack S``). ``progress`` follows long work
    (:mod:`zen_core.services.progress`)."""

    def __init__(self, config_directory: Path | None = None, *, cwd: Path | None = None,
                 report: Reporter = quiet, warn: Reporter = quiet,
                 profile: str | None = None, stack: str | None = None,
                 progress: Progress = no_progress) -> None:
        self.report, self.warn, self.progress = report, warn, progress
        self.named_profile, self.named_stack = profile, stack
        self.config = GlobalConfig(config_directory)
        self._root = find_repository_root(cwd)
        self._stores: dict[str, BaseStore] = {}
        self._forget()

    def prepare(self) -> Client:
        """Run the explicit first-run steps (:mod:`zen_core.services.setup`); returns self."""
        from zen_core.services.setup import prepare

        prepare(self.config, self._root, self.report, self.warn, profile=self.named_profile,
                stack=self.named_stack, progress=self.progress)
        self._forget()
        return self

    def _forget(self) -> None:
        """Resolve again: after a change of the config, the repository or the active choices."""
        self.repository = Repository(self._root) if self._root else None
        self.context = Context(self.config, self.repository, profile=self.named_profile,
                               stack=self.named_stack)

    @property
    def plugins(self):
        from zen_core.plugins import get_plugin_manager

        return get_plugin_manager()

    @property
    def profile(self) -> Profile:
        return self.context.profile

    @property
    def profile_scope(self) -> str:
        """``--profile`` (named for this client), ``environment``, ``local`` (the
        repository's) or ``global``."""
        return self.context.profile_scope

    @property
    def stack_scope(self) -> str:
        """Where the effective stack comes from: ``--stack``, ``environment``, ``local`` or
        ``global`` (the profile's)."""
        return self.context.stack_choice(self.store.stack_names()).scope

    @property
    def store(self) -> BaseStore:
        return self.open_store(self.profile)

    @property
    def actor(self) -> Actor:
        """Who this client acts as: the profile's active user, with their roles."""
        return authz.actor_of_profile(self.store, self.profile)

    @property
    def access(self) -> StoreAccess:
        return self.access_of()

    @property
    def active_stack_name(self) -> str | None:
        return self.context.stack_choice(self.store.stack_names()).name

    @property
    def active_stack(self) -> Stack:
        return choices.active_stack(self.context, self.store)

    def list_profiles(self) -> list[Profile]:
        return list(self.config.profiles.values())

    def get_profile(self, name: str) -> Profile:
        return self.config.get_profile(name)

    def store_url(self, profile: Profile) -> str:
        return profiles.store_url(self.config, profile)

    def open_store(self, profile: Profile) -> BaseStore:
        """The store of ``profile`` (one instance per profile for the life of this client)."""
        if profile.name not in self._stores:
            self._stores[profile.name] = profiles.open_store(self.config, profile)
        return self._stores[profile.name]

    def active_stack_of(self, profile: Profile) -> str | None:
        return profiles.active_stack_of(self.open_store(profile), profile)

    def create_profile(self, name: str, store_type: str | None = None, url: str | None = None,
                       token: str | None = None, *, ca_cert: str | Path | None = None,
                       insecure: bool = False) -> Profile:
        profile, store = profiles.create(self.config, name, store_type, url, token,
                                         report=self.report, ca_cert=ca_cert,
                                         insecure=insecure)
        self._stores[name] = store
        return profile

    def rename_profile(self, old: str, new: str) -> Profile:
        """Rename a profile; the global choice and this repository's follow."""
        profile = profiles.rename(self.config, old, new)
        choices.follow_profile_rename(self.context, old, new)
        if self.named_profile == old:
            self.named_profile = new
        self._stores.pop(old, None)
        self._forget()
        return profile

    def delete_profile(self, name: str) -> None:
        choices.check_profile_deletable(self.context, name)
        profiles.delete(self.config, name)
        self._stores.pop(name, None)

    def set_profile(self, name: str, global_: bool = False) -> tuple[str, bool]:
        """Activate a profile: in the repository (inside one) or globally."""
        result = choices.set_profile(self.context, name, global_)
        self._forget()
        return result

    def set_stack(self, name: str, global_: bool = False) -> str:
        scope = choices.set_stack(self.context, self.store, name, global_)
        self._forget()
        return scope

    def register_stack(self, name: str, components: Mapping[ComponentType | str, str]) -> Stack:
        return stacks.register(self.access, name, components)

    def update_stack(self, name: str, components: Mapping[ComponentType | str, str | None],
                     expected_revision: int | None = None) -> Stack:
        return stacks.update(self.access, name, set=components,
                             expected_revision=expected_revision)

    def remove_stack_components(self, name: str, types: Iterable[ComponentType | str]) -> Stack:
        return stacks.update(self.access, name, remove=types)

    def rename_stack(self, old: str, new: str) -> Stack:
        stack = stacks.rename(self.access, old, new)
        choices.follow_stack_rename(self.context, old, new)
        self._forget()
        return stack

    def delete_stack(self, name: str) -> None:
        choices.check_stack_deletable(self.context, self.store, name)
        stacks.delete(self.access, name)

    def register_component(self, type: ComponentType | str, name: str, flavor: str,
                           config: dict[str, Any]) -> Component:
        return components.register(self.access, type, name, flavor, config)

    def update_component(self, type: ComponentType | str, name: str, changes: dict[str, Any],
                         unset: Iterable[str] = (), flavor: str | None = None,
                         expected_revision: int | None = None) -> Component:
        return components.update(self.access, type, name, set=changes, unset=list(unset),
                                 flavor=flavor, expected_revision=expected_revision)

    def rename_component(self, type: ComponentType | str, old: str, new: str) -> Component:
        return components.rename(self.access, type, old, new)

    def delete_component(self, type: ComponentType | str, name: str) -> None:
        components.delete(self.access, type, name)

    def access_of(self, profile: str | None = None) -> StoreAccess:
        """The store of ``profile`` (default: the effective one), as its active user."""
        chosen = self.get_profile(profile) if profile else self.profile
        store = self.open_store(chosen)
        return StoreAccess(store, report=self.report,
                           actor=authz.actor_of_profile(store, chosen))

    def copy_stack(self, source: str, target: str, from_profile: str | None = None,
                   rename_components: bool = False, dry_run: bool = False
                   ) -> tuple[Stack, list[str]]:
        """Copy stack ``source`` (of ``from_profile``, default the effective profile) into
        the effective profile as ``target``, with the components it needs."""
        from zen_core.services.transfer import copy_stack

        return copy_stack(self.access_of(from_profile), self.access, source, target,
                          rename_components=rename_components, dry_run=dry_run,
                          progress=self.progress)

    def copy_component(self, type: ComponentType | str, source: str, target: str,
                       from_profile: str | None = None, dry_run: bool = False) -> Component:
        """Copy a component (of ``from_profile``) into the effective profile as ``target``."""
        from zen_core.services.transfer import copy_component

        return copy_component(self.access_of(from_profile), self.access, type, source, target,
                              dry_run=dry_run)

    def secret_keys(self, component: Component) -> set[str]:
        return components.secret_keys(component)
