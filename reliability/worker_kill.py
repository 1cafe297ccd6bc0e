"""``make fault-worker-kill``: SIGKILL the Celery worker in the middle of the sweep.

A PostgreSQL and Redis of our own; ``--youths`` youths generated (tests/bench/generate.py) and
copied to a second database before anything is judged. The sweep is sent as Celery beat sends
it (``flags.tasks.sweep_all``, split: one task per municipality) to a worker of two processes;
as soon as it is under way in PostgreSQL (a sweep holds its advisory lock) the worker's whole
process group is killed with SIGKILL — no warm shutdown, no acknowledgement. A new worker is
started. The broker hands the unacknowledged message out again
after ``CELERY_VISIBILITY_TIMEOUT`` (30 s here, 600 s by default) and the sweep runs to the end.

Verdict: no municipality's sweep stayed half-written, the sweep completed after the restart,
and its flags, escalations and notifications equal those of an undisturbed sweep
(``manage.py sweep``) of the copy — every column but the ids.

Last line: {"youths": …, "killed_after_s": …, "completed_after_restart_s": …, "flags": …,
"flags_equal": …, "ok": …}
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from .providers import AS_OF
from .report import run
from .servers import BASE_DIR, VENV_BIN, Lab, log

VISIBILITY_TIMEOUT = 30

# What a sweep writes, by content (ids differ between two databases).
OUTCOME_QUERIES = {
    "flags": """
        SELECT f.rule, f.subject_type, f.subject_id, f.case_id, f.severity, f.since, f.opened_on,
               f.raised_on, f.resolved_on, f.resolution, f.escalated_on, e.ref, f.owner_role,
               f.thresholds::text
        FROM flags_flag f LEFT JOIN escalations_escalation e ON e.id = f.escalation_id""",
    "escalations": """
        SELECT ref, case_id, submitted_on, reason, source, discussed_on
        FROM escalations_escalation""",
    "notifications": """
        SELECT n.recipient_id, f.rule, f.subject_type, f.subject_id, n.kind, n.created_on
        FROM flags_notification n JOIN flags_flag f ON f.id = n.flag_id""",
}


def outcome(url: str) -> dict[str, tuple[int, str]]:
    """Rows and a hash of their content, per table the sweep writes."""
    import psycopg

    result = {}
    with psycopg.connect(url) as conn:
        for name, query in OUTCOME_QUERIES.items():
            row = conn.execute(
                f"SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '')"  # noqa: S608
                f" FROM ({query}) t"
            ).fetchone()
            result[name] = (row[0], row[1])
    return result


def flags_per_municipality(url: str) -> dict[int, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT fa.municipality_id, count(*) FROM flags_flag f"
            " JOIN casusregie_case c ON c.id = f.case_id"
            " JOIN casusregie_family fa ON fa.id = c.family_id GROUP BY 1"
        ).fetchall()
    return dict(rows)


def sweep_in_progress(url: str) -> bool:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return bool(
            conn.execute(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 7410 LIMIT 1"
            ).fetchone()
        )


def verdict(f: dict) -> bool:
    return (
        f.get("killed_mid_sweep") is True
        and f.get("half_written_after_kill", 1) == 0
        and f.get("completed") is True
        and f.get("flags", 0) > 0
        and f.get("flags_equal") is True
        and f.get("escalations_equal") is True
        and f.get("notifications_equal") is True
    )


def scenario(youths: int, kill_after: float, timeout: float) -> tuple:
    figures: dict = {"youths": youths, "visibility_timeout_s": VISIBILITY_TIMEOUT}
    with Lab("fault-worker-kill") as lab:
        pg = lab.start_postgres()
        lab.start_redis()
        url = pg.create_database("casusregie")
        env = lab.env(url, CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))
        lab.setup_django(env)
        from django.core.management import call_command
        from django.db import connection

        from tests.bench.generate import generate

        call_command("migrate", verbosity=0)
        started = time.monotonic()
        counts = generate(youths, AS_OF, progress=False)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log(f"generated {counts['youth']} youths in {time.monotonic() - started:.0f} s")
        figures["youths"] = counts["youth"]
        connection.close()
        reference_url = pg.create_database("casusregie_reference", template="casusregie")

        # The undisturbed sweep, on the copy.
        started = time.monotonic()
        subprocess.run(  # noqa: S603
            [str(VENV_BIN / "python"), "manage.py", "sweep", "--as-of", AS_OF.isoformat()],
            cwd=BASE_DIR,
            env={**env, "DATABASE_URL": reference_url},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        figures["undisturbed_sweep_s"] = round(time.monotonic() - started, 1)

        reference_parts = flags_per_municipality(reference_url)
        worker = lab.celery_worker(env, concurrency=2, name="worker")
        from config.celery import app

        # As Celery beat sends it: split per municipality, a group over the worker processes.
        app.send_task("flags.tasks.sweep_all", args=[AS_OF.isoformat()], kwargs={"split": True})
        sent = time.monotonic()
        while not sweep_in_progress(url):
            if time.monotonic() - sent > timeout:
                raise RuntimeError("the sweep never started")
            time.sleep(0.05)
        time.sleep(kill_after)
        figures["killed_mid_sweep"] = sweep_in_progress(url)
        worker.kill()
        figures["killed_after_s"] = round(time.monotonic() - sent, 1)
        log(f"worker killed (SIGKILL) {figures['killed_after_s']} s after the sweep was sent")
        time.sleep(2)
        # A killed municipality's transaction is rolled back: each municipality's flags are
        # all there (its sweep committed before the kill) or none.
        parts = flags_per_municipality(url)
        figures["municipalities"] = len(reference_parts)
        figures["municipalities_done_before_kill"] = sum(
            1 for m, n in parts.items() if n == reference_parts.get(m)
        )
        figures["half_written_after_kill"] = sum(
            1 for m, n in parts.items() if n != reference_parts.get(m)
        )

        restarted = time.monotonic()
        lab.celery_worker(env, concurrency=2, name="worker2")
        reference = outcome(reference_url)
        figures["completed"] = False
        while time.monotonic() - restarted < timeout:
            if outcome(url) == reference:
                figures["completed"] = True
                break
            time.sleep(1)
        figures["completed_after_restart_s"] = round(time.monotonic() - restarted, 1)
        time.sleep(3)  # nothing more may change (a sweep run twice changes nothing)
        mine = outcome(url)
        for name in OUTCOME_QUERIES:
            figures[name] = mine[name][0]
            figures[f"{name}_equal"] = mine[name] == reference[name]
        figures["reference_flags"] = reference["flags"][0]
    return figures, verdict(figures)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--youths", type=int, default=100_000)
    parser.add_argument("--kill-after", type=float, default=0.5, help="seconds into the sweep")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args(argv)
    return run(lambda: scenario(args.youths, args.kill_after, args.timeout))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
