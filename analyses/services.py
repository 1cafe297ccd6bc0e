"""Writes of the verklarende analyse: drafting, versions and establishing it with the family.

Versions and ``is_current`` (the choice made here)
--------------------------------------------------
``is_current`` marks the version *in force*: the one the provider API shares
(``referrals.selectors``), the one ``referrals.services.send_referral`` and the database trigger
of referrals migration 0003 require to be established before a specialist referral is sent,
and the one the dossier export carries. So a version becomes current only when there is
nothing better in force:

- the first version of a case starts as a *current draft* (nothing is in force yet);
- editing an established analysis never changes it: ``start_analysis`` writes a new version
  beside it, a *non-current draft* (version + 1) with copies of the findings, the explanations
  (with their links to findings; ``derived_from`` points at the original) and the strengths.
  The established version stays current while the draft is written, so the family keeps its
  established analysis: referrals can still be sent and providers keep seeing what was agreed;
- ``establish_analysis`` needs the youth or the carers among the participants and at least one
  explanation; it sets status established and ``established_on`` today, takes ``is_current``
  from the earlier version (first, for the partial unique index) and gives it to the new one,
  in one transaction under a lock on the case (the plan's goals follow the copies of their
  explanations through ``plans.services.establish_analysis_with_plan``, the floor above);
- earlier versions stay as they were (established, not current) and are never edited again;
  a draft of a new version may be discarded, the established version is then simply kept.

The database allows one current analysis and one draft per case (partial unique constraints).
The rulebook's REFERRAL_WITHOUT_ANALYSIS and CRISIS_ANALYSIS_OVERDUE look at any established
version, not only the current one: a referral sent while version 1 was in force stays valid when
version 2 is established.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from casusregie.models import Case
from casusregie.rejudge import request_case_sweep
from casusregie.services import family_plain_text

from .models import (
    Analysis,
    AnalysisDomain,
    AnalysisStatus,
    DomainFinding,
    Explanation,
    FamilyStory,
    Participant,
    Strength,
)

#: Establishing needs at least one of these among the participants: the analysis is made
#: *with* the family (seed 001, pijler 1.1).
FAMILY_PARTICIPANTS = frozenset({Participant.YOUTH, Participant.CARERS})


def _locked_open_case(case: Case) -> Case:
    """The case row, locked for the rest of the transaction, so that two workers starting or
    establishing a version at once run one after the other."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        raise ValidationError(_("Deze casus is gesloten."))
    return case


def _locked_draft(analysis: Analysis) -> Analysis:
    analysis = Analysis.objects.select_for_update().select_related("case").get(pk=analysis.pk)
    if analysis.status != AnalysisStatus.DRAFT:
        raise ValidationError(
            _(
                "Deze versie is vastgesteld en blijft zoals zij is. Begin een nieuwe versie om "
                "de analyse te wijzigen."
            )
        )
    if not analysis.case.is_open:
        raise ValidationError(_("Deze casus is gesloten."))
    return analysis


@transaction.atomic
def start_analysis(*, case: Case) -> Analysis:
    """The draft to work on: version 1 (current) for a case without an analysis, otherwise a
    new, not yet current version with a copy of the current one's content."""
    case = _locked_open_case(case)
    if Analysis.objects.filter(case=case, status=AnalysisStatus.DRAFT).exists():
        raise ValidationError(_("Er is al een concept van de analyse; werk daarin verder."))
    current = Analysis.objects.filter(case=case, is_current=True).first()
    last = Analysis.objects.filter(case=case).aggregate(v=Max("version"))["v"] or 0
    if current is None:
        return Analysis.objects.create(case=case, version=last + 1, is_current=True)
    draft = Analysis.objects.create(
        case=case, version=last + 1, is_current=False, participants=list(current.participants)
    )
    findings = {
        f.pk: DomainFinding(analysis=draft, domain=f.domain, text=f.text)
        for f in current.findings.all()
    }
    DomainFinding.objects.bulk_create(findings.values())
    explanations = list(current.explanations.prefetch_related("findings"))
    copies = Explanation.objects.bulk_create(
        Explanation(analysis=draft, position=e.position, text=e.text, derived_from=e)
        for e in explanations
    )
    Explanation.findings.through.objects.bulk_create(
        Explanation.findings.through(explanation_id=copy.pk, domainfinding_id=findings[f.pk].pk)
        for original, copy in zip(explanations, copies, strict=True)
        for f in original.findings.all()
    )
    Strength.objects.bulk_create(
        Strength(analysis=draft, position=s.position, text=s.text) for s in current.strengths.all()
    )
    return draft


@transaction.atomic
def set_participants(*, analysis: Analysis, participants: Iterable[str]) -> Analysis:
    """Who took part in making the analysis (the youth, the carers, the network, school, …)."""
    analysis = _locked_draft(analysis)
    chosen = set(participants)
    unknown = chosen - set(Participant.values)
    if unknown:
        raise ValidationError(_("Onbekende deelnemer: %(value)s.") % {"value": sorted(unknown)[0]})
    analysis.participants = [p for p in Participant.values if p in chosen]
    analysis.save(update_fields=["participants", "updated_at"])
    return analysis


@transaction.atomic
def save_findings(*, analysis: Analysis, texts: Mapping[str, str]) -> Analysis:
    """What was found per domain; an empty text removes the domain's finding (and its links to
    explanations). Domains not in ``texts`` stay as they are."""
    analysis = _locked_draft(analysis)
    unknown = set(texts) - set(AnalysisDomain.values)
    if unknown:
        raise ValidationError(_("Onbekend domein: %(value)s.") % {"value": sorted(unknown)[0]})
    existing = {f.domain: f for f in analysis.findings.all()}
    for domain, raw in texts.items():
        text = (raw or "").strip()
        finding = existing.get(domain)
        if not text:
            if finding is not None:
                finding.delete()
        elif finding is None:
            DomainFinding.objects.create(analysis=analysis, domain=domain, text=text)
        elif finding.text != text:
            finding.text = text
            finding.save(update_fields=["text"])
    analysis.save(update_fields=["updated_at"])
    return analysis


def _findings_of(analysis: Analysis, finding_ids: Iterable[int]) -> list[DomainFinding]:
    ids = {int(i) for i in finding_ids}
    found = list(DomainFinding.objects.filter(analysis=analysis, pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError(_("Koppel een verklaring alleen aan bevindingen van deze analyse."))
    return found


def _text(value: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(message)
    return text


@transaction.atomic
def add_explanation(
    *, analysis: Analysis, text: str, finding_ids: Iterable[int] = ()
) -> Explanation:
    """A verklaring / hypothese, linked to the findings (across domains) it explains."""
    analysis = _locked_draft(analysis)
    text = _text(text, _("Schrijf de verklaring op."))
    findings = _findings_of(analysis, finding_ids)
    last = analysis.explanations.aggregate(p=Max("position"))["p"]
    explanation = Explanation.objects.create(
        analysis=analysis, text=text, position=0 if last is None else last + 1
    )
    explanation.findings.set(findings)
    return explanation


@transaction.atomic
def change_explanation(
    *, explanation: Explanation, text: str, finding_ids: Iterable[int] = ()
) -> Explanation:
    analysis = _locked_draft(explanation.analysis)
    text = _text(text, _("Schrijf de verklaring op."))
    findings = _findings_of(analysis, finding_ids)
    explanation.text = text
    explanation.save(update_fields=["text"])
    explanation.findings.set(findings)
    return explanation


@transaction.atomic
def remove_explanation(*, explanation: Explanation) -> None:
    """Remove an explanation from a draft (goals linked to it lose that link)."""
    _locked_draft(explanation.analysis)
    explanation.delete()


@transaction.atomic
def add_strength(*, analysis: Analysis, text: str) -> Strength:
    """A kracht / beschermende factor of the family or its network."""
    analysis = _locked_draft(analysis)
    text = _text(text, _("Schrijf de kracht op."))
    last = analysis.strengths.aggregate(p=Max("position"))["p"]
    return Strength.objects.create(
        analysis=analysis, text=text, position=0 if last is None else last + 1
    )


@transaction.atomic
def remove_strength(*, strength: Strength) -> None:
    _locked_draft(strength.analysis)
    strength.delete()


def establishing_problems(analysis: Analysis) -> list[str]:
    """Why ``analysis`` cannot be established yet (empty when it can), in Dutch."""
    problems = []
    if not FAMILY_PARTICIPANTS & set(analysis.participants):
        problems.append(
            _(
                "De analyse wordt met het gezin gemaakt: vink aan dat de jeugdige of de "
                "opvoeders hebben deelgenomen voordat u haar vaststelt."
            )
        )
    if not analysis.explanations.exists():
        problems.append(_("Leg ten minste één verklaring vast voordat u de analyse vaststelt."))
    return problems


@transaction.atomic
def establish_analysis(*, analysis: Analysis) -> Analysis:
    """Establish the draft with the family today; it becomes the current version (the earlier
    one is kept, no longer current) and the plan's goals follow the copied explanations."""
    case = _locked_open_case(analysis.case)
    analysis = _locked_draft(analysis)
    problems = establishing_problems(analysis)
    if problems:
        raise ValidationError(problems)
    previous = (
        Analysis.objects.select_for_update()
        .filter(case=case, is_current=True)
        .exclude(pk=analysis.pk)
        .first()
    )
    if previous is not None:
        previous.is_current = False  # first: one current analysis per case (partial index)
        previous.save(update_fields=["is_current", "updated_at"])
    analysis.is_current = True
    analysis.status = AnalysisStatus.ESTABLISHED
    analysis.established_on = timezone.localdate()
    analysis.save(update_fields=["is_current", "status", "established_on", "updated_at"])
    request_case_sweep(case.pk)
    return analysis


@transaction.atomic
def discard_draft(*, analysis: Analysis) -> None:
    """Throw away the draft of a new version; the established version stays in force. The
    first version of a case is its only analysis and is not thrown away."""
    analysis = _locked_draft(analysis)
    if analysis.is_current:
        raise ValidationError(
            _(
                "Dit is de enige versie van de analyse; werk haar bij in plaats van haar weg te "
                "gooien."
            )
        )
    analysis.delete()


# --- "ons verhaal": the family's own words (the gezinsportaal) --------------------------------

FAMILY_STORY_MAX = 4000


@transaction.atomic
def write_family_story(*, analysis: Analysis, account, text: str) -> FamilyStory:
    """A family account writes (or rewrites) its own words on the analysis; only while it is a
    draft: an established analysis stays as it was established."""
    analysis = _locked_draft(analysis)
    if analysis.case.family_id != account.family_id:
        raise ValidationError(_("Deze analyse hoort niet bij uw gezin."))
    story, _created = FamilyStory.objects.update_or_create(
        analysis=analysis,
        account=account,
        defaults={
            "text": family_plain_text(text, max_length=FAMILY_STORY_MAX),
            "written_at": timezone.now(),
        },
    )
    return story
