"""zen: named stacks of ML components, kept in profiles backed by pluggable stores.

The package root exports only what plugins and programs need: ``hookimpl`` to
implement hooks, and the version. Plugin authors import everything else from
``zen_core.plugin``; the Python API lives in ``zen_core.client``.
"""

from __future__ import annotations

import pluggy

#: The version of zen-core and of every zen distribution, set here and only here: each
#: pyproject.toml reads it (``[tool.hatch.version]``), and the siblings require each
#: other within ``>=1.0,<2`` (see docs/decisions.md, "One version").
__version__ = "1.0.0"

#: Marker for plugin hook implementations (``@hookimpl def zen_store_types(): ...``).
hookimpl = pluggy.HookimplMarker("zen")

__all__ = ["__version__", "hookimpl"]
