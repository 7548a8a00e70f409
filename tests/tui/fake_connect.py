#!/usr/bin/env python3
"""fake_connect.py - a small in-memory Kafka Connect REST server for TUI tests and the bench.

It answers the endpoints the console uses (bulk listing with expand, per-connector info,
status, config, topics, offsets, pause/resume/stop/restart/delete, validate, and the kcops
extensions for exchanges and queues), logs every request line to --log, and can be seeded
with N generated connectors. It listens on 127.0.0.1 with an OS-chosen port and writes the
port to --port-file. Used where the real worker is not the point (10,000-connector bench,
canned traces); the TUI tests proper run against kcops-worker.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs, unquote

LOCK = threading.Lock()
CONNECTORS = {}
EXCHANGES = {}
LOG = None
GEN = 0
APACHE = False


def make(name, i=0, state="RUNNING", ntasks=2, failed_task=None, cls="kcops.http.HttpSinkConnector",
         ctype="sink", config=None):
    cfg = {"connector.class": cls, "tasks.max": str(ntasks), "topics": "t%d" % (i % 50), "name": name}
    if config:
        cfg.update(config)
    tasks = []
    for t in range(ntasks):
        st = "FAILED" if failed_task == t else state if state in ("RUNNING", "PAUSED", "STOPPED") else "RUNNING"
        task = {"id": t, "state": st, "worker_id": "127.0.0.1:%d" % (8083 + (i + t) % 3)}
        if st == "FAILED":
            task["trace"] = "java.lang.RuntimeException: boom %d\n\tat a.b.C.run(C.java:42)\n\tat x.y.Z(Z.java:1)" % t
        tasks.append(task)
    return {"name": name, "type": ctype, "config": cfg, "state": state,
            "worker_id": "127.0.0.1:%d" % (8083 + i % 3), "tasks": tasks, "trace": None}


def status_of(c):
    s = {"name": c["name"], "connector": {"state": c["state"], "worker_id": c["worker_id"]},
         "tasks": [dict(t) for t in c["tasks"]], "type": c["type"]}
    if c.get("trace"):
        s["connector"]["trace"] = c["trace"]
    return s


def info_of(c):
    return {"name": c["name"], "config": c["config"], "type": c["type"],
            "tasks": [{"connector": c["name"], "task": t["id"]} for t in c["tasks"]]}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def handle_any(self, method):
        u = urlparse(self.path)
        parts = [unquote(p) for p in u.path.split("/") if p]
        q = parse_qs(u.query)
        if LOG:
            with open(LOG, "a") as f:
                f.write("%.3f %s %s\n" % (time.time(), method, self.path))
        with LOCK:
            return self.route(method, parts, q)

    def route(self, m, p, q):
        global GEN
        if m == "GET" and not p:
            return self.send(200, {"version": "3.7.0", "commit": "fake", "kafka_cluster_id": "fake"})
        if p[:1] == ["connectors"]:
            if len(p) == 1 and m == "GET":
                exp = q.get("expand", [])
                if not exp:
                    return self.send(200, sorted(CONNECTORS))
                out = {}
                for n, c in CONNECTORS.items():
                    e = {}
                    if "status" in exp:
                        e["status"] = status_of(c)
                    if "info" in exp:
                        e["info"] = info_of(c)
                    out[n] = e
                return self.send(200, out)
            if len(p) == 1 and m == "POST":
                b = self.body() or {}
                n = b.get("name")
                if not n or n in CONNECTORS:
                    return self.send(409, {"error_code": 409, "message": "Connector %s already exists" % n})
                CONNECTORS[n] = make(n, config=b.get("config"))
                return self.send(201, info_of(CONNECTORS[n]))
            n = p[1]
            c = CONNECTORS.get(n)
            if c is None:
                return self.send(404, {"error_code": 404, "message": "Connector %s not found" % n})
            rest = p[2:]
            if not rest and m == "GET":
                return self.send(200, info_of(c))
            if not rest and m == "DELETE":
                del CONNECTORS[n]
                return self.send(204)
            if rest == ["status"]:
                return self.send(200, status_of(c))
            if rest == ["config"] and m == "GET":
                return self.send(200, c["config"])
            if rest == ["config"] and m == "PUT":
                c["config"] = self.body() or {}
                return self.send(200, info_of(c))
            if rest == ["topics"]:
                return self.send(200, {n: {"topics": [c["config"].get("topics", "t")]}})
            if rest == ["offsets"]:
                return self.send(200, {"offsets": []})
            if rest in (["pause"], ["resume"], ["stop"]):
                st = {"pause": "PAUSED", "resume": "RUNNING", "stop": "STOPPED"}[rest[0]]
                c["state"] = st
                for t in c["tasks"]:
                    t["state"] = st
                    t.pop("trace", None)
                return self.send(202)
            if rest == ["restart"]:
                only_failed = q.get("onlyFailed", ["false"])[0] == "true"
                for t in c["tasks"]:
                    if q.get("includeTasks", ["false"])[0] == "true" and (not only_failed or t["state"] == "FAILED"):
                        t["state"] = "RUNNING"
                        t.pop("trace", None)
                return self.send(202 if q else 204, status_of(c) if q else None)
        if p[:1] == ["connector-plugins"] and p[-1:] == ["validate"]:
            b = self.body() or {}
            errs = []
            if "tasks.max" in b and not str(b["tasks.max"]).isdigit():
                errs.append({"value": {"name": "tasks.max", "errors": ["Invalid value %s for configuration tasks.max: Not a number" % b["tasks.max"]]}})
            return self.send(200, {"name": p[1], "error_count": len(errs), "groups": [], "configs": errs})
        if APACHE and p[:1] == ["kcops"]:
            return self.send(404, {"error_code": 404, "message": "HTTP 404 Not Found"})
        if p[:3] == ["kcops", "v1", "queues"]:
            return self.send(200, [{"name": "default", "depth": 3, "capacity": 100, "max_depth": 10,
                                    "enqueued": 10, "dequeued": 7, "rejected": 0, "consumer": "q-src",
                                    "producers": ["sink"]}])
        if p[:3] == ["kcops", "v1", "connectors"] and p[-1:] == ["exchanges"]:
            since = int(q.get("since", ["0"])[0])
            ex = [e for e in EXCHANGES.get(p[3], []) if e["seq"] > since]
            return self.send(200, {"connector": p[3], "exchanges": ex, "next": ex[-1]["seq"] if ex else since})
        return self.send(404, {"error_code": 404, "message": "not found: %s" % "/".join(p)})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")


def main():
    global LOG, APACHE
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--connectors", type=int, default=0)
    ap.add_argument("--seed", help="JSON file: list of connector specs for make()")
    ap.add_argument("--apache", action="store_true", help="no /kcops/v1 extensions (404)")
    a = ap.parse_args()
    LOG = a.log
    APACHE = a.apache
    for i in range(a.connectors):
        st = "FAILED" if i % 97 == 5 else "PAUSED" if i % 31 == 3 else "RUNNING"
        CONNECTORS["conn-%05d" % i] = make("conn-%05d" % i, i, state=st,
                                           failed_task=1 if i % 13 == 7 else None,
                                           ctype="sink" if i % 2 else "source")
    if a.seed:
        for spec in json.load(open(a.seed)):
            c = make(**{k: v for k, v in spec.items() if k not in ("trace", "exchanges")})
            if spec.get("trace"):
                c["trace"] = spec["trace"]
            CONNECTORS[c["name"]] = c
            if spec.get("exchanges"):
                EXCHANGES[c["name"]] = spec["exchanges"]
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
