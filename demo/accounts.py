"""The demo accounts, importable without Django (``make run`` prints them)."""

from __future__ import annotations

DEMO_PASSWORD = "demo-casusregie-2026"  # noqa: S105 - a published demo password, demo data only
REGION = "rijnmond"

# username, name, team, roles, Dutch description
WORKERS: list[tuple[str, str, str | None, list[str], str]] = [
    ("anna", "Anna de Vries", "lt-delfshaven", ["regisseur"], "regisseur, Wijkteam Delfshaven"),
    ("bram", "Bram Jansen", "lt-delfshaven", ["regisseur"], "regisseur, Wijkteam Delfshaven"),
    ("chantal", "Chantal Bakker", "lt-noord", ["regisseur"], "regisseur, Wijkteam Noord"),
    ("dirk", "Dirk Visser", "lt-schiedam", ["regisseur"], "regisseur, Jeugdteam Schiedam"),
    (
        "tineke",
        "Tineke Smit",
        "lt-delfshaven",
        ["regisseur", "team_lead"],
        "teamleider, Wijkteam Delfshaven",
    ),
    ("henk", "Henk Mulder", "lt-noord", ["team_lead"], "teamleider, Wijkteam Noord"),
    ("sanne", "Sanne Meijer", "lt-schiedam", ["team_lead"], "teamleider, Jeugdteam Schiedam"),
    ("eva", "Eva de Boer", None, ["expert_table"], "lid Regionale Experttafel"),
    ("fatima", "Fatima El Amrani", None, ["expert_table_chair"], "voorzitter experttafel"),
    ("gert", "Gert de Graaf", None, ["policy"], "beleidsmedewerker regio"),
    # a GI worker: no role of the region; recorded as involved professional of one demo case,
    # they may call the Beschermingstafel for it (Tafels > Aanmelden bij een tafel)
    ("gijs", "Gijs Willems", None, [], "jeugdbeschermer GI (roept de Beschermingstafel aan)"),
    ("beheer", "Functioneel beheer", None, ["admin"], "functioneel beheerder (admin)"),
]
# The providers' users (issue 18): username, name, provider ref, role at the provider, description.
# No team, region or role of the municipality: they log in to the provider's portal (/aanbieder/).
PROVIDER_USERS: list[tuple[str, str, str, str, str]] = [
    (
        "horizon",
        "Iris van Dam",
        "p-horizon",
        "coordinator",
        "coördinator zorgaanbieder, Jeugdzorg Horizon (portaal)",
    ),
    (
        "joost",
        "Joost Hendriks",
        "p-horizon",
        "staff",
        "medewerker zorgaanbieder, Jeugdzorg Horizon (portaal)",
    ),
]
# The gezinsportaal's demo accounts (issue 20), invited by the regisseur of the family that
# Jeugdzorg Horizon has in care: e-mail address, Dutch description. They log in at
# /mijn-gezin/inloggen/ with the address; the link and the code arrive as e-mails, which
# ``make run`` prints in its output (the console e-mail backend).
FAMILY_LOGINS: list[tuple[str, str]] = [
    ("ouder@gezin.demo.example", "ouder met gezag (gezinsportaal)"),
    ("jongere@gezin.demo.example", "jongere van 17 (gezinsportaal)"),
]
DEMO_LOGINS: list[tuple[str, str]] = [(w[0], w[4]) for w in WORKERS] + [
    (u[0], u[4]) for u in PROVIDER_USERS
]
