"""Login lockout (django-axes) on two counts: one username from one address, and one address.

``AXES_LOCKOUT_PARAMETERS`` is ``[["username", "ip_address"], "ip_address"]``, in that order:
failures of one username from one address lock that username *from that address* after
``AXES_FAILURE_LIMIT`` (so a stranger elsewhere cannot lock a worker out), and failures from one
address over all usernames lock the address after the higher ``LOCKOUT_ADDRESS_FAILURE_LIMIT``
(so one address cannot try a password on every account). django-axes has one limit for all
parameter sets, so this handler puts the address's count on the username's scale: the address
is locked exactly when its failures reach its own limit. A successful login clears only its own
username + address count, never the address's, so a sprayer's own good login resets nothing.

The address is ``REMOTE_ADDR``; behind a reverse proxy, ``LOCKOUT_CLIENT_ADDRESS_HEADER`` names
the header the proxy sets (or appends to) with the client's address (``client_address``).
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        pair, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        limit = get_failure_limit(request, credentials)
        return max(pair, address * limit // settings.LOCKOUT_ADDRESS_FAILURE_LIMIT)

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        pair = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair.delete()
        return count


def client_address(request: HttpRequest) -> str | None:
    """The client's address for the lockout (``AXES_CLIENT_IP_CALLABLE``).

    With ``LOCKOUT_CLIENT_ADDRESS_HEADER`` set (e.g. ``X-Forwarded-For``) and present: its last
    entry, the one the proxy in front wrote (earlier entries come from the client and are not
    trusted); otherwise ``REMOTE_ADDR``.
    """
    header = settings.LOCKOUT_CLIENT_ADDRESS_HEADER
    if header:
        value = request.META.get(f"HTTP_{header.upper().replace('-', '_')}", "")
        last = value.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")
