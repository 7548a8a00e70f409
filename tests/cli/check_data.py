#!/usr/bin/python3
"""Check every canned Connect response under tests/data/connect against the shared shape
checks (tests/shapes/connect_shapes.py): each scenario names its Apache Kafka release and
source files, and every JSON body names its shape ("config_map" = a flat string map)."""
import json
import os
import sys

root = sys.argv[1]
sys.path.insert(0, os.path.join(root, "tests", "shapes"))
import connect_shapes  # noqa: E402

problems = 0
datadir = os.path.join(root, "tests", "data", "connect")
files = sorted(f for f in os.listdir(datadir) if f.endswith(".json"))
if not files:
    print("no scenario files in", datadir)
    sys.exit(1)
for f in files:
    doc = json.load(open(os.path.join(datadir, f), encoding="utf-8"))
    rel = doc.get("kafka_release", "")
    srcs = doc.get("derived_from", [])
    if not rel or not srcs or not all(("apache/kafka " in s and ".java" in s) for s in srcs):
        print("%s: must name kafka_release and derived_from Apache Kafka source files" % f)
        problems += 1
    n = 0
    for i, r in enumerate(doc["routes"]):
        for j, resp in enumerate(r.get("responses", [r])):
            where = "%s: route %d (%s %s)%s" % (f, i, r["method"], r["path"],
                                                "" if "responses" not in r else " response %d" % j)
            if "body" not in resp:
                continue
            shape = resp.get("shape")
            if shape is None:
                print("%s: a JSON body without a \"shape\"" % where)
                problems += 1
                continue
            if shape == "config_map":
                errs = []
                connect_shapes._check(connect_shapes.map_of(connect_shapes.STR), resp["body"], "$", errs)
            else:
                errs = connect_shapes.check(shape, resp["body"])
            for e in errs:
                print("%s: %s: %s" % (where, shape, e))
            problems += len(errs)
            n += 1
    print("# %s (Apache Kafka %s): %d bodies checked" % (f, rel, n))
sys.exit(1 if problems else 0)
