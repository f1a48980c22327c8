/*
 * mcp_schema.h — checks tool arguments against the tool's inputSchema.
 *
 * The schema a client sees is the one the arguments are checked with, so
 * the two cannot drift.  A subset of JSON Schema 2020-12 is understood,
 * the part heal-mcp's schemas use: type (a name or a list), enum, const,
 * properties, required, additionalProperties (false or a schema), items,
 * minItems, maxItems, minLength, maxLength (in bytes), minimum, maximum.
 * Annotations (title, description, default, examples, $schema)
 * are ignored; any other keyword is a mistake in our own schema and
 * fails the check, so it cannot be silently skipped.
 *
 * jv ownership: both functions borrow.
 */
#ifndef HEAL_MCP_SCHEMA_H
#define HEAL_MCP_SCHEMA_H

#include "error.h"

#include <jv.h>

/* 0 if value satisfies schema; else -1 with err naming the path ("arguments.check.kind: ..."). */
int mcp_schema_check(const jv *schema, const jv *value, const char *path, struct heal_error *err);

#endif
