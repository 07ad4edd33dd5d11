#!/usr/bin/env python3
"""A Tessera webhook receiver in a few lines: checks the signature, drops duplicates by event id.

    TESSERA_WEBHOOK_SECRET=whsec_... python3 examples/webhook_receiver.py 8080

then `POST /api/v1/webhooks {"url": "http://<this host>:8080/", "enabled-events": ["*"]}` (a loopback or
private address needs `tessera serve --allow-private-webhook-targets`). Standard library only.
"""
import hashlib, hmac, json, os, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRETS = [s for s in os.environ["TESSERA_WEBHOOK_SECRET"].split(",") if s]  # old,new while rotating
TOLERANCE = 300  # seconds between the signature's t and our clock
seen = set()     # event ids already handled (use your database in production)


def verify(header: str, body: bytes) -> bool:
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    t = next((v for k, v in parts if k == "t"), None)
    signatures = [v for k, v in parts if k == "v1"]
    if t is None or not t.isdigit() or abs(time.time() - int(t)) > TOLERANCE:
        return False
    for secret in SECRETS:
        expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, s) for s in signatures):
            return True
    return False


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not verify(self.headers.get("Tessera-Signature", ""), body):
            self.send_response(400); self.end_headers(); return
        event = json.loads(body)["data"]
        if event["id"] not in seen:  # at-least-once delivery: the same id may come again
            seen.add(event["id"])
            print(event["attributes"]["name"], event["id"],
                  "attempt", self.headers.get("Tessera-Webhook-Attempt"), flush=True)
        self.send_response(204); self.end_headers()


if __name__ == "__main__":
    HTTPServer(("0.0.0.0", int(sys.argv[1]) if len(sys.argv) > 1 else 8080), Receiver).serve_forever()
