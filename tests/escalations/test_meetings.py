"""Issue 19: a session is a meeting (time, place or video link, invitees, an agenda with times,
minutes), its decision becomes a letter (page and PDF) and a follow-up the regisseur sees; the
family's consent is asked when escalating; a rulebook escalation says in words what led to it."""

from __future__ import annotations

import datetime as dt

import pghistory.models
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casusregie.models import Consent, ConsentPurpose, Notification, NotificationKind
from escalations import services
from escalations.models import AgendaItem, Escalation, EscalationSource, Invitation
from flags.rules import RULES_BY_CODE
from flags.services import sweep
from referrals.lifecycle import Status
from tests.conftest import verified_login
from tests.factories import EscalationFactory, ProductFactory, ProviderFactory
from worker.selectors import expert_table as selectors

from .conftest import MEETING, days_ago, today

pytestmark = pytest.mark.django_db
T = dt.time


# --- the video link -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://meet.example.org/ret",
        "javascript:alert(1)",
        "data:text/html,hi",
        "https://",
        "https://user:secret@meet.example.org/ret",
        "ftp://meet.example.org/ret",
    ],
)
def test_a_video_link_that_is_not_plain_https_is_refused(url):
    with pytest.raises(ValidationError):
        services.https_video_url(url)


def test_an_https_video_link_is_kept():
    assert services.https_video_url(" https://meet.example.org/ret ") == (
        "https://meet.example.org/ret"
    )


# --- planning -------------------------------------------------------------------------------------


def test_a_session_has_a_time_and_a_place_or_a_video_link(chair):
    with pytest.raises(ValidationError, match="plaats of een videolink"):
        services.plan_session(held_on=today(), starts_at=T(14), ends_at=T(16), by=chair)
    with pytest.raises(ValidationError, match="eindigt na het begin"):
        services.plan_session(
            held_on=today(), starts_at=T(16), ends_at=T(16), place="Zaal 3", by=chair
        )
    with pytest.raises(ValidationError, match="begin- en eindtijd"):
        services.plan_session(held_on=today(), place="Zaal 3", by=chair)
    online = services.plan_session(
        held_on=today(),
        starts_at=T(9),
        ends_at=T(10),
        video_url="https://meet.example.org/ret",
        by=chair,
    )
    assert online.where == "online (video)"


def test_planning_invites_the_members(chair, member, session):
    invited = set(
        Invitation.objects.filter(session=session, kind="member").values_list("worker", flat=True)
    )
    assert invited == {chair.pk, member.pk}


@pytest.mark.parametrize(
    "starts, ends, overlaps",
    [
        (T(12), T(14), False),  # ends when the other begins
        (T(12), T(14, 1), True),  # a minute into it
        (T(15, 59), T(17), True),  # starts a minute before the other ends
        (T(16), T(17), False),  # starts when the other ends
        (T(14), T(16), True),  # the same hours
    ],
)
def test_a_second_session_at_the_same_hour_is_warned_about(chair, session, starts, ends, overlaps):
    other = services.plan_session(
        held_on=today(), starts_at=starts, ends_at=ends, place="Zaal 4", by=chair
    )
    assert (selectors.overlapping_sessions(other) == [session]) is overlaps


def test_a_session_on_another_day_does_not_overlap(chair, session):
    other = services.plan_session(**MEETING, held_on=today() + dt.timedelta(days=1), by=chair)
    assert selectors.overlapping_sessions(other) == []


def test_the_plan_page_warns_but_plans_the_overlapping_session(client, chair, session):
    verified_login(client, chair)
    response = client.post(
        reverse("expert-table-session-plan"),
        {"held_on": today().isoformat(), "starts_at": "15:00", "ends_at": "17:00", "place": "B"},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Let op: er is op dezelfde tijd al een zitting" in page
    assert chair.table_sessions.count() == 2


def test_the_agenda_dropdown_tells_sessions_on_one_day_apart(
    client, chair, session, make_case, escalate
):
    services.plan_session(
        held_on=today(),
        starts_at=T(9),
        ends_at=T(11),
        video_url="https://m.example.org/x",
        by=chair,
    )
    escalation = escalate(make_case())
    verified_login(client, chair)
    page = client.get(reverse("expert-table-queue")).content.decode()
    day = today().strftime("%d-%m-%Y")
    assert f"{day} 14:00–16:00, Stadskantoor, zaal 3" in page
    assert f"{day} 09:00–11:00, online (video)" in page
    assert escalation.ref in page


# --- invitations, agenda times, minutes -----------------------------------------------------------


def test_putting_an_item_on_the_agenda_invites_its_regisseur(chair, regisseur, session, make_case):
    escalation = Escalation.objects.create(
        case=make_case(),
        table=session.table,
        submitted_on=days_ago(3),
        reason="vraag",
    )
    item = services.add_to_agenda(session=session, escalation=escalation, by=chair)
    (invitation,) = item.invitations.all()
    assert (invitation.kind, invitation.worker) == ("regisseur", regisseur)
    note = Notification.objects.get(recipient=regisseur)
    assert note.kind == NotificationKind.TABLE_INVITATION
    assert "14:00–16:00, Stadskantoor, zaal 3" in note.text


def test_the_family_is_invited_by_name_and_a_valid_address_once(
    chair, member, session, make_case, escalate
):
    item = services.add_to_agenda(session=session, escalation=escalate(make_case()), by=chair)
    with pytest.raises(ValidationError, match="geldig e-mailadres"):
        services.invite_person(
            item=item, kind="family", name="Moeder", email="geen-adres", by=chair
        )
    with pytest.raises(ValidationError):
        services.invite_person(item=item, kind="member", name="X", email="x@example.org", by=chair)
    services.invite_person(
        item=item, kind="family", name="Moeder de Vries", email="Moeder@Example.org", by=chair
    )
    with pytest.raises(ValidationError, match="al uitgenodigd"):
        services.invite_person(
            item=item, kind="youth", name="Noah", email="moeder@example.org", by=chair
        )
    with pytest.raises(services.PermissionDenied):
        services.invite_person(item=item, kind="youth", name="N", email="n@example.org", by=member)


def test_the_agenda_has_times_from_the_session_start_and_the_durations(
    chair, session, make_case, escalate
):
    items = [
        services.add_to_agenda(session=session, escalation=escalate(make_case()), by=chair)
        for _ in range(3)
    ]
    services.update_agenda_item(item=items[0], duration_minutes=30, by=chair)
    services.update_agenda_item(item=items[2], duration_minutes=90, by=chair)
    agenda = list(AgendaItem.objects.filter(session=session).order_by("position"))
    selectors.set_planned_starts(session, agenda)
    assert [(i.planned_start, i.planned_end) for i in agenda] == [
        (T(14), T(14, 30)),
        (T(14, 30), T(14, 50)),
        (T(14, 50), T(16, 20)),
    ]
    assert [i.runs_over for i in agenda] == [False, False, True]


def test_minutes_are_kept_with_their_history(chair, member, session, make_case, escalate):
    item = services.add_to_agenda(session=session, escalation=escalate(make_case()), by=chair)
    services.update_agenda_item(item=item, minutes="Eerste versie.", by=chair)
    services.update_agenda_item(item=item, minutes="Tweede versie.", by=chair)
    item.refresh_from_db()
    assert (item.minutes, item.minutes_by) == ("Tweede versie.", chair)
    versions = [
        e.pgh_data["minutes"]
        for e in pghistory.models.Events.objects.tracks(item).order_by("pgh_created_at", "pgh_id")
    ]
    assert versions[-2:] == ["Eerste versie.", "Tweede versie."]
    with pytest.raises(services.PermissionDenied):
        services.update_agenda_item(item=item, minutes="Lid schrijft.", by=member)


# --- the decision letter, the follow-up -----------------------------------------------------------


def _decide(chair, session, escalation, follow_up_on):
    services.add_to_agenda(session=session, escalation=escalation, by=chair)
    return services.record_decision(
        session=session,
        escalation=escalation,
        kind="advice",
        text="Advies: betrek de school bij het plan.",
        family_text="We vragen de school om mee te denken.",
        follow_up_on=follow_up_on,
        by=chair,
    )


def test_the_letter_to_the_family_is_in_plain_words_as_a_page_and_a_pdf(
    client, chair, regisseur, session, make_case, escalate
):
    escalation = escalate(make_case())
    _decide(chair, session, escalation, today() + dt.timedelta(days=14))
    verified_login(client, regisseur)
    page = client.get(reverse("escalation-letter", args=[escalation.ref, "gezin"]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Wat de Experttafel heeft besloten" in text
    assert "De tafel geeft uw regisseur advies." in text
    assert "We vragen de school om mee te denken." in text
    assert "Advies: betrek de school" not in text  # the professionals' words stay out
    to_regisseur = client.get(reverse("escalation-letter", args=[escalation.ref, "regisseur"]))
    assert "Advies: betrek de school bij het plan." in to_regisseur.content.decode()
    pdf = client.get(reverse("escalation-letter-pdf", args=[escalation.ref, "gezin"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("escalation-letter", args=[escalation.ref, "x"])).status_code == 404


def test_the_chair_gets_the_letter_only_with_the_family_s_consent(
    client, chair, session, make_case, escalate
):
    escalation = escalate(make_case(consent=False))
    _decide(chair, session, escalation, today())
    verified_login(client, chair)
    url = reverse("escalation-letter", args=[escalation.ref, "regisseur"])
    assert client.get(url).status_code == 404
    Consent.objects.create(
        case=escalation.case, purpose=ConsentPurpose.EXPERT_TABLE, given_on=today()
    )
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("days_to_follow_up, expected", [(1, 0), (0, 1), (-1, 1)])
def test_the_follow_up_melding_goes_out_on_the_date_once(
    chair, regisseur, session, make_case, escalate, days_to_follow_up, expected
):
    decision = _decide(chair, session, escalate(make_case()), today() + dt.timedelta(days=3))
    decision.follow_up_on = today() + dt.timedelta(days=days_to_follow_up)
    decision.save()
    # The decision's own melding names the follow-up date.
    assert Notification.objects.get(kind="table_decision").text.endswith(
        f"Vervolg op {(today() + dt.timedelta(days=3)):%d-%m-%Y}."
    )
    assert services.notify_follow_ups_due(today()) == expected
    assert services.notify_follow_ups_due(today()) == 0  # once
    notes = Notification.objects.filter(kind=NotificationKind.TABLE_FOLLOW_UP)
    assert [n.recipient for n in notes] == [regisseur] * expected


def test_no_follow_up_melding_once_the_follow_up_is_done(chair, session, make_case, escalate):
    decision = _decide(chair, session, escalate(make_case()), today())
    services.close_escalation(escalation=decision.escalation, by=chair)
    assert services.notify_follow_ups_due(today()) == 0


def test_the_caseload_shows_the_table_s_follow_ups(
    client, chair, regisseur, session, make_case, escalate
):
    escalation = escalate(make_case())
    _decide(chair, session, escalation, today())
    verified_login(client, regisseur)
    page = client.get(reverse("caseload")).content.decode()
    assert "Vervolg op besluiten van de experttafel" in page
    assert f"Gezin {escalation.case.family.ref}: Advies aan de regisseur" in page
    assert "(nu)" in page


# --- consent when escalating ----------------------------------------------------------------------


def test_escalating_asks_and_records_the_family_s_consent(client, make_case, regisseur):
    case = make_case(consent=False)
    verified_login(client, regisseur)
    url = reverse("escalation-submit", args=[case.family.ref])
    assert "Toestemming van het gezin voor bespreking" in client.get(url).content.decode()
    assert client.post(url, {"reason": "Geen aanbod."}).status_code == 400  # the question asked
    response = client.post(
        url, {"reason": "Geen aanbod.", "consent": "given", "consent_given_on": days_ago(1)}
    )
    assert response.status_code == 302
    consent = Consent.objects.get(case=case, purpose=ConsentPurpose.EXPERT_TABLE)
    assert (consent.given_on, consent.recorded_by) == (days_ago(1), regisseur)
    assert "Toestemming van het gezin voor" not in client.get(url).content.decode()


def test_escalating_without_consent_is_possible_and_leaves_a_task(client, make_case, regisseur):
    case = make_case(consent=False)
    verified_login(client, regisseur)
    url = reverse("escalation-submit", args=[case.family.ref])
    assert client.post(url, {"reason": "Geen aanbod.", "consent": "not_yet"}).status_code == 302
    assert not Consent.objects.filter(case=case).exists()
    family_page = client.get(reverse("family-detail", args=[case.family.ref])).content.decode()
    assert "Taak: vraag toestemming voor de experttafel" in family_page


# --- what the rulebook says -----------------------------------------------------------------------


def _declined_case(make_case, consent: bool):
    case = make_case(consent=consent)
    youth = case.family.youths.get()
    declined = case.referrals.create(
        youth=youth,
        product=ProductFactory(name="Dagbehandeling"),
        provider=ProviderFactory(name="Horizon"),
        status=Status.DECLINED,
        sent_on=days_ago(60),
        answered_on=days_ago(59),
        decline_reason="geen plek",
    )
    case.referrals.create(
        youth=youth,
        product=ProductFactory(name="Gezinsbehandeling"),
        provider=ProviderFactory(name="De Brug"),
        status=Status.SENT,
        sent_on=days_ago(70),  # before the decline: not its alternative
    )
    return case, declined


def test_a_rulebook_escalation_says_which_flags_since_when_and_what_was_tried(make_case, regisseur):
    case, declined = _declined_case(make_case, consent=False)
    sweep(today())  # DECLINED_WITHOUT_ALTERNATIVE escalates at once
    escalation = Escalation.objects.get(case=case)
    assert escalation.source == EscalationSource.RULEBOOK
    flags = list(escalation.flags.all())
    assert flags
    for flag in flags:
        title = str(RULES_BY_CODE[flag.rule].title)
        assert f"- {title} (sinds {flag.since:%d-%m-%Y})" in escalation.reason
        assert flag.rule not in escalation.reason  # titles, not codes
    assert "een overtreding bleef te lang open" not in escalation.reason
    assert escalation.tried.splitlines() == [
        f"- Dagbehandeling bij Horizon: afgewezen op {days_ago(59):%d-%m-%Y}, reden: geen plek",
        f"- Gezinsbehandeling bij De Brug: verzonden op {days_ago(70):%d-%m-%Y}, "
        "wacht nog op antwoord",
    ]
    assert list(escalation.declined_referrals.all()) == [declined]
    (ask,) = Notification.objects.filter(kind=NotificationKind.TABLE_CONSENT_NEEDED)
    assert (ask.recipient, ask.url_name, ask.url_args) == (
        regisseur,
        "escalation-submit",
        [case.family.ref],
    )


@pytest.mark.parametrize("cases", [1, 3])
def test_saying_what_the_rulebook_brought_is_three_statements_whatever_the_number(
    make_case, cases, django_assert_num_queries
):
    made = [_declined_case(make_case, consent=False) for _ in range(cases)]
    escalations = [
        EscalationFactory(case=case, source=EscalationSource.RULEBOOK, submitted_on=today())
        for case, _declined in made
    ]
    with django_assert_num_queries(3):
        described, asked = services.describe_rulebook_escalations(
            [(e.pk, "Afgewezen zonder alternatief", days_ago(59)) for e in escalations], today()
        )
    assert (described, asked) == (cases, cases)
    for escalation in escalations:
        escalation.refresh_from_db()
        assert escalation.reason.endswith(
            f"- Afgewezen zonder alternatief (sinds {days_ago(59):%d-%m-%Y})"
        )
        assert len(escalation.tried.splitlines()) == 2
        assert escalation.declined_referrals.count() == 1


def test_with_consent_the_rulebook_does_not_ask_for_it(make_case):
    case, _declined = _declined_case(make_case, consent=True)
    sweep(today())
    assert Escalation.objects.filter(case=case, source=EscalationSource.RULEBOOK).exists()
    assert not Notification.objects.filter(kind=NotificationKind.TABLE_CONSENT_NEEDED).exists()


def test_the_queue_item_without_consent_says_what_is_missing(client, member, make_case, escalate):
    escalate(make_case(consent=False))
    verified_login(client, member)
    page = client.get(reverse("expert-table-queue")).content.decode()
    assert "Wat ontbreekt" in page and "toestemming van het gezin" in page


def test_an_invited_family_gets_an_e_mail_with_when_and_where_and_nothing_of_the_case(
    chair, session, make_case, escalate, mailoutbox, django_capture_on_commit_callbacks
):
    case = make_case()
    item = services.add_to_agenda(session=session, escalation=escalate(case), by=chair)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_person(
            item=item, kind="family", name="Moeder de Vries", email="moeder@example.org", by=chair
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_person(
            item=item, kind="guest", name="Leerplicht", email="lp@example.org", by=chair
        )
    family, guest = mailoutbox
    assert family.to == ["moeder@example.org"]
    assert session.held_on.strftime("%d-%m-%Y") in family.subject
    assert "Beste Moeder de Vries" in family.body
    assert "om 14:00 uur" in family.body and "Plaats: Stadskantoor, zaal 3." in family.body
    assert "uw gezin" in family.body and "uw gezin" not in guest.body
    for message in (family, guest):
        text = message.subject + message.body
        assert case.ref not in text and case.family.ref not in text
        assert item.escalation.reason not in text


def test_an_invitation_that_rolls_back_sends_nothing(
    chair, session, make_case, escalate, mailoutbox, django_capture_on_commit_callbacks
):
    item = services.add_to_agenda(session=session, escalation=escalate(make_case()), by=chair)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.invite_person(
            item=item, kind="family", name="", email="moeder@example.org", by=chair
        )
    assert mailoutbox == []
