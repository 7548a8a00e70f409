/* kw_plugin_find.c - plugin lookup by class name, alias or simple name (kw_plugin.h).
 * Kept apart from the table (kw_plugins.c) so test binaries can link their own table. */
#include <string.h>

#include "kw_plugin.h"

/* "a.b.FooConnector" -> "FooConnector"; */
static const char *
simple_name(const char *cls)
{
	const char *dot = strrchr(cls, '.');

	return dot != NULL ? dot + 1 : cls;
}

/* Same name, comparing with and without the "Connector" suffix. */
static int
same_simple(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	const size_t ls = strlen("Connector");

	if (la == lb)
		return strcmp(a, b) == 0;
	if (la == lb + ls)
		return strncmp(a, b, lb) == 0 && strcmp(a + lb, "Connector") == 0;
	if (lb == la + ls)
		return strncmp(a, b, la) == 0 && strcmp(b + la, "Connector") == 0;
	return 0;
}

/* Find a plugin by class name, alias or simple name (with or without "Connector"). */
const struct kw_plugin *
kw_plugin_find(const char *name)
{
	size_t i, j;

	if (name == NULL || *name == '\0')
		return NULL;
	for (i = 0; kw_plugins[i] != NULL; i++) {
		const struct kw_plugin *p = kw_plugins[i];

		if (strcmp(p->class_name, name) == 0)
			return p;
		for (j = 0; p->aliases != NULL && p->aliases[j] != NULL; j++)
			if (strcmp(p->aliases[j], name) == 0)
				return p;
	}
	if (strchr(name, '.') != NULL)
		return NULL;
	for (i = 0; kw_plugins[i] != NULL; i++)
		if (same_simple(simple_name(kw_plugins[i]->class_name), name))
			return kw_plugins[i];
	return NULL;
}
