"""The domain layer: every rule of zen, once, for every edge.

The CLI (``zen_core.cli``), the Python API (``zen_core.client``) and the
service's routes (``zen_service``) call these modules and nothing below them
writes on their behalf:

- :mod:`~zen_core.services.access`: a store, the rules its writes obey and who asks;
- :mod:`~zen_core.services.rules`: flavor schemas and stack rules, run inside each write;
- :mod:`~zen_core.services.components` and :mod:`~zen_core.services.stacks`;
- :mod:`~zen_core.services.profiles`: profiles, their stores, the default profile;
- :mod:`~zen_core.services.choices`: the active profile and stack, and their repair;
- :mod:`~zen_core.services.transfer`: export, import and profile copy.

What is in effect (profile, stack, repository) is resolved, read-only, by
:mod:`zen_core.context`.
"""
