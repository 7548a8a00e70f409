/* test_cli_unit.c - unit tests of the connect model, feature gates, contexts and the
 * command-table helpers (no network). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unistd.h>

#include <cmocka.h>

#include "kc_buf.h"
#include "kc_client.h"
#include "kc_cmd.h"
#include "kc_context.h"
#include "kc_json.h"
#include "kc_util.h"

static json_t *
parse(const char *s)
{
	json_t *v = json_loads(s, 0, NULL);

	assert_non_null(v);
	return v;
}

/* RUNNING with a FAILED task is failed; no status is unknown; tasks sorted. */
static void
test_model_health(void **state)
{
	json_t *doc = parse("{"
	    "\"b\": {\"status\": {\"name\": \"b\", \"connector\": {\"state\": \"RUNNING\","
	    "  \"worker_id\": \"w1\"}, \"tasks\": [{\"id\": 1, \"state\": \"FAILED\","
	    "  \"worker_id\": \"w2\", \"trace\": \"boom\\n\\tat x\"}, {\"id\": 0, \"state\":"
	    "  \"RUNNING\", \"worker_id\": \"w1\"}], \"type\": \"sink\"},"
	    "  \"info\": {\"name\": \"b\", \"config\": {\"connector.class\": \"C\"}, \"tasks\": [],"
	    "  \"type\": \"sink\"}},"
	    "\"a\": {\"info\": {\"name\": \"a\", \"config\": {}, \"tasks\": [], \"type\": \"source\"}},"
	    "\"c\": {\"status\": {\"name\": \"c\", \"connector\": {\"state\": \"PAUSED\","
	    "  \"worker_id\": \"w1\"}, \"tasks\": [], \"type\": \"source\"}},"
	    "\"d\": 5}");
	struct kc_connector_list *l = kc_connector_list_new(doc);
	const struct kc_connector_view *v;

	(void)state;
	json_decref(doc);
	assert_int_equal(l->n, 4);
	assert_string_equal(l->v[0].name, "a");
	assert_string_equal(l->v[0].state, "UNASSIGNED");
	assert_int_equal(l->v[0].health, KC_HEALTH_UNKNOWN);
	assert_string_equal(l->v[0].type, "source");
	v = kc_connector_list_find(l, "b");
	assert_non_null(v);
	assert_int_equal(v->health, KC_HEALTH_FAILED);
	assert_string_equal(v->state, "RUNNING");
	assert_int_equal(v->ntasks, 2);
	assert_int_equal(v->tasks[0].id, 0);
	assert_int_equal(v->tasks[1].id, 1);
	assert_string_equal(v->tasks[1].trace, "boom\n\tat x");
	assert_int_equal(v->tasks_failed, 1);
	assert_int_equal(v->tasks_running, 1);
	assert_string_equal(v->class_name, "C");
	v = kc_connector_list_find(l, "c");
	assert_int_equal(v->health, KC_HEALTH_PAUSED);
	assert_null(v->config);
	v = kc_connector_list_find(l, "d");	/* not an object: read as unknown */
	assert_non_null(v);
	assert_int_equal(v->health, KC_HEALTH_UNKNOWN);
	assert_null(kc_connector_list_find(l, "zz"));
	kc_connector_list_free(l);
	assert_int_equal(kc_health_parse("Failed"), KC_HEALTH_FAILED);
	assert_int_equal(kc_health_parse("bogus"), -1);
	assert_string_equal(kc_health_name(KC_HEALTH_STOPPED), "stopped");
}

/* The direct parser gives the same model as the JSON-tree path, and rejects bad text. */
static void
test_listing_parse(void **state)
{
	const char *text = "{\"b\\/x \\u00e9\\ud83d\\ude00\": {\"status\": {\"name\": \"b\","
	    " \"connector\": {\"state\": \"RUNNING\", \"worker_id\": \"w1\"}, \"tasks\":"
	    " [{\"id\": 1, \"state\": \"FAILED\", \"worker_id\": \"w2\", \"trace\":"
	    " \"boom\\n\\tat \\\"x\\\"\"}, {\"id\": 0, \"state\": \"RUNNING\", \"worker_id\":"
	    " \"w1\"}], \"type\": \"sink\", \"extra\": [1, {\"a\": null}, true, -2.5e3]},"
	    " \"info\": {\"name\": \"b\", \"config\": {\"connector.class\": \"C\","
	    " \"tasks.max\": 2, \"nothing\": null}, \"tasks\": [], \"type\": \"sink\"}},"
	    " \"a\": {\"info\": {\"name\": \"a\", \"config\": {}, \"tasks\": [],"
	    " \"type\": \"source\"}}, \"gone\": {\"info\": null}}";
	static const char *const bad[] = { "", "[\"a\"]", "{\"a\": {\"status\": }}",
	    "{\"a\": {}", "{\"a\": \"\\x\"}", "{\"a\": {}} x", "{\"a\": {\"info\":"
	    " {\"config\": {\"k\": [1]}}}}", "{\"a\": \"unterminated}" };
	struct kc_connector_list *l;
	const struct kc_connector_view *v;
	struct kc_err err;
	size_t i;

	(void)state;
	l = kc_connector_list_parse(text, strlen(text), &err);
	assert_non_null(l);
	assert_int_equal(l->n, 3);
	assert_string_equal(l->v[0].name, "a");
	assert_int_equal(l->v[0].health, KC_HEALTH_UNKNOWN);
	assert_string_equal(l->v[0].state, "UNASSIGNED");
	assert_true(l->v[0].has_config);
	assert_int_equal(l->v[0].nconfig, 0);
	v = kc_connector_list_find(l, "b/x \xc3\xa9\xf0\x9f\x98\x80");
	assert_non_null(v);
	assert_int_equal(v->health, KC_HEALTH_FAILED);
	assert_int_equal(v->ntasks, 2);
	assert_int_equal(v->tasks[0].id, 0);
	assert_string_equal(v->tasks[1].trace, "boom\n\tat \"x\"");
	assert_int_equal(v->tasks_running, 1);
	assert_int_equal(v->nconfig, 3);
	assert_string_equal(v->config_keys[1], "tasks.max");
	assert_string_equal(v->config_vals[1], "2");
	assert_null(v->config_vals[2]);
	assert_string_equal(v->class_name, "C");
	v = kc_connector_list_find(l, "gone");
	assert_non_null(v);
	assert_false(v->has_config);
	kc_connector_list_free(l);
	for (i = 0; i < KC_NITEMS(bad); i++) {
		l = kc_connector_list_parse(bad[i], strlen(bad[i]), &err);
		if (l != NULL)
			fail_msg("accepted bad listing %zu: %s", i, bad[i]);
		assert_int_equal(err.code, KC_E_PARSE);
	}
	l = kc_connector_list_parse("{}", 2, &err);
	assert_non_null(l);
	assert_int_equal(l->n, 0);
	kc_connector_list_free(l);
}

/* Random damage to a real expanded listing never crashes the direct parser, and whatever
 * it accepts gives a usable model (run under ASan in CI). */
static void
test_listing_mutations(void **state)
{
	const char *root = getenv("KCOPS_SOURCE_ROOT");
	char path[1024], *text, *buf;
	json_t *doc, *exp = NULL, *r;
	struct kc_connector_list *l;
	struct kc_err err;
	size_t len, i, k;
	unsigned int seed = 12345;

	(void)state;
	snprintf(path, sizeof path, "%s/tests/data/connect/connect-3.9-failed-task.json",
	    root != NULL ? root : "../..");
	text = kc_read_file(path, &len);
	if (text == NULL)
		skip();
	doc = kc_json_parse(text, len, 0, &err);
	free(text);
	assert_non_null(doc);
	json_array_foreach(json_object_get(doc, "routes"), i, r)
		if (kc_str_eq(kc_json_str(r, "path"), "/connectors?expand=status&expand=info"))
			exp = json_object_get(r, "body");
	assert_non_null(exp);
	text = json_dumps(exp, JSON_COMPACT);
	len = strlen(text);
	l = kc_connector_list_parse(text, len, &err);
	assert_non_null(l);
	assert_int_equal(l->n, 4);
	kc_connector_list_free(l);
	buf = kc_xmalloc(len + 1);
	for (k = 0; k < 3000; k++) {
		size_t n, j, cut = len;
		memcpy(buf, text, len + 1);
		n = 1 + rand_r(&seed) % 4;
		for (j = 0; j < n; j++) {
			size_t at = (size_t)rand_r(&seed) % len;
			static const char pick[] = "{}[]\":,\\nu0 \x01\xff";
			buf[at] = pick[rand_r(&seed) % (sizeof pick - 1)];
		}
		if (k % 7 == 0)
			cut = (size_t)rand_r(&seed) % len;
		l = kc_connector_list_parse(buf, cut, &err);
		if (l != NULL) {
			for (j = 0; j < l->n; j++) {
				assert_non_null(l->v[j].name);
				assert_non_null(l->v[j].state);
				assert_non_null(l->v[j].type);
				assert_true(l->v[j].ntasks == 0 || l->v[j].tasks != NULL);
			}
			kc_connector_list_free(l);
		}
	}
	free(buf);
	free(text);
	json_decref(doc);
}

/* Version gates, including Confluent Platform version strings. */
static void
test_feature_gates(void **state)
{
	const char *urls[] = { "http://127.0.0.1:1" };
	struct kc_client_opts o;
	struct kc_client *c;
	struct kc_err err;

	(void)state;
	memset(&o, 0, sizeof o);
	o.urls = urls;
	o.nurls = 1;
	c = kc_client_new(&o, &err);
	assert_non_null(c);
	kc_client_force_version(c, "2.2.0");
	assert_false(kc_client_has(c, KC_FEAT_EXPAND));
	kc_client_force_version(c, "2.3.1");
	assert_true(kc_client_has(c, KC_FEAT_EXPAND));
	assert_false(kc_client_has(c, KC_FEAT_LOGGERS));
	kc_client_force_version(c, "3.4.0");
	assert_true(kc_client_has(c, KC_FEAT_RESTART_PARAMS));
	assert_false(kc_client_has(c, KC_FEAT_STOP));
	kc_client_force_version(c, "3.5.0");
	assert_true(kc_client_has(c, KC_FEAT_STOP));
	assert_false(kc_client_has(c, KC_FEAT_OFFSETS_WRITE));
	kc_client_force_version(c, "3.7.2");
	assert_true(kc_client_has(c, KC_FEAT_INITIAL_STATE));
	assert_false(kc_client_has(c, KC_FEAT_PATCH_CONFIG));
	kc_client_force_version(c, "7.4.0-ccs");	/* Confluent 7.4 = Apache 3.4 */
	assert_int_equal(kc_client_version(c), 30400);
	assert_false(kc_client_has(c, KC_FEAT_STOP));
	kc_client_force_version(c, "4.1.0");
	assert_true(kc_client_has(c, KC_FEAT_HEALTH));
	assert_string_equal(kc_feature_since(KC_FEAT_PATCH_CONFIG), "3.8");
	kc_client_free(c);

	/* Bad options are refused with a message. */
	urls[0] = "ftp://x";
	assert_null(kc_client_new(&o, &err));
	assert_non_null(strstr(err.msg, "ftp://x"));
	o.nurls = 0;
	assert_null(kc_client_new(&o, &err));
	kc_client_free(NULL);
}

/* Secret keys and masking. */
static void
test_secrets(void **state)
{
	json_t *cfg = parse("{\"connection.password\": \"p\", \"key.converter\": \"k\","
	    "\"sasl.jaas.config\": \"x\", \"ssl.key\": \"s\", \"topics\": \"t\","
	    "\"aws.secret.access.key\": \"a\", \"db.password\": \"${file:/s:pw}\","
	    "\"empty.password\": \"\", \"oauth.token\": \"t\"}");
	json_t *m = kc_cmd_mask_config(cfg);

	(void)state;
	assert_string_equal(kc_json_str(m, "connection.password"), "********");
	assert_string_equal(kc_json_str(m, "key.converter"), "k");
	assert_string_equal(kc_json_str(m, "sasl.jaas.config"), "********");
	assert_string_equal(kc_json_str(m, "ssl.key"), "********");
	assert_string_equal(kc_json_str(m, "topics"), "t");
	assert_string_equal(kc_json_str(m, "aws.secret.access.key"), "********");
	assert_string_equal(kc_json_str(m, "db.password"), "${file:/s:pw}");
	assert_string_equal(kc_json_str(m, "empty.password"), "");
	assert_string_equal(kc_json_str(m, "oauth.token"), "********");
	assert_false(kc_cmd_is_secret_key("record.key"));
	assert_false(kc_cmd_is_secret_key("value.converter"));
	json_decref(m);
	json_decref(cfg);
}

/* Option parsing of handlers. */
static void
test_getopt(void **state)
{
	static const struct kc_cmd_opt defs[] = {
		{ 1, 'e', "regex", 1 }, { 2, 0, "dry-run", 0 }, { 0, 0, NULL, 0 },
	};
	char *argv[] = { "x", "-e", "a.*", "--regex=b", "-ec", "name", "--dry-run", "-5",
	    "--", "--dry-run", NULL };
	char *bad[] = { "x", "--nope", NULL };
	char *novalue[] = { "x", "-e", NULL };
	struct kc_cmd_io io;
	struct kc_cmd_env env;
	const char *val;
	int i = 0;
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	memset(&io, 0, sizeof io);
	memset(&env, 0, sizeof env);
	io.err = open_memstream(&buf, &len);
	io.out = io.err;
	env.io = &io;
	env.prog = "kcops";
	assert_int_equal(kc_cmd_getopt(&env, NULL, 10, argv, &i, defs, &val), 1);
	assert_string_equal(val, "a.*");
	assert_int_equal(kc_cmd_getopt(&env, NULL, 10, argv, &i, defs, &val), 1);
	assert_string_equal(val, "b");
	assert_int_equal(kc_cmd_getopt(&env, NULL, 10, argv, &i, defs, &val), 1);
	assert_string_equal(val, "c");
	assert_int_equal(kc_cmd_getopt(&env, NULL, 10, argv, &i, defs, &val), KC_OPT_ARG);
	assert_string_equal(val, "name");
	assert_int_equal(kc_cmd_getopt(&env, NULL, 10, argv, &i, defs, &val), 2);
	assert_int_equal(kc_cmd_getopt(&env, NULL, 10, argv, &i, defs, &val), KC_OPT_ARG);
	assert_string_equal(val, "-5");
	assert_int_equal(kc_cmd_getopt(&env, NULL, 10, argv, &i, defs, &val), KC_OPT_ARG);
	assert_string_equal(val, "--dry-run");	/* after "--" */
	assert_int_equal(kc_cmd_getopt(&env, NULL, 10, argv, &i, defs, &val), KC_OPT_END);
	env.opt_done = 0;
	i = 0;
	assert_int_equal(kc_cmd_getopt(&env, NULL, 2, bad, &i, defs, &val), KC_OPT_ERROR);
	i = 0;
	assert_int_equal(kc_cmd_getopt(&env, NULL, 2, novalue, &i, defs, &val), KC_OPT_ERROR);
	fclose(io.err);
	assert_non_null(strstr(buf, "unknown option '--nope'"));
	assert_non_null(strstr(buf, "-e needs a value"));
	free(buf);
}

/* Global options anywhere; "context add --url" keeps its own --url. */
static void
test_globals(void **state)
{
	char *a1[] = { "get", "connectors", "-o", "json", "--context", "prod", "--show-secrets",
	    NULL };
	char *a2[] = { "context", "add", "dev", "--url", "http://x:1", "--read-only", NULL };
	char *a3[] = { "get", "-o", "yaml", NULL };
	struct kc_cmd_io io;
	struct kc_cmd_env env;
	int n;

	(void)state;
	memset(&io, 0, sizeof io);
	memset(&env, 0, sizeof env);
	io.err = fopen("/dev/null", "w");
	env.io = &io;
	env.prog = "kcops";
	n = 7;
	assert_int_equal(kc_cmd_parse_globals(&env, &n, a1), 0);
	assert_int_equal(n, 2);
	assert_int_equal(io.fmt, KC_FMT_JSON);
	assert_string_equal(env.ov.context, "prod");
	assert_true(io.show_secrets);
	memset(&env, 0, sizeof env);
	env.io = &io;
	env.prog = "kcops";
	n = 6;
	assert_int_equal(kc_cmd_parse_globals(&env, &n, a2), 0);
	assert_int_equal(n, 6);
	assert_null(env.ov.url);
	assert_false(env.ov.read_only);
	n = 3;
	assert_int_equal(kc_cmd_parse_globals(&env, &n, a3), KC_EXIT_USAGE);
	fclose(io.err);
}

/* Contexts: load, check, resolve with secrets from env and files, save and reload. */
/* A contexts file others can read is refused while it holds an inline secret, with the fix
 * in the message; references (password_env) or mode 0600 make it acceptable. */
static void
test_context_file_mode(void **state)
{
	char dir[] = "/tmp/kcops-mode-XXXXXX", path[256];
	struct kc_ctx_file *f;
	struct kc_err err;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/config.json", dir);
	fp = fopen(path, "w");
	fputs("{\"contexts\": {\"prod/eu\": {\"url\": \"http://h:1\", \"auth\": {\"type\": "
	    "\"basic\", \"username\": \"u\", \"password\": \"hunter2\"}}}}", fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0644), 0);
	assert_null(kc_ctx_file_load(path, &err));
	assert_non_null(strstr(err.msg, "mode 0644"));
	assert_non_null(strstr(err.msg, "/contexts/prod~1eu/auth/password"));
	assert_non_null(strstr(err.msg, "chmod 600"));
	assert_null(strstr(err.msg, "hunter2"));		/* never the secret itself */
	assert_int_equal(chmod(path, 0600), 0);
	f = kc_ctx_file_load(path, &err);
	assert_non_null(f);
	kc_ctx_file_free(f);
	/* a kafka secret and an Authorization header count too */
	fp = fopen(path, "w");
	fputs("{\"contexts\": {\"k\": {\"url\": \"http://h:1\", \"kafka\": "
	    "{\"sasl.password\": \"x\"}}}}", fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0640), 0);
	assert_null(kc_ctx_file_load(path, &err));
	assert_non_null(strstr(err.msg, "/contexts/k/kafka/sasl.password"));
	fp = fopen(path, "w");
	fputs("{\"contexts\": {\"h\": {\"url\": \"http://h:1\", \"headers\": "
	    "{\"Authorization\": \"Bearer x\"}}}}", fp);
	fclose(fp);
	assert_null(kc_ctx_file_load(path, &err));
	/* references only: readable is fine */
	fp = fopen(path, "w");
	fputs("{\"contexts\": {\"r\": {\"url\": \"http://h:1\", \"auth\": {\"type\": "
	    "\"bearer\", \"token_env\": \"TOKEN\"}, \"kafka\": {\"sasl.password_file\": "
	    "\"/x\", \"ssl.ca.location\": \"/ca\"}}}}", fp);
	fclose(fp);
	assert_int_equal(chmod(path, 0644), 0);
	f = kc_ctx_file_load(path, &err);
	assert_non_null(f);
	kc_ctx_file_free(f);
	unlink(path);
	rmdir(dir);
}

static void
test_contexts(void **state)
{
	char dir[] = "/tmp/kcops-ctx-XXXXXX", path[256], pwfile[256];
	struct kc_ctx_overrides ov;
	struct kc_ctx_file *f;
	struct kc_ctx *ctx;
	struct kc_client_opts o;
	struct kc_err err;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sub/config.json", dir);
	snprintf(pwfile, sizeof pwfile, "%s/pw", dir);
	fp = fopen(pwfile, "w");
	fputs("from-file\n", fp);
	fclose(fp);
	f = kc_ctx_file_load(path, &err);	/* missing file: empty config */
	assert_non_null(f);
	assert_null(kc_ctx_file_current(f));
	memset(&ov, 0, sizeof ov);
	unsetenv("KCOPS_URL");
	unsetenv("KCOPS_CONTEXT");
	assert_null(kc_ctx_resolve(f, &ov, &err));
	assert_int_equal(err.code, KC_E_USAGE);
	assert_non_null(strstr(err.msg, "--url"));
	assert_int_equal(kc_ctx_file_set(f, "a", parse("{\"urls\": [\"http://h1:1\", "
	    "\"http://h2:2\"], \"auth\": {\"type\": \"basic\", \"username\": \"u\","
	    "\"password_env\": \"KC_UNIT_PW\"}, \"headers\": {\"X-A\": \"1\"}, \"read_only\": true,"
	    "\"kafka\": {\"bootstrap.servers\": \"k:9092\", \"sasl.password_file\": \"PWFILE\"}}"),
	    &err), 0);
	/* Fix the file path placeholder. */
	json_object_set_new(json_object_get(json_object_get((json_t *)kc_ctx_file_contexts(f),
	    "a"), "kafka"), "sasl.password_file", json_string(pwfile));
	assert_int_equal(kc_ctx_file_use(f, "a", &err), 0);
	assert_int_equal(kc_ctx_file_use(f, "zz", &err), -1);
	assert_int_equal(kc_ctx_file_set(f, "bad", parse("{\"urlz\": \"x\"}"), &err), -1);
	assert_non_null(strstr(err.msg, "did you mean 'url"));
	assert_int_equal(kc_ctx_file_save(f, &err), 0);
	kc_ctx_file_free(f);

	f = kc_ctx_file_load(path, &err);
	assert_non_null(f);
	assert_string_equal(kc_ctx_file_current(f), "a");
	unsetenv("KC_UNIT_PW");
	assert_null(kc_ctx_resolve(f, &ov, &err));
	assert_non_null(strstr(err.msg, "KC_UNIT_PW is not set"));
	setenv("KC_UNIT_PW", "from-env", 1);
	ctx = kc_ctx_resolve(f, &ov, &err);
	assert_non_null(ctx);
	assert_string_equal(ctx->name, "a");
	assert_int_equal(ctx->nurls, 2);
	assert_string_equal(ctx->password, "from-env");
	assert_true(ctx->read_only);
	assert_string_equal(ctx->headers[0], "X-A: 1");
	assert_string_equal(kc_ctx_bootstrap(ctx), "k:9092");
	assert_string_equal(kc_json_str(ctx->kafka, "sasl.password"), "from-file");
	kc_ctx_client_opts(ctx, &o);
	assert_int_equal(o.nurls, 2);
	assert_string_equal(o.username, "u");
	kc_ctx_free(ctx);
	/* --url wins over the current context; --bootstrap overrides. */
	ov.url = "http://adhoc:1, http://adhoc:2";
	ov.bootstrap = "b:1";
	ctx = kc_ctx_resolve(f, &ov, &err);
	assert_non_null(ctx);
	assert_null(ctx->name);
	assert_int_equal(ctx->nurls, 2);
	assert_string_equal(ctx->urls[1], "http://adhoc:2");
	assert_string_equal(kc_ctx_bootstrap(ctx), "b:1");
	assert_false(ctx->read_only);
	kc_ctx_free(ctx);
	ov.url = NULL;
	ov.context = "nope";
	assert_null(kc_ctx_resolve(f, &ov, &err));
	assert_int_equal(err.code, KC_E_NOTFOUND);
	assert_int_equal(kc_ctx_file_remove(f, "a", &err), 0);
	assert_null(kc_ctx_file_current(f));
	kc_ctx_file_free(f);

	/* A malformed file names itself and the position. */
	fp = fopen(path, "w");
	fputs("{\"contexts\": {\"x\": {\"url\": 5}}}", fp);
	fclose(fp);
	assert_null(kc_ctx_file_load(path, &err));
	assert_non_null(strstr(err.msg, "/contexts/x/url"));
	fp = fopen(path, "w");
	fputs("{\"contexts\": ", fp);
	fclose(fp);
	assert_null(kc_ctx_file_load(path, &err));
	assert_non_null(strstr(err.msg, path));
	unlink(path);
	unlink(pwfile);
	snprintf(path, sizeof path, "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

/* The table has the commands, and lookup honours aliases and accepts(). */
static void
test_table(void **state)
{
	static const char *const must[] = { "info", "get", "describe", "create", "apply",
	    "validate", "patch", "pause", "resume", "stop", "restart", "delete", "offsets",
	    "logger", "lag", "tail", "wait", "context", "help", "completion" };
	char *ls[] = { "ls", "connectors", NULL };
	char *apply_f[] = { "apply", "-f", "x.json", NULL };
	char *pause[] = { "pause", "x", NULL };
	char *logger_get[] = { "logger", "get", NULL };
	const struct kc_cmd *c;
	size_t i;

	(void)state;
	for (i = 0; i < KC_NITEMS(must); i++) {
		char *argv[] = { (char *)must[i], NULL };
		c = kc_cmd_find(1, argv);
		assert_non_null(c);
		assert_non_null(c->summary);
	}
	c = kc_cmd_find(2, ls);
	assert_string_equal(c->name, "get");
	c = kc_cmd_find(3, apply_f);
	assert_string_equal(c->name, "apply");
	assert_true(c->accepts != NULL && c->accepts(3, apply_f));
	assert_true(kc_cmd_is_mutating(kc_cmd_find(2, pause), 2, pause));
	assert_false(kc_cmd_is_mutating(kc_cmd_find(2, logger_get), 2, logger_get));
	assert_false(kc_cmd_is_mutating(kc_cmd_find(2, ls), 2, ls));
}

/* KC_LIST_NO_CONFIG / KC_LIST_NO_INFO: the same names, states, types and tasks as a full
 * parse; the info part skipped unread even with braces, quotes and escapes in its strings,
 * across the 64-byte blocks of the raw skipper; malformed info still an error. */
static void
test_listing_parse_flags(void **state)
{
	struct kc_buf b;
	struct kc_connector_list *full, *nc, *ni;
	struct kc_err err;
	size_t i, j;
	static const char *const bad[] = {
		"{\"a\": {\"status\": {\"type\": \"sink\"}, \"info\": {\"config\": {\"k\": \"v}}}}",
		"{\"a\": {\"status\": {\"type\": \"sink\"}, \"info\": {\"config\": {\"k\": 1 \\ }}}}",
		"{\"a\": {\"status\": {\"type\": \"sink\"}, \"info\": {\"config\": {\"k\": \"v\\\"}}}}",
	};

	(void)state;
	kc_buf_init(&b);
	kc_buf_puts(&b, "{");
	for (i = 0; i < 40; i++) {
		/* pad shifts the strings against the 64-byte blocks */
		kc_buf_printf(&b, "%s\"c%02zu\": {\"status\": {\"name\": \"c%02zu\", \"connector\": "
		    "{\"state\": \"%s\", \"worker_id\": \"w\"}, \"tasks\": [{\"id\": 1, \"state\": "
		    "\"RUNNING\", \"worker_id\": \"w\"}], \"type\": \"%s\"}, \"info\": {\"name\": "
		    "\"c%02zu\", \"config\": {\"connector.class\": \"C%zu\", \"pad\": \"%.*s\", "
		    "\"q\": \"}}}{{\\\"\\\\\\\\\", \"e\": \"%s\", \"n\": null}, \"x\": {\"y\": [1, "
		    "{\"z\": \"}\"}]}, \"tasks\": [], \"type\": \"source\"}}",
		    i > 0 ? ", " : "", i, i, i % 3 == 0 ? "PAUSED" : "RUNNING",
		    i % 2 ? "sink" : "source", i, i, (int)(i % 64),
		    "................................................................",
		    i % 4 == 0 ? "\\\\" : i % 4 == 1 ? "\\\"}" : i % 4 == 2 ? "\\u007d{" : "");
	}
	/* no status: its type comes from info even with KC_LIST_NO_INFO */
	kc_buf_puts(&b, ", \"z\": {\"info\": {\"config\": {\"connector.class\": \"Z\"}, "
	    "\"type\": \"sink\"}}}");
	full = kc_connector_list_parse(b.data, b.len, &err);
	assert_non_null(full);
	nc = kc_connector_list_parse_opts(b.data, b.len, KC_LIST_NO_CONFIG, &err);
	assert_non_null(nc);
	ni = kc_connector_list_parse_opts(b.data, b.len, KC_LIST_NO_CONFIG | KC_LIST_NO_INFO,
	    &err);
	assert_non_null(ni);
	assert_int_equal(full->n, 41);
	assert_int_equal(nc->n, 41);
	assert_int_equal(ni->n, 41);
	for (i = 0; i < full->n; i++) {
		const struct kc_connector_view *f = &full->v[i], *c = &nc->v[i], *n = &ni->v[i];
		assert_string_equal(f->name, c->name);
		assert_string_equal(f->name, n->name);
		assert_string_equal(f->type, n->type);
		assert_string_equal(f->state, n->state);
		assert_string_equal(f->worker_id, n->worker_id);
		assert_int_equal(f->health, n->health);
		assert_int_equal(f->ntasks, n->ntasks);
		for (j = 0; j < f->ntasks; j++)
			assert_string_equal(f->tasks[j].state, n->tasks[j].state);
		assert_string_equal(f->class_name, c->class_name);
		assert_int_equal(c->nconfig, 0);
		assert_true(f->nconfig > 0);
		assert_true(n->has_config);
		if (strcmp(f->name, "z") != 0)
			assert_string_equal(n->class_name, "");
	}
	assert_string_equal(kc_connector_list_find(ni, "z")->type, "sink");
	assert_string_equal(kc_connector_list_find(nc, "c07")->class_name, "C7");
	kc_connector_list_free(full);
	kc_connector_list_free(nc);
	kc_connector_list_free(ni);
	kc_buf_free(&b);
	for (i = 0; i < KC_NITEMS(bad); i++) {
		ni = kc_connector_list_parse_opts(bad[i], strlen(bad[i]),
		    KC_LIST_NO_CONFIG | KC_LIST_NO_INFO, &err);
		if (ni != NULL)
			fail_msg("accepted bad listing %zu: %s", i, bad[i]);
		assert_int_equal(err.code, KC_E_PARSE);
	}
}

/* The pairs recorded for a raw config (see config_raw in kc_client.h) are those of the
 * config text, found from the positions alone. A raw config's strings hold no quote, so the
 * text between its quotes is, in turn, a string and a separator. */
static void
check_raw_pairs(const struct kc_connector_view *v, const char *config)
{
	const char *p = config, *q, *str[2];
	size_t i = 0, n[2], j;

	for (;;) {
		for (j = 0; j < 2; j++) {
			p = strchr(p, '"');
			if (p == NULL)
				break;
			q = strchr(p + 1, '"');
			assert_non_null(q);
			str[j] = p + 1;
			n[j] = (size_t)(q - p - 1);
			p = q + 1;
		}
		if (p == NULL)
			break;
		{
			const char *k = v->config_keys[i], *s = v->config_vals[i];
			const char *e = i + 1 < v->config_raw_npairs ? v->config_keys[i + 1] - 3 :
			    v->config_raw + v->config_raw_len - 2;
			size_t kl = (size_t)(s - 3 - k), vl = (size_t)(e - s);
			assert_true(i < v->config_raw_npairs);
			assert_true(k > v->config_raw && e < v->config_raw + v->config_raw_len);
			if (kl != n[0] || memcmp(k, str[0], kl) != 0)
				fail_msg("pair %zu: key '%.*s', expected '%.*s'", i, (int)kl, k,
				    (int)n[0], str[0]);
			if (vl != n[1] || memcmp(s, str[1], vl) != 0)
				fail_msg("pair %zu: value '%.*s', expected '%.*s'", i, (int)vl, s,
				    (int)n[1], str[1]);
		}
		i++;
	}
	assert_int_equal(i, v->config_raw_npairs);
}

/* KC_LIST_RAW_CONFIG: a compact, flat, printable-ASCII config without escapes is kept as its
 * text (class_name NUL-terminated in it), with each pair's position; anything else is
 * decoded as usual. Bytes that keep a config from being raw are tried at every position of
 * 16- and 8-byte blocks, in keys and values. */
static void
test_listing_raw_config(void **state)
{
	static const struct {
		const char *config;
		int raw;
		const char *class_name;
	} cases[] = {
		{ "{\"connector.class\":\"C\",\"k\":\"v\",\"connector.class\":\"D\"}", 1, "D" },
		{ "{\"k\":\"v\"}", 1, "" },
		{ "{\"k\": \"v\"}", 0, "" },
		{ "{\"k\":\"v\\\"\",\"connector.class\":\"E\"}", 0, "E" },
		{ "{\"k\":2,\"connector.class\":\"F\"}", 0, "F" },
		{ "{\"k\":\"\xc3\xa9\"}", 0, "" },
		{ "{\"k\":\"a\x7f\"}", 0, "" },
		{ "{\"k\":\"v\"\n}", 0, "" },
		{ "{}", 0, "" },
		{ "{\"a\":\"\",\"\":\"b\",\"connector.class\":\"\"}", 1, "" },
		{ "{\"k\":\"0123456789abcdef\",\"0123456789abcdefg\":\"x\",\"connector.class\":"
		  "\"0123456789abcdef0123456789abcdef0\",\"y\":\"0123456789abcdef0123456789abcde\"}",
		  1, "0123456789abcdef0123456789abcdef0" },
		{ "{\"k\":\"0123456789abcdef0123456789abcdef\\\\\"}", 0, "" },
		{ "{\"k\":\"0123456789abcdef0123456789abcdef\t\"}", 0, "" },
		{ "{\"0123456789abcdef0123456789abcdef\x80\":\"v\"}", 0, "" },
	};
	struct kc_buf b;
	struct kc_connector_list *l;
	struct kc_err err;
	size_t i;

	(void)state;
	for (i = 0; i < KC_NITEMS(cases); i++) {
		const struct kc_connector_view *v;
		kc_buf_init(&b);
		kc_buf_printf(&b, "{\"a\": {\"status\": {\"connector\": {\"state\": \"RUNNING\"}, "
		    "\"type\": \"sink\"}, \"info\": {\"config\": %s, \"type\": \"sink\"}}}",
		    cases[i].config);
		l = kc_connector_list_parse_opts(b.data, b.len, KC_LIST_RAW_CONFIG, &err);
		if (l == NULL)
			fail_msg("case %zu: %s", i, err.msg);
		v = &l->v[0];
		if ((v->config_raw != NULL) != cases[i].raw)
			fail_msg("case %zu: config_raw %s", i, v->config_raw ? "set" : "NULL");
		assert_string_equal(v->class_name, cases[i].class_name);
		assert_true(v->has_config);
		if (v->config_raw != NULL) {
			assert_int_equal(v->nconfig, 0);
			assert_int_equal(v->config_raw_len, strlen(cases[i].config));
			assert_int_equal(v->config_raw[0], '{');
			assert_int_equal(v->config_raw[v->config_raw_len - 1], '}');
			check_raw_pairs(v, cases[i].config);
		} else if (strcmp(cases[i].config, "{}") != 0) {
			assert_true(v->nconfig > 0);
		}
		kc_connector_list_free(l);
		kc_buf_free(&b);
	}
}

/* A raw config's scan stops at every byte that keeps a string from being copied as it is,
 * wherever it lies in a 16- or 8-byte block: each of them at each position of keys and values
 * of 1 to 40 bytes makes the config decoded as usual (with the same strings); without it the
 * config is raw, with the right pairs. A repeated config member: the last one wins. */
static void
test_listing_raw_positions(void **state)
{
	static const char *const bad[] = { "\\\\", "\\\"", "\\u0041", "\x01", "\x1f", "\x7f",
	    "\x80", "\xc3\xa9", "\xff" };
	struct kc_buf b, cfg;
	struct kc_connector_list *l;
	struct kc_err err;
	size_t len, pos, j, side;

	(void)state;
	kc_buf_init(&b);
	kc_buf_init(&cfg);
	for (len = 1; len <= 40; len++) {
		for (pos = 0; pos <= len; pos++) {
			for (j = 0; j <= KC_NITEMS(bad); j++) {
				for (side = 0; side < 2; side++) {
					char s[64];
					const struct kc_connector_view *v;
					int want_raw = j == KC_NITEMS(bad) || pos == len;
					memset(s, 'a' + (int)(len % 26), len);
					s[len] = '\0';
					kc_buf_reset(&cfg);
					kc_buf_printf(&cfg, "{\"connector.class\":\"C\",\"%.*s%s%s\":"
					    "\"%.*s%s%s\",\"z\":\"1\"}",
					    (int)pos, s, side == 0 && pos < len && j < KC_NITEMS(bad) ?
					    bad[j] : "", s + pos,
					    (int)pos, s, side == 1 && pos < len && j < KC_NITEMS(bad) ?
					    bad[j] : "", s + pos);
					kc_buf_reset(&b);
					kc_buf_printf(&b, "{\"c\":{\"status\":{\"name\":\"c\"},\"info\":"
					    "{\"name\":\"c\",\"config\":{\"x\":\"y\"},\"config\":%s,"
					    "\"tasks\":[],\"type\":\"sink\"}}}", cfg.data);
					l = kc_connector_list_parse_opts(b.data, b.len,
					    KC_LIST_RAW_CONFIG, &err);
					if (l == NULL)
						fail_msg("len %zu pos %zu bad %zu: %s", len, pos, j,
						    err.msg);
					v = &l->v[0];
					if ((v->config_raw != NULL) != want_raw)
						fail_msg("len %zu pos %zu bad %zu side %zu: raw %d",
						    len, pos, j, side, v->config_raw != NULL);
					assert_string_equal(v->class_name, "C");
					if (want_raw) {
						assert_int_equal(v->config_raw_len, cfg.len);
						check_raw_pairs(v, cfg.data);
					} else {
						assert_int_equal(v->nconfig, 3);
						assert_string_equal(v->config_keys[2], "z");
					}
					kc_connector_list_free(l);
				}
			}
		}
	}
	kc_buf_free(&b);
	kc_buf_free(&cfg);
}

/* Aligned tables: cells of 0 to 70 bytes (every copy size), given in each of the three
 * ways (copied, referred to, plain with a length) and with padding wider than 32 columns,
 * print exactly as a plain reference alignment does: columns two blanks apart, no
 * trailing blanks, a non-ASCII cell sanitised to its display width. */
static void
test_tab_print(void **state)
{
	static const char *const odd[] = { "tab\there", "caf\xc3\xa9", "" };
	struct kc_cmd_tab *t;
	struct kc_cmd_io io;
	struct kc_buf want;
	char cells[80][3][80], *got = NULL;
	size_t gotlen = 0, r, c, w[3] = { 1, 1, 1 }, nrows = 74;
	FILE *f;

	(void)state;
	memset(&io, 0, sizeof io);
	f = open_memstream(&got, &gotlen);
	assert_non_null(f);
	io.out = f;
	t = kc_cmd_tab_new(3, "A", "B", "C");
	snprintf(cells[0][0], 80, "A");
	snprintf(cells[0][1], 80, "B");
	snprintf(cells[0][2], 80, "C");
	for (r = 1; r < nrows; r++) {
		for (c = 0; c < 3; c++) {
			size_t n = (r * (c + 3)) % 71, i;
			for (i = 0; i < n; i++)
				cells[r][c][i] = (char)('a' + (r + i + c) % 26);
			cells[r][c][n] = '\0';
		}
		if (r >= 71) {	/* odd cells: sanitised, copied */
			snprintf(cells[r][1], 80, "%s", odd[r - 71]);
			kc_cmd_tab_cell_plain(t, cells[r][0], strlen(cells[r][0]), NULL);
			kc_cmd_tab_cell(t, cells[r][1], NULL);
			kc_cmd_tab_cell_ref(t, cells[r][2], NULL);
			continue;
		}
		switch (r % 3) {
		case 0:
			kc_cmd_tab_cell(t, cells[r][0], NULL);
			kc_cmd_tab_cell_ref(t, cells[r][1], NULL);
			kc_cmd_tab_cell_plain(t, cells[r][2], strlen(cells[r][2]), NULL);
			break;
		case 1:
			kc_cmd_tab_cell_ref(t, cells[r][0], NULL);
			kc_cmd_tab_cell_plain(t, cells[r][1], strlen(cells[r][1]), NULL);
			kc_cmd_tab_cell(t, cells[r][2], NULL);
			break;
		default:
			kc_cmd_tab_cell_plain(t, cells[r][0], strlen(cells[r][0]), NULL);
			kc_cmd_tab_cell(t, cells[r][1], NULL);
			kc_cmd_tab_cell_ref(t, cells[r][2], NULL);
		}
	}
	assert_int_equal(kc_cmd_tab_print(t, &io), 0);
	kc_cmd_tab_free(t);
	fclose(f);
	/* the reference: the same alignment, written simply */
	snprintf(cells[71][1], 80, "tab here");	/* the sanitised forms */
	snprintf(cells[72][1], 80, "caf\xc3\xa9");
	for (r = 0; r < nrows; r++)
		for (c = 0; c < 3; c++) {
			size_t n = strlen(cells[r][c]) - (r == 72 && c == 1);	/* é: one column */
			if (n > w[c])
				w[c] = n;
		}
	kc_buf_init(&want);
	for (r = 0; r < nrows; r++) {
		size_t last = 3;
		while (last > 0 && cells[r][last - 1][0] == '\0')
			last--;
		for (c = 0; c < 3; c++) {
			size_t n = strlen(cells[r][c]) - (r == 72 && c == 1);
			kc_buf_puts(&want, cells[r][c]);
			if (c + 1 < last)
				kc_buf_printf(&want, "%*s", (int)(w[c] + 2 - n), "");
		}
		kc_buf_putc(&want, '\n');
	}
	if (gotlen != want.len || memcmp(got, want.data, want.len) != 0) {
		size_t k = 0, line = 0, l0 = 0;
		while (k < gotlen && k < want.len && got[k] == want.data[k]) {
			if (got[k++] == '\n') {
				line++;
				l0 = k;
			}
		}
		fail_msg("table line %zu differs from byte %zu:\n got: %.*s\nwant: %.*s", line,
		    k - l0, (int)strcspn(got + l0, "\n"), got + l0,
		    (int)strcspn(want.data + l0, "\n"), want.data + l0);
	}
	kc_buf_free(&want);
	free(got);
}

/* Every field whose plain bit the listing parser sets (see struct kc_connector_view) has its
 * length in len and is printable ASCII without '"' or '\\'. */
static void
check_plain(const struct kc_connector_view *v)
{
	const char *f[5];
	size_t i, j;

	f[KC_VF_NAME] = v->name;
	f[KC_VF_TYPE] = v->type;
	f[KC_VF_STATE] = v->state;
	f[KC_VF_WORKER] = v->worker_id;
	f[KC_VF_CLASS] = v->class_name;
	for (i = 0; i < 5; i++) {
		if (!(v->plain & (1u << i)))
			continue;
		assert_non_null(f[i]);
		if (strlen(f[i]) != v->len[i])
			fail_msg("field %zu '%s': length %u", i, f[i], (unsigned)v->len[i]);
		for (j = 0; j < v->len[i]; j++)
			if ((unsigned char)f[i][j] < 0x20 || (unsigned char)f[i][j] > 0x7e ||
			    f[i][j] == '"' || f[i][j] == '\\')
				fail_msg("field %zu '%s' marked plain", i, f[i]);
	}
}

/* A status or an info in Connect's compact form is read member by member, the usual parser
 * taking over at the first difference: every variant gives what the same text with blanks
 * (always the usual parser) gives. */
static void
test_listing_compact_status(void **state)
{
	static const char *const statuses[] = {
		"{\"name\":\"a\",\"connector\":{\"state\":\"RUNNING\",\"worker_id\":\"w:1\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"FAILED\",\"worker_id\":\"w:1\","
		    "\"trace\":\"boom\\n\\tat x\"},\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"RUNNING\",\"worker_id\":\"w:1\"},"
		    "\"tasks\":[{\"id\":1,\"state\":\"FAILED\",\"worker_id\":\"w:2\",\"trace\":\"t\"},"
		    "{\"id\":0,\"state\":\"RUNNING\",\"worker_id\":\"w:1\"}],\"type\":\"source\"}",
		"{\"name\":\"a\\\"b\",\"connector\":{\"state\":\"PAUSED\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"RUN\\u004eING\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"worker_id\":\"w\",\"state\":\"STOPPED\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"RUNNING\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":\"sink\",\"type\":\"source\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"RUNNING\",\"worker_id\":\"w\"},"
		    "\"tasks\":[]}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"RUNNING\",\"worker_id\":\"w\"},"
		    "\"type\":\"sink\",\"tasks\":[]}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"RUNNING\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":null}",
		"{\"connector\":{\"state\":\"RUNNING\",\"worker_id\":\"w\"},\"name\":\"a\"}",
		"{\"name\":\"a\"}",
		"{}",
		/* states told apart by length and last letters, and near misses */
		"{\"name\":\"a\",\"connector\":{\"state\":\"STOPPED\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"PAUSED\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"FAILED\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"running\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"UNASSIGNED\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"RESTARTING\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"XUNNING\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"RUNNINGS\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"STOPPEX\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"PAUSE\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"FAILUD\",\"worker_id\":\"w\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"RUNN\xc3\x89NG\",\"worker_id\":"
		    "\"w\xc3\xa9\"},\"tasks\":[],\"type\":\"s\x7f\"}",
		"{\"name\":\"a\",\"connector\":{\"state\":\"RUNNING\",\"worker_id\":\"w\\\\\"},"
		    "\"tasks\":[],\"type\":\"sink\"}",
		/* infos from here on (status null) */
		"{\"name\":\"a\",\"config\":{\"connector.class\":\"C\",\"k\":\"v\"},\"tasks\":[],"
		    "\"type\":\"sink\"}",
		"{\"name\":\"a\",\"config\":{\"connector.class\":\"C\\u0041\"},\"tasks\":[],"
		    "\"type\":\"source\"}",
		"{\"name\":\"a\",\"config\":null,\"tasks\":[],\"type\":\"sink\"}",
		"{\"name\":\"a\",\"config\":{},\"tasks\":[{\"connector\":\"a\",\"task\":0}],"
		    "\"type\":\"sink\"}",
		"{\"name\":\"a\",\"config\":{\"k\":\"v\"},\"tasks\":[],\"type\":\"sink\",\"x\":1}",
		"{\"name\":\"a\",\"config\":{\"k\":\"v\"},\"tasks\":[],\"type\":\"s\\\"k\"}",
		"{\"name\":\"a\",\"type\":\"sink\",\"config\":{\"k\":\"v\"}}",
		"{\"name\":\"a\",\"config\":{\"k\":\"v\"},\"tasks\":[]}",
	};
	const size_t ninfo = 8;	/* the last ones */
	size_t i, j;

	(void)state;
	for (i = 0; i < KC_NITEMS(statuses); i++) {
		int info = i >= KC_NITEMS(statuses) - ninfo;
		struct kc_buf a, b;
		struct kc_connector_list *x, *y;
		struct kc_err err;
		const char *c;
		int in_str;
		kc_buf_init(&a);
		kc_buf_init(&b);
		kc_buf_printf(&a, info ? "{\"a\":{\"status\":null,\"info\":%s}}" :
		    "{\"a\":{\"status\":%s,\"info\":null}}", statuses[i]);
		/* the same with a blank after every ',' outside strings: the usual parser */
		kc_buf_puts(&b, info ? "{\"a\":{\"status\":null,\"info\":" :
		    "{\"a\":{\"status\":");
		for (c = statuses[i], in_str = 0; *c != '\0'; c++) {
			kc_buf_putc(&b, *c);
			if (*c == '\\' && c[1] != '\0')
				kc_buf_putc(&b, *++c);
			else if (*c == '"')
				in_str = !in_str;
			else if (!in_str && (*c == ',' || *c == ':'))
				kc_buf_putc(&b, ' ');
		}
		kc_buf_puts(&b, info ? "}}" : ",\"info\":null}}");
		x = kc_connector_list_parse(a.data, a.len, &err);
		if (x == NULL)
			fail_msg("status %zu: %s", i, err.msg);
		y = kc_connector_list_parse(b.data, b.len, &err);
		if (y == NULL)
			fail_msg("status %zu (blanks): %s", i, err.msg);
		assert_int_equal(x->n, 1);
		assert_string_equal(x->v[0].state, y->v[0].state);
		assert_string_equal(x->v[0].worker_id, y->v[0].worker_id);
		assert_string_equal(x->v[0].type, y->v[0].type);
		assert_int_equal(x->v[0].health, y->v[0].health);
		/* (y, read the usual way, has no plain state: kc_health_parse) */
		if (x->v[0].health != KC_HEALTH_UNKNOWN && x->v[0].tasks_failed == 0)
			assert_int_equal(x->v[0].health, kc_health_parse(x->v[0].state));
		check_plain(&x->v[0]);
		check_plain(&y->v[0]);
		{
			struct kc_connector_list *r = kc_connector_list_parse_opts(a.data, a.len,
			    KC_LIST_RAW_CONFIG, &err);
			assert_non_null(r);
			check_plain(&r->v[0]);
			assert_int_equal(r->v[0].health, x->v[0].health);
			kc_connector_list_free(r);
		}
		if ((x->v[0].trace == NULL) != (y->v[0].trace == NULL))
			fail_msg("status %zu: trace differs", i);
		if (x->v[0].trace != NULL)
			assert_string_equal(x->v[0].trace, y->v[0].trace);
		assert_int_equal(x->v[0].has_config, y->v[0].has_config);
		assert_string_equal(x->v[0].class_name, y->v[0].class_name);
		assert_int_equal(x->v[0].nconfig, y->v[0].nconfig);
		for (j = 0; j < x->v[0].nconfig; j++) {
			assert_string_equal(x->v[0].config_keys[j], y->v[0].config_keys[j]);
			assert_string_equal(x->v[0].config_vals[j], y->v[0].config_vals[j]);
		}
		assert_int_equal(x->v[0].ntasks, y->v[0].ntasks);
		for (j = 0; j < x->v[0].ntasks; j++) {
			assert_int_equal(x->v[0].tasks[j].id, y->v[0].tasks[j].id);
			assert_string_equal(x->v[0].tasks[j].state, y->v[0].tasks[j].state);
		}
		kc_connector_list_free(x);
		kc_connector_list_free(y);
		kc_buf_free(&a);
		kc_buf_free(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_health),
		cmocka_unit_test(test_listing_parse),
		cmocka_unit_test(test_listing_parse_flags),
		cmocka_unit_test(test_listing_raw_config),
		cmocka_unit_test(test_listing_raw_positions),
		cmocka_unit_test(test_tab_print),
		cmocka_unit_test(test_listing_compact_status),
		cmocka_unit_test(test_listing_mutations),
		cmocka_unit_test(test_feature_gates),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_getopt),
		cmocka_unit_test(test_globals),
		cmocka_unit_test(test_contexts),
		cmocka_unit_test(test_context_file_mode),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
