"""Forms of the plan editor. Choices come from objects already read (no query per form)."""

from __future__ import annotations

from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from .models import EvaluationOutcome, GoalStatus, PerspectiveKind


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


class PerspectiveNotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Toelichting"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10000,
    )
