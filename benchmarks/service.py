"""The service under load: throughput and latency beside a minimal Flask app.

Both apps are served the same way (``zen_service.server``: cheroot with the
daemon's settings, in its own process); clients are spread over processes so
the load generator is not one GIL. zen's routes run with authentication on:
every request carries the service's admin API key, checked as every request
is (the key's record and roles cached for at most a second). Reported per
case: requests per second and p50/p99 latency for 1, 8 and 32 concurrent
clients, and zen's throughput as a share of the ceiling's.
"""

from __future__ import annotations

import multiprocessing
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

CONCURRENCY = (1, 8, 32)
CEILING_APP = (
    "import sys; from flask import Flask; from zen_service.server import serve; "
    "app = Flask('ceiling'); app.get('/')(lambda: {'ok': True}); "
    "serve(app, '127.0.0.1', int(sys.argv[1]))"
)


def _client_process(url: str, headers: dict, threads: int, seconds: float, queue) -> None:
    """Run ``threads`` clients for ``seconds``; send back every latency (seconds)."""
    import threading

    import requests

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        session = requests.Session()
        session.trust_env = False
        mine = []
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            response = session.get(url, headers=headers, timeout=30)
            mine.append(time.perf_counter() - start)
            if response.status_code != 200:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    queue.put((latencies, errors[0]))


def load(url: str, headers: dict, clients: int, seconds: float) -> dict:
    """``clients`` concurrent clients for ``seconds``: rps, p50, p99, errors."""
    context = multiprocessing.get_context("spawn")
    processes = min(clients, 4)
    shares = [clients // processes + (i < clients % processes) for i in range(processes)]
    queue = context.Queue()
    procs = [context.Process(target=_client_process, args=(url, headers, n, seconds, queue))
             for n in shares]
    for p in procs:
        p.start()
    latencies: list[float] = []
    errors = 0
    for _ in procs:
        got, failed = queue.get(timeout=seconds + 120)
        latencies.extend(got)
        errors += failed
    for p in procs:
        p.join()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {"clients": clients, "requests": len(latencies), "errors": errors,
            "rps": round(len(latencies) / seconds, 1),
            "p50_ms": round(q[49] * 1000, 2), "p99_ms": round(q[98] * 1000, 2)}


@contextmanager
def ceiling_app(port: int):
    import requests

    proc = subprocess.Popen([sys.executable, "-c", CEILING_APP, str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def config_with_stacks(work: Path, stacks: int):
    """A fresh config folder whose default profile holds ``stacks`` stacks."""
    from targets import new_config

    config_dir, cwd, client = new_config(work)
    for i in range(stacks - 1):
        client.register_stack(f"stack_{i}", {"orchestrator": "default",
                                             "metadata_store": "default",
                                             "artifact_store": "default"})
    return config_dir, cwd, client


def bench_service(work: Path, seconds: float, stacks: int = 10) -> dict:
    """Throughput of the ceiling app and of zen's routes, same run, same serving.

    Both servers run throughout; for each number of clients the cases run one after the
    other, so that a change of the machine's load hits the ceiling and zen alike."""
    from zen_service.testing import free_port, running_service

    config_dir, _, _ = config_with_stacks(work, stacks)
    results: dict = {"seconds_per_case": seconds, "stacks": stacks, "cases": {}}
    with ceiling_app(free_port()) as ceiling, \
            running_service(config_dir, profile="default") as state:
        auth = {"Authorization": f"Bearer {state.token}"}  # an admin API key: auth on
        base = state.url.rstrip("/")
        cases = {
            "ceiling (minimal Flask app)": (ceiling, {}),
            "GET one stack (auth)": (f"{base}/api/v1/stacks/default", auth),
            "GET stack list (auth)": (f"{base}/api/v1/stacks", auth),
            "GET /health (no auth)": (f"{base}/health", {}),
        }
        for clients in CONCURRENCY:
            for case, (url, headers) in cases.items():
                results["cases"].setdefault(case, []).append(
                    load(url, headers, clients, seconds))
    return results


def report_service(data: dict) -> list[str]:
    ceiling = {r["clients"]: r["rps"] for r in data["cases"]["ceiling (minimal Flask app)"]}
    lines = [
        f"3. Service: requests/s and latency, {data['seconds_per_case']:.0f} s per case, "
        f"{data['stacks']} stacks; cheroot as the daemon serves it, API key checked",
        "",
        f"   {'case':<30}{'clients':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'x ceiling':>11}{'errors':>8}",
    ]
    for case, rows in data["cases"].items():
        for r in rows:
            share = r["rps"] / ceiling[r["clients"]] if ceiling.get(r["clients"]) else 0
            lines.append(
                f"   {case:<30}{r['clients']:>8}{r['rps']:>10.0f}{r['p50_ms']:>9.1f}"
                f"{r['p99_ms']:>9.1f}{share:>10.2f}x{r['errors']:>8}"
            )
    lines.append("   Target: zen's routes at >= 0.5x the ceiling's throughput.")
    return lines


def bench_rest_cli(work: Path, runs: int, stacks: int = 10) -> dict:
    """``zenml stack list`` on a rest profile (through a running service) vs on local."""
    from targets import subprocess_env
    from timing import run_command, time_interleaved

    from zen_service.testing import running_service

    config_dir, cwd, client = config_with_stacks(work, stacks)
    zenml = str(Path(sys.executable).parent / "zenml")
    with running_service(config_dir, profile="default") as state:
        client.create_profile("remote", store_type="rest", url=f"http://127.0.0.1:{state.port}")
        env = subprocess_env(config_dir)
        actions = {
            label: (lambda _i, profile=profile: run_command(
                [zenml, "stack", "list"], {**env, "ZENML_ACTIVATED_PROFILE": profile}, cwd))
            for label, profile in (("local profile", "default"), ("rest profile", "remote"))
        }
        results = time_interleaved(actions, runs)
    return {"stacks": stacks, "commands": {k: v.to_dict() for k, v in results.items()}}


def report_rest_cli(data: dict) -> list[str]:
    local = data["commands"]["local profile"]["median_ms"]
    rest = data["commands"]["rest profile"]["median_ms"]
    return [
        f"4. zenml stack list, {data['stacks']} stacks: local profile {local:.1f} ms, "
        f"rest profile (through the service) {rest:.1f} ms median ({rest / local:.2f}x)",
    ]
