#!/usr/bin/env bash
# The workers view on a two-worker kcops-worker cluster (one out-of-process mock Kafka):
# both workers listed alive, the one answering the console marked; when worker 2 stops
# heartbeating (SIGSTOP) the view shows it silent with a growing heartbeat age, and alive
# again once it resumes (SIGCONT).
. "$KCOPS_SOURCE_ROOT/tests/lib/worker.sh"
. "$KCOPS_SOURCE_ROOT/tests/tui/lib.sh"
. "$KCOPS_SOURCE_ROOT/tests/distributed/lib.sh"

dist_mock_start
dist_worker_start 1
dist_worker_start 2
ID1=${W_URL[1]#http://}
ID2=${W_URL[2]#http://}

tui_start --url "${W_URL[1]}" --refresh 500ms
tui_wait "workers" 10
tui_keys 5
tui_wait_re "kcops-worker cluster $DIST_GROUP: 2 workers, 0 silent" 20
tui_wait_re "^\* $ID1 +alive +answers +0 +0 +(yes|-) +http://$ID1"
tui_wait_re "^  $ID2 +alive +[0-9.]+s ago +0 +0 +(yes|-) +http://$ID2"

kill -STOP "${W_PID[2]}"
# 3 heartbeat intervals of 500 ms without news: silent
tui_wait_re "^  $ID2 +silent +[0-9.]+s ago" 15
tui_wait "2 workers, 1 silent"
tui_wait_re "^\* $ID1 +alive +answers"
# the age keeps growing while it stays silent
tui_wait_re "^  $ID2 +silent +([3-9]|[1-9][0-9])\.[0-9]s ago" 10
kill -CONT "${W_PID[2]}"
tui_wait_re "^  $ID2 +alive" 15
tui_wait "2 workers, 0 silent"
tui_quit
