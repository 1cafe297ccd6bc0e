"""``make bench-scaleout``: the sweep split per municipality over 1, 2 and 4 worker processes.

A PostgreSQL and Redis of our own; ``--youths`` youths generated once (tests/bench/generate.py,
8 municipalities) into a template database, then for every run a fresh copy of it, so each run
is a first sweep of the same data:

- ``single``: the sweep in one transaction per region (``manage.py sweep``), the reference;
- ``1``, ``2``, ``4``: ``flags.tasks.sweep_all(split=True)`` — as Celery beat sends it — on a
  Celery worker with that many processes: one ``sweep_municipality`` task per municipality, a
  group; timed from sending until the last municipality's task has succeeded.

Each run sweeps two days: the first (no mark yet: a full sweep) and the next one, an
incremental daily sweep (the cases due that day), split the same way (``daily_*_s``).

Every run must leave exactly the same flags, escalations and notifications (content, not ids)
as the reference: splitting changes the speed, never the outcome.

Last line: {"youths": …, "single_s": …, "split_1_s": …, "split_2_s": …, "split_4_s": …,
"daily_single_s": …, "daily_split_1_s": …, …, "speedup_2": …, "speedup_4": …,
"outcomes_equal": …, "ok": …}
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import time

from .providers import AS_OF
from .report import run
from .servers import BASE_DIR, VENV_BIN, Lab, log
from .worker_kill import outcome

TEMPLATE = "scale_template"
RUN_DB = "scale_run"
NEXT_DAY = AS_OF + dt.timedelta(days=1)
DONE = re.compile(r"Task flags\.tasks\.sweep_municipality\[[^\]]+\] succeeded")


def verdict(f: dict) -> bool:
    return (
        f.get("outcomes_equal") is True
        and f.get("flags", 0) > 0
        and all(f.get(f"split_{n}_s") for n in f.get("processes", [1, 2, 4]))
        and all(f.get(f"daily_split_{n}_s") is not None for n in f.get("processes", [1, 2, 4]))
    )


def scenario(youths: int, processes: list[int], timeout: float) -> tuple:
    figures: dict = {"youths": youths, "processes": processes, "cores": os.cpu_count()}
    with Lab("bench-scaleout") as lab:
        pg = lab.start_postgres(max_wal_size="8GB", checkpoint_timeout="30min")
        lab.start_redis()
        env = lab.env(pg.create_database(TEMPLATE))
        lab.setup_django(env)
        from django.core.management import call_command
        from django.db import connection

        from casusregie.models import Municipality
        from config.celery import app
        from tests.bench.generate import generate

        call_command("migrate", verbosity=0)
        started = time.monotonic()
        counts = generate(youths, AS_OF, progress=False)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        municipalities = Municipality.objects.count()
        figures.update(youths=counts["youth"], municipalities=municipalities)
        figures["generate_s"] = round(time.monotonic() - started, 1)
        log(f"generated {counts['youth']} youths in {figures['generate_s']} s")
        connection.close()

        outcomes = {}
        # The reference: the sweep in one transaction, no Celery.
        url = pg.create_database(RUN_DB, template=TEMPLATE)
        for key, day in (("single_s", AS_OF), ("daily_single_s", NEXT_DAY)):
            started = time.monotonic()
            subprocess.run(  # noqa: S603
                [str(VENV_BIN / "python"), "manage.py", "sweep", "--as-of", day.isoformat()],
                cwd=BASE_DIR,
                env={**env, "DATABASE_URL": url},
                check=True,
                stdout=subprocess.DEVNULL,
            )
            figures[key] = round(time.monotonic() - started, 1)
        outcomes["single"] = outcome(url)
        log(
            f"single transaction: {figures['single_s']} s,"
            f" the next day {figures['daily_single_s']} s"
        )

        for n in processes:
            url = pg.create_database(RUN_DB, template=TEMPLATE)
            run_env = {**env, "DATABASE_URL": url}
            worker = lab.celery_worker(run_env, concurrency=n, name=f"worker{n}")
            for runs, (key, day) in enumerate(
                ((f"split_{n}_s", AS_OF), (f"daily_split_{n}_s", NEXT_DAY)), start=1
            ):
                started = time.monotonic()
                app.send_task(
                    "flags.tasks.sweep_all", args=[day.isoformat()], kwargs={"split": True}
                )
                while len(DONE.findall(worker.log_text())) < municipalities * runs:
                    if time.monotonic() - started > timeout:
                        raise RuntimeError(f"{n} processes: the split sweep did not finish")
                    time.sleep(0.1)
                figures[key] = round(time.monotonic() - started, 1)
            worker.stop()
            outcomes[n] = outcome(url)
            log(
                f"split over {n} processes: {figures[f'split_{n}_s']} s,"
                f" the next day {figures[f'daily_split_{n}_s']} s"
            )

        reference = outcomes["single"]
        figures["flags"] = reference["flags"][0]
        figures["escalations"] = reference["escalations"][0]
        figures["outcomes_equal"] = all(o == reference for o in outcomes.values())
        base = figures.get(f"split_{processes[0]}_s")
        for n in processes[1:]:
            if base and figures.get(f"split_{n}_s"):
                figures[f"speedup_{n}"] = round(base / figures[f"split_{n}_s"], 2)
    return figures, verdict(figures)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--youths", type=int, default=1_000_000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args(argv)
    return run(lambda: scenario(args.youths, args.processes, args.timeout))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
