#!/usr/bin/env bash
# rest_garbage.sh - hostile and malformed HTTP requests (random methods, paths, escapes,
# bodies, deep nesting, huge headers, raw garbage, half-sent requests) never crash or wedge
# kcops-worker: every answer from the router is a JSON error or a success, and the worker
# keeps serving. Deterministic (fixed seed), so a failure reproduces.
. "$(dirname "$0")/../lib/worker.sh"
worker_start
kc_http POST "$WORKER_URL/connectors" '{"name":"victim","config":{"connector.class":"HttpCronSource","topic":"g","jobs":"a","job.a.url":"http://127.0.0.1:9/","job.a.cron":"0 0 0 * * ?"}}'
kc_expect_code 201 create
"$KC_PY" - "$WORKER_URL" <<'PY' || kc_fail "garbage requests broke the worker"
import json, random, socket, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
rnd = random.Random(20261121)

def raw(data, read=True, timeout=5):
    """Send data, return whatever came back (the server may close early: that is fine)."""
    s = socket.create_connection((u.hostname, u.port), timeout=timeout)
    out = b""
    try:
        try:
            s.sendall(data)
            if not read:
                return b""
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()

def request(method, path, body=None, headers=()):
    req = "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % (method, path)
    for h in headers:
        req += h + "\r\n"
    b = body if isinstance(body, bytes) else (body or "").encode("utf-8", "surrogatepass")
    if body is not None:
        req += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(b)
    return raw(req.encode("latin-1", "replace") + b"\r\n" + b)

methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "BREW", "get"]
segs = ["connectors", "victim", "status", "tasks", "0", "-1", "99999999999999999999", "config",
        "offsets", "restart", "pause", "topics", "reset", "connector-plugins", "validate",
        "admin", "loggers", "kcops", "v1", "exchanges", "%", "%zz", "%00", "%2F", "..", ".",
        "%C3%28", "\u00e9".encode().decode("latin-1"), "x" * 3000, "", "{}", "?a=b", "#frag"]
bodies = [None, "", "{", "[]", "null", "\"str\"", "{\"name\":1}", "{\"config\":{}}",
          "[" * 5000 + "]" * 5000, "{\"a\":" * 3000 + "1" + "}" * 3000,
          "{\"name\":\"n\",\"config\":{\"connector.class\":\"HttpCronSource\",\"x\":[1]}}",
          "\x00\x01\x02", "{\"level\":\"DEBUG\"}", "{\"offsets\":[{\"partition\":{},\"offset\":null}]}",
          "\ud800"]
bad = 0
seen = {}
routes = [("GET", "/"), ("GET", "/health"), ("GET", "/connectors"), ("POST", "/connectors"),
          ("GET", "/connectors/{}"), ("GET", "/connectors/{}/config"), ("PUT", "/connectors/{}/config"),
          ("PATCH", "/connectors/{}/config"), ("GET", "/connectors/{}/status"), ("GET", "/connectors/{}/tasks"),
          ("GET", "/connectors/{}/tasks/{}/status"), ("POST", "/connectors/{}/restart"),
          ("POST", "/connectors/{}/tasks/{}/restart"), ("PUT", "/connectors/{}/pause"),
          ("PUT", "/connectors/{}/resume"), ("GET", "/connectors/{}/topics"), ("GET", "/connectors/{}/offsets"),
          ("PATCH", "/connectors/{}/offsets"), ("GET", "/connector-plugins"),
          ("GET", "/connector-plugins/{}/config"), ("PUT", "/connector-plugins/{}/config/validate"),
          ("GET", "/admin/loggers"), ("GET", "/admin/loggers/{}"), ("PUT", "/admin/loggers/{}"),
          ("GET", "/kcops/v1/connectors/{}/exchanges"), ("GET", "/kcops/v1/connectors/{}/metrics"),
          ("GET", "/kcops/v1/worker")]
fills = ["victim", "victim", "victim", "0", "HttpCronSource", "root", "kcops.worker"] + segs
for i in range(600):
    if rnd.random() < 0.75:
        m, tpl = rnd.choice(routes)
        path = tpl
        while "{}" in path:
            path = path.replace("{}", rnd.choice(fills), 1)
        if rnd.random() < 0.2:
            m = rnd.choice(methods)
    else:
        m = rnd.choice(methods)
        path = "/" + "/".join(rnd.choice(segs) for _ in range(rnd.randint(0, 6)))
    if rnd.random() < 0.3:
        path += "?" + "&".join("%s=%s" % (rnd.choice(["expand", "since", "wait", "includeTasks", "onlyFailed", "scope", "%zz", ""]),
                                          rnd.choice(["status", "info", "true", "-5", "1e99", "%", "cluster", ""])) for _ in range(rnd.randint(1, 4)))
    if "wait=" in path:
        path = path.replace("wait=", "w=")	# no long polls here
    body = rnd.choice(bodies)
    if m == "DELETE" and rnd.random() < 0.8:
        m = "GET"	# keep the victim most of the time
    resp = request(m, path, body)
    if not resp:
        continue	# MHD may drop a hopeless request
    head, _, payload = resp.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.") else 0
    seen[status] = seen.get(status, 0) + 1
    if status == 0:
        print("no HTTP status for %s %r: %r" % (m, path[:80], resp[:200])); bad += 1; continue
    if status >= 400 and b"application/json" in head and m != "HEAD":
        try:
            e = json.loads(payload)
            assert isinstance(e["error_code"], int) and e["error_code"] == status, e
        except Exception as ex:
            print("bad error body for %s %r -> %d: %r (%s)" % (m, path[:80], status, payload[:200], ex)); bad += 1
    if status >= 500 and body is None and m == "GET":
        print("5xx on a bodiless GET %r: %r" % (path[:80], payload[:200])); bad += 1
# raw garbage, huge headers, half requests, pipelining
raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(rnd.getrandbits(8) for _ in range(500)))
raw(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 200000 + b"\r\n\r\n")
raw(b"POST /connectors HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"name\":", read=False)
raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 50 + b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
raw(b"GET /" + b"a/" * 20000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
ok = request("GET", "/connectors/victim/status")
if b" 200 " not in ok.split(b"\r\n")[0]:
    print("worker no longer serves: %r" % ok[:200]); bad += 1
sys.stderr.write("# statuses: %s\n" % sorted(seen.items()))
if sum(seen.values()) < 450:
    print("only %d of 600 requests were answered" % sum(seen.values())); bad += 1
sys.exit(1 if bad else 0)
PY
kc_http GET "$WORKER_URL/"; kc_expect_code 200 "still serving"
worker_stop
echo "rest_garbage: all checks passed"
