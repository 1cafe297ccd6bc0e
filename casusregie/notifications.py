"""Meldingen: how any app tells a worker there is news about a case, in the change's transaction.

A change in any floor (a provider's answer in ``referrals``, a hand-over here, a decision of the
expert table, a sweep that opened flags) writes its ``Notification`` rows through this module,
in its own transaction: a committed change always has its melding, a rolled-back one none.

- ``notify(worker_ids, kind, case, text, ...)``: for the named workers (a hand-over: the worker
  it is offered to).
- ``notify_regisseur(case, kind, text, ...)``: for the case's current regisseur (none when the
  case has none today).

Each is one ``INSERT … SELECT`` (the recipients and the family's ref are read by the statement
itself), skips the worker who made the change (``by``) and inactive workers, and links to the
family page of the case unless told otherwise. A row is marked ``email_due`` when its recipient
opted in to e-mail and has an address; then, on commit, the mailer is nudged
(``casusregie.tasks.send_notification_emails``), and beat's run picks up a lost nudge.

The sweep writes its meldingen for newly opened flags set-based in its own SQL
(``flags.services``) with ``EMAIL_DUE_SQL`` and ``mail_on_commit`` from here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.utils import timezone

from .models import Case, Notification, NotificationKind, Worker

FAMILY_PAGE = "family-detail"

# Whether a worker ``w`` gets a melding by e-mail: opted in, with an address.
EMAIL_DUE_SQL = "(w.email_notifications AND w.email <> '')"

# Composed from constants here (the table's name, the recipients' joins); values are parameters.
_INSERT = f"""
INSERT INTO {Notification._meta.db_table}
    (recipient_id, kind, case_id, text, url_name, url_args, created_at, email_due)
SELECT w.id, %(kind)s, c.id, %(text)s, %(url_name)s,
       COALESCE(%(url_args)s::jsonb, jsonb_build_array(fa.ref)), now(), {EMAIL_DUE_SQL}
FROM casusregie_case c
JOIN casusregie_family fa ON fa.id = c.family_id
{{recipients}}
WHERE c.id = %(case)s AND w.is_active AND w.id IS DISTINCT FROM %(by)s
RETURNING email_due
"""  # noqa: S608

_NAMED = "JOIN casusregie_worker w ON w.id = ANY(%(workers)s::bigint[])"
_CURRENT_REGISSEUR = """
JOIN casusregie_regisseurperiod p ON p.case_id = c.id
     AND p.from_date <= %(day)s AND (p.until IS NULL OR p.until > %(day)s)
JOIN casusregie_worker w ON w.id = p.worker_id"""


def mail_on_commit() -> None:
    """Nudge the mailer once the current transaction commits (at once outside one)."""
    from .tasks import send_notification_emails

    transaction.on_commit(send_notification_emails.soon)


def _insert(recipients: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_INSERT.format(recipients=recipients), params)
        due = [row[0] for row in cursor.fetchall()]
    if any(due):
        mail_on_commit()
    return len(due)


def _params(
    kind: NotificationKind,
    case: Case | int,
    text: str,
    url_name: str,
    url_args: Sequence[str | int] | None,
    by: Worker | None,
) -> dict:
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    return {
        "kind": str(kind),
        "case": case if isinstance(case, int) else case.pk,
        "text": str(text)[: Notification._meta.get_field("text").max_length],
        "url_name": url_name,
        # None: the family page of the case (its ref, read by the statement).
        "url_args": None if url_args is None else json.dumps(list(url_args)),
        "by": by.pk if by is not None else None,
    }


def notify(
    worker_ids: Iterable[int],
    kind: NotificationKind,
    case: Case | int,
    text: str,
    url_name: str = FAMILY_PAGE,
    url_args: Sequence[str | int] | None = None,
    *,
    by: Worker | None = None,
) -> int:
    """A melding for each of ``worker_ids`` (active, not ``by``) about ``case``, linking to
    ``url_name`` with ``url_args`` (by default: the family page). Returns how many."""
    ids = sorted({int(pk) for pk in worker_ids})
    if not ids:
        return 0
    params = _params(kind, case, text, url_name, url_args, by) | {"workers": ids}
    return _insert(_NAMED, params)


def notify_regisseur(
    case: Case | int,
    kind: NotificationKind,
    text: str,
    url_name: str = FAMILY_PAGE,
    url_args: Sequence[str | int] | None = None,
    *,
    by: Worker | None = None,
    on: dt.date | None = None,
) -> int:
    """A melding for the case's regisseur on ``on`` (today), unless that is ``by``."""
    params = _params(kind, case, text, url_name, url_args, by) | {"day": on or timezone.localdate()}
    return _insert(_CURRENT_REGISSEUR, params)
