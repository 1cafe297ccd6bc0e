"""A tiny webhook receiver of our own: checks each signature, counts each event id.

Runs in a thread of the scenario's process on 127.0.0.1; ``stop()`` closes its port (a receiver
that is down: connections are refused) and ``start()`` opens the same port again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .providers import WEBHOOK_SECRET


class Receiver:
    def __init__(self, port: int, secret: str = WEBHOOK_SECRET) -> None:
        self.port, self.secret = port, secret
        self.lock = threading.Lock()
        self.arrivals: list[dict] = []  # every POST that was answered 200, in arrival order
        self.counts: Counter = Counter()  # event id -> times received
        self.bad_signatures = 0
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/casusregie"

    @property
    def allowed_host(self) -> str:
        """For ``WEBHOOK_ALLOWED_HOSTS``: production refuses a loopback webhook otherwise."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server interface
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.receive(self.headers, body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def receive(self, headers, body: bytes) -> None:
        timestamp = headers.get("X-Casusregie-Timestamp", "")
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        good = hmac.compare_digest(
            f"sha256={expected.hexdigest()}", headers.get("X-Casusregie-Signature", "")
        )
        payload = json.loads(body)
        event_id = headers.get("X-Casusregie-Event-Id", "")
        with self.lock:
            if not good:
                self.bad_signatures += 1
            self.counts[event_id] += 1
            self.arrivals.append(
                {
                    "event_id": event_id,
                    "referral": payload.get("referral"),
                    "version": payload.get("version"),
                    "type": payload.get("type"),
                    "at": time.monotonic(),
                }
            )

    # -- what arrived ---------------------------------------------------------------------------
    def duplicates(self) -> int:
        with self.lock:
            return sum(n - 1 for n in self.counts.values() if n > 1)

    def out_of_order(self) -> int:
        """Arrivals of a referral whose version is lower than one that arrived before it."""
        seen: dict[str, int] = {}
        wrong = 0
        with self.lock:
            for arrival in self.arrivals:
                ref, version = arrival["referral"], arrival["version"]
                if version < seen.get(ref, 0):
                    wrong += 1
                seen[ref] = max(seen.get(ref, 0), version)
        return wrong

    def event_ids(self) -> set[str]:
        with self.lock:
            return set(self.counts)
