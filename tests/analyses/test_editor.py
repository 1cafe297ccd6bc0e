"""The analysis editor: drafting with the family, establishing, versions, scope, logging."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analyses import services
from analyses.models import Analysis, AnalysisDomain, AnalysisStatus, Explanation
from casusregie.models import AccessAction, AccessLogEntry, Role
from flags.models import Flag
from flags.rules import RULES_BY_CODE
from flags.services import sweep
from plans import services as plans
from referrals import services as referrals
from referrals.lifecycle import Status
from tests.factories import (
    ContractFactory,
    ProductFactory,
    ReferralFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db


def url(name: str, family, **kwargs) -> str:
    return reverse(name, kwargs={"ref": family.ref, **kwargs})


def draft_with(case, *, participants=("carers",), explanations=1, findings=1) -> Analysis:
    """A draft (version 1) with findings in the first domains, explanations and a strength."""
    draft = services.start_analysis(case=case)
    services.set_participants(analysis=draft, participants=participants)
    domains = list(AnalysisDomain)[:findings]
    services.save_findings(analysis=draft, texts={d.value: f"Bevinding {d.label}" for d in domains})
    found = list(draft.findings.all())
    for i in range(explanations):
        services.add_explanation(
            analysis=draft,
            text=f"Verklaring {i + 1}: stress over schulden speelt door in het verzuim",
            finding_ids=[f.pk for f in found],
        )
    services.add_strength(analysis=draft, text="Betrokken oma in de buurt")
    return draft


def established(case, **kwargs) -> Analysis:
    return services.establish_analysis(analysis=draft_with(case, **kwargs))


# --- drafting and establishing through the pages --------------------------------------------------


def test_a_worker_writes_and_establishes_the_analysis_with_the_family(login, regisseur, case):
    client = login(regisseur)
    family = case.family
    page = client.get(url("analysis-editor", family))
    assert page.status_code == 200
    assert "Analyse beginnen" in page.content.decode()

    assert client.post(url("analysis-start", family)).status_code == 302
    draft = Analysis.objects.get(case=case)
    assert (draft.version, draft.is_current, draft.status) == (1, True, AnalysisStatus.DRAFT)

    post = client.post(
        url("analysis-participants", family), {"deelnemers-participants": ["carers", "school"]}
    )
    assert post.status_code == 302
    post = client.post(
        url("analysis-findings", family),
        {
            "bevinding-onderwijs": "Noor verzuimt sinds maart",
            "bevinding-bestaanszekerheid": "Schulden",
        },
    )
    assert post.status_code == 302
    findings = {f.domain: f for f in draft.findings.all()}
    assert set(findings) == {"onderwijs", "bestaanszekerheid"}
    post = client.post(
        url("analysis-explanation-add", family),
        {
            "nieuw-text": "De geldzorgen thuis maken dat Noor niet naar school durft",
            "nieuw-findings": [findings["onderwijs"].pk, findings["bestaanszekerheid"].pk],
        },
    )
    assert post.status_code == 302
    explanation = draft.explanations.get()
    assert set(explanation.findings.values_list("domain", flat=True)) == set(findings)
    assert (
        client.post(url("analysis-strength-add", family), {"kracht-text": "Oma"}).status_code == 302
    )

    page = client.get(url("analysis-editor", family)).content.decode()
    assert "De geldzorgen thuis" in page and "Noor verzuimt sinds maart" in page

    assert client.post(url("analysis-establish", family)).status_code == 302
    draft.refresh_from_db()
    assert draft.status == AnalysisStatus.ESTABLISHED
    assert draft.established_on == timezone.localdate()
    assert draft.is_current
    assert draft.participants == ["carers", "school"]


@pytest.mark.parametrize(
    ("participants", "accepted"),
    [
        (["carers"], True),
        (["youth"], True),
        (["youth", "carers", "school"], True),
        (["school", "network", "gp"], False),
        ([], False),
    ],
)
def test_establishing_needs_the_youth_or_the_carers(login, regisseur, case, participants, accepted):
    draft = draft_with(case, participants=participants)
    response = login(regisseur).post(url("analysis-establish", case.family))
    draft.refresh_from_db()
    if accepted:
        assert response.status_code == 302
        assert draft.status == AnalysisStatus.ESTABLISHED
    else:
        assert response.status_code == 400
        assert "de jeugdige of de opvoeders" in response.content.decode()
        assert draft.status == AnalysisStatus.DRAFT
        assert draft.established_on is None


def test_establishing_needs_an_explanation(case):
    draft = draft_with(case, explanations=0)
    with pytest.raises(ValidationError, match="ten minste één verklaring"):
        services.establish_analysis(analysis=draft)
    draft.refresh_from_db()
    assert draft.status == AnalysisStatus.DRAFT


def test_the_form_keeps_what_was_typed_when_it_is_refused(login, regisseur, case):
    draft_with(case)
    response = login(regisseur).post(
        url("analysis-explanation-add", case.family), {"nieuw-text": "   "}
    )
    assert response.status_code == 400
    assert 'id="id_nieuw-text_error" role="alert">Dit veld is vereist.' in response.content.decode()


# --- versions -------------------------------------------------------------------------------------


def test_editing_an_established_analysis_keeps_the_earlier_version(login, regisseur, case, youth):
    v1 = established(case, findings=2)
    v1.established_on = dt.date(2026, 2, 1)  # as if established earlier
    v1.save()
    original = v1.explanations.get()
    plan = plans.start_plan(case=case)
    goal = plans.add_goal(
        plan=plan, text="Noor gaat weer naar school", explanation_ids=[original.pk]
    )

    client = login(regisseur)
    assert client.post(url("analysis-start", case.family)).status_code == 302
    v2 = Analysis.objects.get(case=case, version=2)
    v1.refresh_from_db()
    # the new version is a draft beside the established one, which stays in force
    assert (v2.status, v2.is_current) == (AnalysisStatus.DRAFT, False)
    assert (v1.status, v1.is_current) == (AnalysisStatus.ESTABLISHED, True)
    # its content is a copy, links to findings included
    copy = v2.explanations.get()
    assert copy.derived_from == original and copy.text == original.text
    assert sorted(copy.findings.values_list("domain", flat=True)) == sorted(
        v1.findings.values_list("domain", flat=True)
    )
    assert {f.analysis_id for f in copy.findings.all()} == {v2.pk}
    assert list(v2.strengths.values_list("text", flat=True)) == ["Betrokken oma in de buurt"]
    assert v2.participants == v1.participants

    # while the draft is written, a specialist referral can still be sent
    contract = ContractFactory(product=ProductFactory(), municipalities=[case.family.municipality])
    referral = referrals.create_referral(
        case=case,
        youth=youth,
        product=contract.product,
        provider=contract.provider,
        by=referrals.Actor.regisseur(regisseur),
    )
    referrals.send_referral(referral=referral, by=referrals.Actor.regisseur(regisseur))

    # changing the draft leaves the established version as it was
    post = client.post(
        url("analysis-explanation-change", case.family, explanation_id=copy.pk),
        {f"verklaring-{copy.pk}-text": "Nieuwe verklaring na gesprek met school"},
    )
    assert post.status_code == 302
    original.refresh_from_db()
    assert original.text.startswith("Verklaring 1")
    with pytest.raises(ValidationError, match="vastgesteld"):
        services.change_explanation(explanation=original, text="Toch wijzigen")

    assert client.post(url("analysis-establish", case.family)).status_code == 302
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v1.is_current, v1.established_on) == (
        AnalysisStatus.ESTABLISHED,
        False,
        dt.date(2026, 2, 1),
    )
    assert (v2.status, v2.is_current, v2.established_on) == (
        AnalysisStatus.ESTABLISHED,
        True,
        timezone.localdate(),
    )
    # the plan's goal follows the copy of its explanation
    assert list(goal.explanations.all()) == [copy]
    # and the earlier version can still be read
    page = client.get(url("analysis-version", case.family, version=1))
    assert page.status_code == 200
    assert "Verklaring 1" in page.content.decode()


def test_a_referral_sent_under_version_1_is_not_flagged_when_version_2_is_established(case, youth):
    v1 = established(case)
    Analysis.objects.filter(pk=v1.pk).update(established_on=dt.date(2026, 2, 1))
    ReferralFactory(case=case, youth=youth, status=Status.SENT, sent_on=dt.date(2026, 2, 10))
    services.establish_analysis(analysis=services.start_analysis(case=case))
    sweep(timezone.localdate(), case_ids=[case.pk])
    assert not Flag.objects.filter(rule="REFERRAL_WITHOUT_ANALYSIS").exists()


def test_there_is_one_draft_at_a_time(case):
    established(case)
    services.start_analysis(case=case)
    with pytest.raises(ValidationError, match="al een concept"):
        services.start_analysis(case=case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Analysis.objects.create(case=case, version=9, is_current=False)


def test_a_discarded_draft_leaves_the_established_version_in_force(login, regisseur, case):
    v1 = established(case)
    services.start_analysis(case=case)
    assert login(regisseur).post(url("analysis-discard", case.family)).status_code == 302
    assert list(Analysis.objects.filter(case=case)) == [v1]
    v1.refresh_from_db()
    assert v1.is_current and v1.is_established


def test_the_first_version_is_not_discarded(case):
    draft = draft_with(case)
    with pytest.raises(ValidationError, match="enige versie"):
        services.discard_draft(analysis=draft)


def test_a_closed_case_is_not_edited(case):
    draft = draft_with(case)
    case.closed_on = dt.date(2026, 3, 1)
    case.save()
    with pytest.raises(ValidationError, match="gesloten"):
        services.add_strength(analysis=draft, text="Nog een kracht")


# --- scope and the access log ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["analysis-editor", "analysis-version"])
def test_out_of_scope_is_a_404(client, login, case, other_team_worker, policy_worker, name):
    established(case)
    kwargs = {"version": 1} if name == "analysis-version" else {}
    for user in (other_team_worker, policy_worker):
        assert login(user, on=client).get(url(name, case.family, **kwargs)).status_code == 404


def test_a_worker_of_another_team_cannot_establish(login, case, other_team_worker):
    draft = draft_with(case)
    response = login(other_team_worker).post(url("analysis-establish", case.family))
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.status == AnalysisStatus.DRAFT


def test_the_expert_table_reads_a_version_but_does_not_edit(login, case, municipality):
    established(case)
    expert = WorkerFactory(local_team=None, region=municipality.region, roles=[Role.EXPERT_TABLE])
    client = login(expert)
    # without an escalation (and consent) the family is out of the table's scope
    assert client.get(url("analysis-version", case.family, version=1)).status_code == 404
    assert client.get(url("analysis-editor", case.family)).status_code == 404


def test_an_explanation_of_another_family_is_not_found(login, regisseur, case, foreign_case):
    draft_with(case)
    foreign = draft_with(foreign_case)
    explanation = foreign.explanations.get()
    response = login(regisseur).post(
        url("analysis-explanation-delete", case.family, explanation_id=explanation.pk)
    )
    assert response.status_code == 404
    assert Explanation.objects.filter(pk=explanation.pk).exists()


def test_reading_and_changing_write_the_access_log(login, regisseur, case):
    client = login(regisseur)
    before = AccessLogEntry.objects.count()
    assert client.get(url("analysis-editor", case.family)).status_code == 200
    assert client.post(url("analysis-start", case.family)).status_code == 302
    draft = Analysis.objects.get(case=case)
    assert client.get(url("analysis-version", case.family, version=1)).status_code == 200
    entries = list(AccessLogEntry.objects.order_by("id")[before:])
    assert [(e.action, e.object_type) for e in entries] == [
        (AccessAction.READ, "case"),
        (AccessAction.CHANGE, "analysis"),
        (AccessAction.READ, "analysis"),
    ]
    assert {e.family_ref for e in entries} == {case.family.ref}
    assert entries[1].object_ref == str(draft.pk)
    assert all(e.actor.startswith(regisseur.ref) and e.purpose for e in entries)


def test_the_refused_page_is_logged_too(login, regisseur, case):
    draft_with(case, participants=["school"])
    before = AccessLogEntry.objects.count()
    assert login(regisseur).post(url("analysis-establish", case.family)).status_code == 400
    assert AccessLogEntry.objects.count() == before + 1


# --- queries --------------------------------------------------------------------------------------

# session, user, OTP device, roles; the family with its youths and cases; the permission;
# versions, findings, explanations (+ their findings), strengths; open flags; the access log
# (the entries, the chain's seal); the menu's count of unread meldingen; saving the session
EDITOR_QUERIES = 20


def _editor_queries(client, family) -> CaptureQueriesContext:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("analysis-editor", family)).status_code == 200
    return queries


def test_the_editor_has_a_constant_number_of_queries(login, regisseur, case):
    client = login(regisseur)
    draft = draft_with(case, findings=1, explanations=1)
    client.get(url("analysis-editor", case.family))  # warm up (session, content types)
    small = _editor_queries(client, case.family)
    domains = list(AnalysisDomain)[:5]
    services.save_findings(analysis=draft, texts={d.value: f"Bevinding {d}" for d in domains})
    ids = list(draft.findings.values_list("pk", flat=True))
    for i in range(4):
        services.add_explanation(analysis=draft, text=f"Verklaring {i + 2}", finding_ids=ids)
        services.add_strength(analysis=draft, text=f"Kracht {i + 2}")
    assert draft.findings.count() == 5 and draft.explanations.count() == 5
    large = _editor_queries(client, case.family)
    assert len(large) == len(small), "\n".join(q["sql"][:160] for q in large.captured_queries)
    assert len(small) == EDITOR_QUERIES, "\n".join(q["sql"][:160] for q in small.captured_queries)


def test_the_editing_page_meets_the_accessibility_basics(login, regisseur, case):
    from tests.casusregie.test_accessibility import PageAudit

    established(case, findings=3, explanations=2)
    services.start_analysis(case=case)  # the page with every form: a draft of version 2
    response = login(regisseur).get(url("analysis-editor", case.family))
    audit = PageAudit()
    audit.feed(response.content.decode())
    assert audit.lang == "nl" and audit.h1 == 1
    assert {"main", "header", "footer", "nav"} <= set(audit.landmarks)
    for field in audit.fields:
        assert field.get("id") in audit.labels or field["_in_label"], field
    assert all(audit.buttons)
    assert "style=" not in response.content.decode()  # the Content-Security-Policy forbids it


def test_crisis_care_started_without_analysis_shows_on_the_analysis_page(
    login, regisseur, case, youth
):
    """Crisis first, the analysis after: CRISIS_ANALYSIS_OVERDUE asks for it on its own page,
    and establishing it resolves the flag."""
    crisis = ProductFactory(code="CRISIS-OPV", segment="crisis", out_of_home=True, crisis=True)
    started = timezone.localdate() - dt.timedelta(days=14)
    ReferralFactory(
        case=case,
        youth=youth,
        product=crisis,
        status=Status.STARTED,
        sent_on=started,
        answered_on=started,
        started_on=started,
    )
    sweep(timezone.localdate(), case_ids=[case.pk])
    flag = Flag.objects.get(rule="CRISIS_ANALYSIS_OVERDUE")
    assert flag.severity == "warning"
    page = login(regisseur).get(url("analysis-editor", case.family)).content.decode()
    assert str(RULES_BY_CODE["CRISIS_ANALYSIS_OVERDUE"].title) in page
    established(case)
    sweep(timezone.localdate(), case_ids=[case.pk])
    flag.refresh_from_db()
    assert flag.resolved_on == timezone.localdate()
