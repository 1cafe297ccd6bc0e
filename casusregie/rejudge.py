"""Re-judge this case: how a change reaches the rulebook without calling up to it.

A change that can alter what the rulebook says about a case (a referral answered, a plan agreed,
a youth's school recorded) happens in an app below the rulebook (``flags``). It does not call
the rulebook: it writes a ``SweepRequest`` row, here in the bottom floor, in its own transaction
(``request_case_sweep``), so a committed change always has its request. The rulebook takes the
requests (``flags.services.sweep_requested``) and judges all requested cases in one sweep.

To be quick about it, the rulebook also registers a *nudge* (``consume_with``, from its
``AppConfig.ready``): a callable run on commit of every request, which queues that sweep within
a second. A lost nudge costs only time: beat runs the same sweep every minute.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from .models import Case, SweepRequest

_nudges: list[Callable[[], None]] = []


def consume_with(nudge: Callable[[], None]) -> None:
    """Run ``nudge`` on commit of every transaction that requested a re-judgement."""
    if nudge not in _nudges:
        _nudges.append(nudge)


def request_case_sweep(*cases: Case | int) -> None:
    """Re-judge these cases within seconds of a change, once the change is committed.

    A request row in the change's transaction, and on commit the registered nudges (the
    rulebook's: a run within a second, shared with the other changes of that second), which
    judge every requested case at once. When a nudge is lost (Redis down) the requests wait
    for beat's next run, a minute at most.
    """
    case_ids = sorted({c if isinstance(c, int) else c.pk for c in cases})
    if not case_ids:
        return
    SweepRequest.objects.bulk_create([SweepRequest(case_id=case_id) for case_id in case_ids])
    for nudge in _nudges:
        transaction.on_commit(nudge)
