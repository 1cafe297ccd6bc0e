"""The access log's chain heads are sealed with an HMAC under ``ACCESS_LOG_KEY``.

``casusregie_access_log_append`` now returns the chain it appended to with its new head (id and
hash); the writer seals that head (``casusregie.access_log.record_access``) with an HMAC the
database never sees the key of, so whoever can disable the trigger and recompute the plain
SHA-256 chain cannot make a seal that verifies. The heads already in the log are sealed here.
"""

import importlib

from django.conf import settings
from django.db import migrations, models

OLD_FUNCTION = importlib.import_module("casusregie.migrations.0009_access_log_chains").FUNCTION


FUNCTION = """
CREATE FUNCTION casusregie_access_log_append(
    p_at timestamptz,
    p_actor_kind text,
    p_actor text,
    p_action text,
    p_purpose text,
    p_origin text,
    p_family_refs text[],
    p_object_types text[],
    p_object_refs text[],
    p_payloads text[]
) RETURNS TABLE (chain integer, head_id bigint, head_hash text)
LANGUAGE plpgsql AS $$
DECLARE
    chains constant integer := 8;
    first integer := pg_backend_pid() % chains;
    c integer;
    prev text;
    n integer := coalesce(array_length(p_payloads, 1), 0);
    prevs text[] := '{}';
    hashes text[] := '{}';
BEGIN
    IF n = 0 THEN
        RETURN;
    END IF;
    -- The first free chain (a chain this transaction holds already counts as free); when
    -- all are taken, wait for this connection's own.
    FOR k IN 0..chains - 1 LOOP
        IF pg_try_advisory_xact_lock(7411, (first + k) % chains) THEN
            c := (first + k) % chains;
            EXIT;
        END IF;
    END LOOP;
    IF c IS NULL THEN
        c := first;
        PERFORM pg_advisory_xact_lock(7411, c);
    END IF;
    SELECT e.hash INTO prev FROM casusregie_accesslogentry e
        WHERE e.chain = c ORDER BY e.id DESC LIMIT 1;
    prev := coalesce(prev, repeat('0', 64));
    FOR i IN 1..n LOOP
        prevs := prevs || prev;
        prev := encode(sha256(convert_to(prev || p_payloads[i], 'UTF8')), 'hex');
        hashes := hashes || prev;
    END LOOP;
    -- One statement for all entries, in their order (ids follow the chain).
    RETURN QUERY
    WITH inserted AS (
        INSERT INTO casusregie_accesslogentry (
            at, actor_kind, actor, family_ref, action, object_type, object_ref, purpose,
            origin, chain, prev_hash, hash
        )
        SELECT p_at, p_actor_kind, p_actor, e.family_ref, p_action, e.object_type,
               e.object_ref, p_purpose, p_origin, c, e.prev_hash, e.hash
        FROM unnest(p_family_refs, p_object_types, p_object_refs, prevs, hashes)
            WITH ORDINALITY AS e(family_ref, object_type, object_ref, prev_hash, hash, n)
        ORDER BY e.n
        RETURNING id
    )
    SELECT c, max(inserted.id)::bigint, prev FROM inserted;
END $$;
"""

SIGNATURE = (
    "casusregie_access_log_append("
    "timestamptz, text, text, text, text, text, text[], text[], text[], text[])"
)


def seal_existing_heads(apps, schema_editor) -> None:
    import hashlib
    import hmac

    entry = apps.get_model("casusregie", "AccessLogEntry")
    seal = apps.get_model("casusregie", "AccessLogSeal")
    heads = entry.objects.values("chain").annotate(last=models.Max("id"))
    for head in heads:
        last = entry.objects.get(id=head["last"])
        message = f"{last.chain}:{last.id}:{last.hash}".encode()
        mac = hmac.new(settings.ACCESS_LOG_KEY.encode(), message, hashlib.sha256).hexdigest()
        seal.objects.update_or_create(chain=last.chain, defaults={"entry_id": last.id, "mac": mac})


class Migration(migrations.Migration):
    dependencies = [("casusregie", "0017_role_requests")]

    operations = [
        migrations.CreateModel(
            name="AccessLogSeal",
            fields=[
                (
                    "chain",
                    models.PositiveSmallIntegerField(
                        primary_key=True, serialize=False, verbose_name="keten"
                    ),
                ),
                ("entry_id", models.BigIntegerField(verbose_name="laatste regel")),
                ("mac", models.CharField(max_length=64)),
            ],
            options={
                "verbose_name": "zegel van het toegangslog",
                "verbose_name_plural": "zegels van het toegangslog",
            },
        ),
        migrations.RunSQL(
            [f"DROP FUNCTION {SIGNATURE}", FUNCTION],
            [f"DROP FUNCTION {SIGNATURE}", OLD_FUNCTION],
        ),
        migrations.RunPython(seal_existing_heads, migrations.RunPython.noop),
    ]
