"""The local store: the shared contract, plus what only a folder of YAML files has to keep."""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path

import pytest
import yaml

from zen_core.changes import ComponentChange
from zen_core.exceptions import InvalidDataError, StoreMissingError, StoreUnavailableError
from zen_core.models import Component, ComponentType, Stack
from zen_core.testing.contract import (
    StoreContract,
    component,
    open_store,
    register_stack_with_components,
    run_concurrently,
)
from zen_core.testing.contract_concurrency import _register_stacks, _register_then_delete
from zen_local_store.store import LocalStore

T = ComponentType


def _new_store(root: Path) -> LocalStore:
    store = LocalStore(f"file://{root}")
    store.initialize()
    return store


@pytest.fixture
def store(tmp_path):
    store = _new_store(tmp_path / "store")
    yield store
    store.close()


class TestLocalStoreContract(StoreContract):
    @pytest.fixture
    def store(self, tmp_path):
        store = _new_store(tmp_path / "store")
        yield store
        store.close()

    @pytest.fixture
    def store_opener(self, store):
        return partial(LocalStore, store.url)


def test_open_store_from_a_class_path(store):
    register_stack_with_components(store, "s")
    other = open_store(("zen_local_store.store:LocalStore", store.url))
    assert isinstance(other, LocalStore)
    assert other.stack_names() == ["s"]


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --- ZenML 0.7's layout ----------------------------------------------------------
def test_files_on_disk_have_the_0_7_layout(store):
    root = store.root
    assert _load(root / "stacks.yaml") == {"stacks": {}, "stack_components": {}}
    orch = Component(T.ORCHESTRATOR, "kubeflow", "kf", {"kubernetes_context": "ctx", "n": 2})
    registry = Component(T.CONTAINER_REGISTRY, "default", "reg", {"uri": "localhost:5000"})
    store.register_component(orch)
    store.register_component(registry)
    store.register_component(component(T.METADATA_STORE, "meta", {"uri": "/m.db"}))
    store.register_component(component(T.ARTIFACT_STORE, "art", {"path": "/a"}))
    store.register_stack(Stack("s", {T.ORCHESTRATOR: "kf", T.METADATA_STORE: "meta",
                                     T.ARTIFACT_STORE: "art", T.CONTAINER_REGISTRY: "reg"}))

    index = _load(root / "stacks.yaml")
    # ZenML 0.7's two keys, and zen's own under _zen (which 0.7 ignores)
    assert set(index) == {"stacks", "stack_components", "_zen"}
    meta = index["_zen"]["stacks"]["s"]
    assert meta["revision"] == 1 and meta["created"] == meta["updated"]
    assert index["stacks"] == {"s": {"orchestrator": "kf", "metadata_store": "meta",
                                     "artifact_store": "art", "container_registry": "reg"}}
    assert index["stack_components"] == {
        "orchestrator": {"kf": "kubeflow"},
        "metadata_store": {"meta": "sqlite"},
        "artifact_store": {"art": "local"},
        "container_registry": {"reg": "default"},
    }
    kf = _load(root / "orchestrators" / "kf.yaml")
    assert kf.pop("_zen")["revision"] == 1
    assert kf == {"name": "kf", "uuid": orch.uuid, "kubernetes_context": "ctx", "n": 2}
    reg = _load(root / "container_registries" / "reg.yaml")
    assert set(reg.pop("_zen")) == {"revision", "created", "updated"}
    assert reg == {"name": "reg", "uuid": registry.uuid, "uri": "localhost:5000"}
    assert _load(root / "metadata_stores" / "meta.yaml")["uri"] == "/m.db"
    assert _load(root / "artifact_stores" / "art.yaml")["path"] == "/a"


def test_rename_and_delete_move_and_remove_files(store):
    store.register_component(component(T.ORCHESTRATOR, "old", {"x": 1}))
    store.update_component(T.ORCHESTRATOR, "old", ComponentChange(name="new"))
    folder = store.root / "orchestrators"
    assert sorted(p.name for p in folder.iterdir()) == ["new.yaml"]
    store.delete_component(T.ORCHESTRATOR, "new")
    assert list(folder.iterdir()) == []
    # no empty per-type map is left behind, as in ZenML 0.7's files
    assert _load(store.root / "stacks.yaml")["stack_components"] == {}


def test_reads_a_store_written_by_zenml_0_7(tmp_path):
    root = tmp_path / "old"
    (root / "orchestrators").mkdir(parents=True)
    (root / "metadata_stores").mkdir()
    (root / "artifact_stores").mkdir()
    (root / "stacks.yaml").write_text(
        "stack_components:\n"
        "  orchestrator:\n    local_orchestrator: local\n"
        "  metadata_store:\n    local_metadata_store: sqlite\n"
        "  artifact_store:\n    local_artifact_store: local\n"
        "stacks:\n"
        "  local_stack:\n"
        "    orchestrator: local_orchestrator\n"
        "    metadata_store: local_metadata_store\n"
        "    artifact_store: local_artifact_store\n"
        "    container_registry: null\n"
    )
    (root / "orchestrators" / "local_orchestrator.yaml").write_text(
        "name: local_orchestrator\nuuid: 5a2d1e0b-0000-4000-8000-000000000001\n"
    )
    (root / "metadata_stores" / "local_metadata_store.yaml").write_text(
        "name: local_metadata_store\nuri: /x/metadata.db\n"  # no uuid
    )
    (root / "artifact_stores" / "local_artifact_store.yaml").write_text(
        "name: local_artifact_store\nuuid: 5a2d1e0b-0000-4000-8000-000000000003\npath: /x\n"
    )
    store = LocalStore(f"file://{root}")
    assert store.get_stack("local_stack").components == {
        T.ORCHESTRATOR: "local_orchestrator",
        T.METADATA_STORE: "local_metadata_store",
        T.ARTIFACT_STORE: "local_artifact_store",
    }
    orch = store.get_component(T.ORCHESTRATOR, "local_orchestrator")
    assert (orch.flavor, orch.uuid, orch.config) == (
        "local", "5a2d1e0b-0000-4000-8000-000000000001", {}
    )
    meta = store.get_component(T.METADATA_STORE, "local_metadata_store")
    assert meta.config == {"uri": "/x/metadata.db"}
    assert meta.uuid and meta.uuid == store.get_component(meta.type, meta.name).uuid
    assert store.get_component(T.ARTIFACT_STORE, "local_artifact_store").config == {"path": "/x"}


def test_a_uuid_another_writer_took_or_freed_is_seen(store):
    """A handle keeps the uuids its last write left (a uuid lives in each component's
    file); what another handle or process wrote since is read again, never missed."""
    from zen_core.exceptions import ComponentExistsError

    shared = "2e4c6a8b-1d3f-4a5b-8c7d-9e0f1a2b3c4d"
    store.register_component(component(T.ORCHESTRATOR, "mine"))  # the map is kept
    other = LocalStore(store.url)
    other.register_component(Component(T.ARTIFACT_STORE, "local", "theirs", {}, uuid=shared))
    with pytest.raises(ComponentExistsError, match="artifact store 'theirs'"):
        store.register_component(Component(T.ORCHESTRATOR, "local", "twin", {}, uuid=shared))
    other.delete_component(T.ARTIFACT_STORE, "theirs")
    store.register_component(Component(T.ORCHESTRATOR, "local", "twin", {}, uuid=shared))
    assert store.get_component(T.ORCHESTRATOR, "twin").uuid == shared


def test_a_uuid_in_a_file_zenml_0_7_wrote_is_held(store):
    from zen_core.exceptions import ComponentExistsError

    store.register_component(component(T.ORCHESTRATOR, "mine"))
    index = _load(store.root / "stacks.yaml")  # ZenML 0.7 adds a component of its own
    index["stack_components"]["orchestrator"]["old"] = "local"
    (store.root / "stacks.yaml").write_text(yaml.safe_dump(index))
    (store.root / "orchestrators" / "old.yaml").write_text(
        "name: old\nuuid: 5a2d1e0b-0000-4000-8000-000000000009\n")
    with pytest.raises(ComponentExistsError, match="orchestrator 'old'"):
        store.register_component(Component(T.ARTIFACT_STORE, "local", "twin", {},
                                           uuid="5a2d1e0b-0000-4000-8000-000000000009"))


def test_unknown_top_level_keys_survive_writes(store):
    index = store.root / "stacks.yaml"
    index.write_text(
        "stacks: {}\nstack_components: {}\n"
        "users:\n- name: admin\n  id: 1\nteams: []\n"
    )
    register_stack_with_components(store, "s")
    store.update_component(T.ORCHESTRATOR, "s", ComponentChange(name="s2"))
    store.delete_stack("s")
    data = _load(index)
    assert data["users"] == [{"name": "admin", "id": 1}]
    assert data["teams"] == []
    assert data["stack_components"]["orchestrator"] == {"s2": "local"}


def test_a_failed_write_changes_nothing_this_instance_reads(store):
    """A write to the index this instance wrote last works on a copy of its parse
    (not the file again): a batch that fails must leave that parse as it was."""
    from zen_core.account_records import User
    from zen_core.exceptions import ComponentExistsError
    from zen_core.writes import CreateUser

    register_stack_with_components(store, "s")
    store.apply([CreateUser(User("ann"))])  # accounts are kept in the index too
    before = (store.list_stacks(), store.list_components(), store.list_users())
    with pytest.raises(ComponentExistsError), store.batch() as batch:
        batch.register_component(Component(T.ORCHESTRATOR, "local", "new"))
        batch.register_stack(Stack("t", {T.ORCHESTRATOR: "new", T.ARTIFACT_STORE: "s",
                                         T.METADATA_STORE: "s"}))
        batch.delete_stack("s")
        batch.writes.append(CreateUser(User("bob")))
        batch.register_component(Component(T.ORCHESTRATOR, "local", "s"))
    assert (store.list_stacks(), store.list_components(), store.list_users()) == before
    store.delete_stack("s")  # and the next write starts from the state on disk
    assert [s.name for s in store.list_stacks()] == []
    assert [u.name for u in LocalStore(store.url).list_users()] == ["ann"]


def test_broken_index_names_file_and_line(store):
    register_stack_with_components(store, "s")
    index = store.root / "stacks.yaml"
    index.write_text("stacks:\n  s: {orchestrator: s\nstack_components: {}\n")
    for call in (store.list_stacks, lambda: store.get_stack("s"), store.list_components,
                 lambda: register_stack_with_components(store, "t")):
        with pytest.raises(InvalidDataError) as info:
            call()
        message = str(info.value)
        assert str(index) in message
        assert "line " in message and any(ch.isdigit() for ch in message.split("line ")[1][:3])


def test_index_that_is_not_a_mapping(store):
    (store.root / "stacks.yaml").write_text("- just\n- a list\n")
    with pytest.raises(InvalidDataError, match=r"stacks\.yaml"):
        store.list_stacks()


def test_broken_component_file_names_it(store):
    store.register_component(component(T.ORCHESTRATOR, "o"))
    path = store.root / "orchestrators" / "o.yaml"
    path.write_text("name: o\nuuid: [unclosed\n")
    with pytest.raises(InvalidDataError) as info:
        store.get_component(T.ORCHESTRATOR, "o")
    assert str(path) in str(info.value) and "line " in str(info.value)


def test_missing_component_file_names_it(store):
    store.register_component(component(T.ORCHESTRATOR, "o"))
    path = store.root / "orchestrators" / "o.yaml"
    path.unlink()
    with pytest.raises(InvalidDataError) as info:
        store.get_component(T.ORCHESTRATOR, "o")
    assert str(path) in str(info.value)


def test_store_folder_that_is_a_file(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("hello")
    store = LocalStore(f"file://{not_a_folder}")
    with pytest.raises(StoreUnavailableError, match="file"):
        store.initialize()
    with pytest.raises(StoreUnavailableError, match="file"):
        store.list_stacks()


def test_a_store_whose_folder_has_gone_is_missing_not_empty(tmp_path):
    store = _new_store(tmp_path / "gone")
    register_stack_with_components(store, "s")
    import shutil

    shutil.rmtree(tmp_path / "gone")
    for call in (store.list_stacks, store.is_empty, lambda: store.get_stack("s"),
                 store.list_components, lambda: register_stack_with_components(store, "t"),
                 lambda: store.delete_stack("s")):
        with pytest.raises(StoreMissingError, match="is missing") as info:
            call()
        assert str(tmp_path / "gone" / "stacks.yaml") in str(info.value)
    assert not (tmp_path / "gone").exists()  # nothing was created in its place


# --- files stay whole while several processes write --------------------------------------
def test_files_stay_parseable_under_concurrency(store):
    root = store.root
    for ctype in (T.ORCHESTRATOR, T.METADATA_STORE, T.ARTIFACT_STORE):
        store.register_component(component(ctype, "shared"))
    problems: list[str] = []
    scans = 0
    stop = threading.Event()

    def scan() -> None:
        nonlocal scans
        while not stop.is_set():
            for path in root.rglob("*.yaml"):
                try:
                    text = path.read_text(encoding="utf-8")
                except FileNotFoundError:  # deleted between listing and reading
                    continue
                try:
                    data = yaml.safe_load(text)
                except yaml.YAMLError as err:
                    problems.append(f"{path}: {err}")
                    continue
                if not isinstance(data, dict):
                    problems.append(f"{path}: not a mapping: {text!r}")
            scans += 1

    scanner = threading.Thread(target=scan, daemon=True)
    scanner.start()
    try:
        jobs = [(_register_then_delete, (prefix, 15)) for prefix in ("wa", "wb")]
        jobs += [(_register_stacks, (prefix, 10)) for prefix in ("sa", "sb")]
        run_concurrently(partial(LocalStore, store.url), jobs)
    finally:
        stop.set()
        scanner.join(30)
    assert scans > 0
    assert problems == []
    yaml_files = list(root.rglob("*.yaml"))
    assert len(yaml_files) == 1 + 3 + 2 * 10  # index, shared components, survivors
    for path in yaml_files:
        assert isinstance(_load(path), dict), path
    assert list(root.rglob("*.tmp")) == []
    assert len(store.list_stacks()) == 20
    assert len(store.list_components()) == 3 + 2 * 10


def test_one_store_instance_is_safe_to_share_between_threads(tmp_path):
    """A service may share one store between request threads: nothing lost, no torn read."""
    from concurrent.futures import ThreadPoolExecutor

    store = LocalStore(f"file://{tmp_path}/shared")
    store.initialize()

    def work(worker: int) -> None:
        for i in range(15):
            store.register_component(
                Component(ComponentType.ORCHESTRATOR, "local", f"t{worker}-{i}"))
            names = {c.name for c in store.list_components(ComponentType.ORCHESTRATOR)}
            assert f"t{worker}-{i}" in names

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(work, range(4)))
    assert len(store.list_components(ComponentType.ORCHESTRATOR)) == 60


def test_every_write_replaces_its_file_never_changes_it_in_place(store, tmp_path):
    """Deterministic, unlike a reader racing writers: files opened before a change still
    read their old content whole, so each new version arrived by a rename."""
    register_stack_with_components(store, "s", "c")
    store.update_component(ComponentType.ORCHESTRATOR, "c",
                           ComponentChange(set={"padding": ["x" * 64] * 1000}))
    index = store.index_path
    orchestrator = next((store.root / "orchestrators").glob("c.yaml"))
    with open(index, "rb") as old_index, open(orchestrator, "rb") as old_component:
        before = (old_index.read(), old_component.read())
        old_index.seek(0)
        old_component.seek(0)
        store.update_component(ComponentType.ORCHESTRATOR, "c",
                               ComponentChange(set={"small": True}, unset=["padding"]))
        store.register_stack(Stack("t", store.get_stack("s").components))
        assert (old_index.read(), old_component.read()) == before
    assert _load(orchestrator)["small"] is True
    assert "t" in _load(index)["stacks"]
    assert list(store.root.rglob("*.tmp")) == []
