/*
 * apply.c - writing a table through its file: the writer (checks bytes as
 * they arrive, stages them) and the apply (one transaction that makes the
 * table hold exactly the staged text). Contracts in jetfs.h.
 *
 * The writer
 *   Bytes go to a jfs_stage. While writes come at increasing offsets (each
 *   starting where the previous ended: cp, cat, rsync, a shell redirection)
 *   they are also fed to a CSV parser whose row callback checks each row
 *   against the table's definition loaded at open: the header's names are
 *   columns (JET_errColumnNotFound), each field parses for its column type
 *   and the row has as many fields as the header (JET_errInvalidParameter),
 *   no explicit NULL in a NOT NULL column without a default
 *   (JET_errNullInvalid). An error fails that write and every later one and
 *   the commit (sticky; the table is never touched). A write at an earlier
 *   offset, or a truncate to a size other than 0, ends this checking; the
 *   commit checks everything anyway. start_from_current stages begin with
 *   the table's rendering and are checked only at commit.
 *
 * The apply (jfs_writer_commit, jfs_apply_text)
 *   One nested transaction of the session (JetBeginTransaction ...
 *   JetCommitTransaction: for an implicit session at level 0 this is the
 *   durable level-0 commit; in a named session it merges into the
 *   session's transaction). The staged text is parsed again from the start
 *   and each row applied as it is parsed (memory: one row, plus the key set
 *   below):
 *
 *   - Primary key: each row's key is made with JetMakeKey (the engine's own
 *     normalization) and read back with JetRetrieveKey(JET_bitRetrieveCopy).
 *     While rows come in ascending key order a merge join walks a cursor
 *     over the table alongside: records with smaller keys were not in the
 *     file and are deleted, an equal key is a match, else the row is
 *     inserted. The first row out of order switches to seeks for the rest:
 *     keys below the merge cursor's position B are all claimed already (a
 *     match there is a duplicate key in the file), keys at or above B are
 *     remembered in an in-memory set (their bytes; memory proportional to
 *     the rows after the switch, at most JET_cbKeyMost + 16 bytes each) to
 *     find duplicates and to know at the end which records from B on to
 *     delete. A sorted file (every file jetfs renders) needs no set.
 *   - Hidden sequential key (no primary index): row i matches record i.
 *   - A match compares the values column by column (values, not text: the
 *     text is a function of the value, so equal values render equally) and
 *     replaces only the columns that differ; an unchanged record is not
 *     written at all.
 *   - Columns absent from the header: inserted records get the column's
 *     default (NULL if none; autoincrement columns their next value);
 *     matched records keep their value. A NULL for a column with a default
 *     value stands for the default (the engine shows the default for a NULL
 *     column, so nothing else could round-trip).
 *   - Autoincrement columns cannot be set (the engine refuses, as ESE
 *     does): on insert the engine assigns the value; a matched record whose
 *     file value differs is JET_errColumnNotUpdatable. A row whose key is
 *     a NULL/absent autoincrement column is always inserted.
 *   - APPEND inserts every row (a duplicate key is the engine's
 *     JET_errKeyDuplicate). If its first line is the header exactly (the
 *     column names in column order), it is skipped, so `cat a.csv >> t.csv`
 *     of a file with a header works.
 *   - A table that does not exist (or has no columns) gets its columns from
 *     the header: LongText, code page 65001, in header order; a new table
 *     has no primary index (hidden sequential key). An empty text creates a
 *     table without columns. A schema written first (.schema/NAME) has
 *     created the table already, so it is simply used.
 *   - Counters (jetfs.h "Sizes"): every insert, replace and delete adds its
 *     row-length delta (csv_row_length of the row's values, LF included)
 *     to JFS_COUNTER_BYTES; a commit that changed the table adds 1 to
 *     JFS_COUNTER_MODS. A commit that changes nothing is rolled back, so
 *     the table's version does not move.
 *   Any error rolls the transaction back (the table is as it was) and is
 *   logged with jfs_log: table, the line the row starts on, the reason.
 *
 * Locking: these functions make JET calls on s->sesid; the caller holds
 * s->mu across jfs_writer_open, jfs_writer_commit and jfs_apply_text, and
 * serializes the calls on one writer (it is not thread-safe itself).
 * jfs_writer_write/read/truncate make no JET call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jet_common.h"
#include "jetfs.h"

#define APPLY_CHUNK ((size_t)1 << 16)
#define APPLY_KEY_MAX 4096
/* A staged text at least this big is applied holding the table against
 * other writers (JET_bitTableDenyWrite): the engine then keeps no lock entry
 * per row written (docs/fs.md "Large loads"). Smaller applies lock row by
 * row, so concurrent writers of other rows go on as before. */
#define APPLY_EXCL_BYTES ((uint64_t)8 << 20)

/* ------------------------------------------------------------------ */
/* A set of byte strings (normalized keys)                            */
/* ------------------------------------------------------------------ */

typedef struct keyset {
	uint8_t **slot; /* each: u16 length + bytes, or NULL */
	size_t cap, n;
} keyset;

static uint64_t key_hash(const uint8_t *k, size_t cb)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < cb; i++)
		h = (h ^ k[i]) * 0x100000001b3ull;
	return h;
}

static bool keyset_eq(const uint8_t *e, const uint8_t *k, size_t cb)
{
	uint16_t cbE;
	memcpy(&cbE, e, 2);
	return cbE == cb && memcmp(e + 2, k, cb) == 0;
}

static bool keyset_has(const keyset *ks, const uint8_t *k, size_t cb)
{
	size_t i;

	if (!ks->cap)
		return false;
	for (i = key_hash(k, cb) & (ks->cap - 1); ks->slot[i]; i = (i + 1) & (ks->cap - 1))
		if (keyset_eq(ks->slot[i], k, cb))
			return true;
	return false;
}

static JET_ERR keyset_add(keyset *ks, const uint8_t *k, size_t cb)
{
	size_t i;
	uint8_t *e;
	uint16_t cb16 = (uint16_t)cb;

	if ((ks->n + 1) * 2 > ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 1024;
		uint8_t **slot = calloc(cap, sizeof(*slot));
		if (!slot)
			return JET_errOutOfMemory;
		for (size_t j = 0; j < ks->cap; j++) {
			uint16_t cbE;
			if (!ks->slot[j])
				continue;
			memcpy(&cbE, ks->slot[j], 2);
			for (i = key_hash(ks->slot[j] + 2, cbE) & (cap - 1); slot[i];
			     i = (i + 1) & (cap - 1))
				;
			slot[i] = ks->slot[j];
		}
		free(ks->slot);
		ks->slot = slot;
		ks->cap = cap;
	}
	for (i = key_hash(k, cb) & (ks->cap - 1); ks->slot[i]; i = (i + 1) & (ks->cap - 1))
		if (keyset_eq(ks->slot[i], k, cb))
			return JET_errSuccess;
	e = malloc(cb + 2);
	if (!e)
		return JET_errOutOfMemory;
	memcpy(e, &cb16, 2);
	memcpy(e + 2, k, cb);
	ks->slot[i] = e;
	ks->n++;
	return JET_errSuccess;
}

static void keyset_free(keyset *ks)
{
	for (size_t i = 0; i < ks->cap; i++)
		free(ks->slot[i]);
	free(ks->slot);
	memset(ks, 0, sizeof(*ks));
}

static int key_cmp(const uint8_t *a, size_t cba, const uint8_t *b, size_t cbb)
{
	int d = memcmp(a, b, cba < cbb ? cba : cbb);
	if (d)
		return d;
	return cba < cbb ? -1 : cba > cbb;
}

/* ------------------------------------------------------------------ */
/* Values of a row                                                    */
/* ------------------------------------------------------------------ */

static JET_ERR vals_push(csv_values *vals, const void *pv, size_t cb)
{
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
	CallR(csv_buf_append(&vals->data, pv, cb));
	vals->n++;
	return JET_errSuccess;
}

static void vals_clear(csv_values *vals)
{
	vals->n = 0;
	vals->data.len = 0;
}

static bool vals_equal(const csv_values *a, const csv_values *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].cb != b->v[i].cb ||
		    (a->v[i].cb && memcmp(a->data.p + a->v[i].off, b->data.p + b->v[i].off, a->v[i].cb) != 0))
			return false;
	return true;
}

static bool vals_is_default(const jfs_col *c, const csv_values *v)
{
	return c->pvDefault && v->n == 1 && v->v[0].cb == c->cbDefault &&
	       memcmp(v->data.p + v->v[0].off, c->pvDefault, c->cbDefault) == 0;
}

/* Scratch for one table: per column, a values holder and field structs. */
typedef struct rowbuf {
	int ncols;
	csv_values *v;
	csv_field *f;
	csv_value *cv; /* flattened, for csv_row_length */
	size_t cvcap;
} rowbuf;

static JET_ERR rowbuf_init(rowbuf *rb, int ncols)
{
	memset(rb, 0, sizeof(*rb));
	rb->ncols = ncols;
	rb->v = calloc((size_t)ncols + 1, sizeof(*rb->v));
	rb->f = calloc((size_t)ncols + 1, sizeof(*rb->f));
	if (!rb->v || !rb->f)
		return JET_errOutOfMemory;
	for (int i = 0; i < ncols; i++)
		csv_values_init(&rb->v[i]);
	return JET_errSuccess;
}

static void rowbuf_free(rowbuf *rb)
{
	if (rb->v)
		for (int i = 0; i < rb->ncols; i++)
			csv_values_free(&rb->v[i]);
	free(rb->v);
	free(rb->f);
	free(rb->cv);
	memset(rb, 0, sizeof(*rb));
}

/* Points fields at the values: column i takes rb->v[i] unless over[i]
 * (then ov->v[i]). */
static JET_ERR rowbuf_fields(const jfs_table *t, rowbuf *rb, const rowbuf *ov, const bool *over)
{
	size_t total = 0, k = 0;

	for (int i = 0; i < t->ncols; i++)
		total += (over && over[i]) ? ov->v[i].n : rb->v[i].n;
	if (total > rb->cvcap) {
		csv_value *cv = realloc(rb->cv, total * sizeof(*cv));
		if (!cv)
			return JET_errOutOfMemory;
		rb->cv = cv;
		rb->cvcap = total;
	}
	for (int i = 0; i < t->ncols; i++) {
		const csv_values *v = (over && over[i]) ? &ov->v[i] : &rb->v[i];
		csv_field *f = &rb->f[i];

		f->coltyp = t->cols[i].coltyp;
		f->cp = t->cols[i].cp;
		f->multi = (t->cols[i].grbit & JET_bitColumnMultiValued) != 0;
		f->nvalues = v->n;
		f->values = rb->cv + k;
		for (size_t j = 0; j < v->n; j++, k++) {
			rb->cv[k].pv = v->data.p + v->v[j].off;
			rb->cv[k].cb = v->v[j].cb;
		}
	}
	return JET_errSuccess;
}

static JET_ERR rowbuf_length(const jfs_table *t, rowbuf *rb, const rowbuf *ov, const bool *over,
			     uint64_t *pcb)
{
	CallR(rowbuf_fields(t, rb, ov, over));
	return csv_row_length(rb->f, (size_t)t->ncols, pcb);
}

/* Reads every column of the cursor's record into rb. */
static JET_ERR rowbuf_load(JET_SESID ses, JET_TABLEID tid, const jfs_table *t, rowbuf *rb,
			   csv_buf *tmp)
{
	for (int i = 0; i < t->ncols; i++) {
		const jfs_col *c = &t->cols[i];
		bool multi = (c->grbit & JET_bitColumnMultiValued) != 0;
		csv_values *v = &rb->v[i];

		vals_clear(v);
		for (unsigned long itag = 1;; itag++) {
			JET_RETINFO ri = {sizeof(ri), 0, itag, 0};
			unsigned long cb = 0;
			JET_ERR err;

			if (tmp->cap < 256)
				CallR(csv_buf_reserve(tmp, 256));
			err = JetRetrieveColumn(ses, tid, c->id, tmp->p, (unsigned long)tmp->cap,
						&cb, 0, &ri);
			if (err == JET_wrnBufferTruncated) {
				CallR(csv_buf_reserve(tmp, cb));
				err = JetRetrieveColumn(ses, tid, c->id, tmp->p,
							(unsigned long)tmp->cap, &cb, 0, &ri);
			}
			CallR(err);
			if (err == JET_wrnColumnNull)
				break;
			CallR(vals_push(v, tmp->p, cb));
			if (!multi)
				break;
		}
	}
	return JET_errSuccess;
}

/* ------------------------------------------------------------------ */
/* Rendering (start_from_current)                                     */
/* ------------------------------------------------------------------ */

static JET_ERR render_header(const jfs_table *t, csv_buf *out)
{
	const char **names = calloc((size_t)t->ncols + 1, sizeof(*names));
	JET_ERR err;

	if (!names)
		return JET_errOutOfMemory;
	for (int i = 0; i < t->ncols; i++)
		names[i] = t->cols[i].name;
	err = csv_write_header(out, names, (size_t)t->ncols, NULL);
	free(names);
	return err;
}

/* The table's rendering into a stage (header + rows in key order). */
static JET_ERR render_into_stage(jfs_sess *s, const jfs_table *t, jfs_stage *st)
{
	JET_ERR err = JET_errSuccess;
	JET_TABLEID tid = JET_tableidNil;
	csv_buf out, tmp;
	rowbuf rb;

	csv_buf_init(&out);
	csv_buf_init(&tmp);
	Call(rowbuf_init(&rb, t->ncols));
	if (t->ncols == 0)
		goto HandleError;
	Call(render_header(t, &out));
	Call(JetOpenTable(s->sesid, s->dbid, t->name, NULL, 0, JET_bitTableReadOnly, &tid));
	for (err = JetMove(s->sesid, tid, JET_MoveFirst, 0); err >= 0;
	     err = JetMove(s->sesid, tid, JET_MoveNext, 0)) {
		Call(rowbuf_load(s->sesid, tid, t, &rb, &tmp));
		Call(rowbuf_fields(t, &rb, NULL, NULL));
		Call(csv_write_row(&out, rb.f, (size_t)t->ncols, NULL));
		if (out.len >= APPLY_CHUNK) {
			Call(jfs_stage_write(st, jfs_stage_size(st), out.p, out.len));
			out.len = 0;
		}
	}
	if (err != JET_errNoCurrentRecord)
		goto HandleError;
	err = JET_errSuccess;
	Call(jfs_stage_write(st, jfs_stage_size(st), out.p, out.len));
HandleError:
	if (tid != JET_tableidNil)
		(void)JetCloseTable(s->sesid, tid);
	rowbuf_free(&rb);
	csv_buf_free(&out);
	csv_buf_free(&tmp);
	return err;
}

/* ------------------------------------------------------------------ */
/* Rows: mapping fields to columns and converting them                */
/* ------------------------------------------------------------------ */

/* What a header row says. t NULL (or without columns): a table whose
 * columns the header creates; then map[] is the field number. */
typedef struct rowmap {
	const jfs_table *t;
	bool fresh;  /* columns come from the header */
	int nfields; /* fields of the header */
	int *map;    /* field -> column index */
	bool *inhdr; /* column -> present in the header */
	bool header_done;
	bool first_row; /* APPEND: the next row is the first */
	char reason[256];
} rowmap;

static JET_ERR rowmap_init(rowmap *m, const jfs_table *t, enum jfs_write_mode mode)
{
	memset(m, 0, sizeof(*m));
	m->t = t;
	m->fresh = !t || t->ncols == 0;
	m->first_row = true;
	/* APPEND to a table that has columns has no header; a fresh table
	 * needs one either way. */
	m->header_done = mode == JFS_APPEND && !m->fresh;
	if (t && t->ncols) {
		m->inhdr = calloc((size_t)t->ncols, sizeof(*m->inhdr));
		if (!m->inhdr)
			return JET_errOutOfMemory;
		if (m->header_done) {
			m->nfields = t->ncols;
			m->map = calloc((size_t)t->ncols, sizeof(*m->map));
			if (!m->map)
				return JET_errOutOfMemory;
			for (int i = 0; i < t->ncols; i++) {
				m->map[i] = i;
				m->inhdr[i] = true;
			}
		}
	}
	return JET_errSuccess;
}

static void rowmap_free(rowmap *m)
{
	free(m->map);
	free(m->inhdr);
	m->map = NULL;
	m->inhdr = NULL;
}

static JET_ERR rowmap_fail(rowmap *m, JET_ERR err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static JET_ERR rowmap_fail(rowmap *m, JET_ERR err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->reason, sizeof(m->reason), fmt, ap);
	va_end(ap);
	return err;
}

/* A printable, bounded copy of a field for messages. */
static const char *field_str(const csv_ftext *f, char *buf, size_t cb)
{
	size_t n = f->len < cb - 1 ? f->len : cb - 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = (f->p[i] >= 0x20 && f->p[i] != 0x7f) ? f->p[i] : '?';
	buf[n] = 0;
	return buf;
}

/* The header row. */
static JET_ERR rowmap_header(rowmap *m, const csv_ftext *fields, size_t nfields)
{
	char nm[JET_cbNameMost + 1];

	m->header_done = true;
	m->nfields = (int)nfields;
	m->map = calloc(nfields + 1, sizeof(*m->map));
	if (!m->map)
		return JET_errOutOfMemory;
	for (size_t i = 0; i < nfields; i++) {
		const csv_ftext *f = &fields[i];
		int col = -1;

		if (f->len == 0 || f->len > JET_cbNameMost || memchr(f->p, 0, f->len))
			return rowmap_fail(m, m->fresh ? JET_errInvalidName : JET_errColumnNotFound,
					   "header field %zu is not a column name", i + 1);
		memcpy(nm, f->p, f->len);
		nm[f->len] = 0;
		if (m->fresh) {
			col = (int)i;
		} else {
			for (int c = 0; c < m->t->ncols; c++)
				if (strcasecmp(m->t->cols[c].name, nm) == 0)
					col = c;
			if (col < 0)
				return rowmap_fail(m, JET_errColumnNotFound,
						   "unknown column \"%s\" in the header", nm);
		}
		for (size_t j = 0; j < i; j++) {
			if ((m->fresh && fields[j].len == f->len &&
			     strncasecmp(fields[j].p, f->p, f->len) == 0) ||
			    (!m->fresh && m->map[j] == col))
				return rowmap_fail(m, JET_errColumnDuplicate,
						   "column \"%s\" appears twice in the header", nm);
		}
		m->map[i] = col;
		if (!m->fresh)
			m->inhdr[col] = true;
	}
	return JET_errSuccess;
}

/* True if the row is the header exactly (the column names in order). */
static bool row_is_header(const jfs_table *t, const csv_ftext *fields, size_t nfields)
{
	if ((int)nfields != t->ncols)
		return false;
	for (size_t i = 0; i < nfields; i++)
		if (strlen(t->cols[i].name) != fields[i].len ||
		    memcmp(t->cols[i].name, fields[i].p, fields[i].len) != 0)
			return false;
	return true;
}

/* Converts a data row into rb (one csv_values per column; columns absent
 * from the header are left empty). NULL for a column with a default is the
 * default. */
static JET_ERR rowmap_convert(rowmap *m, const csv_ftext *fields, size_t nfields, rowbuf *rb)
{
	const jfs_table *t = m->t;
	char fs[64];

	if ((int)nfields != m->nfields)
		return rowmap_fail(m, JET_errInvalidParameter,
				   "the row has %zu fields, the header %d", nfields, m->nfields);
	if (m->fresh)
		return JET_errSuccess; /* LongText, cp 65001: any bytes */
	for (int i = 0; i < t->ncols; i++)
		vals_clear(&rb->v[i]);
	for (size_t i = 0; i < nfields; i++) {
		const jfs_col *c = &t->cols[m->map[i]];
		csv_values *v = &rb->v[m->map[i]];
		const char *why = NULL;
		JET_ERR err;

		err = csv_parse_field(c->coltyp, c->cp, (c->grbit & JET_bitColumnMultiValued) != 0,
				      fields[i].p, fields[i].len, fields[i].quoted, v, &why);
		if (err < 0)
			return rowmap_fail(m, err, "column %s: \"%s\": %s", c->name,
					   field_str(&fields[i], fs, sizeof(fs)),
					   why ? why : JetErrorDescription(err));
		if (c->cbMax &&
		    (c->coltyp == JET_coltypText || c->coltyp == JET_coltypBinary ||
		     c->coltyp == JET_coltypLongText || c->coltyp == JET_coltypLongBinary))
			for (size_t j = 0; j < v->n; j++)
				if (v->v[j].cb > c->cbMax)
					return rowmap_fail(
					    m, JET_errColumnTooBig,
					    "column %s: a value of %zu bytes, at most %lu", c->name,
					    v->v[j].cb, c->cbMax);
		if (v->n == 0 && c->pvDefault)
			CallR(vals_push(v, c->pvDefault, c->cbDefault));
		if (v->n == 0 && (c->grbit & JET_bitColumnNotNULL) &&
		    !(c->grbit & JET_bitColumnAutoincrement))
			return rowmap_fail(m, JET_errNullInvalid,
					   "column %s: NULL in a NOT NULL column", c->name);
	}
	return JET_errSuccess;
}

/* ------------------------------------------------------------------ */
/* The writer                                                         */
/* ------------------------------------------------------------------ */

struct jfs_writer {
	jfs *fs;
	jfs_sess *s;
	char table[JET_cbNameMost + 1];
	enum jfs_write_mode mode;
	jfs_stage *st;
	bool dirty;     /* written since the last successful commit */
	JET_ERR failed; /* sticky write-time error */
	uint64_t mtime_ns; /* utimes since the last write: the next apply's change time */
	/* incremental checking */
	jfs_table *t; /* definition at open; NULL: no such table */
	bool inc_on;
	uint64_t inc_off;
	csv_parser *inc;
	rowmap m;
	rowbuf rb;
};

static JET_ERR writer_check_row(void *ctx, uint64_t line, const csv_ftext *fields, size_t nfields)
{
	jfs_writer *w = ctx;
	JET_ERR err;

	(void)line;
	if (!w->m.header_done)
		err = rowmap_header(&w->m, fields, nfields);
	else if (w->mode == JFS_APPEND && w->m.first_row && w->t && !w->m.fresh &&
		 row_is_header(w->t, fields, nfields))
		err = JET_errSuccess;
	else
		err = rowmap_convert(&w->m, fields, nfields, &w->rb);
	w->m.first_row = false;
	if (err < 0)
		csv_parser_set_reason(w->inc, w->m.reason);
	return err;
}

static void writer_inc_stop(jfs_writer *w)
{
	csv_parser_destroy(w->inc);
	w->inc = NULL;
	w->inc_on = false;
	rowmap_free(&w->m);
}

static JET_ERR writer_inc_start(jfs_writer *w)
{
	writer_inc_stop(w);
	rowbuf_free(&w->rb);
	CallR(rowbuf_init(&w->rb, w->t ? w->t->ncols : 0));
	CallR(rowmap_init(&w->m, w->t, w->mode));
	CallR(csv_parser_create(&w->inc, NULL, writer_check_row, w));
	w->inc_on = true;
	w->inc_off = 0;
	return JET_errSuccess;
}

JET_ERR jfs_writer_open(jfs *fs, jfs_sess *s, const char *table, enum jfs_write_mode mode,
			bool start_from_current, jfs_writer **out)
{
	JET_ERR err = JET_errSuccess;
	jfs_writer *w;

	*out = NULL;
	if (!table || strlen(table) > JET_cbNameMost || (mode != JFS_REPLACE && mode != JFS_APPEND))
		return JET_errInvalidParameter;
	w = calloc(1, sizeof(*w));
	if (!w)
		return JET_errOutOfMemory;
	w->fs = fs;
	w->s = s;
	w->mode = mode;
	snprintf(w->table, sizeof(w->table), "%s", table);
	Call(jfs_stage_create(fs, &w->st));
	err = jfs_table_load(s, table, &w->t);
	if (err == JET_errObjectNotFound) {
		w->t = NULL;
		err = JET_errSuccess;
	}
	Call(err);
	if (start_from_current) {
		w->mode = JFS_REPLACE;
		if (w->t)
			Call(render_into_stage(s, w->t, w->st));
	} else {
		Call(writer_inc_start(w));
	}
	*out = w;
	return JET_errSuccess;
HandleError:
	jfs_writer_close(w);
	return err;
}

JET_ERR jfs_writer_write(jfs_writer *w, uint64_t off, const char *buf, size_t size)
{
	uint64_t line = 0;
	const char *why;
	JET_ERR err;

	if (!w)
		return JET_errInvalidParameter;
	if (w->failed < 0)
		return w->failed;
	if (w->mode == JFS_APPEND)
		off = jfs_stage_size(w->st); /* O_APPEND: always at the end */
	if (w->inc_on && off != w->inc_off)
		writer_inc_stop(w);
	if (w->inc_on) {
		err = csv_parser_feed(w->inc, buf, size);
		if (err < 0) {
			why = csv_parser_error(w->inc, &line);
			jfs_log(w->fs, w->table, (unsigned long)line, "%s",
				why ? why : JetErrorDescription(err));
			w->failed = err;
			return err;
		}
		w->inc_off = off + size;
	}
	CallR(jfs_stage_write(w->st, off, buf, size));
	w->dirty = true;
	w->mtime_ns = 0; /* a write after utimes: the commit's time, as for a file */
	return JET_errSuccess;
}

JET_ERR jfs_writer_read(jfs_writer *w, uint64_t off, char *buf, size_t size, size_t *pgot)
{
	if (!w)
		return JET_errInvalidParameter;
	return jfs_stage_read(w->st, off, buf, size, pgot);
}

JET_ERR jfs_writer_truncate(jfs_writer *w, uint64_t size)
{
	if (!w)
		return JET_errInvalidParameter;
	CallR(jfs_stage_truncate(w->st, size));
	w->dirty = true;
	w->mtime_ns = 0;
	if (size == 0) {
		/* A fresh start: earlier errors are gone with their bytes. */
		w->failed = JET_errSuccess;
		CallR(writer_inc_start(w));
	} else if (w->inc_on && size != w->inc_off) {
		writer_inc_stop(w);
	}
	return JET_errSuccess;
}

uint64_t jfs_writer_size(const jfs_writer *w)
{
	return w ? jfs_stage_size(w->st) : 0;
}

static JET_ERR apply_stage(jfs *fs, jfs_sess *s, const char *table, jfs_stage *st,
			   enum jfs_write_mode mode, uint64_t mtime_ns);

JET_ERR jfs_writer_set_mtime(jfs_writer *w, uint64_t mtime_ns)
{
	if (!w)
		return JET_errInvalidParameter;
	w->mtime_ns = mtime_ns;
	return JET_errSuccess;
}

JET_ERR jfs_writer_commit(jfs_writer *w)
{
	if (!w)
		return JET_errInvalidParameter;
	if (w->failed < 0)
		return w->failed;
	if (!w->dirty)
		return JET_errSuccess;
	CallR(apply_stage(w->fs, w->s, w->table, w->st, w->mode, w->mtime_ns));
	w->dirty = false;
	w->mtime_ns = 0;
	if (w->mode == JFS_APPEND) {
		/* Those rows are in: a later flush must not insert them again. */
		if (w->t == NULL)
			(void)jfs_table_load(w->s, w->table, &w->t);
		CallR(jfs_stage_truncate(w->st, 0));
		CallR(writer_inc_start(w));
	}
	return JET_errSuccess;
}

void jfs_writer_close(jfs_writer *w)
{
	if (!w)
		return;
	writer_inc_stop(w);
	rowbuf_free(&w->rb);
	jfs_stage_destroy(w->st);
	if (w->t)
		jfs_table_put(w->t);
	free(w);
}

JET_ERR jfs_apply_text(jfs *fs, jfs_sess *s, const char *table, jfs_stage *text,
		       uint64_t mtime_ns)
{
	if (!table || !text)
		return JET_errInvalidParameter;
	return apply_stage(fs, s, table, text, JFS_REPLACE, mtime_ns);
}

/* ------------------------------------------------------------------ */
/* The apply                                                          */
/* ------------------------------------------------------------------ */

typedef struct apply {
	jfs *fs;
	jfs_sess *s;
	JET_SESID ses;
	const char *table;
	enum jfs_write_mode mode;
	csv_parser *p;
	rowmap m;
	jfs_table *t;    /* loaded after the header (or at start) */
	bool created;    /* the table or its columns were created here */
	bool excl;       /* a large text: try to hold the table (APPLY_EXCL_BYTES) */
	JET_TABLEID cur; /* the merge cursor (REPLACE) */
	JET_TABLEID aux; /* seeks, inserts */
	rowbuf sv, rv;   /* staged row, record */
	bool *chg;       /* per column: differs */
	csv_buf tmp;
	uint64_t line;
	/* matching */
	bool hidden;  /* no primary index */
	bool cur_end; /* the merge cursor passed the last record */
	bool cur_started;
	bool merge; /* rows so far in ascending key order */
	bool have_last;
	uint8_t last[APPLY_KEY_MAX];
	size_t cbLast;
	bool b_inf; /* the boundary is past the end */
	uint8_t b[APPLY_KEY_MAX];
	size_t cbB;
	keyset seen;       /* keys claimed in seek mode */
	keyset pend;       /* keys the merge passed: deleted at the end unless claimed */
	bool exact_insert; /* an inserted row's length is known from its values */
	/* effect */
	int64_t dbytes;
	uint64_t nchanged;
	bool cb_err; /* the error came from a row (a.line, a.reason) */
	char reason[256];
} apply;

static JET_ERR apply_fail(apply *a, JET_ERR err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static JET_ERR apply_fail(apply *a, JET_ERR err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->reason, sizeof(a->reason), fmt, ap);
	va_end(ap);
	return err;
}

/* Sets a column of the prepared update to v (the old record had nOld
 * values of it). */
static JET_ERR set_values(apply *a, JET_TABLEID tid, const jfs_col *c, size_t nOld,
			  const csv_values *v)
{
	JET_SETINFO si = {sizeof(si), 0, 1};

	if (!(c->grbit & JET_bitColumnMultiValued)) {
		if (v->n == 0 || vals_is_default(c, v))
			return JetSetColumn(a->ses, tid, c->id, NULL, 0, 0, NULL);
		return JetSetColumn(a->ses, tid, c->id, v->data.p + v->v[0].off,
				    (unsigned long)v->v[0].cb,
				    v->v[0].cb ? 0 : JET_bitSetZeroLength, NULL);
	}
	for (size_t i = 0; i < nOld; i++) /* removing value 1 shifts the rest down */
		CallR(JetSetColumn(a->ses, tid, c->id, NULL, 0, 0, &si));
	if (vals_is_default(c, v))
		return JET_errSuccess;
	for (size_t i = 0; i < v->n; i++) {
		si.itagSequence = 0; /* append */
		CallR(JetSetColumn(a->ses, tid, c->id, v->data.p + v->v[i].off,
				   (unsigned long)v->v[i].cb, v->v[i].cb ? 0 : JET_bitSetZeroLength,
				   &si));
	}
	return JET_errSuccess;
}

static JET_ERR apply_update(apply *a, JET_TABLEID tid, void *bm, unsigned long cbBm,
			    unsigned long *pcbBm)
{
	JET_ERR err = JetUpdate(a->ses, tid, bm, cbBm, pcbBm);

	if (err < 0) {
		(void)JetPrepareUpdate(a->ses, tid, JET_prepCancel);
		if (err == JET_errKeyDuplicate)
			return apply_fail(a, err, "duplicate key: a record with this key exists");
		if (err == JET_errNullInvalid)
			return apply_fail(a, err, "NULL in a NOT NULL column");
		if (err == JET_errWriteConflict)
			return apply_fail(a, err,
					  "write conflict: another session changed this record");
	}
	return err;
}

/* Deletes the record under tid. */
static JET_ERR apply_delete(apply *a, JET_TABLEID tid)
{
	uint64_t cb;

	CallR(rowbuf_load(a->ses, tid, a->t, &a->rv, &a->tmp));
	CallR(rowbuf_length(a->t, &a->rv, NULL, NULL, &cb));
	CallR(JetDelete(a->ses, tid));
	a->dbytes -= (int64_t)cb;
	a->nchanged++;
	return JET_errSuccess;
}

/* The staged row matches the record under tid: write what differs. */
static JET_ERR apply_match(apply *a, JET_TABLEID tid)
{
	const jfs_table *t = a->t;
	uint64_t cbOld, cbNew;
	bool any = false;

	CallR(rowbuf_load(a->ses, tid, t, &a->rv, &a->tmp));
	for (int i = 0; i < t->ncols; i++) {
		a->chg[i] = a->m.inhdr[i] && !vals_equal(&a->sv.v[i], &a->rv.v[i]);
		if (a->chg[i] && (t->cols[i].grbit & JET_bitColumnAutoincrement)) {
			if (a->sv.v[i].n == 0) {
				a->chg[i] = false; /* NULL: keep the value the engine gave */
				continue;
			}
			return apply_fail(a, JET_errColumnNotUpdatable,
					  "column %s is autoincrement: its value cannot be changed",
					  t->cols[i].name);
		}
		any |= a->chg[i];
	}
	if (!any)
		return JET_errSuccess;
	CallR(rowbuf_length(t, &a->rv, NULL, NULL, &cbOld));
	CallR(rowbuf_length(t, &a->rv, &a->sv, a->chg, &cbNew));
	CallR(JetPrepareUpdate(a->ses, tid, JET_prepReplace));
	for (int i = 0; i < t->ncols; i++) {
		JET_ERR err;
		if (!a->chg[i])
			continue;
		err = set_values(a, tid, &t->cols[i], a->rv.v[i].n, &a->sv.v[i]);
		if (err < 0) {
			(void)JetPrepareUpdate(a->ses, tid, JET_prepCancel);
			return apply_fail(a, err, "column %s: %s", t->cols[i].name,
					  JetErrorDescription(err));
		}
	}
	CallR(apply_update(a, tid, NULL, 0, NULL));
	a->dbytes += (int64_t)cbNew - (int64_t)cbOld;
	a->nchanged++;
	return JET_errSuccess;
}

/* Inserts the staged row; *pbm (optional) receives its bookmark. */
static JET_ERR apply_insert(apply *a, uint8_t *bm, size_t *pcbBm)
{
	const jfs_table *t = a->t;
	uint8_t bmbuf[APPLY_KEY_MAX];
	unsigned long cbBm = 0;
	uint64_t cb;

	CallR(JetPrepareUpdate(a->ses, a->aux, JET_prepInsert));
	for (int i = 0; i < t->ncols; i++) {
		JET_ERR err;
		if (!a->m.inhdr[i] || (t->cols[i].grbit & JET_bitColumnAutoincrement) ||
		    a->sv.v[i].n == 0)
			continue;
		err = set_values(a, a->aux, &t->cols[i], 0, &a->sv.v[i]);
		if (err < 0) {
			(void)JetPrepareUpdate(a->ses, a->aux, JET_prepCancel);
			return apply_fail(a, err, "column %s: %s", t->cols[i].name,
					  JetErrorDescription(err));
		}
	}
	CallR(apply_update(a, a->aux, bmbuf, sizeof(bmbuf), &cbBm));
	if (a->exact_insert) {
		CallR(rowbuf_length(t, &a->sv, NULL, NULL, &cb));
	} else {
		CallR(JetGotoBookmark(a->ses, a->aux, bmbuf, cbBm));
		CallR(rowbuf_load(a->ses, a->aux, t, &a->rv, &a->tmp));
		CallR(rowbuf_length(t, &a->rv, NULL, NULL, &cb));
	}
	if (bm) {
		memcpy(bm, bmbuf, cbBm);
		*pcbBm = cbBm;
	}
	a->dbytes += (int64_t)cb;
	a->nchanged++;
	return JET_errSuccess;
}

/* The normalized primary key of the staged row into k; *pkeyless when the
 * row must be inserted without matching (an absent autoincrement key). */
static JET_ERR staged_key(apply *a, uint8_t *k, size_t *pcb, bool *pkeyless)
{
	const jfs_index *ix = &a->t->indexes[a->t->primary];
	unsigned long cb = 0;
	JET_ERR err;

	*pkeyless = false;
	for (int i = 0; i < ix->nseg; i++) {
		const jfs_col *c = &a->t->cols[ix->seg[i]];
		const csv_values *v = &a->sv.v[ix->seg[i]];
		JET_GRBIT g = i == 0 ? JET_bitNewKey : 0;

		if (v->n == 0 && (c->grbit & JET_bitColumnAutoincrement)) {
			*pkeyless = true;
			return JET_errSuccess;
		}
		if (v->n == 0)
			err = JetMakeKey(a->ses, a->aux, NULL, 0, g);
		else
			err = JetMakeKey(a->ses, a->aux, v->data.p + v->v[0].off,
					 (unsigned long)v->v[0].cb,
					 g | (v->v[0].cb ? 0 : JET_bitKeyDataZeroLength));
		CallR(err);
	}
	err = JetRetrieveKey(a->ses, a->aux, k, APPLY_KEY_MAX, &cb, JET_bitRetrieveCopy);
	CallR(err);
	if (err == JET_wrnBufferTruncated)
		return JET_errKeyTooBig;
	*pcb = cb;
	return JET_errSuccess;
}

/* Moves the merge cursor on; past the end sets cur_end. */
static JET_ERR cur_next(apply *a, long how)
{
	JET_ERR err = JetMove(a->ses, a->cur, how, 0);

	if (err == JET_errNoCurrentRecord) {
		a->cur_end = true;
		return JET_errSuccess;
	}
	return err;
}

static JET_ERR cur_key(apply *a, uint8_t *k, size_t *pcb)
{
	unsigned long cb = 0;
	JET_ERR err = JetRetrieveKey(a->ses, a->cur, k, APPLY_KEY_MAX, &cb, 0);

	CallR(err);
	if (err == JET_wrnBufferTruncated)
		return JET_errKeyTooBig;
	*pcb = cb;
	return JET_errSuccess;
}

static JET_ERR dup_key(apply *a)
{
	return apply_fail(a, JET_errKeyDuplicate, "duplicate key: an earlier row has the same key");
}

/* REPLACE, primary key: one staged row. */
static JET_ERR apply_row_keyed(apply *a)
{
	uint8_t k[APPLY_KEY_MAX], kc[APPLY_KEY_MAX];
	size_t cbK = 0, cbKc;
	bool keyless;
	JET_ERR err;
	int d;

	CallR(staged_key(a, k, &cbK, &keyless));
	if (keyless)
		return apply_insert(a, NULL, NULL);
	if (!a->cur_started) {
		a->cur_started = true;
		CallR(cur_next(a, JET_MoveFirst));
	}
	if (a->merge && a->have_last && key_cmp(k, cbK, a->last, a->cbLast) <= 0) {
		if (key_cmp(k, cbK, a->last, a->cbLast) == 0)
			return dup_key(a);
		/* Out of order: seeks from now on. */
		a->merge = false;
		a->b_inf = a->cur_end;
		if (!a->cur_end)
			CallR(cur_key(a, a->b, &a->cbB));
	}
	if (a->merge) {
		memcpy(a->last, k, cbK);
		a->cbLast = cbK;
		a->have_last = true;
		while (!a->cur_end) {
			CallR(cur_key(a, kc, &cbKc));
			d = key_cmp(kc, cbKc, k, cbK);
			if (d > 0)
				break;
			if (d == 0) {
				CallR(apply_match(a, a->cur));
				return cur_next(a, JET_MoveNext);
			}
			/* Not in the file so far; a later row may still name it
			 * if the file turns out not to be sorted. */
			CallR(keyset_add(&a->pend, kc, cbKc));
			CallR(cur_next(a, JET_MoveNext));
		}
		return apply_insert(a, NULL, NULL);
	}
	/* Seek mode. The key was made on aux. */
	err = JetSeek(a->ses, a->aux, JET_bitSeekEQ);
	if (err == JET_errRecordNotFound) {
		uint8_t bm[APPLY_KEY_MAX];
		size_t cbBm = 0;
		CallR(apply_insert(a, bm, &cbBm));
		if (!a->b_inf && key_cmp(bm, cbBm, a->b, a->cbB) >= 0)
			CallR(keyset_add(&a->seen, bm, cbBm));
		return JET_errSuccess;
	}
	CallR(err);
	if (keyset_has(&a->seen, k, cbK))
		return dup_key(a);
	if ((a->b_inf || key_cmp(k, cbK, a->b, a->cbB) < 0) && !keyset_has(&a->pend, k, cbK))
		return dup_key(a); /* below B only the merge's passed records are free */
	CallR(keyset_add(&a->seen, k, cbK));
	return apply_match(a, a->aux);
}

/* REPLACE, hidden key: row i matches record i. */
static JET_ERR apply_row_positional(apply *a)
{
	if (!a->cur_started) {
		a->cur_started = true;
		CallR(cur_next(a, JET_MoveFirst));
	}
	if (a->cur_end)
		return apply_insert(a, NULL, NULL);
	CallR(apply_match(a, a->cur));
	return cur_next(a, JET_MoveNext);
}

static JET_ERR apply_ready(apply *a);

/* After the last row: delete what the file did not name. */
static JET_ERR apply_finish(apply *a)
{
	uint8_t k[APPLY_KEY_MAX];
	size_t cbK;

	if (a->mode == JFS_APPEND || !a->t || a->t->ncols == 0)
		return JET_errSuccess;
	if (a->cur == JET_tableidNil) /* no header: no rows */
		CallR(apply_ready(a));
	if (!a->cur_started) {
		a->cur_started = true;
		CallR(cur_next(a, JET_MoveFirst));
	}
	/* Records the merge passed that no row claimed later. */
	for (size_t i = 0; i < a->pend.cap; i++) {
		const uint8_t *e = a->pend.slot[i];
		uint16_t cbE;

		if (!e)
			continue;
		memcpy(&cbE, e, 2);
		if (keyset_has(&a->seen, e + 2, cbE))
			continue;
		CallR(JetGotoBookmark(a->ses, a->aux, (void *)(e + 2), cbE));
		CallR(apply_delete(a, a->aux));
	}
	while (!a->cur_end) {
		if (!a->hidden && !a->merge) {
			CallR(cur_key(a, k, &cbK));
			if (keyset_has(&a->seen, k, cbK)) {
				CallR(cur_next(a, JET_MoveNext));
				continue;
			}
		}
		CallR(apply_delete(a, a->cur));
		CallR(cur_next(a, JET_MoveNext));
	}
	return JET_errSuccess;
}

/* Opens the cursors and scratch once the table's definition is known. */
static JET_ERR apply_ready(apply *a)
{
	const jfs_table *t = a->t;

	JET_ERR err = JET_errTableInUse;

	/* Another session with the table open (a reader too) refuses the
	 * hold: the apply then locks row by row, as a small one does. */
	if (a->excl)
		err = JetOpenTable(a->ses, a->s->dbid, t->name, NULL, 0, JET_bitTableDenyWrite,
				   &a->cur);
	if (err == JET_errTableInUse || err == JET_errTableLocked)
		err = JetOpenTable(a->ses, a->s->dbid, t->name, NULL, 0, 0, &a->cur);
	CallR(err);
	CallR(JetOpenTable(a->ses, a->s->dbid, t->name, NULL, 0, 0, &a->aux));
	CallR(rowbuf_init(&a->sv, t->ncols));
	CallR(rowbuf_init(&a->rv, t->ncols));
	a->chg = calloc((size_t)t->ncols + 1, sizeof(*a->chg));
	if (!a->chg)
		return JET_errOutOfMemory;
	a->hidden = t->primary < 0;
	a->merge = true;
	a->exact_insert = true;
	for (int i = 0; i < t->ncols; i++)
		if (!a->m.inhdr[i] || (t->cols[i].grbit & JET_bitColumnAutoincrement))
			a->exact_insert = false;
	return JET_errSuccess;
}

/* A table (or a table without columns) gets its columns from the header:
 * LongText, code page 65001, in header order. */
static JET_ERR apply_create(apply *a, const csv_ftext *fields, size_t nfields)
{
	JET_TABLEID tid = JET_tableidNil;
	JET_ERR err = JET_errSuccess;
	char nm[JET_cbNameMost + 1];

	if (!a->t) {
		err = JetCreateTable(a->ses, a->s->dbid, a->table, 0, 100, &tid);
		if (err < 0)
			return apply_fail(a, err, "cannot create the table: %s",
					  JetErrorDescription(err));
	} else {
		Call(JetOpenTable(a->ses, a->s->dbid, a->table, NULL, 0, JET_bitTablePermitDDL,
				  &tid));
	}
	a->created = true;
	for (size_t i = 0; i < nfields; i++) {
		JET_COLUMNDEF cd;
		JET_COLUMNID id;

		memset(&cd, 0, sizeof(cd));
		cd.cbStruct = sizeof(cd);
		cd.coltyp = JET_coltypLongText;
		cd.cp = CSV_CP_UTF8;
		memcpy(nm, fields[i].p, fields[i].len);
		nm[fields[i].len] = 0;
		err = JetAddColumn(a->ses, tid, nm, &cd, NULL, 0, &id);
		if (err < 0) {
			apply_fail(a, err, "cannot add column \"%s\": %s", nm,
				   JetErrorDescription(err));
			goto HandleError;
		}
	}
HandleError:
	if (tid != JET_tableidNil)
		(void)JetCloseTable(a->ses, tid);
	if (err < 0)
		return err;
	if (a->t)
		jfs_table_put(a->t);
	a->t = NULL;
	return jfs_table_load(a->s, a->table, &a->t);
}

static JET_ERR apply_row_in(apply *a, uint64_t line, const csv_ftext *fields, size_t nfields)
{
	JET_ERR err;

	a->line = line;
	if (!a->m.header_done) {
		bool fresh = a->m.fresh;
		CallR(rowmap_header(&a->m, fields, nfields));
		if (fresh) {
			CallR(apply_create(a, fields, nfields));
			rowmap_free(&a->m);
			CallR(rowmap_init(&a->m, a->t, JFS_REPLACE));
			CallR(rowmap_header(&a->m, fields, nfields));
		}
		a->m.first_row = false;
		return apply_ready(a);
	}
	if (a->mode == JFS_APPEND && a->m.first_row && row_is_header(a->t, fields, nfields)) {
		a->m.first_row = false;
		return JET_errSuccess;
	}
	a->m.first_row = false;
	err = rowmap_convert(&a->m, fields, nfields, &a->sv);
	if (err < 0)
		return apply_fail(a, err, "%s", a->m.reason);
	if (a->mode == JFS_APPEND)
		return apply_insert(a, NULL, NULL);
	if (a->hidden)
		return apply_row_positional(a);
	return apply_row_keyed(a);
}

static JET_ERR apply_row(void *ctx, uint64_t line, const csv_ftext *fields, size_t nfields)
{
	apply *a = ctx;
	JET_ERR err = apply_row_in(a, line, fields, nfields);

	if (err < 0) {
		a->cb_err = true;
		if (!a->reason[0])
			apply_fail(a, err, "%s", JetErrorDescription(err));
	}
	return err;
}

static void apply_free(apply *a)
{
	if (a->cur && a->cur != JET_tableidNil)
		(void)JetCloseTable(a->ses, a->cur);
	if (a->aux && a->aux != JET_tableidNil)
		(void)JetCloseTable(a->ses, a->aux);
	csv_parser_destroy(a->p);
	rowmap_free(&a->m);
	rowbuf_free(&a->sv);
	rowbuf_free(&a->rv);
	free(a->chg);
	csv_buf_free(&a->tmp);
	keyset_free(&a->seen);
	keyset_free(&a->pend);
	if (a->t)
		jfs_table_put(a->t);
}

static JET_ERR apply_stage(jfs *fs, jfs_sess *s, const char *table, jfs_stage *st,
			   enum jfs_write_mode mode, uint64_t mtime_ns)
{
	JET_ERR err = JET_errSuccess;
	bool inTxn = false;
	uint64_t off = 0, line = 0, nchanged;
	bool logged = false;
	char *buf = NULL;
	size_t got;
	const char *why;
	apply a;

	memset(&a, 0, sizeof(a));
	a.fs = fs;
	a.s = s;
	a.ses = s->sesid;
	a.table = table;
	a.mode = mode;
	a.cur = a.aux = JET_tableidNil;
	a.excl = jfs_stage_size(st) >= APPLY_EXCL_BYTES;
	csv_buf_init(&a.tmp);
	buf = malloc(APPLY_CHUNK);
	if (!buf)
		Error(JET_errOutOfMemory);
	Call(JetBeginTransaction(a.ses));
	inTxn = true;
	err = jfs_table_load(s, table, &a.t);
	if (err == JET_errObjectNotFound) {
		a.t = NULL;
		err = JET_errSuccess;
		if (jfs_stage_size(st) == 0) /* an empty new file: a table without columns */
			Call(apply_create(&a, NULL, 0));
	}
	Call(err);
	Call(rowmap_init(&a.m, a.t, mode));
	if (a.m.header_done) /* APPEND to a table with columns */
		Call(apply_ready(&a));
	Call(csv_parser_create(&a.p, NULL, apply_row, &a));
	for (;;) {
		Call(jfs_stage_read(st, off, buf, APPLY_CHUNK, &got));
		if (got == 0)
			break;
		err = csv_parser_feed(a.p, buf, got);
		if (err < 0)
			break;
		off += got;
	}
	if (err >= 0)
		err = csv_parser_finish(a.p);
	if (err >= 0) {
		err = apply_finish(&a);
		if (err < 0 && !a.reason[0])
			apply_fail(&a, err, "%s", JetErrorDescription(err));
		a.line = 0;
		a.cb_err = true;
	}
	if (err < 0) {
		if (a.cb_err) {
			why = a.reason;
			line = a.line;
		} else {
			why = csv_parser_error(a.p, &line);
		}
		jfs_log(fs, table, (unsigned long)line, "%s", why ? why : JetErrorDescription(err));
		logged = true;
		goto HandleError;
	}
	if (a.nchanged == 0 && !a.created && !mtime_ns) {
		err = JET_errSuccess; /* nothing changed: nothing to commit */
		goto HandleError;
	}
	if (a.aux == JET_tableidNil)
		Call(JetOpenTable(a.ses, s->dbid, table, NULL, 0, 0, &a.aux));
	Call(JetAddTableCounter(a.ses, a.aux, JFS_COUNTER_BYTES, a.dbytes));
	if (mtime_ns) /* cp -p, rsync: the time they set, not the commit's */
		Call(jfs_table_set_mtime(a.ses, a.aux, mtime_ns));
	else
		Call(JetAddTableCounter(a.ses, a.aux, JFS_COUNTER_MODS, 1));
	nchanged = a.nchanged;
	apply_free(&a);
	memset(&a, 0, sizeof(a));
	err = JetCommitTransaction(s->sesid, 0);
	if (err < 0) {
		jfs_log(fs, table, 0, "commit failed: %s", JetErrorDescription(err));
		(void)JetRollback(s->sesid, 0);
		free(buf);
		return err;
	}
	free(buf);
	s->changes += (unsigned long)nchanged;
	return JET_errSuccess;
HandleError:
	if (err < 0 && !logged)
		jfs_log(fs, table, 0, "%s", JetErrorDescription(err));
	apply_free(&a);
	if (inTxn)
		(void)JetRollback(s->sesid, 0);
	free(buf);
	return err;
}
