"""zen-service: share a profile's stacks over HTTP.

``zen_service.app.create_app`` builds the Flask app (API keys checked by
``zen_service.auth``); ``python -m zen_service.daemon`` serves it with cheroot,
over HTTPS if asked (``zen_service.server``); ``zen_service.manager`` starts and
stops that daemon (``zenml service up/status/down``, added by ``zen_service.plugin``).
"""

__version__ = "0.1.0"
