/* kw_rest_auth.c - REST authentication: bearer tokens and basic users from a file of hashes.
 *
 * DESIGN
 * The file (rest.auth.file) holds one credential a line:
 *
 *	user  NAME  CRYPT-HASH		HTTP basic; a crypt(3) hash ($y$ yescrypt, $6$ SHA-512...)
 *	token NAME  sha256:HEX		Authorization: Bearer; SHA-256 of the token, 64 hex digits
 *
 * Blank lines and lines starting with '#' are skipped. Only hashes are stored, never a
 * secret. A token is checked by hashing what the client sent and comparing the digest with
 * every token's digest in constant time (no early exit). A password is checked with crypt
 * (slow by design); to keep that cost off every request, the SHA-256 of a password that was
 * accepted is remembered per user until the file changes, and later requests compare against
 * it in constant time. An unknown user still costs one crypt, so timing does not tell which
 * users exist. Crypt is slow on purpose (tens of ms), so the checks that need it share a
 * budget (rest.auth.password.checks.per.second, a token bucket): over it, a basic credential
 * that is not in the cache is answered "busy" (429) at once, and a flood of made-up
 * passwords cannot take every REST thread.
 *
 * The file is re-read when kw_auth_reload(force) is called (SIGHUP) and when its mtime, size
 * or inode changed (checked at most once a second, from the request path). A file that no
 * longer parses is logged and the previous credentials stay in force. */
#include <crypt.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "kc_buf.h"
#include "kc_codec.h"
#include "kc_log.h"
#include "kc_util.h"
#include "kw_rest.h"

#define LOGGER "kcops.worker.rest"

struct cred {
	bool		 user;		/* else token */
	char		*name;
	char		*hash;		/* crypt string (users) */
	unsigned char	 digest[32];	/* SHA-256 of the token (tokens) */
	unsigned char	 ok[32];	/* cache_lock: SHA-256 of the last accepted password */
	bool		 ok_valid;
};

struct credset {
	struct cred	*v;
	size_t		 n, nusers, ntokens;
	char		*dummy;		/* a crypt hash to spend time on for unknown users */
};

struct kw_auth {
	char			*path;
	pthread_rwlock_t	 lock;		/* guards set */
	struct credset		*set;
	pthread_mutex_t		 cache_lock;	/* guards cred.ok/ok_valid */
	pthread_mutex_t		 reload_lock;
	struct stat		 st;		/* reload_lock: file as last read */
	atomic_int_fast64_t	 last_check_ms;
	pthread_mutex_t		 bucket_lock;	/* guards the crypt budget below */
	double			 rate;		/* crypt checks per second */
	double			 tokens;
	int64_t			 refill_ms;
	int64_t			(*clock_ms)(void);	/* kc_mono_ms; tests set their own */
};

/* Take one slow check from the budget; false when it is spent. */
static bool
crypt_budget(struct kw_auth *a)
{
	int64_t now = a->clock_ms();
	double burst = a->rate < 1 ? 1 : a->rate;
	bool ok;

	pthread_mutex_lock(&a->bucket_lock);
	a->tokens += (double)(now - a->refill_ms) * a->rate / 1000.0;
	if (a->tokens > burst)
		a->tokens = burst;
	a->refill_ms = now;
	ok = a->tokens >= 1.0;
	if (ok)
		a->tokens -= 1.0;
	pthread_mutex_unlock(&a->bucket_lock);
	return ok;
}

static void
sha256(const void *data, size_t len, unsigned char out[32])
{
	gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, out);
}

/* Constant-time equality of two byte strings of the same length. */
static bool
ct_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
	volatile unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* Constant-time string equality (the length is not secret). */
static bool
ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return false;
	return ct_equal((const unsigned char *)a, (const unsigned char *)b, la);
}

/* crypt(pw, setting) into a heap result; NULL when the setting is not a usable hash. */
static char *
crypt_str(const char *pw, const char *setting)
{
	struct crypt_data *cd = kc_xcalloc(1, sizeof(*cd));
	char *r = crypt_rn(pw, setting, cd, (int)sizeof(*cd)), *out = NULL;

	if (r != NULL && r[0] != '*')
		out = kc_xstrdup(r);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return out;
}

static void
credset_free(struct credset *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].hash);
	}
	free(s->v);
	free(s->dummy);
	free(s);
}

/* Parse the file. New set, or NULL + err naming the file and line. */
static struct credset *
credset_load(const char *path, struct stat *st, char *err, size_t errlen)
{
	struct credset *s;
	char *text, *line, *next;
	size_t len;
	int lineno = 0;

	text = kc_read_file(path, &len);
	if (text == NULL) {
		snprintf(err, errlen, "rest.auth.file %s: %s", path, strerror(errno));
		return NULL;
	}
	if (st != NULL && stat(path, st) != 0)
		memset(st, 0, sizeof(*st));
	if (strlen(text) != len) {
		snprintf(err, errlen, "rest.auth.file %s: contains a NUL byte", path);
		free(text);
		return NULL;
	}
	s = kc_xcalloc(1, sizeof(*s));
	for (line = text; line != NULL; line = next) {
		char *f[4], *p, *save = NULL;
		int nf = 0;
		struct cred c;
		size_t i;

		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		p = kc_str_trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		for (f[nf] = strtok_r(p, " \t\r", &save); f[nf] != NULL && nf < 3;
		    f[nf] = strtok_r(NULL, " \t\r", &save))
			nf++;
		if (nf != 3 || f[3] != NULL) {
			snprintf(err, errlen, "rest.auth.file %s:%d: expected \"user NAME HASH\" or "
			    "\"token NAME sha256:HEX\"", path, lineno);
			goto fail;
		}
		memset(&c, 0, sizeof(c));
		if (strcmp(f[0], "user") == 0) {
			char *probe;

			if (strchr(f[1], ':') != NULL) {
				snprintf(err, errlen, "rest.auth.file %s:%d: a user name cannot contain "
				    "':'", path, lineno);
				goto fail;
			}
			probe = f[2][0] == '$' ? crypt_str("probe", f[2]) : NULL;
			if (probe == NULL) {
				snprintf(err, errlen, "rest.auth.file %s:%d: user %s: not a crypt(3) "
				    "hash this system supports (make one with kcops-worker "
				    "--hash-password %s)", path, lineno, f[1], f[1]);
				goto fail;
			}
			if (s->dummy == NULL)
				s->dummy = probe;
			else
				free(probe);
			c.user = true;
			c.hash = kc_xstrdup(f[2]);
			s->nusers++;
		} else if (strcmp(f[0], "token") == 0) {
			const char *h = f[2];

			if (strncasecmp(h, "sha256:", 7) != 0 || strlen(h + 7) != 64) {
				snprintf(err, errlen, "rest.auth.file %s:%d: token %s: expected "
				    "sha256: and 64 hex digits (make one with kcops-worker "
				    "--hash-token %s)", path, lineno, f[1], f[1]);
				goto fail;
			}
			for (i = 0; i < 32; i++) {
				int hi = kc_hexval(h[7 + 2 * i]), lo = kc_hexval(h[8 + 2 * i]);

				if (hi < 0 || lo < 0) {
					snprintf(err, errlen, "rest.auth.file %s:%d: token %s: not a hex "
					    "digest", path, lineno, f[1]);
					goto fail;
				}
				c.digest[i] = (unsigned char)(hi << 4 | lo);
			}
			s->ntokens++;
		} else {
			snprintf(err, errlen, "rest.auth.file %s:%d: unknown kind \"%s\" (expected user "
			    "or token)", path, lineno, f[0]);
			goto fail;
		}
		for (i = 0; i < s->n; i++)
			if (s->v[i].user == c.user && strcmp(s->v[i].name, f[1]) == 0) {
				snprintf(err, errlen, "rest.auth.file %s:%d: %s %s is listed twice", path,
				    lineno, f[0], f[1]);
				free(c.hash);
				goto fail;
			}
		c.name = kc_xstrdup(f[1]);
		s->v = kc_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
		s->v[s->n++] = c;
	}
	explicit_bzero(text, len);
	free(text);
	return s;
fail:
	explicit_bzero(text, len);
	free(text);
	credset_free(s);
	return NULL;
}

struct kw_auth *
kw_auth_load(const char *path, double checks_per_sec, char *err, size_t errlen)
{
	struct kw_auth *a;
	struct stat st;
	struct credset *s = credset_load(path, &st, err, errlen);

	if (s == NULL)
		return NULL;
	a = kc_xcalloc(1, sizeof(*a));
	a->path = kc_xstrdup(path);
	a->set = s;
	a->st = st;
	atomic_init(&a->last_check_ms, kc_mono_ms());
	pthread_rwlock_init(&a->lock, NULL);
	pthread_mutex_init(&a->cache_lock, NULL);
	pthread_mutex_init(&a->reload_lock, NULL);
	pthread_mutex_init(&a->bucket_lock, NULL);
	a->rate = checks_per_sec > 0 ? checks_per_sec : 10;
	a->tokens = a->rate < 1 ? 1 : a->rate;
	a->clock_ms = kc_mono_ms;
	a->refill_ms = kc_mono_ms();
	if ((st.st_mode & 0002) != 0)
		kc_log(LOGGER, KC_LOG_WARN, "rest.auth.file %s is writable by every user: anyone "
		    "on this machine can add credentials (chmod o-w)", path);
	if (s->n == 0)
		kc_log(LOGGER, KC_LOG_WARN, "rest.auth.file %s lists no credentials: every request "
		    "will be refused with 401", path);
	kc_log(LOGGER, KC_LOG_INFO, "REST authentication from %s: %zu user(s), %zu token(s)", path,
	    s->nusers, s->ntokens);
	return a;
}

void
kw_auth_set_clock(struct kw_auth *a, int64_t (*clock_ms)(void))
{
	pthread_mutex_lock(&a->bucket_lock);
	a->clock_ms = clock_ms;
	a->refill_ms = clock_ms();
	pthread_mutex_unlock(&a->bucket_lock);
}

void
kw_auth_free(struct kw_auth *a)
{
	if (a == NULL)
		return;
	credset_free(a->set);
	pthread_rwlock_destroy(&a->lock);
	pthread_mutex_destroy(&a->cache_lock);
	pthread_mutex_destroy(&a->reload_lock);
	pthread_mutex_destroy(&a->bucket_lock);
	free(a->path);
	free(a);
}

int
kw_auth_reload(struct kw_auth *a, bool force)
{
	struct stat st;
	struct credset *s, *old;
	char err[512];
	int ret = 0;

	if (a == NULL)
		return 0;
	if (!force) {
		int64_t now = kc_mono_ms(), last = atomic_load(&a->last_check_ms);

		if (now - last < 1000 ||
		    !atomic_compare_exchange_strong(&a->last_check_ms, &last, now))
			return 0;
	}
	pthread_mutex_lock(&a->reload_lock);
	if (!force && stat(a->path, &st) == 0 && st.st_mtim.tv_sec == a->st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == a->st.st_mtim.tv_nsec && st.st_size == a->st.st_size &&
	    st.st_ino == a->st.st_ino) {
		pthread_mutex_unlock(&a->reload_lock);
		return 0;
	}
	s = credset_load(a->path, &st, err, sizeof(err));
	if (s == NULL) {
		/* Remember this version, so a broken file is reported once, not every second. */
		if (stat(a->path, &a->st) != 0)
			memset(&a->st, 0, sizeof(a->st));
		kc_log(LOGGER, KC_LOG_ERROR, "%s; keeping the previous credentials", err);
		ret = -1;
	} else {
		a->st = st;
		pthread_rwlock_wrlock(&a->lock);
		old = a->set;
		a->set = s;
		pthread_rwlock_unlock(&a->lock);
		credset_free(old);
		kc_log(LOGGER, KC_LOG_INFO, "REST credentials reloaded from %s: %zu user(s), "
		    "%zu token(s)", a->path, s->nusers, s->ntokens);
	}
	pthread_mutex_unlock(&a->reload_lock);
	return ret;
}

bool
kw_auth_has_users(struct kw_auth *a)
{
	bool r;

	pthread_rwlock_rdlock(&a->lock);
	r = a->set->nusers > 0;
	pthread_rwlock_unlock(&a->lock);
	return r;
}

bool
kw_auth_has_tokens(struct kw_auth *a)
{
	bool r;

	pthread_rwlock_rdlock(&a->lock);
	r = a->set->ntokens > 0;
	pthread_rwlock_unlock(&a->lock);
	return r;
}

/* Check a "Basic" credential (decoded "user:password"). KW_AUTH_*. */
static int
check_basic(struct kw_auth *a, struct credset *s, const char *userpass, char *who,
    size_t wholen)
{
	const char *colon = strchr(userpass, ':');
	const char *pw;
	struct cred *c = NULL;
	unsigned char d[32];
	size_t i, ulen;
	char *res;
	bool ok = false, cached;

	if (colon == NULL || colon == userpass)
		return KW_AUTH_DENIED;
	ulen = (size_t)(colon - userpass);
	pw = colon + 1;
	if (*pw == '\0')
		return KW_AUTH_DENIED;	/* --hash-password refuses empty passwords */
	for (i = 0; i < s->n; i++)
		if (s->v[i].user && strlen(s->v[i].name) == ulen &&
		    memcmp(s->v[i].name, userpass, ulen) == 0)
			c = &s->v[i];
	if (c == NULL) {
		/* Spend the same time as for a known user. */
		if (s->dummy == NULL)
			return KW_AUTH_DENIED;
		if (!crypt_budget(a))
			return KW_AUTH_BUSY;
		free(crypt_str(pw, s->dummy));
		return KW_AUTH_DENIED;
	}
	sha256(pw, strlen(pw), d);
	pthread_mutex_lock(&a->cache_lock);
	cached = c->ok_valid && ct_equal(c->ok, d, sizeof(d));
	pthread_mutex_unlock(&a->cache_lock);
	if (cached)
		ok = true;
	else if (!crypt_budget(a)) {
		explicit_bzero(d, sizeof(d));
		return KW_AUTH_BUSY;
	} else {
		res = crypt_str(pw, c->hash);
		ok = res != NULL && ct_streq(res, c->hash);
		free(res);
		if (ok) {
			pthread_mutex_lock(&a->cache_lock);
			memcpy(c->ok, d, sizeof(d));
			c->ok_valid = true;
			pthread_mutex_unlock(&a->cache_lock);
		}
	}
	explicit_bzero(d, sizeof(d));
	if (ok)
		snprintf(who, wholen, "user %s", c->name);
	return ok ? KW_AUTH_OK : KW_AUTH_DENIED;
}

int
kw_auth_check(struct kw_auth *a, const char *authorization, char *who, size_t wholen)
{
	struct credset *s;
	const char *sp, *cred;
	int ok = KW_AUTH_DENIED;
	size_t i;

	snprintf(who, wholen, "anonymous");
	if (authorization == NULL)
		return KW_AUTH_DENIED;
	kw_auth_reload(a, false);
	sp = strchr(authorization, ' ');
	if (sp == NULL)
		return KW_AUTH_DENIED;
	for (cred = sp; *cred == ' '; cred++)
		;
	pthread_rwlock_rdlock(&a->lock);
	s = a->set;
	if ((size_t)(sp - authorization) == 6 && strncasecmp(authorization, "Bearer", 6) == 0) {
		unsigned char d[32];
		struct cred *hit = NULL;

		sha256(cred, strlen(cred), d);
		for (i = 0; i < s->n; i++)
			if (!s->v[i].user && ct_equal(s->v[i].digest, d, sizeof(d)))
				hit = &s->v[i];
		if (hit != NULL && *cred != '\0') {
			ok = KW_AUTH_OK;
			snprintf(who, wholen, "token %s", hit->name);
		}
	} else if ((size_t)(sp - authorization) == 5 &&
	    strncasecmp(authorization, "Basic", 5) == 0) {
		struct kc_buf up = { 0 };

		/* "user:password", strict base64; a NUL inside is refused */
		if (kc_base64_decode(cred, strlen(cred), 0, &up) == 0 && up.data != NULL &&
		    strlen(up.data) == up.len)
			ok = check_basic(a, s, up.data, who, wholen);
		if (up.data != NULL)
			explicit_bzero(up.data, up.cap);
		kc_buf_free(&up);
	}
	pthread_rwlock_unlock(&a->lock);
	return ok;
}

char *
kw_auth_hash_password(const char *password, char *err, size_t errlen)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	char *out;

	/* yescrypt where libcrypt has it (Debian 12 does), else SHA-512 crypt. */
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, (int)sizeof(salt)) == NULL &&
	    crypt_gensalt_rn("$6$", 0, NULL, 0, salt, (int)sizeof(salt)) == NULL) {
		snprintf(err, errlen, "cannot make a salt: %s", strerror(errno));
		return NULL;
	}
	out = crypt_str(password, salt);
	if (out == NULL)
		snprintf(err, errlen, "crypt(3) refused the password");
	return out;
}

void
kw_auth_hash_token(const char *token, char out[72])
{
	unsigned char d[32];
	int i;

	sha256(token, strlen(token), d);
	memcpy(out, "sha256:", 7);
	for (i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", d[i]);
	explicit_bzero(d, sizeof(d));
}
