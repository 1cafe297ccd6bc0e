"""Forms of the expert-table pages (Dutch labels; the services check the business rules)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from referrals.lifecycle import Status
from referrals.models import Product, Provider

from .models import ABOVE_REGION_TO, DecisionKind, InvitationKind
from .services import EXTERNAL_KINDS, session_label

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class DeclinedReferralField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, referral) -> str:
        return _("%(product)s bij %(provider)s voor %(youth)s, afgewezen %(on)s: %(reason)s") % {
            "product": referral.product.name,
            "provider": referral.provider.name,
            "youth": referral.youth.name,
            "on": referral.answered_on.strftime("%d-%m-%Y") if referral.answered_on else "–",
            "reason": referral.decline_reason or referral.decline_code or "–",
        }


class EscalationForm(forms.Form):
    """The regisseur's aanmelding: the question, what was tried, the declined referrals."""

    reason = forms.CharField(
        label=_lazy("Vraag aan de experttafel"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    tried = forms.CharField(
        label=_lazy("Wat is al geprobeerd?"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    declined_referrals = DeclinedReferralField(
        label=_lazy("Afgewezen verwijzingen"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    consent = forms.ChoiceField(
        label=_lazy("Toestemming van het gezin voor bespreking aan de experttafel"),
        choices=[
            ("given", _lazy("Het gezin geeft toestemming")),
            ("not_yet", _lazy("Nog niet gevraagd of nog geen toestemming")),
        ],
        widget=forms.RadioSelect,
        help_text=_lazy(
            "Zonder toestemming ziet de tafel alleen de gezinsreferentie en de vraag: geen "
            "namen, geen analyse, geen plan."
        ),
    )
    consent_given_on = forms.DateField(
        label=_lazy("Toestemming gegeven op"), required=False, widget=DATE
    )

    def __init__(self, *args, case, has_consent: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if has_consent:  # nothing to ask: the consent in force is shown on the page
            del self.fields["consent"], self.fields["consent_given_on"]
        else:
            self.fields["consent_given_on"].initial = timezone.localdate()
        self.fields["declined_referrals"].queryset = (
            case.referrals.filter(status=Status.DECLINED)
            .select_related("product", "provider", "youth")
            .order_by("-answered_on", "id")
        )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("consent") == "given":
            data["consent_given_on"] = data.get("consent_given_on") or timezone.localdate()
        else:
            data["consent_given_on"] = None
        return data


class ConsentForm(forms.Form):
    """The task on the family page: record the family's consent for the table."""

    given_on = forms.DateField(label=_lazy("Toestemming gegeven op"), widget=DATE)


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_lazy("Datum van de zitting"), widget=DATE)
    starts_at = forms.TimeField(label=_lazy("Begint om"), widget=TIME)
    ends_at = forms.TimeField(label=_lazy("Eindigt om"), widget=TIME)
    place = forms.CharField(label=_lazy("Plaats"), max_length=200, required=False)
    video_url = forms.CharField(
        label=_lazy("Videolink (https://…)"),
        max_length=500,
        required=False,
        widget=forms.URLInput,
    )
    members = forms.ModelMultipleChoiceField(
        label=_lazy("Leden"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, members, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members


class AgendaForm(forms.Form):
    """Put an escalation on a session's agenda; ``sessions`` is a list (one query per page)."""

    session = forms.ChoiceField(label=_lazy("Zitting"))

    def __init__(self, *args, sessions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = [(s.ref, session_label(s)) for s in sessions]


class DecisionForm(forms.Form):
    """The chair's record of a decision. Products and providers come in as lists, so a page
    with many agenda items reads them once."""

    kind = forms.ChoiceField(
        label=_lazy("Besluit"), choices=DecisionKind.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_lazy("Advies, afspraken of redenen"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    product = forms.ChoiceField(label=_lazy("Product (bij maatwerk of plaatsing)"), required=False)
    providers = forms.MultipleChoiceField(
        label=_lazy("Aanbieder(s) (bij maatwerk of plaatsing)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    follow_up_on = forms.DateField(label=_lazy("Vervolg op"), widget=DATE)
    family_text = forms.CharField(
        label=_lazy("Uitleg voor het gezin, in eenvoudige woorden (voor de brief)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    passed_to = forms.ChoiceField(
        label=_lazy("Bovenregionaal naar (bij bovenregionaal doorzetten)"),
        choices=[("", "—")] + [(k.value, k.label) for k in ABOVE_REGION_TO],
        required=False,
    )
    passed_on = forms.DateField(
        label=_lazy("Doorgezet op (bij de Raad of bovenregionaal; leeg: de dag van de zitting)"),
        required=False,
        widget=DATE,
    )

    def __init__(self, *args, products, providers, kinds=None, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault(
            "follow_up_on", timezone.localdate() + dt.timedelta(days=42)
        )
        super().__init__(*args, **kwargs)
        if kinds is not None:  # the kinds of decision this table takes
            self.fields["kind"].choices = [(k, DecisionKind(k).label) for k in kinds]
        if DecisionKind.ABOVE_REGION not in (kinds or DecisionKind.values):
            del self.fields["passed_to"]
        self._products = {str(p.pk): p for p in products}
        self._providers = {str(p.pk): p for p in providers}
        self.fields["product"].choices = [("", "—")] + [
            (key, f"{p.name} ({p.segment.name})") for key, p in self._products.items()
        ]
        self.fields["providers"].choices = [(k, p.name) for k, p in self._providers.items()]

    def clean_product(self) -> Product | None:
        return self._products.get(self.cleaned_data["product"])

    def clean_providers(self) -> list[Provider]:
        return [self._providers[key] for key in self.cleaned_data["providers"]]


class OutcomeForm(forms.Form):
    """The answer to a decision that passed the case on (the Raad's investigation)."""

    outcome = forms.CharField(
        label=_lazy("Uitkomst"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome_on = forms.DateField(label=_lazy("Uitkomst op"), widget=DATE)


class CallForm(forms.Form):
    """Calling a table for a case: the question, and what was tried."""

    reason = forms.CharField(
        label=_lazy("Vraag aan de tafel"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    tried = forms.CharField(
        label=_lazy("Wat is al geprobeerd?"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TailoredReferralForm(forms.Form):
    youth = forms.ChoiceField(label=_lazy("Voor welke jeugdige?"), widget=forms.RadioSelect)
    question = forms.CharField(
        label=_lazy("Hulpvraag voor de aanbieder"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, youths, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["youth"].choices = [(y.ref, y.name) for y in youths]
        if len(youths) == 1:
            self.fields["youth"].initial = youths[0].ref


class InvitationForm(forms.Form):
    """Invite someone outside the system for an agenda item: a parent, the youth, a guest."""

    kind = forms.ChoiceField(
        label=_lazy("Wie"),
        choices=[(k, InvitationKind(k).label) for k in EXTERNAL_KINDS],
    )
    name = forms.CharField(label=_lazy("Naam"), max_length=200)
    email = forms.EmailField(label=_lazy("E-mailadres"), max_length=254)


class AgendaItemForm(forms.Form):
    """The chair's notes on an agenda item: its duration on the agenda, and the minutes."""

    duration_minutes = forms.IntegerField(label=_lazy("Duur (minuten)"), min_value=5, max_value=240)
    minutes = forms.CharField(
        label=_lazy("Notulen"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
