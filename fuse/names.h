/*
 * names.h - table name <-> file name, exactly reversible.
 *
 *   table file   escape(table) + ".csv"      (the mount's root, sessions)
 *   schema file  escape(table)               (.schema/)
 *
 * escape() writes %XX (two uppercase hex digits) for every byte that cannot
 * or should not appear in a file name: '/', '%', bytes 0x00..0x1F and 0x7F,
 * and a '.' in the first position (so no table file is hidden and none can
 * be taken for the mount's own .schema, .sessions, .backup, .system). Every
 * other byte, UTF-8 included, is written as it is.
 *
 * The reverse accepts exactly what escape() produces (escapes only where
 * escape() writes them, uppercase hex), so file names and table names are
 * in one-to-one correspondence, and the table name must be one ESE accepts
 * (see name_check_table). docs/csv.md, "Names", is the user-facing text.
 *
 * Results of the file -> table functions (JET_ERR):
 *   JET_errSuccess        a table's file; the table name is written out
 *   NAME_errNotTableFile  not a table file at all: no ".csv" suffix (for the
 *                         schema form: never), or a hidden name (starting
 *                         with a literal '.', e.g. ".t.csv.Ab12Cd",
 *                         ".#t.csv"). The mount keeps such files as scratch.
 *   NAME_errTooLong       the table name would exceed JET_cbNameMost (64)
 *                         bytes (ENAMETOOLONG)
 *   JET_errInvalidName    "." or "..", a malformed or non-canonical escape,
 *                         or a name ESE refuses (EINVAL)
 *
 * Pure C11 over include/jet.h; no FUSE, no allocation.
 */
#ifndef JETFS_NAMES_H
#define JETFS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "jet.h"

/* Distinct results of name_file_to_table / name_schema_to_table. They are
 * existing JET codes so errors.c can name them; callers compare against
 * these names, never the numbers. */
#define NAME_errNotTableFile JET_errInvalidPath  /* -1023: a scratch file */
#define NAME_errTooLong JET_errInvalidBufferSize /* -1047: ENAMETOOLONG */

#define NAME_TABLE_SUFFIX ".csv"

/* The longest escaped name: every byte of a 64-byte name as %XX, plus
 * ".csv" and the NUL. Buffers of this size always suffice. */
#define NAME_FILE_MAX (3 * JET_cbNameMost + 4 + 1)

/* ESE's rule for a table name (as src/table.c tbl_check_name enforces it):
 * 1..64 bytes, not starting with a space, no control byte (0x00..0x1F,
 * 0x7F) and none of '!', '.', '[', ']'. JET_errSuccess, NAME_errTooLong or
 * JET_errInvalidName. */
JET_ERR name_check_table(const char *table, size_t len);

/* escape(table) + ".csv" / escape(table) into out (cbOut bytes, NUL
 * included). The table name is not checked: any byte string up to
 * JET_cbNameMost bytes escapes and unescapes exactly. JET_errInvalidName
 * for an empty name, NAME_errTooLong for a longer one,
 * JET_errBufferTooSmall if out is too small. */
JET_ERR name_table_to_file(const char *table, char *out, size_t cbOut);
JET_ERR name_table_to_schema(const char *table, char *out, size_t cbOut);

/* The table a file name denotes, into table[JET_cbNameMost + 1]. */
JET_ERR name_file_to_table(const char *file, char *table);
JET_ERR name_schema_to_table(const char *file, char *table);

/* Escape/unescape alone (no suffix, no ESE check), for any bytes. unescape
 * is strict: only canonical escapes; *plen gets the byte count (the output
 * may hold NUL bytes and is NUL-terminated too). */
JET_ERR name_escape(const char *in, size_t len, char *out, size_t cbOut);
JET_ERR name_unescape(const char *in, size_t len, char *out, size_t cbOut, size_t *plen);

/* Whether len bytes are well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF). The mount creates tables only under
 * such names (a file name is text to every tool that shows one); a table
 * of another name, made through the JET API, is still reachable. */
bool name_is_utf8(const char *s, size_t len);

/* The mount's own names in the root: .schema, .sessions, .backup, .system.
 * No table file or schema file is ever one of them. */
bool name_is_reserved(const char *file);

#endif /* JETFS_NAMES_H */
