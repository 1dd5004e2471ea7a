"""A store type written for store contract v2 (zen 1.0) still works, and says it keeps no
secrets instead of failing in some other way."""

from __future__ import annotations

import pytest

from zen_core.exceptions import PluginError
from zen_core.models import Stack
from zen_core.store import BaseStore


class V2Store(BaseStore):
    """A third party's store as zen 1.0 asked for it: no secret methods."""

    type_name = "legacy"

    def list_stacks(self):
        return [Stack("s", {})]

    def get_stack(self, name):
        return Stack(name, {})

    def list_components(self, type=None):
        return []

    def get_component(self, type, name):
        raise NotImplementedError

    def list_users(self):
        return []

    def list_teams(self):
        return []

    def list_role_assignments(self):
        return []

    def list_api_keys(self, user=None):
        return []

    def list_events(self, *, limit=50, offset=0, actor=None, target=None, name=None):
        return [], 0

    def apply(self, writes, rules=None, actor=None):
        return []


def test_a_v2_store_says_it_keeps_no_secrets_and_which_plugin_to_upgrade():
    store = V2Store("legacy://x")
    assert store.stack_names() == ["s"]  # what it did before still works
    for read in (store.list_secrets, lambda: store.get_secret("db")):
        with pytest.raises(PluginError) as info:
            read()
        assert str(info.value) == (
            "The legacy store keeps no secrets: it was written for store contract v2 "
            "(zen 1.0). Upgrade the plugin that provides it.")
