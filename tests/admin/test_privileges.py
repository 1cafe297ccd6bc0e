"""Issue 17.1: the functional administrator manages configuration, never its own privileges.

No superuser status, staff status, groups or raw permissions in its worker forms (a crafted POST
changes nothing); not its own account's roles or active flag; a role that opens family data only
after a second, different administrator approves (four eyes, in the access log).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from casusregie import services
from casusregie.admin_roles import FUNCTIONAL_ADMIN_GROUP, ensure_functional_admin_group
from casusregie.models import (
    AccessLogEntry,
    Role,
    RoleMembership,
    RoleRequest,
    RoleRequestStatus,
    Worker,
)
from casusregie.policies import roles_opening_family_data, visible_families
from tests.casusregie.test_access_matrix import world, world_of_the_module  # noqa: F401
from tests.conftest import verified_login
from tests.factories import (
    CaseFactory,
    FamilyFactory,
    LocalTeamFactory,
    MunicipalityFactory,
    WorkerFactory,
)

pytestmark = pytest.mark.django_db

SUPERUSER_ONLY = ("is_superuser", "groups", "user_permissions")
INLINE = "role_memberships"


def make_admin(**kwargs) -> Worker:
    worker = WorkerFactory(**{"local_team": None, "roles": [Role.ADMIN], "is_staff": True} | kwargs)
    worker.groups.add(ensure_functional_admin_group())
    return worker


@pytest.fixture
def team():
    return LocalTeamFactory(municipalities=[MunicipalityFactory(code="GM0101")])


@pytest.fixture
def family(team):
    family = FamilyFactory(municipality=team.municipalities.get())
    CaseFactory(family=family, local_team=team)
    return family


@pytest.fixture
def newcomer(team) -> Worker:
    """A worker of the team without any role yet."""
    return WorkerFactory(local_team=team, roles=[])


def change_url(worker: Worker) -> str:
    return reverse("admin:casusregie_worker_change", args=[worker.pk])


def worker_form(worker: Worker, roles: list[tuple[RoleMembership | None, str, bool]] = (), **extra):
    """The worker change form as a functional administrator's browser posts it; ``roles`` are
    inline rows (membership or None for a new row, role, delete?)."""
    data = {
        "username": worker.username,
        "first_name": worker.first_name,
        "last_name": worker.last_name,
        "email": worker.email,
        "ref": worker.ref,
        "name": worker.name,
        "local_team": worker.local_team_id or "",
        "region": worker.region_id or "",
        f"{INLINE}-TOTAL_FORMS": str(len(roles)),
        f"{INLINE}-INITIAL_FORMS": str(sum(1 for m, _r, _d in roles if m is not None)),
        f"{INLINE}-MIN_NUM_FORMS": "0",
        f"{INLINE}-MAX_NUM_FORMS": "1000",
    }
    if worker.is_active:
        data["is_active"] = "on"
    for i, (membership, role, delete) in enumerate(roles):
        data[f"{INLINE}-{i}-id"] = membership.pk if membership else ""
        data[f"{INLINE}-{i}-worker"] = worker.pk
        data[f"{INLINE}-{i}-role"] = role
        if delete:
            data[f"{INLINE}-{i}-DELETE"] = "on"
    return data | extra


def smuggled() -> dict:
    group = Group.objects.get_or_create(name="Alles")[0]
    group.permissions.set(Permission.objects.all())
    return {
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [group.pk, ensure_functional_admin_group().pk],
        "user_permissions": list(
            Permission.objects.filter(codename__in=["change_family", "add_group"]).values_list(
                "pk", flat=True
            )
        ),
    }


def untouched(worker: Worker) -> bool:
    worker.refresh_from_db()
    return (
        not worker.is_superuser
        and not worker.user_permissions.exists()
        and set(worker.groups.values_list("name", flat=True)) <= {FUNCTIONAL_ADMIN_GROUP}
    )


def sees_family(client, worker: Worker, family) -> bool:
    verified_login(client, worker)
    response = client.get(reverse("family-detail", args=[family.ref]))
    assert response.status_code in (200, 404)
    return response.status_code == 200


# -- the forms -------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", ["change", "add"])
def test_the_functional_administrators_forms_offer_no_superuser_fields(client, newcomer, page):
    verified_login(client, make_admin())
    url = change_url(newcomer) if page == "change" else reverse("admin:casusregie_worker_add")
    html = client.get(url).content.decode()
    assert 'name="username"' in html
    for field in (*SUPERUSER_ONLY, "is_staff"):
        assert f'name="{field}"' not in html


def test_a_superuser_keeps_the_full_form(client, newcomer):
    verified_login(client, WorkerFactory(local_team=None, is_staff=True, is_superuser=True))
    html = client.get(change_url(newcomer)).content.decode()
    for field in (*SUPERUSER_ONLY, "is_staff"):
        assert f'name="{field}"' in html


def test_a_smuggled_post_on_another_account_changes_nothing_but_the_form(client, newcomer):
    verified_login(client, make_admin())
    data = worker_form(newcomer, name="Nieuwe Naam") | smuggled()
    response = client.post(change_url(newcomer), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert untouched(newcomer) and not newcomer.groups.exists()
    assert not newcomer.is_staff
    assert newcomer.name == "Nieuwe Naam"  # the form itself was saved


def test_a_smuggled_post_on_the_add_form_makes_no_superuser(client, team):
    verified_login(client, make_admin())
    response = client.post(
        reverse("admin:casusregie_worker_add"),
        {
            "username": "nieuweling",
            "usable_password": "true",
            "password1": "een-lang-wachtwoord-2026",
            "password2": "een-lang-wachtwoord-2026",
            "name": "Nieuwe Medewerker",
            "email": "nieuw@example.org",
            "local_team": team.pk,
            "region": "",
            **smuggled(),
            f"{INLINE}-TOTAL_FORMS": "1",
            f"{INLINE}-INITIAL_FORMS": "0",
            f"{INLINE}-0-role": Role.POLICY,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Worker.objects.get(username="nieuweling")
    assert untouched(created) and not created.groups.exists() and not created.is_staff
    assert created.role_codes() == {Role.POLICY}


def test_a_smuggled_post_on_its_own_account_changes_no_privilege(client):
    me = make_admin()
    verified_login(client, me)
    data = worker_form(me, roles=[(None, Role.REGISSEUR, False)], name="Ik") | smuggled()
    data.pop("is_active")  # tries to switch itself off, too
    response = client.post(change_url(me), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    me.refresh_from_db()
    assert untouched(me) and me.is_active and me.is_staff and me.name == "Ik"
    assert me.role_codes() == {Role.ADMIN}


def test_it_cannot_take_a_role_off_its_own_account_either(client):
    me = make_admin()
    verified_login(client, me)
    own = me.role_memberships.get()
    response = client.post(change_url(me), worker_form(me, roles=[(own, Role.POLICY, True)]))
    assert response.status_code == 302
    assert RoleMembership.objects.filter(pk=own.pk, role=Role.ADMIN).exists()


def test_its_own_roles_are_shown_read_only(client):
    me = make_admin()
    verified_login(client, me)
    html = client.get(change_url(me)).content.decode()
    assert f'name="{INLINE}-0-role"' not in html and 'name="is_active"' not in html


def test_the_group_and_permission_admins_are_closed(client):
    verified_login(client, make_admin())
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    response = client.post(reverse("admin:auth_group_add"), {"name": "Eigen", "permissions": []})
    assert response.status_code == 403 and not Group.objects.filter(name="Eigen").exists()
    group = ensure_functional_admin_group()
    change = reverse("admin:auth_group_change", args=[group.pk])
    everything = list(Permission.objects.values_list("pk", flat=True))
    assert client.post(change, {"name": group.name, "permissions": everything}).status_code == 403
    assert not group.permissions.filter(content_type__app_label="auth").exists()


def test_the_group_holds_no_auth_or_family_permissions():
    group = ensure_functional_admin_group()
    labels = {(p.content_type.app_label, p.codename) for p in group.permissions.all()}
    assert not {app for app, _ in labels} & {"auth", "pghistory", "otp_totp"}
    assert not {c for _, c in labels} & {"change_family", "view_youth", "change_case"}
    assert ("casusregie", "decide_rolerequest") in labels


def test_a_superusers_account_and_another_administrators_password_are_out_of_reach(client):
    root = WorkerFactory(local_team=None, is_staff=True, is_superuser=True, roles=[])
    other = make_admin()
    verified_login(client, make_admin())
    response = client.post(change_url(root), worker_form(root, name="Gekaapt"))
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.name != "Gekaapt"
    for target in (root, other):
        url = reverse("admin:auth_user_password_change", args=[target.pk])
        assert client.get(url).status_code == 403
        pw = {"password1": "een-ander-wachtwoord-9", "password2": "een-ander-wachtwoord-9"}
        assert client.post(url, pw).status_code == 403
        target.refresh_from_db()
        assert target.check_password("geheim-wachtwoord-123")


def test_the_admin_still_resets_a_regular_workers_password(client, newcomer):
    verified_login(client, make_admin())
    url = reverse("admin:auth_user_password_change", args=[newcomer.pk])
    pw = "een-ander-wachtwoord-9"
    response = client.post(url, {"password1": pw, "password2": pw, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    newcomer.refresh_from_db()
    assert newcomer.check_password(pw)


# -- roles given at once and taken away at once ----------------------------------------------------
@pytest.mark.parametrize("role", sorted(roles_opening_family_data()))
def test_a_role_that_opens_family_data_is_not_given_in_the_form(client, newcomer, family, role):
    verified_login(client, make_admin())
    response = client.post(change_url(newcomer), worker_form(newcomer, roles=[(None, role, False)]))
    assert response.status_code == 200  # the form again, with the error
    assert "Rolaanvragen" in response.content.decode()
    assert not newcomer.role_memberships.exists()


def test_a_role_without_family_data_is_given_at_once(client, newcomer):
    verified_login(client, make_admin())
    response = client.post(
        change_url(newcomer), worker_form(newcomer, roles=[(None, Role.POLICY, False)])
    )
    assert response.status_code == 302
    assert newcomer.role_codes() == {Role.POLICY}


def test_a_given_role_is_not_turned_into_one_that_opens_family_data(client, newcomer):
    policy = RoleMembership.objects.create(worker=newcomer, role=Role.POLICY)
    verified_login(client, make_admin())
    data = worker_form(newcomer, roles=[(policy, Role.REGISSEUR, False)])
    assert client.post(change_url(newcomer), data).status_code == 200
    policy.refresh_from_db()
    assert policy.role == Role.POLICY


def test_a_removed_role_is_gone_at_once_and_logged(client, family, team):
    regisseur = WorkerFactory(local_team=team, roles=[Role.REGISSEUR])
    assert sees_family(client, regisseur, family)
    membership = regisseur.role_memberships.get()
    administrator = make_admin()
    verified_login(client, administrator)
    data = worker_form(regisseur, roles=[(membership, Role.REGISSEUR, True)])
    assert client.post(change_url(regisseur), data).status_code == 302
    assert not regisseur.role_memberships.exists()
    entry = AccessLogEntry.objects.get(object_type="role_membership", object_ref=regisseur.ref)
    assert entry.actor.startswith(administrator.ref) and "ingetrokken" in entry.purpose
    assert not sees_family(client, regisseur, family)


# -- four eyes -------------------------------------------------------------------------------------
def ask(client, requester: Worker, worker: Worker, role: str = Role.REGISSEUR):
    verified_login(client, requester)
    return client.post(
        reverse("admin:casusregie_rolerequest_add"),
        {"worker": worker.pk, "role": role, "reason": "Nieuwe collega"},
    )


def decide(client, decider: Worker, role_request: RoleRequest, action: str = "approve"):
    verified_login(client, decider)
    return client.post(
        reverse("admin:casusregie_rolerequest_changelist"),
        {"action": action, "_selected_action": [role_request.pk]},
        follow=True,
    )


def test_a_request_gives_nothing_until_a_second_administrator_approves(client, newcomer, family):
    first, second = make_admin(), make_admin()
    assert ask(client, first, newcomer).status_code == 302
    role_request = RoleRequest.objects.get()
    assert (role_request.requested_by, role_request.status) == (first, RoleRequestStatus.PENDING)
    assert not newcomer.role_memberships.exists()
    assert not sees_family(client, newcomer, family)

    decide(client, first, role_request)  # the requester's own approval
    role_request.refresh_from_db()
    assert role_request.is_pending and not newcomer.role_memberships.exists()

    page = decide(client, second, role_request).content.decode()
    assert "goedgekeurd" in page
    role_request.refresh_from_db()
    assert (role_request.status, role_request.decided_by) == (RoleRequestStatus.APPROVED, second)
    assert role_request.decided_at is not None
    assert set(newcomer.role_memberships.values_list("role", flat=True)) == {Role.REGISSEUR}
    entry = AccessLogEntry.objects.get(object_type="role_membership", object_ref=newcomer.ref)
    assert entry.actor.startswith(second.ref) and entry.action == "change"
    assert Role.REGISSEUR in entry.purpose and first.ref in entry.purpose
    assert sees_family(client, newcomer, family)


def test_the_requester_cannot_approve_its_own_request(newcomer):
    first = make_admin()
    role_request = services.request_role(worker=newcomer, role=Role.TEAM_LEAD, by=first)
    with pytest.raises(PermissionDenied):
        services.approve_role_request(role_request=role_request, by=first)
    assert not newcomer.role_memberships.exists()


def test_the_worker_concerned_cannot_approve_its_own_role(client, family):
    colleague = make_admin(local_team=family.municipality.local_teams.get())
    role_request = services.request_role(worker=colleague, role=Role.REGISSEUR, by=make_admin())
    decide(client, colleague, role_request)
    role_request.refresh_from_db()
    assert role_request.is_pending and not colleague.has_role(Role.REGISSEUR)
    with pytest.raises(PermissionDenied):
        services.approve_role_request(role_request=role_request, by=colleague)


def test_a_worker_without_the_right_to_decide_cannot_approve(newcomer):
    role_request = services.request_role(worker=newcomer, role=Role.REGISSEUR, by=make_admin())
    clerk = WorkerFactory(local_team=None, roles=[Role.ADMIN], is_staff=True)  # no group
    with pytest.raises(PermissionDenied):
        services.approve_role_request(role_request=role_request, by=clerk)
    assert role_request.is_pending


def test_a_refused_request_gives_no_role(client, newcomer, family):
    role_request = services.request_role(worker=newcomer, role=Role.REGISSEUR, by=make_admin())
    second = make_admin()
    assert "geweigerd" in decide(client, second, role_request, "refuse").content.decode()
    role_request.refresh_from_db()
    assert (role_request.status, role_request.decided_by) == (RoleRequestStatus.REFUSED, second)
    assert not newcomer.role_memberships.exists()
    assert not sees_family(client, newcomer, family)
    with pytest.raises(ValidationError):  # decided once: not approved afterwards
        services.approve_role_request(role_request=role_request, by=make_admin())
    assert not newcomer.role_memberships.exists()


def test_a_request_is_decided_once(newcomer):
    role_request = services.request_role(worker=newcomer, role=Role.REGISSEUR, by=make_admin())
    services.approve_role_request(role_request=role_request, by=make_admin())
    with pytest.raises(ValidationError):
        services.refuse_role_request(role_request=role_request, by=make_admin())
    assert newcomer.has_role(Role.REGISSEUR)


def test_no_request_for_oneself_nor_for_a_role_without_family_data(client, newcomer):
    me = make_admin()
    response = ask(client, me, me)
    assert response.status_code == 200 and not RoleRequest.objects.exists()
    response = ask(client, me, newcomer, Role.POLICY)
    assert response.status_code == 200 and not RoleRequest.objects.exists()
    services.request_role(worker=newcomer, role=Role.REGISSEUR, by=me)
    assert ask(client, me, newcomer).status_code == 200  # already asked
    assert RoleRequest.objects.count() == 1


def test_a_request_is_never_edited_or_deleted(client, newcomer):
    role_request = services.request_role(worker=newcomer, role=Role.REGISSEUR, by=make_admin())
    verified_login(client, make_admin())
    url = reverse("admin:casusregie_rolerequest_change", args=[role_request.pk])
    assert client.post(url, {"worker": newcomer.pk, "role": Role.TEAM_LEAD}).status_code == 403
    delete = reverse("admin:casusregie_rolerequest_delete", args=[role_request.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    role_request.refresh_from_db()
    assert role_request.role == Role.REGISSEUR and role_request.is_pending


@pytest.mark.parametrize(
    "decider",
    ["requested_by", "worker"],
)
def test_the_database_refuses_a_decision_by_the_requester_or_the_worker(newcomer, decider):
    role_request = services.request_role(worker=newcomer, role=Role.REGISSEUR, by=make_admin())
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleRequest.objects.filter(pk=role_request.pk).update(
            status=RoleRequestStatus.APPROVED,
            decided_by=getattr(role_request, decider),
            decided_at=timezone.now(),
        )


def test_the_database_refuses_a_request_for_oneself_and_a_decision_without_decider(newcomer):
    me = make_admin()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleRequest.objects.create(worker=me, requested_by=me, role=Role.REGISSEUR)
    role_request = services.request_role(worker=newcomer, role=Role.REGISSEUR, by=me)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleRequest.objects.filter(pk=role_request.pk).update(status=RoleRequestStatus.APPROVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleRequest.objects.create(worker=newcomer, requested_by=me, role=Role.REGISSEUR)


@pytest.mark.parametrize("role", Role.values)
def test_every_role_that_sees_a_family_needs_four_eyes(world, role):  # noqa: F811
    """A worker with only this role, placed where each role would see the world's own family:
    a role outside ``roles_opening_family_data`` (given directly) sees no family at all."""
    team = world.own.cases.get().local_team
    region = world.own.municipality.region
    worker = WorkerFactory(local_team=team, region=region, roles=[role])
    sees = visible_families(worker).exists()
    assert sees == (role in roles_opening_family_data())
