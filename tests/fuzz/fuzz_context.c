/* fuzz_context.c - libFuzzer target: the contexts file (kc_ctx_file_load), the check of each
 * context (kc_ctx_check) and resolution (kc_ctx_resolve, kc_ctx_client_opts) of the current
 * context and of every named one.
 *
 * The loader reads a path, so each input is written to one private temporary file. Secrets
 * given as X_file are not resolved (a fuzzer-chosen path such as /dev/zero would only measure
 * the disk); X and X_env are. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kc_context.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void
cleanup(void)
{
	unlink(path);
}

static void
resolve(const struct kc_ctx_file *f, const char *name)
{
	struct kc_ctx_overrides ov;
	struct kc_client_opts opts;
	struct kc_err err;
	struct kc_ctx *ctx;

	memset(&ov, 0, sizeof ov);
	ov.context = name;
	ctx = kc_ctx_resolve(f, &ov, &err);
	if (ctx == NULL)
		return;
	memset(&opts, 0, sizeof opts);
	kc_ctx_client_opts(ctx, &opts);
	(void)kc_ctx_bootstrap(ctx);
	kc_ctx_free(ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kc_ctx_file *f;
	struct kc_err err;
	const json_t *ctxs;
	const char *name;
	json_t *ctx;
	FILE *fp;

	if (path[0] == '\0') {
		int fd;

		snprintf(path, sizeof path, "/tmp/kcops-fuzz-ctx-XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
		atexit(cleanup);
		unsetenv("KCOPS_URL");
		unsetenv("KCOPS_CONTEXT");
		setenv("KCOPS_FUZZ_TOKEN", "fuzz-token", 1);
	}
	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	fclose(fp);
	if ((f = kc_ctx_file_load(path, &err)) == NULL)
		return 0;
	(void)kc_ctx_file_section(f, "keys");
	(void)kc_ctx_file_section(f, "theme");
	ctxs = kc_ctx_file_contexts(f);
	if (ctxs == NULL)
		abort();	/* documented as never NULL */
	if (memmem(data, size, "_file", 5) == NULL) {
		resolve(f, NULL);
		json_object_foreach((json_t *)ctxs, name, ctx) {
			if (kc_ctx_check(name, ctx, &err) == 0)
				resolve(f, name);
		}
	} else {
		json_object_foreach((json_t *)ctxs, name, ctx)
			(void)kc_ctx_check(name, ctx, &err);
	}
	(void)kc_ctx_file_current(f);
	kc_ctx_file_free(f);
	return 0;
}
