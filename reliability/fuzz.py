"""``make fuzz``: the provider API and the dossier importer, fed generated and broken input.

1. The API: schemathesis generates requests from the committed OpenAPI document
   (``docs/openapi.yaml``) for every operation, valid (positive) and invalid (negative), with a
   valid provider key, and sends them over TCP to gunicorn with production settings on a
   PostgreSQL and Redis of our own. Half of the valid requests to a referral use one of the
   provider's real referrals (and half of those its current ETag), so state changes reach the
   service layer. Every answer is checked as the test suite does (no server error, status,
   content type, headers and body as documented); gunicorn's access log must show no 5xx.
2. The importer: hypothesis breaks exported dossiers (keys removed, values of the wrong type,
   dates out of order, bad BSNs, unknown and duplicate refs, long strings, truncated or
   non-UTF-8 files, arbitrary JSON) and feeds each file to ``manage.py import_dossier``. Every
   file must be imported or refused with exit 1 — never a traceback — and after every refusal
   every table holds exactly what it held before (row count and a hash of its rows). A few of
   the broken files also go through a real ``manage.py import_dossier`` process.

Last line: {"api_requests": …, "api_5xx": …, "api_check_failures": …, "import_files": …,
"import_refused": …, "import_crashes": …, "partial_writes": …, "ok": …}
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import random
import subprocess
import sys
import time
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from .report import run
from .servers import BASE_DIR, VENV_BIN, Lab, log

GUNICORN_REFUSAL = "<h1><p>Bad Request</p></h1>"
THROTTLE_OFF = "1000000/minute"  # 429s would hide the rest of the answer from the fuzzer


def verdict(figures: dict) -> bool:
    return (
        figures.get("api_requests", 0) >= figures.get("api_requests_min", 2000)
        and figures.get("api_5xx", 1) == 0
        and figures.get("api_check_failures", 1) == 0
        and figures.get("import_files", 0) > 0
        and figures.get("import_crashes", 1) == 0
        and figures.get("partial_writes", 1) == 0
        and figures.get("bsn_echoed", 1) == 0
    )


# -- the API ------------------------------------------------------------------------------------
def fuzz_api(port: int, key: str, refs: list[str], examples: int, seed: int) -> dict:
    import requests
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

    from referrals.models import Referral

    schema = schemathesis.openapi.from_path(BASE_DIR / "docs" / "openapi.yaml")
    base_url = f"http://127.0.0.1:{port}"
    session = requests.Session()
    headers = {"Authorization": f"Api-Key {key}", "X-Forwarded-Proto": "https"}
    statuses: Counter = Counter()
    failures: list[str] = []
    real_ref_requests = refused_by_gunicorn = 0

    # Header values as a client library sends them: visible Latin-1, no control characters.
    visible = st.characters(min_codepoint=33, max_codepoint=255, exclude_categories=["Cc"])
    latin = st.text(visible, min_size=1)

    def send(case, data, mode, has_ref) -> None:
        nonlocal real_ref_requests, refused_by_gunicorn
        label = str(getattr(mode, "value", mode))
        if mode == "hostile":
            # A valid request made invalid where the schema cannot say so: any JSON as the
            # body, any (Latin-1) text as If-Match or Idempotency-Key.
            what = data.draw(st.sampled_from(["body", "if-match", "idempotency-key"]))
            if what == "body":
                case.body = data.draw(_json_values())
            else:
                case.headers = {**(case.headers or {}), what.title(): data.draw(latin)}
            mode = GenerationMode.POSITIVE
        # Only valid requests get a real referral: an invalid one must stay invalid.
        if has_ref and mode == GenerationMode.POSITIVE and data.draw(st.booleans()):
            ref = data.draw(st.sampled_from(refs))
            case.path_parameters = {**(case.path_parameters or {}), "ref": ref}
            real_ref_requests += 1
            if case.method.upper() == "POST" and data.draw(st.booleans()):
                version = Referral.objects.get(ref=ref).version
                case.headers = {**(case.headers or {}), "If-Match": f'"{version}"'}
        response = case.call(base_url=base_url, session=session, headers=headers)
        statuses[response.status_code] += 1
        if response.status_code == 400 and GUNICORN_REFUSAL in response.text:
            # gunicorn's own refusal of a header it will not parse: Django never saw it.
            refused_by_gunicorn += 1
            return
        try:
            case.validate_response(
                response, excluded_checks=[ignored_auth, positive_data_acceptance]
            )
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failure counts
            failures.append(
                f"{case.method} {case.formatted_path} ({label}) -> "
                f"{response.status_code}: {str(exc)[:300]}"
            )

    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        has_ref = "{ref}" in operation.path
        # Negative data can be made only where the schema constrains something (a body, a
        # query); for a referral's operations (a free-text ref) the hostile variant stands in.
        if has_ref:
            modes = [GenerationMode.POSITIVE, "hostile"]
        elif len(operation.query) or operation.body:
            modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
        else:
            modes = [GenerationMode.POSITIVE]
        for mode in modes:

            def make(mode=mode, has_ref=has_ref, operation=operation):
                strategy_mode = GenerationMode.POSITIVE if mode == "hostile" else mode

                @settings(
                    max_examples=examples,
                    deadline=None,
                    database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy(generation_mode=strategy_mode), data=st.data())
                def one(case, data):
                    send(case, data, mode, has_ref)

                return one

            label = str(getattr(mode, "value", mode))
            started = time.monotonic()
            try:
                hypothesis_seed(seed)(make())()
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001
                log(f"{operation.method.upper()} {operation.path} {label}: {exc!r:.200}")
            log(
                f"{operation.method.upper()} {operation.path} {label}: "
                f"{time.monotonic() - started:.1f} s, {sum(statuses.values())} requests so far"
            )
    for failure in failures[:20]:
        log(f"check failed: {failure}")
    return {
        "api_operations": len(operations),
        "api_requests": sum(statuses.values()),
        "api_real_ref_requests": real_ref_requests,
        "api_statuses": {str(k): v for k, v in sorted(statuses.items())},
        "api_check_failures": len(failures),
        "api_refused_by_gunicorn": refused_by_gunicorn,
    }


# -- the importer -------------------------------------------------------------------------------
def table_fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a hash of all rows, for every table of the database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(relname) FROM pg_class"
            " WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY relname"
        )
        tables = [row[0] for row in cursor.fetchall()]
        parts = [
            f"SELECT '{t}', count(*), coalesce(md5(string_agg(md5(x::text), ''"  # noqa: S608
            f" ORDER BY md5(x::text))), '') FROM {t} x"
            for t in tables
        ]
        cursor.execute(" UNION ALL ".join(parts))
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


JSON_VALUES = None


def _json_values():
    from hypothesis import strategies as st

    global JSON_VALUES
    if JSON_VALUES is None:
        JSON_VALUES = st.recursive(
            st.none()
            | st.booleans()
            | st.integers(-(2**70), 2**70)
            | st.floats(allow_nan=False)
            | st.text(max_size=30),
            lambda children: st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=10), children, max_size=3),
            max_leaves=8,
        )
    return JSON_VALUES


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


def _get(doc, path):
    for part in path:
        doc = doc[part]
    return doc


def broken_files(bases: list[dict]):
    """A hypothesis strategy of (bytes, label): dossiers broken in many ways."""
    from hypothesis import strategies as st

    dates = st.dates().map(lambda d: d.isoformat())
    junk_text = st.text(min_size=0, max_size=40)

    @st.composite
    def mutated(draw):
        doc = copy.deepcopy(draw(st.sampled_from(bases)))
        kinds = []
        for _ in range(draw(st.integers(1, 3))):
            paths = [p for p in _paths(doc) if p]
            path = draw(st.sampled_from(paths))
            parent, last = _get(doc, path[:-1]), path[-1]
            value = parent[last]
            kind = draw(
                st.sampled_from(
                    ["delete", "replace", "retype", "duplicate", "date", "bsn", "ref", "long"]
                )
            )
            kinds.append(kind)
            if kind == "delete":
                del parent[last]
            elif kind == "replace":
                parent[last] = draw(_json_values())
            elif kind == "retype":
                wrapped = {"x": value} if isinstance(value, list) else [value]
                parent[last] = wrapped if draw(st.booleans()) else str(value)
            elif kind == "duplicate" and isinstance(parent, list):
                parent.insert(last, copy.deepcopy(value))
            elif kind == "date":
                parent[last] = draw(dates | junk_text)
            elif kind == "bsn":
                parent[last] = draw(st.from_regex(r"\A[0-9]{8,10}\Z") | junk_text)
            elif kind == "ref":
                parent[last] = draw(
                    st.sampled_from(["", "onbekend", "x" * 65, "demo-p1", "GM0599", "lt-x"])
                    | junk_text
                )
            elif kind == "long":
                parent[last] = "x" * draw(st.integers(1_000, 100_000))
        return json.dumps(doc, ensure_ascii=False).encode(), "mutated:" + "+".join(kinds)

    @st.composite
    def corrupted(draw):
        raw = json.dumps(draw(st.sampled_from(bases)), ensure_ascii=False).encode()
        how = draw(st.sampled_from(["truncate", "insert", "latin1", "nul", "bom", "empty"]))
        if how == "truncate":
            raw = raw[: draw(st.integers(0, len(raw) - 1))]
        elif how == "insert":
            at = draw(st.integers(0, len(raw)))
            raw = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
        elif how == "latin1":
            raw = raw.decode().encode("latin-1", errors="replace") + b"\xff\xfe"
        elif how == "nul":
            at = draw(st.integers(0, len(raw)))
            raw = raw[:at] + b"\x00" + raw[at:]
        elif how == "bom":
            raw = b"\xef\xbb\xbf" + raw
        else:
            raw = b""
        return raw, f"corrupted:{how}"

    arbitrary = _json_values().map(lambda v: (json.dumps(v).encode(), "arbitrary"))
    return st.one_of(mutated(), mutated(), mutated(), corrupted(), arbitrary)


def _bsns(raw: bytes) -> set[str]:
    found = set()
    try:
        doc = json.loads(raw)
    except ValueError:
        return found
    for path in _paths(doc):
        if path and path[-1] == "bsn":
            value = _get(doc, path)
            if isinstance(value, str) and len(value) >= 8 and value.isdigit():
                found.add(value)
    return found


def fuzz_importer(root: Path, examples: int, seed: int, env: dict) -> dict:
    from django.core.management import call_command
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    from casusregie.models import Family
    from dossier.exporter import export_dossier

    family_refs = list(Family.objects.order_by("ref").values_list("ref", flat=True))
    rng = random.Random(seed)  # noqa: S311 - choosing sample families
    bases = [export_dossier(ref) for ref in rng.sample(family_refs, min(6, len(family_refs)))]
    bases.append(export_dossier(None))  # the whole region, once
    outcomes: Counter = Counter()
    labels: Counter = Counter()
    crashes: list[str] = []
    partial: list[str] = []
    echoed: list[str] = []
    kept: list[Path] = []
    path = root / "dossier.json"

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(item=broken_files(bases))
    def one(item):
        raw, label = item
        path.write_bytes(raw)
        before = table_fingerprint()
        out, err = io.StringIO(), io.StringIO()
        code = 0
        try:
            with redirect_stdout(out), redirect_stderr(err):
                call_command("import_dossier", str(path), stdout=out, stderr=err)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception as exc:  # noqa: BLE001 - the importer's "500"
            code = -1
            crashes.append(f"{label}: {type(exc).__name__}: {exc}"[:300])
        labels[label.split(":")[0]] += 1
        outcomes[{0: "imported", 1: "refused"}.get(code, "crashed")] += 1
        if code not in (0, 1, -1):
            crashes.append(f"{label}: exit {code}")
        if code != 0:
            after = table_fingerprint()
            changed = [t for t in before if before[t] != after.get(t)]
            if changed:
                partial.append(f"{label}: {changed}")
            if len(kept) < 8 and code == 1:
                copy_path = root / f"broken-{len(kept)}.json"
                copy_path.write_bytes(raw)
                kept.append(copy_path)
        text = out.getvalue() + err.getvalue()
        if any(bsn in text for bsn in _bsns(raw)):
            echoed.append(label)

    started = time.monotonic()
    hypothesis_seed(seed)(one)()
    log(f"importer: {sum(outcomes.values())} files in {time.monotonic() - started:.0f} s")
    # A few of the refused files through a real `manage.py import_dossier` process.
    processes_ok = 0
    for file in kept:
        done = subprocess.run(  # noqa: S603
            [str(VENV_BIN / "python"), "manage.py", "import_dossier", str(file)],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode == 1 and "Traceback" not in done.stderr:
            processes_ok += 1
        else:
            crashes.append(f"process {file.name}: exit {done.returncode} {done.stderr[-300:]}")
    for line in (crashes + partial + echoed)[:20]:
        log(f"importer problem: {line}")
    return {
        "import_files": sum(outcomes.values()),
        "import_refused": outcomes["refused"],
        "import_imported": outcomes["imported"],
        "import_kinds": dict(labels),
        "import_processes": len(kept),
        "import_processes_ok": processes_ok,
        "import_crashes": len(crashes),
        "partial_writes": len(partial),
        "bsn_echoed": len(echoed),
    }


def scenario(api_examples: int, import_examples: int, seed: int) -> tuple[dict, bool]:
    figures: dict = {"api_requests_min": 2000}
    with Lab("fuzz") as lab:
        pg = lab.start_postgres()
        lab.start_redis()
        env = lab.env(pg.url(), API_THROTTLE_RATE=THROTTLE_OFF)
        pg.create_database("casusregie")
        lab.setup_django(env)
        from django.core.management import call_command
        from django.test import override_settings

        from referrals.models import Provider, ProviderAPIKey, Referral

        call_command("migrate", verbosity=0)
        # The lab's own throw-away database: the demo region, which demo_data refuses to load
        # under the production settings the lab's servers run with.
        with redirect_stdout(io.StringIO()), override_settings(PRODUCTION=False):
            call_command("demo_data")
        provider = max(Provider.objects.all(), key=lambda p: p.referrals.count())
        _key, secret = ProviderAPIKey.objects.create_key(name="fuzz", provider=provider)
        refs = list(
            Referral.objects.filter(provider=provider)
            .exclude(status="draft")
            .values_list("ref", flat=True)
        )
        log(f"provider {provider.ref}: {len(refs)} referrals")
        _proc, port = lab.gunicorn(env, workers=2)
        started = time.monotonic()
        figures.update(fuzz_api(port, secret, refs, api_examples, seed))
        figures["api_seconds"] = round(time.monotonic() - started, 1)
        time.sleep(1)  # the access log is written after the response
        served = lab.access_log()
        figures["api_served"] = len(served)
        figures["api_5xx"] = sum(1 for *_rest, status, _ms in served if status >= 500)
        figures["server_tracebacks"] = sum(p.log_text().count("Traceback") for p in lab.processes)
        figures["api_5xx"] += figures["server_tracebacks"]
        started = time.monotonic()
        figures.update(fuzz_importer(lab.root, import_examples, seed, env))
        figures["import_seconds"] = round(time.monotonic() - started, 1)
    return figures, verdict(figures)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--api-examples", type=int, default=130, help="per operation and mode")
    parser.add_argument("--import-examples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args(argv)
    log(f"seed {args.seed}")
    return run(lambda: scenario(args.api_examples, args.import_examples, args.seed))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
