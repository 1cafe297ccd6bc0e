"""The access log (NEN 7513): record every access to a family's data, verify the chain.

Writers take a transaction-scoped advisory lock so the chain has one order; each entry's hash
is SHA-256 over the previous hash and the entry's fields. ``verify_chain`` walks the log in
order (streaming) and reports every entry whose hash or link does not match.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from .models import AccessAction, AccessLogEntry

CHAIN_LOCK = (7411, 0)
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


@dataclass(frozen=True)
class Access:
    family_ref: str
    object_type: str
    object_ref: str


def entry_hash(prev_hash: str, entry: AccessLogEntry) -> str:
    fields = {f: getattr(entry, f) for f in FIELDS}
    fields["at"] = entry.at.isoformat()
    payload = prev_hash + json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


@transaction.atomic
def record_access(
    *,
    actor_kind: str,
    actor: str,
    accesses: Iterable[Access],
    action: str = AccessAction.READ,
    purpose: str,
    origin: str = "",
) -> int:
    """Append one entry per access, chained, in one statement. Returns how many."""
    items = list(accesses)
    if not items:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", CHAIN_LOCK)
    last = AccessLogEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    prev = last or GENESIS
    now = timezone.now()
    entries = []
    for item in items:
        entry = AccessLogEntry(
            at=now,
            actor_kind=actor_kind,
            actor=actor[:200],
            family_ref=item.family_ref,
            action=action,
            object_type=item.object_type,
            object_ref=item.object_ref,
            purpose=purpose[:200],
            origin=origin[:200],
            prev_hash=prev,
        )
        entry.hash = prev = entry_hash(entry.prev_hash, entry)
        entries.append(entry)
    AccessLogEntry.objects.bulk_create(entries)
    return len(entries)


@dataclass(frozen=True)
class Break:
    entry_id: int
    problem: str


def verify_chain() -> Iterator[Break]:
    """Every entry whose content does not match its hash, or that does not link to the one
    before it (an entry was removed or inserted)."""
    prev = GENESIS
    for entry in AccessLogEntry.objects.order_by("id").iterator(chunk_size=5000):
        if entry.prev_hash != prev:
            yield Break(entry.id, "does not follow the entry before it (one removed or inserted?)")
        if entry_hash(entry.prev_hash, entry) != entry.hash:
            yield Break(entry.id, "content changed after it was written")
        prev = entry.hash


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
