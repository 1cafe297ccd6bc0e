"""Generated references for records made in the application (imported records keep theirs)."""

import secrets


def _ref(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


def family_ref() -> str:
    return _ref("f")


def carer_ref() -> str:
    return _ref("c")


def youth_ref() -> str:
    return _ref("y")


def case_ref() -> str:
    return _ref("k")


def worker_ref() -> str:
    return _ref("w")


def team_ref() -> str:
    return _ref("lt")


def provider_ref() -> str:
    return _ref("p")


def referral_ref() -> str:
    return _ref("r")


def escalation_ref() -> str:
    return _ref("e")


def family_account_ref() -> str:
    return _ref("ga")
