"""The service under load: throughput beside a minimal Flask app, and a storm of clients.

Three servers run throughout, each in its own process and served the same way
(``zen_service.server``: cheroot with the daemon's settings and thread count):

* the *ceiling*: a minimal Flask app returning a constant (the floor of this stack);
* zen's service on a local profile holding 50 stacks;
* zen's service on a PostgreSQL profile holding the same 50 stacks (a database
  of its own, created here and dropped at the end), unless PostgreSQL is
  unreachable.

zen's routes run with authentication on: every request carries the service's
admin API key. Clients are threads (one ``requests.Session``, so one
connection, each) in up to four client processes started once (spawned before
anything is timed). All clients of a case start together at a common instant;
each request's latency is recorded, every failed request (a status other than
200, a connection error, a timeout) is counted, and throughput is the
successful answers over the *measured* time from that instant to the end of
the last request.

For 1, 8 and 32 clients: a warm-up slice of each case, then ``rounds`` rounds
of ceiling, one stack (PostgreSQL), 50 stacks (local), 50 stacks (PostgreSQL),
one slice each (A B C D A B C D), so that a drift of the machine's load hits the
ceiling and zen alike. A case's figure is its median over the rounds divided
by the ceiling's median.

Then the storm: 128 clients at once for ``storm_seconds`` on the local
profile's one-stack route: every client must get answers, none may fail.
"""

from __future__ import annotations

import multiprocessing
import statistics
import subprocess
import sys
import threading
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

from evaluate import CLIENTS, STORM_CLIENTS, ClientResult, Figure, paired_ratio, summarize_load

CEILING_APP = (
    "import sys; from flask import Flask; from zen_service.server import THREADS, serve; "
    "app = Flask('ceiling'); app.get('/')(lambda: {'ok': True}); "
    "serve(app, '127.0.0.1', int(sys.argv[1]), threads=THREADS)"
)
PROCESSES = 4
#: Seconds between sending a case to the client processes and its common start.
LEAD = 0.5
CEILING = "ceiling (minimal Flask app)"
ONE_PG = "GET one stack, PostgreSQL"
LIST_LOCAL = "GET 50 stacks, local"
LIST_PG = "GET 50 stacks, PostgreSQL"
#: The figure each case gives (issue 12's rows f and g), by number of clients.
CASE_TARGETS = {ONE_PG: "f-{}", LIST_LOCAL: "g-local-{}", LIST_PG: "g-postgres-{}"}


# --- the client processes -------------------------------------------------------------
def _client_thread(url: str, headers: dict, start_at: float, seconds: float, timeout: float,
                   out: list, slot: int) -> None:
    import requests

    result = ClientResult()
    session = requests.Session()
    session.trust_env = False
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    deadline = start_at + seconds
    result.started = time.monotonic()
    try:
        # at least one request, even if this thread started late: a client is never
        # counted as unanswered for not having asked
        while not result.answered + result.errors or time.monotonic() < deadline:
            begin = time.monotonic()
            try:
                response = session.get(url, headers=headers, timeout=timeout)
                response.content  # noqa: B018 - the whole body is part of the answer
            except requests.RequestException as err:
                end = time.monotonic()
                result.errors += 1
                if len(result.error_samples) < 2:
                    result.error_samples.append(f"{type(err).__name__}: {err}"[:300])
            else:
                end = time.monotonic()
                result.answered += 1
                result.latencies.append(end - begin)
                if result.first_answer is None:
                    result.first_answer = end - result.started
                if response.status_code == 200:
                    result.ok += 1
                else:
                    result.errors += 1
                    if len(result.error_samples) < 2:
                        result.error_samples.append(
                            f"HTTP {response.status_code}: {response.text[:200]}")
            result.ended = end
    finally:
        session.close()
        out[slot] = result.__dict__


def _client_process(commands, results) -> None:
    """Run the cases it is sent (threads, one per client) until sent None."""
    import requests  # noqa: F401 - imported before the first case is timed

    results.put("ready")
    while True:
        command = commands.get()
        if command is None:
            return
        url, headers, threads, start_at, seconds, timeout = command
        out: list = [None] * threads
        workers = [threading.Thread(target=_client_thread,
                                    args=(url, headers, start_at, seconds, timeout, out, k))
                   for k in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        results.put(out)


class ClientPool:
    """Client processes started once; :meth:`run` gives them one case at a time."""

    def __init__(self, processes: int = PROCESSES, lead: float = LEAD) -> None:
        self.lead = lead
        context = multiprocessing.get_context("spawn")
        self.results = context.Queue()
        self.commands = [context.Queue() for _ in range(processes)]
        self.processes = [context.Process(target=_client_process, args=(q, self.results),
                                          daemon=True) for q in self.commands]
        for p in self.processes:
            p.start()
        for _ in self.processes:  # every process has imported requests: none starts late
            ready = self.results.get(timeout=120)
            if ready != "ready":
                raise RuntimeError(f"a client process sent {ready!r} before 'ready'")

    def run(self, url: str, headers: dict, clients: int, seconds: float,
            timeout: float = 30.0) -> dict:
        """``clients`` clients from a common start for ``seconds``: :func:`summarize_load`."""
        used = min(clients, len(self.processes))
        shares = [clients // used + (i < clients % used) for i in range(used)]
        start_at = time.monotonic() + self.lead
        for queue, share in zip(self.commands, shares, strict=False):
            queue.put((url, headers, share, start_at, seconds, timeout))
        clients_results = []
        for _ in range(used):
            clients_results += self.results.get(timeout=self.lead + seconds + timeout + 60)
        return summarize_load(clients_results)

    def close(self) -> None:
        for queue in self.commands:
            queue.put(None)
        for p in self.processes:
            p.join(10)
            if p.is_alive():
                p.terminate()


# --- the servers ----------------------------------------------------------------------
@contextmanager
def ceiling_app(port: int):
    import requests

    proc = subprocess.Popen([sys.executable, "-c", CEILING_APP, str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(400):
            if proc.poll() is not None:
                raise RuntimeError("the ceiling app exited: "
                                   + proc.stderr.read().decode(errors="replace")[-1000:])
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        else:
            raise RuntimeError("the ceiling app did not answer within 20 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _check(url: str, headers: dict, stacks: int | None) -> None:
    """One request before the load: 200, and the list holds the expected stacks."""
    import requests

    response = requests.get(url, headers=headers, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: HTTP {response.status_code}: {response.text[:300]}")
    if stacks is not None:
        total = len(response.json()["items"])
        if total != stacks:
            raise RuntimeError(f"GET {url}: {total} stacks, expected {stacks}")


def bench_service(work: Path, seconds: float, rounds: int, storm_seconds: float,
                  postgres, stacks: int = 50, warmup_seconds: float | None = None,
                  lead: float | None = None,
                  log=lambda message: None) -> tuple[dict, dict[str, Figure]]:
    """The load cases and the storm; returns the raw figures and the verdicts' figures.
    ``postgres``: a :class:`targets.Server` or a reason (str) why it is not here;
    ``lead``: seconds between sending a case to the clients and its start (LEAD)."""
    import stores

    from zen_core.services.transfer import copy_profile
    from zen_service.testing import free_port, running_service

    warmup_seconds = min(seconds, 1.0) if warmup_seconds is None else warmup_seconds
    data: dict = {"seconds_per_slice": seconds, "rounds": rounds, "stacks": stacks,
                  "warmup_seconds": warmup_seconds, "storm_seconds": storm_seconds,
                  "cases": {}}
    with ExitStack() as stack:
        local = stores.with_stacks(work / "local", stacks)
        ceiling = stack.enter_context(ceiling_app(free_port()))
        served = stack.enter_context(running_service(local.directory, profile="default"))
        auth = {"Authorization": f"Bearer {served.token}"}  # an admin API key: auth on
        base = served.url.rstrip("/")
        cases = {CEILING: (ceiling, {}, None),
                 LIST_LOCAL: (f"{base}/api/v1/stacks", auth, stacks)}
        one_local = f"{base}/api/v1/stacks/stack-000"  # with_stacks names them stack-NNN
        if not isinstance(postgres, str):
            pg_config = stores.with_stacks(work / "postgres", stacks)
            database = f"zen_bench_service_{uuid.uuid4().hex[:8]}"
            url = postgres.create(database)
            stack.callback(postgres.drop, database)
            copy_profile(pg_config.client.config, "default", "postgres", "sql", url=url)
            pg_served = stack.enter_context(
                running_service(pg_config.directory, profile="postgres"))
            pg_auth = {"Authorization": f"Bearer {pg_served.token}"}
            pg_base = pg_served.url.rstrip("/")
            cases[ONE_PG] = (f"{pg_base}/api/v1/stacks/stack-000", pg_auth, None)
            cases[LIST_PG] = (f"{pg_base}/api/v1/stacks", pg_auth, stacks)
        for url, headers, expected in [*cases.values(), (one_local, auth, None)]:
            _check(url, headers, expected)
        pool = ClientPool(lead=LEAD if lead is None else lead)
        stack.callback(pool.close)
        for clients in CLIENTS:
            log(f"service: {clients} client(s): warm-up, then {rounds} rounds of "
                f"{len(cases)} cases x {seconds:g} s")
            for case, (url, headers, _) in cases.items():
                entry = data["cases"].setdefault(case, {}).setdefault(
                    str(clients), {"warmup": None, "rounds": []})
                entry["warmup"] = pool.run(url, headers, clients, warmup_seconds)
            for _ in range(rounds):
                for case, (url, headers, _) in cases.items():
                    data["cases"][case][str(clients)]["rounds"].append(
                        pool.run(url, headers, clients, seconds))
        log(f"service: {STORM_CLIENTS} clients at once for {storm_seconds:g} s")
        data["storm"] = {"url": "GET one stack, local", "clients": STORM_CLIENTS,
                         **pool.run(one_local, auth, STORM_CLIENTS, storm_seconds)}
    return data, service_figures(data, postgres)


def service_figures(data: dict, postgres) -> dict[str, Figure]:
    """The figures of targets f, g and h from :func:`bench_service`'s data."""
    figures: dict[str, Figure] = {}
    for case, key in CASE_TARGETS.items():
        for clients in CLIENTS:
            target = key.format(clients)
            if case not in data["cases"]:
                reason = postgres if isinstance(postgres, str) else "not measured"
                figures[target] = Figure(skipped=reason)
                continue
            figures[target] = case_figure(data["cases"][CEILING][str(clients)],
                                          data["cases"][case][str(clients)])
    storm = data["storm"]
    figures["h"] = Figure(
        value=storm["unanswered"], errors=storm["errors"],
        detail=(f"{storm['clients'] - storm['unanswered']}/{storm['clients']} clients "
                f"answered, {storm['errors']} errors, {storm['ok']} answers in "
                f"{storm['elapsed_s']:.1f} s, p50 {storm['p50_ms']:.0f} ms, p99 "
                f"{storm['p99_ms']:.0f} ms, slowest first answer "
                f"{storm['slowest_first_answer_ms']} ms"),
        extra={"p99_ms": storm["p99_ms"], "p50_ms": storm["p50_ms"]})
    return figures


def case_figure(ceiling: dict, case: dict) -> Figure:
    """zen's median throughput over the ceiling's, measured in the same rounds; the failed
    requests and unanswered clients of the case (warm-up included) are its errors."""
    zen_rps = [r["rps"] for r in case["rounds"]]
    top_rps = [r["rps"] for r in ceiling["rounds"]]
    zen, top = statistics.median(zen_rps), statistics.median(top_rps)
    slices = [case["warmup"], *case["rounds"]]
    errors = sum(r["errors"] + r["unanswered"] for r in slices if r)
    ceiling_errors = sum(r["errors"] + r["unanswered"] for r in [ceiling["warmup"],
                                                                  *ceiling["rounds"]] if r)
    value = zen / top if top > 0 else None
    p99s = [r["p99_ms"] for r in case["rounds"] if r["p99_ms"] is not None]
    p99 = round(statistics.median(p99s), 1) if p99s else None
    return Figure(
        value=value, errors=errors + ceiling_errors,
        detail=f"{zen:.0f} vs {top:.0f} req/s (medians of {len(zen_rps)}), p99 {p99} ms",
        extra={"rps": zen, "ceiling_rps": top, "paired_ratio": paired_ratio(zen_rps, top_rps),
               "ceiling_errors": ceiling_errors})


def report_service(data: dict) -> list[str]:
    lines = [
        f"Service: req/s (successful answers over measured time) and latency; "
        f"{data['rounds']} rounds x {data['seconds_per_slice']:g} s per case, "
        f"{data['stacks']} stacks; cheroot as the daemon serves it, API key checked",
        "",
        f"   {'case':<30}{'clients':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'x ceiling':>11}{'errors':>8}",
    ]
    ceiling = data["cases"][CEILING]
    for case, by_clients in data["cases"].items():
        for clients, entry in by_clients.items():
            rps = statistics.median(r["rps"] for r in entry["rounds"])
            top = statistics.median(r["rps"] for r in ceiling[clients]["rounds"])
            p50 = statistics.median(r["p50_ms"] or 0 for r in entry["rounds"])
            p99 = statistics.median(r["p99_ms"] or 0 for r in entry["rounds"])
            errors = sum(r["errors"] + r["unanswered"]
                         for r in [entry["warmup"], *entry["rounds"]] if r)
            lines.append(f"   {case:<30}{clients:>8}{rps:>9.0f}{p50:>9.1f}{p99:>9.1f}"
                         f"{rps / top if top else 0:>10.2f}x{errors:>8}")
    s = data["storm"]
    lines += ["", f"   storm: {s['clients']} clients, {s['url']}, {data['storm_seconds']:g} s: "
              f"{s['clients'] - s['unanswered']} answered, {s['errors']} errors, "
              f"{s['rps']:.0f} req/s, p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms"]
    for sample in s["error_samples"]:
        lines.append(f"     error: {sample}")
    return lines
