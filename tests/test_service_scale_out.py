"""Three replicas over one PostgreSQL database behind haproxy (issue 21).

docs/guide/production.md's set-up, run for real: three ``zenml service run`` replicas,
each with its own config folder and an ``sql`` profile on one database, behind haproxy
checking ``/ready`` (docs/examples/haproxy.cfg, the page's configuration with the ports
filled in). Writers and readers go through the proxy while the replicas are restarted
one by one (SIGTERM, then a new process). Checked: no request failed, no write lost; a
key revoked through one replica is refused by every replica within a second; every
replica reads the same history.

Needs haproxy (Debian's package) and a PostgreSQL server (``ZEN_TEST_POSTGRES_URL``);
without them it skips, or fails under ``ZEN_REQUIRE_PROXY`` / ``ZEN_REQUIRE_SERVERS``
(CI sets both).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from zen_core.testing.require import skip_or_fail

pytestmark = pytest.mark.skipif(os.name == "nt", reason="signals and haproxy: POSIX only")

ZENML = str(Path(sys.executable).parent / "zenml")
HAPROXY_CONFIG = Path(__file__).parents[1] / "docs" / "examples" / "haproxy.cfg"
ADMIN = "zen_00000000ad01_scale-out-admin-secret-0123456789"
ANN = "zen_00000000a001_scale-out-ann-secret-0123456789012"
#: Seconds a stopping replica keeps serving while /ready says 503 (the proxy checks
#: every 200 ms and takes a replica out at its first failed check).
DRAIN = "1.5"
WRITERS, READERS = 4, 2


@pytest.fixture
def database():
    from zen_service.testing import postgres_test_database

    with postgres_test_database() as (_, url):
        yield url


@pytest.fixture
def haproxy():
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")
    if found is None:
        skip_or_fail("haproxy is not installed (Debian: apt-get install haproxy)",
                     "ZEN_REQUIRE_PROXY")
    return found


class Replica:
    """``zenml service run`` on its own config folder, restartable."""

    def __init__(self, name: str, folder: Path, port: int) -> None:
        self.name, self.folder, self.port = name, folder, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self.log = folder / "run.log"

    def start(self) -> None:
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [ZENML, "service", "run", "--profile", "shared", "--port", str(self.port),
                 "--trusted-proxies", "127.0.0.1", "--drain-seconds", DRAIN],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.folder,
                env={**os.environ, "ZENML_CONFIG_PATH": str(self.folder)})
        from zen_service.testing import wait_until_answers

        wait_until_answers(f"{self.url}/ready", self.process)

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(60)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


class Proxy:
    """haproxy in the foreground with docs/examples/haproxy.cfg, ports filled in."""

    def __init__(self, binary: str, folder: Path, replicas: list[Replica]) -> None:
        from zen_service.testing import free_port

        self.port, self.stats_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = HAPROXY_CONFIG.read_text().replace("*:8000", f"127.0.0.1:{self.port}")
        config = config.replace("*:8404", f"127.0.0.1:{self.stats_port}")
        for i, replica in enumerate(replicas):
            config = config.replace(f"10.0.0.{11 + i}:8000", f"127.0.0.1:{replica.port}")
        (folder / "haproxy.cfg").write_text(config)
        self.log = folder / "haproxy.log"
        with open(self.log, "w") as log:
            self.process = subprocess.Popen([binary, "-db", "-f", str(folder / "haproxy.cfg")],
                                            stdout=log, stderr=subprocess.STDOUT)

    def states(self) -> dict[str, str]:
        """The status haproxy gives each replica (UP, DOWN...)."""
        try:
            text = requests.get(f"http://127.0.0.1:{self.stats_port}/stats;csv",
                                timeout=5).text
        except requests.RequestException:
            return {}
        rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
        return {row["svname"]: row["status"] for row in rows
                if row["pxname"] == "zen" and row["svname"] not in ("FRONTEND", "BACKEND")}

    def wait_for(self, want: dict[str, str]) -> None:
        deadline = time.monotonic() + 30
        while {k: v for k, v in self.states().items() if k in want} != want:
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, (self.states(), self.log.read_text())
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


class Load:
    """Writers registering components and readers reading a stack, through the proxy."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.answers: Counter[tuple[str, int | str]] = Counter()
        self.written: list[str] = []

    def running(self) -> contextlib.AbstractContextManager[None]:
        from zen_service.testing import threads_until_stopped

        writers = [functools.partial(self._write, i) for i in range(WRITERS)]
        return threads_until_stopped([*writers, *[self._read] * READERS], self.stop)

    def _call(self, session: requests.Session, method: str, path: str, **kw) -> int | str:
        try:
            status: int | str = session.request(method, self.url + path, timeout=30,
                                                headers={"Authorization": f"Bearer {ADMIN}"},
                                                **kw).status_code
        except requests.RequestException as err:
            status = type(err).__name__
        with self.lock:
            self.answers[(method, status)] += 1
        return status

    def _write(self, writer: int) -> None:
        with requests.Session() as session:
            n = 0
            while not self.stop.is_set():
                name = f"w{writer}-{n}"
                body = {"type": "orchestrator", "flavor": "local", "name": name}
                if self._call(session, "POST", "/api/v1/components", json=body) == 201:
                    with self.lock:
                        self.written.append(name)
                n += 1

    def _read(self) -> None:
        with requests.Session() as session:
            while not self.stop.is_set():
                self._call(session, "GET", "/api/v1/stacks/default")


def _machines(tmp_path: Path, url: str) -> list[Path]:
    """Three config folders, each with an ``sql`` profile ``shared`` on the database."""
    from zen_core.client import Client
    from zen_core.testing.helpers import profile_store
    from zen_service.testing import add_user_key

    folders = []
    for i in range(3):
        folder = tmp_path / f"replica{i}"
        client = Client(config_directory=folder, cwd=tmp_path).prepare()
        client.create_profile("shared", store_type="sql", url=url)
        folders.append(folder)
    store = profile_store("shared", config_directory=folders[-1])
    add_user_key(store, "ops", "admin", key=ADMIN)
    add_user_key(store, "ann", "editor", key=ANN, name="laptop")
    return folders


def test_three_replicas_behind_haproxy(tmp_path, database, haproxy, monkeypatch):
    from zen_service.testing import free_port

    monkeypatch.delenv("ZENML_STORE_TOKEN", raising=False)
    replicas = [Replica(f"r{i}", folder, free_port())
                for i, folder in enumerate(_machines(tmp_path, database))]
    proxy = None
    try:
        for replica in replicas:
            replica.start()
        proxy = Proxy(haproxy, tmp_path, replicas)
        proxy.wait_for({"r0": "UP", "r1": "UP", "r2": "UP"})

        load = Load(proxy.url)
        with load.running():
            for replica in replicas:  # one by one, while the others serve
                assert replica.stop() == 0, replica.log.read_text()
                proxy.wait_for({replica.name: "DOWN"})
                replica.start()
                proxy.wait_for({replica.name: "UP"})
            while len(load.written) < 50:  # and some more after the last restart
                time.sleep(0.05)
        print(f"\nthrough the proxy while the 3 replicas restarted: {dict(load.answers)}")
        assert set(load.answers) == {("POST", 201), ("GET", 200)}, load.answers

        listed = requests.get(f"{proxy.url}/api/v1/components/orchestrator",
                              params={"limit": 10000},
                              headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
        assert listed.status_code == 200
        names = {c["name"] for c in listed.json()["items"]}
        assert set(load.written) <= names and len(load.written) == load.answers[("POST", 201)]

        _revoked_through_one_refused_by_all(replicas)
        histories = [_history(replica) for replica in replicas]
        assert histories[0] == histories[1] == histories[2]
        registered = {e["name"] for e in histories[0] if e["action"] == "register_component"}
        assert set(load.written) <= registered
    finally:
        if proxy is not None:
            proxy.stop()
        for replica in replicas:
            replica.kill()


def _history(replica: Replica) -> list[dict]:
    """Every event, newest first, as ``replica`` reads them (a page at a time)."""
    events: list[dict] = []
    while True:
        page = requests.get(f"{replica.url}/api/v1/events",
                            params={"limit": 1000, "offset": len(events)},
                            headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
        assert page.status_code == 200, page.text
        events += page.json()["events"]
        if len(events) >= page.json()["total"]:
            return events


def _revoked_through_one_refused_by_all(replicas: list[Replica]) -> None:
    ann = {"Authorization": f"Bearer {ANN}"}
    for replica in replicas:  # each has the key cached now
        assert requests.get(f"{replica.url}/api/v1/me", headers=ann, timeout=5).ok
    revoke = {"writes": [{"op": "revoke_api_key", "user": "ann", "name": "laptop"}]}
    answer = requests.post(f"{replicas[1].url}/api/v1/batch", json=revoke,
                           headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
    assert answer.status_code == 200, answer.text[:2000]
    revoked = time.monotonic()
    delays = []
    for replica in replicas:
        while requests.get(f"{replica.url}/api/v1/me", headers=ann, timeout=5).ok:
            assert time.monotonic() - revoked < 1.5, f"{replica.name} still takes the key"
            time.sleep(0.02)
        delays.append(time.monotonic() - revoked)
    print(f"revoked through r1, refused by r0, r1, r2 after "
          f"{', '.join(f'{d * 1000:.0f}' for d in delays)} ms")
    assert max(delays) < 1
