"""Issue 21's hostile clients against zen's service, and what everyone else sees meanwhile.

The service is the daemon ``zenml service up`` starts, on a local profile. The
attack comes from one process of its own (asyncio), all at once, for
``seconds``:

* 200 idle connections, each opened again when the service closes it;
* 50 slow-header clients: a byte of a request head every 0.5 s;
* 50 slow-body clients without a key: a request head announcing 100 kB, then
  a byte of the body every 0.5 s;
* one client sending a 300 MB body without a key, as fast as it can;

every one of them connecting again as soon as it is cut. Meanwhile the harness
asks ``/health`` and ``GET /api/v1/stacks/default`` (with the admin key) in
turn, each on a new connection, and samples the daemon's resident memory. The
same probes on the quiet service, just before, are the baseline. Targets: every
probe answered 200, the slowest of each within 1 s, the daemon's peak resident
memory (``VmHWM``, since its start) under 150 MB.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import threading
import time
from pathlib import Path

from evaluate import Figure

IDLE, SLOW_HEADS, SLOW_BODIES = 200, 50, 50
BIG_BODY = 300_000_000
DRIP_SECONDS = 0.5
#: Seconds between two probes of the same kind.
PROBE_EVERY = 0.25
QUIET_SECONDS = 3.0


# --- the attack (a process of its own) ------------------------------------------------
async def _connect(port: int, counts: dict) -> tuple | None:
    """(reader, writer) of a new connection; None (after a pause) if it was refused."""
    try:
        return await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        counts["refused"] += 1
        await asyncio.sleep(0.1)
        return None


async def _idle(port: int, stop: asyncio.Event, counts: dict) -> None:
    while not stop.is_set():
        connection = await _connect(port, counts)
        if connection is None:
            continue
        reader, writer = connection
        counts["idle connections"] += 1
        read = asyncio.ensure_future(reader.read(1))
        await asyncio.wait([read, asyncio.ensure_future(stop.wait())],
                           return_when=asyncio.FIRST_COMPLETED)
        read.cancel()
        writer.close()


async def _drip(port: int, stop: asyncio.Event, counts: dict, kind: str, head: bytes,
                body: bytes) -> None:
    """Send ``head`` (a byte at a time if ``body`` is empty), then ``body`` a byte at a
    time; when cut, start again."""
    while not stop.is_set():
        connection = await _connect(port, counts)
        if connection is None:
            continue
        reader, writer = connection
        counts[f"{kind} connections"] += 1
        try:
            if body:
                writer.write(head)
            pieces = body or head
            for byte in pieces:
                if stop.is_set():
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                try:
                    answer = await asyncio.wait_for(reader.read(64), DRIP_SECONDS)
                except asyncio.TimeoutError:
                    continue
                counts[f"{kind} answered {answer[9:12].decode(errors='replace') or 'cut'}"] += 1
                break
        except OSError:
            counts[f"{kind} cut"] += 1
        writer.close()


async def _big_body(port: int, stop: asyncio.Event, counts: dict) -> None:
    head = (f"POST /api/v1/components HTTP/1.1\r\nHost: zen\r\nContent-Type: "
            f"application/json\r\nContent-Length: {BIG_BODY}\r\n\r\n").encode()
    chunk = b"x" * 65536
    while not stop.is_set():
        connection = await _connect(port, counts)
        if connection is None:
            continue
        reader, writer = connection
        counts["300 MB body connections"] += 1
        sent = 0
        try:
            writer.write(head)
            while sent < BIG_BODY and not stop.is_set() and not reader.at_eof():
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
        except OSError:
            pass
        counts["300 MB body bytes sent"] += sent
        writer.close()


async def _attack(port: int, seconds: float) -> dict:
    from collections import Counter

    counts: Counter = Counter()
    stop = asyncio.Event()
    slow_head = b"GET /api/v1/stacks HTTP/1.1\r\nHost: zen\r\nX-Slow: " + b"a" * 4000
    body_head = (b"POST /api/v1/components HTTP/1.1\r\nHost: zen\r\nContent-Type: "
                 b"application/json\r\nContent-Length: 100000\r\n\r\n")
    tasks = [asyncio.ensure_future(_idle(port, stop, counts)) for _ in range(IDLE)]
    tasks += [asyncio.ensure_future(_drip(port, stop, counts, "slow head", slow_head, b""))
              for _ in range(SLOW_HEADS)]
    tasks += [asyncio.ensure_future(_drip(port, stop, counts, "slow body", body_head,
                                          b"{" + b" " * 99_999))
              for _ in range(SLOW_BODIES)]
    tasks.append(asyncio.ensure_future(_big_body(port, stop, counts)))
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.wait(tasks, timeout=10)
    return dict(counts)


def _attack_process(port: int, seconds: float, started, results) -> None:
    started.set()
    results.put(asyncio.run(_attack(port, seconds)))


# --- the probes and the memory ---------------------------------------------------------
def _probe(base: str, key: str, seconds: float) -> dict[str, list]:
    """/health and one stack in turn for ``seconds``: each probe's seconds, or its error."""
    import requests

    found: dict[str, list] = {"/health": [], "GET one stack": []}
    calls = {"/health": (f"{base}/health", {}),
             "GET one stack": (f"{base}/api/v1/stacks/default",
                               {"Authorization": f"Bearer {key}"})}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name, (url, headers) in calls.items():
            begin = time.monotonic()
            try:
                with requests.Session() as session:  # a new connection, as a new client
                    session.trust_env = False
                    status = session.get(url, headers=headers, timeout=5).status_code
                found[name].append(time.monotonic() - begin if status == 200
                                   else f"HTTP {status}")
            except requests.RequestException as err:
                found[name].append(type(err).__name__)
        time.sleep(PROBE_EVERY)
    return found


def _memory_kib(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _summary(samples: list) -> dict:
    times = sorted(s for s in samples if isinstance(s, float))
    return {"probes": len(samples), "errors": [s for s in samples if isinstance(s, str)],
            "p50_ms": round(statistics.median(times) * 1000, 1) if times else None,
            "slowest_s": round(times[-1], 3) if times else None}


def bench_hostile(work: Path, seconds: float, log=lambda message: None
                  ) -> tuple[dict, dict[str, Figure]]:
    import stores

    from zen_service.testing import running_service

    if not Path("/proc/self/status").exists():
        reason = "needs /proc (Linux) for the daemon's memory"
        return {"skipped": reason}, {k: Figure(skipped=reason) for k in HOSTILE_KEYS}
    config = stores.with_stacks(work / "hostile", 1)
    with running_service(config.directory, profile="default") as served:
        base = served.url.rstrip("/")
        log(f"hostile: the quiet service for {QUIET_SECONDS:g} s")
        quiet = _probe(base, served.token, QUIET_SECONDS)
        context = multiprocessing.get_context("spawn")
        started, results = context.Event(), context.Queue()
        attacker = context.Process(target=_attack_process,
                                   args=(served.port, seconds, started, results), daemon=True)
        attacker.start()
        started.wait(60)
        log(f"hostile: {IDLE} idle, {SLOW_HEADS} slow heads, {SLOW_BODIES} slow bodies and "
            f"a 300 MB body for {seconds:g} s")
        rss: list[int] = []
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.1):
                value = _memory_kib(served.pid, "VmRSS")
                if value is not None:
                    rss.append(value)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        time.sleep(1)  # the attackers connect first
        attacked = _probe(base, served.token, seconds - 2)
        attack_counts = results.get(timeout=seconds + 60)
        attacker.join(30)
        done.set()
        sampler.join(5)
        peak = _memory_kib(served.pid, "VmHWM")
    data = {"seconds": seconds, "attack": attack_counts,
            "quiet": {k: _summary(v) for k, v in quiet.items()},
            "attacked": {k: _summary(v) for k, v in attacked.items()},
            "rss_mib": {"peak_since_start": round(peak / 1024, 1) if peak else None,
                        "max_sampled": round(max(rss) / 1024, 1) if rss else None,
                        "samples": len(rss)}}
    return data, hostile_figures(data)


HOSTILE_KEYS = ("i-health", "i-stack", "i-rss")


def hostile_figures(data: dict) -> dict[str, Figure]:
    figures = {}
    for key, probe in (("i-health", "/health"), ("i-stack", "GET one stack")):
        under, quiet = data["attacked"][probe], data["quiet"][probe]
        errors = len(under["errors"]) + len(quiet["errors"])
        figures[key] = Figure(
            value=under["slowest_s"], errors=errors,
            detail=(f"{under['probes']} probes under attack: p50 {under['p50_ms']} ms, slowest "
                    f"{under['slowest_s']} s; quiet: p50 {quiet['p50_ms']} ms"
                    + (f"; errors {(under['errors'] + quiet['errors'])[:3]}" if errors else "")),
            extra={"p50_ratio_to_quiet": (under["p50_ms"] / quiet["p50_ms"]
                                          if under["p50_ms"] and quiet["p50_ms"] else None)})
    memory = data["rss_mib"]
    figures["i-rss"] = Figure(
        value=memory["peak_since_start"],
        detail=f"peak resident memory since start; {memory['max_sampled']} MiB the most "
               f"sampled during the attack ({memory['samples']} samples)")
    return figures


def report_hostile(data: dict) -> list[str]:
    lines = [f"Hostile clients ({data['seconds']:g} s): {IDLE} idle, {SLOW_HEADS} slow heads, "
             f"{SLOW_BODIES} slow bodies, a 300 MB body; each reconnects when cut", "",
             f"   {'probe':<16}{'':<10}{'probes':>8}{'p50 ms':>9}{'slowest s':>11}{'errors':>8}"]
    for phase in ("quiet", "attacked"):
        for probe, s in data[phase].items():
            lines.append(f"   {probe:<16}{phase:<10}{s['probes']:>8}{s['p50_ms'] or 0:>9.1f}"
                         f"{s['slowest_s'] or 0:>11.3f}{len(s['errors']):>8}")
    lines.append(f"   the daemon's memory: peak {data['rss_mib']['peak_since_start']} MiB since "
                 f"start, {data['rss_mib']['max_sampled']} MiB the most sampled")
    lines.append("   the attack: " + ", ".join(f"{k} {v}" for k, v in
                                               sorted(data["attack"].items())))
    return lines
