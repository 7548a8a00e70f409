#!/usr/bin/python3
"""Replay canned Kafka Connect REST responses (tests/data/connect/*.json) on a free port.

Usage: replay.py SCENARIO.json PORT_FILE LOG_FILE

A scenario is {"derived_from": ..., "kafka_release": ..., "routes": [ROUTE...]}; a ROUTE is
{"method" ("*": any), "path" (exact, percent-encoded as sent, query included),
 "any_query": bool, "prefix": bool (path is a prefix), "authorization": required header value,
 "status", "body" (JSON) | "text" (raw body), "content_type", "headers",
 "responses": [ {status, body|text, ...}, ... ]  (consumed in order, the last one repeats)}.
Unmatched requests get Connect's JAX-RS 404 shape. Every request is appended to LOG_FILE as
one JSON line {"method", "path", "body", "authorization"} so tests can check what the client
sent. The port is written to PORT_FILE once listening."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

scenario = json.load(open(sys.argv[1], encoding="utf-8"))
port_file, log_file = sys.argv[2], sys.argv[3]
routes = scenario["routes"]
counters = {}


def find(method, path, auth):
    bare = path.split("?", 1)[0]
    for i, r in enumerate(routes):
        if r["method"] not in (method, "*"):
            continue
        if "authorization" in r and r["authorization"] != auth:
            continue
        if (r["path"] == path or (r.get("any_query") and r["path"] == bare)
                or (r.get("prefix") and path.startswith(r["path"]))):
            return i, r
    return None, None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else None
        with open(log_file, "a", encoding="utf-8") as f:
            f.write(json.dumps({"method": self.command, "path": self.path, "body": body,
                                "authorization": self.headers.get("Authorization"),
                                "headers": {k: v for k, v in self.headers.items()
                                            if k.lower().startswith("x-")}}) + "\n")
        idx, r = find(self.command, self.path, self.headers.get("Authorization"))
        if r is None:
            resp = {"status": 404, "body": {"error_code": 404,
                                            "message": "HTTP 404 Not Found"}}
        elif "responses" in r:
            k = counters.get(idx, 0)
            counters[idx] = k + 1
            resp = r["responses"][min(k, len(r["responses"]) - 1)]
        else:
            resp = r
        status = resp.get("status", 200)
        if "text" in resp:
            data = resp["text"].encode("utf-8")
            ctype = resp.get("content_type", "text/plain")
        elif "body" in resp and status not in (204,):
            data = json.dumps(resp["body"]).encode("utf-8")
            ctype = resp.get("content_type", "application/json")
        else:
            data = b""
            ctype = None
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in resp.get("headers", {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = handle_any


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
