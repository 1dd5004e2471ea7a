"""The benchmark harness judges figures correctly (benchmarks/evaluate.py, timing.py).

Synthetic figures only: no timing is asserted here (the targets live in
``nox -s benchmarks``)."""

from __future__ import annotations

import copy
import importlib
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _benchmark_module(name: str):
    """A module of benchmarks/ (not a package: its scripts import each other by name)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def ev():
    yield from _benchmark_module("evaluate")


@pytest.fixture(scope="module")
def timing():
    yield from _benchmark_module("timing")


def test_every_row_of_the_issue_has_targets(ev):
    assert {t.row for t in ev.TARGETS.values()} == set("abcdefghijk")
    # the service's targets once per number of clients
    assert {k for k in ev.TARGETS if k.startswith("f-")} == {"f-1", "f-8", "f-32"}
    assert ev.TARGETS["g-postgres-8"].limit == 0.35
    assert ev.TARGETS["d-postgres"].limit == 4.0
    # issue 21: under hostile clients, answers within 1 s and the daemon under 150 MB
    assert {k: ev.TARGETS[k].limit for k in ("i-health", "i-stack", "i-rss")} == {
        "i-health": 1.0, "i-stack": 1.0, "i-rss": 150}


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("a", 2.4, "MET"), ("a", 2.5, "MET"), ("a", 2.51, "MISSED"),
    ("b", 0.39, "MET"), ("b", 1.16, "MISSED"),
    ("f-8", 0.5, "MET"), ("f-8", 0.49, "MISSED"),
    ("g-postgres-32", 0.36, "MET"), ("g-postgres-32", 0.3, "MISSED"),
    ("h", 0, "MET"), ("h", 30, "MISSED"),
    ("i-health", 0.9, "MET"), ("i-health", 1.2, "MISSED"),
    ("i-rss", 149.0, "MET"), ("i-rss", 637.0, "MISSED"),
])
def test_verdicts_against_the_limit(ev, key, value, expected):
    assert ev.verdict(ev.TARGETS[key], ev.Figure(value)) == expected


def test_an_error_in_a_figure_misses_it_even_within_the_target(ev):
    assert ev.verdict(ev.TARGETS["f-1"], ev.Figure(0.9, errors=1)) == "MISSED"
    assert ev.verdict(ev.TARGETS["a"], ev.Figure(None)) == "MISSED"


def test_skipped_and_harness_errors(ev):
    target = ev.TARGETS["d-postgres"]
    assert ev.verdict(target, ev.Figure(skipped="PostgreSQL unreachable")) == "SKIPPED"
    assert ev.verdict(target, None) == "SKIPPED"
    assert ev.verdict(target, ev.Figure(1.0, error="KeyError")) == "ERROR"
    rows = ev.evaluate({"d-postgres": ev.Figure(error="KeyError")}, ["d-sqlite", "d-postgres"])
    assert [(r.key, r.verdict) for r in rows] == [("d-sqlite", "SKIPPED"),
                                                  ("d-postgres", "ERROR")]
    assert rows[0].detail == "not run"
    assert ev.harness_failed(rows)
    assert not ev.harness_failed(ev.evaluate({"a": ev.Figure(9.0)}, ["a"]))


def test_ratios(ev):
    assert ev.ratio(137.0, 38.0) == pytest.approx(3.605, abs=1e-3)
    assert ev.ratio(1.0, 0.0) is None
    assert ev.ratio(None, 1.0) is None
    # per-round ratios of interleaved series: a drift common to both cancels
    assert ev.paired_ratio([2.0, 4.0, 8.0], [1.0, 2.0, 4.0]) == 2.0


def test_the_final_table_has_figure_target_and_verdict(ev):
    figures = {"a": ev.Figure(3.6, detail="137 ms vs 38 ms"),
               "b": ev.Figure(0.3),
               "f-1": ev.Figure(0.7, errors=2, detail="700 vs 1000 req/s")}
    rows = ev.evaluate(figures, ["a", "b", "f-1"])
    assert [r.verdict for r in rows] == ["MISSED", "MET", "MISSED"]
    text = "\n".join(ev.final_table(rows))
    assert "3.60x" in text and "<= 2.50x" in text and "0.300 s" in text
    assert "2 failed; 700 vs 1000 req/s" in text
    assert text.splitlines()[-1].strip() == "1 MET, 2 MISSED"


def _client(**kwargs):
    return {"answered": 0, "ok": 0, "errors": 0, "latencies": [], "started": 0.0, "ended": 0.0,
            "first_answer": None, "error_samples": [], **kwargs}


def test_load_counts_failures_and_divides_by_the_measured_time(ev):
    clients = [
        _client(answered=10, ok=10, latencies=[0.01] * 10, started=100.2, ended=102.6,
                first_answer=0.01),
        # 4 answered, 2 of them with an error status, and 3 connection errors
        _client(answered=4, ok=2, errors=5, latencies=[0.02] * 4, started=100.1, ended=101.0,
                first_answer=0.5, error_samples=["HTTP 500: boom", "ConnectionError: x"]),
        _client(errors=1, started=100.3, ended=102.0,  # never answered
                error_samples=["ReadTimeout: y"]),
    ]
    load = ev.summarize_load(clients)
    assert load["ok"] == 12
    assert load["errors"] == 6
    assert load["requests"] == 18
    assert load["unanswered"] == 1
    # 12 successful answers over the measured 2.5 s, from the first client's start to the
    # end of the last answer (the nominal time was, say, 2 s)
    assert load["elapsed_s"] == pytest.approx(2.5)
    assert load["rps"] == pytest.approx(12 / 2.5)
    assert load["p50_ms"] == pytest.approx(10.0)
    assert load["slowest_first_answer_ms"] == 500.0
    assert load["error_samples"] == ["HTTP 500: boom", "ConnectionError: x", "ReadTimeout: y"]


def test_interleaving_warms_up_and_counts_failed_runs(timing):
    calls = []

    def good(i):
        calls.append(("a", i))

    def flaky(i):
        calls.append(("b", i))
        if i == 1:
            raise timing.CommandFailed("exited with 1")

    undone = []
    series = timing.interleave({"a": timing.Step(good),
                                "b": timing.Step(flaky, after=undone.append)}, 3)
    # one warm-up round (-1), then A B A B A B
    assert calls == [("a", -1), ("b", -1), ("a", 0), ("b", 0), ("a", 1), ("b", 1),
                     ("a", 2), ("b", 2)]
    assert undone == [-1, 0, 1, 2]  # the undo runs after a failed run too
    assert len(series["a"].samples_s) == 3 and series["a"].errors == 0
    assert len(series["b"].samples_s) == 2 and series["b"].errors == 1
    assert series["b"].to_dict()["runs"] == 3
    assert "exited with 1" in series["b"].error_samples[0]


def test_interleaving_lets_a_harness_error_through(timing):
    def broken(_i):
        raise KeyError("harness bug")

    with pytest.raises(KeyError):
        timing.interleave({"x": timing.Step(broken)}, 2)


@pytest.fixture
def run_module(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("run")


def test_missed_targets_exit_0_and_a_broken_harness_exits_1(run_module, monkeypatch, capsys,
                                                            tmp_path):
    ev = importlib.import_module("evaluate")

    def missed(_ctx):
        return ["write: made up"], {"e": ev.Figure(9.7, detail="made up")}

    def broken(_ctx):
        raise KeyError("harness bug")

    monkeypatch.setattr(run_module.stores, "postgres", lambda: (None, "not here"))
    monkeypatch.setitem(run_module.PART_FUNCTIONS, "write", missed)
    report = tmp_path / "bench.json"
    assert run_module.main(["--only", "write", "--json", str(report)]) == 0
    out = capsys.readouterr().out
    assert "9.70x" in out and "MISSED" in out
    import json

    data = json.loads(report.read_text())
    assert [(r["key"], r["verdict"]) for r in data["verdicts"]] == [("e", "MISSED")]

    monkeypatch.setitem(run_module.PART_FUNCTIONS, "write", broken)
    assert run_module.main(["--only", "write"]) == 1
    assert "ERROR" in capsys.readouterr().out


def _slice(rps, errors=0, unanswered=0):
    return {"rps": rps, "errors": errors, "unanswered": unanswered, "p50_ms": 1.0,
            "p99_ms": 2.0}


def test_service_figures_skip_postgres_and_count_failures(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    service = importlib.import_module("service")
    ev = importlib.import_module("evaluate")

    def case(rounds, warmup=None):
        return {str(n): copy.deepcopy({"warmup": warmup or _slice(1.0), "rounds": rounds})
                for n in ev.CLIENTS}

    data = {
        "cases": {
            service.CEILING: case([_slice(1000), _slice(800), _slice(900)]),
            # medians 450 / 900: 0.5x, within >= 0.5x, but a warm-up answer failed
            service.LIST_LOCAL: case([_slice(400), _slice(450), _slice(500)],
                                     warmup=_slice(1.0, errors=1)),
        },
        "storm": {"clients": 128, "unanswered": 3, "errors": 0, "ok": 10, "elapsed_s": 20.4,
                  "p50_ms": 5.0, "p99_ms": 900.0, "slowest_first_answer_ms": 20000.0},
    }
    figures = service.service_figures(data, "PostgreSQL unreachable")
    rows = {r.key: r for r in ev.evaluate(figures)
            if r.key.startswith(("f-", "g-", "h"))}
    assert rows["f-8"].verdict == rows["g-postgres-1"].verdict == "SKIPPED"
    assert rows["f-8"].detail == "PostgreSQL unreachable"
    assert figures["g-local-8"].value == pytest.approx(0.5)
    assert figures["g-local-8"].errors == 1
    assert rows["g-local-8"].verdict == "MISSED"
    assert rows["h"].verdict == "MISSED" and "125/128 clients answered" in rows["h"].detail

    data["cases"][service.LIST_LOCAL] = case([_slice(400), _slice(450), _slice(500)])
    data["cases"][service.CEILING]["1"]["rounds"][0]["unanswered"] = 1  # baseline failed
    figures = service.service_figures(data, "PostgreSQL unreachable")
    assert ev.verdict(ev.TARGETS["g-local-8"], figures["g-local-8"]) == "MET"
    assert ev.verdict(ev.TARGETS["g-local-1"], figures["g-local-1"]) == "MISSED"
