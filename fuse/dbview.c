/*
 * dbview.c - what a session sees of the database: its tables (read from the
 * catalog, MSysObjects, with the ordinary cursor API; docs/format.md gives
 * the layout), a table's definition, its exact rendered size and change
 * time, and one record rendered as a CSV row.
 *
 * Every function here runs in the caller's session and takes no lock: the
 * caller holds s->mu (jetfs.h, "Concurrency"). The one shared structure is
 * the size cache (see jfs_table_stat), which has its own mutex.
 */
#include <stdlib.h>
#include <string.h>

#include "fs_int.h"

/* MSysObjects (docs/format.md, "The catalog"). */
#define CAT_TABLE "MSysObjects"
#define CAT_OBJIDTABLE 1
#define CAT_TYPE 2
#define CAT_ID 3
#define CAT_COLTYP 4
#define CAT_SPACEUSAGE 5
#define CAT_FLAGS 6
#define CAT_CODEPAGE 9
#define CAT_NAME 128
#define CAT_KEYFLDIDS 129
#define CAT_DEFAULT 256
#define CAT_T_TABLE 1
#define CAT_T_COLUMN 2
#define CAT_T_INDEX 3

#define Call(x)                                                                                    \
	do {                                                                                       \
		err = (x);                                                                         \
		if (err < 0)                                                                       \
			goto out;                                                                  \
	} while (0)

static JET_ERR cat_open(jfs_sess *s, JET_TABLEID *pt)
{
	return JetOpenTable(s->sesid, s->dbid, CAT_TABLE, NULL, 0, JET_bitTableReadOnly, pt);
}

static JET_ERR ret_long(JET_SESID ses, JET_TABLEID t, JET_COLUMNID col, long *pv)
{
	int32_t v = 0;
	unsigned long cb = 0;
	JET_ERR err = JetRetrieveColumn(ses, t, col, &v, sizeof(v), &cb, 0, NULL);
	if (err < 0)
		return err;
	*pv = err == JET_wrnColumnNull ? 0 : (long)v;
	return JET_errSuccess;
}

static JET_ERR ret_short(JET_SESID ses, JET_TABLEID t, JET_COLUMNID col, int *pv)
{
	int16_t v = 0;
	unsigned long cb = 0;
	JET_ERR err = JetRetrieveColumn(ses, t, col, &v, sizeof(v), &cb, 0, NULL);
	if (err < 0)
		return err;
	*pv = err == JET_wrnColumnNull ? 0 : (int)v;
	return JET_errSuccess;
}

static JET_ERR ret_name(JET_SESID ses, JET_TABLEID t, char *name)
{
	unsigned long cb = 0;
	JET_ERR err = JetRetrieveColumn(ses, t, CAT_NAME, name, JET_cbNameMost, &cb, 0, NULL);
	if (err < 0)
		return err;
	if (cb > JET_cbNameMost)
		cb = JET_cbNameMost;
	name[err == JET_wrnColumnNull ? 0 : cb] = '\0';
	return JET_errSuccess;
}

/* Positions the catalog cursor on the first row >= (objidTable, type, id). */
static JET_ERR cat_seek(JET_SESID ses, JET_TABLEID t, long objidTable, int type, long id,
			JET_GRBIT seek)
{
	int32_t o = (int32_t)objidTable, i = (int32_t)id;
	int16_t ty = (int16_t)type;
	JET_ERR err;

	err = JetMakeKey(ses, t, &o, sizeof(o), JET_bitNewKey);
	if (err >= 0)
		err = JetMakeKey(ses, t, &ty, sizeof(ty), 0);
	if (err >= 0)
		err = JetMakeKey(ses, t, &i, sizeof(i), 0);
	if (err >= 0)
		err = JetSeek(ses, t, seek);
	return err;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

JET_ERR jfs_list_tables(jfs_sess *s, char ***pnames, size_t *pn)
{
	JET_ERR err;
	JET_TABLEID cat = 0;
	char **names = NULL, name[JET_cbNameMost + 1];
	size_t n = 0, cap = 0;

	*pnames = NULL;
	*pn = 0;
	Call(cat_open(s, &cat));
	for (err = JetMove(s->sesid, cat, JET_MoveFirst, 0); err >= 0;
	     err = JetMove(s->sesid, cat, JET_MoveNext, 0)) {
		long objidTable, flags;
		int type;
		Call(ret_long(s->sesid, cat, CAT_OBJIDTABLE, &objidTable));
		if (objidTable != 0)
			break; /* table rows come first: (0, 1, objid) */
		Call(ret_short(s->sesid, cat, CAT_TYPE, &type));
		if (type != CAT_T_TABLE)
			continue;
		Call(ret_long(s->sesid, cat, CAT_FLAGS, &flags));
		if ((unsigned long)flags & JET_bitObjectSystem)
			continue;
		Call(ret_name(s->sesid, cat, name));
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			char **nn = realloc(names, ncap * sizeof(*nn));
			if (!nn) {
				err = JET_errOutOfMemory;
				goto out;
			}
			names = nn;
			cap = ncap;
		}
		if (!(names[n] = strdup(name))) {
			err = JET_errOutOfMemory;
			goto out;
		}
		n++;
	}
	if (err == JET_errNoCurrentRecord)
		err = JET_errSuccess;
	if (err >= 0 && n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
out:
	if (cat)
		JetCloseTable(s->sesid, cat);
	if (err < 0) {
		jfs_free_names(names, n);
		return err;
	}
	*pnames = names;
	*pn = n;
	return JET_errSuccess;
}

void jfs_free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

JET_ERR jfs_table_name_by_objid(jfs_sess *s, unsigned long objid, char *name)
{
	JET_ERR err;
	JET_TABLEID cat = 0;
	long flags;

	Call(cat_open(s, &cat));
	err = cat_seek(s->sesid, cat, 0, CAT_T_TABLE, (long)objid, JET_bitSeekEQ);
	if (err == JET_errRecordNotFound)
		err = JET_errObjectNotFound;
	if (err < 0)
		goto out;
	Call(ret_long(s->sesid, cat, CAT_FLAGS, &flags));
	if ((unsigned long)flags & JET_bitObjectSystem) {
		err = JET_errObjectNotFound;
		goto out;
	}
	Call(ret_name(s->sesid, cat, name));
	err = JET_errSuccess;
out:
	if (cat)
		JetCloseTable(s->sesid, cat);
	return err;
}

JET_ERR jfs_table_objid(jfs_sess *s, const char *name, unsigned long *pobjid, char *exact)
{
	JET_ERR err;
	JET_TABLEID t = 0;
	JET_TABLESTATE st;

	if (strcasecmp(name, CAT_TABLE) == 0)
		return JET_errObjectNotFound;
	memset(&st, 0, sizeof(st));
	st.cbStruct = sizeof(st);
	Call(JetOpenTable(s->sesid, s->dbid, name, NULL, 0, JET_bitTableReadOnly, &t));
	Call(JetGetTableState(s->sesid, t, &st));
	*pobjid = st.objidTable;
	if (exact)
		Call(jfs_table_name_by_objid(s, st.objidTable, exact));
out:
	if (t)
		JetCloseTable(s->sesid, t);
	return err;
}

static void table_free(jfs_table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->ncols; i++)
		free(t->cols[i].pvDefault);
	free(t->cols);
	free(t->indexes);
	free(t);
}

JET_ERR jfs_table_load(jfs_sess *s, const char *name, jfs_table **out)
{
	JET_ERR err;
	JET_TABLEID cat = 0;
	jfs_table *t = NULL;
	unsigned long objid;
	int capc = 0, capi = 0;
	unsigned char keyfld[JET_cbNameMost * 8];

	*out = NULL;
	if (!(t = calloc(1, sizeof(*t))))
		return JET_errOutOfMemory;
	t->refs = 1;
	t->primary = -1;
	Call(jfs_table_objid(s, name, &objid, t->name));
	t->objid = objid;
	Call(cat_open(s, &cat));
	for (err = cat_seek(s->sesid, cat, (long)objid, CAT_T_COLUMN, 0, JET_bitSeekGE); err >= 0;
	     err = JetMove(s->sesid, cat, JET_MoveNext, 0)) {
		long o, id, v;
		int type;
		Call(ret_long(s->sesid, cat, CAT_OBJIDTABLE, &o));
		if ((unsigned long)o != objid)
			break;
		Call(ret_short(s->sesid, cat, CAT_TYPE, &type));
		Call(ret_long(s->sesid, cat, CAT_ID, &id));
		if (type == CAT_T_COLUMN) {
			jfs_col *c;
			unsigned long cb = 0;
			if (t->ncols == capc) {
				int ncap = capc ? 2 * capc : 16;
				jfs_col *nc = realloc(t->cols, (size_t)ncap * sizeof(*nc));
				if (!nc) {
					err = JET_errOutOfMemory;
					goto out;
				}
				t->cols = nc;
				capc = ncap;
			}
			c = &t->cols[t->ncols];
			memset(c, 0, sizeof(*c));
			t->ncols++;
			c->id = (JET_COLUMNID)id;
			Call(ret_name(s->sesid, cat, c->name));
			Call(ret_long(s->sesid, cat, CAT_COLTYP, &v));
			c->coltyp = (JET_COLTYP)v;
			Call(ret_long(s->sesid, cat, CAT_SPACEUSAGE, &v));
			c->cbMax = (unsigned long)v;
			Call(ret_long(s->sesid, cat, CAT_FLAGS, &v));
			c->grbit = (JET_GRBIT)(unsigned long)v;
			Call(ret_long(s->sesid, cat, CAT_CODEPAGE, &v));
			c->cp = (unsigned short)v;
			Call(JetRetrieveColumn(s->sesid, cat, CAT_DEFAULT, NULL, 0, &cb, 0, NULL));
			if (err != JET_wrnColumnNull && cb > 0) {
				if (!(c->pvDefault = malloc(cb))) {
					err = JET_errOutOfMemory;
					goto out;
				}
				Call(JetRetrieveColumn(s->sesid, cat, CAT_DEFAULT, c->pvDefault, cb,
						       &c->cbDefault, 0, NULL));
			}
		} else if (type == CAT_T_INDEX) {
			jfs_index *ix;
			unsigned long cb = 0;
			if (t->nindexes == capi) {
				int ncap = capi ? 2 * capi : 4;
				jfs_index *ni = realloc(t->indexes, (size_t)ncap * sizeof(*ni));
				if (!ni) {
					err = JET_errOutOfMemory;
					goto out;
				}
				t->indexes = ni;
				capi = ncap;
			}
			ix = &t->indexes[t->nindexes];
			memset(ix, 0, sizeof(*ix));
			Call(ret_name(s->sesid, cat, ix->name));
			Call(ret_long(s->sesid, cat, CAT_FLAGS, &v));
			ix->grbit = (JET_GRBIT)(unsigned long)v;
			Call(JetRetrieveColumn(s->sesid, cat, CAT_KEYFLDIDS, keyfld, sizeof(keyfld),
					       &cb, 0, NULL));
			if (err == JET_wrnColumnNull)
				cb = 0;
			for (unsigned long k = 0; k + 5 <= cb && ix->nseg < 16; k += 5) {
				JET_COLUMNID colid = (JET_COLUMNID)keyfld[k] |
						     (JET_COLUMNID)keyfld[k + 1] << 8 |
						     (JET_COLUMNID)keyfld[k + 2] << 16 |
						     (JET_COLUMNID)keyfld[k + 3] << 24;
				int icol = -1;
				for (int j = 0; j < t->ncols; j++)
					if (t->cols[j].id == colid)
						icol = j;
				ix->seg[ix->nseg] = icol;
				ix->desc[ix->nseg] = keyfld[k + 4] & 1;
				ix->nseg++;
			}
			if ((ix->grbit & JET_bitIndexPrimary) && t->primary < 0)
				t->primary = t->nindexes;
			t->nindexes++;
		}
	}
	if (err == JET_errNoCurrentRecord || err == JET_errRecordNotFound)
		err = JET_errSuccess;
	if (err < 0)
		goto out;
	{
		csv_buf hb;
		csv_buf_init(&hb);
		err = jfs_render_header(t, &hb);
		t->header_len = hb.len;
		csv_buf_free(&hb);
		if (err < 0)
			goto out;
	}
out:
	if (cat)
		JetCloseTable(s->sesid, cat);
	if (err < 0) {
		table_free(t);
		return err;
	}
	*out = t;
	return JET_errSuccess;
}

void jfs_table_put(jfs_table *t)
{
	if (t && __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
		table_free(t);
}

JET_ERR jfs_render_header(const jfs_table *t, csv_buf *out)
{
	const char *stackv[64] = {NULL};
	const char **names = stackv;
	JET_ERR err;

	if (t->ncols == 0)
		return JET_errSuccess; /* a table without columns is an empty file */
	if (t->ncols > 64 && !(names = malloc((size_t)t->ncols * sizeof(*names))))
		return JET_errOutOfMemory;
	for (int i = 0; i < t->ncols; i++)
		names[i] = t->cols[i].name;
	err = csv_write_header(out, names, (size_t)t->ncols, NULL);
	if (names != stackv)
		free(names);
	return err;
}

/* ---- rows ---- */

JET_ERR jfs_rowbuf_init(jfs_rowbuf *rb, const jfs_table *t)
{
	size_t n = t->ncols ? (size_t)t->ncols : 1;

	memset(rb, 0, sizeof(*rb));
	rb->t = t;
	rb->fields = calloc(n, sizeof(*rb->fields));
	rb->first = calloc(n, sizeof(*rb->first));
	rb->capvals = n + 16;
	rb->voff = calloc(rb->capvals, sizeof(*rb->voff));
	rb->vcb = calloc(rb->capvals, sizeof(*rb->vcb));
	rb->vals = calloc(rb->capvals, sizeof(*rb->vals));
	csv_buf_init(&rb->data);
	if (!rb->fields || !rb->first || !rb->voff || !rb->vcb || !rb->vals ||
	    csv_buf_reserve(&rb->data, 4096) < 0) {
		jfs_rowbuf_free(rb);
		return JET_errOutOfMemory;
	}
	for (int i = 0; i < t->ncols; i++) {
		rb->fields[i].coltyp = t->cols[i].coltyp;
		rb->fields[i].cp = t->cols[i].cp;
		rb->fields[i].multi = (t->cols[i].grbit & JET_bitColumnMultiValued) != 0;
	}
	rb->rc = calloc(n, sizeof(*rb->rc));
	rb->rccol = calloc(n, sizeof(*rb->rccol));
	rb->soff = calloc(n, sizeof(*rb->soff));
	rb->scap = calloc(n, sizeof(*rb->scap));
	if (!rb->rc || !rb->rccol || !rb->soff || !rb->scap) {
		jfs_rowbuf_free(rb);
		return JET_errOutOfMemory;
	}
	for (int i = 0; i < t->ncols; i++) {
		if (rb->fields[i].multi) {
			rb->rccol[i] = -1;
			continue;
		}
		int j = rb->nrc++;
		rb->rccol[i] = j;
		rb->rc[j].columnid = t->cols[i].id;
		rb->rc[j].itagSequence = 1;
		rb->scap[j] = t->cols[i].coltyp == JET_coltypLongText ||
				      t->cols[i].coltyp == JET_coltypLongBinary ||
				      t->cols[i].coltyp == JET_coltypText ||
				      t->cols[i].coltyp == JET_coltypBinary
				  ? 256
				  : 16;
		rb->soff[j] = rb->sbytes;
		rb->sbytes += rb->scap[j];
	}
	return JET_errSuccess;
}

void jfs_rowbuf_free(jfs_rowbuf *rb)
{
	free(rb->fields);
	free(rb->first);
	free(rb->voff);
	free(rb->vcb);
	free(rb->vals);
	free(rb->rc);
	free(rb->rccol);
	free(rb->soff);
	free(rb->scap);
	csv_buf_free(&rb->data);
	memset(rb, 0, sizeof(*rb));
}

static JET_ERR rowbuf_grow(jfs_rowbuf *rb)
{
	size_t ncap = rb->capvals * 2;
	size_t *no = realloc(rb->voff, ncap * sizeof(*no));
	if (!no)
		return JET_errOutOfMemory;
	rb->voff = no;
	size_t *nc = realloc(rb->vcb, ncap * sizeof(*nc));
	if (!nc)
		return JET_errOutOfMemory;
	rb->vcb = nc;
	csv_value *nv = realloc(rb->vals, ncap * sizeof(*nv));
	if (!nv)
		return JET_errOutOfMemory;
	rb->vals = nv;
	rb->capvals = ncap;
	return JET_errSuccess;
}

/* Retrieves value itag of column col into rb->data; *pnull when there is
 * none. */
static JET_ERR retrieve_value(jfs_rowbuf *rb, JET_SESID ses, JET_TABLEID tid, JET_COLUMNID col,
			      unsigned long itag, bool *pnull)
{
	JET_RETINFO ri;
	unsigned long cb = 0;
	JET_ERR err;

	if (rb->data.cap - rb->data.len < 256 && (err = csv_buf_reserve(&rb->data, 256)) < 0)
		return err;
	for (;;) {
		size_t room = rb->data.cap - rb->data.len;
		ri.cbStruct = sizeof(ri);
		ri.ibLongValue = 0;
		ri.itagSequence = itag;
		ri.columnidNextTagged = 0;
		err = JetRetrieveColumn(ses, tid, col, rb->data.p + rb->data.len,
					room > 0x7FFFFFFFu ? 0x7FFFFFFFu : (unsigned long)room, &cb,
					0, &ri);
		if (err < 0)
			return err;
		if (err == JET_wrnColumnNull) {
			*pnull = true;
			return JET_errSuccess;
		}
		if (err == JET_wrnBufferTruncated || cb > room) {
			if ((err = csv_buf_reserve(&rb->data, cb)) < 0)
				return err;
			continue;
		}
		break;
	}
	if (rb->nvals == rb->capvals && (err = rowbuf_grow(rb)) < 0)
		return err;
	rb->voff[rb->nvals] = rb->data.len;
	rb->vcb[rb->nvals] = cb;
	rb->nvals++;
	rb->data.len += cb;
	*pnull = false;
	return JET_errSuccess;
}

JET_ERR jfs_rowbuf_render(jfs_rowbuf *rb, JET_SESID sesid, JET_TABLEID tableid, csv_buf *out,
			  size_t *pcb)
{
	const jfs_table *t = rb->t;
	JET_ERR err;
	bool null;

	rb->nvals = 0;
	rb->data.len = 0;
	/* the single-valued columns: one call for the row */
	while (rb->nrc > 0) {
		bool grown = false;
		if (rb->data.cap < rb->sbytes && (err = csv_buf_reserve(&rb->data, rb->sbytes)) < 0)
			return err;
		for (int j = 0; j < rb->nrc; j++) {
			JET_RETRIEVECOLUMN *rc = &rb->rc[j];
			rc->pvData = rb->data.p + rb->soff[j];
			rc->cbData = (unsigned long)rb->scap[j];
			rc->cbActual = 0;
			rc->grbit = 0;
			rc->ibLongValue = 0;
			rc->itagSequence = 1;
		}
		if ((err = JetRetrieveColumns(sesid, tableid, rb->rc, (unsigned long)rb->nrc)) < 0)
			return err;
		for (int j = 0; j < rb->nrc; j++)
			if (rb->rc[j].err == JET_wrnBufferTruncated ||
			    (rb->rc[j].err != JET_wrnColumnNull && rb->rc[j].cbActual > rb->scap[j])) {
				size_t ncap = 2 * rb->scap[j];
				if (ncap < rb->rc[j].cbActual)
					ncap = rb->rc[j].cbActual;
				rb->scap[j] = ncap;
				grown = true;
			}
		if (!grown)
			break;
		rb->sbytes = 0;
		for (int j = 0; j < rb->nrc; j++) {
			rb->soff[j] = rb->sbytes;
			rb->sbytes += rb->scap[j];
		}
	}
	rb->data.len = rb->nrc > 0 ? rb->sbytes : 0;
	for (int i = 0; i < t->ncols; i++) {
		const jfs_col *c = &t->cols[i];
		rb->first[i] = rb->nvals;
		if (rb->rccol[i] >= 0) {
			const JET_RETRIEVECOLUMN *rc = &rb->rc[rb->rccol[i]];
			if (rc->err == JET_wrnColumnNull)
				continue;
			if (rb->nvals == rb->capvals && (err = rowbuf_grow(rb)) < 0)
				return err;
			rb->voff[rb->nvals] = rb->soff[rb->rccol[i]];
			rb->vcb[rb->nvals] = rc->cbActual;
			rb->nvals++;
			continue;
		}
		if (c->grbit & JET_bitColumnMultiValued) {
			for (unsigned long itag = 1;; itag++) {
				if ((err = retrieve_value(rb, sesid, tableid, c->id, itag, &null)) <
				    0)
					return err;
				if (null)
					break;
			}
		} else if ((err = retrieve_value(rb, sesid, tableid, c->id, 1, &null)) < 0) {
			return err;
		}
	}
	for (size_t k = 0; k < rb->nvals; k++) {
		rb->vals[k].pv = rb->data.p + rb->voff[k];
		rb->vals[k].cb = rb->vcb[k];
	}
	for (int i = 0; i < t->ncols; i++) {
		size_t end = i + 1 < t->ncols ? rb->first[i + 1] : rb->nvals;
		rb->fields[i].values = rb->vals + rb->first[i];
		rb->fields[i].nvalues = end - rb->first[i];
	}
	return csv_write_row(out, rb->fields, (size_t)t->ncols, pcb);
}

JET_ERR jfs_render_current(jfs_sess *s, const jfs_table *t, JET_TABLEID tableid, csv_buf *out)
{
	jfs_rowbuf rb;
	JET_ERR err = jfs_rowbuf_init(&rb, t);
	if (err < 0)
		return err;
	err = jfs_rowbuf_render(&rb, s->sesid, tableid, out, NULL);
	jfs_rowbuf_free(&rb);
	return err;
}

/* ---- sizes ---- */

/* Sizes found by rendering, for tables another program changed (counter 1
 * != cModifications): keyed by everything that changes when the table's
 * visible contents may have. */
#define SIZE_CACHE 1024
typedef struct size_ent {
	unsigned long objid;
	unsigned long long mods;
	long long c0, c1;
	uint64_t size; /* data rows only */
	bool used;
} size_ent;
static size_ent g_sizes[SIZE_CACHE];
static pthread_mutex_t g_sizes_mu = PTHREAD_MUTEX_INITIALIZER;

static bool size_lookup(const JET_TABLESTATE *st, uint64_t *psize)
{
	bool hit = false;
	size_ent *e = &g_sizes[st->objidTable % SIZE_CACHE];
	pthread_mutex_lock(&g_sizes_mu);
	if (e->used && e->objid == st->objidTable && e->mods == st->cModifications &&
	    e->c0 == st->rgCounter[0] && e->c1 == st->rgCounter[1]) {
		*psize = e->size;
		hit = true;
	}
	pthread_mutex_unlock(&g_sizes_mu);
	return hit;
}

static void size_store(const JET_TABLESTATE *st, uint64_t size)
{
	size_ent *e = &g_sizes[st->objidTable % SIZE_CACHE];
	pthread_mutex_lock(&g_sizes_mu);
	e->objid = st->objidTable;
	e->mods = st->cModifications;
	e->c0 = st->rgCounter[0];
	e->c1 = st->rgCounter[1];
	e->size = size;
	e->used = true;
	pthread_mutex_unlock(&g_sizes_mu);
}

JET_ERR jfs_table_set_mtime(JET_SESID ses, JET_TABLEID tableid, uint64_t mtime_ns)
{
	JET_ERR err = JetSetTableChangedTime(ses, tableid, mtime_ns);
	if (err < 0)
		return err;
	return JetAddTableCounter(ses, tableid, JFS_COUNTER_MODS, 1);
}

/* The byte length of t's data rows as s sees them, found by rendering
 * every record (a cursor of its own: the caller's keeps its position). */
static JET_ERR render_bytes(jfs_sess *s, const jfs_table *t, uint64_t *prows)
{
	JET_TABLEID dup = 0;
	jfs_rowbuf rb;
	csv_buf row;
	size_t cb;
	uint64_t rows = 0;
	JET_ERR err;

	if ((err = jfs_rowbuf_init(&rb, t)) < 0)
		return err;
	csv_buf_init(&row);
	err = JetOpenTable(s->sesid, s->dbid, t->name, NULL, 0,
			   JET_bitTableReadOnly | JET_bitTableSequential, &dup);
	if (err >= 0) {
		for (err = JetMove(s->sesid, dup, JET_MoveFirst, 0); err >= 0;
		     err = JetMove(s->sesid, dup, JET_MoveNext, 0)) {
			row.len = 0;
			if ((err = jfs_rowbuf_render(&rb, s->sesid, dup, &row, &cb)) < 0)
				break;
			rows += cb;
		}
		if (err == JET_errNoCurrentRecord)
			err = JET_errSuccess;
		JetCloseTable(s->sesid, dup);
	}
	csv_buf_free(&row);
	jfs_rowbuf_free(&rb);
	*prows = rows;
	return err;
}

static bool counters_exact(const JET_TABLESTATE *st)
{
	return (unsigned long long)st->rgCounter[JFS_COUNTER_MODS] == st->cModifications &&
	       st->rgCounter[JFS_COUNTER_BYTES] >= 0;
}

JET_ERR jfs_table_stat(jfs *fs, jfs_sess *s, const jfs_table *t, JET_TABLEID tableid, jfs_stat *out)
{
	JET_TABLESTATE st;
	JET_ERR err;
	uint64_t rows = 0;

	(void)fs;
	memset(&st, 0, sizeof(st));
	st.cbStruct = sizeof(st);
	if ((err = JetGetTableState(s->sesid, tableid, &st)) < 0)
		return err;
	out->objid = st.objidTable;
	out->mtime.tv_sec = (time_t)(st.changedNs / 1000000000ull);
	out->mtime.tv_nsec = (long)(st.changedNs % 1000000000ull);
	if (counters_exact(&st)) {
		rows = (uint64_t)st.rgCounter[JFS_COUNTER_BYTES];
	} else if (!size_lookup(&st, &rows)) {
		if ((err = render_bytes(s, t, &rows)) < 0)
			return err;
		size_store(&st, rows);
	}
	out->size = t->header_len + rows;
	return JET_errSuccess;
}

/* One table's counters made exact, in a transaction of its own. *pfixed is
 * set when they were not. */
static JET_ERR repair_one(jfs_sess *s, const char *name, bool *pfixed)
{
	JET_ERR err;
	jfs_table *t = NULL;
	JET_TABLEID tid = JET_tableidNil;
	JET_TABLESTATE st;
	uint64_t rows;

	*pfixed = false;
	if ((err = JetBeginTransaction(s->sesid)) < 0)
		return err;
	Call(jfs_table_load(s, name, &t));
	Call(JetOpenTable(s->sesid, s->dbid, name, NULL, 0, 0, &tid));
	memset(&st, 0, sizeof(st));
	st.cbStruct = sizeof(st);
	Call(JetGetTableState(s->sesid, tid, &st));
	if (counters_exact(&st))
		goto out;
	Call(render_bytes(s, t, &rows));
	Call(JetAddTableCounter(s->sesid, tid, JFS_COUNTER_BYTES,
				(long long)rows - st.rgCounter[JFS_COUNTER_BYTES]));
	/* this commit adds one to cModifications too */
	Call(JetAddTableCounter(s->sesid, tid, JFS_COUNTER_MODS,
				(long long)st.cModifications + 1 - st.rgCounter[JFS_COUNTER_MODS]));
	JetCloseTable(s->sesid, tid);
	tid = JET_tableidNil;
	Call(JetCommitTransaction(s->sesid, 0));
	*pfixed = true;
	jfs_table_put(t);
	return JET_errSuccess;
out:
	if (tid != JET_tableidNil)
		JetCloseTable(s->sesid, tid);
	if (t)
		jfs_table_put(t);
	(void)JetRollback(s->sesid, 0);
	return err;
}

JET_ERR jfs_sizes_repair(jfs *fs, jfs_sess *s, unsigned long *pfixed)
{
	char **names = NULL;
	size_t n = 0;
	JET_ERR err, first = JET_errSuccess;

	*pfixed = 0;
	if ((err = jfs_list_tables(s, &names, &n)) < 0)
		return err;
	for (size_t i = 0; i < n; i++) {
		bool fixed;
		err = repair_one(s, names[i], &fixed);
		if (err < 0) {
			/* the size is still found by rendering: not fatal */
			jfs_log(fs, names[i], 0, "size not recounted: %s", JetErrorDescription(err));
			if (first >= 0)
				first = err;
		} else if (fixed) {
			(*pfixed)++;
		}
	}
	jfs_free_names(names, n);
	return first;
}
