/* kc_err.h - an error value: a code plus a human message.
 *
 * Library functions that can fail take a `struct kc_err *err` (may be NULL) and return -1 or
 * NULL after filling it. `code` is a KC_E_* value, or an HTTP status for REST errors. */
#ifndef KC_ERR_H
#define KC_ERR_H

enum kc_errcode {
	KC_E_OK = 0,
	KC_E_FAIL = 1,		/* generic failure */
	KC_E_USAGE = 2,		/* bad arguments */
	KC_E_IO = 3,		/* file or network I/O */
	KC_E_PARSE = 4,		/* malformed input */
	KC_E_NOTFOUND = 5,
	KC_E_CONFLICT = 6,
	KC_E_TIMEOUT = 7,
	KC_E_READONLY = 8,
	/* 100..599 are HTTP status codes */
};

struct kc_err {
	int	code;
	char	msg[1024];
};

void kc_err_clear(struct kc_err *err);
/* Set code and message (printf style); NULL err is allowed and ignored. */
void kc_err_set(struct kc_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepend context: "ctx: old message". */
void kc_err_prefix(struct kc_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
