"""no_cycle_collection() pauses the cyclic collector and leaves it as it found it."""

from __future__ import annotations

import gc

import pytest

from zen_core.gc_pause import no_cycle_collection


@pytest.fixture(autouse=True)
def collector_restored():
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_off_inside_and_on_again_after_a_failure_too():
    gc.enable()
    with no_cycle_collection():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), no_cycle_collection():
        raise KeyError("x")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with no_cycle_collection():
        with no_cycle_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_a_profile_copy_reads_without_it_and_restores_it(monkeypatch):
    from zen_core.services import transfer

    seen = []

    def open_store(*args, **kwargs):  # where the copy reads its source: stop there
        seen.append(gc.isenabled())
        raise RuntimeError("stop")

    class Config:
        def get_profile(self, name):
            return name

    monkeypatch.setattr(transfer.profiles, "open_store", open_store)
    gc.enable()
    with pytest.raises(RuntimeError, match="stop"):
        transfer.copy_profile(Config(), "a", "b", "local")
    assert seen == [False] and gc.isenabled()
