"""Stack export/import and profile copy, within and across store types."""

from __future__ import annotations

import contextlib
import json

import pytest
import yaml

from zen_core.client import Client
from zen_core.exceptions import StoreUnavailableError
from zen_core.models import ComponentType
from zen_core.testing.cli import failed, ok, snapshot
from zen_core.testing.helpers import profile_store

# Without the plugin a kind is skipped; ZEN_REQUIRE_PLUGINS=1 (CI) fails it instead.
STORE_KINDS = [
    "local",
    pytest.param("sql", marks=pytest.mark.zen_needs("zen_sql_store")),
    pytest.param("rest", marks=pytest.mark.zen_needs("zen_service", "zen_rest_store")),
]


@pytest.fixture
def target_url(tmp_path, zen_home):
    """``target_url(kind)``: where a target store of that kind lives ("" = its default).

    For ``rest``, a real service serving an emptied local profile ``served``.
    """
    with contextlib.ExitStack() as stack:

        def url(kind: str) -> str:
            if kind == "sql":
                return f"sqlite:///{tmp_path}/target/zenml.db"
            if kind == "rest":
                from zen_service.testing import running_service

                Client().create_profile("served")
                served = profile_store("served")
                for name in served.stack_names():
                    served.delete_stack(name)
                for component in served.list_components():
                    served.delete_component(component.type, component.name)
                state = stack.enter_context(running_service(zen_home, profile="served"))
                return f"http://127.0.0.1:{state.port}"
            return ""

        yield url


@pytest.fixture
def mysql_stack(zen):
    ok(zen("metadata-store register mysql_meta -t mysql --host=db --port=3306 --database=zen "
           "--username=zen --password=s3cret"))
    ok(zen("container-registry register reg -t default --uri=localhost:5000"))
    ok(zen("stack register prod -o default -a default -m mysql_meta -c reg"))
    return "prod"


def stacks(zen) -> dict:
    return {s["name"]: s for s in json.loads(ok(zen("stack list --output json")).stdout)}


def test_export_writes_one_document_without_secrets(zen, mysql_stack, tmp_path):
    out = tmp_path / "prod.yaml"
    ok(zen(f"stack export prod {out}"))
    document = yaml.safe_load(out.read_text())
    assert document["stack"] == "prod"
    by_type = {c["type"]: c for c in document["components"]}
    assert set(by_type) == {"orchestrator", "metadata_store", "artifact_store",
                            "container_registry"}
    # the password was kept as the component's own secret: the export holds the reference
    reference = "{{metadata-store-mysql_meta.password}}"
    assert by_type["metadata_store"]["config"]["password"] == reference
    assert "omitted_secrets" not in by_type["metadata_store"] and "secrets" not in document
    assert "s3cret" not in out.read_text()
    with_secrets = yaml.safe_load(ok(zen("stack export prod --include-secrets")).stdout)
    assert with_secrets["components"][1]["config"]["password"] == reference
    assert with_secrets["secrets"] == [
        {"name": "metadata-store-mysql_meta", "values": {"password": "s3cret"}}]


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_import_into_another_profile_reuses_identical_components(zen, mysql_stack, tmp_path,
                                                                 kind, target_url):
    export = tmp_path / "prod.yaml"
    ok(zen(f"stack export prod {export} --include-secrets"))
    url = target_url(kind)
    ok(zen(f"profile create target --store-type {kind}" + (f" --url {url}" if url else "")))
    ok(zen("profile set target"))
    if kind == "rest":  # the served store starts empty: give it the same clash
        ok(zen("artifact-store register default -t local --path=/elsewhere"))
        ok(zen("orchestrator register default -t local"))
        ok(zen("metadata-store register default -t sqlite --uri=/elsewhere/m.db"))
        ok(zen("stack register default -o default -m default -a default"))
    # The target's own default artifact store differs from the exported one: a conflict.
    refused = zen(f"stack import {export}")
    assert refused.exit_code == 1
    assert "artifact store 'default'" in refused.stderr and "--rename-components" in refused.stderr
    assert set(stacks(zen)) == {"default"}
    assert json.loads(zen("metadata-store list --output json").stdout)[0]["name"] == "default"

    imported = ok(zen(f"stack import {export} --name prod2 --rename-components"))
    assert "Reusing the identical orchestrator 'default'" in imported.stderr
    assert "Registering artifact store 'default' as 'default_2'" in imported.stderr
    prod2 = stacks(zen)["prod2"]["components"]
    assert prod2 == {"orchestrator": "default", "metadata_store": "mysql_meta",
                     "artifact_store": "default_2", "container_registry": "reg"}
    meta = profile_store().get_component(ComponentType.METADATA_STORE, "mysql_meta")
    assert meta.config["password"] == "{{metadata-store-mysql_meta.password}}"
    secret = json.loads(ok(zen("secret describe metadata-store-mysql_meta --show -o json"))
                        .stdout)
    assert secret["values"] == {"password": "s3cret"}
    # Importing again reuses every component, the renamed one included.
    again = ok(zen(f"stack import {export} --name prod3 --rename-components"))
    assert "Registering" not in again.stderr
    assert "Reusing the identical artifact store 'default_2'" in again.stderr
    assert stacks(zen)["prod3"]["components"] == prod2


def test_import_without_the_secrets_says_how_to_get_them(zen, zen_home, mysql_stack, tmp_path):
    export = tmp_path / "prod.yaml"
    ok(zen(f"stack export prod {export}"))
    ok(zen("profile create target"))
    ok(zen("profile set target"))
    before = snapshot(zen_home)
    result = zen(f"stack import {export} --rename-components")
    assert failed(result) == (
        f"Error: {export} refers to secret 'metadata-store-mysql_meta', which this profile "
        "lacks and the export does not carry: export again with --include-secrets, or "
        "create it here first (`zenml secret create metadata-store-mysql_meta -i`).")
    assert snapshot(zen_home) == before


def test_import_is_all_or_nothing(zen, mysql_stack, tmp_path, monkeypatch):
    export = tmp_path / "prod.yaml"
    ok(zen(f"stack export prod {export} --include-secrets"))
    ok(zen("profile create target"))
    ok(zen("profile set target"))
    from zen_local_store.transaction import Transaction

    def fail(self, stack):
        raise StoreUnavailableError("The disk went away.")

    with monkeypatch.context() as patch:  # not .undo(): that would undo zen_home's too
        # the stack is the batch's last write: the components before it must not land
        patch.setattr(Transaction, "_register_stack", fail)
        result = zen(f"stack import {export} --rename-components")
    assert result.exit_code == 1 and "The disk went away." in result.stderr
    names = {c.name for c in profile_store().list_components()}
    assert names == {"default"}


def test_import_refuses_a_taken_stack_name_and_a_foreign_file(zen, mysql_stack, tmp_path):
    export = tmp_path / "prod.yaml"
    ok(zen(f"stack export prod {export}"))
    before = ok(zen("stack list --output json")).stdout
    assert failed(zen(f"stack import {export}")) == (
        "Error: A stack with name 'prod' already exists. Please choose a different name.")
    assert ok(zen("stack list --output json")).stdout == before
    other = tmp_path / "other.yaml"
    other.write_text("hello: world\n")
    result = zen(f"stack import {other}")
    assert result.exit_code == 1 and "not a zen stack export" in result.stderr


def test_import_after_a_rename_gives_the_copy_a_new_uuid(zen, mysql_stack, tmp_path):
    """A uuid is one component's identity in a store: the export's uuid is taken by the
    renamed original, so the imported component is a copy with a uuid of its own."""
    export = tmp_path / "prod.yaml"
    ok(zen(f"stack export prod {export}"))
    original = profile_store().get_component(ComponentType.CONTAINER_REGISTRY, "reg")
    ok(zen("container-registry rename reg reg-old"))
    ok(zen(f"stack import {export} --name prod2"))
    store = profile_store()
    kept = store.get_component(ComponentType.CONTAINER_REGISTRY, "reg-old")
    copy = store.get_component(ComponentType.CONTAINER_REGISTRY, "reg")
    assert kept.uuid == original.uuid and copy.uuid != original.uuid
    assert copy.config == original.config
    assert stacks(zen)["prod2"]["components"]["container_registry"] == "reg"


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_profile_copy_moves_everything_to_another_store(zen, mysql_stack, kind, target_url):
    ok(zen("stack set prod"))
    url = target_url(kind)
    ok(zen(f"profile copy default moved --store-type {kind}" + (f" --url {url}" if url else "")))
    profiles = {p["name"]: p for p in json.loads(zen("profile list --output json").stdout)}
    assert profiles["moved"]["store_type"] == kind
    assert profiles["moved"]["active_stack"] == "prod"
    source, moved = profile_store(), profile_store("moved")
    # the same records (== compares content, not revisions) with their uuids...
    assert moved.list_stacks() == source.list_stacks()
    assert moved.list_components() == source.list_components()
    assert [c.uuid for c in moved.list_components()] == [c.uuid
                                                         for c in source.list_components()]
    # ...new in the new store: revision 1 from the time of the copy
    assert {r.revision for r in [*moved.list_stacks(), *moved.list_components()]} == {1}


def test_profile_copy_is_all_or_nothing(zen, mysql_stack, tmp_path, zen_home):
    occupied = tmp_path / "occupied"
    ok(zen(f"profile create first --url file://{occupied}"))
    result = zen(f"profile copy default second --store-type local --url file://{occupied}")
    assert result.exit_code == 1 and "not empty" in result.stderr
    names = {p["name"] for p in json.loads(zen("profile list --output json").stdout)}
    assert "second" not in names
    assert not (zen_home / "profiles" / "second").exists()
    first = profile_store("first")
    assert first.stack_names() == ["default"]  # the occupied store is untouched
