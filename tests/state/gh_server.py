#!/usr/bin/python3
"""A local HTTP server for the state-file source tests (stdlib only, loopback, port 0).

Usage: gh_server.py ROOT PORTFILE LOGFILE

  GET /repos/OWNER/REPO/contents/PATH[?ref=BRANCH]
      answers like GitHub's contents API: {"type": "file", "encoding": "base64",
      "content": <base64 with a newline every 60 characters>, ...} read from
      ROOT/OWNER/REPO/<BRANCH or "default">/PATH. A directory answers a JSON array.
      Needs "Authorization: token secret-gh-token" or Basic octocat:secret-gh-token
      unless the repository directory holds a file named PUBLIC.
  GET /raw/PATH      the file ROOT/raw/PATH; needs "Authorization: Bearer secret-raw-token"
                     when ROOT/raw/PATH.auth exists.
  GET /redirect/PATH 302 to /raw/PATH.

Every request is logged to LOGFILE as "METHOD PATH AUTH-KIND" (never the secret itself).
"""
import base64
import http.server
import json
import os
import sys
import urllib.parse

ROOT, PORTFILE, LOGFILE = sys.argv[1], sys.argv[2], sys.argv[3]
GH_TOKEN = "secret-gh-token"
RAW_TOKEN = "secret-raw-token"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def log(self, kind):
        with open(LOGFILE, "a") as f:
            f.write("%s %s %s\n" % (self.command, self.path, kind))

    def send(self, code, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def auth_kind(self):
        a = self.headers.get("Authorization", "")
        if a == "token " + GH_TOKEN:
            return "token"
        if a.startswith("Basic "):
            try:
                user, _, pw = base64.b64decode(a[6:]).decode().partition(":")
            except Exception:
                return "bad"
            return "basic:" + user if pw == GH_TOKEN else "bad"
        if a == "Bearer " + RAW_TOKEN:
            return "bearer"
        return "none" if a == "" else "bad"

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/") if p]
        kind = self.auth_kind()
        self.log(kind)
        if len(parts) >= 4 and parts[0] == "repos" and parts[3] == "contents":
            if self.headers.get("Accept", "") != "application/vnd.github+json":
                return self.send(415, '{"message": "bad Accept"}')
            owner, repo, rest = parts[1], parts[2], parts[4:]
            rdir = os.path.join(ROOT, owner, repo)
            if not os.path.exists(os.path.join(rdir, "PUBLIC")) and kind not in (
                    "token", "basic:octocat"):
                return self.send(401, '{"message": "Bad credentials"}')
            branch = q.get("ref", ["default"])[0]
            path = os.path.join(rdir, branch, *rest)
            if os.path.isdir(path):
                return self.send(200, json.dumps([{"type": "file", "name": n}
                                                  for n in sorted(os.listdir(path))]))
            if not os.path.isfile(path):
                return self.send(404, '{"message": "Not Found"}')
            raw = open(path, "rb").read()
            b64 = base64.b64encode(raw).decode()
            content = "\n".join(b64[i:i + 60] for i in range(0, len(b64), 60)) + "\n"
            return self.send(200, json.dumps({
                "type": "file", "encoding": "base64", "size": len(raw),
                "name": rest[-1] if rest else "", "path": "/".join(rest),
                "content": content, "sha": "0" * 40}))
        if len(parts) >= 2 and parts[0] == "raw":
            path = os.path.join(ROOT, *parts)
            if os.path.exists(path + ".auth") and kind != "bearer":
                return self.send(401, '{"message": "token required"}')
            if not os.path.isfile(path):
                return self.send(404, '{"message": "Not Found"}')
            return self.send(200, open(path, "rb").read())
        if len(parts) >= 2 and parts[0] == "redirect":
            self.send_response(302)
            self.send_header("Location", "/raw/" + "/".join(parts[1:]))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send(404, '{"message": "Not Found"}')


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
