/*
 * schema.c - .schema/NAME: a table's columns and indexes as a small text
 * (the format is in docs/csv.md, "Schema files"), rendered from the
 * table's definition and applied back: creating the table, or altering it
 * to match, in one transaction.
 *
 * Applying a text:
 *  1. Parse it completely into a desired definition (columns in text order,
 *     indexes). Any error: JET_errInvalidParameter (an unknown type too),
 *     logged with its line; nothing is touched.
 *  2. No such table: JetCreateTable, JetAddColumn per column in text order,
 *     JetCreateIndex per index.
 *  3. The table exists: columns are matched by name (case-insensitive).
 *     Columns and secondary indexes added or dropped, and secondary indexes
 *     changed, are done in place (JetDeleteIndex, JetDeleteColumn,
 *     JetAddColumn, JetCreateIndex, in that order), so the table keeps its
 *     objid and its files their inodes. A column changed in type, size,
 *     code page, flags or default, or a primary index added, dropped or
 *     changed (the records are ordered by it) rebuilds the table: the rows
 *     are copied into a scratch table of the new definition
 *     (values of a changed type converted through their CSV text:
 *     csv_render_value with the old type, csv_parse_value with the new),
 *     the old table deleted and the scratch table renamed to its name
 *     (JetRenameTable). The rebuilt table is a new object (new objid, so a
 *     new inode) with the same name. A value that does not convert fails the
 *     whole apply (logged with the row number and the value). A table with
 *     an autoincrement column is not rebuilt (the engine cannot set those
 *     values, so they would be renumbered): JET_errInvalidParameter. A
 *     table open in another session cannot be deleted: JET_errTableInUse.
 *  4. The table's counters are set right in the same transaction: its rows'
 *     rendered length is recounted (a column added or dropped changes every
 *     row) and JFS_COUNTER_MODS brought to what cModifications will be after
 *     this commit, so the size is exact again (see jetfs.h "Sizes").
 *  DDL is transacted in libjet: a rollback leaves nothing of it. A text
 *  that equals the table's definition changes nothing and commits nothing.
 *
 * Locking: as apply.c (the caller holds s->mu).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jet_common.h"
#include "jetfs.h"

#define SCH_TOKEN_MAX 4096

/* ------------------------------------------------------------------ */
/* Names of types and flags                                           */
/* ------------------------------------------------------------------ */

static const struct {
	JET_COLTYP coltyp;
	const char *name;
} k_types[] = {
    {JET_coltypBit, "Bit"},
    {JET_coltypUnsignedByte, "UnsignedByte"},
    {JET_coltypShort, "Short"},
    {JET_coltypLong, "Long"},
    {JET_coltypCurrency, "Currency"},
    {JET_coltypIEEESingle, "IEEESingle"},
    {JET_coltypIEEEDouble, "IEEEDouble"},
    {JET_coltypDateTime, "DateTime"},
    {JET_coltypBinary, "Binary"},
    {JET_coltypText, "Text"},
    {JET_coltypLongBinary, "LongBinary"},
    {JET_coltypLongText, "LongText"},
    {JET_coltypUnsignedLong, "UnsignedLong"},
    {JET_coltypLongLong, "LongLong"},
    {JET_coltypGUID, "GUID"},
    {JET_coltypUnsignedShort, "UnsignedShort"},
    {JET_coltypUnsignedLongLong, "UnsignedLongLong"},
};

typedef struct flagname {
	JET_GRBIT bit;
	const char *name;
} flagname;

static const flagname k_colflags[] = {
    {JET_bitColumnNotNULL, "not-null"},
    {JET_bitColumnAutoincrement, "autoincrement"},
    {JET_bitColumnMultiValued, "multi-valued"},
    {JET_bitColumnTagged, "tagged"},
    {JET_bitColumnFixed, "fixed"},
    {JET_bitColumnEscrowUpdate, "escrow-update"},
    {JET_bitColumnUnversioned, "unversioned"},
};

static const flagname k_ixflags[] = {
    {JET_bitIndexPrimary, "primary"},
    {JET_bitIndexUnique, "unique"},
    {JET_bitIndexDisallowNull, "disallow-null"},
    {JET_bitIndexIgnoreNull, "ignore-null"},
    {JET_bitIndexIgnoreAnyNull, "ignore-any-null"},
    {JET_bitIndexIgnoreFirstNull, "ignore-first-null"},
    {JET_bitIndexSortNullsHigh, "sort-nulls-high"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static bool type_fixed(JET_COLTYP t)
{
	return t != JET_coltypBinary && t != JET_coltypText && t != JET_coltypLongBinary &&
	       t != JET_coltypLongText;
}

static bool type_long(JET_COLTYP t)
{
	return t == JET_coltypLongBinary || t == JET_coltypLongText;
}

static bool type_text(JET_COLTYP t)
{
	return t == JET_coltypText || t == JET_coltypLongText;
}

/* The grbit the engine keeps for a column defined with g (it adds Tagged to
 * long and multi-valued columns, Fixed to fixed-size untagged ones). */
static JET_GRBIT col_grbit_norm(JET_COLTYP t, JET_GRBIT g)
{
	g &= ~(JET_GRBIT)(JET_bitColumnUpdatable | JET_bitColumnMaybeNull);
	if (type_long(t) || (g & JET_bitColumnMultiValued))
		g |= JET_bitColumnTagged;
	if (type_fixed(t) && !(g & JET_bitColumnTagged))
		g |= JET_bitColumnFixed;
	return g;
}

/* ------------------------------------------------------------------ */
/* Rendering                                                          */
/* ------------------------------------------------------------------ */

static JET_ERR put(csv_buf *out, const char *s)
{
	return csv_buf_append(out, s, strlen(s));
}

/* A token, quoted when it must be (empty, blanks, quotes, '#'). */
static JET_ERR put_token(csv_buf *out, const char *p, size_t n)
{
	bool q = n == 0;

	for (size_t i = 0; i < n && !q; i++)
		q = p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r' || p[i] == '"' ||
		    p[i] == '#';
	if (!q)
		return csv_buf_append(out, p, n);
	CallR(put(out, "\""));
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			CallR(put(out, "\""));
		CallR(csv_buf_append(out, &p[i], 1));
	}
	return put(out, "\"");
}

static JET_ERR put_pad(csv_buf *out, size_t from, size_t width)
{
	size_t n = out->len - from;
	do {
		CallR(put(out, " "));
	} while (++n < width);
	return JET_errSuccess;
}

JET_ERR jfs_schema_render(const jfs_table *t, csv_buf *out)
{
	char num[64];
	csv_buf v;
	JET_ERR err = JET_errSuccess;

	csv_buf_init(&v);
	Call(put(out, "# jetfs schema of table "));
	Call(put(out, t->name));
	Call(put(out, "\n"));
	for (int i = 0; i < t->ncols; i++) {
		const jfs_col *c = &t->cols[i];
		const char *tn = NULL;
		JET_GRBIT g = c->grbit,
			  implied = col_grbit_norm(c->coltyp, g & ~(JET_GRBIT)(JET_bitColumnTagged |
									       JET_bitColumnFixed));
		size_t at;

		for (size_t k = 0; k < NELEM(k_types); k++)
			if (k_types[k].coltyp == c->coltyp)
				tn = k_types[k].name;
		if (!tn)
			Error(JET_errInvalidColumnType);
		Call(put(out, "column "));
		at = out->len;
		Call(put_token(out, c->name, strlen(c->name)));
		Call(put_pad(out, at, 10));
		at = out->len;
		Call(put(out, tn));
		if (!type_fixed(c->coltyp) && c->cbMax) {
			snprintf(num, sizeof(num), "(%lu)", c->cbMax);
			Call(put(out, num));
		}
		if (type_text(c->coltyp)) {
			snprintf(num, sizeof(num), " cp=%u", (unsigned)c->cp);
			Call(put(out, num));
		}
		/* Tagged and Fixed only where the type does not imply them. */
		g &= ~(JET_GRBIT)(JET_bitColumnUpdatable | JET_bitColumnMaybeNull);
		g &= ~(implied & (JET_bitColumnTagged | JET_bitColumnFixed));
		for (size_t k = 0; k < NELEM(k_colflags); k++)
			if (g & k_colflags[k].bit) {
				Call(put(out, " "));
				Call(put(out, k_colflags[k].name));
				g &= ~k_colflags[k].bit;
			}
		if (g) {
			snprintf(num, sizeof(num), " grbit=0x%lx", (unsigned long)g);
			Call(put(out, num));
		}
		if (c->pvDefault) {
			v.len = 0;
			Call(csv_render_value(c->coltyp, c->cp, c->pvDefault, c->cbDefault, &v));
			Call(put(out, " default="));
			Call(put_token(out, v.p ? v.p : "", v.len));
		}
		Call(put(out, "\n"));
	}
	for (int i = 0; i < t->nindexes; i++) {
		const jfs_index *x = &t->indexes[i];
		JET_GRBIT g = x->grbit;
		size_t at;

		Call(put(out, "index  "));
		at = out->len;
		Call(put_token(out, x->name, strlen(x->name)));
		Call(put_pad(out, at, 10));
		for (size_t k = 0; k < NELEM(k_ixflags); k++)
			if (g & k_ixflags[k].bit) {
				Call(put(out, k_ixflags[k].name));
				Call(put(out, " "));
				g &= ~k_ixflags[k].bit;
			}
		if (g) {
			snprintf(num, sizeof(num), "grbit=0x%lx ", (unsigned long)g);
			Call(put(out, num));
		}
		for (int k = 0; k < x->nseg; k++) {
			const char *cn = t->cols[x->seg[k]].name;
			char seg[JET_cbNameMost + 2];
			snprintf(seg, sizeof(seg), "%c%s", x->desc[k] ? '-' : '+', cn);
			if (k)
				Call(put(out, " "));
			Call(put_token(out, seg, strlen(seg)));
		}
		Call(put(out, "\n"));
	}
HandleError:
	csv_buf_free(&v);
	return err;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                            */
/* ------------------------------------------------------------------ */

typedef struct sch_col {
	char name[JET_cbNameMost + 1];
	JET_COLTYP coltyp;
	unsigned long cbMax;
	unsigned cp;
	JET_GRBIT grbit;
	bool has_default;
	csv_buf def;
} sch_col;

typedef struct sch_index {
	char name[JET_cbNameMost + 1];
	JET_GRBIT grbit;
	int nseg;
	char seg[JET_ccolKeyMost][JET_cbNameMost + 1];
	bool desc[JET_ccolKeyMost];
} sch_index;

typedef struct sch_def {
	int ncols, nindexes;
	sch_col cols[JFS_MAX_COLS];
	sch_index indexes[64];
} sch_def;

typedef struct sch_parser {
	const char *p, *end;
	unsigned long line;
	char reason[256];
} sch_parser;

static JET_ERR sch_fail(sch_parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static JET_ERR sch_fail(sch_parser *ps, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->reason, sizeof(ps->reason), fmt, ap);
	va_end(ap);
	return JET_errInvalidParameter;
}

/* The next token of the current line into tok (NUL-terminated, *plen
 * bytes). *pgot false at the end of the line (the LF is consumed). */
static JET_ERR sch_token(sch_parser *ps, char *tok, size_t *plen, bool *pgot)
{
	size_t n = 0;
	bool any = false;

	*pgot = false;
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r'))
		ps->p++;
	if (ps->p < ps->end && *ps->p == '#')
		while (ps->p < ps->end && *ps->p != '\n')
			ps->p++;
	if (ps->p >= ps->end)
		return JET_errSuccess;
	if (*ps->p == '\n') {
		ps->p++;
		ps->line++;
		return JET_errSuccess;
	}
	while (ps->p < ps->end && *ps->p != ' ' && *ps->p != '\t' && *ps->p != '\n' &&
	       *ps->p != '\r') {
		any = true;
		if (*ps->p == '"') {
			ps->p++;
			for (;;) {
				if (ps->p >= ps->end)
					return sch_fail(ps, "a quote is not closed");
				if (*ps->p == '"') {
					if (ps->p + 1 < ps->end && ps->p[1] == '"') {
						ps->p++;
					} else {
						ps->p++;
						break;
					}
				}
				if (*ps->p == '\n')
					ps->line++;
				if (n + 1 >= SCH_TOKEN_MAX)
					return sch_fail(ps, "a word is too long");
				tok[n++] = *ps->p++;
			}
			continue;
		}
		if (n + 1 >= SCH_TOKEN_MAX)
			return sch_fail(ps, "a word is too long");
		tok[n++] = *ps->p++;
	}
	tok[n] = 0;
	*plen = n;
	*pgot = any;
	return JET_errSuccess;
}

static JET_ERR sch_name(sch_parser *ps, const char *tok, size_t len, char *out, const char *what)
{
	if (len == 0 || len > JET_cbNameMost || strlen(tok) != len)
		return sch_fail(ps, "%s name \"%.80s\" is not a valid name", what, tok);
	memcpy(out, tok, len + 1);
	return JET_errSuccess;
}

static bool parse_grbit(const char *s, JET_GRBIT *pg)
{
	char *end;
	unsigned long v;

	if (strncmp(s, "grbit=", 6) != 0)
		return false;
	v = strtoul(s + 6, &end, 0);
	if (*end || end == s + 6)
		return false;
	*pg |= v;
	return true;
}

static JET_ERR sch_column(sch_parser *ps, sch_def *d, char *tok)
{
	sch_col *c;
	size_t len;
	bool got, have_cp = false;
	char *paren;

	if (d->ncols >= JFS_MAX_COLS)
		return sch_fail(ps, "too many columns");
	c = &d->cols[d->ncols];
	memset(c, 0, sizeof(*c));
	CallR(sch_token(ps, tok, &len, &got));
	if (!got)
		return sch_fail(ps, "a column needs a name and a type");
	CallR(sch_name(ps, tok, len, c->name, "column"));
	for (int i = 0; i < d->ncols; i++)
		if (strcasecmp(d->cols[i].name, c->name) == 0)
			return sch_fail(ps, "column \"%s\" is defined twice", c->name);
	CallR(sch_token(ps, tok, &len, &got));
	if (!got)
		return sch_fail(ps, "column \"%s\" needs a type", c->name);
	paren = strchr(tok, '(');
	if (paren) {
		char *end;
		c->cbMax = strtoul(paren + 1, &end, 10);
		if (end == paren + 1 || strcmp(end, ")") != 0)
			return sch_fail(ps, "\"%s\": a size is written Type(N)", tok);
		*paren = 0;
	}
	c->coltyp = 0;
	for (size_t k = 0; k < NELEM(k_types); k++)
		if (strcasecmp(tok, k_types[k].name) == 0)
			c->coltyp = k_types[k].coltyp;
	if (!c->coltyp)
		return sch_fail(ps, "unknown column type \"%.80s\"", tok);
	if (paren && type_fixed(c->coltyp))
		return sch_fail(ps, "type %s has no size", tok);
	for (;;) {
		size_t k;
		CallR(sch_token(ps, tok, &len, &got));
		if (!got)
			break;
		for (k = 0; k < NELEM(k_colflags); k++)
			if (strcmp(tok, k_colflags[k].name) == 0) {
				c->grbit |= k_colflags[k].bit;
				break;
			}
		if (k < NELEM(k_colflags) || parse_grbit(tok, &c->grbit))
			continue;
		if (strncmp(tok, "cp=", 3) == 0) {
			char *end;
			c->cp = (unsigned)strtoul(tok + 3, &end, 10);
			if (*end || end == tok + 3)
				return sch_fail(ps, "\"%s\": cp=N", tok);
			have_cp = true;
			continue;
		}
		if (strncmp(tok, "default=", 8) == 0) {
			if (c->has_default)
				return sch_fail(ps, "two defaults for column \"%s\"", c->name);
			c->has_default = true;
			csv_buf_init(&c->def);
			CallR(csv_buf_append(&c->def, tok + 8, len - 8)); /* the text, for now */
			continue;
		}
		return sch_fail(ps, "column \"%s\": unknown word \"%.80s\"", c->name, tok);
	}
	if (have_cp && !type_text(c->coltyp))
		return sch_fail(ps, "column \"%s\": only text has a code page", c->name);
	if (type_text(c->coltyp) && !have_cp)
		c->cp = 1252; /* the engine's default */
	d->ncols++;           /* owns c->def from here */
	if (c->has_default) {
		const char *why = NULL;
		csv_buf v;
		csv_buf_init(&v);
		if (csv_parse_value(c->coltyp, c->cp, c->def.p ? c->def.p : "", c->def.len, &v,
				    &why) < 0) {
			csv_buf_free(&v);
			return sch_fail(ps, "column \"%s\": the default does not parse: %s",
					c->name, why ? why : "bad value");
		}
		csv_buf_free(&c->def);
		c->def = v;
	}
	return JET_errSuccess;
}

static JET_ERR sch_index_line(sch_parser *ps, sch_def *d, char *tok)
{
	sch_index *x;
	size_t len;
	bool got;

	if (d->nindexes >= (int)NELEM(d->indexes))
		return sch_fail(ps, "too many indexes");
	x = &d->indexes[d->nindexes];
	memset(x, 0, sizeof(*x));
	CallR(sch_token(ps, tok, &len, &got));
	if (!got)
		return sch_fail(ps, "an index needs a name");
	CallR(sch_name(ps, tok, len, x->name, "index"));
	for (int i = 0; i < d->nindexes; i++)
		if (strcasecmp(d->indexes[i].name, x->name) == 0)
			return sch_fail(ps, "index \"%s\" is defined twice", x->name);
	for (;;) {
		size_t k;
		CallR(sch_token(ps, tok, &len, &got));
		if (!got)
			break;
		if (tok[0] == '+' || tok[0] == '-') {
			if (x->nseg >= JET_ccolKeyMost)
				return sch_fail(ps, "index \"%s\": more than %d columns", x->name,
						JET_ccolKeyMost);
			CallR(sch_name(ps, tok + 1, len - 1, x->seg[x->nseg], "key column"));
			x->desc[x->nseg++] = tok[0] == '-';
			continue;
		}
		for (k = 0; k < NELEM(k_ixflags); k++)
			if (strcmp(tok, k_ixflags[k].name) == 0) {
				x->grbit |= k_ixflags[k].bit;
				break;
			}
		if (k < NELEM(k_ixflags) || parse_grbit(tok, &x->grbit))
			continue;
		return sch_fail(ps, "index \"%s\": unknown word \"%.80s\"", x->name, tok);
	}
	if (x->nseg == 0)
		return sch_fail(ps, "index \"%s\" has no key columns (+col or -col)", x->name);
	for (int i = 0; i < x->nseg; i++) {
		bool found = false;
		for (int c = 0; c < d->ncols; c++)
			found |= strcasecmp(d->cols[c].name, x->seg[i]) == 0;
		if (!found)
			return sch_fail(ps, "index \"%s\": no column \"%s\"", x->name, x->seg[i]);
	}
	d->nindexes++;
	return JET_errSuccess;
}

static void sch_def_free(sch_def *d)
{
	for (int i = 0; i < d->ncols; i++)
		if (d->cols[i].has_default)
			csv_buf_free(&d->cols[i].def);
}

static JET_ERR sch_parse(sch_parser *ps, sch_def *d)
{
	char *tok = malloc(SCH_TOKEN_MAX);
	JET_ERR err = JET_errSuccess;
	size_t len;
	bool got;

	if (!tok)
		return JET_errOutOfMemory;
	d->ncols = d->nindexes = 0;
	ps->line = 1;
	while (ps->p < ps->end) {
		unsigned long line = ps->line;
		Call(sch_token(ps, tok, &len, &got));
		if (!got)
			continue;
		if (strcmp(tok, "column") == 0)
			err = sch_column(ps, d, tok);
		else if (strcmp(tok, "index") == 0)
			err = sch_index_line(ps, d, tok);
		else
			err = sch_fail(
			    ps, "a line starts with \"column\" or \"index\", not \"%.80s\"", tok);
		if (err < 0) {
			ps->line = line;
			goto HandleError;
		}
	}
	if (d->ncols == 0 && d->nindexes)
		err = sch_fail(ps, "indexes without columns");
HandleError:
	free(tok);
	return err;
}

/* ------------------------------------------------------------------ */
/* Applying                                                           */
/* ------------------------------------------------------------------ */

static int def_col(const sch_def *d, const char *name)
{
	for (int i = 0; i < d->ncols; i++)
		if (strcasecmp(d->cols[i].name, name) == 0)
			return i;
	return -1;
}

static int tab_col(const jfs_table *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcasecmp(t->cols[i].name, name) == 0)
			return i;
	return -1;
}

static int def_index(const sch_def *d, const char *name)
{
	for (int i = 0; i < d->nindexes; i++)
		if (strcasecmp(d->indexes[i].name, name) == 0)
			return i;
	return -1;
}

static int tab_index(const jfs_table *t, const char *name)
{
	for (int i = 0; i < t->nindexes; i++)
		if (strcasecmp(t->indexes[i].name, name) == 0)
			return i;
	return -1;
}

static bool col_same(const sch_col *w, const jfs_col *c)
{
	if (w->coltyp != c->coltyp)
		return false;
	if (type_text(w->coltyp) && w->cp != c->cp)
		return false;
	if (!type_fixed(w->coltyp) && w->cbMax != c->cbMax)
		return false;
	if (col_grbit_norm(w->coltyp, w->grbit) != col_grbit_norm(c->coltyp, c->grbit))
		return false;
	if (w->has_default != (c->pvDefault != NULL))
		return false;
	return !w->has_default ||
	       (w->def.len == c->cbDefault &&
		memcmp(w->def.p ? w->def.p : "", c->pvDefault, c->cbDefault) == 0);
}

/* The grbit the engine keeps for an index defined with g (a primary index
 * is unique). */
static JET_GRBIT ix_grbit_norm(JET_GRBIT g)
{
	if (g & JET_bitIndexPrimary)
		g |= JET_bitIndexUnique;
	return g;
}

static bool index_same(const sch_index *w, const jfs_table *t, const jfs_index *x)
{
	if (ix_grbit_norm(w->grbit) != ix_grbit_norm(x->grbit) || w->nseg != x->nseg)
		return false;
	for (int i = 0; i < w->nseg; i++)
		if (strcasecmp(w->seg[i], t->cols[x->seg[i]].name) != 0 || w->desc[i] != x->desc[i])
			return false;
	return true;
}

static JET_ERR add_column(JET_SESID ses, JET_TABLEID tid, const sch_col *c)
{
	JET_COLUMNDEF cd;
	JET_COLUMNID id;

	memset(&cd, 0, sizeof(cd));
	cd.cbStruct = sizeof(cd);
	cd.coltyp = c->coltyp;
	cd.cbMax = c->cbMax;
	cd.cp = (unsigned short)c->cp;
	cd.grbit = c->grbit;
	if (c->grbit & JET_bitColumnMultiValued) /* the format implies it; the engine wants it */
		cd.grbit |= JET_bitColumnTagged;
	return JetAddColumn(ses, tid, c->name, &cd,
			    c->has_default ? (c->def.p ? c->def.p : "") : NULL,
			    c->has_default ? (unsigned long)c->def.len : 0, &id);
}

static JET_ERR create_index(JET_SESID ses, JET_TABLEID tid, const sch_index *x)
{
	char key[JET_ccolKeyMost * (JET_cbNameMost + 2) + 1];
	size_t n = 0;

	for (int i = 0; i < x->nseg; i++) {
		size_t l = strlen(x->seg[i]);
		key[n++] = x->desc[i] ? '-' : '+';
		memcpy(key + n, x->seg[i], l + 1);
		n += l + 1;
	}
	key[n++] = 0;
	return JetCreateIndex(ses, tid, x->name, x->grbit, key, (unsigned long)n, 100);
}

/* Creates table name with definition d; the cursor stays open in *ptid. */
static JET_ERR create_table(jfs_sess *s, const char *name, const sch_def *d, JET_TABLEID *ptid,
			    char *reason, size_t cbReason)
{
	JET_ERR err;

	*ptid = JET_tableidNil;
	err = JetCreateTable(s->sesid, s->dbid, name, 0, 100, ptid);
	if (err < 0) {
		snprintf(reason, cbReason, "cannot create table: %s", JetErrorDescription(err));
		return err;
	}
	for (int i = 0; i < d->ncols; i++) {
		err = add_column(s->sesid, *ptid, &d->cols[i]);
		if (err < 0) {
			snprintf(reason, cbReason, "column \"%s\": %s", d->cols[i].name,
				 JetErrorDescription(err));
			return err;
		}
	}
	for (int i = 0; i < d->nindexes; i++) {
		err = create_index(s->sesid, *ptid, &d->indexes[i]);
		if (err < 0) {
			snprintf(reason, cbReason, "index \"%s\": %s", d->indexes[i].name,
				 JetErrorDescription(err));
			return err;
		}
	}
	return JET_errSuccess;
}

/* One column's values of the cursor's record into vals. */
static JET_ERR load_values(JET_SESID ses, JET_TABLEID tid, const jfs_col *c, csv_values *vals,
			   csv_buf *tmp)
{
	bool multi = (c->grbit & JET_bitColumnMultiValued) != 0;

	vals->n = 0;
	vals->data.len = 0;
	for (unsigned long itag = 1;; itag++) {
		JET_RETINFO ri = {sizeof(ri), 0, itag, 0};
		unsigned long cb = 0;
		JET_ERR err;

		if (tmp->cap < 256)
			CallR(csv_buf_reserve(tmp, 256));
		err = JetRetrieveColumn(ses, tid, c->id, tmp->p, (unsigned long)tmp->cap, &cb, 0,
					&ri);
		if (err == JET_wrnBufferTruncated) {
			CallR(csv_buf_reserve(tmp, cb));
			err = JetRetrieveColumn(ses, tid, c->id, tmp->p, (unsigned long)tmp->cap,
						&cb, 0, &ri);
		}
		CallR(err);
		if (err == JET_wrnColumnNull)
			return JET_errSuccess;
		if (vals->n == vals->cap) {
			size_t cap = vals->cap ? vals->cap * 2 : 4;
			csv_span *v = jet_realloc(vals->v, cap * sizeof(*v));
			if (!v)
				return JET_errOutOfMemory;
			vals->v = v;
			vals->cap = cap;
		}
		vals->v[vals->n].off = vals->data.len;
		vals->v[vals->n].cb = cb;
		CallR(csv_buf_append(&vals->data, tmp->p, cb));
		vals->n++;
		if (!multi)
			return JET_errSuccess;
	}
}

/* The rendered length of all rows of table t (open as tid). */
static JET_ERR count_bytes(JET_SESID ses, JET_TABLEID tid, const jfs_table *t, int64_t *ptotal)
{
	JET_ERR err = JET_errSuccess;
	csv_values *vals = calloc((size_t)t->ncols + 1, sizeof(*vals));
	csv_field *f = calloc((size_t)t->ncols + 1, sizeof(*f));
	csv_value *cv = NULL;
	size_t cvcap = 0;
	csv_buf tmp;

	csv_buf_init(&tmp);
	*ptotal = 0;
	if (!vals || !f)
		Error(JET_errOutOfMemory);
	for (err = JetMove(ses, tid, JET_MoveFirst, 0); err >= 0;
	     err = JetMove(ses, tid, JET_MoveNext, 0)) {
		size_t total = 0, k = 0;
		uint64_t cb;
		for (int i = 0; i < t->ncols; i++) {
			Call(load_values(ses, tid, &t->cols[i], &vals[i], &tmp));
			total += vals[i].n;
		}
		if (total > cvcap) {
			csv_value *ncv = realloc(cv, total * sizeof(*cv));
			if (!ncv)
				Error(JET_errOutOfMemory);
			cv = ncv;
			cvcap = total;
		}
		for (int i = 0; i < t->ncols; i++) {
			f[i].coltyp = t->cols[i].coltyp;
			f[i].cp = t->cols[i].cp;
			f[i].multi = (t->cols[i].grbit & JET_bitColumnMultiValued) != 0;
			f[i].nvalues = vals[i].n;
			f[i].values = cv + k;
			for (size_t j = 0; j < vals[i].n; j++, k++) {
				cv[k].pv = vals[i].data.p + vals[i].v[j].off;
				cv[k].cb = vals[i].v[j].cb;
			}
		}
		Call(csv_row_length(f, (size_t)t->ncols, &cb));
		*ptotal += (int64_t)cb;
	}
	if (err == JET_errNoCurrentRecord)
		err = JET_errSuccess;
HandleError:
	if (vals)
		for (int i = 0; i < t->ncols; i++)
			csv_values_free(&vals[i]);
	free(vals);
	free(f);
	free(cv);
	csv_buf_free(&tmp);
	return err;
}

/* Copies every row of src (definition ts) into dst (definition td),
 * columns matched by name, values converted through their text when the
 * type or code page differs. */
static JET_ERR copy_rows(JET_SESID ses, JET_TABLEID src, const jfs_table *ts, JET_TABLEID dst,
			 const jfs_table *td, char *reason, size_t cbReason)
{
	JET_ERR err = JET_errSuccess;
	csv_values vals;
	csv_buf tmp, text, conv;
	unsigned long row = 0;

	csv_values_init(&vals);
	csv_buf_init(&tmp);
	csv_buf_init(&text);
	csv_buf_init(&conv);
	for (err = JetMove(ses, src, JET_MoveFirst, 0); err >= 0;
	     err = JetMove(ses, src, JET_MoveNext, 0)) {
		row++;
		Call(JetPrepareUpdate(ses, dst, JET_prepInsert));
		for (int i = 0; i < td->ncols; i++) {
			const jfs_col *cd = &td->cols[i];
			int j = tab_col(ts, cd->name);
			const jfs_col *cs;
			bool same;

			if (j < 0 || (cd->grbit & JET_bitColumnAutoincrement))
				continue;
			cs = &ts->cols[j];
			same = cs->coltyp == cd->coltyp && cs->cp == cd->cp;
			Call(load_values(ses, src, cs, &vals, &tmp));
			if (vals.n > 1 && !(cd->grbit & JET_bitColumnMultiValued)) {
				snprintf(reason, cbReason,
					 "row %lu: column %s has %zu values, the new column one",
					 row, cd->name, vals.n);
				Error(JET_errMultiValuedColumnMustBeTagged);
			}
			for (size_t k = 0; k < vals.n; k++) {
				const char *pv = vals.data.p + vals.v[k].off;
				size_t cb = vals.v[k].cb;
				JET_SETINFO si = {sizeof(si), 0, 0};
				if (!same) {
					const char *why = NULL;
					text.len = 0;
					conv.len = 0;
					Call(csv_render_value(cs->coltyp, cs->cp, pv, cb, &text));
					err = csv_parse_value(cd->coltyp, cd->cp,
							      text.p ? text.p : "", text.len, &conv,
							      &why);
					if (err < 0) {
						/* text is not NUL-terminated: print len bytes */
						snprintf(reason, cbReason,
							 "row %lu: column %s: \"%.*s\" is not a "
							 "%s value: %s",
							 row, cd->name,
							 (int)(text.len < 60 ? text.len : 60),
							 text.p ? text.p : "", "new",
							 why ? why : JetErrorDescription(err));
						goto HandleError;
					}
					pv = conv.p ? conv.p : "";
					cb = conv.len;
				}
				err = JetSetColumn(ses, dst, cd->id, pv, (unsigned long)cb,
						   cb ? 0 : JET_bitSetZeroLength, &si);
				if (err < 0) {
					snprintf(reason, cbReason, "row %lu: column %s: %s", row,
						 cd->name, JetErrorDescription(err));
					goto HandleError;
				}
			}
		}
		err = JetUpdate(ses, dst, NULL, 0, NULL);
		if (err < 0) {
			snprintf(reason, cbReason, "row %lu: %s", row, JetErrorDescription(err));
			goto HandleError;
		}
	}
	if (err == JET_errNoCurrentRecord)
		err = JET_errSuccess;
HandleError:
	if (err < 0)
		(void)JetPrepareUpdate(ses, dst, JET_prepCancel);
	csv_values_free(&vals);
	csv_buf_free(&tmp);
	csv_buf_free(&text);
	csv_buf_free(&conv);
	return err;
}

/* Rebuilds table t as d: old -> scratch (converting), drop old, rename the
 * scratch table to the old name. */
static JET_ERR rebuild(jfs_sess *s, const jfs_table *t, const sch_def *d, char *reason,
		       size_t cbReason)
{
	JET_ERR err = JET_errSuccess;
	JET_TABLEID src = JET_tableidNil, dst = JET_tableidNil;
	jfs_table *tt = NULL;
	char scratch[JET_cbNameMost + 1];

	for (int i = 0; i < t->ncols; i++)
		if (t->cols[i].grbit & JET_bitColumnAutoincrement) {
			snprintf(
			    reason, cbReason,
			    "this change needs the table rebuilt, and its autoincrement column "
			    "%s would be renumbered",
			    t->cols[i].name);
			return JET_errInvalidParameter;
		}
	snprintf(scratch, sizeof(scratch), "jetfs rebuild %lu", t->objid);
	Call(create_table(s, scratch, d, &dst, reason, cbReason));
	Call(JetOpenTable(s->sesid, s->dbid, t->name, NULL, 0, JET_bitTableReadOnly, &src));
	Call(jfs_table_load(s, scratch, &tt));
	Call(copy_rows(s->sesid, src, t, dst, tt, reason, cbReason));
	(void)JetCloseTable(s->sesid, src);
	(void)JetCloseTable(s->sesid, dst);
	src = dst = JET_tableidNil;
	err = JetDeleteTable(s->sesid, s->dbid, t->name);
	if (err < 0) {
		snprintf(reason, cbReason, "cannot replace the table: %s",
			 JetErrorDescription(err));
		goto HandleError;
	}
	err = JetRenameTable(s->sesid, s->dbid, scratch, t->name);
	if (err < 0) {
		snprintf(reason, cbReason, "cannot rename the rebuilt table: %s",
			 JetErrorDescription(err));
		goto HandleError;
	}
HandleError:
	if (src != JET_tableidNil)
		(void)JetCloseTable(s->sesid, src);
	if (dst != JET_tableidNil)
		(void)JetCloseTable(s->sesid, dst);
	if (tt)
		jfs_table_put(tt);
	return err;
}

/* Sets the counters right: bytes recounted, mods to what cModifications
 * becomes with this commit. */
static JET_ERR fix_counters(jfs_sess *s, const char *name)
{
	JET_ERR err = JET_errSuccess;
	JET_TABLEID tid = JET_tableidNil;
	JET_TABLESTATE st;
	jfs_table *t = NULL;
	int64_t total;

	Call(jfs_table_load(s, name, &t));
	Call(JetOpenTable(s->sesid, s->dbid, name, NULL, 0, 0, &tid));
	Call(count_bytes(s->sesid, tid, t, &total));
	memset(&st, 0, sizeof(st));
	st.cbStruct = sizeof(st);
	Call(JetGetTableState(s->sesid, tid, &st));
	Call(JetAddTableCounter(s->sesid, tid, JFS_COUNTER_BYTES,
				total - st.rgCounter[JFS_COUNTER_BYTES]));
	Call(JetAddTableCounter(s->sesid, tid, JFS_COUNTER_MODS,
				(long long)st.cModifications + 1 - st.rgCounter[JFS_COUNTER_MODS]));
HandleError:
	if (tid != JET_tableidNil)
		(void)JetCloseTable(s->sesid, tid);
	if (t)
		jfs_table_put(t);
	return err;
}

JET_ERR jfs_schema_apply(jfs *fs, jfs_sess *s, const char *table, const char *text, size_t len)
{
	JET_ERR err = JET_errSuccess;
	sch_parser ps;
	sch_def *d = calloc(1, sizeof(*d));
	jfs_table *t = NULL;
	JET_TABLEID tid = JET_tableidNil;
	bool inTxn = false, changed = false, need_rebuild = false;
	char reason[512] = "";

	if (!d)
		return JET_errOutOfMemory;
	memset(&ps, 0, sizeof(ps));
	ps.p = text;
	ps.end = text + len;
	err = sch_parse(&ps, d);
	if (err < 0) {
		jfs_log(fs, table, ps.line, "%s",
			ps.reason[0] ? ps.reason : JetErrorDescription(err));
		goto Done;
	}
	Call(JetBeginTransaction(s->sesid));
	inTxn = true;
	err = jfs_table_load(s, table, &t);
	if (err == JET_errObjectNotFound) {
		Call(create_table(s, table, d, &tid, reason, sizeof(reason)));
		changed = true;
	} else {
		Call(err);
		for (int i = 0; i < t->ncols && !need_rebuild; i++) {
			int j = def_col(d, t->cols[i].name);
			need_rebuild = j >= 0 && !col_same(&d->cols[j], &t->cols[i]);
		}
		/* the primary index orders the records: it cannot change in place */
		if (!need_rebuild && t->primary >= 0) {
			const jfs_index *px = &t->indexes[t->primary];
			int j = def_index(d, px->name);
			need_rebuild = j < 0 || !index_same(&d->indexes[j], t, px);
		}
		if (!need_rebuild && t->primary < 0)
			for (int j = 0; j < d->nindexes; j++)
				need_rebuild |= (d->indexes[j].grbit & JET_bitIndexPrimary) != 0;
		if (need_rebuild) {
			Call(rebuild(s, t, d, reason, sizeof(reason)));
			changed = true;
		} else {
			/* in place (the table keeps its objid, so its inode): indexes
			 * that go or change are dropped, then columns that go, then
			 * new columns and indexes added */
			Call(JetOpenTable(s->sesid, s->dbid, table, NULL, 0, JET_bitTablePermitDDL,
					  &tid));
			for (int i = 0; i < t->nindexes; i++) {
				int j = def_index(d, t->indexes[i].name);
				if (i == t->primary ||
				    (j >= 0 && index_same(&d->indexes[j], t, &t->indexes[i])))
					continue;
				err = JetDeleteIndex(s->sesid, tid, t->indexes[i].name);
				if (err < 0) {
					snprintf(reason, sizeof(reason), "index \"%s\": %s",
						 t->indexes[i].name, JetErrorDescription(err));
					goto HandleError;
				}
				changed = true;
			}
			for (int i = 0; i < t->ncols; i++) {
				if (def_col(d, t->cols[i].name) >= 0)
					continue;
				err = JetDeleteColumn(s->sesid, tid, t->cols[i].name);
				if (err < 0) {
					snprintf(reason, sizeof(reason), "column \"%s\": %s",
						 t->cols[i].name, JetErrorDescription(err));
					goto HandleError;
				}
				changed = true;
			}
			for (int i = 0; i < d->ncols; i++) {
				if (tab_col(t, d->cols[i].name) >= 0)
					continue;
				err = add_column(s->sesid, tid, &d->cols[i]);
				if (err < 0) {
					snprintf(reason, sizeof(reason), "column \"%s\": %s",
						 d->cols[i].name, JetErrorDescription(err));
					goto HandleError;
				}
				changed = true;
			}
			for (int i = 0; i < d->nindexes; i++) {
				int j = tab_index(t, d->indexes[i].name);
				if (j >= 0 && index_same(&d->indexes[i], t, &t->indexes[j]))
					continue;
				err = create_index(s->sesid, tid, &d->indexes[i]);
				if (err < 0) {
					snprintf(reason, sizeof(reason), "index \"%s\": %s",
						 d->indexes[i].name, JetErrorDescription(err));
					goto HandleError;
				}
				changed = true;
			}
		}
	}
	if (tid != JET_tableidNil)
		(void)JetCloseTable(s->sesid, tid);
	tid = JET_tableidNil;
	if (!changed) {
		(void)JetRollback(s->sesid, 0); /* nothing to commit */
		inTxn = false;
		goto Done;
	}
	Call(fix_counters(s, table));
	err = JetCommitTransaction(s->sesid, 0);
	if (err < 0) {
		snprintf(reason, sizeof(reason), "commit failed: %s", JetErrorDescription(err));
		goto HandleError;
	}
	inTxn = false;
HandleError:
	if (err < 0)
		jfs_log(fs, table, 0, "%s", reason[0] ? reason : JetErrorDescription(err));
	if (tid != JET_tableidNil)
		(void)JetCloseTable(s->sesid, tid);
	if (inTxn)
		(void)JetRollback(s->sesid, 0);
Done:
	if (t)
		jfs_table_put(t);
	sch_def_free(d);
	free(d);
	return err;
}
