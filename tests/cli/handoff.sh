#!/bin/bash
# tests/cli/handoff.sh - the one-shot kcops links neither librdkafka, libmicrohttpd nor
# curses/readline, and hands the console, lag, tail and watch (and unknown words) to
# kcops-full with the same argv, while every other command runs in kcops itself.
. "$KCOPS_SOURCE_ROOT/tests/lib/common.sh"
KCOPS=${KCOPS:-$KCOPS_BUILD_ROOT/tui/kcops}
FULL=$KCOPS_BUILD_ROOT/tui/kcops-full
kc_tmpdir
D=$KC_TMP_LAST
[ -x "$FULL" ] || kc_fail "kcops-full was not built next to kcops ($FULL)"

# What the dynamic linker loads for kcops (NEEDED entries only, not the whole closure).
needed=$(readelf -d "$KCOPS" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for lib in librdkafka libmicrohttpd libncurses libtinfo libreadline; do
	if grep -q "^$lib" <<<"$needed"; then
		kc_fail "kcops links $lib (NEEDED: $(tr '\n' ' ' <<<"$needed"))"
	fi
done
grep -q '^libcurl' <<<"$needed" || kc_fail "kcops does not link libcurl?"
readelf -d "$FULL" | kc_grepq 'NEEDED.*librdkafka' || kc_fail "kcops-full does not link librdkafka"

# A stand-in kcops-full that records its argv (one per line) and exits 7.
cat >"$D/fake-full" <<EOF
#!/bin/bash
printf '%s\n' "\$@" >"$D/argv"
exit 7
EOF
chmod +x "$D/fake-full"

handed() { # EXPECTED_ARGV... : kcops "$@" went to the stand-in with exactly these args
	local rc=0
	rm -f "$D/argv"
	KCOPS_FULL=$D/fake-full "$KCOPS" "$@" >"$D/out" 2>"$D/err" || rc=$?
	[ "$rc" = 7 ] || kc_fail "kcops $* was not handed to kcops-full (exit $rc: $(cat "$D/err"))"
	[ "$(cat "$D/argv")" = "$(printf '%s\n' "$@")" ] ||
		kc_fail "kcops $* reached kcops-full as: $(tr '\n' ' ' <"$D/argv")"
}
kept() { # kcops "$@" runs in kcops itself (the stand-in must not run)
	local rc=0
	rm -f "$D/argv"
	KCOPS_FULL=$D/fake-full "$KCOPS" "$@" >"$D/out" 2>"$D/err" || rc=$?
	[ ! -e "$D/argv" ] || kc_fail "kcops $* was handed to kcops-full"
	[ "$rc" != 7 ] || kc_fail "kcops $* exited 7"
}

handed --url http://127.0.0.1:1 lag 'a b' -e '^x'
handed tail some-topic --from beginning -n 3
handed -o json watch --once --state "$D/none.json"
handed                              # the console
handed --url http://127.0.0.1:1     # the console, with an option
handed --theme dark                 # console options only
handed no-such-command
kept --url http://127.0.0.1:1 get connectors
kept help lag
kept lag --help
kept version
kept completion bash

# The real kcops-full behind kcops: its own usage error comes back with its exit status.
rc=0
"$KCOPS" tail >"$D/out" 2>"$D/err" || rc=$?
[ "$rc" = 2 ] || kc_fail "kcops tail without a topic: exit $rc, expected 2 from kcops-full"
grep -q 'tail needs a TOPIC' "$D/err" || kc_fail "kcops tail: unexpected message: $(cat "$D/err")"
rc=0
"$KCOPS" no-such-command >"$D/out" 2>"$D/err" || rc=$?
[ "$rc" = 2 ] && grep -q "unknown command 'no-such-command'" "$D/err" ||
	kc_fail "unknown command: exit $rc, $(cat "$D/err")"

# No kcops-full: a clear error, exit 1.
rc=0
KCOPS_FULL=$D/missing "$KCOPS" lag >"$D/out" 2>"$D/err" || rc=$?
[ "$rc" = 1 ] || kc_fail "kcops lag without kcops-full: exit $rc, expected 1"
grep -q "cannot run KCOPS_FULL=$D/missing" "$D/err" ||
	kc_fail "kcops lag without kcops-full: unclear error: $(cat "$D/err")"
echo "handoff: kcops links only what one-shot commands need; the rest runs in kcops-full"
