"""Forms of the analysis editor. Choices come from objects already read (no query per form)."""

from __future__ import annotations

from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from .models import AnalysisDomain, DomainFinding, Participant


class ParticipantsForm(forms.Form):
    participants = forms.MultipleChoiceField(
        label=_("Wie deden mee aan de analyse?"),
        choices=Participant.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Om de analyse vast te stellen doen de jeugdige of de opvoeders mee."),
    )


class FindingsForm(forms.Form):
    """One text per domain; an empty text means nothing was found in that domain."""

    def __init__(self, *args, findings: list[DomainFinding] = (), **kwargs) -> None:
        by_domain = {f.domain: f.text for f in findings}
        kwargs.setdefault("initial", by_domain)
        super().__init__(*args, **kwargs)
        for domain in AnalysisDomain:
            self.fields[domain.value] = forms.CharField(
                label=domain.label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                max_length=5000,
            )


def finding_choices(findings: list[DomainFinding]) -> list[tuple[str, str]]:
    return [
        (str(f.pk), f"{f.get_domain_display()}: {Truncator(f.text).chars(80)}") for f in findings
    ]


class ExplanationForm(forms.Form):
    text = forms.CharField(
        label=_("Verklaring"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("Waarom ontstaan de problemen in dit gezin? Verbind de domeinen."),
    )
    findings = forms.MultipleChoiceField(
        label=_("Verklaart deze bevindingen"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, findings: list[DomainFinding] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["findings"].choices = finding_choices(findings)
        if not findings:
            del self.fields["findings"]

    def finding_ids(self) -> list[int]:
        return [int(i) for i in self.cleaned_data.get("findings", [])]


class StrengthForm(forms.Form):
    text = forms.CharField(
        label=_("Kracht of beschermende factor"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )
