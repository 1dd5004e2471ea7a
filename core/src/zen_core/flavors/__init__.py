"""Built-in component flavors: pydantic schemas of each flavor's configuration.

``plugin.py`` contributes them through the ``zen_component_flavors`` hook with
lazy paths, so the schemas (and pydantic) load only when a command validates
or lists configurations.
"""
