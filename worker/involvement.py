"""The family page's section "Betrokkenen": the forms to add, correct and end an involved
professional, and what the section shows (the people around the family, the referrals'
referrers)."""

from __future__ import annotations

import dataclasses

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from casusregie.models import Case, InvolvedProfessional, InvolvedRole
from casusregie.policies import may_hand_over
from casusregie.services import Involvement

from .selectors import families as selectors

DATE_WIDGET = {"format": "%Y-%m-%d", "attrs": {"type": "date"}}


class InvolvedForm(forms.Form):
    role = forms.ChoiceField(
        label=_lazy("Rol"), choices=[("", "—"), *InvolvedRole.choices], required=True
    )
    organisation = forms.CharField(label=_lazy("Organisatie"), max_length=200)
    contact_name = forms.CharField(label=_lazy("Contactpersoon"), max_length=200, required=False)
    phone = forms.CharField(
        label=_lazy("Telefoon"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_lazy("E-mail"), required=False)
    from_date = forms.DateField(
        label=_lazy("Betrokken vanaf"), widget=forms.DateInput(**DATE_WIDGET)
    )
    holds_regie = forms.BooleanField(
        label=_lazy("Regie bij de GI"),
        required=False,
        help_text=_lazy(
            "Alleen voor een GI onder een kinderbeschermingsmaatregel: de GI heeft tijdelijk de "
            "regie, de regisseur blijft betrokken."
        ),
    )

    def to_involvement(self) -> Involvement:
        data = self.cleaned_data
        return Involvement(
            role=data["role"],
            organisation=data["organisation"].strip(),
            from_date=data["from_date"],
            contact_name=data["contact_name"].strip(),
            phone=data["phone"].strip(),
            email=data["email"],
            holds_regie=data["holds_regie"],
        )


class CorrectInvolvementForm(InvolvedForm):
    """A correction of what was recorded (a typo, a wrong date): every field again, with the
    end date if one was set; the change history keeps the old values."""

    until = forms.DateField(
        label=_lazy("Betrokken tot"),
        required=False,
        widget=forms.DateInput(**DATE_WIDGET),
        help_text=_lazy("Leeg laten als de betrokkenheid doorloopt."),
    )

    def __init__(self, *args, professional_id: int, **kwargs) -> None:
        kwargs.setdefault("prefix", correction_prefix(professional_id))
        super().__init__(*args, **kwargs)

    @classmethod
    def of(cls, professional: InvolvedProfessional) -> CorrectInvolvementForm:
        """Unbound, showing what is recorded now."""
        return cls(
            professional_id=professional.pk,
            initial={
                key: getattr(professional, key)
                for key in (
                    "role",
                    "organisation",
                    "contact_name",
                    "phone",
                    "email",
                    "from_date",
                    "until",
                    "holds_regie",
                )
            },
        )

    def to_involvement(self) -> Involvement:
        return dataclasses.replace(super().to_involvement(), until=self.cleaned_data["until"])


def correction_prefix(professional_id: int) -> str:
    return f"correctie-{professional_id}"


class EndInvolvementForm(forms.Form):
    until = forms.DateField(label=_lazy("Betrokken tot"), widget=forms.DateInput(**DATE_WIDGET))

    def __init__(self, *args, professional_id: int, **kwargs) -> None:
        kwargs.setdefault("prefix", f"einde-{professional_id}")
        super().__init__(*args, **kwargs)


#: The bound forms a failed POST hands back to the page.
PEOPLE_FORMS = frozenset(
    {"involved_form", "end_form", "end_form_for", "correct_form", "correct_form_for"}
)


def people_section(
    user,
    case: Case | None,
    can_change: bool,
    *,
    involved_form=None,
    end_form=None,
    end_form_for=None,
    correct_form=None,
    correct_form_for=None,
) -> dict:
    """The section's context: who is involved, the referrers, and the forms (bound after an
    error, so nothing typed is lost). ``can_change``: the user's right to change the family's
    record (the page asks it once)."""
    if case is None:
        return {"people": None}
    people = selectors.people_around(case)
    may_edit = can_change and may_hand_over(user, case, selectors.current_regisseur(case))
    today = timezone.localdate()
    end_forms, correct_forms = {}, {}
    for professional in people.current:
        if professional.pk == end_form_for and end_form is not None:
            end_forms[professional.pk] = end_form  # as sent, with its errors
        elif may_edit:
            end_forms[professional.pk] = EndInvolvementForm(
                professional_id=professional.pk, initial={"until": today}
            )
        if professional.pk == correct_form_for and correct_form is not None:
            correct_forms[professional.pk] = correct_form  # as sent, with its errors
        elif may_edit:
            correct_forms[professional.pk] = CorrectInvolvementForm.of(professional)
    return {
        "people": people,
        "people_current": [
            (p, end_forms.get(p.pk), correct_forms.get(p.pk)) for p in people.current
        ],
        "may_edit_people": may_edit or bool(end_forms) or bool(correct_forms),
        "involved_form": involved_form  # as sent, with its errors
        or (InvolvedForm(initial={"from_date": today}) if may_edit else None),
        "referrers": [(r, r.get_referrer_display()) for r in case.referrals.all()],
    }
