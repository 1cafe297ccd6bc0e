"""The access log in eight chains, appended by ``casusregie_access_log_append`` in one round trip.

One chain under one lock made every request wait for the one before it, through its commit's
WAL flush (make bench-api). Now an append takes the first free of eight chains (advisory locks
(7411, 0..7), starting at its connection's), reads that chain's last hash, and inserts each
entry with ``hash = sha256(prev_hash || payload)``; ``payload`` is the entry's canonical JSON
from ``casusregie.access_log.entry_payload``, which ``verify_chain`` checks per chain. Removing
or changing an entry breaks its chain as before. In READ COMMITTED each statement of the
function sees what was committed before it started, so the read after the lock sees the
previous holder's entries. Existing entries are chain 0.
"""

from django.db import migrations, models

FUNCTION = """
CREATE OR REPLACE FUNCTION casusregie_access_log_append(
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
) RETURNS integer
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
        RETURN 0;
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
    SELECT hash INTO prev FROM casusregie_accesslogentry
        WHERE chain = c ORDER BY id DESC LIMIT 1;
    prev := coalesce(prev, repeat('0', 64));
    FOR i IN 1..n LOOP
        prevs := prevs || prev;
        prev := encode(sha256(convert_to(prev || p_payloads[i], 'UTF8')), 'hex');
        hashes := hashes || prev;
    END LOOP;
    -- One statement for all entries, in their order (ids follow the chain).
    INSERT INTO casusregie_accesslogentry (
        at, actor_kind, actor, family_ref, action, object_type, object_ref, purpose, origin,
        chain, prev_hash, hash
    )
    SELECT p_at, p_actor_kind, p_actor, e.family_ref, p_action, e.object_type, e.object_ref,
           p_purpose, p_origin, c, e.prev_hash, e.hash
    FROM unnest(p_family_refs, p_object_types, p_object_refs, prevs, hashes)
        WITH ORDINALITY AS e(family_ref, object_type, object_ref, prev_hash, hash, n)
    ORDER BY e.n;
    RETURN n;
END $$;
"""

DROP = (
    "DROP FUNCTION IF EXISTS casusregie_access_log_append("
    "timestamptz, text, text, text, text, text, text[], text[], text[], text[])"
)


class Migration(migrations.Migration):
    dependencies = [("casusregie", "0008_regie_transfer")]

    operations = [
        migrations.AddField(
            model_name="accesslogentry",
            name="chain",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="keten"),
        ),
        migrations.AddIndex(
            model_name="accesslogentry",
            index=models.Index(fields=["chain", "id"], name="access_log_chain_idx"),
        ),
        migrations.RunSQL(FUNCTION, DROP),
    ]
