/*
 * api_sess.c - sessions and transactions: JetBeginSession, JetDupSession,
 * JetEndSession, JetBeginTransaction(2), JetCommitTransaction, JetRollback;
 * and api_enter/api_leave, the gate every session call passes.
 *
 * api_enter checks, in ESE's order: a live instance at all
 * (JET_errNotInitialized), the handle (JET_errInvalidSesid), the instance's
 * state (JET_errTermInProgress, JET_errClientRequestToStopJetService,
 * JET_errInstanceUnavailable), then marks the session busy with the calling
 * thread; a call from another thread while it is busy is refused at once
 * (JET_errSessionSharingViolation; JET_errSessionInUse for JetEndSession).
 * The lookup takes no lock (handle_peek): the busy mark is set by CAS on
 * the session found, then the handle is looked up again; only if it still
 * names that session is the call admitted, and from then on nobody can end
 * the session under us (JetEndSession needs the mark). A lookup can race
 * with JetEndSession and CAS a session that is being ended or was already
 * recycled, so session objects are never freed: they go to a pool
 * (sess_pool) and are reused, with in_call set to SESS_DEAD while pooled.
 * When the CAS finds the session busy, the old locked path runs instead
 * (handle table lock, state checks, CAS), which keeps ESE's error order.
 */
#include <stdatomic.h>
#include <stddef.h>

#include "api_int.h"
#include "cursor.h"

static unsigned long self_id(void)
{
	unsigned long id = (unsigned long)pthread_self();
	return id ? id : 1;
}

#define SESS_DEAD (~0UL) /* in_call of a pooled session: no CAS from 0 succeeds */

static pthread_mutex_t sess_pool_mu = PTHREAD_MUTEX_INITIALIZER;
static api_sess *sess_pool; /* linked through inst (unused while pooled) */

static api_sess *sess_alloc(void)
{
	pthread_mutex_lock(&sess_pool_mu);
	api_sess *s = sess_pool;
	if (s)
		sess_pool = (api_sess *)(void *)s->inst;
	pthread_mutex_unlock(&sess_pool_mu);
	if (!s) {
		s = jet_calloc(1, sizeof(*s));
		if (s)
			atomic_store(&s->in_call, SESS_DEAD);
	}
	return s;
}

/* Back to the pool; s must be out of the handle table and marked busy or
 * dead, so no racing CAS from 0 can succeed on it. */
static void sess_recycle(api_sess *s)
{
	atomic_store(&s->in_call, SESS_DEAD);
	pthread_mutex_lock(&sess_pool_mu);
	s->inst = (api_inst *)(void *)sess_pool;
	sess_pool = s;
	pthread_mutex_unlock(&sess_pool_mu);
}

/* The checks that follow the handle's validation, in ESE's order. */
static JET_ERR enter_state(api_sess *s, int flags)
{
	/* Written under the instance's lock, read here without it. */
	switch (__atomic_load_n(&s->inst->state, __ATOMIC_ACQUIRE)) {
	case API_INST_RUNNING:
		break;
	case API_INST_TERMINATING:
		return JET_errTermInProgress;
	case API_INST_STOPPED:
		if (!(flags & API_ENTER_ALLOW_STOPPED))
			return JET_errClientRequestToStopJetService;
		break;
	default:
		return JET_errNotInitialized;
	}
	if (eng_inst_fatal(s->inst->eng) && !(flags & API_ENTER_END_SESSION))
		return eng_inst_fatal(s->inst->eng);
	return JET_errSuccess;
}

JET_ERR api_enter_ex(JET_SESID sesid, int flags, api_sess **out)
{
	JET_ERR err = JET_errSuccess;
	unsigned long self = self_id(), expected = 0;
	if (atomic_load(&api_running_instances) <= 0)
		return JET_errNotInitialized;

	/* Fast path: no lock. */
	api_sess *s = handle_peek(&api_sessions, sesid, 0);
	if (!s)
		return JET_errInvalidSesid;
	if (atomic_compare_exchange_strong(&s->in_call, &expected, self)) {
		if (handle_peek(&api_sessions, sesid, 0) != s) {
			/* Ended (and maybe reused) since the lookup. */
			expected = self;
			atomic_compare_exchange_strong(&s->in_call, &expected, 0);
			return JET_errInvalidSesid;
		}
		err = enter_state(s, flags);
		if (err < 0) {
			atomic_store(&s->in_call, 0);
			return err;
		}
		*out = s;
		return JET_errSuccess;
	}

	/* Busy (or being ended): decide under the lock, as before. */
	handle_lock(&api_sessions);
	s = handle_get_locked(&api_sessions, sesid);
	if (!s)
		Error(JET_errInvalidSesid);
	Call(enter_state(s, flags));
	expected = 0;
	if (!atomic_compare_exchange_strong(&s->in_call, &expected, self))
		Error((flags & API_ENTER_END_SESSION) ? JET_errSessionInUse
						      : JET_errSessionSharingViolation);
	*out = s;
HandleError:
	handle_unlock(&api_sessions);
	return err;
}

JET_ERR api_enter(JET_SESID sesid, api_sess **out) { return api_enter_ex(sesid, 0, out); }

void api_leave(api_sess *s)
{
	/* A release, not a full fence: what the call wrote must be visible to
	 * whoever enters next (its CAS acquires), nothing more. */
	if (s)
		atomic_store_explicit(&s->in_call, 0, memory_order_release);
}

JET_ERR api_db(api_sess *s, JET_DBID dbid, jdb **out, bool *preadonly)
{
	if (dbid == 0 || dbid >= API_MAX_DBIDS || !s->dbs[dbid].used)
		return JET_errInvalidDatabaseId;
	/* An ESE file is read only through the functions of api_ese.c. */
	if (s->dbs[dbid].ese)
		return JET_errDatabaseFileReadOnly;
	*out = s->dbs[dbid].db;
	if (preadonly)
		*preadonly = s->dbs[dbid].readonly || eng_db_readonly(s->dbs[dbid].db);
	return JET_errSuccess;
}

JET_ERR api_tableid_new(api_cursor *c, JET_TABLEID *out)
{
	return handle_new_owned(&api_tables, c, c->sess->handle, out);
}

/* Lock-free: the slot's owner tag is checked before c is touched, and a
 * cursor of s cannot be closed while the caller holds s busy. */
JET_ERR api_tableid_get_any(api_sess *s, JET_TABLEID tableid, api_cursor **out)
{
	api_cursor *c = handle_peek(&api_tables, tableid, s->handle);
	if (!c || c->sess != s)
		return JET_errInvalidTableId;
	*out = c;
	return JET_errSuccess;
}

JET_ERR api_tableid_get(api_sess *s, JET_TABLEID tableid, api_cursor **out)
{
	CallR(api_tableid_get_any(s, tableid, out));
	if ((*out)->ese)
		return JET_errDatabaseFileReadOnly;
	return JET_errSuccess;
}

void api_tableid_free(JET_TABLEID tableid) { handle_free(&api_tables, tableid); }

JET_ERR api_copy_out(const void *src, size_t cb, void *dst, unsigned long cbMax)
{
	if (!dst)
		return JET_errInvalidParameter;
	if (cb > cbMax)
		return JET_errBufferTooSmall;
	memcpy(dst, src, cb);
	return JET_errSuccess;
}

/* ---- sessions ---- */

static JET_ERR sess_new(api_inst *i, api_sess **out)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s = NULL;
	pthread_mutex_lock(&i->lock);
	if (i->state != API_INST_RUNNING) {
		err = i->state == API_INST_STOPPED ? JET_errClientRequestToStopJetService
		      : i->state == API_INST_TERMINATING ? JET_errTermInProgress
							 : JET_errNotInitialized;
		goto HandleError;
	}
	if (eng_inst_fatal(i->eng))
		Error(eng_inst_fatal(i->eng));
	if (i->nsessions >= eng_inst_params(i->eng)->max_sessions)
		Error(JET_errOutOfSessions);
	s = sess_alloc();
	if (!s)
		Error(JET_errOutOfMemory);
	/* Pooled: in_call is SESS_DEAD, so the reset below races with nobody. */
	{
		const size_t at = offsetof(api_sess, in_call), after = at + sizeof(s->in_call);
		memset(s, 0, at);
		memset((char *)s + after, 0, sizeof(*s) - after);
	}
	s->inst = i;
	TAILQ_INIT(&s->cursors);
	Call(eng_sess_begin(i->eng, &s->eng));
	JET_API_PTR h;
	err = handle_new(&api_sessions, s, &h);
	if (err < 0) {
		(void)eng_sess_end(s->eng);
		goto HandleError;
	}
	s->handle = (uint32_t)h;
	atomic_store(&s->in_call, 0); /* published: callers may enter */
	TAILQ_INSERT_TAIL(&i->sessions, s, link);
	i->nsessions++;
	pthread_mutex_unlock(&i->lock);
	*out = s;
	return JET_errSuccess;
HandleError:
	pthread_mutex_unlock(&i->lock);
	if (s)
		sess_recycle(s);
	return err;
}

JET_ERR JET_API JetBeginSessionA(JET_INSTANCE instance, JET_SESID *psesid, JET_PCSTR szUserName,
				 JET_PCSTR szPassword)
{
	(void)szUserName;
	(void)szPassword;
	api_inst *i;
	api_sess *s;
	if (!psesid)
		return JET_errInvalidParameter;
	if (atomic_load(&api_running_instances) <= 0)
		return JET_errNotInitialized;
	CallR(api_inst_get(instance, &i));
	CallR(sess_new(i, &s));
	*psesid = s->handle;
	return JET_errSuccess;
}

JET_ERR JET_API JetDupSession(JET_SESID sesid, JET_SESID *psesid)
{
	api_sess *s, *d;
	if (!psesid)
		return JET_errInvalidParameter;
	CallR(api_enter(sesid, &s));
	JET_ERR err = sess_new(s->inst, &d);
	api_leave(s);
	if (err >= 0)
		*psesid = d->handle;
	return err;
}

/* Rolls back, closes cursors and databases, frees. The caller holds the
 * session's busy mark (or is JetTerm, when no other call can run). */
JET_ERR api_sess_destroy(api_sess *s)
{
	JET_ERR err = JET_errSuccess;
	api_inst *i = s->inst;
	cursor_close_session_cursors(s, 0);
	if (eng_txn_level(s->eng) > 0)
		Call(eng_txn_rollback(s->eng, true));
	cursor_deny_release_held(s);
	Call(eng_sess_end(s->eng));
	handle_free(&api_sessions, s->handle);
	pthread_mutex_lock(&i->lock);
	TAILQ_REMOVE(&i->sessions, s, link);
	i->nsessions--;
	pthread_mutex_unlock(&i->lock);
	sess_recycle(s);
HandleError:
	return err;
}

JET_ERR JET_API JetEndSession(JET_SESID sesid, JET_GRBIT grbit)
{
	api_sess *s;
	CallR(api_enter_ex(sesid, API_ENTER_ALLOW_STOPPED | API_ENTER_END_SESSION, &s));
	JET_ERR err = JET_errSuccess;
	if (grbit & ~(JET_GRBIT)JET_bitForceSessionClosed)
		Error(JET_errInvalidParameter);
	if (eng_inst_fatal(s->inst->eng))
		Error(eng_inst_fatal(s->inst->eng));
	err = api_sess_destroy(s);
	if (err >= 0)
		return err; /* s is gone: no api_leave */
HandleError:
	api_leave(s);
	return err;
}

/* ---- transactions ---- */

JET_ERR JET_API JetBeginTransaction2(JET_SESID sesid, JET_GRBIT grbit)
{
	api_sess *s;
	CallR(api_enter(sesid, &s));
	JET_ERR err;
	if (grbit & ~(JET_GRBIT)JET_bitTransactionReadOnly)
		err = JET_errInvalidGrbit;
	else if (grbit && eng_txn_level(s->eng) > 0)
		err = JET_errInvalidGrbit; /* read-only applies to a whole transaction */
	else
		err = eng_txn_begin(s->eng, (grbit & JET_bitTransactionReadOnly) != 0);
	api_leave(s);
	return err;
}

JET_ERR JET_API JetBeginTransaction(JET_SESID sesid) { return JetBeginTransaction2(sesid, 0); }

JET_ERR JET_API JetCommitTransaction(JET_SESID sesid, JET_GRBIT grbit)
{
	api_sess *s;
	CallR(api_enter(sesid, &s));
	int before = eng_txn_level(s->eng);
	JET_ERR err = eng_txn_commit(s->eng, grbit);
	int after = eng_txn_level(s->eng);
	if (err >= 0 && after < before) {
		/* Tables opened in the committed level now belong to the level
		 * below: a later rollback of an unrelated transaction at the old
		 * level must not close them. */
		api_cursor *c;
		TAILQ_FOREACH(c, &s->cursors, link)
		{
			if (c->level > after)
				c->level = after;
		}
	}
	if (after == 0)
		cursor_deny_release_held(s);
	api_leave(s);
	return err;
}

JET_ERR JET_API JetRollback(JET_SESID sesid, JET_GRBIT grbit)
{
	api_sess *s;
	CallR(api_enter(sesid, &s));
	JET_ERR err = JET_errSuccess;
	if (grbit & ~(JET_GRBIT)JET_bitRollbackAll)
		Error(JET_errInvalidGrbit);
	int level = eng_txn_level(s->eng);
	if (level == 0)
		Error(JET_errNotInTransaction);
	/* ESE closes the tables opened inside the levels rolled back. */
	cursor_close_session_cursors(s, (grbit & JET_bitRollbackAll) ? 1 : level);
	err = eng_txn_rollback(s->eng, (grbit & JET_bitRollbackAll) != 0);
	cursor_forget_views(s);
	if (eng_txn_level(s->eng) == 0)
		cursor_deny_release_held(s);
HandleError:
	api_leave(s);
	return err;
}
