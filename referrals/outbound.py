"""Outbound HTTP to addresses a provider gives us (its webhook): never to inside the house.

The address check at delivery is requests-hardened's (Saleor's, maintained): when it opens a
connection it resolves the host once, refuses a private, loopback, link-local, multicast or
reserved address (also an IPv4-mapped IPv6 one, ``::ffff:127.0.0.1``) and connects to the very
address it checked — no second look-up that a provider's DNS could answer differently. On top
of its filter this module refuses whatever is not globally routable by Python's ``ipaddress``
(``is_global``, ``is_reserved``: the IPv4-compatible ``::127.0.0.1``, site-local ``fec0::/10``,
``0.0.0.0``), and checks the same at registration, for *every* address the host resolves to.
Decimal, octal and hex forms of IPv4 (``http://2130706433/``, ``http://0x7f.1/``) are resolved
by the system as any host name is, to the address they mean, and refused by that.

No redirects are followed (a 3xx is a failed delivery), every call has a time-out
(``WEBHOOK_TIMEOUT_SECONDS`` to connect and again to read), and ``https`` is required when
``WEBHOOK_HTTPS_ONLY`` (``PRODUCTION=true``). Two escapes, both named by the operator: hosts on
``WEBHOOK_ALLOWED_HOSTS`` (``host`` or ``host:port``) are called as they are, and
``WEBHOOK_ALLOW_LOOPBACK`` lets 127.0.0.0/8 and ::1 through for tests and development (start-up
refuses it with ``PRODUCTION=true``).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES, InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedAddress(Exception):
    """The URL may not be called: its scheme, or an address its host resolves to."""


def refused_ip(ip: IPAddress, *, allow_loopback: bool = False) -> bool:
    """True for every address that is not a public unicast one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if allow_loopback and ip.is_loopback:
        return False
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or getattr(ip, "is_site_local", False)
        or any(ip in net for net in EXTRA_BLOCKED_NET_RANGES if net.version == ip.version)
    )


def _is_allowed_host(parts: SplitResult) -> bool:
    host = (parts.hostname or "").lower()
    allowed = {h.strip().lower() for h in settings.WEBHOOK_ALLOWED_HOSTS if h.strip()}
    try:
        port = parts.port
    except ValueError:
        return False
    return host in allowed or (port is not None and f"{host}:{port}" in allowed)


def check_url(url: str) -> None:
    """Raise ``RefusedAddress`` unless ``url`` may be registered as a webhook: its scheme, and
    every address its host resolves to now."""
    parts = urlsplit(url)
    if _is_allowed_host(parts):
        return
    scheme = parts.scheme.lower()
    if scheme != "https" and (settings.WEBHOOK_HTTPS_ONLY or scheme != "http"):
        raise RefusedAddress(_("Een webhook-adres begint met https://."))
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise RefusedAddress(_("Het poortnummer van het webhook-adres klopt niet.")) from exc
    host = parts.hostname
    if not host:
        raise RefusedAddress(_("Het webhook-adres noemt geen host."))
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedAddress(
            _("De host %(host)s van het webhook-adres is niet te vinden.") % {"host": host}
        ) from exc
    for *_rest, sockaddr in found:
        if refused_ip(
            ipaddress.ip_address(sockaddr[0]), allow_loopback=settings.WEBHOOK_ALLOW_LOOPBACK
        ):
            raise RefusedAddress(
                _(
                    "Het webhook-adres wijst naar een intern of gereserveerd netwerkadres; "
                    "gebruik een openbaar bereikbaar adres."
                )
            )


@deconstructible
class WebhookURLValidator:
    """The model field's validator: the API's registration and the admin both use it."""

    def __call__(self, value: str) -> None:
        try:
            check_url(value)
        except RefusedAddress as exc:
            raise ValidationError(str(exc), code="refused_address") from exc

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WebhookURLValidator)

    def __hash__(self) -> int:
        return hash(WebhookURLValidator)


class _CheckedAdapter(IPFilterAdapter):
    """requests-hardened's adapter (resolve once, check, connect to that address), with the
    stricter check above and the operator's allowed hosts."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        if _is_allowed_host(urlsplit(request.url)):
            return HTTPAdapter.build_connection_pool_key_attributes(self, request, verify, cert)
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        address = ipaddress.ip_address(host_params["host"].strip("[]"))
        if refused_ip(address, allow_loopback=self._allow_loopback):
            raise InvalidIPAddress(address)
        return host_params, pool_kwargs


def session() -> requests.Session:
    """A session for webhook calls: checked addresses, no redirects, a time-out."""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    allow_loopback = settings.WEBHOOK_ALLOW_LOOPBACK
    checked = HTTPSession(
        Config(
            ip_filter_enable=False,  # mounted below, with the stricter check
            ip_filter_allow_loopback_ips=allow_loopback,
            never_redirect=True,
            default_timeout=(timeout, timeout),
        )
    )
    checked.trust_env = False  # no proxy or netrc from the environment
    checked.mount("http://", _CheckedAdapter(is_https_proto=False, allow_loopback=allow_loopback))
    checked.mount("https://", _CheckedAdapter(is_https_proto=True, allow_loopback=allow_loopback))
    return checked


def post(client: requests.Session, url: str, body: bytes, headers: dict[str, str]):
    """POST ``body``; return (status, error). A refused address raises ``RefusedAddress``."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not _is_allowed_host(parts) and (
        scheme not in ("https", "http") or (scheme == "http" and settings.WEBHOOK_HTTPS_ONLY)
    ):
        raise RefusedAddress("refused: only https webhook addresses are called")
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    try:
        with client.post(
            url,
            data=body,
            headers=headers,
            timeout=(timeout, timeout),
            allow_redirects=False,
            stream=True,  # the body is not read: the status is the answer
        ) as response:
            status = response.status_code
    except InvalidIPAddress as exc:
        raise RefusedAddress(f"refused: {parts.hostname} resolves to {exc}") from exc
    except requests.RequestException as exc:
        return None, str(exc)[:500]
    if 300 <= status < 400:
        return status, f"HTTP {status}: redirects are not followed"
    return status, "" if 200 <= status < 300 else f"HTTP {status}"
