"""The one-time enrolment code's form: 12 characters from an unambiguous alphabet (60 bits), in
three groups of four; only its SHA-256 is stored (``EnrolmentCode.code_hash``)."""

from __future__ import annotations

import hashlib

ENROLMENT_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I


def normalise_enrolment_code(code: str) -> str:
    """As typed (spaces, dashes, lower case) to the 12 characters that were issued."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def enrolment_code_hash(code: str) -> str:
    return hashlib.sha256(normalise_enrolment_code(code).encode("ascii", "replace")).hexdigest()
