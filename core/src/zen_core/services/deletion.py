"""What a delete would remove, checked before anything is removed.

Every edge asks the same question first: may this be deleted (an active
profile or stack, a component a stack uses: no), and what goes with it? The
CLI shows the answer when it asks for confirmation and for ``--dry-run``;
the delete itself (:mod:`.profiles`, :mod:`.stacks`, :mod:`.components`) checks
again inside the store, so nothing slips in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from zen_core.accounts import Permission
from zen_core.exceptions import STORE_FAILURES
from zen_core.masking import mask_text, mask_url
from zen_core.models import ComponentType
from zen_core.services import choices, profiles
from zen_core.services.rules import count

if TYPE_CHECKING:
    from zen_core.context import Context
    from zen_core.services.access import StoreAccess


@dataclass(frozen=True)
class Deletion:
    """What deleting ``what`` does: ``consequence`` says what else goes, or what stays."""

    what: str
    consequence: str
    #: What could not be checked, and why (a store that cannot be reached or read).
    unchecked: str | None = None

    @property
    def question(self) -> str:
        return f"Delete {self.what}? {self.consequence}".strip()

    @property
    def plan(self) -> str:
        return f"Would delete {self.what}. {self.consequence}".strip()


def profile_deletion(context: Context, name: str) -> Deletion:
    """Refuse an active profile; say whether its store (and how much) goes with it."""
    choices.check_profile_deletable(context, name)
    config = context.config
    profile = config.get_profile(name)
    owns = profiles.owns_store(config, profile)
    unchecked = None
    try:
        with profiles.open_store(config, profile) as store:
            held = (f"{count(len(store.list_stacks()), 'stack')} and "
                    f"{count(len(store.list_components()), 'component')}")
    except STORE_FAILURES as err:  # a profile whose store is broken can still go
        held = None
        unchecked = (f"Could not read the store of profile '{name}', so what it holds is "
                     f"not counted: {mask_text(str(err))}")
    if owns:
        consequence = (f"Its store goes with it: {held}." if held else
                       "Its store folder goes with it (it cannot be read).")
    else:
        url = mask_url(profiles.store_url(config, profile))
        consequence = f"Its store at {url} stays" + (f" ({held})." if held else ".")
    return Deletion(f"profile '{name}'", consequence, unchecked)


def stack_deletion(context: Context, access: StoreAccess, name: str) -> Deletion:
    """Refuse an active stack; its components stay."""
    choices.check_stack_deletable(context, access, name)
    return Deletion(f"stack '{name}'", "Its components stay registered.")


def component_deletion(access: StoreAccess, type: ComponentType | str,
                       name: str) -> Deletion:
    """Refuse a component that stacks use (the store refuses it again, atomically)."""
    ctype = ComponentType.parse(type)
    store = access.checked(Permission.WRITE)
    store.get_component(ctype, name)
    using = store.stacks_using(ctype, name)
    if using:
        raise store.component_in_use(ctype, name, using)
    return Deletion(f"{ctype.display} '{name}'", "")
