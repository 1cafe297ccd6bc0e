"""Forms of the worker pages that more than one page shows."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from casusregie.models import Role, Worker

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


class MoveForm(forms.Form):
    destination = forms.ChoiceField(label=_lazy("Naar team en gemeente"))
    note = forms.CharField(
        label=_lazy("Toelichting voor het ontvangende team"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, destinations: list[tuple[str, str]], **kwargs) -> None:
        # Ids of its own: the hand-over form on the same page has a "note" too, and one id
        # twice tied this form's label to the other form's field (found by the browser test).
        kwargs.setdefault("auto_id", "id_verhuizing_%s")
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = [("", "—"), *destinations]


class MoveConfirmForm(forms.Form):
    regisseur = forms.ModelChoiceField(
        label=_lazy("Nieuwe regisseur"),
        queryset=Worker.objects.none(),
        required=False,
        empty_label=_lazy("(ik zelf, of later toewijzen)"),
    )

    def __init__(self, *args, team_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regisseur"].queryset = Worker.objects.filter(
            local_team_id=team_id, is_active=True, role_memberships__role=Role.REGISSEUR
        ).order_by("name")
