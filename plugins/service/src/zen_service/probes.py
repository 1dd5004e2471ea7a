"""What ``/ready`` checks: the service is not stopping, and its store answers.

``/health`` says the process lives; ``/ready`` says it can serve requests now,
for a proxy's health checks and an orchestrator's readiness probe. The store
is asked something small that needs it to answer (a query on a SQL store, a
file read on a local one): when the database is gone ``/ready`` says why, and
when it is back ``/ready`` says so again, without a restart.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from zen_core.exceptions import ZenError

logger = logging.getLogger("zen_service.app")

#: The key, in the app's ``extensions["zen_service"]``, of the event set when it stops.
STOPPING = "stopping"


def mark_stopping_on(app: Any, event: threading.Event) -> None:
    """``/ready`` answers 503 once ``event`` is set (the server stops)."""
    app.extensions["zen_service"][STOPPING] = event


def unready_reason(app: Any) -> str | None:
    """Why the service cannot serve requests now, or None."""
    zen = app.extensions["zen_service"]
    stopping = zen.get(STOPPING)
    if stopping is not None and stopping.is_set():
        return "The service is stopping."
    try:
        zen["served"].check_ready()
    except ZenError as err:
        return err.message
    except Exception as err:  # a store type's bug: unready all the same, and logged
        logger.exception("The store failed the readiness check")
        return f"The store failed: unexpected {type(err).__name__} (see the service's log)."
    return None
