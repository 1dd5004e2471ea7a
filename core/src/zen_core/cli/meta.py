"""Where the options every command shares (``--profile``, ``--stack``, ``-q``) leave their
values: click's ``ctx.meta``, shared down the chain of contexts (see :mod:`.options`)."""

PROFILE, STACK, QUIET = "zen.profile", "zen.stack", "zen.quiet"
