#!/usr/bin/python3
"""A webhook receiver for the watch tests: listens on a free loopback port, appends every
POST body (one JSON document) as one line to OUT, answers 200. The first FAIL_FIRST requests
get 503 (to see the notifier retry). Prints "port=N" on stdout once listening.

usage: hook_server.py OUT [FAIL_FIRST]"""
import http.server
import json
import sys
import threading

out_path = sys.argv[1]
fail_first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
lock = threading.Lock()
hits = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global hits
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        with lock:
            hits += 1
            fail = hits <= fail_first
            if not fail:
                doc = json.loads(body)
                doc["_content_type"] = self.headers.get("Content-Type")
                doc["_x_token"] = self.headers.get("X-Token")
                with open(out_path, "a") as f:
                    f.write(json.dumps(doc) + "\n")
        self.send_response(503 if fail else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("port=%d" % srv.server_address[1], flush=True)
srv.serve_forever()
