/* kc_buf.c - growable byte buffer. */
#include "kc_buf.h"
#include "kc_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
kc_buf_init(struct kc_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void
kc_buf_free(struct kc_buf *b)
{
	free(b->data);
	kc_buf_init(b);
}

void
kc_buf_reset(struct kc_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
kc_buf_reserve(struct kc_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < need)
		b->cap *= 2;
	b->data = kc_xrealloc(b->data, b->cap);
	b->data[b->len] = '\0';	/* an empty reserved buffer is still a valid string */
}

void
kc_buf_append(struct kc_buf *b, const void *data, size_t len)
{
	kc_buf_reserve(b, len);
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
kc_buf_puts(struct kc_buf *b, const char *s)
{
	kc_buf_append(b, s, strlen(s));
}

void
kc_buf_putc(struct kc_buf *b, char c)
{
	kc_buf_append(b, &c, 1);
}

void
kc_buf_vprintf(struct kc_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	kc_buf_reserve(b, 64);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	if (n < 0) {
		va_end(ap2);
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		kc_buf_reserve(b, (size_t)n);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
	}
	va_end(ap2);
	b->len += (size_t)n;
}

void
kc_buf_printf(struct kc_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kc_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *
kc_buf_str(const struct kc_buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *
kc_buf_steal(struct kc_buf *b)
{
	char *p = b->data != NULL ? b->data : kc_xstrdup("");

	kc_buf_init(b);
	return p;
}
