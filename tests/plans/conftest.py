"""The same open case and outsiders as the analysis editor's tests."""

from tests.analyses.conftest import (  # noqa: F401 - fixtures
    carer,
    case,
    family,
    foreign_case,
    municipality,
    other_team_worker,
    policy_worker,
    regisseur,
    team,
    youth,
)
