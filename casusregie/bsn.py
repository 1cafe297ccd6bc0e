"""BSN (burgerservicenummer) validation: the 11-proef, via python-stdnum."""

import random

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.nl import bsn as stdnum_bsn


def is_valid_bsn(value: str) -> bool:
    return bool(value) and len(value) == 9 and value.isdigit() and stdnum_bsn.is_valid(value)


def validate_bsn(value: str) -> None:
    if not is_valid_bsn(value):
        # Never echo the number itself: it must not reach logs or error reports.
        raise ValidationError(_("Geen geldig BSN (11-proef)."), code="invalid_bsn")


def synthetic_bsn(rng: random.Random) -> str:
    """A made-up 9-digit number that passes the 11-proef: for demo and test data only."""
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
        last = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if last < 10:
            return "".join(map(str, digits)) + str(last)
