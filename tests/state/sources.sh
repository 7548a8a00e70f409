#!/usr/bin/env bash
# tests/state/sources.sh - where a state file comes from: path, stdin, git:REF:PATH, HTTP(S)
# with a token, redirects, and GitHub's contents API (tests/state/gh_server.py answers in its
# shape on a free loopback port). Tokens must never be printed.
set -euo pipefail
. "$KCOPS_SOURCE_ROOT/tests/lib/common.sh"

KCOPS=${KCOPS:-$KCOPS_BUILD_ROOT/tui/kcops}
kc_tmpdir
T=$KC_TMP_LAST
export NO_COLOR=1
unset KCOPS_URL KCOPS_CONTEXT KCOPS_GITHUB_USER KCOPS_GITHUB_TOKEN KCOPS_GITHUB_BRANCH \
	KCOPS_STATE_TOKEN || true
export KCOPS_CONFIG=$T/no-contexts.json
GOOD='{ "version": 1, "connectors": [ { "name": "from-%s", "config": { "connector.class": "X" } } ] }'
BAD='{ "version": 1, "connectors": [ { "name": "bad", "stat": "running", "config": { "connector.class": "X" } } ] }'

run() {
	RC=0
	"$KCOPS" "$@" >"$T/out" 2>"$T/err" || RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	cat "$T/out" "$T/err" >>"$T/all"
}
expect() {	# rc pattern what
	[ "$RC" = "$1" ] || kc_fail "$3: exit $RC, expected $1; out: $OUT; err: $ERR"
	case "$OUT$ERR" in *$2*) ;; *) kc_fail "$3: no '$2' in: $OUT $ERR" ;; esac
}

# the server's tree: ROOT/OWNER/REPO/BRANCH/PATH, ROOT/raw/PATH
R=$T/root
mkdir -p "$R/acme/platform/default/deploy" "$R/acme/platform/release/deploy" \
	"$R/acme/open/default" "$R/raw"
printf "$GOOD\n" default >"$R/acme/platform/default/deploy/connectors.json"
printf "$GOOD\n" release >"$R/acme/platform/release/deploy/connectors.json"
printf "$BAD\n" >"$R/acme/platform/default/deploy/bad.json"
printf "$GOOD\n" public >"$R/acme/open/default/state.json"
touch "$R/acme/open/PUBLIC"
printf "$GOOD\n" raw >"$R/raw/state.json"
printf "$GOOD\n" private >"$R/raw/private.json"
touch "$R/raw/private.json.auth"

"$KC_PY" "$KCOPS_SOURCE_ROOT/tests/state/gh_server.py" "$R" "$T/port" "$T/requests.log" &
SRV=$!
kc_on_exit "kill $SRV; wait $SRV"
for ((i = 0; i < 200; i++)); do [ -s "$T/port" ] && break; sleep 0.025; done
[ -s "$T/port" ] || kc_fail "gh_server.py did not start"
API=http://127.0.0.1:$(cat "$T/port")

kc_note "a path and stdin"
printf "$GOOD\n" path >"$T/local.json"
run validate "$T/local.json"
expect 0 "valid (1 connector)" "path"
run validate - <"$T/local.json"
expect 0 "<stdin>: valid" "stdin"
run validate - <<<"$BAD"
expect 1 '<stdin>: /connectors/0/stat: unknown field "stat"' "stdin errors"
run validate "$T/missing.json"
expect 1 "missing.json: No such file or directory" "missing file"

kc_note "a directory of state files"
mkdir -p "$T/dir"
printf "$GOOD\n" dir-a >"$T/dir/a.json"
printf "$GOOD\n" dir-b >"$T/dir/b.json"
echo "ignored" >"$T/dir/README"
run validate "$T/dir"
expect 0 "valid (2 connectors)" "directory"
printf "$BAD\n" >"$T/dir/c.json"
run validate "$T/dir"
expect 1 "$T/dir/c.json: /connectors/0/stat: unknown field" "directory error names the file"

kc_note "GitHub contents API: token, user + token, branch, public repository, errors"
run validate "github:acme/platform/deploy/connectors.json" --github-api "$API"
expect 1 "HTTP 401 (check the token)" "no token"
KCOPS_GITHUB_API=$API KCOPS_GITHUB_TOKEN=secret-gh-token \
	run validate "github:acme/platform/deploy/connectors.json"
expect 0 "valid (1 connector)" "token from the environment"
tail -1 "$T/requests.log" | kc_grepq '^GET /repos/acme/platform/contents/deploy/connectors.json token$' ||
	kc_fail "request: $(tail -1 "$T/requests.log")"
run validate "github:acme/platform/deploy/connectors.json" --github-api "$API" \
	--github-user octocat --github-token secret-gh-token --branch release -o json
expect 0 '"valid": true' "user + token + branch"
tail -1 "$T/requests.log" | kc_grepq '^GET /repos/acme/platform/contents/deploy/connectors.json?ref=release basic:octocat$' ||
	kc_fail "request: $(tail -1 "$T/requests.log")"
KCOPS_GITHUB_API=$API KCOPS_GITHUB_TOKEN=secret-gh-token \
	run validate "github:acme/platform/deploy/bad.json"
expect 1 'github:acme/platform/deploy/bad.json: /connectors/0/stat: unknown field "stat"' \
	"errors name the source"
run validate "github:acme/open/state.json" --github-api "$API"
expect 0 "valid" "public repository without a token"
KCOPS_GITHUB_API=$API KCOPS_GITHUB_TOKEN=secret-gh-token \
	run validate "github:acme/platform/deploy/nothere.json"
expect 1 "HTTP 404" "missing file in the repository"
KCOPS_GITHUB_API=$API KCOPS_GITHUB_TOKEN=secret-gh-token run validate "github:acme/platform/deploy"
expect 1 "not a file" "a directory"
run validate "github:acme" --github-api "$API"
expect 1 "github:OWNER/REPO/PATH" "bad github source"

kc_note "HTTP(S) URLs: plain, Bearer token, contents-API shaped answers, redirects"
run validate "$API/raw/state.json"
expect 0 "valid" "plain URL"
run validate "$API/raw/private.json"
expect 1 "HTTP 401" "private URL without a token"
run validate "$API/raw/private.json" --token secret-raw-token
expect 0 "valid" "private URL with --token"
KCOPS_STATE_TOKEN=secret-raw-token run validate "$API/raw/private.json"
expect 0 "valid" "private URL with KCOPS_STATE_TOKEN"
run validate "$API/repos/acme/open/contents/state.json" --header "Accept: application/vnd.github+json"
expect 0 "valid" "a contents-API URL is decoded"
run validate "$API/redirect/state.json"
expect 0 "valid" "redirect followed"
run validate "http://127.0.0.1:1/state.json"
expect 1 "127.0.0.1:1" "connection refused"

kc_note "git:REF:PATH from the current repository"
G=$T/repo
mkdir -p "$G/deploy"
git -C "$G" init -q
git -C "$G" config user.email t@example.com
git -C "$G" config user.name t
printf "$GOOD\n" git-v1 >"$G/deploy/state.json"
git -C "$G" add deploy/state.json
git -C "$G" commit -qm v1
printf "$BAD\n" >"$G/deploy/state.json"	# uncommitted: git:HEAD must not see it
(cd "$G/deploy" && run validate "git:HEAD:deploy/state.json" && expect 0 "valid" "git:HEAD" &&
	run validate "git:HEAD:./state.json" && expect 0 "valid" "git relative path" &&
	run validate "git:HEAD:nope.json" && expect 1 "git:HEAD:nope.json" "git missing path" &&
	run validate "git:nobranch:deploy/state.json" && expect 1 "nobranch" "git bad ref")
(cd "$T" && run validate "git:HEAD:x.json" && expect 1 "git:HEAD:x.json" "not a repository")

kc_note "tokens never printed"
grep -q 'secret-gh-token\|secret-raw-token' "$T/all" && kc_fail "a token was printed"
kc_note "ok"
