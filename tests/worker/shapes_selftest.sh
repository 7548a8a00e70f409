#!/usr/bin/env bash
# shapes_selftest.sh - the shape checker accepts the documented Connect examples and rejects
# a response with wrong states, types and missing fields.
. "$(dirname "$0")/../lib/common.sh"
S=$KCOPS_SOURCE_ROOT/tests/shapes
for s in connector_state connector_info config_infos server_info error; do
	out=$("$KC_PY" "$S/connect_shapes.py" "$s" "$S/samples/$s.json") || kc_fail "$s sample rejected: $out"
done
if out=$("$KC_PY" "$S/connect_shapes.py" connector_state "$S/samples/bad_connector_state.json"); then
	kc_fail "a malformed connector_state was accepted"
fi
for want in 'state: expected one of' 'worker_id: expected string' 'tasks[0].id: expected integer' 'tasks[0].worker_id: missing'; do
	grep -qF "$want" <<<"$out" || kc_fail "checker did not report '$want': $out"
done
echo '{"error_code": 700, "message": "x"}' | "$KC_PY" "$S/connect_shapes.py" error >/dev/null && kc_fail "error_code 700 accepted"
echo '{"name":"n","error_count":2,"groups":[],"configs":[]}' | "$KC_PY" "$S/connect_shapes.py" config_infos >/dev/null && kc_fail "error_count mismatch accepted"
echo "shapes self-test passed"
