"""The family page's education and closing sections: their forms and what the page shows of
them (``closing_sections``). The views that change them are ``worker.views.closing``."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from casusregie import services
from casusregie.models import (
    Case,
    CloseReason,
    EducationStatus,
    Family,
    SchoolType,
    validate_brin,
    validate_phone,
)
from casusregie.policies import may_close_case

from .selectors import families as selectors

CHANGE_PERM = "casusregie.change_family_record"
_DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class EducationPeriodForm(forms.Form):
    status = forms.ChoiceField(label=_lazy("Status"), choices=EducationStatus.choices)
    from_date = forms.DateField(label=_lazy("Vanaf"), widget=_DATE)
    school = forms.CharField(label=_lazy("School"), max_length=200, required=False)
    school_brin = forms.CharField(
        label=_lazy("BRIN-code"),
        max_length=4,
        min_length=4,
        required=False,
        help_text=_lazy("4 tekens: 2 cijfers en 2 letters of cijfers, zoals 12AB."),
    )
    school_type = forms.ChoiceField(
        label=_lazy("Soort onderwijs"),
        choices=[("", "–"), *SchoolType.choices],
        required=False,
    )
    attendance_officer = forms.CharField(
        label=_lazy("Leerplichtambtenaar"), max_length=200, required=False
    )
    attendance_officer_phone = forms.CharField(
        label=_lazy("Telefoon leerplicht"),
        max_length=20,
        required=False,
        validators=[validate_phone],
    )
    attendance_officer_email = forms.EmailField(label=_lazy("E-mail leerplicht"), required=False)

    def clean_school_brin(self) -> str:
        value = self.cleaned_data["school_brin"].strip().upper()
        if value:
            validate_brin(value)
        return value


class CloseCaseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_lazy("Reden van afsluiten"), choices=[("", "–"), *CloseReason.choices]
    )
    note = forms.CharField(
        label=_lazy("Toelichting"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_lazy("Verplicht bij 'anders'."),
    )
    handed_over_to = forms.CharField(
        label=_lazy("Warme overdracht aan"),
        max_length=200,
        required=False,
        help_text=_lazy(
            "De persoon of organisatie in de basis die het gezin verder ondersteunt "
            "(niet bij overlijden)."
        ),
    )
    closed_on = forms.DateField(label=_lazy("Gesloten op"), widget=_DATE)


def education_prefix(youth_ref: str) -> str:
    return f"onderwijs-{youth_ref}"


def period_prefix(period_id: int) -> str:
    return f"periode-{period_id}"


def closing_sections(
    request: HttpRequest, family: Family, case: Case | None, bound: dict, *, can_change: bool
) -> dict:
    """What the family page's education and closing partials show: per youth its periods with
    a correction form each and a form for a new period (``bound``: the forms as they were sent,
    after an error); the closing form for who may close; the closed case; whether to reopen."""
    editable = can_change and case is not None
    today = timezone.localdate()
    education = []
    for youth in family.youths.all():
        periods = list(youth.education.all())  # newest first (prefetched)
        prefix = education_prefix(youth.ref)
        education.append(
            {
                "youth": youth,
                "periods": [
                    (
                        p,
                        bound.get(period_prefix(p.pk))
                        or (
                            EducationPeriodForm(
                                prefix=period_prefix(p.pk),
                                initial={f: getattr(p, f) for f in services.EDUCATION_FIELDS},
                            )
                            if editable
                            else None
                        ),
                    )
                    for p in periods
                ],
                "form": bound.get(prefix)
                or (
                    EducationPeriodForm(prefix=prefix, initial={"from_date": today})
                    if editable
                    else None
                ),
            }
        )
    may_close = editable and may_close_case(request.user, case, selectors.current_regisseur(case))
    closed = [c for c in family.cases.all() if not c.is_open]  # newest first (prefetched)
    return {
        "education": education,
        "education_editable": editable,
        "close_form": (bound.get("afsluiten") or CloseCaseForm(prefix="afsluiten"))
        if may_close
        else None,
        "closed_case": closed[0] if closed and case is None else None,
        "may_reopen": can_change and case is None and bool(closed),
    }
