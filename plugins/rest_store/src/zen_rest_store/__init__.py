"""zen-rest-store: the ``rest`` store type, a profile whose stacks live in a zen service."""

__version__ = "0.1.0"
