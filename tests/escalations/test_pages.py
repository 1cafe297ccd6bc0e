"""The expert-table pages: scope (foreign region = 404), consent, access log, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casusregie.models import AccessLogEntry, Consent
from escalations import services
from escalations.models import AgendaItem, Escalation
from referrals.lifecycle import Status
from referrals.models import Referral
from tests.conftest import verified_login
from tests.factories import LocalTeamFactory, MunicipalityFactory, ProductFactory, ProviderFactory
from worker.views.expert_table import PURPOSE_TABLE

from .conftest import days_ago, today

pytestmark = pytest.mark.django_db


def log_since(before: int) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.order_by("id")[before:])


@pytest.fixture
def foreign_case(make_case, other_region):
    elsewhere = MunicipalityFactory(code="GM0546", region=other_region)
    return make_case(
        in_municipality=elsewhere,
        local_team=LocalTeamFactory(municipalities=[elsewhere]),
        youth_name="Verre Buur",
    )


# --- 1. the regisseur's aanmelding -------------------------------------------------------------


def test_the_regisseur_escalates_from_the_family_page_flow(
    client, make_case, regisseur, declined_referral
):
    case = make_case()
    declined = declined_referral(case)
    verified_login(client, regisseur)
    family_page = client.get(reverse("family-detail", args=[case.family.ref])).content.decode()
    url = reverse("escalation-submit", args=[case.family.ref])
    assert url in family_page
    page = client.get(url).content.decode()
    assert "Dagbehandeling in groep bij Jeugdzorg Horizon" in page  # the declined referral
    before = AccessLogEntry.objects.count()
    response = client.post(
        url,
        {
            "reason": "Geen passend aanbod: wat kan wel?",
            "tried": "Ambulante hulp, school erbij.",
            "declined_referrals": [declined.pk],
        },
    )
    assert response.status_code == 302
    escalation = Escalation.objects.get(case=case)
    assert escalation.tried == "Ambulante hulp, school erbij."
    assert list(escalation.declined_referrals.all()) == [declined]
    (entry,) = log_since(before)
    assert (entry.action, entry.object_ref, entry.family_ref) == (
        "change",
        escalation.ref,
        case.family.ref,
    )


def test_the_form_supplements_the_open_escalation(client, make_case, regisseur, escalate):
    case = make_case()
    first = escalate(case, reason="Aangemeld door de signalering.")
    verified_login(client, regisseur)
    response = client.post(
        reverse("escalation-submit", args=[case.family.ref]),
        {"reason": "Welke school kan dit kind aan?"},
        follow=True,
    )
    assert "toegevoegd aan de open aanmelding" in response.content.decode()
    first.refresh_from_db()
    assert first.reason == "Aangemeld door de signalering.\n\nWelke school kan dit kind aan?"
    assert Escalation.objects.count() == 1


def test_an_empty_question_is_refused_with_the_form_again(client, make_case, regisseur):
    case = make_case()
    verified_login(client, regisseur)
    response = client.post(reverse("escalation-submit", args=[case.family.ref]), {"reason": ""})
    assert response.status_code == 400
    assert not Escalation.objects.exists()


def test_the_table_member_does_not_escalate(client, make_case, member):
    case = make_case()
    verified_login(client, member)
    url = reverse("escalation-submit", args=[case.family.ref])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404


# --- 2. the queue ------------------------------------------------------------------------------


def test_the_queue_shows_the_region_s_waiting_escalations_oldest_first(
    client, make_case, escalate, member, foreign_case
):
    newer = escalate(make_case(), submitted_on=days_ago(3))
    older = escalate(make_case(), submitted_on=days_ago(12))
    foreign = escalate(foreign_case)
    verified_login(client, member)
    page = client.get(reverse("expert-table-queue")).content.decode()
    assert page.index(older.ref) < page.index(newer.ref)
    assert "12 dagen wachtend" in page and "3 dagen wachtend" in page
    assert foreign.ref not in page and "Verre Buur" not in page


def test_the_queue_is_paged_oldest_first_and_logs_only_the_page_shown(
    client, make_case, escalate, member, monkeypatch
):
    monkeypatch.setattr("worker.selectors.expert_table.QUEUE_PAGE", 2)
    waiting = [escalate(make_case(), submitted_on=days_ago(10 - n)) for n in range(3)]
    verified_login(client, member)
    before = AccessLogEntry.objects.count()
    first = client.get(reverse("expert-table-queue")).content.decode()
    assert waiting[0].ref in first and waiting[1].ref in first and waiting[2].ref not in first
    assert "Pagina 1 van 2 (3 wachtend)" in first
    logged = {e.family_ref for e in log_since(before)}
    assert logged == {waiting[0].case.family.ref, waiting[1].case.family.ref}
    second = client.get(reverse("expert-table-queue"), {"pagina": 2}).content.decode()
    assert waiting[2].ref in second and waiting[0].ref not in second
    # Not a page number: the first page, not an error.
    not_a_page = client.get(reverse("expert-table-queue"), {"pagina": "x"}).content.decode()
    assert waiting[0].ref in not_a_page


def test_with_consent_the_table_sees_the_case_summary(
    client, make_case, escalate, member, declined_referral
):
    case = make_case()
    declined = declined_referral(case)
    escalate(case, tried="Schoolmaatschappelijk werk.", declined_referrals=[declined])
    verified_login(client, member)
    page = client.get(reverse("expert-table-queue")).content.decode()
    for shown in (
        "Noah de Jong",  # the youth
        "Schulden geven spanning thuis.",  # the analysis's explanations
        "Noah gaat weer naar school.",  # the plan's goals
        "Jeugdzorg Horizon",  # the referral history
        "geen capaciteit",
        "Schoolmaatschappelijk werk.",  # what was tried
        "Anna Regisseur",
    ):
        assert shown in page, shown


def test_the_summary_shows_expiry_and_the_bridging_of_waiting_referrals(
    client, make_case, escalate, member
):
    from referrals.lifecycle import Status
    from tests.factories import ReferralFactory

    case = make_case()
    youth = case.family.youths.first()
    ReferralFactory(
        case=case,
        youth=youth,
        status=Status.EXPIRED,
        sent_on=days_ago(40),
        expired_on=days_ago(12),
    )
    ReferralFactory(
        case=case,
        youth=youth,
        status=Status.SENT,
        sent_on=days_ago(30),
        bridging_from=days_ago(29),
        bridging_description="Wekelijks gesprek",
        bridging_by="Wijkteam Noord",
    )
    ReferralFactory(case=case, youth=youth, status=Status.SENT, sent_on=days_ago(10))
    escalate(case)
    verified_login(client, member)
    page = client.get(reverse("expert-table-queue")).content.decode()
    assert "verlopen zonder antwoord op" in page
    assert "overbrugging: Wekelijks gesprek (Wijkteam Noord)" in page
    assert "geen overbrugging" in page


def test_without_consent_the_table_sees_the_family_ref_and_the_question_only(
    client, make_case, escalate, member
):
    case = make_case(consent=False)
    escalate(case, reason="Welke school past?", tried="Geheim detail.")
    verified_login(client, member)
    before = AccessLogEntry.objects.count()
    page = client.get(reverse("expert-table-queue")).content.decode()
    assert case.family.ref in page and "Welke school past?" in page
    for hidden in (
        "Noah de Jong",
        "Schulden geven spanning thuis.",
        "Noah gaat weer naar school.",
        "Geheim detail.",
    ):
        assert hidden not in page, hidden
    assert {e.object_type for e in log_since(before)} == {"escalation"}


def test_a_consent_withdrawn_today_hides_the_summary_today(client, make_case, escalate, member):
    case = make_case()
    escalate(case)
    Consent.objects.filter(case=case).update(withdrawn_on=today())
    verified_login(client, member)
    assert "Noah de Jong" not in client.get(reverse("expert-table-queue")).content.decode()


def test_every_queue_view_is_in_the_access_log_with_its_purpose(
    client, make_case, escalate, member
):
    consented = escalate(make_case())
    anonymous_case = make_case(consent=False)
    anonymous = escalate(anonymous_case)
    verified_login(client, member)
    before = AccessLogEntry.objects.count()
    client.get(reverse("expert-table-queue"))
    entries = log_since(before)
    assert {(e.family_ref, e.object_type, e.object_ref) for e in entries} == {
        (consented.case.family.ref, "escalation", consented.ref),
        (consented.case.family.ref, "case_summary", consented.case.ref),
        (anonymous_case.family.ref, "escalation", anonymous.ref),
    }
    assert {e.purpose for e in entries} == {PURPOSE_TABLE}
    assert all(e.actor.startswith(member.ref) and e.action == "read" for e in entries)


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# Measured on the queue with consented and anonymous escalations, as the chair (who also gets
# the sessions to plan on): session, user, roles, region check, escalations, agenda items,
# flags, declined referrals, youths, analyses + explanations, plans + goals, referrals,
# regisseurs, sessions, the access log (the entries, the chain's seal) and the menu's count of
# unread meldingen.
QUEUE_QUERIES = 24  # + the user's tables (the table choice)
SESSION_QUERIES = 29  # + the invitations: of the members, and per item; + the user's tables


def test_the_queue_page_s_queries_do_not_grow_with_its_length(
    client, make_case, escalate, chair, session, declined_referral
):
    def add(consent: bool) -> None:
        case = make_case(consent=consent)
        escalation = escalate(case, declined_referrals=[declined_referral(case)])
        services.add_to_agenda(session=session, escalation=escalation, by=chair)

    add(True)
    add(False)
    verified_login(client, chair)
    url = reverse("expert-table-queue")
    few = queries_of(client, url)
    for consent in (True, True, False, True):
        add(consent)
    assert queries_of(client, url) == few == QUEUE_QUERIES


def test_the_session_page_s_queries_do_not_grow_with_its_agenda(
    client, make_case, escalate, chair, session, tailored
):
    def add(consent: bool) -> None:
        services.add_to_agenda(
            session=session, escalation=escalate(make_case(consent=consent)), by=chair
        )

    add(True)
    add(False)
    tailored(escalate(make_case()))
    verified_login(client, chair)
    url = reverse("expert-table-session", args=[session.ref])
    few = queries_of(client, url)
    for consent in (True, False, True):
        add(consent)
    tailored(escalate(make_case()))
    assert queries_of(client, url) == few == SESSION_QUERIES


# --- 5. permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["expert-table-queue", "expert-table-sessions", "expert-table-figures"]
)
def test_only_members_of_a_table_see_its_pages(
    client, name, regisseur, team_lead, policy_officer, member, chair
):
    for outsider in (regisseur, team_lead, policy_officer):
        verified_login(client, outsider)
        assert client.get(reverse(name)).status_code == 404
    for insider in (member, chair):
        verified_login(client, insider)
        assert client.get(reverse(name)).status_code == 200


def test_a_session_of_another_region_is_a_404(client, session, foreign_member, foreign_chair):
    for outsider in (foreign_member, foreign_chair):
        verified_login(client, outsider)
        assert client.get(reverse("expert-table-session", args=[session.ref])).status_code == 404


def test_the_chair_of_another_region_cannot_touch_this_table(
    client, make_case, escalate, chair, session, foreign_chair
):
    escalation = escalate(make_case())
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    verified_login(client, foreign_chair)
    posts = [
        (reverse("expert-table-agenda-add", args=[escalation.ref]), {}),
        (reverse("expert-table-agenda-remove", args=[session.ref, escalation.ref]), {}),
        (reverse("expert-table-decision", args=[session.ref, escalation.ref]), {}),
        (reverse("escalation-close", args=[escalation.ref]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert AgendaItem.objects.filter(escalation=escalation).exists()


def test_members_see_sessions_but_only_the_chair_plans_and_decides(
    client, make_case, escalate, chair, member, session
):
    escalation = escalate(make_case())
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    verified_login(client, member)
    page = client.get(reverse("expert-table-session", args=[session.ref])).content.decode()
    assert escalation.ref in page and "Besluit vastleggen" not in page
    assert (
        client.post(reverse("expert-table-session-plan"), {"held_on": "2026-12-01"}).status_code
        == 404
    )
    url = reverse("expert-table-decision", args=[session.ref, escalation.ref])
    assert client.post(url, {}).status_code == 404


def test_the_regisseur_sees_the_outcome_of_their_own_escalations_only(
    client, make_case, escalate, tailored, regisseur, team, foreign_case
):
    from tests.factories import WorkerFactory

    mine = tailored(escalate(make_case()))
    colleague = WorkerFactory(local_team=team)
    theirs = make_case(worker=colleague)
    escalate(theirs)
    verified_login(client, regisseur)
    page = client.get(reverse("escalation-inbox")).content.decode()
    assert mine.escalation.ref in page and "Maatwerk: gezinsbegeleiding" in page
    assert theirs.family.ref not in page
    send = reverse("escalation-send-referral", args=[escalate(foreign_case).ref])
    assert client.post(send, {}).status_code == 404


# --- 3 + 4. the chair's session, the decision, back to the regisseur ----------------------------


def test_from_escalation_to_sent_maatwerk_through_the_pages(
    client, make_case, escalate, chair, member, regisseur
):
    case = make_case()
    escalation = escalate(case)
    product = ProductFactory(name="Maatwerk onderwijszorg", specialist=False)
    provider = ProviderFactory(name="De Schakel Onderwijszorg")
    verified_login(client, chair)
    response = client.post(
        reverse("expert-table-session-plan"),
        {
            "held_on": today().isoformat(),
            "starts_at": "14:00",
            "ends_at": "16:00",
            "place": "Stadskantoor, zaal 3",
            "members": [member.pk],
        },
    )
    assert response.status_code == 302
    session = chair.table_sessions.get()
    assert set(session.members.all()) == {chair, member}
    response = client.post(
        reverse("expert-table-agenda-add", args=[escalation.ref]),
        {f"agenda-{escalation.ref}-session": session.ref},
    )
    assert response.status_code == 302
    assert session.items.get().escalation == escalation
    before = AccessLogEntry.objects.count()
    prefix = f"besluit-{escalation.ref}"
    response = client.post(
        reverse("expert-table-decision", args=[session.ref, escalation.ref]),
        {
            f"{prefix}-kind": "tailored",
            f"{prefix}-text": "Onderwijszorg op maat, twee dagdelen.",
            f"{prefix}-product": product.pk,
            f"{prefix}-providers": [provider.pk],
            f"{prefix}-follow_up_on": (today() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    (entry,) = log_since(before)
    assert (entry.object_type, entry.action, entry.purpose) == ("decision", "change", PURPOSE_TABLE)
    escalation.refresh_from_db()
    assert escalation.discussed_on == today()

    verified_login(client, regisseur)
    inbox = client.get(reverse("escalation-inbox")).content.decode()
    assert "Onderwijszorg op maat, twee dagdelen." in inbox and "Verwijzing verzenden" in inbox
    youth = case.family.youths.get()
    response = client.post(
        reverse("escalation-send-referral", args=[escalation.ref]),
        {
            f"verwijzing-{escalation.ref}-youth": youth.ref,
            f"verwijzing-{escalation.ref}-question": "Graag snel starten.",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get(case=case)
    assert (referral.provider, referral.product, referral.status) == (
        provider,
        product,
        Status.SENT,
    )
    response = client.post(reverse("escalation-close", args=[escalation.ref]))
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.closed_on == today()
    assert escalation.ref not in client.get(reverse("escalation-inbox")).content.decode()


def test_an_incomplete_decision_shows_the_session_again_with_its_errors(
    client, make_case, escalate, chair, session
):
    escalation = escalate(make_case())
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    verified_login(client, chair)
    prefix = f"besluit-{escalation.ref}"
    response = client.post(
        reverse("expert-table-decision", args=[session.ref, escalation.ref]),
        {
            f"{prefix}-kind": "tailored",
            f"{prefix}-text": "maatwerk",
            f"{prefix}-follow_up_on": today().isoformat(),
        },
    )
    assert response.status_code == 400
    assert "noemt het product en de aanbieder(s)" in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.discussed_on is None


def test_the_session_page_is_in_the_access_log(client, make_case, escalate, chair, member, session):
    escalation = escalate(make_case(consent=False))
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    verified_login(client, member)
    before = AccessLogEntry.objects.count()
    page = client.get(reverse("expert-table-session", args=[session.ref])).content.decode()
    assert "Noah de Jong" not in page
    (entry,) = log_since(before)
    assert (entry.family_ref, entry.object_ref, entry.purpose) == (
        escalation.case.family.ref,
        escalation.ref,
        PURPOSE_TABLE,
    )
