"""Forms of the referral pages: the bridging support (overbrugging) of a waiting referral, as
the wizard asks it when sending and the family page when the referral waits.

The forms check the input for a clear Dutch error beside the field; ``services.record_bridging``
stays the one that decides (who, which referral, the sent date).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy


def _date_input() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class BridgingForm(forms.Form):
    """What bridges the wait, by whom, from when. ``not_before``: the earliest day it may
    start (the referral's sent date; today when it is sent now). With ``required=False`` (the
    wizard) the three fields may all stay empty; a date without a description, or the other way
    round, is an error."""

    bridging_description = forms.CharField(
        label=_lazy("Overbrugging: wat"),
        max_length=500,
        required=False,
        help_text=_lazy("Bijvoorbeeld: wekelijks gesprek met de jeugdverpleegkundige."),
    )
    bridging_by = forms.CharField(label=_lazy("Door wie"), max_length=200, required=False)
    bridging_from = forms.DateField(label=_lazy("Vanaf"), required=False, widget=_date_input())

    def __init__(self, *args, not_before: dt.date, required: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.not_before, self.required = not_before, required
        if required:
            self.fields["bridging_description"].required = True
            self.fields["bridging_from"].required = True
        self.fields["bridging_description"].error_messages["required"] = _lazy(
            "Beschrijf wat de overbrugging is."
        )
        self.fields["bridging_from"].error_messages.update(
            required=_lazy("Vul in vanaf wanneer de overbrugging loopt."),
            invalid=_lazy("Vul een geldige datum in."),
        )

    def clean(self) -> dict:
        data = super().clean()
        description = (data.get("bridging_description") or "").strip()
        provided_by = (data.get("bridging_by") or "").strip()
        on_from = data.get("bridging_from")
        if "bridging_from" in self.errors or "bridging_description" in self.errors:
            return data
        if on_from is not None and not description:
            self.add_error("bridging_description", _("Beschrijf wat de overbrugging is."))
        elif (description or provided_by) and on_from is None:
            self.add_error("bridging_from", _("Vul in vanaf wanneer de overbrugging loopt."))
        elif on_from is not None and on_from < self.not_before:
            self.add_error(
                "bridging_from",
                _("De overbrugging begint niet vóór %(day)s (de verzenddatum).")
                % {"day": date_format(self.not_before, "j F Y")},
            )
        data["bridging_description"], data["bridging_by"] = description, provided_by
        return data

    @property
    def has_bridging(self) -> bool:
        """Valid and filled in: there is bridging to record."""
        return self.cleaned_data.get("bridging_from") is not None


class RecordBridgingForm(BridgingForm):
    """The family page's form for a waiting referral: the version read, for a stale page."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
