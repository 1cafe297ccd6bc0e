"""The portal's forms: input only; the rules are the referral services'."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from plans.models import AdultService, Evaluation, PerspectiveKind, PerspectivePart, PerspectivePlan
from plans.services import PART_MAX_LENGTH, PartInput
from referrals.codes import decline_reasons, ijw_end_reasons
from referrals.models import PROGRESS_TEXT_MAX, Product, ProgressScale, Provider


class VersionForm(forms.Form):
    """Every change carries the version the page showed: a change made meanwhile (by the API
    or a colleague) is refused by the service's version check."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AcceptForm(VersionForm):
    pass


class DeclineForm(VersionForm):
    reason_code = forms.ChoiceField(label=_("Reden"), choices=())
    reason = forms.CharField(
        label=_("Toelichting"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Verplicht bij ‘anders’."),
    )
    alternative_provider = forms.ModelChoiceField(
        label=_("Andere aanbieder"),
        queryset=Provider.objects.none(),
        required=False,
        empty_label=_("— geen —"),
    )
    alternative_product = forms.ModelChoiceField(
        label=_("Ander product"),
        queryset=Product.objects.none(),
        required=False,
        empty_label=_("— geen —"),
    )
    no_alternative_known = forms.BooleanField(
        label=_("Geen alternatief bekend"),
        required=False,
        help_text=_(
            "Bij geen capaciteit of niet de juiste zorg: noem een andere aanbieder of een ander "
            "product, of kies dit uitdrukkelijk."
        ),
    )

    def __init__(self, *args, providers, products, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason_code"].choices = [("", _("— kies —")), *decline_reasons().items()]
        self.fields["alternative_provider"].queryset = providers
        self.fields["alternative_product"].queryset = products


class StartForm(VersionForm):
    started_on = forms.DateField(
        label=_("Zorg gestart op"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_started_on(self):
        value = self.cleaned_data["started_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("De start van de zorg ligt niet in de toekomst."))
        return value


class EndForm(VersionForm):
    ended_on = forms.DateField(
        label=_("Zorg beëindigd op"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_code = forms.ChoiceField(label=_("Reden beëindiging (iJw)"), choices=())
    reason = forms.CharField(
        label=_("Toelichting"), required=False, max_length=500, widget=forms.TextInput
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end_code"].choices = [("", _("— kies —")), *ijw_end_reasons().items()]

    def clean_ended_on(self):
        value = self.cleaned_data["ended_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Het einde van de zorg ligt niet in de toekomst."))
        return value


class CapacityForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), empty_label=_("— kies —")
    )
    available_places = forms.IntegerField(label=_("Vrije plaatsen"), min_value=0, max_value=100_000)
    expected_wait_days = forms.IntegerField(
        label=_("Verwachte wachttijd (dagen)"), min_value=0, max_value=3650, required=False
    )

    def __init__(self, *args, products, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products


class StaffForm(forms.Form):
    username = forms.CharField(label=_("Gebruikersnaam"), max_length=150)
    name = forms.CharField(label=_("Naam"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False)
    password = forms.CharField(
        label=_("Startwachtwoord"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("De medewerker logt hiermee in en koppelt dan de authenticator-app."),
    )


class GoalProgressForm(forms.Form):
    """Where one goal of the plan stands (``report_goal_progress``): one form per goal on the
    referral page, prefixed by the goal's id."""

    scale = forms.ChoiceField(
        label=_("Voortgang"), choices=ProgressScale.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Toelichting"),
        max_length=PROGRESS_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Beschrijf kort de voortgang op dit doel.")},
        strip=False,  # the service strips and checks it
    )
    evaluation = forms.TypedChoiceField(
        label=_("Voor de evaluatie"), coerce=int, required=False, empty_value=None, choices=()
    )

    def __init__(self, *args, evaluations: list[Evaluation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.evaluations = {e.pk: e for e in evaluations}
        self.fields["evaluation"].choices = [
            ("", _("— geen —")),
            *(
                (e.pk, _("evaluatie van %(on)s") % {"on": date_format(e.planned_on, "j F Y")})
                for e in evaluations
            ),
        ]

    def chosen_evaluation(self) -> Evaluation | None:
        pk = self.cleaned_data.get("evaluation")
        return self.evaluations.get(pk) if pk is not None else None


class PerspectivePlanForm(forms.Form):
    """The perspective plan's five parts, each a text or "niet van toepassing"; the adult
    services contact also which services. ``version``: the plan's version shown (empty while
    there is none yet)."""

    kind = forms.ChoiceField(widget=forms.HiddenInput, choices=PerspectiveKind.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    notes = forms.CharField(
        label=_("Toelichting"),
        required=False,
        max_length=PART_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for part in PerspectivePart:
            self.fields[part.value] = forms.CharField(
                label=part.label,
                required=False,
                max_length=PART_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"{part.value}_na"] = forms.BooleanField(
                label=_("%(part)s: niet van toepassing") % {"part": part.label}, required=False
            )
            if part == PerspectivePart.ADULT_SERVICES:
                self.fields["adult_services_services"] = forms.MultipleChoiceField(
                    label=_("Welke volwassenenzorg"),
                    choices=AdultService.choices,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
        self.fields["notes"] = self.fields.pop("notes")  # the notes after the parts

    @classmethod
    def initial_of(cls, kind: str, plan: PerspectivePlan | None) -> dict:
        """The form's initial values: the plan as it is (or nothing yet)."""
        initial: dict = {"kind": kind}
        if plan is None:
            return initial
        initial |= {"version": plan.version, "notes": plan.notes}
        for part in PerspectivePart.values:
            initial[part] = getattr(plan, part)
            initial[f"{part}_na"] = getattr(plan, f"{part}_na")
        initial["adult_services_services"] = plan.adult_service_values()
        return initial

    def parts_input(self) -> dict[str, PartInput]:
        data = self.cleaned_data
        return {
            part: PartInput(
                text=data[part],
                not_applicable=data[f"{part}_na"],
                services=(
                    tuple(data["adult_services_services"])
                    if part == PerspectivePart.ADULT_SERVICES
                    else ()
                ),
            )
            for part in PerspectivePart.values
        }
