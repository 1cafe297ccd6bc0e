"""Carer and Youth share an abstract ``Person``: its fields, its behaviour, the same schema."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import models

from casusregie.models import Carer, HasBsn, Person, Youth
from tests.factories import CarerFactory, FamilyFactory, YouthFactory, synthetic_bsn

pytestmark = pytest.mark.django_db

PEOPLE = [pytest.param(CarerFactory, id="carer"), pytest.param(YouthFactory, id="youth")]


def test_person_is_abstract_and_both_models_are_persons_with_a_bsn():
    assert Person._meta.abstract
    assert not Carer._meta.abstract
    assert not Youth._meta.abstract
    for model in (Carer, Youth):
        assert issubclass(model, Person)
        assert issubclass(model, HasBsn)


def test_the_shared_name_field_is_the_same_on_both():
    carer_name = Carer._meta.get_field("name")
    youth_name = Youth._meta.get_field("name")
    assert isinstance(carer_name, models.CharField)
    # deconstruct() gives (name, path, args, kwargs): the same definition on both models.
    assert carer_name.deconstruct() == youth_name.deconstruct()
    assert carer_name.max_length == 200
    assert str(carer_name.verbose_name) == "naam"
    assert not carer_name.null
    assert not carer_name.blank


def test_the_fields_that_differ_stay_on_the_concrete_models():
    # Only ``name`` (and the BSN columns of HasBsn) is declared on Person.
    assert {f.name for f in Person._meta.get_fields()} == {"name", "bsn_encrypted", "bsn_hash"}
    assert Carer._meta.get_field("birth_date").null
    assert not Youth._meta.get_field("birth_date").null
    assert Carer._meta.get_field("family").remote_field.related_name == "carers"
    assert Youth._meta.get_field("family").remote_field.related_name == "youths"
    assert Carer._meta.get_field("ref").default is not Youth._meta.get_field("ref").default
    assert [i.name for i in Carer._meta.indexes] == ["carer_bsn_hash_idx"]
    assert [i.name for i in Youth._meta.indexes] == [
        "youth_family_idx",
        "youth_birth_date_idx",
        "youth_bsn_hash_idx",
    ]


@pytest.mark.parametrize("factory", PEOPLE)
def test_a_person_is_shown_by_name_and_never_with_the_bsn(factory):
    bsn = synthetic_bsn(515_151)
    person = factory(name="Sanne de Vries", bsn=bsn)
    assert str(person) == "Sanne de Vries"
    assert bsn not in str(person)
    assert bsn not in repr(person)


@pytest.mark.parametrize("factory", PEOPLE)
def test_a_person_keeps_the_bsn_behaviour(factory):
    bsn = synthetic_bsn(626_262)
    person = factory(bsn=bsn)
    model = type(person)
    assert model.objects.with_bsn(bsn).get() == person
    assert person.bsn_masked == "••••••" + bsn[-3:]
    person.bsn = ""
    person.save()
    assert not model.objects.with_bsn(bsn).exists()


@pytest.mark.parametrize("factory", PEOPLE)
def test_the_change_history_still_follows_the_name_and_not_the_bsn(factory):
    person = factory(family=FamilyFactory(), name="Eerste naam")
    person.name = "Tweede naam"
    person.save()
    events = list(person.events.order_by("pgh_id"))
    assert [(e.pgh_label, e.name) for e in events] == [
        ("insert", "Eerste naam"),
        ("update", "Tweede naam"),
    ]
    assert not {f.name for f in type(events[0])._meta.fields} & {"bsn_encrypted", "bsn_hash"}


def test_the_models_match_the_migrations():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=StringIO())
    except SystemExit as exit_:  # makemigrations --check exits 1 when a migration is missing
        pytest.fail(f"makemigrations --check found changes (exit {exit_.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()
