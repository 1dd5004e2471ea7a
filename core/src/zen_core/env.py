"""Every environment variable zen reads, in one place."""

from __future__ import annotations

#: The global config folder (default: the platform's user config folder for zenml).
CONFIG_PATH = "ZENML_CONFIG_PATH"
#: The repository root, exactly (no search of parent folders).
REPOSITORY_PATH = "ZENML_REPOSITORY_PATH"
#: The profile in effect for this shell or program, over the repository's and the global one.
ACTIVATED_PROFILE = "ZENML_ACTIVATED_PROFILE"
#: The stack in effect, over the repository's and the profile's.
ACTIVATED_STACK = "ZENML_ACTIVATED_STACK"
#: The store type of profiles created without ``--store-type``.
DEFAULT_STORE_TYPE = "ZENML_DEFAULT_STORE_TYPE"
#: The access token of a rest profile that has none of its own.
STORE_TOKEN = "ZENML_STORE_TOKEN"
#: A profile's secrets keys (base64, comma-separated, the current one first), over its key file.
SECRETS_KEY = "ZENML_SECRETS_KEY"
#: Show tracebacks instead of one-line errors.
DEBUG = "ZENML_DEBUG"
#: The ``--output`` format of commands run without one: ``table``, ``json`` or ``yaml``.
DEFAULT_OUTPUT = "ZENML_DEFAULT_OUTPUT"
#: Plugins not to load, by name (``zenml plugins`` shows them), comma-separated.
DISABLE_PLUGINS = "ZENML_DISABLE_PLUGINS"

ALL = (CONFIG_PATH, REPOSITORY_PATH, ACTIVATED_PROFILE, ACTIVATED_STACK, DEFAULT_STORE_TYPE,
       STORE_TOKEN, SECRETS_KEY, DEBUG, DEFAULT_OUTPUT, DISABLE_PLUGINS)
