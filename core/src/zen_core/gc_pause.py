"""Pausing the cyclic garbage collector while a command builds many records it keeps.

CPython's cyclic collector runs a full collection each time the objects that
survived earlier ones grow by a quarter, walking every one of them. A profile
copy holds tens of thousands of records (read, stamped, their rows and events)
until it ends: four full collections walked them all for ~0.1 s of its ~0.95 s,
and found nothing, as records hold no cycles. Reference counting frees them as
before; a cycle made meanwhile is collected once the collector runs again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Run the block with the cyclic collector off; then on again, if it was on.

    The switch is the process's: in a program with other threads, theirs pause too
    (and a second block inside this one leaves the switch as it found it)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
