/*
 * temptable.c - temporary tables (see temptable.h): JetOpenTempTable, the
 * private file, cache and tree of each, and its cursor operations.
 *
 * The cursor keeps its place as every cursor does (cursor.h): the current
 * tree key in c->ekey (= c->pk, the bookmark) and the record's copy in
 * c->rec. The b+tree cursor (tt->cur) is a hint: it is trusted only while
 * tt->cur_at says it sits on c->ekey and the tree has not changed since
 * (every write resets it), else a move re-seeks from the saved key.
 */
#include <stdio.h>
#include <unistd.h>

#include "key.h"
#include "temptable.h"

struct tt_table {
	api_inst *inst;
	dbfile *f;
	jcache *cache;
	jspace *sp;
	bt_writer w;
	uint32_t root;
	bt_cursor *cur;
	bool cur_at; /* cur is on c->ekey */
	JET_GRBIT grbit;
	bool dedupe; /* TTUnique: one record per key */
	uint64_t seq;
	tbl_rt rt;
};

static _Atomic unsigned long g_tt_names;

static JET_ERR tt_alloc_page(void *ctx, uint32_t *pgno)
{
	tt_table *tt = ctx;
	return space_alloc(tt->sp, pgno);
}

static JET_ERR tt_drop_page(void *ctx, uint32_t pgno, uint64_t stamp)
{
	tt_table *tt = ctx;
	(void)stamp;
	jcache_discard(tt->cache, pgno);
	space_free(tt->sp, pgno);
	return JET_errSuccess;
}

void tt_close(tt_table *tt)
{
	if (!tt)
		return;
	if (tt->cur)
		bt_cursor_close(tt->cur);
	if (tt->cache)
		jcache_destroy(tt->cache);
	if (tt->sp)
		space_destroy(tt->sp);
	if (tt->f)
		dbfile_close(tt->f);
	if (tt->inst) {
		pthread_mutex_lock(&tt->inst->lock);
		tt->inst->ntemp--;
		pthread_mutex_unlock(&tt->inst->lock);
	}
	pthread_mutex_destroy(&tt->rt.lock);
	jet_free(tt);
}

/* The file, unlinked as soon as it exists; its cache and space map. */
static JET_ERR tt_storage(tt_table *tt, const eng_params *p)
{
	JET_ERR err = JET_errSuccess;
	char path[sizeof(p->temp_path) + 64];
	size_t n = strlen(p->temp_path);
	os_vfs *vfs = p->vfs ? p->vfs : os_vfs_posix();
	db_header hdr;
	uint32_t pages;

	if (n == 0)
		snprintf(path, sizeof(path), "./jettmp-%ld-%lu.tmp", (long)getpid(),
			 (unsigned long)++g_tt_names);
	else if (p->temp_path[n - 1] == '/')
		snprintf(path, sizeof(path), "%sjettmp-%ld-%lu.tmp", p->temp_path, (long)getpid(),
			 (unsigned long)++g_tt_names);
	else
		snprintf(path, sizeof(path), "%s-%ld-%lu", p->temp_path, (long)getpid(),
			 (unsigned long)++g_tt_names);
	memset(&hdr, 0, sizeof(hdr));
	hdr.format_version = DB_FORMAT_VERSION;
	hdr.page_size = (uint32_t)p->page_size;
	hdr.state = JET_dbstateJustCreated;
	hdr.page_count = DB_FIRST_DATA_PAGE;
	Call(dbfile_create(vfs, path, &hdr, true, &tt->f));
	(void)vfs->unlink(vfs, path);
	pages = (uint32_t)JET_MIN(p->cache_size_max, (unsigned long)TT_CACHE_PAGES);
	Call(jcache_create(tt->f, JET_MAX(pages, 64u), &tt->cache));
	Call(space_create(tt->f, DB_FIRST_DATA_PAGE, &tt->sp));
	tt->w.cache = tt->cache;
	tt->w.mutable_floor = 1; /* every page is ours: changed in place */
	tt->w.stamp = 1;
	tt->w.alloc_page = tt_alloc_page;
	tt->w.drop_page = tt_drop_page;
	tt->w.ctx = tt;
	Call(bt_create(&tt->w, 1, &tt->root));
	Call(bt_cursor_open(tt->cache, tt->root, &tt->cur));
HandleError:
	return err;
}

#define TT_GRBITS                                                                                  \
	(JET_bitTTIndexed | JET_bitTTUnique | JET_bitTTUpdatable | JET_bitTTScrollable |           \
	 JET_bitTTSortNullsHigh | JET_bitTTErrorOnDuplicateInsertion | JET_bitTTForwardOnly)
#define TT_COLUMN_GRBITS                                                                           \
	(JET_bitColumnFixed | JET_bitColumnTagged | JET_bitColumnNotNULL | JET_bitColumnMultiValued | \
	 JET_bitColumnTTKey | JET_bitColumnTTDescending | JET_bitColumnUpdatable |                 \
	 JET_bitColumnMaybeNull)

/* The definition of the table: columns numbered by class as in a real
 * table, the key columns as its primary index. */
static JET_ERR tt_def(const JET_COLUMNDEF *rg, unsigned long n, uint32_t page_size,
		      unsigned long lcid, unsigned long cbKeyMost, JET_COLUMNID *prgcolumnid,
		      tbl_def **out)
{
	JET_ERR err = JET_errSuccess;
	tbl_def *td = NULL;
	JET_COLUMNID nextFixed = REC_FIXED_FIRST, nextVar = REC_VAR_FIRST, nextTag = REC_TAGGED_FIRST;
	unsigned long i;
	uint32_t nkey = 0;

	Call(tbl_def_alloc(&td));
	strcpy(td->name, "TEMP");
	td->cols = jet_calloc(n ? n : 1, sizeof(tbl_column));
	td->idx = jet_calloc(1, sizeof(tbl_index));
	if (!td->cols || !td->idx)
		Error(JET_errOutOfMemory);
	for (i = 0; i < n; i++) {
		const JET_COLUMNDEF *cd = &rg[i];
		tbl_column *col = &td->cols[i];
		JET_COLTYP t = cd->coltyp;
		bool isLong = t == JET_coltypLongText || t == JET_coltypLongBinary;
		uint32_t cbFixed = rec_coltyp_fixed_size(t);

		if (cd->cbStruct < sizeof(*cd))
			Error(JET_errInvalidParameter);
		if (t < JET_coltypBit || t > JET_coltypUnsignedLongLong || t == JET_coltypSLV)
			Error(JET_errInvalidColumnType);
		if (cd->grbit & ~(JET_GRBIT)TT_COLUMN_GRBITS)
			Error(JET_errInvalidGrbit);
		col->rc.coltyp = t;
		col->rc.cbMax = (uint32_t)cd->cbMax;
		col->rc.grbit = cd->grbit & ~(JET_GRBIT)(JET_bitColumnTTKey | JET_bitColumnTTDescending);
		col->cp = (t == JET_coltypText || t == JET_coltypLongText) ? (cd->cp ? cd->cp : 1252)
									   : 0;
		if (isLong || (cd->grbit & (JET_bitColumnTagged | JET_bitColumnMultiValued))) {
			if (nextTag > REC_TAGGED_LAST)
				Error(JET_errTooManyColumns);
			col->rc.columnid = nextTag++;
			col->rc.grbit |= JET_bitColumnTagged;
		} else if (cbFixed) {
			if (nextFixed > REC_FIXED_LAST)
				Error(JET_errTooManyColumns);
			col->rc.columnid = nextFixed++;
			col->rc.grbit |= JET_bitColumnFixed;
		} else {
			if ((t == JET_coltypText || t == JET_coltypBinary) && cd->cbMax > JET_cbColumnMost)
				Error(JET_errInvalidParameter);
			if (nextVar > REC_VAR_LAST)
				Error(JET_errTooManyColumns);
			col->rc.columnid = nextVar++;
		}
		snprintf(col->name, sizeof(col->name), "c%lu", i);
		if (prgcolumnid)
			prgcolumnid[i] = col->rc.columnid;
		/* Extra key columns are ignored, as ESE does. */
		if ((cd->grbit & JET_bitColumnTTKey) && nkey < JET_ccolKeyMost) {
			td->idx[0].seg[nkey].icol = (uint32_t)col->rc.columnid;
			td->idx[0].seg[nkey].descending = (cd->grbit & JET_bitColumnTTDescending) != 0;
			nkey++;
		}
	}
	td->ncols = (uint32_t)n;
	if (nkey) {
		td->nidx = 1;
		strcpy(td->idx[0].name, "primary");
		td->idx[0].grbit = JET_bitIndexPrimary;
		td->idx[0].nseg = nkey;
		td->idx[0].lcid = (uint32_t)lcid;
		td->idx[0].cbKeyMost = (uint32_t)cbKeyMost; /* finalize caps it */
	}
	Call(tbl_def_finalize(td, page_size));
	*out = td;
	return JET_errSuccess;
HandleError:
	tbl_def_release(td);
	return err;
}

/* Every JetOpenTempTable form: lcid is kept with the key (keys fold text
 * the same way for every locale, as for JetCreateIndex); cbKeyMost (0: the
 * default) limits the key like an index's. */
static JET_ERR tt_open(JET_SESID sesid, const JET_COLUMNDEF *prgcolumndef, unsigned long ccolumn,
		       unsigned long lcid, unsigned long cbKeyMost, JET_GRBIT grbit,
		       JET_TABLEID *ptableid, JET_COLUMNID *prgcolumnid)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	const eng_params *p;
	tbl_def *td = NULL;
	tt_table *tt = NULL;
	api_cursor *c = NULL;
	unsigned long maxCursors;

	CallR(api_enter(sesid, &s));
	p = eng_inst_params(eng_sess_inst(s->eng));
	maxCursors = p->max_cursors;
	if (!ptableid || (ccolumn && !prgcolumndef))
		Error(JET_errInvalidParameter);
	*ptableid = JET_tableidNil;
	if (grbit & ~(JET_GRBIT)TT_GRBITS)
		Error(JET_errInvalidGrbit);
	if (maxCursors && s->ncursors >= maxCursors)
		Error(JET_errOutOfCursors);
	if (cbKeyMost && cbKeyMost < JET_cbKeyMostMin)
		Error(JET_errInvalidParameter);
	Call(tt_def(prgcolumndef, ccolumn, (uint32_t)p->page_size, lcid, cbKeyMost, prgcolumnid,
		    &td));

	tt = jet_calloc(1, sizeof(*tt));
	if (!tt)
		Error(JET_errOutOfMemory);
	pthread_mutex_init(&tt->rt.lock, NULL);
	tt->grbit = grbit;
	tt->dedupe = (grbit & JET_bitTTUnique) && !(grbit & JET_bitTTForwardOnly) && td->nidx;
	pthread_mutex_lock(&s->inst->lock);
	if (p->max_temp_tables && s->inst->ntemp >= p->max_temp_tables)
		err = JET_errTooManySorts;
	else
		s->inst->ntemp++;
	pthread_mutex_unlock(&s->inst->lock);
	Call(err);
	tt->inst = s->inst;
	Call(tt_storage(tt, p));
	td->rt = &tt->rt;

	c = jet_calloc(1, sizeof(*c));
	if (!c)
		Error(JET_errOutOfMemory);
	c->sess = s;
	c->dbid = JET_dbidNil;
	c->level = 0; /* not transacted: no rollback closes it */
	c->rt = &tt->rt;
	c->td = td;
	td = NULL;
	c->ix = tbl_primary(c->td);
	c->ix_objid = 0;
	c->pos = CUR_BEFORE_FIRST;
	c->tt = tt;
	Call(api_tableid_new(c, &c->handle));
	tt = NULL;
	__atomic_add_fetch(&c->rt->nopen, 1, __ATOMIC_RELAXED);
	TAILQ_INSERT_TAIL(&s->cursors, c, link);
	s->ncursors++;
	*ptableid = c->handle;
	c = NULL;
HandleError:
	if (c) {
		tbl_def_release(c->td);
		tt_close(c->tt);
		jet_free(c);
	}
	tt_close(tt);
	tbl_def_release(td);
	api_leave(s);
	return err;
}

JET_ERR JET_API JetOpenTempTable(JET_SESID sesid, const JET_COLUMNDEF *prgcolumndef,
				 unsigned long ccolumn, JET_GRBIT grbit, JET_TABLEID *ptableid,
				 JET_COLUMNID *prgcolumnid)
{
	return tt_open(sesid, prgcolumndef, ccolumn, 0, 0, grbit, ptableid, prgcolumnid);
}

JET_ERR JET_API JetOpenTempTable2(JET_SESID sesid, const JET_COLUMNDEF *prgcolumndef,
				  unsigned long ccolumn, unsigned long lcid, JET_GRBIT grbit,
				  JET_TABLEID *ptableid, JET_COLUMNID *prgcolumnid)
{
	return tt_open(sesid, prgcolumndef, ccolumn, lcid, 0, grbit, ptableid, prgcolumnid);
}

JET_ERR JET_API JetOpenTempTable3(JET_SESID sesid, const JET_COLUMNDEF *prgcolumndef,
				  unsigned long ccolumn, JET_UNICODEINDEX *pidxunicode,
				  JET_GRBIT grbit, JET_TABLEID *ptableid, JET_COLUMNID *prgcolumnid)
{
	return tt_open(sesid, prgcolumndef, ccolumn, pidxunicode ? pidxunicode->lcid : 0, 0, grbit,
		       ptableid, prgcolumnid);
}

JET_ERR JET_API JetOpenTemporaryTable(JET_SESID sesid, JET_OPENTEMPORARYTABLE *popentemporarytable)
{
	JET_OPENTEMPORARYTABLE *o = popentemporarytable;
	api_sess *s;

	CallR(api_enter(sesid, &s)); /* a bad session first, as everywhere */
	api_leave(s);
	if (!o || o->cbStruct < sizeof(*o))
		return JET_errInvalidParameter;
	/* cbVarSegMac (a per-column key limit) is ignored: whole values
	 * make the key up to cbKeyMost. */
	return tt_open(sesid, o->prgcolumndef, o->ccolumn, o->pidxunicode ? o->pidxunicode->lcid : 0,
		       o->cbKeyMost, o->grbit, &o->tableid, o->prgcolumnid);
}

static JET_ERR tt_count_page(void *ctx, uint32_t pgno, int page_type, int level)
{
	(void)pgno;
	(void)page_type;
	(void)level;
	(*(unsigned long *)ctx)++;
	return JET_errSuccess;
}

JET_ERR tt_page_count(api_cursor *c, unsigned long *pn)
{
	*pn = 0;
	return c->tt->root ? bt_walk(c->tt->cache, c->tt->root, tt_count_page, pn)
			   : JET_errSuccess;
}

/* ---- cursor ----------------------------------------------------------- */

static int tt_key_cmp(const uint8_t *a, size_t ca, const uint8_t *b, size_t cb)
{
	int d = memcmp(a, b, JET_MIN(ca, cb));
	return d ? d : (ca < cb ? -1 : ca > cb);
}

static bool tt_in_range(const api_cursor *c, const void *k, size_t ck)
{
	if (!c->range)
		return true;
	if (c->range_upper)
		return tt_key_cmp(k, ck, c->rkey, c->cbRkey) < 0;
	return tt_key_cmp(k, ck, c->rkey, c->cbRkey) >= 0;
}

/* The b+tree cursor is on an entry: make it current. */
static JET_ERR tt_take(api_cursor *c, bool fwd)
{
	tt_table *tt = c->tt;
	const void *k, *v;
	size_t ck, cv;

	CallR(bt_cursor_key(tt->cur, &k, &ck));
	if (!tt_in_range(c, k, ck)) {
		c->pos = fwd ? CUR_AFTER_LAST : CUR_BEFORE_FIRST;
		tt->cur_at = false;
		return JET_errNoCurrentRecord;
	}
	if (ck > TBL_KEY_BUF)
		return JET_errDatabaseCorrupted;
	CallR(bt_cursor_value(tt->cur, &v, &cv));
	if (cv > c->capRec) {
		size_t cap = JET_MAX(cv, 2 * c->capRec);
		uint8_t *p = jet_realloc(c->rec, cap);
		if (!p)
			return JET_errOutOfMemory;
		c->rec = p;
		c->capRec = cap;
	}
	memcpy(c->rec, v, cv);
	c->cbRec = cv;
	memcpy(c->ekey, k, ck);
	c->cbEkey = ck;
	memcpy(c->pk, k, ck);
	c->cbPk = ck;
	c->pos = CUR_ON;
	c->rec_view = 1;
	tt->cur_at = true;
	return JET_errSuccess;
}

JET_ERR tt_current(api_cursor *c)
{
	if (c->pos != CUR_ON)
		return JET_errNoCurrentRecord;
	if (c->rec_view)
		return JET_errSuccess;
	return tt_goto_pk(c, c->pk, c->cbPk) == JET_errSuccess ? JET_errSuccess
							      : JET_errRecordDeleted;
}

static JET_ERR tt_edge(api_cursor *c, bool first)
{
	tt_table *tt = c->tt;
	JET_ERR err;

	bt_cursor_reset(tt->cur, tt->root);
	tt->cur_at = false;
	if (c->range && c->range_upper != first)
		err = bt_seek(tt->cur, c->rkey, c->cbRkey, first ? BT_SEEK_GE : BT_SEEK_LT);
	else
		err = first ? bt_first(tt->cur) : bt_last(tt->cur);
	if (err == JET_errRecordNotFound) {
		c->pos = first ? CUR_AFTER_LAST : CUR_BEFORE_FIRST;
		return JET_errNoCurrentRecord;
	}
	CallR(err);
	return tt_take(c, first);
}

static JET_ERR tt_step(api_cursor *c, bool fwd)
{
	tt_table *tt = c->tt;
	JET_ERR err;

	if (c->pos == CUR_BEFORE_FIRST)
		return fwd ? tt_edge(c, true) : JET_errNoCurrentRecord;
	if (c->pos == CUR_AFTER_LAST)
		return fwd ? JET_errNoCurrentRecord : tt_edge(c, false);
	if (tt->cur_at) {
		err = fwd ? bt_next(tt->cur) : bt_prev(tt->cur);
	} else {
		bt_cursor_reset(tt->cur, tt->root);
		err = bt_seek(tt->cur, c->ekey, c->cbEkey, fwd ? BT_SEEK_GT : BT_SEEK_LT);
		if (err == JET_errRecordNotFound)
			err = JET_errNoCurrentRecord;
	}
	tt->cur_at = false;
	if (err == JET_errNoCurrentRecord) {
		c->pos = fwd ? CUR_AFTER_LAST : CUR_BEFORE_FIRST;
		return err;
	}
	CallR(err);
	return tt_take(c, fwd);
}

/* The index part of the current key (without the insertion number). */
static size_t tt_key_part(const api_cursor *c)
{
	if (c->ix && !c->tt->dedupe && c->cbEkey >= 8)
		return c->cbEkey - 8;
	return c->cbEkey;
}

JET_ERR tt_move(api_cursor *c, long cRow, JET_GRBIT grbit)
{
	unsigned long n;
	bool fwd;

	if (cRow == (long)JET_MoveFirst || cRow == (long)INT32_MIN) {
		c->range = false;
		return tt_edge(c, true);
	}
	if (cRow == JET_MoveLast) {
		c->range = false;
		return tt_edge(c, false);
	}
	if (cRow == 0)
		return tt_current(c);
	fwd = cRow > 0;
	n = fwd ? (unsigned long)cRow : (unsigned long)-cRow;
	while (n-- > 0) {
		if ((grbit & JET_bitMoveKeyNE) && c->pos == CUR_ON) {
			uint8_t cur[TBL_KEY_BUF];
			size_t cb = tt_key_part(c);
			memcpy(cur, c->ekey, cb);
			do {
				CallR(tt_step(c, fwd));
			} while (tt_key_part(c) == cb && memcmp(c->ekey, cur, cb) == 0);
		} else {
			CallR(tt_step(c, fwd));
		}
	}
	return JET_errSuccess;
}

JET_ERR tt_seek(api_cursor *c, JET_GRBIT grbit)
{
	tt_table *tt = c->tt;
	JET_GRBIT mode =
	    grbit & (JET_bitSeekEQ | JET_bitSeekLT | JET_bitSeekLE | JET_bitSeekGE | JET_bitSeekGT);
	uint8_t lim[TBL_KEY_BUF];
	size_t cbLim, ck;
	const void *k;
	JET_ERR err;
	bool eq;

	if (grbit & ~(mode | JET_bitSetIndexRange | JET_bitCheckUniqueness))
		return JET_errInvalidGrbit;
	if (mode == 0 || (mode & (mode - 1)))
		return JET_errInvalidGrbit;
	if ((grbit & JET_bitSetIndexRange) && mode != JET_bitSeekEQ)
		return JET_errInvalidGrbit;
	if (!c->key_made)
		return JET_errKeyNotMade;
	c->range = false;
	memcpy(lim, c->key, c->cbKey);
	cbLim = c->key_limit ? c->cbKey : key_make_end_limit(lim, c->cbKey, sizeof(lim));
	bt_cursor_reset(tt->cur, tt->root);
	tt->cur_at = false;
	switch (mode) {
	case JET_bitSeekEQ:
	case JET_bitSeekGE:
		err = bt_seek(tt->cur, c->key, c->cbKey, BT_SEEK_GE);
		break;
	case JET_bitSeekGT:
		err = bt_seek(tt->cur, lim, cbLim, BT_SEEK_GE);
		break;
	case JET_bitSeekLE:
		err = bt_seek(tt->cur, lim, cbLim, BT_SEEK_LT);
		break;
	default:
		err = bt_seek(tt->cur, c->key, c->cbKey, BT_SEEK_LT);
		break;
	}
	if (err == JET_errRecordNotFound || err == JET_errNoCurrentRecord)
		return JET_errRecordNotFound;
	CallR(err);
	CallR(bt_cursor_key(tt->cur, &k, &ck));
	eq = !c->key_limit && ck >= c->cbKey && memcmp(k, c->key, c->cbKey) == 0;
	if (mode == JET_bitSeekEQ && !eq)
		return JET_errRecordNotFound;
	CallR(tt_take(c, true));
	if (grbit & JET_bitSetIndexRange) {
		memcpy(c->rkey, lim, cbLim);
		c->cbRkey = cbLim;
		c->range = true;
		c->range_upper = true;
	}
	if ((mode == JET_bitSeekGE || mode == JET_bitSeekLE) && !eq)
		return JET_wrnSeekNotEqual;
	return JET_errSuccess;
}

JET_ERR tt_goto_pk(api_cursor *c, const uint8_t *pk, size_t cbPk)
{
	tt_table *tt = c->tt;
	JET_ERR err;

	if (cbPk == 0 || cbPk > TBL_KEY_BUF)
		return JET_errInvalidBookmark;
	bt_cursor_reset(tt->cur, tt->root);
	tt->cur_at = false;
	err = bt_seek(tt->cur, pk, cbPk, BT_SEEK_EQ);
	if (err == JET_errRecordNotFound)
		return JET_errRecordDeleted;
	CallR(err);
	c->range = false;
	return tt_take(c, true);
}

/* The tree key of a record: its key, ++ the insertion number when
 * duplicates are kept; the insertion number alone without key columns. */
static JET_ERR tt_key(api_cursor *c, const uint8_t *rec, size_t cbRec, uint8_t *key, size_t *pcb)
{
	tt_table *tt = c->tt;
	size_t cb = 0;
	bool skip;

	if (c->ix)
		CallR(tbl_index_key(c->td, c->ix, rec, cbRec, key, &cb, &skip));
	if (!tt->dedupe) {
		put_be64(key + cb, ++tt->seq);
		cb += 8;
	}
	*pcb = cb;
	return JET_errSuccess;
}

JET_ERR tt_insert(api_cursor *c, const uint8_t *rec, size_t cbRec, uint8_t *pk, size_t *pcbPk)
{
	tt_table *tt = c->tt;
	JET_ERR err;
	size_t cb;

	CallR(tt_key(c, rec, cbRec, pk, &cb));
	tt->cur_at = false;
	bt_cursor_reset(tt->cur, tt->root);
	err = bt_put(&tt->w, &tt->root, pk, cb, rec, cbRec, BT_PUT_NOOVERWRITE);
	bt_cursor_reset(tt->cur, tt->root);
	if (err == JET_errKeyDuplicate && !(tt->grbit & JET_bitTTErrorOnDuplicateInsertion))
		err = JET_errSuccess; /* TTUnique: the later record is dropped */
	CallR(err);
	c->rec_view = 0;
	*pcbPk = cb;
	return JET_errSuccess;
}

JET_ERR tt_replace(api_cursor *c, const uint8_t *rec, size_t cbRec)
{
	tt_table *tt = c->tt;
	uint8_t key[TBL_KEY_BUF];
	size_t cb = 0;
	bool skip;
	JET_ERR err;

	if (c->ix) {
		CallR(tbl_index_key(c->td, c->ix, rec, cbRec, key, &cb, &skip));
		if (cb > c->cbUpk || memcmp(key, c->upk, cb) != 0 ||
		    (tt->dedupe && cb != c->cbUpk))
			return JET_errRecordPrimaryChanged;
	}
	tt->cur_at = false;
	bt_cursor_reset(tt->cur, tt->root);
	err = bt_put(&tt->w, &tt->root, c->upk, c->cbUpk, rec, cbRec, BT_PUT_MUSTEXIST);
	bt_cursor_reset(tt->cur, tt->root);
	if (err == JET_errRecordNotFound)
		err = JET_errRecordDeleted;
	c->rec_view = 0;
	return err;
}

JET_ERR tt_delete(api_cursor *c)
{
	tt_table *tt = c->tt;
	JET_ERR err;

	if (c->pos != CUR_ON)
		return JET_errNoCurrentRecord;
	tt->cur_at = false;
	bt_cursor_reset(tt->cur, tt->root);
	err = bt_del(&tt->w, &tt->root, c->pk, c->cbPk);
	bt_cursor_reset(tt->cur, tt->root);
	c->rec_view = 0;
	return err == JET_errRecordNotFound ? JET_errRecordDeleted : err;
}
