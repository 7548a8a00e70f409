/* cmd_handoff.c - linked into the one-shot kcops binary only (not into libkcops): the
 * handlers of lag, tail and watch, and the way to the console, hand the command line over
 * to kcops-full.
 *
 * DESIGN: a one-shot command such as `kcops get connectors` should start as fast as curl.
 * Loading and relocating librdkafka (with its SSL, SASL and compression libraries),
 * libmicrohttpd (with GnuTLS) and curses/readline costs several milliseconds per run, so
 * the kcops program links libcurl and jansson only. The console and the commands that need
 * those libraries run in kcops-full, which this file executes in place of the current
 * process with the same argv (same PID, same terminal, same exit status). kcops-full is
 * looked up in $KCOPS_FULL, next to this program (a build tree, or both in one bin
 * directory), then in LIBEXECDIR/kcops. */
#include "kc_cli.h"
#include "kc_cmd.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef KCOPS_LIBEXEC_DIR
#define KCOPS_LIBEXEC_DIR "/usr/local/libexec/kcops"
#endif

/* Execute path with argv if it is there; returns (with errno set) when it cannot. */
static void
try_exec(const char *path, char **argv)
{
	if (access(path, X_OK) == 0)
		execv(path, argv);
}

/* Replace this process with kcops-full running argv. */
int
kc_cli_handoff(char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 16], *slash;
	const char *env = getenv("KCOPS_FULL");
	ssize_t n;
	int saved;

	fflush(stdout);
	fflush(stderr);
	if (env != NULL && *env != '\0') {
		execv(env, argv);
		fprintf(stderr, "kcops: error: cannot run KCOPS_FULL=%s: %s\n", env,
		    strerror(errno));
		return KC_EXIT_ERR;
	}
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(path, sizeof path, "%s/kcops-full", self);
			try_exec(path, argv);
		}
	}
	errno = 0;
	try_exec(KCOPS_LIBEXEC_DIR "/kcops-full", argv);
	saved = errno != 0 ? errno : ENOENT;
	fprintf(stderr, "kcops: error: cannot run %s/kcops-full (the console, lag, tail and watch "
	    "run there): %s\n", KCOPS_LIBEXEC_DIR, strerror(saved));
	return KC_EXIT_ERR;
}

/* The command line as kcops was started, handed over. */
static int
handoff(struct kc_cmd_env *env)
{
	char **argv = kc_cli_argv();

	if (argv == NULL) {
		fprintf(env->io->err, "kcops: error: this command runs in kcops-full only\n");
		return KC_EXIT_ERR;
	}
	fflush(env->io->out);
	return kc_cli_handoff(argv);
}

/* kcops lag: in kcops-full (librdkafka). */
int
kc_cmd_lag(struct kc_cmd_env *env, const struct kc_cmd *cmd, int argc, char **argv)
{
	(void)cmd;
	(void)argc;
	(void)argv;
	return handoff(env);
}

/* kcops tail: in kcops-full (librdkafka). */
int
kc_cmd_tail(struct kc_cmd_env *env, const struct kc_cmd *cmd, int argc, char **argv)
{
	(void)cmd;
	(void)argc;
	(void)argv;
	return handoff(env);
}

/* kcops watch: in kcops-full (libmicrohttpd for --listen). */
int
kc_cmd_watch(struct kc_cmd_env *env, const struct kc_cmd *cmd, int argc, char **argv)
{
	(void)cmd;
	(void)argc;
	(void)argv;
	return handoff(env);
}
