#!/bin/bash
# tests/cli/escape.sh - `kcops get connectors -o json` writes awkward strings exactly: a canned
# expanded listing whose names, states, workers, traces, config keys and values hold quotes,
# backslashes, escaped and raw control characters, DEL, valid UTF-8, and bytes that are not
# UTF-8, at every position of an 8-byte word. The output must equal, byte for byte, what
# Python's json.dumps(indent=2, ensure_ascii=False) prints for the documented shape (DEL and
# each byte that is not part of a UTF-8 sequence written as \ufffd); secrets masked unless
# --show-secrets; configs kept as received (compact, flat, plain ASCII) and near misses
# (blanks, non-string values, {}), secrets and ${...} references at many positions, keys past
# the 64 positions memoised, long keys and values. -o names prints the same connectors, sanitised. Writing to a full disk is
# an error.
. "$KCOPS_SOURCE_ROOT/tests/lib/common.sh"
KCOPS=${KCOPS:-$KCOPS_BUILD_ROOT/tui/kcops}
kc_tmpdir
D=$KC_TMP_LAST

"$KC_PY" - "$KCOPS" "$D" <<'PY' || kc_fail "kcops -o json does not write awkward strings exactly (see above)"
import http.server, json, os, subprocess, sys, threading

kcops, tmp = sys.argv[1], sys.argv[2]
# (JSON text as the worker sends it, the string kcops must print)
cases = [
    (b'plain', 'plain'),
    (b'q\\"uote', 'q"uote'),
    (b'back\\\\slash', 'back\\slash'),
    (b'ctl\\u0001x', 'ctl\x01x'),
    (b'tab\\tnl\\n', 'tab\tnl\n'),
    (b'del\x7fx', 'del\ufffdx'),
    (b'utf8 \xc3\xa9 \xf0\x9f\x98\x80', 'utf8 \u00e9 \U0001f600'),
    (b'bad \xff\xfe x', 'bad \ufffd\ufffd x'),
    (b'trunc \xe2\x82', 'trunc \ufffd\ufffd'),
    (b'a longer string with \xc3\xa9 after eight bytes', 'a longer string with \u00e9 after eight bytes'),
    (b'abcdefgh', 'abcdefgh'),
    (b'abcdefg\x7f', 'abcdefg\ufffd'),
    (b'\x7fabcdefghijklmno', '\ufffdabcdefghijklmno'),
    (b'abcdefghijklmno\x7f', 'abcdefghijklmno\ufffd'),
    (b'abcdefghi\\"', 'abcdefghi"'),
    (b'abcd\\u001f', 'abcd\x1f'),
    (b'ab\x1f', 'ab\x1f'),
    (b'', ''),
    (b'a', 'a'),
    (b'1234567\\"', '1234567"'),
    (b'12345678\\\\', '12345678\\'),
    (b'over\xc0\xaflong', 'over\ufffd\ufffdlong'),
    (b'\\u00e9\\ud83d\\ude00 escaped', '\u00e9\U0001f600 escaped'),
]
parts, names = [], []
for i, (raw, _) in enumerate(cases):
    name = b'c%02d-' % i + raw
    names.append(b'"' + name + b'"')
    cfg = (b'{"connector.class":"' + raw + b'","k' + raw + b'":"' + raw +
           b'","db.password":"' + raw + b'"}')
    st = (b'{"name":"x","connector":{"state":"RUNNING","worker_id":"' + raw + b'","trace":"' +
          raw + b'"},"tasks":[{"id":0,"state":"FAILED","worker_id":"' + raw +
          b'","trace":"' + raw + b'"}],"type":"sink"}')
    parts.append(b'"' + name + b'":{"status":' + st + b',"info":{"name":"x","config":' + cfg +
                 b',"tasks":[],"type":"sink"}}')
# Configs that kcops keeps as received when they are compact, flat, printable ASCII without
# escapes (-o json copies their strings), and near misses it decodes: (name, config text, the
# config as printed with secrets masked).
long_key = 'x' * 300 + '.password'
many = ','.join('"k%02d.secret":"v%02d"' % (j, j) for j in range(70))
extras = [
    ('r-plain', '{"connector.class":"C","a.password":"${file:/s:p}","b.token":"t",'
     '"x":"","api.key":"k","url":"http://h/p?q=1"}',
     {'connector.class': 'C', 'a.password': '${file:/s:p}', 'b.token': '********', 'x': '',
      'api.key': '********', 'url': 'http://h/p?q=1'}),
    ('r-class-last', '{"a":"1","connector.class":"Last"}', {'a': '1', 'connector.class': 'Last'}),
    ('r-long', '{"' + long_key + '":"' + 'v' * 40 + '","k":"' + 'w' * 17 + '"}',
     {long_key: '********', 'k': 'w' * 17}),
    ('r-many', '{' + many + '}', dict(('k%02d.secret' % j, '********') for j in range(70))),
    ('r-blank', '{"connector.class": "B", "p.password": "s"}',
     {'connector.class': 'B', 'p.password': '********'}),
    ('r-number', '{"connector.class":"N","tasks.max":2,"n":null,"t":true}',
     {'connector.class': 'N', 'tasks.max': '2', 'n': None, 't': 'true'}),
    ('r-empty', '{}', {}),
    ('r-dollar', '{"s.password":"$","t.password":"${"}', {'s.password': '********', 't.password': '${'}),
    # larger than the 64 KiB output buffer: a pair, and a config of many pairs
    ('r-huge', '{"big":"' + 'x' * 70000 + '","b.password":"p"}',
     {'big': 'x' * 70000, 'b.password': '********'}),
    ('r-wide', '{' + ','.join('"w%04d":"v%d"' % (j, j) for j in range(3000)) + '}',
     dict(('w%04d' % j, 'v%d' % j) for j in range(3000))),
]
for n, cfg, _ in extras:
    names.append(b'"' + n.encode() + b'"')
    parts.append(b'"' + n.encode() + b'":{"status":{"name":"x","connector":{"state":"RUNNING",'
                 b'"worker_id":"w"},"tasks":[],"type":"source"},"info":{"name":"x","config":' +
                 cfg.encode() + b',"tasks":[],"type":"source"}}')
doc = b'{' + b','.join(parts) + b'}'
plain = b'[' + b','.join(names) + b']'

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == '/connectors?expand=status&expand=info':
            body = doc
        elif self.path == '/connectors':
            body = plain
        elif self.path == '/':
            body = b'{"version":"3.9.0","commit":"c","kafka_cluster_id":"k"}'
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass

srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
url = 'http://127.0.0.1:%d' % srv.server_address[1]

def expected(show_secrets):
    out = []
    for i, (_, s) in enumerate(cases):
        out.append({
            'name': 'c%02d-' % i + s, 'type': 'sink', 'state': 'RUNNING', 'health': 'failed',
            'worker_id': s, 'class': s, 'trace': s,
            'tasks': [{'id': 0, 'state': 'FAILED', 'worker_id': s, 'trace': s}],
            'config': {'connector.class': s, 'k' + s: s,
                       'db.password': s if show_secrets or s == '' else '********'}})
    for n, cfg, masked in extras:
        conf = json.loads(cfg)
        if not show_secrets:
            conf = masked
        else:
            conf = dict((k, v if isinstance(v, str) or v is None else json.dumps(v))
                        for k, v in conf.items())
        out.append({'name': n, 'type': 'source', 'state': 'RUNNING', 'health': 'running',
                    'worker_id': 'w', 'class': conf.get('connector.class', ''), 'tasks': [],
                    'config': conf})
    out.sort(key=lambda c: c['name'].encode('utf-8', 'surrogatepass'))
    text = json.dumps(out, indent=2, ensure_ascii=False) + '\n'
    return text.replace('\ufffd', '\\ufffd').encode()	# written as an escape

def run(*args):
    p = subprocess.run([kcops, '--url', url, 'get', 'connectors'] + list(args),
                       capture_output=True, env=dict(os.environ, NO_COLOR='1'))
    if p.returncode != 0:
        sys.exit('kcops %s: exit %d: %s' % (' '.join(args), p.returncode, p.stderr.decode(errors='replace')))
    return p.stdout

bad = 0
for args, show in ((['-o', 'json'], False), (['-o', 'json', '--show-secrets'], True)):
    got, want = run(*args), expected(show)
    if got != want:
        bad += 1
        open(os.path.join(tmp, 'got'), 'wb').write(got)
        open(os.path.join(tmp, 'want'), 'wb').write(want)
        subprocess.run(['diff', '-a', os.path.join(tmp, 'want'), os.path.join(tmp, 'got')])
        print('FAIL: %s differs from the expected output (diff above: < expected, > kcops)'
              % ' '.join(args), file=sys.stderr)
# A full disk is an error (exit 1, said on stderr), not a silently short document.
for form in ('json', 'table', 'names'):
    with open('/dev/full', 'wb') as full:
        p = subprocess.run([kcops, '--url', url, 'get', 'connectors', '-o', form], stdout=full,
                           stderr=subprocess.PIPE)
    if p.returncode != 1 or b'No space left on device' not in p.stderr:
        bad += 1
        print('FAIL: -o %s to /dev/full: exit %d, stderr %r' % (form, p.returncode, p.stderr),
              file=sys.stderr)
lines = run('-o', 'names').split(b'\n')
if len(lines) != len(cases) + len(extras) + 1 or lines[-1] != b'':
    bad += 1
    print('FAIL: -o names printed %d lines for %d connectors' % (len(lines) - 1,
          len(cases) + len(extras)),
          file=sys.stderr)
elif any(b < 0x20 or b == 0x7f for line in lines for b in line):
    bad += 1
    print('FAIL: -o names let a control character through', file=sys.stderr)
else:
    # every name that is printable ASCII (quotes and backslashes too) is a line as it is
    printable = [c[1] for c in cases if all(0x20 <= ord(ch) < 0x7f for ch in c[1])]
    want = set(('c%02d-' % i + c[1]).encode() for i, c in enumerate(cases) if c[1] in printable)
    want |= set(n.encode() for n, _, _ in extras)
    missing = want - set(lines)
    if missing:
        bad += 1
        print('FAIL: -o names lacks %r' % sorted(missing)[:5], file=sys.stderr)
sys.exit(1 if bad else 0)
PY
echo "escape: awkward strings written exactly by -o json (${0##*/})"
