/* kc_buf.h - a growable byte buffer, always NUL-terminated.
 *
 * Fields are readable; change them only through these functions. A zeroed struct is an
 * empty buffer. kc_buf_free() releases the memory and leaves an empty buffer. */
#ifndef KC_BUF_H
#define KC_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct kc_buf {
	char	*data;	/* NULL while empty and never grown */
	size_t	 len;
	size_t	 cap;
};

void kc_buf_init(struct kc_buf *b);
void kc_buf_free(struct kc_buf *b);
void kc_buf_reset(struct kc_buf *b);                 /* len = 0, memory kept */
void kc_buf_reserve(struct kc_buf *b, size_t extra);
void kc_buf_append(struct kc_buf *b, const void *data, size_t len);
void kc_buf_puts(struct kc_buf *b, const char *s);
void kc_buf_putc(struct kc_buf *b, char c);
void kc_buf_printf(struct kc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kc_buf_vprintf(struct kc_buf *b, const char *fmt, va_list ap);
/* The contents as a C string ("" when empty). Borrowed. */
const char *kc_buf_str(const struct kc_buf *b);
/* Hand the memory to the caller (who frees it); the buffer becomes empty. Never NULL. */
char *kc_buf_steal(struct kc_buf *b);

#endif
