"""The page Meldingen and the menu's count: newest first, paginated, unread marked; opening or
marking one read (only one's own: another's is a 404), marking all read; the e-mail choice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from casusregie.models import Notification, NotificationKind
from casusregie.notifications import notify
from tests.conftest import verified_login

from .conftest import notes_of

pytestmark = pytest.mark.django_db


def melding(worker, case, text="Nieuws", *, minutes_ago=0, **kw) -> Notification:
    notify([worker.pk], kw.pop("kind", NotificationKind.REFERRAL_ACCEPTED), case, text, **kw)
    note = Notification.objects.filter(recipient=worker).latest("id")
    if minutes_ago:
        note.created_at = timezone.now() - dt.timedelta(minutes=minutes_ago)
        note.save(update_fields=["created_at"])
    return note


def menu_link(response) -> str:
    html = response.content.decode()
    start = html.index('id="menu-notifications"')
    return html[start : html.index("</a>", start)]


def test_the_menu_shows_the_unread_count(client, anna, bram, case):
    for _ in range(3):
        melding(anna, case)
    melding(bram, case)
    Notification.objects.filter(pk=notes_of(anna)[0].pk).update(read_at=timezone.now())
    verified_login(client, anna)
    link = menu_link(client.get(reverse("caseload")))
    assert ">Meldingen" in link and '<span class="nav-count">2' in link
    verified_login(client, bram)
    assert '<span class="nav-count">1' in menu_link(client.get(reverse("caseload")))


def test_no_count_when_all_is_read(client, anna):
    verified_login(client, anna)
    link = menu_link(client.get(reverse("caseload")))
    assert "Meldingen" in link and "nav-count" not in link


@pytest.mark.parametrize("name", ["caseload", "family-list", "flag-inbox", "notifications"])
def test_the_menus_count_is_one_query(client, anna, case, settings, name):
    """The same page with and without the menu's count differs by exactly one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    melding(anna, case)
    verified_login(client, anna)
    client.get(reverse(name))  # session and the like warmed up

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        return len(queries)

    with_count = count()
    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": [p for p in processors if "casusregie.context" not in p],
            },
        }
    ]
    assert count() == with_count - 1


# session, user, OTP device; the page's count; the menu's roles; the menu's count; the page's
# rows; the session saved (a savepoint, the update, its release). Not one more with more
# meldingen.
PAGE_QUERIES = 10


def test_the_page_answers_in_a_fixed_number_of_queries(
    client, anna, case, team, django_assert_num_queries
):
    from .conftest import make_case

    melding(anna, case)
    verified_login(client, anna)
    client.get(reverse("notifications"))
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(reverse("notifications")).status_code == 200
    for _ in range(30):
        melding(anna, make_case(team, anna))
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(reverse("notifications")).status_code == 200


def test_the_page_lists_my_meldingen_newest_first_unread_marked(client, anna, bram, case):
    old = melding(anna, case, "Oud nieuws", minutes_ago=60)
    new = melding(anna, case, "Vers nieuws", minutes_ago=1)
    melding(bram, case, "Nieuws voor Bram")
    old.read_at = timezone.now()
    old.save()
    verified_login(client, anna)
    response = client.get(reverse("notifications"))
    html = response.content.decode()
    assert [n.pk for n in response.context["page"].object_list] == [new.pk, old.pk]
    assert html.index("Vers nieuws") < html.index("Oud nieuws")
    assert "Nieuws voor Bram" not in html
    assert html.count('class="notification unread"') == 1
    assert html.count('class="badge badge-new"') == 1
    assert reverse("notification-open", args=[new.pk]) in html
    assert reverse("notification-read", args=[new.pk]) in html
    assert reverse("notification-read", args=[old.pk]) not in html  # read already
    assert case.ref in html


def test_the_page_is_paginated_by_25(client, anna, case):
    for i in range(27):
        melding(anna, case, f"Nieuws {i}", minutes_ago=100 - i)
    verified_login(client, anna)
    first = client.get(reverse("notifications"))
    assert len(first.context["page"].object_list) == 25
    assert "Nieuws 26" in first.content.decode() and "Nieuws 1<" not in first.content.decode()
    second = client.get(reverse("notifications"), {"pagina": 2})
    assert [n.text for n in second.context["page"].object_list] == ["Nieuws 1", "Nieuws 0"]
    assert "Pagina 2 van 2" in second.content.decode()


def test_opening_a_melding_marks_it_read_and_goes_where_it_points(client, anna, case):
    note = melding(anna, case)
    verified_login(client, anna)
    response = client.get(reverse("notification-open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("family-detail", args=[case.family.ref])
    note.refresh_from_db()
    assert note.read_at is not None
    hand_over = melding(
        anna, case, kind=NotificationKind.TRANSFER_OFFERED, url_name="caseload", url_args=[]
    )
    assert client.get(reverse("notification-open", args=[hand_over.pk]))["Location"] == reverse(
        "caseload"
    )


def test_marking_one_read_keeps_the_others_and_returns_to_the_page(client, anna, case):
    one, other = melding(anna, case), melding(anna, case)
    verified_login(client, anna)
    response = client.post(reverse("notification-read", args=[one.pk]), {"pagina": "2"})
    assert response["Location"] == reverse("notifications") + "?pagina=2"
    one.refresh_from_db(), other.refresh_from_db()
    assert one.read_at is not None and other.read_at is None
    read_at = one.read_at
    client.post(reverse("notification-read", args=[one.pk]))
    one.refresh_from_db()
    assert one.read_at == read_at  # read once, the first time


@pytest.mark.parametrize(
    "name, method", [("notification-read", "post"), ("notification-open", "get")]
)
def test_another_workers_melding_is_not_found(client, anna, bram, case, name, method):
    brams = melding(bram, case)
    verified_login(client, anna)
    response = getattr(client, method)(reverse(name, args=[brams.pk]))
    assert response.status_code == 404
    brams.refresh_from_db()
    assert brams.read_at is None
    assert getattr(client, method)(reverse(name, args=[brams.pk + 1000])).status_code == 404


def test_marking_all_read_touches_only_my_own(client, anna, bram, case):
    for _ in range(3):
        melding(anna, case)
    brams = melding(bram, case)
    verified_login(client, anna)
    response = client.post(reverse("notifications-read-all"), follow=True)
    assert "3 meldingen gemarkeerd als gelezen." in response.content.decode()
    assert all(n.read_at for n in notes_of(anna))
    brams.refresh_from_db()
    assert brams.read_at is None
    assert "nav-count" not in menu_link(response)


def test_the_worker_switches_e_mail_on_and_off(client, anna):
    verified_login(client, anna)
    response = client.post(reverse("notifications-email"), {"email": "on"}, follow=True)
    assert "U krijgt meldingen voortaan ook per e-mail." in response.content.decode()
    anna.refresh_from_db()
    assert anna.email_notifications is True
    assert 'id="email" name="email" checked' in response.content.decode()
    client.post(reverse("notifications-email"), {})
    anna.refresh_from_db()
    assert anna.email_notifications is False


def test_without_an_address_e_mail_cannot_be_switched_on(client, anna):
    anna.email = ""
    anna.save()
    verified_login(client, anna)
    response = client.post(reverse("notifications-email"), {"email": "on"}, follow=True)
    assert "Er is geen e-mailadres bij uw account bekend" in response.content.decode()
    anna.refresh_from_db()
    assert anna.email_notifications is False


def test_the_pages_need_the_two_step_login(client, anna, case):
    note = melding(anna, case)
    for url in (reverse("notifications"), reverse("notification-open", args=[note.pk])):
        assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(anna)  # password only, no second factor
    assert client.get(reverse("notifications"))["Location"].startswith(reverse("otp-setup"))
    assert client.post(reverse("notification-read", args=[note.pk])).status_code == 302
    note.refresh_from_db()
    assert note.read_at is None
