"""Forms of the plan editor. Choices come from objects already read (no query per form)."""

from __future__ import annotations

from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from .models import (
    AdultService,
    EvaluationOutcome,
    GoalStatus,
    PerspectiveKind,
    PerspectivePart,
    PerspectivePlan,
)
from .services import PART_MAX_LENGTH, PartInput


def date_input() -> forms.DateInput:
    # ISO, whatever the locale: what <input type="date"> reads and sends.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GoalForm(forms.Form):
    text = forms.CharField(
        label=_("Doel"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    explanations = forms.MultipleChoiceField(
        label=_("Hoort bij de verklaringen"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Elk doel komt voort uit een of meer verklaringen uit de analyse."),
    )

    def __init__(self, *args, explanations=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["explanations"].choices = [
            (str(e.pk), f"{i}. {Truncator(e.text).chars(90)}")
            for i, e in enumerate(explanations, start=1)
        ]

    def explanation_ids(self) -> list[int]:
        return [int(i) for i in self.cleaned_data["explanations"]]


class ActionForm(forms.Form):
    description = forms.CharField(
        label=_("Actie"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    owner_worker = forms.ChoiceField(label=_("Wie (medewerker)"), required=False)
    owner = forms.CharField(
        label=_("Of wie (naam)"),
        required=False,
        max_length=200,
        help_text=_("Bijvoorbeeld ‘moeder’, ‘de mentor op school’ of ‘Lisa zelf’."),
    )
    due_on = forms.DateField(label=_("Uiterlijk op"), widget=date_input())

    def __init__(self, *args, workers=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.workers = {str(w.pk): w for w in workers}
        self.fields["owner_worker"].choices = [("", _("– geen medewerker –"))] + [
            (str(w.pk), str(w)) for w in workers
        ]

    def worker(self):
        return self.workers.get(self.cleaned_data.get("owner_worker") or "")


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status van het doel"),
        choices=GoalStatus.choices,
        error_messages={
            "required": _("Kies een status van het doel."),
            "invalid_choice": _("Kies een status van het doel: open, behaald of gestopt."),
        },
    )


def outcome_field(required: bool) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Uitkomst"),
        choices=[("", _("– kies een uitkomst –")), *EvaluationOutcome.choices],
        required=required,
        help_text=_(
            "Wat betekent de evaluatie voor de hulp: doorgaan, afschalen, stoppen of "
            "opschalen/escaleren?"
        ),
        error_messages={
            "required": _("Kies de uitkomst van de evaluatie."),
            "invalid_choice": _(
                "Kies de uitkomst: doorgaan, afschalen, stoppen of opschalen/escaleren."
            ),
        },
    )


class EvaluationOutcomeForm(forms.Form):
    outcome = outcome_field(required=True)


class EvaluationPlanForm(forms.Form):
    planned_on = forms.DateField(label=_("Evaluatie gepland op"), widget=date_input())


class EvaluationRecordForm(forms.Form):
    held_on = forms.DateField(label=_("Gehouden op"), widget=date_input())
    notes = forms.CharField(
        label=_("Samenvatting"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
        help_text=_("Wat leverde de evaluatie op: welke doelen zijn bereikt, wat verandert?"),
    )
    outcome = outcome_field(required=True)
    next_planned_on = forms.DateField(
        label=_("Volgende evaluatie op"), required=False, widget=date_input()
    )


class AgreeForm(forms.Form):
    agreed_on = forms.DateField(label=_("Afgesproken op"), widget=date_input())


class PerspectiveForm(forms.Form):
    youth = forms.ChoiceField(label=_("Jeugdige"))
    kind = forms.ChoiceField(label=_("Soort"), choices=PerspectiveKind.choices)
    started_on = forms.DateField(label=_("Gestart op"), widget=date_input())
    notes = forms.CharField(
        label=_("Toelichting"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10000,
    )

    def __init__(self, *args, youths=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.youths = {str(y.pk): y for y in youths}
        self.fields["youth"].choices = [(str(y.pk), y.name) for y in youths]

    def chosen_youth(self):
        return self.youths[self.cleaned_data["youth"]]


PART_HELP = {
    PerspectivePart.HOUSING: _("Waar gaat de jeugdige wonen, met welke begeleiding?"),
    PerspectivePart.SCHOOL_OR_WORK: _("Opleiding, stage, werk of dagbesteding."),
    PerspectivePart.INCOME: _("Toeslagen, studiefinanciering, uitkering, loon; wie helpt?"),
    PerspectivePart.HELP_AT_HOME: _("Welke hulp het gezin thuis houdt of krijgt."),
    PerspectivePart.ADULT_SERVICES: _("Het contact: met wie, waar en wanneer."),
}


def _part_text() -> forms.CharField:
    return forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=PART_MAX_LENGTH
    )


class PerspectivePlanForm(forms.Form):
    """The notes and the structured parts of a perspective plan: each a text, or marked not
    applicable; for the adult services contact also which services. A refusal of a part (from
    ``plans.services``, keyed by the part) is shown next to its text."""

    notes = forms.CharField(
        label=_("Toelichting"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10000,
    )
    housing = _part_text()
    housing_na = forms.BooleanField(required=False)
    school_or_work = _part_text()
    school_or_work_na = forms.BooleanField(required=False)
    income = _part_text()
    income_na = forms.BooleanField(required=False)
    help_at_home = _part_text()
    help_at_home_na = forms.BooleanField(required=False)
    adult_services_services = forms.MultipleChoiceField(
        label=_("Contact volwassenenzorg: welke"),
        choices=AdultService.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    adult_services = _part_text()
    adult_services_na = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for value, label in PerspectivePart.choices:
            self.fields[value].label = label
            self.fields[value].help_text = PART_HELP[value]
            self.fields[f"{value}_na"].label = _("%(part)s: niet van toepassing") % {"part": label}
        self.fields["adult_services"].label = _("Contact volwassenenzorg: met wie")

    @staticmethod
    def values_of(plan: PerspectivePlan) -> dict:
        """The form's values for what ``plan`` holds now."""
        values: dict = {"notes": plan.notes}
        for part in PerspectivePart.values:
            values[part] = getattr(plan, part)
            values[f"{part}_na"] = getattr(plan, f"{part}_na")
        values["adult_services_services"] = plan.adult_service_values()
        return values

    @classmethod
    def bound_to(cls, plan: PerspectivePlan, prefix: str) -> PerspectivePlanForm:
        """A bound form with what ``plan`` holds: to show a refusal of agreeing it next to
        the parts it is about."""
        data = MultiValueDict()
        for name, value in cls.values_of(plan).items():
            key = f"{prefix}-{name}"
            if isinstance(value, list):
                data.setlist(key, value)
            elif value is True:
                data[key] = "on"
            elif value is not False:
                data[key] = value
        return cls(data, prefix=prefix)

    def parts_input(self) -> dict[str, PartInput]:
        data = self.cleaned_data
        return {
            part: PartInput(
                text=data[part],
                not_applicable=data[f"{part}_na"],
                services=tuple(data["adult_services_services"])
                if part == PerspectivePart.ADULT_SERVICES
                else (),
            )
            for part in PerspectivePart.values
        }
