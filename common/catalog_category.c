/*
 * catalog_category.c — the fixed categories of DESIGN.md (see catalog.h).
 *
 * An object of their own, so a program that only names categories
 * (heal-propose checking an LLM's answer) does not link the matcher and
 * with it Vectorscan and libstdc++.
 */
#include "catalog.h"

#include <string.h>

const char *const catalog_categories[] = {
    "disk", "memory", "resource", "process", "network", "dns", "tls", "http", "permission",
    "auth", "database", "service", "container", "dependency", "build", "test", "config",
    "runtime", "lock", "time", "unknown", NULL};

int catalog_category_index(const char *name)
{
    for (int i = 0; catalog_categories[i]; i++)
        if (!strcmp(catalog_categories[i], name))
            return i;
    return -1;
}
