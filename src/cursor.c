/*
 * cursor.c - cursors on tables: positioning by saved key, moves, seeks,
 * index ranges, bookmarks (see cursor.h for the position model).
 *
 * Keeping a b+tree position between calls: a b+tree cursor pins its leaf,
 * and between two Jet* calls of a session other sessions commit, the space
 * map frees superseded pages and our own writes change private pages in
 * place, so no pin may outlive a call (a retired page is discarded from the
 * cache, which must not hold it pinned). cursor_park therefore suspends the
 * b+tree cursor (no pin, path kept) and tags it with the call's view; the
 * next call resumes it (cur_resume) only under the rules in cursor.h, and
 * checks that the entry it lands on still has the saved key, so any code
 * that moves the saved key without the b+tree cursor merely costs a
 * re-seek. A JetMove scan thus steps to the next slot of the leaf instead
 * of descending from the root on every call.
 *
 * Ordering helpers compare keys as the tree does: memcmp, a prefix first.
 * Seek semantics follow ESE for keys with fewer segments than the index: an
 * index entry "equals" the search key when the key is a prefix of the entry
 * (segments are self-delimiting, so that is segment-wise equality).
 */
#include "cursor.h"
#include "key.h"
#include "lv.h"
#include "temptable.h"

static int key_cmp(const uint8_t *a, size_t ca, const uint8_t *b, size_t cb)
{
	int d = memcmp(a, b, JET_MIN(ca, cb));
	if (d)
		return d;
	return ca < cb ? -1 : ca > cb;
}

static bool key_has_prefix(const uint8_t *k, size_t ck, const uint8_t *p, size_t cp)
{
	return ck >= cp && memcmp(k, p, cp) == 0;
}

static bool cur_secondary(const api_cursor *c)
{
	return c->ix && c->ix != tbl_primary(c->td);
}

static JET_ERR mem_take(api_cursor *c, uint32_t i);
static uint32_t mem_row(const api_cursor *c);
static JET_ERR mem_move(api_cursor *c, long cRow);

JET_ERR cursor_open(api_sess *s, JET_DBID dbid, jdb *db, tbl_def *td, bool readonly,
		    JET_TABLEID *ptableid)
{
	JET_ERR err = JET_errSuccess;
	api_cursor *c = NULL;
	unsigned long maxCursors = eng_inst_params(eng_sess_inst(s->eng))->max_cursors;

	if (maxCursors && s->ncursors >= maxCursors)
		return JET_errOutOfCursors;
	c = jet_calloc(1, sizeof(*c));
	if (!c)
		return JET_errOutOfMemory;
	c->sess = s;
	c->db = db;
	c->dbid = dbid;
	c->readonly = readonly || td->system;
	c->level = eng_txn_level(s->eng);
	if (td->rt)
		c->rt = td->rt;
	else
		Call(tbl_rt_get(db, td->objid, &c->rt));
	tbl_def_addref(td);
	c->td = td;
	c->ix = tbl_primary(td);
	c->ix_objid = td->objid;
	c->pos = CUR_BEFORE_FIRST;
	Call(api_tableid_new(c, &c->handle));
	__atomic_add_fetch(&c->rt->nopen, 1, __ATOMIC_RELAXED);
	TAILQ_INSERT_TAIL(&s->cursors, c, link);
	s->ncursors++;
	*ptableid = c->handle;
	return JET_errSuccess;

HandleError:
	if (c->td)
		tbl_def_release(c->td);
	jet_free(c);
	return err;
}

struct cursor_deny_hold {
	tbl_rt *rt;
	JET_GRBIT deny;
	struct cursor_deny_hold *next;
};

static void deny_give_back(tbl_rt *rt, JET_GRBIT deny)
{
	pthread_mutex_lock(&rt->lock);
	if (deny & JET_bitTableDenyRead)
		rt->deny_read--;
	else
		rt->deny_write--;
	if (!rt->deny_read && !rt->deny_write)
		rt->deny_owner = NULL;
	pthread_mutex_unlock(&rt->lock);
}

void cursor_deny_release_held(api_sess *s)
{
	while (s->deny_held) {
		struct cursor_deny_hold *h = s->deny_held;
		s->deny_held = h->next;
		deny_give_back(h->rt, h->deny);
		jet_free(h);
	}
}

JET_ERR cursor_write_prepare(api_cursor *c)
{
	api_sess *s = c->sess;
	tbl_rt *rt = c->rt;
	bool held;

	if (!rt || c->tt || c->mem || c->ese)
		return JET_errSuccess;
	/* Only we change deny_owner away from us or to us, but others read it. */
	pthread_mutex_lock(&rt->lock);
	held = rt->deny_owner == s;
	pthread_mutex_unlock(&rt->lock);
	if (!held)
		return JET_errSuccess;
	CallR(eng_tree_exclusive(s->eng, c->db, c->td->objid));
	for (uint32_t i = 0; i < c->td->nidx; i++)
		if ((int)i != c->td->iprimary)
			CallR(eng_tree_exclusive(s->eng, c->db, c->td->idx[i].objid));
	return JET_errSuccess;
}

JET_ERR cursor_deny(api_cursor *c, JET_GRBIT grbit)
{
	const JET_GRBIT deny = grbit & (JET_bitTableDenyRead | JET_bitTableDenyWrite);
	api_sess *s = c->sess;
	tbl_rt *rt = c->rt;
	api_cursor *o;
	uint32_t own = 0, nopen;
	JET_ERR err = JET_errSuccess;

	TAILQ_FOREACH(o, &s->cursors, link)
	{
		if (o->rt == rt)
			own++;
	}
	/* Our cursor is counted in nopen already, so an open racing with
	 * ours sees our hold or is seen here. Readers and writers are not
	 * told apart among the others: any other open cursor makes a
	 * DenyWrite request JET_errTableInUse too. */
	pthread_mutex_lock(&rt->lock);
	nopen = __atomic_load_n(&rt->nopen, __ATOMIC_ACQUIRE);
	if (rt->deny_owner && rt->deny_owner != s) {
		if (deny || rt->deny_read || (rt->deny_write && !c->readonly))
			err = JET_errTableLocked;
	} else if (deny && nopen > own) {
		err = JET_errTableInUse;
	}
	if (err == JET_errSuccess && deny) {
		c->deny_hold = jet_calloc(1, sizeof(*c->deny_hold));
		if (!c->deny_hold)
			err = JET_errOutOfMemory;
	}
	if (err == JET_errSuccess && deny) {
		rt->deny_owner = s;
		if (deny & JET_bitTableDenyRead)
			rt->deny_read++;
		else
			rt->deny_write++;
		c->deny = deny;
	}
	pthread_mutex_unlock(&rt->lock);
	return err;
}

void cursor_close(api_cursor *c)
{
	api_sess *s = c->sess;

	if (c->deny && eng_txn_level(s->eng) > 0) {
		/* Writes under the hold may have made no per-key locks: the
		 * table stays closed to other writers until the transaction
		 * ends. */
		c->deny_hold->rt = c->rt;
		c->deny_hold->deny = c->deny;
		c->deny_hold->next = s->deny_held;
		s->deny_held = c->deny_hold;
	} else {
		if (c->deny)
			deny_give_back(c->rt, c->deny);
		jet_free(c->deny_hold);
	}

	TAILQ_REMOVE(&s->cursors, c, link);
	s->ncursors--;
	api_tableid_free(c->handle);
	__atomic_sub_fetch(&c->rt->nopen, 1, __ATOMIC_RELAXED);
	if (c->lvp)
		cursor_update_cancel(c, true);
	rec_edit_free(c->edit);
	if (c->bt)
		bt_cursor_close(c->bt);
	tbl_def_release(c->td);
	jet_free(c->rec);
	if (c->mem)
		cursor_mem_release(c->mem);
	if (c->tt)
		tt_close(c->tt);
	if (c->ese)
		cursor_ese_close(c);
	jet_free(c);
}

void cursor_close_session_cursors(api_sess *s, int close_from_level)
{
	api_cursor *c, *next;

	for (c = TAILQ_FIRST(&s->cursors); c; c = next) {
		next = TAILQ_NEXT(c, link);
		if (c->level >= close_from_level) {
			cursor_close(c);
		} else if (c->lvp) {
			/* Long-value chunks written in the levels rolled back
			 * vanish: the update that wrote them cannot go on. */
			const struct lv_pend *p;
			for (p = c->lvp; p; p = p->next)
				if (p->level >= close_from_level)
					break;
			if (p)
				cursor_update_cancel(c, false);
		}
	}
}

void cursor_set_def(api_cursor *c, tbl_def *td)
{
	const tbl_index *ix = NULL;

	if (c->ix && cur_secondary(c))
		ix = tbl_index_by_name(td, c->ix->name);
	else
		ix = tbl_primary(td);
	tbl_def_addref(td);
	tbl_def_release(c->td);
	c->td = td;
	c->ix = ix;
	c->ix_objid = ix ? ix->objid : td->objid;
	c->rec_view = 0;
	c->bt_at = false;
	if (c->edit) {
		/* The edit was made with the old schema; keep it (columns only
		 * get added), record.c reads the same ids. */
	}
}

void cursor_reset_position(api_cursor *c)
{
	c->pos = CUR_BEFORE_FIRST;
	c->cbEkey = 0;
	c->cbPk = 0;
	c->rec_view = 0;
	c->range = false;
	c->bt_at = false;
}

void cursor_park(api_cursor *c, eng_read *r)
{
	if (!c->bt)
		return;
	if (c->bt_at && c->pos == CUR_ON && r->view != 0 && c->bt_objid == c->ix_objid &&
	    bt_cursor_positioned(c->bt) && !eng_read_is_private(r, c->ix_objid)) {
		bt_cursor_suspend(c->bt);
		c->bt_view = r->view;
	} else if (c->bt_view != 0 && c->bt_view == r->view) {
		/* Not used by this call (JetRetrieveColumn): stays suspended. */
		bt_cursor_suspend(c->bt);
	} else {
		bt_cursor_reset(c->bt, 0);
		c->bt_view = 0;
	}
	c->bt_at = false;
}

void cursor_forget_views(api_sess *s)
{
	api_cursor *c;

	TAILQ_FOREACH(c, &s->cursors, link)
	{
		if (c->bt)
			bt_cursor_reset(c->bt, 0);
		c->bt_view = 0;
		c->bt_at = false;
		c->root_view = 0;
		c->rec_view = 0;
	}
}

/* Can the suspended b+tree position be continued in this call? See the
 * rules in cursor.h; the entry must also still carry the saved key. */
static bool cur_resume(api_cursor *c, eng_read *r)
{
	const void *k;
	size_t ck;

	if (!c->bt || c->bt_view == 0 || c->bt_view != r->view || c->bt_objid != c->ix_objid ||
	    c->pos != CUR_ON)
		return false;
	if (eng_read_is_private(r, c->ix_objid))
		return false;
	if (bt_cursor_key(c->bt, &k, &ck) < 0)
		return false; /* the re-seek reports any real error */
	if (ck != c->cbEkey || memcmp(k, c->ekey, ck) != 0)
		return false;
	c->bt_at = true;
	return true;
}

/* Points the b+tree cursor at the current index's tree as r sees it. The
 * root of a published tree is cached by view (cursor.h). */
static JET_ERR cur_bt(api_cursor *c, eng_read *r)
{
	uint32_t root;
	bool priv = eng_read_is_private(r, c->ix_objid);

	c->bt_at = false;
	c->bt_view = 0;
	if (!priv && r->view != 0 && c->root_view == r->view && c->root_objid == c->ix_objid) {
		root = c->root;
	} else {
		CallR(eng_read_root(r, c->ix_objid, &root));
		c->root_view = priv ? 0 : r->view;
		c->root_objid = c->ix_objid;
		c->root = root;
	}
	c->bt_objid = c->ix_objid;
	if (!c->bt)
		return bt_cursor_open(eng_db_cache(r->db), root, &c->bt);
	bt_cursor_reset(c->bt, root);
	return JET_errSuccess;
}

static JET_ERR rec_copy(api_cursor *c, const void *rec, size_t cb)
{
	if (cb > c->capRec) {
		size_t cap = JET_MAX(cb, 2 * c->capRec);
		uint8_t *p = jet_realloc(c->rec, cap);
		if (!p)
			return JET_errOutOfMemory;
		c->rec = p;
		c->capRec = cap;
	}
	if (cb) /* a zero-length record may come with rec == c->rec == NULL */
		memcpy(c->rec, rec, cb);
	c->cbRec = cb;
	return JET_errSuccess;
}

/* Is entry key k inside the index range? */
static bool in_range(const api_cursor *c, const uint8_t *k, size_t ck)
{
	if (!c->range)
		return true;
	if (c->range_upper)
		return key_cmp(k, ck, c->rkey, c->cbRkey) < 0;
	return key_cmp(k, ck, c->rkey, c->cbRkey) >= 0;
}

/* The b+tree cursor is on an entry: check the range, make it current. */
static JET_ERR cur_take(api_cursor *c, eng_read *r, bool fwd)
{
	JET_ERR err = JET_errSuccess;
	const void *k, *v;
	size_t ck, cv;

	Call(bt_cursor_key(c->bt, &k, &ck));
	if (!in_range(c, k, ck)) {
		/* Past the range's end in the direction of travel. */
		c->pos = fwd ? CUR_AFTER_LAST : CUR_BEFORE_FIRST;
		Error(JET_errNoCurrentRecord);
	}
	if (ck > TBL_KEY_BUF)
		Error(JET_errDatabaseCorrupted);
	Call(bt_cursor_value(c->bt, &v, &cv));
	memcpy(c->ekey, k, ck);
	c->cbEkey = ck;
	if (!cur_secondary(c)) {
		memcpy(c->pk, k, ck);
		c->cbPk = ck;
		Call(rec_copy(c, v, cv));
	} else {
		if (cv > TBL_KEY_BUF)
			Error(JET_errSecondaryIndexCorrupted);
		memcpy(c->pk, v, cv);
		c->cbPk = cv;
		err = tbl_read_record(r, c->td, c->pk, c->cbPk, &c->rec, &c->capRec, &c->cbRec);
		if (err == JET_errRecordNotFound)
			err = JET_errSecondaryIndexCorrupted;
		Call(err);
	}
	c->pos = CUR_ON;
	c->rec_view = r->view;
	c->bt_at = true;
	err = JET_errSuccess;
HandleError:
	return err;
}

/* First / last entry of the current index within the range. */
static JET_ERR cur_edge(api_cursor *c, eng_read *r, bool first)
{
	JET_ERR err;

	CallR(cur_bt(c, r));
	if (c->range && c->range_upper != first)
		/* The range bound is on this side: start from it. */
		err = bt_seek(c->bt, c->rkey, c->cbRkey, first ? BT_SEEK_GE : BT_SEEK_LT);
	else
		err = first ? bt_first(c->bt) : bt_last(c->bt);
	if (err == JET_errRecordNotFound) {
		c->pos = first ? CUR_AFTER_LAST : CUR_BEFORE_FIRST;
		return JET_errNoCurrentRecord;
	}
	CallR(err);
	return cur_take(c, r, first);
}

/* One step; positioned says the b+tree cursor already sits on c->ekey. */
static JET_ERR cur_step(api_cursor *c, eng_read *r, bool fwd, bool *positioned)
{
	JET_ERR err;

	if (c->pos == CUR_BEFORE_FIRST) {
		if (!fwd)
			return JET_errNoCurrentRecord;
		err = cur_edge(c, r, true);
		*positioned = err >= 0;
		return err;
	}
	if (c->pos == CUR_AFTER_LAST) {
		if (fwd)
			return JET_errNoCurrentRecord;
		err = cur_edge(c, r, false);
		*positioned = err >= 0;
		return err;
	}
	if (!*positioned)
		*positioned = cur_resume(c, r);
	if (*positioned) {
		c->bt_at = false;
		c->bt_view = 0;
		err = fwd ? bt_next(c->bt) : bt_prev(c->bt);
	} else {
		CallR(cur_bt(c, r));
		err = bt_seek(c->bt, c->ekey, c->cbEkey, fwd ? BT_SEEK_GT : BT_SEEK_LT);
		if (err == JET_errRecordNotFound)
			err = JET_errNoCurrentRecord;
	}
	if (err == JET_errNoCurrentRecord) {
		c->pos = fwd ? CUR_AFTER_LAST : CUR_BEFORE_FIRST;
		*positioned = false;
		return err;
	}
	CallR(err);
	err = cur_take(c, r, fwd);
	*positioned = err >= 0;
	return err;
}

JET_ERR cursor_current_record(api_cursor *c, eng_read *r)
{
	JET_ERR err;

	if (c->pos != CUR_ON)
		return JET_errNoCurrentRecord;
	if (c->ese)
		return cursor_ese_current(c);
	if (c->mem)
		return mem_take(c, mem_row(c));
	if (c->tt)
		return tt_current(c);
	if (c->rec_view == r->view && c->rec_view != 0)
		return JET_errSuccess;
	err = tbl_read_record(r, c->td, c->pk, c->cbPk, &c->rec, &c->capRec, &c->cbRec);
	if (err == JET_errRecordNotFound)
		return JET_errRecordDeleted;
	CallR(err);
	c->rec_view = r->view;
	return JET_errSuccess;
}

/* Length of the index-key part of the current entry (without the primary
 * key a non-unique secondary entry carries). */
static size_t ekey_index_part(const api_cursor *c)
{
	if (cur_secondary(c) && !(c->ix->grbit & JET_bitIndexUnique) && c->cbEkey >= c->cbPk)
		return c->cbEkey - c->cbPk;
	return c->cbEkey;
}

JET_ERR cursor_move(api_cursor *c, eng_read *r, long cRow, JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	bool positioned = false, fwd;
	unsigned long n;

	if (c->mem)
		return mem_move(c, cRow);
	if (c->tt)
		return tt_move(c, cRow, grbit);
	if (c->ese)
		return cursor_ese_move(c, cRow, grbit);
	if (cRow == (long)JET_MoveFirst || cRow == (long)INT32_MIN) {
		c->range = false;
		return cur_edge(c, r, true);
	}
	if (cRow == JET_MoveLast) {
		c->range = false;
		return cur_edge(c, r, false);
	}
	if (cRow == 0)
		return cursor_current_record(c, r);
	fwd = cRow > 0;
	n = fwd ? (unsigned long)cRow : (unsigned long)-cRow;
	while (n-- > 0) {
		if (grbit & JET_bitMoveKeyNE) {
			/* Skip every entry with the same index key. */
			uint8_t cur[TBL_KEY_BUF];
			size_t cb = c->pos == CUR_ON ? ekey_index_part(c) : 0;
			bool had = c->pos == CUR_ON;
			memcpy(cur, c->ekey, cb);
			do {
				CallR(cur_step(c, r, fwd, &positioned));
			} while (had && key_has_prefix(c->ekey, c->cbEkey, cur, cb) &&
				 ekey_index_part(c) == cb);
		} else {
			CallR(cur_step(c, r, fwd, &positioned));
		}
	}
	return err;
}

JET_ERR cursor_seek(api_cursor *c, eng_read *r, JET_GRBIT grbit)
{
	JET_ERR err;
	JET_GRBIT mode =
	    grbit & (JET_bitSeekEQ | JET_bitSeekLT | JET_bitSeekLE | JET_bitSeekGE | JET_bitSeekGT);
	uint8_t lim[TBL_KEY_BUF];
	size_t cbLim;
	const uint8_t *k;
	size_t ck;
	bool eq;

	if (c->tt)
		return tt_seek(c, grbit);
	if (c->ese)
		return cursor_ese_seek(c, grbit);

	if (grbit & ~(mode | JET_bitSetIndexRange | JET_bitCheckUniqueness))
		return JET_errInvalidGrbit;
	if (mode == 0 || (mode & (mode - 1)))
		return JET_errInvalidGrbit;
	if ((grbit & JET_bitSetIndexRange) && mode != JET_bitSeekEQ)
		return JET_errInvalidGrbit;
	if (!c->key_made)
		return JET_errKeyNotMade;
	c->range = false;

	/* lim = the end limit of the key (the first key past every key it
	 * prefixes); a key made with a limit bit is its own limit. */
	memcpy(lim, c->key, c->cbKey);
	cbLim = c->key_limit ? c->cbKey : key_make_end_limit(lim, c->cbKey, sizeof(lim));

	CallR(cur_bt(c, r));
	switch (mode) {
	case JET_bitSeekEQ:
	case JET_bitSeekGE:
		err = bt_seek(c->bt, c->key, c->cbKey, BT_SEEK_GE);
		break;
	case JET_bitSeekGT:
		err = bt_seek(c->bt, lim, cbLim, BT_SEEK_GE);
		break;
	case JET_bitSeekLE:
		err = bt_seek(c->bt, lim, cbLim, BT_SEEK_LT);
		break;
	default: /* LT */
		err = bt_seek(c->bt, c->key, c->cbKey, BT_SEEK_LT);
		break;
	}
	if (err == JET_errRecordNotFound || err == JET_errNoCurrentRecord)
		return JET_errRecordNotFound;
	CallR(err);
	{
		const void *pk;
		CallR(bt_cursor_key(c->bt, &pk, &ck));
		k = pk;
	}
	eq = !c->key_limit && key_has_prefix(k, ck, c->key, c->cbKey);
	if (mode == JET_bitSeekEQ && !eq)
		return JET_errRecordNotFound;
	err = cur_take(c, r, true);
	if (err == JET_errNoCurrentRecord)
		err = JET_errRecordNotFound;
	CallR(err);
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

JET_ERR cursor_goto_pk(api_cursor *c, eng_read *r, const uint8_t *pk, size_t cbPk)
{
	JET_ERR err;

	if (cbPk == 0 || cbPk > TBL_KEY_BUF)
		return JET_errInvalidBookmark;
	if (c->tt)
		return tt_goto_pk(c, pk, cbPk);
	if (c->ese)
		return cursor_ese_goto_key(c, pk, cbPk);
	if (c->mem) {
		if (cbPk != 4 || get_be32(pk) >= cursor_mem_count(c->mem))
			return JET_errInvalidBookmark;
		c->range = false;
		return mem_take(c, get_be32(pk));
	}
	c->bt_at = false;
	err = tbl_read_record(r, c->td, pk, cbPk, &c->rec, &c->capRec, &c->cbRec);
	if (err == JET_errRecordNotFound) {
		c->rec_view = 0;
		return JET_errRecordDeleted;
	}
	CallR(err);
	if (pk != c->pk)
		memmove(c->pk, pk, cbPk);
	c->cbPk = cbPk;
	if (cur_secondary(c)) {
		bool skip;
		CallR(tbl_entry_key(c->td, c->ix, c->rec, c->cbRec, c->pk, c->cbPk, c->ekey,
				    &c->cbEkey, &skip));
		if (skip) {
			/* The record is not in this index: no place in it. */
			c->pos = CUR_BEFORE_FIRST;
			c->rec_view = 0;
			return JET_errNoCurrentRecord;
		}
	} else {
		memcpy(c->ekey, c->pk, cbPk);
		c->cbEkey = cbPk;
	}
	c->range = false;
	c->pos = CUR_ON;
	c->rec_view = r->view;
	return JET_errSuccess;
}

JET_ERR cursor_set_index(api_cursor *c, eng_read *r, const tbl_index *ix, bool nomove)
{
	JET_ERR err;

	c->key_made = false;
	c->range = false;
	c->bt_at = false;
	if (c->tt) {
		if (nomove && c->pos == CUR_ON)
			return JET_errSuccess;
		err = tt_move(c, JET_MoveFirst, 0);
		return err == JET_errNoCurrentRecord ? JET_errSuccess : err;
	}
	if (c->mem) {
		if (nomove && c->pos == CUR_ON)
			return JET_errSuccess;
		err = mem_move(c, JET_MoveFirst);
		return err == JET_errNoCurrentRecord ? JET_errSuccess : err;
	}
	if (ix == c->ix && c->pos == CUR_ON)
		return JET_errSuccess; /* ESE: the same index keeps the position */
	if (nomove && c->pos == CUR_ON) {
		uint8_t pk[TBL_KEY_BUF];
		size_t cbPk = c->cbPk;
		memcpy(pk, c->pk, cbPk);
		c->ix = ix;
		c->ix_objid = ix ? ix->objid : c->td->objid;
		return cursor_goto_pk(c, r, pk, cbPk);
	}
	c->ix = ix;
	c->ix_objid = ix ? ix->objid : c->td->objid;
	cursor_reset_position(c);
	err = cur_edge(c, r, true);
	if (err == JET_errNoCurrentRecord) {
		/* An empty index: success, no current record (as ESE). */
		c->pos = CUR_BEFORE_FIRST;
		err = JET_errSuccess;
	}
	return err;
}

/* ------------------------------------------------------------------ */
/* List tables (cursor.h)                                             */
/* ------------------------------------------------------------------ */

struct cursor_mem {
	uint32_t refs; /* __atomic_* builtins only */
	uint8_t *buf; /* the rows back to back */
	size_t cb, cap;
	size_t *off; /* row i: buf[off[i] .. off[i+1]) */
	uint32_t n, capn;
	tbl_rt rt; /* what cursor_close counts (nopen) */
};

JET_ERR cursor_mem_new(cursor_mem **out)
{
	cursor_mem *m = jet_calloc(1, sizeof(*m));

	if (!m)
		return JET_errOutOfMemory;
	m->off = jet_malloc(sizeof(size_t));
	if (!m->off) {
		jet_free(m);
		return JET_errOutOfMemory;
	}
	m->off[0] = 0;
	m->refs = 1;
	*out = m;
	return JET_errSuccess;
}

JET_ERR cursor_mem_add(cursor_mem *m, const uint8_t *rec, size_t cb)
{
	if (m->cb + cb > m->cap) {
		size_t cap = JET_MAX(m->cb + cb, 2 * m->cap + 256);
		uint8_t *p = jet_realloc(m->buf, cap);
		if (!p)
			return JET_errOutOfMemory;
		m->buf = p;
		m->cap = cap;
	}
	if (m->n + 1 >= m->capn) {
		uint32_t capn = m->capn ? 2 * m->capn : 16;
		size_t *p = jet_realloc(m->off, (capn + 1) * sizeof(size_t));
		if (!p)
			return JET_errOutOfMemory;
		m->off = p;
		m->capn = capn;
	}
	memcpy(m->buf + m->cb, rec, cb);
	m->cb += cb;
	m->n++;
	m->off[m->n] = m->cb;
	return JET_errSuccess;
}

uint32_t cursor_mem_count(const cursor_mem *m)
{
	return m->n;
}

void cursor_mem_release(cursor_mem *m)
{
	if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	jet_free(m->buf);
	jet_free(m->off);
	jet_free(m);
}

JET_ERR cursor_open_mem(api_sess *s, JET_DBID dbid, jdb *db, tbl_def *td, cursor_mem *m,
			JET_TABLEID *ptableid)
{
	JET_ERR err = JET_errSuccess;
	api_cursor *c = NULL;
	unsigned long maxCursors = eng_inst_params(eng_sess_inst(s->eng))->max_cursors;

	if (maxCursors && s->ncursors >= maxCursors)
		Error(JET_errOutOfCursors);
	c = jet_calloc(1, sizeof(*c));
	if (!c)
		Error(JET_errOutOfMemory);
	c->sess = s;
	c->db = db;
	c->dbid = dbid;
	c->readonly = true;
	c->level = eng_txn_level(s->eng);
	c->rt = &m->rt;
	c->mem = m;
	tbl_def_addref(td);
	c->td = td;
	c->ix = NULL;
	c->ix_objid = 0;
	c->pos = CUR_BEFORE_FIRST;
	err = api_tableid_new(c, &c->handle);
	if (err < 0) {
		tbl_def_release(td);
		jet_free(c);
		goto HandleError;
	}
	__atomic_add_fetch(&c->rt->nopen, 1, __ATOMIC_RELAXED);
	TAILQ_INSERT_TAIL(&s->cursors, c, link);
	s->ncursors++;
	*ptableid = c->handle;
	return JET_errSuccess;
HandleError:
	cursor_mem_release(m);
	return err;
}

static uint32_t mem_row(const api_cursor *c)
{
	return c->cbPk == 4 ? get_be32(c->pk) : 0;
}

/* Makes row i current. */
static JET_ERR mem_take(api_cursor *c, uint32_t i)
{
	cursor_mem *m = c->mem;

	if (i >= m->n)
		return JET_errNoCurrentRecord;
	CallR(rec_copy(c, m->buf + m->off[i], m->off[i + 1] - m->off[i]));
	put_be32(c->pk, i);
	c->cbPk = 4;
	memcpy(c->ekey, c->pk, 4);
	c->cbEkey = 4;
	c->pos = CUR_ON;
	c->rec_view = 0;
	return JET_errSuccess;
}

static JET_ERR mem_move(api_cursor *c, long cRow)
{
	int64_t n = c->mem->n, i;

	if (cRow == (long)JET_MoveFirst || cRow == (long)INT32_MIN) {
		i = 0;
	} else if (cRow == JET_MoveLast) {
		i = n - 1;
	} else if (cRow == 0) {
		return c->pos == CUR_ON ? mem_take(c, mem_row(c)) : JET_errNoCurrentRecord;
	} else {
		i = c->pos == CUR_ON ? (int64_t)mem_row(c) : c->pos == CUR_BEFORE_FIRST ? -1 : n;
		i += cRow;
	}
	if (i < 0 || n == 0) {
		c->pos = cRow > 0 ? CUR_AFTER_LAST : CUR_BEFORE_FIRST;
		return JET_errNoCurrentRecord;
	}
	if (i >= n) {
		c->pos = CUR_AFTER_LAST;
		return JET_errNoCurrentRecord;
	}
	return mem_take(c, (uint32_t)i);
}

/* ------------------------------------------------------------------ */
/* JetDupCursor, record positions                                     */
/* ------------------------------------------------------------------ */

JET_ERR cursor_dup(api_cursor *c, eng_read *r, JET_TABLEID *ptableid)
{
	JET_ERR err;
	api_cursor *d;

	if (c->mem) {
		__atomic_add_fetch(&c->mem->refs, 1, __ATOMIC_RELAXED);
		CallR(cursor_open_mem(c->sess, c->dbid, c->db, c->td, c->mem, ptableid));
	} else {
		CallR(cursor_open(c->sess, c->dbid, c->db, c->td, c->readonly, ptableid));
	}
	CallR(api_tableid_get(c->sess, *ptableid, &d));
	/* ESE defers a move to the first record; an empty table leaves the
	 * new cursor on no record. */
	err = cursor_move(d, r, JET_MoveFirst, 0);
	if (err == JET_errNoCurrentRecord) {
		cursor_reset_position(d);
		err = JET_errSuccess;
	}
	cursor_park(d, r);
	if (err < 0) {
		cursor_close(d);
		*ptableid = JET_tableidNil;
	}
	return err;
}

/* Counts the entries of the current index, and those before key (all when
 * key is NULL). */
static JET_ERR count_entries(api_cursor *c, eng_read *r, const uint8_t *key, size_t cbKey,
			     uint64_t *plt, uint64_t *ptotal)
{
	JET_ERR err = JET_errSuccess;
	bt_cursor *cur = NULL;
	uint32_t root;
	uint64_t lt = 0, total = 0;

	Call(eng_read_root(r, c->ix_objid, &root));
	Call(bt_cursor_open(eng_db_cache(r->db), root, &cur));
	for (err = bt_first(cur); err >= 0; err = bt_next(cur)) {
		if (key) {
			const void *k;
			size_t ck;
			Call(bt_cursor_key(cur, &k, &ck));
			if (key_cmp(k, ck, key, cbKey) < 0)
				lt++;
		}
		total++;
	}
	if (err != JET_errRecordNotFound && err != JET_errNoCurrentRecord)
		goto HandleError;
	err = JET_errSuccess;
	*plt = key ? lt : total;
	*ptotal = total;
HandleError:
	if (cur)
		bt_cursor_close(cur);
	return err;
}

JET_ERR cursor_get_position(api_cursor *c, eng_read *r, unsigned long *plt,
			    unsigned long *ptotal)
{
	uint64_t lt, total;

	if (c->pos != CUR_ON)
		return JET_errNoCurrentRecord;
	if (c->mem) {
		*plt = mem_row(c);
		*ptotal = c->mem->n;
		return JET_errSuccess;
	}
	CallR(count_entries(c, r, c->ekey, c->cbEkey, &lt, &total));
	/* The current entry may be gone (deleted since): it still counts. */
	if (total <= lt)
		total = lt + 1;
	*plt = (unsigned long)lt;
	*ptotal = (unsigned long)total;
	return JET_errSuccess;
}

JET_ERR cursor_goto_position(api_cursor *c, eng_read *r, unsigned long lt, unsigned long total)
{
	JET_ERR err;
	uint64_t n, target, i, unused;

	c->range = false;
	if (c->mem)
		n = c->mem->n;
	else
		CallR(count_entries(c, r, NULL, 0, &unused, &n));
	if (n == 0) {
		cursor_reset_position(c);
		return JET_errRecordNotFound;
	}
	target = (uint64_t)lt * n / total;
	if (target >= n)
		target = n - 1;
	if (c->mem)
		return mem_take(c, (uint32_t)target);
	CallR(cur_bt(c, r));
	err = bt_first(c->bt);
	for (i = 0; err >= 0 && i < target; i++)
		err = bt_next(c->bt);
	if (err == JET_errRecordNotFound || err == JET_errNoCurrentRecord) {
		cursor_reset_position(c);
		return JET_errRecordNotFound;
	}
	CallR(err);
	return cur_take(c, r, true);
}
