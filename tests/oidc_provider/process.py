"""Run the test identity provider for a test session, and log in at it as a browser would.

``running_provider`` starts ``serve.py`` in a subprocess on a free localhost port and yields
its issuer and base address once its discovery document answers; ``log_in_at_provider`` walks
its authorize endpoint and login form over HTTP (``requests``) and returns the redirect back to
the client (our callback URL with ``code`` and ``state``).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests

BASE_DIR = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Provider:
    issuer: str
    base: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_provider(
    folder: Path, *, clients: list[dict], accounts: list[dict]
) -> Iterator[Provider]:
    """The provider with ``clients`` and ``accounts`` (see ``serve.py``), stopped afterwards."""
    port = free_port()
    config = {
        "port": port,
        "database": str(folder / "provider.sqlite3"),
        "clients": clients,
        "accounts": accounts,
    }
    (folder / "config.json").write_text(json.dumps(config))
    log = (folder / "provider.log").open("w")
    process = subprocess.Popen(  # noqa: S603 (our own module, no shell)
        [sys.executable, "-m", "tests.oidc_provider.serve", str(folder / "config.json")],
        cwd=BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    discovery = f"{base}/o/.well-known/openid-configuration"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                if requests.get(discovery, timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the test identity provider did not start: see {log.name}")
            time.sleep(0.3)
        yield Provider(issuer=requests.get(discovery, timeout=5).json()["issuer"], base=base)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def log_in_at_provider(authorize_url: str, username: str, password: str) -> str:
    """The provider's side, over HTTP: its login form, then back. Returns the client's
    redirect URL (with ``code`` and ``state``, or ``error``)."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:500]
    login_url = urljoin(authorize_url, response.headers["Location"])
    form = browser.get(login_url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    nxt = re.search(r'name="next" value="([^"]*)"', form.text).group(1).replace("&amp;", "&")
    response = browser.post(
        login_url,
        {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": nxt},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    response = browser.get(
        urljoin(login_url, response.headers["Location"]), allow_redirects=False, timeout=10
    )
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]
