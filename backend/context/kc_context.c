/* kc_context.c - the contexts file (XDG config dir, JSON) and context resolution. */
#include "kc_context.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kc_json.h"
#include "kc_util.h"

struct kc_ctx_file {
	char	*path;
	json_t	*doc;	/* the whole file; always an object with a "contexts" object */
};

/* Default config path. */
char *
kc_ctx_default_path(void)
{
	const char *p = getenv("KCOPS_CONFIG");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (p != NULL && *p != '\0')
		return kc_xstrdup(p);
	if (xdg != NULL && *xdg == '/')
		return kc_xasprintf("%s/kcops/config.json", xdg);
	return kc_xasprintf("%s/.config/kcops/config.json", home != NULL ? home : ".");
}

/* The JSON pointer of the first secret stored inline in the file (a password or token
 * value itself, not a *_env / *_file reference), or NULL. Caller frees. */
static char *
inline_secret(const json_t *doc)
{
	const char *name, *k;
	json_t *ctx, *v;

	json_object_foreach(json_object_get(doc, "contexts"), name, ctx) {
		json_t *auth = json_object_get(ctx, "auth"), *kafka = json_object_get(ctx, "kafka");
		json_t *headers = json_object_get(ctx, "headers");
		char *en = kc_json_ptr_escape(name), *ptr = NULL;

		if (json_is_string(json_object_get(auth, "password")))
			ptr = kc_xasprintf("/contexts/%s/auth/password", en);
		else if (json_is_string(json_object_get(auth, "token")))
			ptr = kc_xasprintf("/contexts/%s/auth/token", en);
		if (ptr == NULL && json_is_object(kafka)) {
			json_object_foreach(kafka, k, v) {
				if (json_is_string(v) && !kc_str_has_suffix(k, "_env") &&
				    !kc_str_has_suffix(k, "_file") && !kc_str_has_suffix(k, ".location") &&
				    (strstr(k, "password") != NULL || strstr(k, "secret") != NULL ||
				    strstr(k, "sasl.jaas.config") != NULL)) {
					char *ek = kc_json_ptr_escape(k);
					ptr = kc_xasprintf("/contexts/%s/kafka/%s", en, ek);
					free(ek);
					break;
				}
			}
		}
		if (ptr == NULL && json_is_object(headers)) {
			json_object_foreach(headers, k, v) {
				if (strcasecmp(k, "Authorization") == 0 ||
				    strcasestr(k, "token") != NULL || strcasestr(k, "api-key") != NULL) {
					char *ek = kc_json_ptr_escape(k);
					ptr = kc_xasprintf("/contexts/%s/headers/%s", en, ek);
					free(ek);
					break;
				}
			}
		}
		free(en);
		if (ptr != NULL)
			return ptr;
	}
	return NULL;
}

/* A file that others can read must not hold secrets: refuse it, saying how to fix it. */
static int
check_secret_mode(const struct kc_ctx_file *f, struct kc_err *err)
{
	struct stat st;
	char *ptr;

	if (stat(f->path, &st) != 0 || (st.st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH)) == 0)
		return 0;
	if ((ptr = inline_secret(f->doc)) == NULL)
		return 0;
	kc_err_set(err, KC_E_FAIL, "%s: refusing to use a contexts file that other users can "
	    "read (mode %04o) while it holds a secret at %s; fix: chmod 600 '%s', or move the "
	    "secret out of the file (password_env / password_file, token_env / token_file)",
	    f->path, (unsigned)(st.st_mode & 07777), ptr, f->path);
	free(ptr);
	return -1;
}

/* Load the file. */
struct kc_ctx_file *
kc_ctx_file_load(const char *path, struct kc_err *err)
{
	struct kc_ctx_file *f = kc_xcalloc(1, sizeof *f);
	const char *k;
	json_t *v, *ctxs;
	size_t len;
	char *text;

	f->path = path != NULL ? kc_xstrdup(path) : kc_ctx_default_path();
	text = kc_read_file(f->path, &len);
	if (text == NULL) {
		if (errno != ENOENT) {
			kc_err_set(err, KC_E_IO, "%s: %s", f->path, strerror(errno));
			kc_ctx_file_free(f);
			return NULL;
		}
		f->doc = json_object();
	} else {
		f->doc = kc_json_parse(text, len, 1, err);
		free(text);
		if (f->doc == NULL) {
			kc_err_prefix(err, "%s", f->path);
			kc_ctx_file_free(f);
			return NULL;
		}
		if (!json_is_object(f->doc)) {
			kc_err_set(err, KC_E_PARSE, "%s: expected a JSON object", f->path);
			kc_ctx_file_free(f);
			return NULL;
		}
	}
	ctxs = json_object_get(f->doc, "contexts");
	if (ctxs == NULL) {
		json_object_set_new(f->doc, "contexts", json_object());
	} else if (!json_is_object(ctxs)) {
		kc_err_set(err, KC_E_PARSE, "%s: /contexts: expected an object of named contexts",
		    f->path);
		kc_ctx_file_free(f);
		return NULL;
	} else {
		json_object_foreach(ctxs, k, v) {
			if (kc_ctx_check(k, v, err) != 0) {
				kc_err_prefix(err, "%s", f->path);
				kc_ctx_file_free(f);
				return NULL;
			}
		}
	}
	v = json_object_get(f->doc, "current_context");
	if (v != NULL && !json_is_string(v) && !json_is_null(v)) {
		kc_err_set(err, KC_E_PARSE, "%s: /current_context: expected a string", f->path);
		kc_ctx_file_free(f);
		return NULL;
	}
	if (check_secret_mode(f, err) != 0) {
		kc_ctx_file_free(f);
		return NULL;
	}
	return f;
}

/* Free. */
void
kc_ctx_file_free(struct kc_ctx_file *f)
{
	if (f == NULL)
		return;
	free(f->path);
	json_decref(f->doc);
	free(f);
}

/* mkdir -p of the directory part of path. */
static int
mkdirs_for(const char *path)
{
	char *d = kc_xstrdup(path), *slash = strrchr(d, '/');
	int ret = 0;

	if (slash != NULL && slash != d) {
		*slash = '\0';
		ret = kc_mkdirs(d);
	}
	free(d);
	return ret;
}

/* Save atomically. */
int
kc_ctx_file_save(struct kc_ctx_file *f, struct kc_err *err)
{
	char *tmp, *text;
	FILE *fp;
	int fd, ok;

	if (mkdirs_for(f->path) != 0) {
		kc_err_set(err, KC_E_IO, "%s: cannot create its directory: %s", f->path,
		    strerror(errno));
		return -1;
	}
	tmp = kc_xasprintf("%s.tmp.%ld", f->path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		kc_err_set(err, KC_E_IO, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(tmp);
		return -1;
	}
	text = json_dumps(f->doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	ok = text != NULL && fputs(text, fp) >= 0 && fputc('\n', fp) != EOF;
	free(text);
	if (fclose(fp) != 0)
		ok = 0;
	if (!ok || rename(tmp, f->path) != 0) {
		kc_err_set(err, KC_E_IO, "%s: cannot write: %s", f->path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* The file's path. */
const char *
kc_ctx_file_path(const struct kc_ctx_file *f)
{
	return f->path;
}

/* A top-level section such as "keys" or "theme". */
const json_t *
kc_ctx_file_section(const struct kc_ctx_file *f, const char *name)
{
	if (f == NULL || name == NULL)
		return NULL;
	return json_object_get(f->doc, name);
}

/* The contexts object. */
const json_t *
kc_ctx_file_contexts(const struct kc_ctx_file *f)
{
	return json_object_get(f->doc, "contexts");
}

/* The current context's name, or NULL. */
const char *
kc_ctx_file_current(const struct kc_ctx_file *f)
{
	if (f == NULL)
		return NULL;
	return kc_json_str(f->doc, "current_context");
}

/* Check that member `key` of obj, when present, is of the given JSON type. */
static int
check_type(const char *name, const char *where, const json_t *obj, const char *key,
    json_type type, const char *what, struct kc_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL || json_typeof(v) == type)
		return 0;
	if (type == JSON_TRUE && json_is_boolean(v))
		return 0;
	kc_err_set(err, KC_E_PARSE, "/contexts/%s%s/%s: expected %s", name, where, key, what);
	return -1;
}

/* Validate one context object. */
int
kc_ctx_check(const char *name, const json_t *ctx, struct kc_err *err)
{
	static const char *const known[] = { "url", "urls", "auth", "headers", "tls",
	    "timeout", "kafka", "read_only", "theme", "description" };
	static const char *const auth_keys[] = { "type", "username", "password",
	    "password_env", "password_file", "token", "token_env", "token_file" };
	static const char *const tls_keys[] = { "ca_file", "cert_file", "key_file",
	    "insecure" };
	const char *k, *s;
	json_t *v, *u;
	size_t i;

	if (!json_is_object(ctx)) {
		kc_err_set(err, KC_E_PARSE, "/contexts/%s: expected an object", name);
		return -1;
	}
	json_object_foreach((json_t *)ctx, k, v) {
		int ok = 0;
		for (i = 0; i < KC_NITEMS(known); i++)
			ok |= strcmp(k, known[i]) == 0;
		if (!ok) {
			const char *sug = kc_str_closest(k, known, KC_NITEMS(known));
			kc_err_set(err, KC_E_PARSE, "/contexts/%s/%s: unknown field%s%s%s", name, k,
			    sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
			return -1;
		}
	}
	if (check_type(name, "", ctx, "url", JSON_STRING, "a string", err) ||
	    check_type(name, "", ctx, "urls", JSON_ARRAY, "an array of URLs", err) ||
	    check_type(name, "", ctx, "auth", JSON_OBJECT, "an object", err) ||
	    check_type(name, "", ctx, "headers", JSON_OBJECT, "an object of strings", err) ||
	    check_type(name, "", ctx, "tls", JSON_OBJECT, "an object", err) ||
	    check_type(name, "", ctx, "kafka", JSON_OBJECT, "an object", err) ||
	    check_type(name, "", ctx, "theme", JSON_STRING, "a string", err) ||
	    check_type(name, "", ctx, "timeout", JSON_STRING, "a duration such as \"30s\"",
	    err) || check_type(name, "", ctx, "read_only", JSON_TRUE, "true or false", err))
		return -1;
	json_array_foreach(json_object_get(ctx, "urls"), i, u) {
		if (!json_is_string(u)) {
			kc_err_set(err, KC_E_PARSE, "/contexts/%s/urls/%zu: expected a string",
			    name, i);
			return -1;
		}
	}
	if ((s = kc_json_str(ctx, "timeout")) != NULL && kc_parse_duration_ms(s, 1000) < 0) {
		kc_err_set(err, KC_E_PARSE, "/contexts/%s/timeout: '%s' is not a duration", name,
		    s);
		return -1;
	}
	v = json_object_get(ctx, "auth");
	json_object_foreach(v, k, u) {
		int ok = 0;
		for (i = 0; i < KC_NITEMS(auth_keys); i++)
			ok |= strcmp(k, auth_keys[i]) == 0;
		if (!ok || !json_is_string(u)) {
			kc_err_set(err, KC_E_PARSE, "/contexts/%s/auth/%s: %s", name, k,
			    ok ? "expected a string" : "unknown field");
			return -1;
		}
	}
	if ((s = kc_json_str(v, "type")) != NULL && strcmp(s, "basic") != 0 &&
	    strcmp(s, "bearer") != 0 && strcmp(s, "none") != 0) {
		kc_err_set(err, KC_E_PARSE, "/contexts/%s/auth/type: '%s': expected basic, bearer "
		    "or none", name, s);
		return -1;
	}
	v = json_object_get(ctx, "tls");
	json_object_foreach(v, k, u) {
		int ok = 0;
		for (i = 0; i < KC_NITEMS(tls_keys); i++)
			ok |= strcmp(k, tls_keys[i]) == 0;
		if (!ok) {
			kc_err_set(err, KC_E_PARSE, "/contexts/%s/tls/%s: unknown field", name, k);
			return -1;
		}
	}
	if (check_type(name, "/tls", v, "insecure", JSON_TRUE, "true or false", err))
		return -1;
	json_object_foreach(json_object_get(ctx, "headers"), k, u) {
		if (!json_is_string(u)) {
			kc_err_set(err, KC_E_PARSE, "/contexts/%s/headers/%s: expected a string",
			    name, k);
			return -1;
		}
	}
	json_object_foreach(json_object_get(ctx, "kafka"), k, u) {
		if (!json_is_string(u) && !json_is_integer(u) && !json_is_boolean(u)) {
			kc_err_set(err, KC_E_PARSE, "/contexts/%s/kafka/%s: expected a string",
			    name, k);
			return -1;
		}
	}
	return 0;
}

/* Add or replace a context after checking it. */
int
kc_ctx_file_set(struct kc_ctx_file *f, const char *name, json_t *ctx, struct kc_err *err)
{
	if (name == NULL || *name == '\0') {
		json_decref(ctx);
		kc_err_set(err, KC_E_USAGE, "a context needs a name");
		return -1;
	}
	if (kc_ctx_check(name, ctx, err) != 0) {
		json_decref(ctx);
		return -1;
	}
	json_object_set_new(json_object_get(f->doc, "contexts"), name, ctx);
	return 0;
}

/* Remove a context (and unset it as current). */
int
kc_ctx_file_remove(struct kc_ctx_file *f, const char *name, struct kc_err *err)
{
	json_t *ctxs = json_object_get(f->doc, "contexts");

	if (json_object_get(ctxs, name) == NULL) {
		kc_err_set(err, KC_E_NOTFOUND, "no context named '%s' in %s", name, f->path);
		return -1;
	}
	json_object_del(ctxs, name);
	if (kc_str_eq(kc_ctx_file_current(f), name))
		json_object_del(f->doc, "current_context");
	return 0;
}

/* Make a context current. */
int
kc_ctx_file_use(struct kc_ctx_file *f, const char *name, struct kc_err *err)
{
	if (json_object_get(json_object_get(f->doc, "contexts"), name) == NULL) {
		kc_err_set(err, KC_E_NOTFOUND, "no context named '%s' in %s", name, f->path);
		return -1;
	}
	json_object_set_new(f->doc, "current_context", json_string(name));
	return 0;
}

/* Read a secret: X, X_env or X_file of obj. Returns a new string, NULL when none is set,
 * or sets *failed with err. */
static char *
secret(const json_t *obj, const char *key, const char *where, int *failed, struct kc_err *err)
{
	char k[128];
	const char *v;

	v = kc_json_str(obj, key);
	if (v != NULL)
		return kc_xstrdup(v);
	snprintf(k, sizeof k, "%s_env", key);
	if ((v = kc_json_str(obj, k)) != NULL) {
		const char *e = getenv(v);
		if (e == NULL) {
			kc_err_set(err, KC_E_USAGE, "%s/%s: environment variable %s is not set",
			    where, k, v);
			*failed = 1;
			return NULL;
		}
		return kc_xstrdup(e);
	}
	snprintf(k, sizeof k, "%s_file", key);
	if ((v = kc_json_str(obj, k)) != NULL) {
		size_t len;
		char *text = kc_read_file(v, &len);
		if (text == NULL) {
			kc_err_set(err, KC_E_IO, "%s/%s: %s: %s", where, k, v, strerror(errno));
			*failed = 1;
			return NULL;
		}
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
		return text;
	}
	return NULL;
}

/* Split "a,b , c" into the ctx's URL list. */
static void
add_urls(struct kc_ctx *ctx, const char *list)
{
	char *copy = kc_xstrdup(list), *save = NULL, *tok;

	for (tok = strtok_r(copy, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
		ctx->urls = kc_xrealloc(ctx->urls, (ctx->nurls + 1) * sizeof *ctx->urls);
		ctx->urls[ctx->nurls++] = kc_xstrdup(tok);
	}
	free(copy);
}

/* Fill ctx from a context object. */
static int
from_json(struct kc_ctx *ctx, const char *name, const json_t *o, struct kc_err *err)
{
	char where[256];
	const char *k, *s;
	json_t *v, *auth, *tls;
	size_t i;
	int failed = 0;

	snprintf(where, sizeof where, "context '%s'", name);
	if ((s = kc_json_str(o, "url")) != NULL)
		add_urls(ctx, s);
	json_array_foreach(json_object_get(o, "urls"), i, v)
		if (json_is_string(v))
			add_urls(ctx, json_string_value(v));
	auth = json_object_get(o, "auth");
	if (auth != NULL) {
		s = kc_json_str_or(auth, "type", kc_json_str(auth, "username") != NULL ? "basic" :
		    "bearer");
		if (strcmp(s, "basic") == 0) {
			ctx->username = kc_xstrdup(kc_json_str(auth, "username"));
			ctx->password = secret(auth, "password", where, &failed, err);
		} else if (strcmp(s, "bearer") == 0) {
			ctx->token = secret(auth, "token", where, &failed, err);
			if (ctx->token == NULL && !failed) {
				kc_err_set(err, KC_E_USAGE, "%s: bearer auth needs token, token_env "
				    "or token_file", where);
				failed = 1;
			}
		}
		if (failed)
			return -1;
	}
	json_object_foreach(json_object_get(o, "headers"), k, v) {
		ctx->headers = kc_xrealloc(ctx->headers, (ctx->nheaders + 1) *
		    sizeof *ctx->headers);
		ctx->headers[ctx->nheaders++] = kc_xasprintf("%s: %s", k,
		    json_string_value(v));
	}
	tls = json_object_get(o, "tls");
	ctx->ca_file = kc_xstrdup(kc_json_str(tls, "ca_file"));
	ctx->cert_file = kc_xstrdup(kc_json_str(tls, "cert_file"));
	ctx->key_file = kc_xstrdup(kc_json_str(tls, "key_file"));
	ctx->insecure = json_is_true(json_object_get(tls, "insecure"));
	if ((s = kc_json_str(o, "timeout")) != NULL)
		ctx->timeout_ms = (long)kc_parse_duration_ms(s, 1000);
	ctx->read_only = json_is_true(json_object_get(o, "read_only"));
	ctx->theme = kc_xstrdup(kc_json_str(o, "theme"));
	/* Kafka settings: string map; "X_env"/"X_file" resolve into "X". */
	json_object_foreach(json_object_get(o, "kafka"), k, v) {
		size_t kl = strlen(k);
		char *val = NULL, *base;
		if (kc_str_has_suffix(k, "_env") || kc_str_has_suffix(k, "_file")) {
			base = kc_xstrndup(k, kl - (kc_str_has_suffix(k, "_env") ? 4 : 5));
			val = secret(json_object_get(o, "kafka"), base, where, &failed, err);
			if (failed) {
				free(base);
				return -1;
			}
			if (val != NULL)
				json_object_set_new(ctx->kafka, base, json_string(val));
			free(base);
			free(val);
			continue;
		}
		if (json_is_string(v))
			json_object_set(ctx->kafka, k, v);
		else if (json_is_integer(v))
			json_object_set_new(ctx->kafka, k, json_sprintf("%" JSON_INTEGER_FORMAT,
			    json_integer_value(v)));
		else
			json_object_set_new(ctx->kafka, k, json_string(json_is_true(v) ? "true" :
			    "false"));
	}
	return 0;
}

/* Resolve --url / --context / current into a context. */
struct kc_ctx *
kc_ctx_resolve(const struct kc_ctx_file *f, const struct kc_ctx_overrides *ov,
    struct kc_err *err)
{
	struct kc_ctx_overrides none;
	struct kc_ctx *ctx;
	const char *url, *name;
	json_t *o;

	if (ov == NULL) {
		memset(&none, 0, sizeof none);
		ov = &none;
	}
	ctx = kc_xcalloc(1, sizeof *ctx);
	ctx->kafka = json_object();
	url = ov->url != NULL ? ov->url : getenv("KCOPS_URL");
	name = ov->context != NULL ? ov->context : getenv("KCOPS_CONTEXT");
	if (url != NULL && *url != '\0' && ov->context == NULL) {
		add_urls(ctx, url);
		if (ctx->nurls == 0) {
			kc_err_set(err, KC_E_USAGE, "--url: no URL given");
			kc_ctx_free(ctx);
			return NULL;
		}
	} else {
		if (name == NULL || *name == '\0')
			name = kc_ctx_file_current(f);
		if (name == NULL) {
			kc_err_set(err, KC_E_USAGE, "no cluster selected: pass --url URL (or set "
			    "KCOPS_URL), or add a context with 'kcops context add NAME --url URL'%s",
			    f != NULL && json_object_size(kc_ctx_file_contexts(f)) > 0 ?
			    " or pick one with 'kcops context use NAME'" : "");
			kc_ctx_free(ctx);
			return NULL;
		}
		o = f != NULL ? json_object_get(kc_ctx_file_contexts(f), name) : NULL;
		if (o == NULL) {
			kc_err_set(err, KC_E_NOTFOUND, "no context named '%s'%s%s", name,
			    f != NULL ? " in " : "", f != NULL ? kc_ctx_file_path(f) : "");
			kc_ctx_free(ctx);
			return NULL;
		}
		ctx->name = kc_xstrdup(name);
		if (from_json(ctx, name, o, err) != 0) {
			kc_ctx_free(ctx);
			return NULL;
		}
		if (ctx->nurls == 0) {
			kc_err_set(err, KC_E_USAGE, "context '%s' has no url", name);
			kc_ctx_free(ctx);
			return NULL;
		}
	}
	if (ov->bootstrap != NULL)
		json_object_set_new(ctx->kafka, "bootstrap.servers", json_string(ov->bootstrap));
	if (ov->read_only)
		ctx->read_only = 1;
	return ctx;
}

/* Free a resolved context. */
void
kc_ctx_free(struct kc_ctx *ctx)
{
	size_t i;

	if (ctx == NULL)
		return;
	free(ctx->name);
	for (i = 0; i < ctx->nurls; i++)
		free(ctx->urls[i]);
	free(ctx->urls);
	free(ctx->username);
	free(ctx->password);
	free(ctx->token);
	for (i = 0; i < ctx->nheaders; i++)
		free(ctx->headers[i]);
	free(ctx->headers);
	free(ctx->ca_file);
	free(ctx->cert_file);
	free(ctx->key_file);
	json_decref(ctx->kafka);
	free(ctx->theme);
	free(ctx);
}

/* Client options from a context. */
void
kc_ctx_client_opts(const struct kc_ctx *ctx, struct kc_client_opts *o)
{
	memset(o, 0, sizeof *o);
	o->urls = (const char *const *)ctx->urls;
	o->nurls = ctx->nurls;
	o->username = ctx->username;
	o->password = ctx->password;
	o->token = ctx->token;
	o->headers = (const char *const *)ctx->headers;
	o->nheaders = ctx->nheaders;
	o->ca_file = ctx->ca_file;
	o->cert_file = ctx->cert_file;
	o->key_file = ctx->key_file;
	o->insecure = ctx->insecure;
	o->timeout_ms = ctx->timeout_ms;
}

/* The context's Kafka bootstrap servers. */
const char *
kc_ctx_bootstrap(const struct kc_ctx *ctx)
{
	return ctx != NULL ? kc_json_str(ctx->kafka, "bootstrap.servers") : NULL;
}
