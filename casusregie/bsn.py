"""BSN (burgerservicenummer) validation: the 11-proef, via python-stdnum."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.nl import bsn as stdnum_bsn


def is_valid_bsn(value: str) -> bool:
    return bool(value) and len(value) == 9 and value.isdigit() and stdnum_bsn.is_valid(value)


def validate_bsn(value: str) -> None:
    if not is_valid_bsn(value):
        # Never echo the number itself: it must not reach logs or error reports.
        raise ValidationError(_("Geen geldig BSN (11-proef)."), code="invalid_bsn")
