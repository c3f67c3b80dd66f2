"""A webhook receiver on loopback for the outbox tests: it checks each request's signature, keeps
its headers and body, answers 500 to every `fail_every`-th one (0: never) and applies each
idempotency key once."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from appliance.crm.outbox import SIGNATURE_HEADER

SECRET = "a-long-webhook-secret"


class Receiver:
    """The receiver; `url` to post to, `close()` when done."""

    def __init__(self, fail_every: int = 0) -> None:
        self.requests = 0
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.applied: dict[str, dict] = {}
        self.fail_every = fail_every
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests += 1
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(expected, self.headers[SIGNATURE_HEADER]):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                elif receiver.fail_every and receiver.requests % receiver.fail_every == 0:
                    self.send_response(500)
                else:
                    receiver.received.append((dict(self.headers), body))
                    receiver.applied.setdefault(self.headers["Idempotency-Key"], json.loads(body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
