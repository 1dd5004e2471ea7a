"""zen-local-store: the ``local`` store type, YAML files in a folder (the embedded default)."""

__version__ = "0.1.0"
