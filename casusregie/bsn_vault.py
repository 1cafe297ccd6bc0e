"""BSNs at rest: encrypted for reading back, a keyed hash for looking up. Never in clear.

A BSN is stored twice, in two columns of its row:

- ``bsn_encrypted``: a Fernet token (AES-128-CBC with HMAC-SHA256, a fresh IV per value, so the
  same BSN encrypts differently every time). Keys come from ``settings.BSN_ENCRYPTION_KEYS``
  through a ``MultiFernet``: the first key encrypts, every key decrypts, so a new key can be put
  first while values under the old one stay readable (``reencrypt_bsn`` moves them over).
- ``bsn_hash``: HMAC-SHA256 of the nine digits under the separate ``settings.BSN_HASH_KEY``, in
  hex. Deterministic, so ``Youth.objects.with_bsn(...)`` can find a row by equality; without the
  key the 10**9 possible BSNs cannot be tried against it.

Pages show ``mask_bsn``: only the last 3 digits (``••••••782``).

The functions handling a clear BSN are marked ``sensitive_variables``: Django's error reports
hide their local variables (and those of everything they call).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables

MASK_CHAR = "•"
VISIBLE_DIGITS = 3  # a masked BSN shows its last 3 digits only


@lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("BSN_ENCRYPTION_KEYS holds no key.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "BSN_ENCRYPTION_KEYS: every key must be 32 url-safe base64-encoded bytes "
            "(make one with `python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`)."
        ) from None


def _fernet(keys: Sequence[str] | None) -> MultiFernet:
    return _multi_fernet(tuple(settings.BSN_ENCRYPTION_KEYS if keys is None else keys))


@sensitive_variables()
def encrypt_bsn(bsn: str, keys: Sequence[str] | None = None) -> str:
    """The Fernet token (ASCII text) of ``bsn`` under the first of ``keys`` (default: settings)."""
    return _fernet(keys).encrypt(bsn.encode("ascii")).decode("ascii")


@sensitive_variables()
def decrypt_bsn(token: str, keys: Sequence[str] | None = None) -> str:
    """The BSN in ``token``; any of ``keys`` (default: settings) may have encrypted it."""
    try:
        return _fernet(keys).decrypt(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored BSN cannot be decrypted: the key that encrypted it is not in "
            "BSN_ENCRYPTION_KEYS (or the value was altered)."
        ) from None


@sensitive_variables()
def reencrypt_bsn(token: str, keys: Sequence[str] | None = None) -> str:
    """``token`` decrypted with any key and encrypted again under the first: key rotation."""
    return _fernet(keys).rotate(token.encode("ascii")).decode("ascii")


@sensitive_variables()
def bsn_digest(bsn: str, key: str | None = None) -> str:
    """HMAC-SHA256 of ``bsn`` under ``key`` (default: ``settings.BSN_HASH_KEY``), 64 hex digits."""
    key = settings.BSN_HASH_KEY if key is None else key
    if not key:
        raise ImproperlyConfigured("BSN_HASH_KEY is empty.")
    return hmac.new(key.encode("utf-8"), bsn.encode("ascii"), hashlib.sha256).hexdigest()


def mask_bsn(bsn: str) -> str:
    """``••••••782``: the last 3 digits only, for pages; ``""`` when there is no BSN."""
    if not bsn:
        return ""
    return MASK_CHAR * (len(bsn) - VISIBLE_DIGITS) + bsn[-VISIBLE_DIGITS:]
