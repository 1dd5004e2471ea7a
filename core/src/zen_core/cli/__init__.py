"""The ``zenml`` command line: a thin layer over ``zen_core.client.Client``."""
