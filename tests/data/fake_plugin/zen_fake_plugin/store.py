from zen_local_store.store import LocalStore


class FakeStore(LocalStore):
    type_name = "fake"
