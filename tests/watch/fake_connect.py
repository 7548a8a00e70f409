#!/usr/bin/python3
"""A scripted Kafka Connect REST API for the watch scale test: N connectors, the first F of
them with task 0 FAILED until restarted. Implements just what kcops watch uses: GET /,
GET /connectors[?expand=status&expand=info], GET /connectors/C/status,
POST /connectors/C/restart[?includeTasks&onlyFailed]. Counts requests per kind and writes
them as JSON to STATS on every request. Prints "port=N" once listening.

usage: fake_connect.py N F STATS"""
import http.server
import json
import os
import sys
import threading
import urllib.parse

n, nfail, stats_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
names = ["conn-%05d" % i for i in range(n)]
failed = set(names[:nfail])
stats = {"bulk": 0, "names": 0, "status": {}, "restart": {}, "other": 0}
WORKER = "127.0.0.1:8083"
TRACE = ("org.apache.kafka.connect.errors.ConnectException: scripted failure\n"
         "\tat Fake.start(Fake.java:1)\nCaused by: java.io.IOException: disk on fire\n")


def status(name):
    task = {"id": 0, "state": "RUNNING", "worker_id": WORKER}
    if name in failed:
        task = {"id": 0, "state": "FAILED", "worker_id": WORKER, "trace": TRACE}
    return {"name": name, "connector": {"state": "RUNNING", "worker_id": WORKER},
            "tasks": [task, {"id": 1, "state": "RUNNING", "worker_id": WORKER}],
            "type": "sink"}


def info(name):
    return {"name": name, "type": "sink",
            "config": {"connector.class": "FileStreamSink", "topics": "t", "name": name,
                       "tasks.max": "2"},
            "tasks": [{"connector": name, "task": 0}, {"connector": name, "task": 1}]}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, code, doc):
        body = json.dumps(doc).encode() if doc is not None else b""
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def record(self, key, name=None):
        with lock:
            if name is None:
                stats[key] += 1
            else:
                stats[key][name] = stats[key].get(name, 0) + 1
            with open(stats_path + ".tmp", "w") as f:
                json.dump(stats, f)
            os.replace(stats_path + ".tmp", stats_path)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        parts = [urllib.parse.unquote(p) for p in u.path.split("/") if p]
        if parts == []:
            self.record("other")
            return self.answer(200, {"version": "3.8.0", "commit": "fake",
                                     "kafka_cluster_id": "fake"})
        if parts == ["connectors"]:
            if "expand" in u.query:
                self.record("bulk")
                with lock:
                    doc = {c: {"status": status(c), "info": info(c)} for c in names}
                return self.answer(200, doc)
            self.record("names")
            return self.answer(200, names)
        if len(parts) == 3 and parts[0] == "connectors" and parts[2] == "status":
            self.record("status", parts[1])
            with lock:
                return self.answer(200, status(parts[1]))
        self.record("other")
        self.answer(404, {"error_code": 404, "message": "not here"})

    def do_POST(self):
        u = urllib.parse.urlparse(self.path)
        parts = [urllib.parse.unquote(p) for p in u.path.split("/") if p]
        if len(parts) == 3 and parts[0] == "connectors" and parts[2] == "restart":
            self.record("restart", parts[1])
            with lock:
                was = status(parts[1])
                if parts[1] in failed:
                    was["tasks"][0]["state"] = "RESTARTING"
                failed.discard(parts[1])
            return self.answer(202, was)
        self.record("other")
        self.answer(404, {"error_code": 404, "message": "not here"})

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("port=%d" % srv.server_address[1], flush=True)
srv.serve_forever()
