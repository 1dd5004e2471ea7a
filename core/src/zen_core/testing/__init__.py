"""Test helpers for zen stores and plugins, shipped as a pytest plugin.

``zen_core.testing.contract.StoreContract`` holds the store contract suite: a
store distribution subclasses it, provides a ``store`` fixture, and inherits
every test.
"""
