"""The access log (NEN 7513): record every access to a family's data, verify the chain.

Writers append through the database function ``casusregie_access_log_append`` (migration
0009), one round trip per request: it takes the first free of eight chains, each under its own
transaction-scoped advisory lock so each chain has one order, and sets each entry's hash to
SHA-256 over the previous hash in its chain and the entry's canonical JSON (``entry_payload``,
made here). ``verify_chain`` walks the log in order (streaming) and reports every entry whose
hash or link does not match.

The plain chain can be recomputed by whoever can disable the trigger; so each chain's head is
sealed (``AccessLogSeal``): an HMAC-SHA256 under ``ACCESS_LOG_KEY`` over the chain, the id and
the hash of its last entry, written in the same transaction as the entries. The key stays in
the application (the environment), never in the database. ``verify_chain`` reports a chain
whose head does not match its seal (recomputed, cut short, or appended to without the key).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import AccessAction, AccessLogEntry, AccessLogSeal

GENESIS = "0" * 64
FIELDS = (
    "at",
    "actor_kind",
    "actor",
    "family_ref",
    "action",
    "object_type",
    "object_ref",
    "purpose",
    "origin",
)


#: The purposes (doel) that worker pages log; one wording each, wherever the page lives.
PURPOSE_CASE_WORK = "regie en hulpverlening"
PURPOSE_REGISTRATION = "registratie: is het gezin al bekend (1 Gezin)"


@dataclass(frozen=True)
class Access:
    family_ref: str
    object_type: str
    object_ref: str


def entry_payload(fields: dict) -> str:
    """The canonical text of an entry's fields, as hashed into the chain."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False)


def entry_hash(prev_hash: str, entry: AccessLogEntry) -> str:
    fields = {f: getattr(entry, f) for f in FIELDS}
    fields["at"] = entry.at.isoformat()
    return hashlib.sha256((prev_hash + entry_payload(fields)).encode()).hexdigest()


def head_mac(chain: int, entry_id: int, entry_hash: str) -> str:
    """The seal of a chain whose last entry is ``entry_id`` with ``entry_hash``."""
    message = f"{chain}:{entry_id}:{entry_hash}".encode()
    return hmac.new(settings.ACCESS_LOG_KEY.encode(), message, hashlib.sha256).hexdigest()


SEAL = (
    "INSERT INTO casusregie_accesslogseal (chain, entry_id, mac) VALUES (%s, %s, %s) "
    "ON CONFLICT (chain) DO UPDATE SET entry_id = EXCLUDED.entry_id, mac = EXCLUDED.mac "
    "WHERE casusregie_accesslogseal.entry_id < EXCLUDED.entry_id"
)


def record_access(
    *,
    actor_kind: str,
    actor: str,
    accesses: Iterable[Access],
    action: str = AccessAction.READ,
    purpose: str,
    origin: str = "",
) -> int:
    """Append one entry per access, chained, in one statement, and seal the chain's new head
    in a second. Returns how many.

    Both run in one transaction (the caller's, or their own): the entries, the seal and the
    chain's lock commit or roll back together.
    """
    items = list(accesses)
    if not items:
        return 0
    at = timezone.now()
    actor, purpose, origin = actor[:200], purpose[:200], origin[:200]
    common = {
        "at": at.isoformat(),
        "actor_kind": actor_kind,
        "actor": actor,
        "action": action,
        "purpose": purpose,
        "origin": origin,
    }
    payloads = [
        entry_payload(
            {
                **common,
                "family_ref": item.family_ref,
                "object_type": item.object_type,
                "object_ref": item.object_ref,
            }
        )
        for item in items
    ]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM casusregie_access_log_append(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                at,
                actor_kind,
                actor,
                action,
                purpose,
                origin,
                [item.family_ref for item in items],
                [item.object_type for item in items],
                [item.object_ref for item in items],
                payloads,
            ],
        )
        chain, head_id, head_hash = cursor.fetchone()
        cursor.execute(SEAL, [chain, head_id, head_mac(chain, head_id, head_hash)])
    return len(items)


@dataclass(frozen=True)
class Break:
    entry_id: int
    problem: str


def verify_chain() -> Iterator[Break]:
    """Every entry whose content does not match its hash, or that does not link to the one
    before it in its chain (an entry was removed or inserted); and every chain whose head does
    not carry its seal under ``ACCESS_LOG_KEY`` (recomputed without the key, cut short, or
    appended to behind the application's back).

    One snapshot (REPEATABLE READ, when not called inside a transaction) for the entries and
    the seals, so a writer appending meanwhile is seen entirely or not at all.
    """
    own_snapshot = not connection.in_atomic_block
    with transaction.atomic():
        if own_snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        seals = {seal.chain: seal for seal in AccessLogSeal.objects.all()}
        last: dict[int, AccessLogEntry] = {}
        for entry in AccessLogEntry.objects.order_by("id").iterator(chunk_size=5000):
            before = last.get(entry.chain)
            if entry.prev_hash != (before.hash if before else GENESIS):
                yield Break(
                    entry.id, "does not follow the entry before it (one removed or inserted?)"
                )
            if entry_hash(entry.prev_hash, entry) != entry.hash:
                yield Break(entry.id, "content changed after it was written")
            last[entry.chain] = entry
        for chain in sorted(set(last) | set(seals)):
            yield from _check_seal(chain, last.get(chain), seals.get(chain))


def _check_seal(
    chain: int, head: AccessLogEntry | None, seal: AccessLogSeal | None
) -> Iterator[Break]:
    if head is None:
        yield Break(seal.entry_id, f"chain {chain} is sealed but has no entries (removed?)")
    elif seal is None:
        yield Break(head.id, f"chain {chain} has no seal (written without the key?)")
    elif seal.entry_id != head.id:
        where = "after its seal" if head.id > seal.entry_id else "before its sealed head"
        yield Break(head.id, f"chain {chain} ends {where} (entries appended or cut off?)")
    elif not hmac.compare_digest(seal.mac, head_mac(chain, head.id, head.hash)):
        yield Break(head.id, f"chain {chain}'s head does not match its seal (recomputed?)")


def family_access_history(family_ref: str):
    """Who saw or changed this family's data, for a request under AVG article 15."""
    return AccessLogEntry.objects.filter(family_ref=family_ref).order_by("at", "id")


def record_worker_access(
    request,
    accesses: Iterable[Access],
    *,
    purpose: str,
    action: str = AccessAction.READ,
) -> int:
    """Log what a logged-in worker read or changed through a page or the admin."""
    user = request.user
    return record_access(
        actor_kind="worker",
        actor=f"{user.ref} ({user.get_username()})",
        accesses=accesses,
        action=action,
        purpose=purpose,
        origin=request.META.get("REMOTE_ADDR", ""),
    )


#: The purpose of what a family account reads or does in the gezinsportaal.
PURPOSE_FAMILY_OWN = "inzage en inbreng eigen gegevens (gezinsportaal)"
PURPOSE_FAMILY_ACCOUNT = "uitnodiging gezinsportaal"


def family_actor(account) -> str:
    """How a family account is named in the access log: its reference and kind, never a name."""
    return f"{account.ref} ({account.member})"


def record_family_access(
    request,
    account,
    accesses: Iterable[Access],
    *,
    purpose: str = PURPOSE_FAMILY_OWN,
    action: str = AccessAction.READ,
) -> int:
    """Log what a family account read or did in the gezinsportaal."""
    return record_access(
        actor_kind="family",
        actor=family_actor(account),
        accesses=accesses,
        action=action,
        purpose=purpose,
        origin=request.META.get("REMOTE_ADDR", "") if request is not None else "",
    )


PURPOSE_AVG_FAMILY = "inzage eigen toegangslog door het gezin (AVG art. 15)"
