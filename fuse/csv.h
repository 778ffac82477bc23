/*
 * csv.h - the CSV codec of jetfs: how a table's rows become the bytes of
 * NAME.csv and how written bytes become column values again.
 *
 * Three parts, each usable alone (docs/csv.md is the user-facing format):
 *
 *   Values   csv_render_value / csv_parse_value convert one column value
 *            between its JET bytes and its text, per JET_coltyp and code
 *            page. For every value v: parse(render(v)) == v bit for bit,
 *            and render is a function of v alone (deterministic).
 *
 *   Writer   csv_write_row appends one rendered row (fields joined by ',',
 *            quoted only when they must be, ending in LF) to a growable
 *            buffer; csv_row_length gives the same byte count without
 *            producing the bytes, so the mount can keep st_size as the sum
 *            of row lengths. Both run the same renderers, so they agree.
 *
 *   Parser   csv_parser takes arbitrary chunks (split anywhere, even inside
 *            a quoted field or between CR and LF) and hands each complete
 *            row to a callback as an array of fields (bytes + quoted flag:
 *            an unquoted empty field is NULL, a quoted one the empty
 *            string). It holds only the current row. Errors carry the
 *            1-based line on which the offending row starts and a reason.
 *
 * Errors are JET_ERR: JET_errInvalidParameter for malformed text (CSV
 * syntax, a value that does not parse for its type, out of range),
 * JET_errColumnTooBig for a field over the parser's size limit or a
 * Text/Binary value over 255 bytes, JET_errTooManyColumns for a row over
 * the field-count limit, JET_errInvalidBufferSize for a fixed-size value of
 * the wrong length handed to the writer, JET_errInvalidColumnType for an
 * unknown coltyp, JET_errOutOfMemory. Reasons are static strings.
 *
 * Numbers are formatted and read with snprintf/strtod: the process must run
 * in the C locale for LC_NUMERIC (jetfs never calls setlocale).
 *
 * Pure C11 over include/jet.h and src/jet_common.h; no FUSE.
 */
#ifndef JETFS_CSV_H
#define JETFS_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jet.h"

/* Code pages the text conversion knows (any other cp: bytes as they are). */
#define CSV_CP_DEFAULT 0    /* the engine's default for text: 1252 */
#define CSV_CP_UNICODE 1200 /* UTF-16LE in the column, UTF-8 in the file */
#define CSV_CP_WIN1252 1252 /* Windows-1252 in the column, UTF-8 in the file */
#define CSV_CP_ASCII 20127  /* bytes as they are */
#define CSV_CP_UTF8 65001   /* bytes as they are */

/* Parser limits' defaults. */
#define CSV_FIELD_MAX_DEFAULT ((size_t)64 << 20) /* bytes in one field */
#define CSV_FIELDS_MAX_DEFAULT 65536             /* fields in one row */

/* ------------------------------------------------------------------ */
/* Growable buffer                                                    */
/* ------------------------------------------------------------------ */

/* A byte buffer the caller owns; zero-initialized it is empty and valid.
 * p is not NUL-terminated. Memory comes from jet_malloc/jet_realloc. */
typedef struct csv_buf {
	char *p;
	size_t len;
	size_t cap;
} csv_buf;

void csv_buf_init(csv_buf *b);
void csv_buf_free(csv_buf *b);
/* Make room for `extra` more bytes after len. */
JET_ERR csv_buf_reserve(csv_buf *b, size_t extra);
JET_ERR csv_buf_append(csv_buf *b, const void *p, size_t n);

/* ------------------------------------------------------------------ */
/* Values                                                             */
/* ------------------------------------------------------------------ */

/* Append the text of one non-NULL value (not CSV-quoted) to out.
 * Fixed-size types need exactly their size (else InvalidBufferSize). */
JET_ERR csv_render_value(JET_COLTYP coltyp, unsigned cp, const void *pv, size_t cb, csv_buf *out);

/* Append the column bytes the text denotes to out. On error out->len is
 * unchanged and *preason (if not NULL) says why. len 0 is the empty
 * (zero-length) value for text and binary, an error for fixed types. */
JET_ERR csv_parse_value(JET_COLTYP coltyp, unsigned cp, const char *text, size_t len, csv_buf *out,
			const char **preason);

/* The values of one field: value i is data.p[v[i].off .. +v[i].cb). */
typedef struct csv_span {
	size_t off;
	size_t cb;
} csv_span;

typedef struct csv_values {
	csv_buf data;
	csv_span *v;
	size_t n;
	size_t cap;
} csv_values;

void csv_values_init(csv_values *vals);
void csv_values_free(csv_values *vals);

/* Convert one parsed CSV field for a column: an unquoted empty field is
 * NULL (n = 0); a single-valued column gives one value; a multi-valued one
 * reads the {v1,v2,...} literal (an empty field, quoted or not, or {} is no
 * values). vals is emptied first. */
JET_ERR csv_parse_field(JET_COLTYP coltyp, unsigned cp, bool multi, const char *text, size_t len,
			bool quoted, csv_values *vals, const char **preason);

/* ------------------------------------------------------------------ */
/* Writer                                                             */
/* ------------------------------------------------------------------ */

typedef struct csv_value {
	const void *pv;
	size_t cb;
} csv_value;

/* One field of a row. nvalues 0 is NULL. A single-valued column has at
 * most one value; a zero-length value is the empty value ("" in the file).
 * A multi-valued column gives its values in itagSequence order. */
typedef struct csv_field {
	JET_COLTYP coltyp;
	unsigned cp;
	bool multi;
	size_t nvalues;
	const csv_value *values;
} csv_field;

/* Append one row (fields, LF) to out; *pcb (optional) is its byte length.
 * On error out->len is unchanged. */
JET_ERR csv_write_row(csv_buf *out, const csv_field *fields, size_t nfields, size_t *pcb);

/* The exact length csv_write_row would append, without the bytes. */
JET_ERR csv_row_length(const csv_field *fields, size_t nfields, uint64_t *pcb);

/* The header row: column names (UTF-8, NUL-terminated) quoted as text. */
JET_ERR csv_write_header(csv_buf *out, const char *const *names, size_t nnames, size_t *pcb);
JET_ERR csv_header_length(const char *const *names, size_t nnames, uint64_t *pcb);

/* ------------------------------------------------------------------ */
/* Parser                                                             */
/* ------------------------------------------------------------------ */

/* One field of a parsed row. p points into the parser's row buffer and is
 * valid only during the callback. */
typedef struct csv_ftext {
	const char *p;
	size_t len;
	bool quoted;
} csv_ftext;

/* Called once per complete row; line is the 1-based line the row starts
 * on. A negative return stops the parser: feed/finish return it (and it
 * stays the parser's error, with reason "rejected by the row callback"
 * unless the callback set one with csv_parser_set_reason). */
typedef JET_ERR (*csv_row_fn)(void *ctx, uint64_t line, const csv_ftext *fields, size_t nfields);

typedef struct csv_parser csv_parser;

typedef struct csv_limits {
	size_t field_max;  /* 0: CSV_FIELD_MAX_DEFAULT */
	size_t fields_max; /* 0: CSV_FIELDS_MAX_DEFAULT */
} csv_limits;

JET_ERR csv_parser_create(csv_parser **pparser, const csv_limits *limits, csv_row_fn fn, void *ctx);
void csv_parser_destroy(csv_parser *parser);

/* Feed the next len bytes. Rows completed by them are delivered before it
 * returns. After an error every later call returns that error. */
JET_ERR csv_parser_feed(csv_parser *parser, const void *data, size_t len);

/* End of input: deliver a last row that lacks its line end, or fail on an
 * unterminated quoted field. */
JET_ERR csv_parser_finish(csv_parser *parser);

/* The error that stopped the parser: its reason (NULL if none) and the
 * 1-based line of the row it was found in. */
const char *csv_parser_error(const csv_parser *parser, uint64_t *pline);

/* For a row callback: the reason to report for the error it returns. */
void csv_parser_set_reason(csv_parser *parser, const char *reason);

/* Rows delivered so far, and the line the next row starts on. */
uint64_t csv_parser_rows(const csv_parser *parser);

#endif /* JETFS_CSV_H */
