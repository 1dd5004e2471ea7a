"""Every part of the benchmarks runs, at the smallest size (``--smoke``): a part the code
has broken fails here, not when someone runs ``nox -s benchmarks`` or ``nox -s stress``.

No figure is judged: a smoke run's stores are tiny and its runs single. What is checked
is that each part measured every figure it owns (none ERROR, none missing), and that the
stress test found every write once. The PostgreSQL figures use ``ZEN_TEST_POSTGRES_URL``;
without it they may be SKIPPED, unless ``ZEN_REQUIRE_SERVERS`` is set (CI).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zen_core.testing.require import SERVERS, require_programs, required, skip_or_fail

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
#: Each part and what it needs installed beyond zen-core and zen-local-store.
PARTS = {
    "startup": ("zen_sql_store",),
    "copy": ("zen_sql_store",),
    "write": (),
    "service": ("zen_service", "zen_sql_store"),
    "replicas": ("zen_service", "zen_sql_store"),
    "apply": ("zen_sql_store",),
}
#: The programs a part drives: the service is loaded with wrk, row g goes through haproxy.
PROGRAMS = {"service": ("wrk",), "replicas": ("wrk", "haproxy")}


def environment(tmp_path: Path) -> dict[str, str]:
    """The test's environment, with the PostgreSQL server of the SQL tests for the
    benchmarks' (or, without one, an address where nothing listens)."""
    env = {**os.environ, "ZENML_CONFIG_PATH": str(tmp_path / "unused-config")}
    server = os.environ.get("ZEN_TEST_POSTGRES_URL", "").strip()
    env["ZEN_BENCH_POSTGRES_URL"] = server or "postgresql://postgres@127.0.0.1:1/none"
    return env


def run(script: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCHMARKS / script), *args],
                          capture_output=True, text=True, cwd=tmp_path,
                          env=environment(tmp_path), timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("part", [pytest.param(p, marks=pytest.mark.zen_needs(*needs))
                                  for p, needs in PARTS.items()])
def test_each_benchmark_part_measures_every_figure_it_owns(part, tmp_path):
    programs = PROGRAMS.get(part, ())
    if "haproxy" in programs and not shutil.which("haproxy", path=f"{os.environ.get('PATH')}"
                                                                 ":/usr/sbin:/sbin"):
        skip_or_fail("haproxy is not installed (Debian: apt-get install haproxy)",
                     "ZEN_REQUIRE_PROXY")
    require_programs(*(p for p in programs if p != "haproxy"))
    report = tmp_path / "figures.json"
    done = run("run.py", "--smoke", "--only", part, "--json", str(report), tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    verdicts = {v["key"]: v for v in json.loads(report.read_text())["verdicts"]}
    may_skip = set()
    if not os.environ.get("ZEN_TEST_POSTGRES_URL", "").strip() and not required(SERVERS):
        may_skip = {key for key, v in verdicts.items() if "PostgreSQL" in v["what"]}
    for key, verdict in verdicts.items():
        allowed = {"MET", "MISSED"} | ({"SKIPPED"} if key in may_skip else set())
        assert verdict["verdict"] in allowed, (key, verdict, done.stderr[-3000:])


@pytest.mark.slow
@pytest.mark.zen_needs("zen_sql_store", "zen_service")
def test_the_stress_test_runs_on_every_store_and_finds_every_write(tmp_path):
    done = run("stress.py", "--processes", "2", "--updates", "2", tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0] == ("2 processes x 2 rounds, one component and one stack (revisions "
                        "expected: component 5, stack 7)")
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines[2:-1]]
    stores = {name: cells for name, *cells in rows}
    expected = {"local store", "sql store", "rest (service over local)"}
    if os.environ.get("ZEN_TEST_MYSQL_URL", "").strip() or required(SERVERS):
        expected.add("sql store (mysql)")
    if os.environ.get("ZEN_TEST_POSTGRES_URL", "").strip() or required(SERVERS):
        expected.add("sql store (postgresql)")
    assert set(stores) == expected, done.stdout
    for name, cells in stores.items():  # writes, lost, revisions (component/stack)...
        assert cells[:3] == ["10", "0", "5/7"], (name, cells)
    assert lines[-1] == "Lost writes: none"


def test_instruction_counts_tell_a_bigger_start_up_from_a_smaller_one(tmp_path):
    """The start-up rows' instruction ratios (``benchmarks/instructions.py``): a command
    that imports more runs more instructions, and the ratio reads as the two counts."""
    require_programs("valgrind")
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import instructions
    finally:
        sys.path.remove(str(BENCHMARKS))
    env = {"PATH": os.environ["PATH"]}
    bare = instructions.count([sys.executable, "-c", "pass"], env, tmp_path)
    more = instructions.count([sys.executable, "-c", "import json, email.message"], env, tmp_path)
    assert 0 < bare < more
    assert instructions.text(334_247_661, 171_767_723) == "instructions 1.95x (334M vs 172M)"
    with pytest.raises(RuntimeError, match="exited with 3"):
        instructions.count([sys.executable, "-c", "raise SystemExit(3)"], env, tmp_path)
