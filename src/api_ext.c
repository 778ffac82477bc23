/*
 * api_ext.c - libjet's own additions to the JET API (jet.h, "libjet
 * extensions"): the per-table counters and change time that jetfs uses for
 * a table file's exact size and mtime. Thin: each maps onto engine.h's
 * per-tree counters for the table's data tree.
 */
#include "cursor.h"

static JET_ERR ext_enter(JET_SESID sesid, JET_TABLEID tableid, api_sess **ps, api_cursor **pc)
{
	CallR(api_enter(sesid, ps));
	JET_ERR err = api_tableid_get(*ps, tableid, pc);
	if (err < 0)
		api_leave(*ps);
	return err;
}

JET_ERR JET_API JetGetTableState(JET_SESID sesid, JET_TABLEID tableid, JET_TABLESTATE *pstate)
{
	api_sess *s;
	api_cursor *c;
	eng_read r;
	eng_tree_info info;
	JET_ERR err;
	CallR(api_enter(sesid, &s));
	Call(api_tableid_get_any(s, tableid, &c));
	if (!pstate || pstate->cbStruct < sizeof(*pstate))
		Error(JET_errInvalidParameter);
	if (c->ese) {
		/* A file written by Microsoft's ESE keeps no counters: they are
		 * never exact (cModifications 1, counters 0), so a reader (jetfs)
		 * computes what it needs from the rows. */
		memset(pstate->rgCounter, 0, sizeof(pstate->rgCounter));
		pstate->objidTable = c->td->objid;
		pstate->changedNs = 0;
		pstate->cModifications = 1;
		Error(JET_errSuccess);
	}
	Call(eng_read_begin(s->eng, c->db, &r));
	err = eng_read_tree_info(&r, c->td->objid, &info);
	eng_read_end(&r);
	Call(err);
	pstate->objidTable = c->td->objid;
	for (int i = 0; i < JET_ctableCounters; i++)
		pstate->rgCounter[i] = info.counter[i];
	pstate->changedNs = info.changed_ns;
	pstate->cModifications = info.modifications;
HandleError:
	api_leave(s);
	return err;
}

static JET_ERR ext_write_check(api_sess *s, api_cursor *c)
{
	if (c->readonly || c->td->system)
		return JET_errPermissionDenied;
	if (eng_txn_level(s->eng) == 0)
		return JET_errNotInTransaction;
	return JET_errSuccess;
}

JET_ERR JET_API JetAddTableCounter(JET_SESID sesid, JET_TABLEID tableid, unsigned long iCounter,
				   long long delta)
{
	api_sess *s;
	api_cursor *c;
	JET_ERR err;
	CallR(ext_enter(sesid, tableid, &s, &c));
	if (iCounter >= JET_ctableCounters)
		Error(JET_errInvalidParameter);
	Call(ext_write_check(s, c));
	err = eng_counter_add(s->eng, c->db, c->td->objid, (int)iCounter, delta);
HandleError:
	api_leave(s);
	return err;
}

JET_ERR JET_API JetSetTableChangedTime(JET_SESID sesid, JET_TABLEID tableid,
				       unsigned long long changedNs)
{
	api_sess *s;
	api_cursor *c;
	JET_ERR err;
	CallR(ext_enter(sesid, tableid, &s, &c));
	Call(ext_write_check(s, c));
	err = eng_tree_set_changed(s->eng, c->db, c->td->objid, changedNs);
HandleError:
	api_leave(s);
	return err;
}
