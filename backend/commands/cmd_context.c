/* cmd_context.c - `kcops context list|use|add|remove|show|current`. */
#include "kc_cmd.h"

#include <stdlib.h>
#include <string.h>

#include "kc_json.h"
#include "kc_text.h"
#include "kc_util.h"

/* Print a sanitised string and newline. */
static void
put_line(FILE *out, const char *s)
{
	char *c = kc_text_sanitize(s, 0);

	fprintf(out, "%s\n", c);
	free(c);
}

/* Comma-joined URLs of a context object (caller frees). */
static char *
urls_of(const json_t *o)
{
	size_t i, len = 0;
	json_t *u;
	char *out;
	const char *one = kc_json_str(o, "url");

	json_array_foreach(json_object_get(o, "urls"), i, u)
		len += strlen(json_string_value(u) ? json_string_value(u) : "") + 1;
	out = kc_xcalloc(1, len + (one ? strlen(one) + 1 : 0) + 1);
	if (one != NULL)
		strcat(out, one);
	json_array_foreach(json_object_get(o, "urls"), i, u) {
		if (json_string_value(u) == NULL)
			continue;
		if (*out != '\0')
			strcat(out, ",");
		strcat(out, json_string_value(u));
	}
	return out;
}

/* context list. */
static int
ctx_list(struct kc_cmd_env *env, struct kc_ctx_file *f)
{
	const json_t *ctxs = kc_ctx_file_contexts(f);
	const char *cur = kc_ctx_file_current(f), *k, **names;
	struct kc_cmd_tab *t;
	json_t *v, *arr;
	size_t n = 0, i;

	names = kc_xcalloc(json_object_size(ctxs) + 1, sizeof *names);
	json_object_foreach((json_t *)ctxs, k, v)
		names[n++] = k;
	qsort(names, n, sizeof *names, kc_cmd_strcmp_p);
	if (env->io->fmt == KC_FMT_JSON) {
		arr = json_array();
		for (i = 0; i < n; i++) {
			const json_t *o = json_object_get(ctxs, names[i]);
			char *u = urls_of(o);
			json_array_append_new(arr, json_pack("{sssbsssb}", "name", names[i],
			    "current", kc_str_eq(cur, names[i]), "urls", u, "read_only",
			    json_is_true(json_object_get(o, "read_only"))));
			free(u);
		}
		kc_cmd_print_json(env, arr, 0);
		json_decref(arr);
	} else if (env->io->fmt == KC_FMT_NAMES) {
		for (i = 0; i < n; i++)
			put_line(env->io->out, names[i]);
	} else if (n == 0) {
		if (!env->io->quiet)
			fprintf(env->io->err, "No contexts in %s. Add one with 'kcops context add "
			    "NAME --url URL'.\n", kc_ctx_file_path(f));
	} else {
		t = kc_cmd_tab_new(5, "CURRENT", "NAME", "URL", "BOOTSTRAP", "READ-ONLY");
		for (i = 0; i < n; i++) {
			const json_t *o = json_object_get(ctxs, names[i]);
			char *u = urls_of(o);
			kc_cmd_tab_cell(t, kc_str_eq(cur, names[i]) ? "*" : "", NULL);
			kc_cmd_tab_cell(t, names[i], NULL);
			kc_cmd_tab_cell(t, u, NULL);
			kc_cmd_tab_cell(t, kc_json_str_or(json_object_get(o, "kafka"),
			    "bootstrap.servers", ""), NULL);
			kc_cmd_tab_cell(t, json_is_true(json_object_get(o, "read_only")) ? "yes" :
			    "", NULL);
			free(u);
		}
		kc_cmd_tab_print(t, env->io);
		kc_cmd_tab_free(t);
	}
	free(names);
	return KC_EXIT_OK;
}

static const struct kc_cmd_opt add_opts[] = {
	{ 1, 0, "url", 1 },
	{ 2, 0, "username", 1 },
	{ 3, 0, "password", 1 },
	{ 4, 0, "password-env", 1 },
	{ 5, 0, "password-file", 1 },
	{ 6, 0, "token", 1 },
	{ 7, 0, "token-env", 1 },
	{ 8, 0, "token-file", 1 },
	{ 9, 'H', "header", 1 },
	{ 10, 0, "ca-file", 1 },
	{ 11, 0, "cert-file", 1 },
	{ 12, 0, "key-file", 1 },
	{ 13, 'k', "insecure", 0 },
	{ 14, 0, "bootstrap-servers", 1 },
	{ 15, 0, "kafka", 1 },
	{ 16, 0, "read-only", 0 },
	{ 17, 0, "ctx-timeout", 1 },
	{ 18, 0, "use", 0 },
	{ 19, 0, "force", 0 },
	{ 20, 0, "theme", 1 },
	{ 0, 0, NULL, 0 },
};

/* Set o[sect][key] = value (creating sect). */
static void
set_in(json_t *o, const char *sect, const char *key, const char *value)
{
	json_t *s = json_object_get(o, sect);

	if (s == NULL) {
		s = json_object();
		json_object_set_new(o, sect, s);
	}
	json_object_set_new(s, key, json_string(value));
}

/* context add NAME --url URL [options]. */
static int
ctx_add(struct kc_cmd_env *env, const struct kc_cmd *self, struct kc_ctx_file *f, int argc,
    char **argv)
{
	json_t *o = json_object(), *urls = json_array();
	const char *name = NULL, *val, *eq;
	struct kc_err err;
	int i = 1, id, use = 0, force = 0, plain_secret = 0;

	while ((id = kc_cmd_getopt(env, self, argc, argv, &i, add_opts, &val)) != KC_OPT_END) {
		char *key;
		switch (id) {
		case KC_OPT_ERROR:
			goto usage;
		case KC_OPT_ARG:
			if (name != NULL) {
				kc_cmd_usage(env, self, "unexpected argument '%s'", val);
				goto usage;
			}
			name = val;
			break;
		case 1: json_array_append_new(urls, json_string(val)); break;
		case 2: set_in(o, "auth", "username", val); set_in(o, "auth", "type", "basic");
			break;
		case 3: set_in(o, "auth", "password", val); plain_secret = 1; break;
		case 4: set_in(o, "auth", "password_env", val); break;
		case 5: set_in(o, "auth", "password_file", val); break;
		case 6: set_in(o, "auth", "token", val); set_in(o, "auth", "type", "bearer");
			plain_secret = 1;
			break;
		case 7: set_in(o, "auth", "token_env", val); set_in(o, "auth", "type", "bearer");
			break;
		case 8: set_in(o, "auth", "token_file", val); set_in(o, "auth", "type", "bearer");
			break;
		case 9:
			eq = strchr(val, ':');
			if (eq == NULL || eq == val) {
				kc_cmd_usage(env, self, "--header '%s': expected 'Name: value'", val);
				goto usage;
			}
			key = kc_xstrndup(val, (size_t)(eq - val));
			eq++;
			while (*eq == ' ')
				eq++;
			set_in(o, "headers", key, eq);
			free(key);
			break;
		case 10: set_in(o, "tls", "ca_file", val); break;
		case 11: set_in(o, "tls", "cert_file", val); break;
		case 12: set_in(o, "tls", "key_file", val); break;
		case 13:
			if (json_object_get(o, "tls") == NULL)
				json_object_set_new(o, "tls", json_object());
			json_object_set_new(json_object_get(o, "tls"), "insecure", json_true());
			break;
		case 14: set_in(o, "kafka", "bootstrap.servers", val); break;
		case 15:
			eq = strchr(val, '=');
			if (eq == NULL || eq == val) {
				kc_cmd_usage(env, self, "--kafka '%s': expected KEY=VALUE", val);
				goto usage;
			}
			key = kc_xstrndup(val, (size_t)(eq - val));
			set_in(o, "kafka", key, eq + 1);
			free(key);
			break;
		case 16: json_object_set_new(o, "read_only", json_true()); break;
		case 17: json_object_set_new(o, "timeout", json_string(val)); break;
		case 18: use = 1; break;
		case 19: force = 1; break;
		case 20: json_object_set_new(o, "theme", json_string(val)); break;
		}
	}
	if (name == NULL) {
		kc_cmd_usage(env, self, "context add needs a NAME");
		goto usage;
	}
	if (json_array_size(urls) == 0) {
		kc_cmd_usage(env, self, "context add needs --url URL (repeat it for more workers)");
		goto usage;
	}
	{
		size_t k;
		json_t *u;
		json_array_foreach(urls, k, u) {
			const char *s = json_string_value(u);
			if (!kc_str_has_prefix(s, "http://") && !kc_str_has_prefix(s, "https://")) {
				kc_cmd_usage(env, self, "--url '%s': expected http://HOST:PORT or "
				    "https://...", s);
				goto usage;
			}
		}
	}
	json_object_set_new(o, "urls", urls);
	urls = NULL;
	if (json_object_get(kc_ctx_file_contexts(f), name) != NULL && !force) {
		json_decref(o);
		return kc_cmd_error(env, "context '%s' exists; use --force to replace it", name);
	}
	kc_err_clear(&err);
	if (kc_ctx_file_set(f, name, o, &err) != 0)
		return kc_cmd_error(env, "%s", err.msg);
	if (use || kc_ctx_file_current(f) == NULL)
		kc_ctx_file_use(f, name, NULL);
	if (kc_ctx_file_save(f, &err) != 0)
		return kc_cmd_error(env, "%s", err.msg);
	if (plain_secret && !env->io->quiet)
		fprintf(env->io->err, "kcops: note: the secret is stored in %s (mode 0600); "
		    "--password-env/--token-env or *-file keep it out of the file\n",
		    kc_ctx_file_path(f));
	if (env->io->fmt == KC_FMT_JSON) {
		json_t *r = json_pack("{sssssb}", "name", name, "result", "added", "current",
		    kc_str_eq(kc_ctx_file_current(f), name));
		kc_cmd_print_json(env, r, 0);
		json_decref(r);
	} else if (!env->io->quiet) {
		char *n = kc_text_sanitize(name, 0);
		fprintf(env->io->out, "context/%s added%s\n", n,
		    kc_str_eq(kc_ctx_file_current(f), name) ? " (current)" : "");
		free(n);
	}
	return KC_EXIT_OK;
usage:
	json_decref(urls);
	json_decref(o);
	return KC_EXIT_USAGE;
}

/* A context object with secrets masked (new reference). */
static json_t *
masked_ctx(struct kc_cmd_env *env, const json_t *o)
{
	json_t *c = json_deep_copy(o), *auth = json_object_get(c, "auth");

	if (env->io->show_secrets)
		return c;
	if (json_object_get(auth, "password") != NULL)
		json_object_set_new(auth, "password", json_string("********"));
	if (json_object_get(auth, "token") != NULL)
		json_object_set_new(auth, "token", json_string("********"));
	if (json_object_get(c, "kafka") != NULL)
		json_object_set_new(c, "kafka", kc_cmd_mask_config(json_object_get(c, "kafka")));
	if (json_object_get(c, "headers") != NULL) {
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(c, "headers"), k, v)
			if (strcasecmp(k, "authorization") == 0 || kc_cmd_is_secret_key(k))
				json_object_set_new(json_object_get(c, "headers"), k,
				    json_string("********"));
	}
	return c;
}

/* kcops context SUBCOMMAND. */
static int
cmd_context(struct kc_cmd_env *env, const struct kc_cmd *self, int argc, char **argv)
{
	struct kc_ctx_file *f;
	struct kc_err err;
	const char *sub = argc > 1 ? argv[1] : "list";

	f = kc_cmd_file(env);
	if (f == NULL)
		return KC_EXIT_ERR;
	kc_err_clear(&err);
	if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0) {
		if (argc > 2)
			return kc_cmd_usage(env, self, "context list takes no arguments");
		return ctx_list(env, f);
	}
	if (strcmp(sub, "add") == 0 || strcmp(sub, "set") == 0)
		return ctx_add(env, self, f, argc, argv);
	if (strcmp(sub, "current") == 0) {
		const char *cur = kc_ctx_file_current(f);
		if (cur == NULL)
			return kc_cmd_error(env, "no current context (set one with 'kcops context use "
			    "NAME')");
		if (env->io->fmt == KC_FMT_JSON) {
			json_t *r = json_pack("{ss}", "current", cur);
			kc_cmd_print_json(env, r, 0);
			json_decref(r);
		} else {
			put_line(env->io->out, cur);
		}
		return KC_EXIT_OK;
	}
	if (strcmp(sub, "use") == 0 || strcmp(sub, "remove") == 0 || strcmp(sub, "rm") == 0 ||
	    strcmp(sub, "delete") == 0) {
		int use = strcmp(sub, "use") == 0;
		if (argc != 3)
			return kc_cmd_usage(env, self, "context %s needs exactly one NAME", sub);
		if ((use ? kc_ctx_file_use(f, argv[2], &err) : kc_ctx_file_remove(f, argv[2],
		    &err)) != 0)
			return kc_cmd_error(env, "%s", err.msg);
		if (kc_ctx_file_save(f, &err) != 0)
			return kc_cmd_error(env, "%s", err.msg);
		if (env->io->fmt == KC_FMT_JSON) {
			json_t *r = json_pack("{ssss}", "name", argv[2], "result", use ? "current" :
			    "removed");
			kc_cmd_print_json(env, r, 0);
			json_decref(r);
		} else if (!env->io->quiet) {
			char *n = kc_text_sanitize(argv[2], 0);
			fprintf(env->io->out, "context/%s %s\n", n, use ? "is now current" :
			    "removed");
			free(n);
		}
		return KC_EXIT_OK;
	}
	if (strcmp(sub, "show") == 0) {
		const char *name = argc > 2 ? argv[2] : kc_ctx_file_current(f);
		const json_t *o;
		json_t *m;
		if (argc > 3)
			return kc_cmd_usage(env, self, "context show takes at most one NAME");
		if (name == NULL)
			return kc_cmd_error(env, "no current context; name one");
		o = json_object_get(kc_ctx_file_contexts(f), name);
		if (o == NULL)
			return kc_cmd_error(env, "no context named '%s' in %s", name,
			    kc_ctx_file_path(f));
		m = masked_ctx(env, o);
		if (env->io->fmt != KC_FMT_JSON) {
			char *n = kc_text_sanitize(name, 0);
			fprintf(env->io->out, "# context %s%s (%s)\n", n,
			    kc_str_eq(kc_ctx_file_current(f), name) ? ", current" : "",
			    kc_ctx_file_path(f));
			free(n);
		}
		kc_cmd_print_json(env, m, 0);
		json_decref(m);
		return KC_EXIT_OK;
	}
	return kc_cmd_usage(env, self, "context '%s': expected list, use, add, remove, show or "
	    "current", sub);
}

const struct kc_cmd kc_cmd_context_table[] = {
	{ "context", "ctx contexts", "context list|use|add|remove|show|current [NAME]",
	    "Manage named clusters in the contexts file",
	    "  context list                    the contexts (* marks the current one)\n"
	    "  context use NAME                make NAME current\n"
	    "  context add NAME --url URL [--url URL2] [options]\n"
	    "      --username U (--password-env VAR | --password-file F | --password P)\n"
	    "      --token-env VAR | --token-file F | --token T      bearer auth\n"
	    "      -H, --header 'Name: value'  extra header (repeatable)\n"
	    "      --ca-file F --cert-file F --key-file F -k/--insecure   TLS\n"
	    "      --bootstrap-servers S --kafka KEY=VALUE      for lag and tail\n"
	    "      --read-only                 refuse every command that changes the cluster\n"
	    "      --ctx-timeout D --theme NAME --use --force\n"
	    "  context remove NAME\n"
	    "  context show [NAME]             the context, secrets masked\n"
	    "  context current                 the current context's name\n"
	    "The file is $XDG_CONFIG_HOME/kcops/config.json (KCOPS_CONFIG or --config).\n",
	    KC_CMD_NO_CLUSTER, cmd_context, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL },
};
