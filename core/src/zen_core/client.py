"""The Python API: zen from one working directory, a thin facade of ``zen_core.services``::

    client = Client().prepare()      # first run: default profile, legacy repository
    print([stack.name for stack in client.list_stacks()])

A client never writes until asked (:meth:`Client.prepare` runs the first-run steps). Every
read and write goes through the domain's door as the profile's user, with their role.
"""

from __future__ import annotations

import importlib
import warnings  # in every interpreter already
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from zen_core.bound import BoundLater
from zen_core.bound import bound as _bound
from zen_core.config import GlobalConfig, Profile
from zen_core.context import Context
from zen_core.models import Component, ComponentType, Stack
from zen_core.repository import Repository, find_repository_root
from zen_core.services import choices, components, profiles, setup, stacks
from zen_core.services.access import Reporter, StoreAccess, quiet
from zen_core.services.progress import Progress, no_progress
from zen_core.store import BaseStore


def _migrate(*args: Any, **kwargs: Any) -> bool:  # imported only inside a repository
    return importlib.import_module("zen_core.legacy").migrate_if_legacy(*args, **kwargs)


class Client:
    """``report``/``warn``/``progress`` receive messages, warnings and progress; ``profile``
    and ``stack`` name the ones to use over every stored choice, storing nothing."""

    def __init__(self, config_directory: Path | None = None, *, cwd: Path | None = None,
                 report: Reporter = quiet, warn: Reporter = quiet, profile: str | None = None,
                 stack: str | None = None, progress: Progress = no_progress) -> None:
        self.report, self.warn, self.progress = report, warn, progress
        self.named_profile, self.named_stack = profile, stack
        self.config = GlobalConfig(config_directory)
        self._root = find_repository_root(cwd)
        self._stores, self.store_problem = profiles.OpenStores(self.config, report, warn), None
        self._forget()

    def prepare(self, store: bool = True) -> Client:
        """Run the first-run steps (:mod:`zen_core.services.setup`; ``store=False``: open
        no store); returns self. A store that could not be read is ``store_problem``."""
        self.store_problem = setup.prepare(
            self.config, self._root, self.report, self.warn, migrate=_migrate, store=store,
            profile=self.named_profile, stack=self.named_stack, progress=self.progress)
        self._forget()
        return self

    def _forget(self) -> None:  # resolve again after a change of the stored choices
        self.repository = Repository(self._root) if self._root else None
        self.context = Context(self.config, self.repository, profile=self.named_profile,
                               stack=self.named_stack)

    profile = property(lambda self: self.context.profile)
    profile_scope = property(lambda self: self.context.profile_scope)
    stack_scope = property(lambda self: choices.stack_choice(self.context, self.access).scope)
    active_stack_name = property(lambda self: choices.stack_choice(self.context, self.access).name)
    active_stack = property(lambda self: choices.active_stack(self.context, self.access))
    access = property(lambda self: self.access_of(), doc="The effective profile's door.")

    def access_of(self, profile: str | None = None) -> StoreAccess:
        """The store of ``profile`` (default: the effective one) behind the door."""
        return self._stores.access(self.config.get_profile(profile) if profile else self.profile)

    @property
    def store(self) -> BaseStore:  # deprecated for one release: unchecked; use the readers
        warnings.warn("Client.store is deprecated: use Client.list_stacks(), get_stack(), "
                      "list_components() and get_component().", DeprecationWarning, 2)
        return self.access.bookkeeping()

    list_stacks, get_stack = _bound(stacks.list_), _bound(stacks.get)
    resolve = BoundLater("secrets", "resolve_stack")  # references replaced
    list_components, get_component = _bound(components.list_), _bound(components.get)
    register_stack, register_component = _bound(stacks.register), _bound(components.register)
    rename_component, delete_component = _bound(components.rename), _bound(components.delete)
    set_stack, rename_stack, delete_stack = (_bound(getattr(choices, name), "both") for name in
                                             ("set_stack", "rename_stack", "delete_stack"))
    set_profile = _bound(choices.set_profile, "context")
    list_secrets = BoundLater("secrets", "visible_all")  # values masked
    get_secret = BoundLater("secrets", "visible")
    create_secret, update_secret, rename_secret, delete_secret = (
        BoundLater("secrets", name) for name in ("create", "update", "rename", "delete"))

    def delete_profile(self, name: str) -> None:
        choices.delete_profile(self.context, name)
        self._stores.forget(name)

    def create_profile(self, name: str, store_type: str | None = None, url: str | None = None,
                       token: str | None = None, **tls: Any) -> Profile:  # ca_cert, insecure...
        profile, store = profiles.create(self.config, name, store_type, url, token,
                                         report=self.report, **tls)
        store.close()
        return profile

    def rename_profile(self, old: str, new: str) -> Profile:
        profile = choices.rename_profile(self.context, old, new)
        self.named_profile = new if self.named_profile == old else self.named_profile
        self._forget()
        return profile

    def update_stack(self, name: str, members: Mapping[ComponentType | str, str | None],
                     expected_revision: int | None = None) -> Stack:
        return stacks.update(self.access, name, set=members, expected_revision=expected_revision)

    def remove_stack_components(self, name: str, types: Iterable[ComponentType | str]) -> Stack:
        return stacks.update(self.access, name, remove=types)

    def update_component(self, type: ComponentType | str, name: str, changes: dict[str, Any],
                         unset: Iterable[str] = (), flavor: str | None = None,
                         expected_revision: int | None = None) -> Component:
        return components.update(self.access, type, name, set=changes, unset=list(unset),
                                 flavor=flavor, expected_revision=expected_revision)

    def copy_stack(self, source: str, target: str, from_profile: str | None = None,
                   **options: Any) -> tuple[Stack, list[str]]:  # rename_components, dry_run
        return importlib.import_module("zen_core.services.transfer").copy_stack(
            self.access_of(from_profile), self.access, source, target, progress=self.progress,
            **options)

    def copy_component(self, type: ComponentType | str, source: str, target: str,
                       from_profile: str | None = None, dry_run: bool = False) -> Component:
        return importlib.import_module("zen_core.services.transfer").copy_component(
            self.access_of(from_profile), self.access, type, source, target, dry_run=dry_run)
