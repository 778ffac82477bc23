/*
 * api.h - what the Jet* functions share: handle validation and the
 * per-session state of the API layer.
 *
 * Handles are never raw pointers: JET_INSTANCE, JET_SESID and JET_TABLEID
 * are (slot index | generation << 20) + 1 in process-wide tables, so a stale
 * or forged handle is found out (JET_errInvalidInstance / InvalidSesid /
 * InvalidTableId) instead of being dereferenced. JET_DBID is a small index
 * into the session's open-database table, as in ESE.
 *
 * Every Jet* function that takes a session starts with api_enter(), which
 * validates the handle, refuses a second concurrent call on the same session
 * from another thread (JET_errSessionSharingViolation; JetEndSession maps it
 * to JET_errSessionInUse), and checks the instance state (not initialized,
 * terminating, stopped, fatal) — and ends with api_leave().
 */
#ifndef JET_API_H
#define JET_API_H

#include <pthread.h>
#include <sys/queue.h>

#include "engine.h"

#define API_MAX_DBIDS 64

typedef struct api_inst api_inst;
typedef struct api_sess api_sess;
typedef struct api_cursor api_cursor; /* a JET_TABLEID (cursor.c) */

struct api_inst {
	jinst *eng;
	pthread_mutex_t lock;
	int state;            /* API_INST_* */
	uint32_t handle;      /* our JET_INSTANCE value */
	TAILQ_HEAD(, api_sess) sessions;
	unsigned long nsessions;
	unsigned long ntemp; /* temporary tables open (temptable.c), under lock */
	struct api_ese_att *ese_atts; /* attached ESE files (api_ese.c), under lock */
};

enum {
	API_INST_CREATED = 0, /* JetCreateInstance done, JetInit not yet */
	API_INST_RUNNING,
	API_INST_TERMINATING,
	API_INST_STOPPED,     /* JetStopService: only JetEndSession/JetTerm work */
};

/* One database opened by a session (JetOpenDatabase / JetCreateDatabase). */
typedef struct api_dbopen {
	jdb *db;
	struct ese_db *ese; /* a file written by Microsoft's ESE (api_ese.c), db NULL */
	bool readonly;
	bool used;
} api_dbopen;

struct api_sess {
	api_inst *inst;
	jsess *eng;
	uint32_t handle;                 /* our JET_SESID value */
	_Atomic unsigned long in_call;   /* thread id (pthread_self as integer) inside a call, 0 none */
	TAILQ_ENTRY(api_sess) link;
	api_dbopen dbs[API_MAX_DBIDS];   /* indexed by JET_DBID */
	TAILQ_HEAD(, api_cursor) cursors;   /* open tables and temp tables */
	unsigned long ncursors;
	/* Exclusive opens of cursors closed inside the transaction, held
	 * until it ends (cursor_deny_release_held). */
	struct cursor_deny_hold *deny_held;
};

/* Validate sesid, mark the session busy. Errors as described above. */
JET_ERR api_enter(JET_SESID sesid, api_sess **out);
void api_leave(api_sess *s);
/* The database a session opened as dbid: JET_errInvalidDatabaseId if none. */
JET_ERR api_db(api_sess *s, JET_DBID dbid, jdb **out, bool *preadonly);

/* Cursor (table id) handles, used by cursor.c and the table functions. */
JET_ERR api_tableid_new(api_cursor *c, JET_TABLEID *out);
/* Resolves tableid and checks it belongs to session s: JET_errInvalidTableId.
 * A cursor on a file written by Microsoft's ESE (read-only, api_ese.c) is
 * refused here with JET_errDatabaseFileReadOnly: only the functions that
 * know such cursors (api_tableid_get_any) take them. */
JET_ERR api_tableid_get(api_sess *s, JET_TABLEID tableid, api_cursor **out);
JET_ERR api_tableid_get_any(api_sess *s, JET_TABLEID tableid, api_cursor **out);
void api_tableid_free(JET_TABLEID tableid);

/* Called by JetEndSession and on rollback to close a session's cursors:
 * implemented by cursor.c. close_from_level: close cursors opened at a
 * transaction level >= this one (0 closes all). */
void cursor_close_session_cursors(api_sess *s, int close_from_level);
/* After any rollback: the session's cursors drop every state tagged with an
 * eng_read view (saved b+tree positions, cached roots and record copies),
 * because a view seen before the rollback may be seen again after it. */
void cursor_forget_views(api_sess *s);

/* Copies a string result into a caller buffer with ESE's truncation rules:
 * too small -> JET_errBufferTooSmall? (ESE uses JET_errInvalidBufferSize for
 * most info calls) — helper shared by info functions. */
JET_ERR api_copy_out(const void *src, size_t cb, void *dst, unsigned long cbMax);

#endif
