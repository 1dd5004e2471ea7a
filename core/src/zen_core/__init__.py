"""zen: named stacks of ML components, kept in profiles backed by pluggable stores.

The package root exports only what plugins and programs need: ``hookimpl`` to
implement hooks, and the version. The Python API lives in ``zen_core.client``.
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

#: Marker for plugin hook implementations (``@hookimpl def zen_store_types(): ...``).
hookimpl = pluggy.HookimplMarker("zen")

__all__ = ["__version__", "hookimpl"]
