"""The functional administrator's group: configuration models only, no family data.

Never a permission of ``auth`` (groups, permissions) and no superuser status: what a functional
administrator may do on a worker's account is in ``casusregie.admin.WorkerAdmin``; the roles
that open family data are given only after a second administrator's approval (``RoleRequest``).

Kept in step after every ``migrate`` (post_migrate), so a new installation has it at once.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

FUNCTIONAL_ADMIN_GROUP = "Functioneel beheer"
# app label, model, actions
CONFIGURATION = [
    ("casusregie", "region", "view add change"),
    # the tables of a region (issue 19): kind, name, members and who may call them
    ("escalations", "table", "view add change"),
    ("casusregie", "municipality", "view add change"),
    ("casusregie", "localteam", "view add change"),
    ("casusregie", "worker", "view add change"),
    ("casusregie", "rolemembership", "view add change delete"),
    # four eyes: a role that opens family data is requested by one, decided by another
    ("casusregie", "rolerequest", "view add decide"),
    ("referrals", "provider", "view add change"),
    # provider users: a worker account linked to one provider (its portal), as coordinator or staff
    ("referrals", "providermembership", "view add change"),
    ("referrals", "segment", "view add change"),
    ("referrals", "product", "view add change"),
    ("referrals", "contract", "view add change delete"),
    ("referrals", "productcapacity", "view"),
    ("referrals", "webhooksubscription", "view change"),
    ("flags", "rulesetting", "view add change delete"),
    ("dashboard", "municipalitypopulation", "view add change delete"),
    ("axes", "accessattempt", "view delete"),
]


def ensure_functional_admin_group(**_kwargs) -> Group:
    group, _created = Group.objects.get_or_create(name=FUNCTIONAL_ADMIN_GROUP)
    wanted = [
        (app, f"{action}_{model}")
        for app, model, actions in CONFIGURATION
        for action in actions.split()
    ]
    perms = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in wanted},
        codename__in={codename for _, codename in wanted},
    )
    group.permissions.set([p for p in perms if (p.content_type.app_label, p.codename) in wanted])
    return group
