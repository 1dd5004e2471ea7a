"""The service under load from ``wrk``, beside a minimal Flask app served the same way.

The load generator is ``wrk`` (Debian's package: ``apt-get install -y wrk``), one
thread, on loopback (127.0.0.1) only, for a bounded duration: a Python client capped
the ceiling at a third of what it serves and flattered every ratio. Without ``wrk``
the service's figures are SKIPPED, never measured another way.

Servers, each in its own process and served the same way (``zen_service.server``:
cheroot with the daemon's settings and thread count): the *ceiling*, a minimal Flask
app returning a constant; zen's service on a local, a SQLite and a PostgreSQL profile
holding the same 50 stacks (the PostgreSQL one on a database of its own, dropped at
the end). zen's routes run with authentication on: every request carries the
service's admin API key.

For 1, 8 and 32 connections: a warm-up run of each case, then ``rounds`` rounds in
which every case (one stack and 50 stacks on each store) runs right after a run of the
ceiling (C A C B C D...). A case's figure is the median over the rounds of its
throughput divided by that of the ceiling's run just before it (paired ratios, never a
ratio of medians). Throughput is
successful answers over wrk's measured duration; every failed request (a status other
than 2xx/3xx, a socket error, no answer within the timeout) counts against the figure.

Then the storm: 128 connections at once on the local profile's one-stack route, no
request may fail or time out. And (part ``replicas``) two ``zenml service run``
replicas on one PostgreSQL database behind haproxy (docs/examples/haproxy.cfg),
against one replica alone, the 50-stack list.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from evaluate import Figure, paired_ratio, wrk_load
from targets import CLIENTS, REPLICA_CLIENTS, SERVICE_STORES, STORM_CLIENTS

CEILING_APP = (
    "import sys; from flask import Flask; from zen_service.server import THREADS, serve; "
    "app = Flask('ceiling'); app.get('/')(lambda: {'ok': True}); "
    "serve(app, '127.0.0.1', int(sys.argv[1]), threads=THREADS)"
)
REPORT_SCRIPT = Path(__file__).resolve().with_name("wrk_report.lua")
INSTALL_WRK = "wrk is not installed (Debian: apt-get install -y wrk)"
INSTALL_HAPROXY = "haproxy is not installed (Debian: apt-get install -y haproxy)"
HAPROXY_CONFIG = Path(__file__).resolve().parents[1] / "docs" / "examples" / "haproxy.cfg"
CEILING = "ceiling (minimal Flask app)"
#: Seconds wrk waits for an answer before counting a timeout (a failed request).
TIMEOUT = 10
#: The replicas' admin key (row g), written to their store before they start.
REPLICA_KEY = "zen_00000000be01_bench-replicas-admin-secret-0123456789"


def wrk_binary() -> str | None:
    return shutil.which("wrk")


def haproxy_binary() -> str | None:
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")


def one(store: str) -> str:
    return f"GET one stack, {SERVICE_STORES[store]}"


def many(store: str) -> str:
    return f"GET 50 stacks, {SERVICE_STORES[store]}"


def wrk(url: str, headers: dict, connections: int, seconds: int) -> dict:
    """``wrk`` on ``url`` (loopback only) for ``seconds`` with ``connections`` connections,
    one thread: :func:`evaluate.wrk_load` of its summary. A run that gives no summary
    (wrk could not connect at all) counts as one failed request."""
    if urlsplit(url).hostname != "127.0.0.1":
        raise ValueError(f"the load stays on loopback (127.0.0.1), not {url}")
    argv = [wrk_binary() or "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
            f"--timeout={TIMEOUT}s", "-s", str(REPORT_SCRIPT)]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    done = subprocess.run([*argv, url], capture_output=True, text=True, check=False,
                          stdin=subprocess.DEVNULL, timeout=seconds + TIMEOUT + 60)
    summary = next((line for line in reversed(done.stdout.splitlines())
                    if line.startswith("{")), None)
    if done.returncode != 0 or summary is None:
        message = (done.stderr or done.stdout).strip()[-300:]
        return {"requests": 0, "ok": 0, "errors": 1, "timeouts": 0, "seconds": 0.0,
                "rps": 0.0, "p50_ms": None, "p99_ms": None, "max_ms": None,
                "error": f"wrk exited {done.returncode}: {message}"}
    return wrk_load(json.loads(summary))


# --- the servers ----------------------------------------------------------------------
def get(url: str, headers: dict | None = None, timeout: float = 30) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def wait_for(url: str, process: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited ({process.returncode}) before it answered")
        try:
            if get(url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer at {url} within {seconds:g} s")
        time.sleep(0.05)


@contextmanager
def process(argv: list[str], url: str, what: str, **kwargs):
    """A server process, stopped (SIGTERM) on exit; waits until ``url`` answers 200."""
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, **kwargs)
    try:
        wait_for(url, proc, what)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def check(url: str, headers: dict, stacks: int | None) -> None:
    """One request before the load: 200, and the list holds the expected stacks."""
    status, body = get(url, headers)
    if status != 200:
        raise RuntimeError(f"GET {url}: HTTP {status}: {body[:300]!r}")
    if stacks is not None:
        total = len(json.loads(body)["items"])
        if total != stacks:
            raise RuntimeError(f"GET {url}: {total} stacks, expected {stacks}")


def served_profiles(stack: ExitStack, work: Path, stacks: int, postgres) -> dict:
    """zen's service on each store (local, SQLite, PostgreSQL unless ``postgres`` is a
    reason why not): store -> (base URL, auth headers)."""
    import stores

    from zen_service.testing import running_service

    served = {}
    for store in SERVICE_STORES:
        if store == "postgres" and isinstance(postgres, str):
            continue
        config = stores.with_stacks(work / store, stacks)
        if store == "sqlite":
            stores.sql_copy(config, "served")
        elif store == "postgres":
            database = f"zen_bench_service_{uuid.uuid4().hex[:8]}"
            url = postgres.create(database)
            stack.callback(postgres.drop, database)
            stores.sql_copy(config, "served", url=url)
        profile = "default" if store == "local" else "served"
        state = stack.enter_context(running_service(config.directory, profile=profile))
        # the daemon listens on 127.0.0.1; its URL may name it localhost (maybe ::1 for wrk)
        base = state.url.rstrip("/").replace("//localhost:", "//127.0.0.1:")
        served[store] = (base, {"Authorization": f"Bearer {state.token}"})
    return served


def bench_service(work: Path, seconds: int, rounds: int, storm_seconds: int, postgres,
                  stacks: int = 50, warmup_seconds: int = 1, share_ceiling: bool = False,
                  log=lambda message: None) -> tuple[dict, dict[str, Figure]]:
    """The load cases and the storm; returns the raw figures and the verdicts' figures.
    ``postgres``: a :class:`stores.Server` or a reason (str) why it is not here;
    ``warmup_seconds``: 0 for no warm-up slice; ``share_ceiling``: one run of the
    ceiling per round for every case (a smoke run's shortcut: the pairs are looser)."""
    from zen_service.testing import free_port

    data: dict = {"load_generator": "wrk -t1", "seconds_per_slice": seconds,
                  "rounds": rounds, "stacks": stacks, "warmup_seconds": warmup_seconds,
                  "storm_seconds": storm_seconds, "timeout_s": TIMEOUT, "cases": {}}
    with ExitStack() as stack:
        port = free_port()
        ceiling = f"http://127.0.0.1:{port}/"
        stack.enter_context(process([sys.executable, "-c", CEILING_APP, str(port)], ceiling,
                                    "the ceiling app", stdout=subprocess.DEVNULL))
        served = served_profiles(stack, work, stacks, postgres)
        cases = {CEILING: (ceiling, {}, None)}
        for store, (base, auth) in served.items():
            cases[one(store)] = (f"{base}/api/v1/stacks/stack-000", auth, None)
            cases[many(store)] = (f"{base}/api/v1/stacks", auth, stacks)
        for url, headers, expected in cases.values():
            check(url, headers, expected)
        for clients in CLIENTS:
            log(f"service: wrk, {clients} connection(s): warm-up, then {rounds} rounds of "
                f"{len(cases) - 1} cases x {seconds:g} s, each after a run of the ceiling")
            for case, (url, headers, _) in cases.items():
                entry = data["cases"].setdefault(case, {}).setdefault(
                    str(clients), {"warmup": None, "rounds": []})
                if warmup_seconds:
                    entry["warmup"] = wrk(url, headers, clients, warmup_seconds)
            top = data["cases"][CEILING][str(clients)]
            for case in cases:
                if case != CEILING:  # the ceiling's runs paired with this case's
                    data["cases"][case][str(clients)]["ceiling"] = {
                        "warmup": top["warmup"], "rounds": []}
            for _ in range(rounds):
                shared = wrk(ceiling, {}, clients, seconds) if share_ceiling else None
                if shared:
                    top["rounds"].append(shared)
                for case, (url, headers, _) in cases.items():
                    if case == CEILING:
                        continue
                    entry = data["cases"][case][str(clients)]
                    ceiling_run = shared or wrk(ceiling, {}, clients, seconds)  # A B A C ...
                    if not shared:
                        top["rounds"].append(ceiling_run)
                    entry["ceiling"]["rounds"].append(ceiling_run)
                    entry["rounds"].append(wrk(url, headers, clients, seconds))
        log(f"service: wrk, {STORM_CLIENTS} connections at once for {storm_seconds:g} s")
        url, headers, _ = cases[one("local")]
        data["storm"] = {"url": one("local"), "clients": STORM_CLIENTS,
                         **wrk(url, headers, STORM_CLIENTS, storm_seconds)}
    return data, service_figures(data, postgres)


def service_figures(data: dict, postgres) -> dict[str, Figure]:
    """The figures of rows e, f (issue 23) and the storm (issue 12's h)."""
    figures: dict[str, Figure] = {}
    for store in SERVICE_STORES:
        for row, case in (("e", one(store)), ("f", many(store))):
            for clients in CLIENTS:
                key = f"{row}-{store}-{clients}"
                if case not in data["cases"]:
                    reason = (postgres if store == "postgres" and isinstance(postgres, str)
                              else "not measured")
                    figures[key] = Figure(skipped=reason)
                    continue
                entry = data["cases"][case][str(clients)]
                figures[key] = case_figure(
                    entry.get("ceiling") or data["cases"][CEILING][str(clients)], entry)
    storm = data["storm"]
    figures["storm"] = Figure(
        value=storm["errors"], errors=0,
        detail=(f"{storm['errors']} failed ({storm['timeouts']} timed out after {TIMEOUT} s) "
                f"of {storm['requests']}; {storm['rps']:.0f} req/s, p50 {storm['p50_ms']} ms, "
                f"p99 {storm['p99_ms']} ms, slowest {storm['max_ms']} ms"
                + (f"; {storm['error']}" if storm.get("error") else "")),
        extra={"p99_ms": storm["p99_ms"], "max_ms": storm["max_ms"]})
    return figures


def slice_errors(entry: dict) -> int:
    return sum(r["errors"] for r in [entry["warmup"], *entry["rounds"]] if r)


def case_figure(ceiling: dict, case: dict, scale: float = 1.0) -> Figure:
    """The median over the rounds of zen's throughput over the ceiling's in the same round
    (``scale`` x the ceiling's: 2 for two replicas against one); the failed requests of
    the case and of the ceiling (warm-up included) are its errors."""
    zen_rps = [r["rps"] for r in case["rounds"]]
    top_rps = [r["rps"] * scale for r in ceiling["rounds"]]
    errors = slice_errors(case) + slice_errors(ceiling)
    value = paired_ratio(zen_rps, top_rps)
    zen, top = statistics.median(zen_rps), statistics.median(top_rps)
    p99s = [r["p99_ms"] for r in case["rounds"] if r["p99_ms"] is not None]
    p99 = round(statistics.median(p99s), 1) if p99s else None
    ratios = ", ".join(f"{a / b:.2f}" for a, b in zip(zen_rps, top_rps, strict=True) if b)
    return Figure(
        value=value, errors=errors,
        detail=(f"{zen:.0f} vs {top:.0f} req/s (medians of {len(zen_rps)}); per round "
                f"{ratios}; p99 {p99} ms"),
        extra={"rps": zen, "ceiling_rps": top, "ratio_of_medians": zen / top if top else None,
               "round_ratios": [a / b for a, b in zip(zen_rps, top_rps, strict=True) if b],
               "errors_of_ceiling": slice_errors(ceiling)})


def report_service(data: dict, title: str = "Service") -> list[str]:
    lines = [
        f"{title}: wrk (one thread, loopback), successful answers per second of wrk's "
        f"measured duration; {data['rounds']} rounds x {data['seconds_per_slice']:g} s per "
        f"case, {data['stacks']} stacks; cheroot as the daemon serves it, API key checked",
        "",
        f"   {'case':<34}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'paired x':>10}{'errors':>8}",
    ]
    reference = data.get("reference", CEILING)
    for case, by_clients in data["cases"].items():
        for clients, entry in by_clients.items():
            top = entry.get("ceiling") or data["cases"][reference][clients]
            rps = statistics.median(r["rps"] for r in entry["rounds"])
            p50 = statistics.median(r["p50_ms"] or 0 for r in entry["rounds"])
            p99 = statistics.median(r["p99_ms"] or 0 for r in entry["rounds"])
            paired = paired_ratio([r["rps"] for r in entry["rounds"]],
                                  [r["rps"] for r in top["rounds"]])
            lines.append(f"   {case:<34}{clients:>6}{rps:>9.0f}{p50:>9.1f}{p99:>9.1f}"
                         f"{paired or 0:>9.2f}x{slice_errors(entry):>8}")
            for r in entry["rounds"]:
                if r.get("error"):
                    lines.append(f"     error: {r['error']}")
                    break
    s = data.get("storm")
    if s:
        lines += ["", f"   storm: {s['clients']} connections, {s['url']}, "
                  f"{data['storm_seconds']:g} s: {s['errors']} failed "
                  f"({s['timeouts']} timed out), {s['rps']:.0f} req/s, p50 {s['p50_ms']} ms, "
                  f"p99 {s['p99_ms']} ms, slowest {s['max_ms']} ms"]
    return lines


# --- row g: two replicas behind haproxy ------------------------------------------------
ONE_REPLICA = "GET 50 stacks, one replica"
TWO_REPLICAS = "GET 50 stacks, two replicas behind haproxy"


def bench_replicas(work: Path, seconds: int, rounds: int, postgres, stacks: int = 50,
                   warmup_seconds: int = 1,
                   log=lambda message: None) -> tuple[dict, dict[str, Figure]]:
    """Two ``zenml service run`` replicas, each with its config folder and an ``sql``
    profile on one PostgreSQL database, behind haproxy; rounds of one replica alone, then
    the proxy. Row g's figure: the proxy's throughput over twice one replica's, paired."""
    import stores

    from zen_core.testing.helpers import profile_store
    from zen_service.testing import add_user_key, free_port

    zenml = str(Path(sys.executable).parent / "zenml")
    data: dict = {"load_generator": "wrk -t1", "seconds_per_slice": seconds,
                  "rounds": rounds, "stacks": stacks, "warmup_seconds": warmup_seconds,
                  "reference": ONE_REPLICA, "cases": {}}
    with ExitStack() as stack:
        database = f"zen_bench_replicas_{uuid.uuid4().hex[:8]}"
        url = postgres.create(database)
        stack.callback(postgres.drop, database)
        ports = []
        for i in range(2):
            config = stores.with_stacks(work / f"replica{i}", stacks)
            if i == 0:
                stores.sql_copy(config, "shared", url=url)
                add_user_key(profile_store("shared", config_directory=config.directory),
                             "bench", "admin", key=REPLICA_KEY)
            else:
                config.client.create_profile("shared", store_type="sql", url=url)
            port = free_port()
            log_file = stack.enter_context(open(work / f"replica{i}.log", "w"))
            stack.enter_context(process(
                [zenml, "service", "run", "--profile", "shared", "--port", str(port),
                 "--trusted-proxies", "127.0.0.1"], f"http://127.0.0.1:{port}/ready",
                f"replica {i}", cwd=config.cwd, env=config.env, stdout=log_file,
                stderr=subprocess.STDOUT))
            ports.append(port)
        proxy_port, stats_port = free_port(), free_port()
        text = HAPROXY_CONFIG.read_text().replace("*:8000", f"127.0.0.1:{proxy_port}")
        text = text.replace("*:8404", f"127.0.0.1:{stats_port}")
        text = text.replace("10.0.0.11:8000", f"127.0.0.1:{ports[0]}")
        text = text.replace("10.0.0.12:8000", f"127.0.0.1:{ports[1]}")
        text = "\n".join(line for line in text.splitlines() if "10.0.0.13" not in line)
        (work / "haproxy.cfg").write_text(text + "\n")
        proxy_log = stack.enter_context(open(work / "haproxy.log", "w"))
        proxy = f"http://127.0.0.1:{proxy_port}"
        stack.enter_context(process([haproxy_binary() or "haproxy", "-db", "-f",
                                     str(work / "haproxy.cfg")], f"{proxy}/ready", "haproxy",
                                    stdout=proxy_log, stderr=subprocess.STDOUT))
        auth = {"Authorization": f"Bearer {REPLICA_KEY}"}
        cases = {ONE_REPLICA: f"http://127.0.0.1:{ports[0]}/api/v1/stacks",
                 TWO_REPLICAS: f"{proxy}/api/v1/stacks"}
        for case_url in cases.values():
            check(case_url, auth, stacks)
        for clients in REPLICA_CLIENTS:
            log(f"replicas: wrk, {clients} connections: warm-up, then {rounds} rounds of "
                f"{len(cases)} cases x {seconds:g} s")
            for case, case_url in cases.items():
                entry = data["cases"].setdefault(case, {}).setdefault(
                    str(clients), {"warmup": None, "rounds": []})
                if warmup_seconds:
                    entry["warmup"] = wrk(case_url, auth, clients, warmup_seconds)
            for _ in range(rounds):
                for case, case_url in cases.items():
                    data["cases"][case][str(clients)]["rounds"].append(
                        wrk(case_url, auth, clients, seconds))
    figures = {f"g-{n}": case_figure(data["cases"][ONE_REPLICA][str(n)],
                                     data["cases"][TWO_REPLICAS][str(n)], scale=2.0)
               for n in REPLICA_CLIENTS}
    return data, figures
