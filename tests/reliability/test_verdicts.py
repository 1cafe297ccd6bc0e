"""The reliability scenarios (make fuzz, fault-*, bench-*) import, and judge as they say.

The scenarios themselves start servers and run for minutes; they are not part of `make test`.
"""

from __future__ import annotations

import importlib
import json

import pytest

from reliability import (
    api_bench,
    fuzz,
    redis_down,
    report,
    scaleout,
    webhook_down,
    worker_kill,
)
from reliability.receiver import Receiver

SCENARIOS = [
    "fuzz",
    "redis_down",
    "webhook_down",
    "postgres_restart",
    "worker_kill",
    "scaleout",
    "api_bench",
]


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_module_imports_and_has_a_main_and_a_verdict(name):
    module = importlib.import_module(f"reliability.{name}")
    assert callable(module.main) and callable(module.verdict)
    assert module.__doc__ and "make " in module.__doc__


def test_the_last_line_is_json_with_ok_and_the_exit_code_follows_it(capsys):
    assert report.run(lambda: ({"rps": 12.5}, True)) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == {"rps": 12.5, "ok": True}
    assert report.run(lambda: ({"rps": 1}, False)) == 1
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["ok"] is False


def test_a_scenario_that_raises_still_prints_its_verdict_line(capsys):
    def broken():
        raise RuntimeError("PostgreSQL did not start")

    assert report.run(broken) == 1
    last = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert last == {"error": "RuntimeError: PostgreSQL did not start", "ok": False}


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert report.percentile(values, 50) == 50
    assert report.percentile(values, 95) == 95
    assert report.percentile(values, 99) == 99
    assert report.percentile([], 95) == 0.0


FUZZ_OK = {
    "api_requests": 2400,
    "api_requests_min": 2000,
    "api_5xx": 0,
    "api_check_failures": 0,
    "import_files": 300,
    "import_crashes": 0,
    "partial_writes": 0,
    "bsn_echoed": 0,
}


@pytest.mark.parametrize(
    "change",
    [
        {"api_requests": 1999},
        {"api_5xx": 1},
        {"api_check_failures": 1},
        {"import_crashes": 1},
        {"partial_writes": 1},
        {"bsn_echoed": 1},
    ],
)
def test_fuzz_fails_on_any_server_error_partial_write_or_too_few_requests(change):
    assert fuzz.verdict(FUZZ_OK)
    assert not fuzz.verdict({**FUZZ_OK, **change})


REDIS_OK = {
    "outage_requests": 300,
    "outage_errors": 0,
    "pending_when_redis_returned": 12,
    "errors": 0,
    "answers_stored": 250,
    "lost_answers": 0,
    "lost_outbox_events": 0,
    "undelivered": 0,
    "events_missing": 0,
    "duplicates": 0,
    "out_of_order": 0,
    "bad_signatures": 0,
}


@pytest.mark.parametrize(
    "change",
    [
        {"outage_requests": 0},  # Redis was never down under load: proves nothing
        {"outage_errors": 1},
        {"pending_when_redis_returned": 0},
        {"lost_answers": 1},
        {"undelivered": 1},
        {"duplicates": 1},
        {"out_of_order": 1},
    ],
)
def test_redis_down_fails_on_an_error_a_loss_or_a_duplicate(change):
    assert redis_down.verdict(REDIS_OK)
    assert not redis_down.verdict({**REDIS_OK, **change})


WEBHOOK_OK = {
    "events": 300,
    "events_during_outage": 200,
    "attempts_max": 8,
    "delivered_while_down": 0,
    "lost_answers": 0,
    "undelivered": 0,
    "events_missing": 0,
    "duplicates": 0,
    "out_of_order": 0,
    "bad_signatures": 0,
}


@pytest.mark.parametrize(
    "change",
    [
        {"attempts_max": 1},  # no retry happened: the outage was not exercised
        {"events_missing": 1},
        {"duplicates": 1},
        {"out_of_order": 1},
        {"bad_signatures": 1},
    ],
)
def test_webhook_down_fails_on_a_missing_duplicate_or_reordered_event(change):
    assert webhook_down.verdict(WEBHOOK_OK)
    assert not webhook_down.verdict({**WEBHOOK_OK, **change})


def test_the_receiver_counts_duplicates_and_order_per_referral():
    receiver = Receiver(port=0)
    for event_id, ref, version in [("a", "r1", 2), ("b", "r1", 3), ("b", "r1", 3), ("c", "r2", 4)]:
        receiver.counts[event_id] += 1
        receiver.arrivals.append({"event_id": event_id, "referral": ref, "version": version})
    assert receiver.duplicates() == 1
    assert receiver.out_of_order() == 0
    receiver.arrivals.append({"event_id": "d", "referral": "r1", "version": 2})
    assert receiver.out_of_order() == 1


WORKER_OK = {
    "killed_mid_sweep": True,
    "half_written_after_kill": 0,
    "completed": True,
    "flags": 30000,
    "flags_equal": True,
    "escalations_equal": True,
    "notifications_equal": True,
}


@pytest.mark.parametrize(
    "change",
    [
        {"killed_mid_sweep": False},  # killed before or after: proves nothing
        {"half_written_after_kill": 1},
        {"completed": False},
        {"flags_equal": False},
        {"notifications_equal": False},
    ],
)
def test_worker_kill_fails_unless_the_sweep_completes_as_if_undisturbed(change):
    assert worker_kill.verdict(WORKER_OK)
    assert not worker_kill.verdict({**WORKER_OK, **change})


def test_scaleout_fails_when_a_split_changes_the_outcome_or_a_run_is_missing():
    ok = {"outcomes_equal": True, "flags": 10, "processes": [1, 2, 4]}
    ok.update(split_1_s=10.0, split_2_s=6.0, split_4_s=6.1)
    ok.update(daily_split_1_s=1.0, daily_split_2_s=0.8, daily_split_4_s=0.9)
    assert scaleout.verdict(ok)
    assert not scaleout.verdict({**ok, "outcomes_equal": False})
    assert not scaleout.verdict({**ok, "split_4_s": None})
    assert not scaleout.verdict({**ok, "daily_split_2_s": None})


API_OK = {"rps": 130, "ceiling_ratio": 0.52, "p95_read_ms": 41, "p95_write_ms": 88, "errors": 0}


@pytest.mark.parametrize(
    "change",
    [
        {"ceiling_ratio": 0.49},
        {"p95_read_ms": 50.1},
        {"p95_write_ms": 100.1},
        {"errors": 1},
        {"rps": 0},
    ],
)
def test_bench_api_holds_the_issue_targets(change):
    assert api_bench.verdict(API_OK)
    assert not api_bench.verdict({**API_OK, **change})


def test_the_bench_urls_add_only_the_ceiling_to_the_product():
    from config import urls as product
    from reliability import bench_urls

    assert bench_urls.urlpatterns[1:] == product.urlpatterns
    assert str(bench_urls.urlpatterns[0].pattern) == "api/v1/bench/ceiling/"
    assert bench_urls.handler500 == product.handler500
