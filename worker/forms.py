"""Forms of the worker pages that more than one page shows."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from casusregie.models import Worker

from .selectors import families as selectors


class TransferForm(forms.Form):
    to_worker = forms.ModelChoiceField(label=_lazy("Nieuwe regisseur"), queryset=Worker.objects)
    note = forms.CharField(
        label=_lazy("Toelichting voor de nieuwe regisseur"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_worker"].queryset = selectors.team_colleagues(case)
