#!/usr/bin/python3
"""http_test_server.py - a small stateful HTTP server for the HTTP sink's tests.

It does what nginx cannot: fail N times then succeed, answer with varying Retry-After
(seconds or an HTTP date), act as an OAuth2 token endpoint with expiring tokens, answer
slowly, drop connections, and log every X-Request-ID it sees (for at-least-once checks).

Binds 127.0.0.1 on a free port and prints "PORT <n>" on stdout. Standard library only.

Endpoints (all also accept POST/PUT/...; query parameters configure each call):
  /ok                          200 {"ok":true}
  /status/<code>               that status
  /flaky/<key>?fail=N&status=S&retry_after=V
                               the first N calls with <key> answer S (default 503) with
                               Retry-After V when given (V "date+K" = an HTTP date K s ahead),
                               then 200; the answer body says which call it was
  /slow?ms=N                   200 after N ms
  /drop                        closes the connection without answering
  /big?bytes=N                 200 with an N-byte text body
  /redirect?to=URL             302 to URL
  /echo                        200 with the request (method, path, headers, body base64)
  /token                       OAuth2 client credentials (basic or post client auth);
                               tokens live --token-ttl seconds
  /.well-known/openid-configuration   {"token_endpoint": ".../token"}
  /protected                   200 with a valid, unexpired bearer token, else 401
  /stats                       counters, tokens issued, request ids seen (JSON)
"""
import argparse
import base64
import email.utils
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {
    "calls": {},          # path -> count
    "flaky": {},          # key -> calls so far
    "tokens": {},         # token -> expiry (epoch seconds)
    "tokens_issued": 0,
    "unauthorized": 0,
    "ids": {},            # X-Request-ID -> count
}
ARGS = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kcops-test/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def _reply(self, status, body=b"", ctype="application/json", headers=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        path = url.path
        rid = self.headers.get("X-Request-ID")
        with LOCK:
            STATE["calls"][path] = STATE["calls"].get(path, 0) + 1
            if rid:
                STATE["ids"][rid] = STATE["ids"].get(rid, 0) + 1
        if ARGS.id_log and rid:
            with LOCK, open(ARGS.id_log, "a") as f:
                f.write(rid + "\n")

        if path == "/ok":
            return self._reply(200, '{"ok":true}')
        if path.startswith("/status/"):
            code = int(path.split("/")[2])
            return self._reply(code, json.dumps({"status": code}))
        if path.startswith("/flaky/"):
            key = path[len("/flaky/"):]
            fail = int(q.get("fail", "2"))
            with LOCK:
                n = STATE["flaky"].get(key, 0) + 1
                STATE["flaky"][key] = n
            if n <= fail:
                headers = {}
                ra = q.get("retry_after")
                if ra:
                    if ra.startswith("date+"):
                        ra = email.utils.formatdate(time.time() + float(ra[5:]), usegmt=True)
                    headers["Retry-After"] = ra
                return self._reply(int(q.get("status", "503")),
                                   json.dumps({"call": n, "failed": True}), headers=headers)
            return self._reply(200, json.dumps({"call": n, "failed": False}))
        if path == "/slow":
            time.sleep(int(q.get("ms", "1000")) / 1000.0)
            return self._reply(200, '{"slow":true}')
        if path == "/drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return None
        if path == "/big":
            n = int(q.get("bytes", "200000"))
            return self._reply(200, "x" * n, ctype="text/plain")
        if path == "/redirect":
            return self._reply(302, "", headers={"Location": q.get("to", "/ok")})
        if path.startswith("/echo"):
            return self._reply(200, json.dumps({
                "method": self.command, "path": self.path,
                "headers": {k: ", ".join(self.headers.get_all(k)) for k in self.headers.keys()},
                "body": base64.b64encode(body).decode()}))
        if path == "/.well-known/openid-configuration":
            host = self.headers.get("Host")
            return self._reply(200, json.dumps({"token_endpoint": "http://%s/token" % host}))
        if path == "/token":
            form = dict(urllib.parse.parse_qsl(body.decode()))
            cid, secret = form.get("client_id"), form.get("client_secret")
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            if form.get("grant_type") != "client_credentials" or \
                    cid != ARGS.client_id or secret != ARGS.client_secret:
                return self._reply(401, '{"error":"invalid_client"}')
            with LOCK:
                STATE["tokens_issued"] += 1
                tok = "tok-%d" % STATE["tokens_issued"]
                STATE["tokens"][tok] = time.time() + ARGS.token_ttl
            answer = {"access_token": tok, "token_type": "Bearer"}
            if not ARGS.hide_expiry:
                answer["expires_in"] = ARGS.token_ttl
            return self._reply(200, json.dumps(answer))
        if path == "/protected":
            auth = self.headers.get("Authorization", "")
            tok = auth[7:] if auth.startswith("Bearer ") else None
            with LOCK:
                exp = STATE["tokens"].get(tok)
                ok = exp is not None and exp > time.time()
                if not ok:
                    STATE["unauthorized"] += 1
            if not ok:
                return self._reply(401, '{"error":"invalid_token"}',
                                   headers={"WWW-Authenticate": "Bearer"})
            return self._reply(200, json.dumps({"token": tok}))
        if path == "/stats":
            with LOCK:
                return self._reply(200, json.dumps(STATE))
        return self._reply(404, '{"error":"not found"}')

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--token-ttl", type=int, default=3600)
    p.add_argument("--client-id", default="cid")
    p.add_argument("--client-secret", default="secret")
    p.add_argument("--id-log", default=None)
    p.add_argument("--hide-expiry", action="store_true",
                   help="no expires_in in token answers (clients learn of expiry by a 401)")
    ARGS = p.parse_args()
    ThreadingHTTPServer.request_queue_size = 1024   # many parallel connects from the sink
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
