#!/usr/bin/env bash
# manpage.sh - docs/kcops-worker.1 renders with man -l without warnings and documents every
# command-line option of kcops-worker --help.
. "$(dirname "$0")/../lib/common.sh"
command -v man >/dev/null || { echo "man is not installed: skipped"; exit 77; }
page=$KCOPS_SOURCE_ROOT/docs/kcops-worker.1
kc_tmpdir
out=$(MANWIDTH=80 man --warnings -l "$page" 2>"$KC_TMP_LAST/warn") || kc_fail "man -l failed: $(cat "$KC_TMP_LAST/warn")"
[ ! -s "$KC_TMP_LAST/warn" ] || kc_fail "man warnings: $(cat "$KC_TMP_LAST/warn")"
for opt in $("$KCOPS_WORKER" --help | grep -oE -- '--[a-z-]+' | sort -u); do
	grep -qF -- "$opt" <<<"$out" || kc_fail "option $opt of --help is not in the man page"
done
for section in NAME SYNOPSIS OPTIONS CONFIGURATION SIGNALS FILES "EXIT STATUS"; do
	grep -q "^$section" <<<"$out" || kc_fail "man page lacks $section"
done
echo "man page ok"
