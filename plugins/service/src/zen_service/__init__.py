"""zen-service: share a profile's stacks over HTTP.

``zen_service.app.create_app`` builds the Flask app (API keys checked by
``zen_service.auth``, ``/ready`` by ``zen_service.probes``); ``python -m
zen_service.daemon`` serves it with cheroot, over HTTPS if asked
(``zen_service.server``, each connection read by ``zen_service.connection``);
``zen_service.manager`` starts and stops that daemon (``zenml service
up/status/down``, added by ``zen_service.plugin``), and ``zenml service run``
serves in the foreground. ``zen_service.proxies`` says whose ``X-Forwarded-*``
headers to believe; ``zen_service.options`` holds the limits and drain time.
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # The version of every zen distribution is set in one place (zen_core.__version__)
    # and built into this one's metadata; read on first use, so importing stays cheap.
    if name == "__version__":
        from importlib.metadata import version

        return version("zen-service")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
