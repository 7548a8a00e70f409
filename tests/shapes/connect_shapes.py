#!/usr/bin/python3
"""connect_shapes.py - the ONE set of Kafka Connect REST response shape checks.

Every documented field of the Connect REST entities, with its JSON type, written once and
used both against kcops-worker (tests/worker) and against canned Apache Connect responses
(the client's tests), so the worker and the client are held to the same contract.

Usage:
    connect_shapes.py SHAPE [FILE]     check FILE (or stdin); exit 0 when it conforms,
                                       1 with one line per problem ("$.path: message")
    connect_shapes.py --list           the shape names
From Python: import connect_shapes; connect_shapes.check("connector_info", doc) -> [errors]

Shapes: server_info, connector_list, connector_info, connector_state, expanded_list,
task_info_list, task_state, plugin_list, config_key_infos, config_infos, connector_offsets,
logger_level, loggers, worker_status, error, message, topics, tasks_config.
Fields documented as optional end in "?". Extra fields are allowed (servers may add some,
e.g. kcops' kcops_version) unless the shape is marked strict.
"""
import json
import sys

STR, INT, BOOL, NULL, OBJ, ARR, NUM = "string", "integer", "boolean", "null", "object", "array", "number"


def _type_name(v):
    if v is None:
        return NULL
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, int):
        return INT
    if isinstance(v, float):
        return NUM
    if isinstance(v, str):
        return STR
    if isinstance(v, list):
        return ARR
    if isinstance(v, dict):
        return OBJ
    return type(v).__name__


# A spec is: a type name, a tuple of alternatives, a dict {field: spec} (object with those
# fields), ("array_of", spec), ("map_of", spec) (object with arbitrary keys), or ("enum", values).
def array_of(s):
    return ("array_of", s)


def map_of(s):
    return ("map_of", s)


def enum(*values):
    return ("enum", values)


CONNECTOR_STATES = enum("UNASSIGNED", "RUNNING", "PAUSED", "STOPPED", "FAILED", "RESTARTING")
TASK_STATES = enum("UNASSIGNED", "RUNNING", "PAUSED", "FAILED", "RESTARTING")
TYPES = enum("source", "sink", "unknown")

CONNECTOR_INFO = {
    "name": STR,
    "config": map_of(STR),
    "tasks": array_of({"connector": STR, "task": INT}),
    "type?": TYPES,
}
TASK_STATE = {"id": INT, "state": TASK_STATES, "worker_id": STR, "trace?": STR, "version?": STR}
CONNECTOR_STATE = {
    "name": STR,
    "connector": {"state": CONNECTOR_STATES, "worker_id": STR, "trace?": STR, "version?": STR},
    "tasks": array_of(TASK_STATE),
    "type?": TYPES,
}
CONFIG_KEY_INFO = {
    "name": STR,
    "type": enum("BOOLEAN", "STRING", "INT", "SHORT", "LONG", "DOUBLE", "LIST", "CLASS", "PASSWORD"),
    "required": BOOL,
    "default_value": (STR, NULL),
    "importance": enum("HIGH", "MEDIUM", "LOW"),
    "documentation": (STR, NULL),
    "group": (STR, NULL),
    "width": enum("NONE", "SHORT", "MEDIUM", "LONG"),
    "display_name": STR,
    "dependents": array_of(STR),
    "order": INT,
}
CONFIG_VALUE_INFO = {
    "name": STR,
    "value": (STR, NULL),
    "recommended_values": array_of(STR),
    "errors": array_of(STR),
    "visible": BOOL,
}

SHAPES = {
    "server_info": {"version": STR, "commit": STR, "kafka_cluster_id": (STR, NULL)},
    "connector_list": array_of(STR),
    "connector_info": CONNECTOR_INFO,
    "connector_state": CONNECTOR_STATE,
    "expanded_list": map_of({"status?": CONNECTOR_STATE, "info?": (CONNECTOR_INFO, NULL)}),
    "task_info_list": array_of({"id": {"connector": STR, "task": INT}, "config": map_of(STR)}),
    "task_state": TASK_STATE,
    "plugin_list": array_of({
        "class": STR,
        "type": enum("source", "sink", "converter", "header_converter", "transformation",
                     "predicate"),
        "version?": STR,
    }),
    "config_key_infos": array_of(CONFIG_KEY_INFO),
    "config_infos": {
        "name": STR,
        "error_count": INT,
        "groups": array_of(STR),
        "configs": array_of({"definition": (CONFIG_KEY_INFO, NULL), "value": (CONFIG_VALUE_INFO, NULL)}),
    },
    "connector_offsets": {"offsets": array_of({"partition": OBJ, "offset": (OBJ, NULL)})},
    "logger_level": {"level": enum("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF"),
                     "last_modified?": (INT, NULL)},
    "loggers": map_of({"level": enum("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF"),
                       "last_modified?": (INT, NULL)}),
    "worker_status": {"status": enum("healthy", "starting", "unhealthy"), "message": STR},
    "error": {"error_code": INT, "message": (STR, NULL)},
    "message": {"message": STR},
    "topics": map_of({"topics": array_of(STR)}),
    "tasks_config": map_of(map_of(STR)),
}


def _check(spec, v, path, errs):
    if isinstance(spec, str):
        t = _type_name(v)
        if t != spec and not (spec == NUM and t == INT):
            errs.append("%s: expected %s, got %s" % (path, spec, t))
        return
    if isinstance(spec, tuple) and spec and spec[0] == "array_of":
        if not isinstance(v, list):
            errs.append("%s: expected array, got %s" % (path, _type_name(v)))
            return
        for i, e in enumerate(v):
            _check(spec[1], e, "%s[%d]" % (path, i), errs)
        return
    if isinstance(spec, tuple) and spec and spec[0] == "map_of":
        if not isinstance(v, dict):
            errs.append("%s: expected object, got %s" % (path, _type_name(v)))
            return
        for k, e in v.items():
            _check(spec[1], e, "%s[%s]" % (path, json.dumps(k)), errs)
        return
    if isinstance(spec, tuple) and spec and spec[0] == "enum":
        if not isinstance(v, str) or v not in spec[1]:
            errs.append("%s: expected one of %s, got %s" % (path, "|".join(spec[1]), json.dumps(v)))
        return
    if isinstance(spec, tuple):  # alternatives
        best = None
        for alt in spec:
            e = []
            _check(alt, v, path, e)
            if not e:
                return
            if best is None or len(e) < len(best):
                best = e
        # report the closest alternative when the value's type matched one of them
        if isinstance(v, dict) and any(isinstance(a, dict) for a in spec):
            errs.extend(best)
        else:
            names = []
            for a in spec:
                names.append(a if isinstance(a, str) else ("object" if isinstance(a, dict) else str(a[0])))
            errs.append("%s: expected %s, got %s" % (path, " or ".join(names), _type_name(v)))
        return
    if isinstance(spec, dict):
        if not isinstance(v, dict):
            errs.append("%s: expected object, got %s" % (path, _type_name(v)))
            return
        for field, fs in spec.items():
            optional = field.endswith("?")
            name = field[:-1] if optional else field
            if name not in v:
                if not optional:
                    errs.append("%s.%s: missing" % (path, name))
                continue
            _check(fs, v[name], "%s.%s" % (path, name), errs)
        return
    raise ValueError("bad spec %r" % (spec,))


def check(shape, doc):
    """Problems of doc against the named shape (empty list: conforms)."""
    if shape not in SHAPES:
        raise KeyError("unknown shape %s (known: %s)" % (shape, ", ".join(sorted(SHAPES))))
    errs = []
    _check(SHAPES[shape], doc, "$", errs)
    if shape == "config_infos" and not errs:
        n = sum(len((c.get("value") or {}).get("errors", [])) for c in doc["configs"])
        if n != doc["error_count"]:
            errs.append("$.error_count: %d, but configs hold %d errors" % (doc["error_count"], n))
    if shape == "error" and not errs and not (100 <= doc["error_code"] <= 599):
        errs.append("$.error_code: %d is not an HTTP status" % doc["error_code"])
    if shape == "connector_state" and not errs:
        ids = [t["id"] for t in doc["tasks"]]
        if ids != sorted(ids):
            errs.append("$.tasks: not sorted by id: %s" % ids)
    return errs


def main(argv):
    if len(argv) >= 2 and argv[1] == "--list":
        print("\n".join(sorted(SHAPES)))
        return 0
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    shape = argv[1]
    text = open(argv[2], encoding="utf-8").read() if len(argv) == 3 else sys.stdin.read()
    try:
        doc = json.loads(text)
    except ValueError as e:
        print("$: not JSON: %s (%r)" % (e, text[:200]))
        return 1
    try:
        errs = check(shape, doc)
    except KeyError as e:
        sys.stderr.write("%s\n" % e.args[0])
        return 2
    for e in errs:
        print("%s: %s" % (shape, e))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
