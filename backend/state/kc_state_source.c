/* kc_state_source.c - where a state file comes from: a path, stdin, git, HTTP(S), GitHub.
 *
 * git:REF:PATH runs `git show REF:PATH` in the current directory (no shell; the argument
 * goes to git as one argv entry). URLs are fetched with libcurl (redirects followed, 64 MiB
 * cap); a JSON body shaped like GitHub's contents API ({"type": "file", "encoding":
 * "base64", "content": ...}) is decoded, so a contents-API URL works as well as a raw one.
 * github:OWNER/REPO/PATH builds that URL against KCOPS_GITHUB_API (default
 * https://api.github.com). Tokens go into headers only and never into messages. */
#include "kc_state_int.h"
#include "kc_buf.h"
#include "kc_codec.h"
#include "kc_json.h"
#include "kc_util.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#define SOURCE_MAX (64u << 20)

/* Read everything from fd into b (capped). Returns -1 on error or overflow. */
static int
read_fd(int fd, struct kc_buf *b)
{
	char chunk[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (b->len + (size_t)n > SOURCE_MAX) {
			errno = EFBIG;
			return -1;
		}
		kc_buf_append(b, chunk, (size_t)n);
	}
}

/* git show REF:PATH from the repository around the current directory. */
static char *
read_git(const char *spec, size_t *len, struct kc_err *err)
{
	struct kc_buf out, errb;
	int po[2], pe[2], status;
	pid_t pid;

	if (strchr(spec, ':') == NULL) {
		kc_err_set(err, KC_E_USAGE, "git source must be git:REF:PATH (e.g. git:main:"
		    "connectors.json)");
		return NULL;
	}
	if (pipe(po) < 0 || pipe(pe) < 0) {
		kc_err_set(err, KC_E_IO, "pipe: %s", strerror(errno));
		return NULL;
	}
	pid = fork();
	if (pid < 0) {
		kc_err_set(err, KC_E_IO, "fork: %s", strerror(errno));
		close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
		return NULL;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
		execlp("git", "git", "--no-pager", "show", "--no-textconv", spec, (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	kc_buf_init(&out);
	kc_buf_init(&errb);
	/* stderr is small; read stdout first, then stderr (git writes one or the other) */
	int r1 = read_fd(po[0], &out);
	int r2 = read_fd(pe[0], &errb);
	close(po[0]);
	close(pe[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	(void)r2;
	if (r1 < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *msg = kc_str_trim(kc_buf_steal(&errb));
		char *nl = strchr(msg, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			kc_err_set(err, KC_E_IO, "git:%s: cannot run git", spec);
		else
			kc_err_set(err, KC_E_IO, "git:%s: %s", spec, msg[0] ? msg : "git show failed");
		free(msg);
		kc_buf_free(&out);
		return NULL;
	}
	kc_buf_free(&errb);
	*len = out.len;
	if (out.data == NULL)
		kc_buf_puts(&out, "");
	return kc_buf_steal(&out);
}

/* libcurl write callback into a kc_buf (capped). */
static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct kc_buf *b = arg;

	if (b->len + size * n > SOURCE_MAX)
		return 0;
	kc_buf_append(b, p, size * n);
	return size * n;
}

/* The URL without user:password@ for messages. Caller frees. */
static char *
url_for_message(const char *url)
{
	const char *s = strstr(url, "://"), *at, *slash;

	if (s == NULL)
		return kc_xstrdup(url);
	s += 3;
	slash = strchr(s, '/');
	at = strchr(s, '@');
	if (at == NULL || (slash != NULL && at > slash))
		return kc_xstrdup(url);
	return kc_xasprintf("%.*s%s", (int)(s - url), url, at + 1);
}

/* If body is a GitHub contents-API file object, replace it with the decoded content. */
static int
maybe_contents_api(struct kc_buf *b, const char *url, struct kc_err *err)
{
	json_t *o;
	const char *enc, *content;
	int rc;

	if (b->len == 0 || b->data[0] != '{' || strstr(b->data, "\"encoding\"") == NULL)
		return 0;
	o = json_loadb(b->data, b->len, 0, NULL);
	if (!json_is_object(o) || (enc = kc_json_str(o, "encoding")) == NULL ||
	    (content = kc_json_str(o, "content")) == NULL ||
	    json_object_get(o, "connectors") != NULL) {
		json_decref(o);
		return 0;
	}
	if (kc_json_str(o, "type") != NULL && strcmp(kc_json_str(o, "type"), "file") != 0) {
		kc_err_set(err, KC_E_PARSE, "%s: the contents API says this is a %s, not a file",
		    url, kc_json_str(o, "type"));
		json_decref(o);
		return -1;
	}
	if (strcmp(enc, "base64") != 0) {
		kc_err_set(err, KC_E_PARSE, "%s: contents API encoding \"%s\" (file too large for "
		    "the contents API? use its download_url)", url, enc);
		json_decref(o);
		return -1;
	}
	/* GitHub wraps the base64 at 60 columns */
	kc_buf_reset(b);
	rc = kc_base64_decode(content, strlen(content), KC_BASE64_LENIENT, b);
	json_decref(o);
	if (rc != 0) {
		kc_err_set(err, KC_E_PARSE, "%s: bad base64 in the contents API answer", url);
		return -1;
	}
	return 1;
}

/* GET a URL with optional headers. */
static char *
read_url(const char *url, const struct kc_state_source_opts *o, const char *auth_header,
    const char *user, const char *password, int github, size_t *len, struct kc_err *err)
{
	struct curl_slist *hdrs = NULL;
	struct kc_buf body;
	char errbuf[CURL_ERROR_SIZE] = "";
	long code = 0;
	CURLcode rc;
	CURL *c;
	char *shown = url_for_message(url);

	c = curl_easy_init();
	if (c == NULL) {
		kc_err_set(err, KC_E_FAIL, "curl_easy_init failed");
		free(shown);
		return NULL;
	}
	kc_buf_init(&body);
	if (o == NULL || o->header == NULL || strncasecmp(o->header, "Accept:", 7) != 0)
		hdrs = curl_slist_append(hdrs, github ? "Accept: application/vnd.github+json" :
		    "Accept: application/json, */*;q=0.5");
	if (auth_header != NULL)
		hdrs = curl_slist_append(hdrs, auth_header);
	if (o != NULL && o->header != NULL)
		hdrs = curl_slist_append(hdrs, o->header);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "kcops/" KCOPS_VERSION);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o != NULL && o->timeout_ms > 0 ? o->timeout_ms :
	    30000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (user != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, password != NULL ? password : "");
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		kc_err_set(err, KC_E_IO, "%s: %s", shown, errbuf[0] ? errbuf :
		    curl_easy_strerror(rc));
		goto fail;
	}
	if (code < 200 || code > 299) {
		kc_err_set(err, (int)code, "%s: HTTP %ld%s", shown, code, code == 401 || code == 403 ?
		    " (check the token)" : code == 404 ? " (not found; private repositories need a "
		    "token)" : "");
		goto fail;
	}
	if (github && body.len > 0 && body.data[strspn(body.data, " \t\r\n")] == '[') {
		kc_err_set(err, KC_E_PARSE, "%s: this path is a directory in the repository, not a "
		    "file", shown);
		goto fail;
	}
	if (maybe_contents_api(&body, shown, err) < 0)
		goto fail;
	free(shown);
	*len = body.len;
	if (body.data == NULL)
		kc_buf_puts(&body, "");
	return kc_buf_steal(&body);
fail:
	free(shown);
	kc_buf_free(&body);
	return NULL;
}

/* github:OWNER/REPO/PATH through the contents API. */
static char *
read_github(const char *spec, const struct kc_state_source_opts *o, size_t *len,
    struct kc_err *err)
{
	const char *api = o && o->github_api ? o->github_api : getenv("KCOPS_GITHUB_API");
	const char *user = o && o->github_user ? o->github_user : getenv("KCOPS_GITHUB_USER");
	const char *token = o && o->github_token ? o->github_token : getenv("KCOPS_GITHUB_TOKEN");
	const char *branch = o && o->github_branch ? o->github_branch :
	    getenv("KCOPS_GITHUB_BRANCH");
	const char *s1, *s2;
	struct kc_buf url;
	char *auth = NULL, *res, *ref;

	s1 = strchr(spec, '/');
	s2 = s1 ? strchr(s1 + 1, '/') : NULL;
	if (s1 == NULL || s2 == NULL || s1 == spec || s2 == s1 + 1 || s2[1] == '\0') {
		kc_err_set(err, KC_E_USAGE, "github source must be github:OWNER/REPO/PATH");
		return NULL;
	}
	if (api == NULL || *api == '\0')
		api = "https://api.github.com";
	kc_buf_init(&url);
	kc_buf_puts(&url, api);
	while (url.len > 0 && url.data[url.len - 1] == '/')
		url.data[--url.len] = '\0';
	char *owner = kc_xstrndup(spec, (size_t)(s1 - spec));
	char *repo = kc_xstrndup(s1 + 1, (size_t)(s2 - s1 - 1));
	char *eo = kc_url_encode_segment(owner), *er = kc_url_encode_segment(repo);
	kc_buf_printf(&url, "/repos/%s/%s/contents", eo, er);
	/* the path keeps its slashes; each segment is encoded */
	char *path = kc_xstrdup(s2 + 1), *save = NULL, *seg;
	for (seg = strtok_r(path, "/", &save); seg != NULL; seg = strtok_r(NULL, "/", &save)) {
		char *e = kc_url_encode_segment(seg);
		kc_buf_printf(&url, "/%s", e);
		free(e);
	}
	if (branch != NULL && *branch != '\0') {
		ref = kc_url_encode_segment(branch);
		kc_buf_printf(&url, "?ref=%s", ref);
		free(ref);
	}
	if (token != NULL && *token != '\0' && (user == NULL || *user == '\0'))
		auth = kc_xasprintf("Authorization: token %s", token);
	res = read_url(kc_buf_str(&url), o, auth, user && *user && token ? user : NULL, token, 1,
	    len, err);
	if (auth != NULL) {
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	free(path);
	free(eo);
	free(er);
	free(owner);
	free(repo);
	kc_buf_free(&url);
	return res;
}

char *
kc_state_read_source(const char *src, const struct kc_state_source_opts *o, size_t *len,
    struct kc_err *err)
{
	struct kc_buf b;
	size_t n = 0;
	char *data;

	if (len == NULL)
		len = &n;
	if (src == NULL || *src == '\0') {
		kc_err_set(err, KC_E_USAGE, "no state file given");
		return NULL;
	}
	if (strcmp(src, "-") == 0) {
		kc_buf_init(&b);
		if (read_fd(0, &b) < 0) {
			kc_err_set(err, KC_E_IO, "<stdin>: %s", strerror(errno));
			kc_buf_free(&b);
			return NULL;
		}
		*len = b.len;
		if (b.data == NULL)
			kc_buf_puts(&b, "");
		return kc_buf_steal(&b);
	}
	if (kc_str_has_prefix(src, "git:"))
		return read_git(src + 4, len, err);
	if (kc_str_has_prefix(src, "github:"))
		return read_github(src + 7, o, len, err);
	if (kc_str_has_prefix(src, "http://") || kc_str_has_prefix(src, "https://")) {
		const char *token = o && o->token ? o->token : getenv("KCOPS_STATE_TOKEN");
		char *auth = token && *token ? kc_xasprintf("Authorization: Bearer %s", token) : NULL;
		char *res = read_url(src, o, auth, NULL, NULL, 0, len, err);
		if (auth != NULL) {
			memset(auth, 0, strlen(auth));
			free(auth);
		}
		return res;
	}
	data = kc_read_file(src, len);
	if (data == NULL)
		kc_err_set(err, KC_E_IO, "%s: %s", src, strerror(errno));
	return data;
}
