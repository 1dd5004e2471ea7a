"""How a service run is told its limits, its trusted proxies and its drain time.

``zenml service up`` passes them to the daemon's command line, ``zenml service
run`` uses them in its own process. Standard library only: the CLI imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The request head (request line and headers) at most, in KiB: an API key and a few
#: headers need under 1 KiB; proxies add a few hundred bytes each.
MAX_HEADER_KIB = 16
#: A request body at most, in MiB: far more than a config record, and a batch of
#: thousands of records (a profile copy) still fits.
MAX_BODY_MIB = 16
#: Seconds a stopping service keeps serving while ``/ready`` says it stops (none: it
#: stops accepting at once). Behind a proxy, the time its health checks need to notice.
DRAIN_SECONDS = 0.0


@dataclass(frozen=True)
class ServeOptions:
    #: Whose ``X-Forwarded-*`` headers to honour: a number of hops, or addresses
    #: (see :func:`zen_service.proxies.parse_trusted_proxies`); None: nobody's.
    trusted_proxies: str | None = None
    max_header_kib: int = MAX_HEADER_KIB
    max_body_mib: int = MAX_BODY_MIB
    drain_seconds: float = DRAIN_SECONDS

    @property
    def max_header_bytes(self) -> int:
        return self.max_header_kib * 2**10

    @property
    def max_body_bytes(self) -> int:
        return self.max_body_mib * 2**20

    def arguments(self) -> list[str]:
        """The daemon's command-line arguments that say the same."""
        args = ["--max-header-kib", str(self.max_header_kib),
                "--max-body-mib", str(self.max_body_mib),
                "--drain-seconds", f"{self.drain_seconds:g}"]
        if self.trusted_proxies is not None:
            args += ["--trusted-proxies", self.trusted_proxies]
        return args
