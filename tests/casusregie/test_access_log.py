"""The access log: every provider read is recorded; it is append-only; tampering is found."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from casusregie.access_log import Access, family_access_history, record_access
from casusregie.models import AccessLogEntry

pytestmark = pytest.mark.django_db


def verify() -> tuple[int, str]:
    err = io.StringIO()
    try:
        call_command("verify_access_log", stdout=io.StringIO(), stderr=err)
        return 0, err.getvalue()
    except SystemExit as exc:
        return exc.code, err.getvalue()


def write(n: int = 3) -> None:
    for i in range(n):
        record_access(
            actor_kind="worker",
            actor=f"anna-{i}",
            accesses=[Access("f-1", "youth", f"y-{i}")],
            purpose="regie",
        )


def test_a_provider_reading_a_referral_is_logged(make_referral_for_log):
    api, referral = make_referral_for_log
    api.get(f"/api/v1/referrals/{referral.ref}/")
    api.get("/api/v1/referrals/")
    entries = list(family_access_history(referral.case.family.ref))
    assert [(e.actor_kind, e.action, e.object_type, e.object_ref) for e in entries] == [
        ("provider", "read", "referral", referral.ref),
        ("provider", "read", "referral", referral.ref),
    ]
    assert entries[0].purpose == "uitvoering verwijzing"
    assert referral.youth.bsn not in str([e.__dict__ for e in entries])
    assert verify()[0] == 0


def test_the_log_refuses_updates_and_deletes():
    write(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.update(actor="iemand anders")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.all().delete()
    assert AccessLogEntry.objects.get().actor == "anna-0"


def _behind_the_back(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE casusregie_accesslogentry DISABLE TRIGGER access_log_append_only"
        )
        cursor.execute(sql, params)
        cursor.execute(
            "ALTER TABLE casusregie_accesslogentry ENABLE TRIGGER access_log_append_only"
        )


def test_an_edit_behind_the_application_s_back_is_detected():
    write(3)
    second = AccessLogEntry.objects.order_by("id")[1]
    _behind_the_back(
        "UPDATE casusregie_accesslogentry SET actor = 'niemand' WHERE id = %s", [second.id]
    )
    code, err = verify()
    assert code == 1
    assert f"entry {second.id}: content changed" in err


def test_a_removed_entry_is_detected():
    write(3)
    second = AccessLogEntry.objects.order_by("id")[1]
    _behind_the_back("DELETE FROM casusregie_accesslogentry WHERE id = %s", [second.id])
    code, err = verify()
    assert code == 1
    assert "does not follow the entry before it" in err


def test_an_intact_log_verifies():
    write(5)
    assert verify() == (0, "")


def test_export_dossier_is_logged(tmp_path):
    from tests.factories import FamilyFactory

    family = FamilyFactory()
    call_command("export_dossier", stdout=io.StringIO())
    assert family_access_history(family.ref).get().action == "export"


@pytest.mark.django_db(transaction=True)
def test_writers_do_not_wait_for_each_other_and_each_chain_verifies():
    """A request whose transaction holds a chain does not hold up the next writer: it takes
    another chain (one chain under one lock made every request wait, ``make bench-api``)."""
    import threading

    from django.db import connections

    holding = threading.Event()
    release = threading.Event()

    def hold_a_chain():
        try:
            with transaction.atomic():
                write(1)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_a_chain)
    holder.start()
    try:
        assert holding.wait(10)
        done = threading.Event()

        def write_meanwhile():
            try:
                write(2)
                done.set()
            finally:
                connections.close_all()

        writer = threading.Thread(target=write_meanwhile)
        writer.start()
        assert done.wait(5), "the second writer waited for the first one's transaction"
        writer.join()
    finally:
        release.set()
        holder.join()
    entries = list(AccessLogEntry.objects.order_by("id"))
    assert len(entries) == 3
    assert len({e.chain for e in entries}) == 2
    assert verify() == (0, "")


# -- the keyed seal of each chain's head (issue 17.6) ---------------------------------------------
def _recompute_plain_chain_from(entry_id: int) -> None:
    """What an attacker without ACCESS_LOG_KEY can do: rewrite the SHA-256 links after a change."""
    from casusregie.access_log import GENESIS, entry_hash

    first = AccessLogEntry.objects.get(id=entry_id)
    chain = list(AccessLogEntry.objects.filter(chain=first.chain).order_by("id"))
    prev = GENESIS
    for entry in chain:
        if entry.id >= entry_id:
            entry.prev_hash = prev
            entry.hash = entry_hash(prev, entry)
            _behind_the_back(
                "UPDATE casusregie_accesslogentry SET prev_hash = %s, hash = %s WHERE id = %s",
                [entry.prev_hash, entry.hash, entry.id],
            )
        prev = entry.hash


def test_every_append_seals_its_chain_s_head():
    from casusregie.access_log import head_mac
    from casusregie.models import AccessLogSeal

    write(3)
    head = AccessLogEntry.objects.order_by("id").last()
    seal = AccessLogSeal.objects.get(chain=head.chain)
    assert (seal.entry_id, seal.mac) == (head.id, head_mac(head.chain, head.id, head.hash))


def test_an_edit_with_the_plain_chain_recomputed_is_caught_by_the_seal():
    write(3)
    second = AccessLogEntry.objects.order_by("id")[1]
    _behind_the_back(
        "UPDATE casusregie_accesslogentry SET actor = 'niemand' WHERE id = %s", [second.id]
    )
    _recompute_plain_chain_from(second.id)
    code, err = verify()
    assert code == 1
    assert "content changed" not in err and "does not follow" not in err  # the plain chain holds
    assert "head does not match its seal" in err


def test_an_entry_appended_behind_the_application_s_back_is_caught():
    from casusregie.access_log import entry_hash

    write(2)
    head = AccessLogEntry.objects.order_by("id").last()
    forged = AccessLogEntry(
        at=head.at,
        actor_kind="worker",
        actor="niemand",
        family_ref="f-1",
        action="read",
        object_type="youth",
        object_ref="y-9",
        purpose="regie",
        origin="",
        chain=head.chain,
        prev_hash=head.hash,
    )
    forged.hash = entry_hash(head.hash, forged)
    forged.save()  # INSERT is allowed by the trigger; only the key can seal it
    code, err = verify()
    assert code == 1
    assert f"entry {forged.id}: chain {head.chain} ends after its seal" in err


def test_entries_cut_off_at_the_end_are_caught():
    write(3)
    last = AccessLogEntry.objects.order_by("id").last()
    _behind_the_back("DELETE FROM casusregie_accesslogentry WHERE id = %s", [last.id])
    code, err = verify()
    assert code == 1
    assert "ends before its sealed head" in err


def test_a_seal_under_another_key_is_caught(settings):
    write(2)
    assert verify() == (0, "")
    settings.ACCESS_LOG_KEY = "another-key"
    code, err = verify()
    assert code == 1
    assert "head does not match its seal" in err


def test_a_removed_seal_is_caught():
    from casusregie.models import AccessLogSeal

    write(1)
    AccessLogSeal.objects.all().delete()
    code, err = verify()
    assert code == 1
    assert "has no seal" in err
