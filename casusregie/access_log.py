"""The access log (NEN 7513): record every access to a family's data, verify the chain.

Writers append through the database function ``casusregie_access_log_append`` (migration
0009), one round trip per request: it takes the first free of eight chains, each under its own
transaction-scoped advisory lock so each chain has one order, and sets each entry's hash to
SHA-256 over the previous hash in its chain and the entry's canonical JSON (``entry_payload``,
made here). ``verify_chain`` walks the log in order (streaming) and reports every entry whose
hash or link does not match.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from .models import AccessAction, AccessLogEntry

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


def record_access(
    *,
    actor_kind: str,
    actor: str,
    accesses: Iterable[Access],
    action: str = AccessAction.READ,
    purpose: str,
    origin: str = "",
) -> int:
    """Append one entry per access, chained, in one statement. Returns how many.

    Outside a transaction the statement is its own; inside one, the entries (and the chain's
    lock) commit or roll back with it.
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
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT casusregie_access_log_append(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
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
    return len(items)


@dataclass(frozen=True)
class Break:
    entry_id: int
    problem: str


def verify_chain() -> Iterator[Break]:
    """Every entry whose content does not match its hash, or that does not link to the one
    before it in its chain (an entry was removed or inserted)."""
    last: dict[int, str] = {}
    for entry in AccessLogEntry.objects.order_by("id").iterator(chunk_size=5000):
        if entry.prev_hash != last.get(entry.chain, GENESIS):
            yield Break(entry.id, "does not follow the entry before it (one removed or inserted?)")
        if entry_hash(entry.prev_hash, entry) != entry.hash:
            yield Break(entry.id, "content changed after it was written")
        last[entry.chain] = entry.hash


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
