/*
 * test_api_session.c - conformance of the instance, parameter, session,
 * transaction and database functions (SPEC §2, ESE-API.md), through the
 * public API.
 *
 * Everything is called as an ESENT program would call it, through
 * <esent.h>. Only two things reach below the API, both to make a condition
 * happen that a program cannot cause on demand: the instance's vfs is
 * swapped before JetInit (eng_inst_params(...)->vfs) for
 *  - a "gate" vfs whose log fsyncs block while the gate is armed, so that a
 *    thread sits inside JetCommitTransaction for as long as the test needs
 *    (JET_errSessionInUse, JET_errTermInProgress), and
 *  - the fault vfs (os_fault.c), to fail a log fsync and make the instance
 *    fatal (JET_errInstanceUnavailable).
 *
 * Each test makes its own folder under $TMPDIR and its own instances and
 * terminates them, so the suite also runs with CK_FORK=no.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <esent.h>

#include "api_int.h" /* api_inst_get: the engine instance behind a JET_INSTANCE */
#include "check_main.h"
#include "os.h"

static char g_dir[512];

static void setup(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(g_dir, sizeof(g_dir), "%s/jet_api_sess_XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
}

static void teardown(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", g_dir);
}

/* g_dir/rel into buf. */
static const char *path_in(char *buf, size_t cb, const char *rel)
{
	snprintf(buf, cb, "%s/%s", g_dir, rel);
	return buf;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

#define ck_err(expr, expect) ck_assert_int_eq((long)(expr), (long)(expect))

/* ------------------------------------------------------------------ */
/* Instances                                                          */
/* ------------------------------------------------------------------ */

/* A new instance (not initialized) whose checkpoint, log and temp folders
 * are g_dir/<sub>/ (created here), with small logs. */
static JET_INSTANCE inst_create(const char *name, const char *sub)
{
	JET_INSTANCE inst = 0;
	char p[600];
	path_in(p, sizeof(p), sub);
	ck_assert(mkdir(p, 0700) == 0 || errno == EEXIST);
	strcat(p, "/");
	ck_err(JetCreateInstance(&inst, name), JET_errSuccess);
	ck_assert_uint_ne(inst, 0);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramSystemPath, 0, p), JET_errSuccess);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramLogFilePath, 0, p), JET_errSuccess);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramTempPath, 0, p), JET_errSuccess);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramLogFileSize, 256, NULL), JET_errSuccess);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramCacheSizeMax, 512, NULL), JET_errSuccess);
	return inst;
}

static JET_INSTANCE inst_start(const char *name, const char *sub)
{
	JET_INSTANCE inst = inst_create(name, sub);
	ck_err(JetInit(&inst), JET_errSuccess);
	return inst;
}

static JET_SESID sess_begin(JET_INSTANCE inst)
{
	JET_SESID s = 0;
	ck_err(JetBeginSession(inst, &s, NULL, NULL), JET_errSuccess);
	ck_assert_uint_ne(s, 0);
	return s;
}

/* The engine parameters behind a JET_INSTANCE (to swap the vfs). */
static eng_params *inst_params(JET_INSTANCE inst)
{
	api_inst *ai = NULL;
	ck_err(api_inst_get(inst, &ai), JET_errSuccess);
	return eng_inst_params(ai->eng);
}

/* ------------------------------------------------------------------ */
/* One table "t" with a Long column "v" (the clustered order is the   */
/* hidden sequential key)                                             */
/* ------------------------------------------------------------------ */

typedef struct tbl {
	JET_DBID dbid;
	JET_TABLEID tid;
	JET_COLUMNID col;
} tbl;

static void tbl_create(JET_SESID s, const char *dbpath, tbl *t)
{
	JET_COLUMNDEF cd;
	memset(&cd, 0, sizeof(cd));
	cd.cbStruct = sizeof(cd);
	cd.coltyp = JET_coltypLong;
	ck_err(JetCreateDatabase(s, dbpath, NULL, &t->dbid, 0), JET_errSuccess);
	ck_err(JetCreateTable(s, t->dbid, "t", 0, 0, &t->tid), JET_errSuccess);
	ck_err(JetAddColumn(s, t->tid, "v", &cd, NULL, 0, &t->col), JET_errSuccess);
}

/* Opens db (attached already) and table t in session s. */
static void tbl_open(JET_SESID s, const char *dbpath, tbl *t)
{
	JET_COLUMNDEF cd;
	ck_err(JetOpenDatabase(s, dbpath, NULL, &t->dbid, 0), JET_errSuccess);
	ck_err(JetOpenTable(s, t->dbid, "t", NULL, 0, 0, &t->tid), JET_errSuccess);
	ck_err(JetGetTableColumnInfo(s, t->tid, "v", &cd, sizeof(cd), JET_ColInfo), JET_errSuccess);
	t->col = cd.columnid;
}

static JET_ERR tbl_insert(JET_SESID s, const tbl *t, int32_t v)
{
	JET_ERR err = JetPrepareUpdate(s, t->tid, JET_prepInsert);
	if (err < 0)
		return err;
	err = JetSetColumn(s, t->tid, t->col, &v, sizeof(v), 0, NULL);
	if (err >= 0)
		err = JetUpdate(s, t->tid, NULL, 0, NULL);
	if (err < 0)
		(void)JetPrepareUpdate(s, t->tid, JET_prepCancel);
	return err;
}

/* An insert in its own transaction, committed durably (an update outside
 * a transaction is committed lazily, as in ESE). */
static void tbl_insert_durable(JET_SESID s, const tbl *t, int32_t v)
{
	ck_err(JetBeginTransaction(s), JET_errSuccess);
	ck_err(tbl_insert(s, t, v), JET_errSuccess);
	ck_err(JetCommitTransaction(s, 0), JET_errSuccess);
}

/* Number of records and the sum of v as s sees them. */
static int tbl_count(JET_SESID s, const tbl *t, long *psum)
{
	int n = 0;
	long sum = 0;
	JET_ERR err = JetMove(s, t->tid, JET_MoveFirst, 0);
	while (err >= 0) {
		int32_t v = 0;
		unsigned long cb = 0;
		ck_err(JetRetrieveColumn(s, t->tid, t->col, &v, sizeof(v), &cb, 0, NULL),
		       JET_errSuccess);
		ck_assert_uint_eq(cb, 4);
		sum += v;
		n++;
		err = JetMove(s, t->tid, JET_MoveNext, 0);
	}
	ck_err(err, JET_errNoCurrentRecord);
	if (psum)
		*psum = sum;
	return n;
}

/* ------------------------------------------------------------------ */
/* The gate vfs: POSIX, except that while armed a sync of a file under */
/* the gated folder blocks until the gate is released.                 */
/* ------------------------------------------------------------------ */

typedef struct gate_file {
	os_file hdr;
	os_file *in;
	bool gated;
} gate_file;

static os_vfs g_gate_vfs;
static pthread_mutex_t g_gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_gate_cv = PTHREAD_COND_INITIALIZER;
static char g_gate_prefix[600];
static bool g_gate_armed;
static int g_gate_blocked; /* syncs waiting at the gate now */

static os_vfs *base_vfs(void)
{
	return os_vfs_posix();
}

static JET_ERR gate_open(os_vfs *v, const char *path, int flags, os_file **out)
{
	gate_file *g = calloc(1, sizeof(*g));
	if (!g)
		return JET_errOutOfMemory;
	JET_ERR err = os_open(base_vfs(), path, flags, &g->in);
	if (err < 0) {
		free(g);
		return err;
	}
	g->hdr.vfs = v;
	g->gated = g_gate_prefix[0] && strncmp(path, g_gate_prefix, strlen(g_gate_prefix)) == 0;
	*out = &g->hdr;
	return err;
}
static JET_ERR gate_close(os_file *f)
{
	gate_file *g = (gate_file *)f;
	JET_ERR err = os_close(g->in);
	free(g);
	return err;
}
static JET_ERR gate_read(os_file *f, uint64_t off, void *buf, size_t cb, size_t *got)
{
	return os_read(((gate_file *)f)->in, off, buf, cb, got);
}
static JET_ERR gate_write(os_file *f, uint64_t off, const void *buf, size_t cb)
{
	return os_write(((gate_file *)f)->in, off, buf, cb);
}
static JET_ERR gate_sync(os_file *f)
{
	gate_file *g = (gate_file *)f;
	if (g->gated) {
		pthread_mutex_lock(&g_gate_mu);
		if (g_gate_armed) {
			g_gate_blocked++;
			pthread_cond_broadcast(&g_gate_cv);
			while (g_gate_armed)
				pthread_cond_wait(&g_gate_cv, &g_gate_mu);
			g_gate_blocked--;
		}
		pthread_mutex_unlock(&g_gate_mu);
	}
	return os_sync(g->in);
}
static JET_ERR gate_size(os_file *f, uint64_t *pcb)
{
	return os_size(((gate_file *)f)->in, pcb);
}
static JET_ERR gate_truncate(os_file *f, uint64_t cb)
{
	return os_truncate(((gate_file *)f)->in, cb);
}
static JET_ERR gate_lock(os_file *f, bool excl)
{
	return os_lock(((gate_file *)f)->in, excl);
}
static JET_ERR gate_rename(os_vfs *v, const char *from, const char *to)
{
	(void)v;
	return base_vfs()->rename(base_vfs(), from, to);
}
static JET_ERR gate_unlink(os_vfs *v, const char *path)
{
	(void)v;
	return base_vfs()->unlink(base_vfs(), path);
}
static JET_ERR gate_sync_dir(os_vfs *v, const char *path)
{
	(void)v;
	return base_vfs()->sync_dir(base_vfs(), path);
}
static JET_ERR gate_mkdir(os_vfs *v, const char *path)
{
	(void)v;
	return base_vfs()->mkdir(base_vfs(), path);
}
static JET_ERR gate_exists(os_vfs *v, const char *path, bool *pf)
{
	(void)v;
	return base_vfs()->exists(base_vfs(), path, pf);
}
static JET_ERR gate_list_dir(os_vfs *v, const char *dir, JET_ERR (*fn)(void *, const char *),
			     void *ctx)
{
	(void)v;
	return base_vfs()->list_dir(base_vfs(), dir, fn, ctx);
}

/* Syncs of files under g_dir/<sub>/ will block once gate_arm is called. */
static os_vfs *gate_vfs(const char *sub)
{
	g_gate_vfs =
	    (os_vfs){"gate",      gate_open,     gate_close,    gate_read,   gate_write,
		     gate_sync,   gate_size,     gate_truncate, gate_lock,   gate_rename,
		     gate_unlink, gate_sync_dir, gate_mkdir,    gate_exists, gate_list_dir};
	snprintf(g_gate_prefix, sizeof(g_gate_prefix), "%s/%s/", g_dir, sub);
	g_gate_armed = false;
	g_gate_blocked = 0;
	return &g_gate_vfs;
}

static void gate_arm(void)
{
	pthread_mutex_lock(&g_gate_mu);
	g_gate_armed = true;
	pthread_mutex_unlock(&g_gate_mu);
}

/* Waits (up to 20 s) until a sync is held at the gate. */
static bool gate_wait_blocked(void)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 20;
	pthread_mutex_lock(&g_gate_mu);
	while (g_gate_blocked == 0)
		if (pthread_cond_timedwait(&g_gate_cv, &g_gate_mu, &dl) != 0)
			break;
	bool ok = g_gate_blocked > 0;
	pthread_mutex_unlock(&g_gate_mu);
	return ok;
}

static void gate_release(void)
{
	pthread_mutex_lock(&g_gate_mu);
	g_gate_armed = false;
	pthread_cond_broadcast(&g_gate_cv);
	pthread_mutex_unlock(&g_gate_mu);
}

/* A call made on another thread. */
typedef struct bg_call {
	pthread_t th;
	JET_SESID sesid;
	JET_INSTANCE inst;
	JET_ERR err;
	_Atomic int done;
} bg_call;

static void *bg_commit_main(void *arg)
{
	bg_call *c = arg;
	c->err = JetCommitTransaction(c->sesid, 0);
	c->done = 1;
	return NULL;
}

static void *bg_term_main(void *arg)
{
	bg_call *c = arg;
	c->err = JetTerm(c->inst);
	c->done = 1;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* JetEndSession                                                      */
/* ------------------------------------------------------------------ */

/* Before any JetInit every session call is JET_errNotInitialized, whatever
 * the handle. */
START_TEST(test_end_not_initialized)
{
	ck_err(JetEndSession(0, 0), JET_errNotInitialized);
	ck_err(JetEndSession(1, 0), JET_errNotInitialized);
	ck_err(JetEndSession((JET_SESID)0xdeadbeef, 0), JET_errNotInitialized);
	ck_err(JetEndSession(JET_sesidNil, JET_bitForceSessionClosed), JET_errNotInitialized);
	/* A created but not initialized instance changes nothing. */
	JET_INSTANCE inst = inst_create("ni", "ni");
	JET_SESID s = 0;
	ck_err(JetBeginSession(inst, &s, NULL, NULL), JET_errNotInitialized);
	ck_err(JetEndSession(1, 0), JET_errNotInitialized);
	ck_err(JetBeginTransaction(1), JET_errNotInitialized);
	ck_err(JetTerm(inst), JET_errSuccess);

	/* After JetTerm of the only instance: NotInitialized again. */
	inst = inst_start("ni2", "ni2");
	s = sess_begin(inst);
	ck_err(JetTerm(inst), JET_errSuccess);
	ck_err(JetEndSession(s, 0), JET_errNotInitialized);
}
END_TEST

START_TEST(test_end_invalid_sesid)
{
	char db[600];
	JET_INSTANCE inst = inst_start("inv", "inv");
	JET_SESID s = sess_begin(inst);
	tbl t;
	tbl_create(s, path_in(db, sizeof(db), "inv.jdb"), &t);

	ck_err(JetEndSession(0, 0), JET_errInvalidSesid);
	ck_err(JetEndSession((JET_SESID)0xdeadbeef, 0), JET_errInvalidSesid);
	ck_err(JetEndSession((JET_SESID)0x7fffffff, 0), JET_errInvalidSesid);
	ck_err(JetEndSession(JET_sesidNil, 0), JET_errInvalidSesid);
	ck_err(JetEndSession(s + 1, 0), JET_errInvalidSesid);
	ck_err(JetEndSession(s ^ ((JET_SESID)1 << 40), 0), JET_errInvalidSesid);
	/* Values of other handle kinds are not sessions, even though the
	 * first object of each kind is numbered alike. */
	ck_err(JetEndSession((JET_SESID)inst, 0), JET_errInvalidSesid);
	ck_err(JetEndSession((JET_SESID)t.tid, 0), JET_errInvalidSesid);
	ck_err(JetEndSession((JET_SESID)t.dbid, 0), JET_errInvalidSesid);
	ck_err(JetEndSession(1, 0), JET_errInvalidSesid);
	ck_err(JetBeginTransaction((JET_SESID)inst), JET_errInvalidSesid);
	/* ... nor is a session a table or an instance. */
	ck_err(JetCloseTable(s, (JET_TABLEID)s), JET_errInvalidTableId);
	ck_err(JetStopServiceInstance((JET_INSTANCE)s), JET_errInvalidInstance);
	/* ... and none of those calls ended the live session. */
	ck_err(JetBeginTransaction(s), JET_errSuccess);
	ck_err(JetRollback(s, 0), JET_errSuccess);

	/* A stale handle stays invalid, also once its slot is reused. */
	ck_err(JetEndSession(s, 0), JET_errSuccess);
	ck_err(JetEndSession(s, 0), JET_errInvalidSesid);
	ck_err(JetBeginTransaction(s), JET_errInvalidSesid);
	JET_SESID s2 = sess_begin(inst);
	ck_assert_uint_ne(s2, s);
	ck_err(JetEndSession(s, 0), JET_errInvalidSesid);
	ck_err(JetBeginTransaction(s2), JET_errSuccess);
	ck_err(JetEndSession(s2, 0), JET_errSuccess);
	ck_err(JetEndSession(s2, 0), JET_errInvalidSesid);

	/* A session of a terminated instance, while another instance runs. */
	JET_INSTANCE other = inst_start("inv2", "inv2");
	JET_SESID s3 = sess_begin(inst);
	ck_err(JetTerm(inst), JET_errSuccess);
	ck_err(JetEndSession(s3, 0), JET_errInvalidSesid);
	ck_err(JetTerm(other), JET_errSuccess);
}
END_TEST

START_TEST(test_end_grbit)
{
	JET_INSTANCE inst = inst_start("gb", "gb");
	JET_SESID s = sess_begin(inst);
	ck_err(JetEndSession(s, 0x2), JET_errInvalidParameter);
	ck_err(JetEndSession(s, 0x80000000ul), JET_errInvalidParameter);
	ck_err(JetEndSession(s, JET_bitForceSessionClosed | 0x4), JET_errInvalidParameter);
	/* A refused end leaves the session as it was. */
	ck_err(JetBeginTransaction(s), JET_errSuccess);
	ck_err(JetEndSession(s, ~(JET_GRBIT)0), JET_errInvalidParameter);
	ck_err(JetCommitTransaction(s, 0), JET_errSuccess);
	ck_err(JetEndSession(s, JET_bitForceSessionClosed), JET_errSuccess);
	ck_err(JetEndSession(s, JET_bitForceSessionClosed), JET_errInvalidSesid);
	s = sess_begin(inst);
	ck_err(JetEndSession(s, 0), JET_errSuccess);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

/* A thread sits inside JetCommitTransaction (its log fsync held at the
 * gate); JetEndSession from another thread: JET_errSessionInUse, and the
 * session is not harmed. */
START_TEST(test_end_session_in_use)
{
	char db[600];
	JET_INSTANCE inst = inst_create("use", "use");
	inst_params(inst)->vfs = gate_vfs("use");
	ck_err(JetInit(&inst), JET_errSuccess);
	JET_SESID s = sess_begin(inst);
	tbl t;
	tbl_create(s, path_in(db, sizeof(db), "use.jdb"), &t);

	ck_err(JetBeginTransaction(s), JET_errSuccess);
	ck_err(tbl_insert(s, &t, 7), JET_errSuccess);
	gate_arm();
	bg_call c = {.sesid = s};
	ck_assert_int_eq(pthread_create(&c.th, NULL, bg_commit_main, &c), 0);
	ck_assert_msg(gate_wait_blocked(), "the commit never reached its log fsync");
	ck_assert_int_eq(c.done, 0);

	ck_err(JetEndSession(s, 0), JET_errSessionInUse);
	ck_err(JetEndSession(s, JET_bitForceSessionClosed), JET_errSessionInUse);
	/* Other calls on the busy session are refused too (ESE's sharing
	 * violation), and other sessions work. */
	ck_err(JetBeginTransaction(s), JET_errSessionSharingViolation);
	JET_SESID o = sess_begin(inst);
	ck_err(JetEndSession(o, 0), JET_errSuccess);
	/* An invalid grbit on a busy session: either error, never a crash. */
	JET_ERR e = JetEndSession(s, 0x10);
	ck_assert(e == JET_errSessionInUse || e == JET_errInvalidParameter);

	gate_release();
	ck_assert_int_eq(pthread_join(c.th, NULL), 0);
	ck_err(c.err, JET_errSuccess);
	/* The commit went through and the session is whole. */
	long sum = 0;
	ck_assert_int_eq(tbl_count(s, &t, &sum), 1);
	ck_assert_int_eq(sum, 7);
	ck_err(JetEndSession(s, 0), JET_errSuccess);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

/* JetTerm on one thread while another is inside a call: JetTerm waits for
 * that call, and meanwhile every session call (JetEndSession included) is
 * JET_errTermInProgress. */
START_TEST(test_end_term_in_progress)
{
	char db[600];
	JET_INSTANCE inst = inst_create("term", "term");
	inst_params(inst)->vfs = gate_vfs("term");
	ck_err(JetInit(&inst), JET_errSuccess);
	JET_SESID busy = sess_begin(inst);
	JET_SESID s2 = sess_begin(inst);
	JET_SESID probe = sess_begin(inst);
	tbl t;
	tbl_create(busy, path_in(db, sizeof(db), "term.jdb"), &t);
	ck_err(JetBeginTransaction(busy), JET_errSuccess);
	ck_err(tbl_insert(busy, &t, 1), JET_errSuccess);
	ck_err(JetBeginTransaction(s2), JET_errSuccess);

	gate_arm();
	bg_call c = {.sesid = busy};
	ck_assert_int_eq(pthread_create(&c.th, NULL, bg_commit_main, &c), 0);
	ck_assert_msg(gate_wait_blocked(), "the commit never reached its log fsync");
	bg_call term = {.inst = inst};
	ck_assert_int_eq(pthread_create(&term.th, NULL, bg_term_main, &term), 0);

	/* JetRollback outside a transaction changes nothing: it is
	 * NotInTransaction until JetTerm has begun, then TermInProgress. */
	JET_ERR e = JET_errNotInTransaction;
	for (int i = 0; i < 20000 && e == JET_errNotInTransaction; i++) {
		e = JetRollback(probe, 0);
		if (e == JET_errNotInTransaction)
			sleep_ms(1);
	}
	ck_err(e, JET_errTermInProgress);
	ck_assert_msg(!term.done, "JetTerm returned while a call was inside the instance");

	ck_err(JetEndSession(s2, 0), JET_errTermInProgress);
	ck_err(JetEndSession(s2, JET_bitForceSessionClosed), JET_errTermInProgress);
	ck_err(JetEndSession(busy, 0), JET_errTermInProgress);
	ck_err(JetEndSession(probe, 0), JET_errTermInProgress);
	ck_err(JetCommitTransaction(s2, 0), JET_errTermInProgress);
	JET_SESID n = 0;
	ck_err(JetBeginSession(inst, &n, NULL, NULL), JET_errTermInProgress);
	ck_err(JetTerm(inst), JET_errTermInProgress);

	gate_release();
	ck_assert_int_eq(pthread_join(c.th, NULL), 0);
	ck_assert_int_eq(pthread_join(term.th, NULL), 0);
	ck_err(c.err, JET_errSuccess);
	ck_err(term.err, JET_errSuccess);
	ck_err(JetEndSession(s2, 0), JET_errNotInitialized);

	/* The commit that JetTerm waited for is durable. */
	inst = inst_start("term", "term");
	JET_SESID s = sess_begin(inst);
	ck_err(JetAttachDatabase(s, db, 0), JET_errSuccess);
	tbl_open(s, db, &t);
	ck_assert_int_eq(tbl_count(s, &t, NULL), 1);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

START_TEST(test_end_after_stop_service)
{
	char db[600];
	JET_INSTANCE inst = inst_start("stop", "stop");
	JET_INSTANCE other = inst_start("stop2", "stop2");
	JET_SESID s = sess_begin(inst);
	JET_SESID s2 = sess_begin(inst);
	JET_SESID so = sess_begin(other);
	tbl t;
	tbl_create(s, path_in(db, sizeof(db), "stop.jdb"), &t);
	ck_err(JetBeginTransaction(s), JET_errSuccess);
	ck_err(tbl_insert(s, &t, 5), JET_errSuccess);

	ck_err(JetStopServiceInstance(inst), JET_errSuccess);
	ck_err(JetBeginTransaction(s2), JET_errClientRequestToStopJetService);
	ck_err(JetCommitTransaction(s, 0), JET_errClientRequestToStopJetService);
	ck_err(JetRollback(s, 0), JET_errClientRequestToStopJetService);
	ck_err(tbl_insert(s, &t, 6), JET_errClientRequestToStopJetService);
	ck_err(JetCloseTable(s, t.tid), JET_errClientRequestToStopJetService);
	JET_SESID n = 0;
	ck_err(JetBeginSession(inst, &n, NULL, NULL), JET_errClientRequestToStopJetService);
	ck_err(JetDupSession(s, &n), JET_errClientRequestToStopJetService);
	/* The other instance is not stopped. */
	ck_err(JetBeginTransaction(so), JET_errSuccess);
	ck_err(JetCommitTransaction(so, 0), JET_errSuccess);

	/* JetEndSession still works, and rolls back. */
	ck_err(JetEndSession(s, 0x2), JET_errInvalidParameter);
	ck_err(JetEndSession(s, 0), JET_errSuccess);
	ck_err(JetEndSession(s, 0), JET_errInvalidSesid);
	ck_err(JetEndSession(s2, JET_bitForceSessionClosed), JET_errSuccess);
	ck_err(JetTerm(inst), JET_errSuccess);

	/* JetStopService stops every instance. */
	ck_err(JetStopService(), JET_errSuccess);
	ck_err(JetBeginTransaction(so), JET_errClientRequestToStopJetService);
	ck_err(JetEndSession(so, 0), JET_errSuccess);
	ck_err(JetTerm(other), JET_errSuccess);

	inst = inst_start("stop", "stop");
	s = sess_begin(inst);
	ck_err(JetAttachDatabase(s, db, 0), JET_errSuccess);
	tbl_open(s, db, &t);
	ck_assert_int_eq(tbl_count(s, &t, NULL), 0);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

/* A log fsync fails: the commit fails, the instance is fatal, JetEndSession
 * is JET_errInstanceUnavailable. */
START_TEST(test_end_after_fatal)
{
	char db[600];
	os_vfs *fv = NULL;
	ck_err(os_fault_create(os_vfs_posix(), &fv), JET_errSuccess);
	JET_INSTANCE inst = inst_create("fatal", "fatal");
	inst_params(inst)->vfs = fv;
	ck_err(JetInit(&inst), JET_errSuccess);
	JET_SESID s = sess_begin(inst);
	JET_SESID s2 = sess_begin(inst);
	tbl t;
	tbl_create(s, path_in(db, sizeof(db), "fatal.jdb"), &t);
	tbl_insert_durable(s, &t, 1);

	os_fault_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.fail_at = 1;
	cfg.fail_kinds = OS_FAULT_SYNC;
	cfg.fail_err = JET_errDiskIO;
	cfg.fail_sticky = true;
	os_fault_configure(fv, &cfg);

	ck_err(JetBeginTransaction(s), JET_errSuccess);
	ck_err(tbl_insert(s, &t, 2), JET_errSuccess);
	JET_ERR e = JetCommitTransaction(s, 0);
	ck_assert_int_lt(e, 0);

	ck_err(JetEndSession(s, 0), JET_errInstanceUnavailable);
	ck_err(JetEndSession(s, JET_bitForceSessionClosed), JET_errInstanceUnavailable);
	ck_err(JetEndSession(s2, 0), JET_errInstanceUnavailable);
	ck_err(JetBeginTransaction(s2), JET_errInstanceUnavailable);
	ck_err(JetEndSession(s2, 0x2), JET_errInvalidParameter);
	JET_SESID n = 0;
	ck_err(JetBeginSession(inst, &n, NULL, NULL), JET_errInstanceUnavailable);
	/* A failed end leaves the handle valid (ESE: the session stays). */
	ck_err(JetEndSession(s, 0), JET_errInstanceUnavailable);

	/* JetTerm still ends the sessions and the instance. */
	(void)JetTerm(inst);
	ck_err(JetEndSession(s, 0), JET_errNotInitialized);
	os_fault_destroy(fv);

	/* Recovery: the first row is there. The failed commit's records were
	 * written, only their fsync failed, so they may have reached the disk
	 * after all: a commit that failed this way has no known outcome (the
	 * reason the instance stops), and recovery may redo it. */
	inst = inst_start("fatal", "fatal");
	s = sess_begin(inst);
	ck_err(JetAttachDatabase(s, db, 0), JET_errSuccess);
	tbl_open(s, db, &t);
	long sum = 0;
	int n_rows = tbl_count(s, &t, &sum);
	ck_assert(n_rows == 1 || n_rows == 2);
	ck_assert_int_eq(sum, n_rows == 1 ? 1 : 3);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

/* Seven levels, a write at each; the 8th begin is TransTooDeep; ending the
 * session undoes them all and closes its tables and databases. */
START_TEST(test_end_rolls_back_nested)
{
	char db[600];
	JET_INSTANCE inst = inst_start("nest", "nest");
	JET_SESID s = sess_begin(inst);
	tbl t;
	tbl_create(s, path_in(db, sizeof(db), "nest.jdb"), &t);
	tbl_insert_durable(s, &t, 1000);

	for (int level = 1; level <= 7; level++) {
		ck_err(JetBeginTransaction(s), JET_errSuccess);
		ck_err(tbl_insert(s, &t, level), JET_errSuccess);
	}
	ck_err(JetBeginTransaction(s), JET_errTransTooDeep);
	ck_err(JetBeginTransaction2(s, 0), JET_errTransTooDeep);
	long sum = 0;
	ck_assert_int_eq(tbl_count(s, &t, &sum), 8);
	ck_assert_int_eq(sum, 1000 + 28);

	/* Another session sees only the committed row meanwhile. */
	JET_SESID o = sess_begin(inst);
	tbl u;
	tbl_open(o, db, &u);
	ck_assert_int_eq(tbl_count(o, &u, &sum), 1);

	JET_TABLEID old_tid = t.tid;
	ck_err(JetEndSession(s, 0), JET_errSuccess);

	ck_assert_int_eq(tbl_count(o, &u, &sum), 1);
	ck_assert_int_eq(sum, 1000);
	JET_SESID n = sess_begin(inst);
	tbl v;
	tbl_open(n, db, &v);
	ck_assert_int_eq(tbl_count(n, &v, &sum), 1);
	ck_assert_int_eq(sum, 1000);
	/* The ended session's cursor is gone. */
	ck_err(JetCloseTable(n, old_tid), JET_errInvalidTableId);
	ck_err(JetMove(n, old_tid, JET_MoveFirst, 0), JET_errInvalidTableId);
	/* Its database is no longer open: once the others close theirs, it
	 * detaches. */
	ck_err(JetCloseTable(n, v.tid), JET_errSuccess);
	ck_err(JetCloseDatabase(n, v.dbid, 0), JET_errSuccess);
	ck_err(JetCloseTable(o, u.tid), JET_errSuccess);
	ck_err(JetCloseDatabase(o, u.dbid, 0), JET_errSuccess);
	ck_err(JetDetachDatabase(n, db), JET_errSuccess);
	ck_err(JetEndSession(o, 0), JET_errSuccess);
	ck_err(JetEndSession(n, 0), JET_errSuccess);
	ck_err(JetTerm(inst), JET_errSuccess);

	/* Nor did anything of it reach the log. */
	inst = inst_start("nest", "nest");
	s = sess_begin(inst);
	ck_err(JetAttachDatabase(s, db, 0), JET_errSuccess);
	tbl_open(s, db, &t);
	ck_assert_int_eq(tbl_count(s, &t, &sum), 1);
	ck_assert_int_eq(sum, 1000);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

/* Commit of inner levels merges into the outer; the level-0 commit is
 * what counts. */
START_TEST(test_end_after_partial_commit)
{
	char db[600];
	JET_INSTANCE inst = inst_start("part", "part");
	JET_SESID s = sess_begin(inst);
	tbl t;
	tbl_create(s, path_in(db, sizeof(db), "part.jdb"), &t);
	ck_err(JetBeginTransaction(s), JET_errSuccess);
	ck_err(tbl_insert(s, &t, 1), JET_errSuccess);
	ck_err(JetBeginTransaction(s), JET_errSuccess);
	ck_err(tbl_insert(s, &t, 2), JET_errSuccess);
	ck_err(JetCommitTransaction(s, 0), JET_errSuccess); /* into level 1 */
	ck_err(JetBeginTransaction(s), JET_errSuccess);
	ck_err(tbl_insert(s, &t, 4), JET_errSuccess);
	ck_err(JetRollback(s, 0), JET_errSuccess); /* only the 4 */
	long sum = 0;
	ck_assert_int_eq(tbl_count(s, &t, &sum), 2);
	ck_assert_int_eq(sum, 3);
	ck_err(JetEndSession(s, 0), JET_errSuccess);
	s = sess_begin(inst);
	tbl_open(s, db, &t);
	ck_assert_int_eq(tbl_count(s, &t, &sum), 0);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

/* Two threads race on one session: one makes calls, the other tries
 * JetEndSession with a bad grbit (refused after the busy check, so the
 * session survives). Every result is one of the documented codes. Then
 * eight threads end the same session at once: exactly one succeeds. */
typedef struct race_arg {
	JET_SESID s;
	int iters;
	_Atomic int *go;
	long n_ok, n_busy, n_other, n_invalid;
} race_arg;

static void *race_caller(void *p)
{
	race_arg *a = p;
	while (!*a->go)
		;
	for (int i = 0; i < a->iters; i++) {
		JET_ERR e = JetBeginTransaction(a->s);
		if (e == JET_errSuccess) {
			a->n_ok++;
			while ((e = JetRollback(a->s, 0)) == JET_errSessionSharingViolation)
				a->n_busy++;
			if (e != JET_errSuccess)
				a->n_other++;
		} else if (e == JET_errSessionSharingViolation) {
			a->n_busy++;
		} else {
			a->n_other++;
		}
	}
	return NULL;
}

static void *race_ender(void *p)
{
	race_arg *a = p;
	while (!*a->go)
		;
	for (int i = 0; i < a->iters; i++) {
		JET_ERR e = JetEndSession(a->s, 0x2);
		if (e == JET_errInvalidParameter)
			a->n_ok++;
		else if (e == JET_errSessionInUse)
			a->n_busy++;
		else
			a->n_other++;
	}
	return NULL;
}

static void *race_end_once(void *p)
{
	race_arg *a = p;
	while (!*a->go)
		;
	JET_ERR e = JetEndSession(a->s, 0);
	if (e == JET_errSuccess)
		a->n_ok++;
	else if (e == JET_errSessionInUse)
		a->n_busy++;
	else if (e == JET_errInvalidSesid)
		a->n_invalid++;
	else
		a->n_other++;
	return NULL;
}

START_TEST(test_end_race)
{
	JET_INSTANCE inst = inst_start("race", "race");
	JET_SESID s = sess_begin(inst);
	_Atomic int go = 0;
	race_arg ca = {.s = s, .iters = 20000, .go = &go};
	race_arg ea = ca;
	pthread_t tc, te;
	ck_assert_int_eq(pthread_create(&tc, NULL, race_caller, &ca), 0);
	ck_assert_int_eq(pthread_create(&te, NULL, race_ender, &ea), 0);
	go = 1;
	pthread_join(tc, NULL);
	pthread_join(te, NULL);
	ck_assert_int_eq(ca.n_other, 0);
	ck_assert_int_eq(ea.n_other, 0);
	/* How often each side won depends on the scheduler: only the codes
	 * are checked. Alone, the bad grbit is refused as such. */
	ck_assert_int_eq(ea.n_ok + ea.n_busy, ea.iters);
	ck_err(JetEndSession(s, 0x2), JET_errInvalidParameter);
	/* The session is still there, out of any transaction. */
	ck_err(JetRollback(s, 0), JET_errNotInTransaction);

	for (int round = 0; round < 20; round++) {
		race_arg ra[8];
		pthread_t th[8];
		go = 0;
		for (int i = 0; i < 8; i++) {
			ra[i] = (race_arg){.s = s, .go = &go};
			ck_assert_int_eq(pthread_create(&th[i], NULL, race_end_once, &ra[i]), 0);
		}
		go = 1;
		long ok = 0;
		for (int i = 0; i < 8; i++) {
			pthread_join(th[i], NULL);
			ok += ra[i].n_ok;
			ck_assert_int_eq(ra[i].n_other, 0);
		}
		ck_assert_int_eq(ok, 1);
		ck_err(JetEndSession(s, 0), JET_errInvalidSesid);
		s = sess_begin(inst);
		ck_err(JetBeginTransaction(s), JET_errSuccess);
	}
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Instances and system parameters                                    */
/* ------------------------------------------------------------------ */

static bool dir_has_file(const char *dir, const char *suffix)
{
	char cmd[800];
	snprintf(cmd, sizeof(cmd), "ls '%s' 2>/dev/null | grep -q -- '%s$'", dir, suffix);
	return system(cmd) == 0;
}

START_TEST(test_two_instances)
{
	char dba[600], dbb[600], da[600], dbdir[600];
	JET_INSTANCE a = inst_start("one", "a");
	JET_INSTANCE b = inst_start("two", "b");
	ck_assert_uint_ne(a, b);
	JET_SESID sa = sess_begin(a), sb = sess_begin(b);
	tbl ta, tb;
	tbl_create(sa, path_in(dba, sizeof(dba), "a.jdb"), &ta);
	tbl_create(sb, path_in(dbb, sizeof(dbb), "b.jdb"), &tb);
	ck_err(tbl_insert(sa, &ta, 1), JET_errSuccess);
	ck_err(tbl_insert(sb, &tb, 2), JET_errSuccess);
	ck_err(tbl_insert(sb, &tb, 3), JET_errSuccess);

	/* Each instance logs in its own folder. */
	ck_assert(dir_has_file(path_in(da, sizeof(da), "a"), ".log"));
	ck_assert(dir_has_file(path_in(da, sizeof(da), "b"), ".log"));
	ck_assert(!dir_has_file(path_in(dbdir, sizeof(dbdir), ""), ".log"));

	/* A database belongs to the instance that attached it. */
	JET_DBID d = 0;
	ck_err(JetOpenDatabase(sa, dbb, NULL, &d, 0), JET_errDatabaseNotFound);
	ck_err(JetOpenDatabase(sb, dba, NULL, &d, 0), JET_errDatabaseNotFound);
	/* ... and is locked against the other instance. */
	ck_assert_int_lt(JetAttachDatabase(sa, dbb, 0), 0);

	long sum;
	ck_assert_int_eq(tbl_count(sa, &ta, &sum), 1);
	ck_assert_int_eq(tbl_count(sb, &tb, &sum), 2);
	/* A session of one instance used while the other terminates. */
	ck_err(JetTerm(a), JET_errSuccess);
	ck_err(JetEndSession(sa, 0), JET_errInvalidSesid);
	ck_assert_int_eq(tbl_count(sb, &tb, &sum), 2);
	ck_err(JetTerm(b), JET_errSuccess);

	/* Both come back from their own logs. */
	a = inst_start("one", "a");
	b = inst_start("two", "b");
	sa = sess_begin(a);
	sb = sess_begin(b);
	ck_err(JetAttachDatabase(sa, dba, 0), JET_errSuccess);
	ck_err(JetAttachDatabase(sb, dbb, 0), JET_errSuccess);
	tbl_open(sa, dba, &ta);
	tbl_open(sb, dbb, &tb);
	ck_assert_int_eq(tbl_count(sa, &ta, &sum), 1);
	ck_assert_int_eq(tbl_count(sb, &tb, &sum), 2);
	ck_err(JetTerm(b), JET_errSuccess);
	ck_err(JetTerm(a), JET_errSuccess);
}
END_TEST

START_TEST(test_create_instance_args)
{
	JET_INSTANCE i = 0, j = 0;
	ck_err(JetCreateInstance(NULL, "x"), JET_errInvalidParameter);
	ck_err(JetCreateInstance2(NULL, "x", "X", 0), JET_errInvalidParameter);
	ck_err(JetCreateInstance2(&i, "x", "X", 0x1234), JET_errInvalidGrbit);
	char longname[200];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	ck_err(JetCreateInstance(&i, longname), JET_errInvalidName);
	ck_err(JetCreateInstance2(&i, "x", "display", 0), JET_errSuccess);
	ck_err(JetCreateInstance(&j, NULL), JET_errSuccess);
	ck_assert_uint_ne(i, j);
	ck_err(JetTerm(i), JET_errSuccess);
	ck_err(JetTerm(j), JET_errSuccess);
	ck_err(JetTerm(i), JET_errInvalidInstance);
	ck_err(JetTerm2(j, 0x100), JET_errInvalidGrbit);
	ck_err(JetInit(&i), JET_errInvalidInstance);
	JET_INSTANCE bad = (JET_INSTANCE)0xdeadbeef;
	ck_err(JetSetSystemParameter(&bad, 0, JET_paramMaxSessions, 4, NULL),
	       JET_errInvalidInstance);
	JET_API_PTR l = 0;
	ck_err(JetGetSystemParameter(bad, 0, JET_paramMaxSessions, &l, NULL, 0),
	       JET_errInvalidInstance);
	/* JetInit twice. */
	JET_INSTANCE k = inst_start("k", "k");
	ck_err(JetInit(&k), JET_errAlreadyInitialized);
	ck_err(JetTerm(k), JET_errSuccess);
}
END_TEST

typedef struct ulong_case {
	unsigned long id;
	JET_API_PTR good;   /* differs from the default */
	JET_API_PTR bad[3]; /* out of range */
	int nbad;
	bool dynamic; /* may change after JetInit */
} ulong_case;

#define K (JET_API_PTR)1
static const ulong_case k_ulong[] = {
    {JET_paramMaxSessions, 100, {0, 30001, K << 40}, 3, false},
    {JET_paramMaxOpenTables, 500, {0, (K << 20) + 1}, 2, false},
    {JET_paramMaxCursors, 2000, {0, (K << 20) + 1}, 2, false},
    {JET_paramMaxVerPages, 128, {0, (K << 24) + 1}, 2, false},
    {JET_paramMaxTemporaryTables, 40, {(K << 16) + 1, K << 40}, 2, false},
    {JET_paramLogFileSize, 1024, {0, 63, (K << 20) + 1}, 3, false},
    {JET_paramLogBuffers, 200, {0, (K << 20) + 1}, 2, false},
    {JET_paramCommitDefault, JET_bitCommitLazyFlush, {2, 4, 0x80}, 3, true},
    {JET_paramDbExtensionSize, 512, {0, (K << 20) + 1}, 2, true},
    {JET_paramCacheSizeMax, 1000, {0, 15, (K << 30) + 1}, 3, true},
    {JET_paramCacheSize, 1200, {0, 15}, 2, true},
    {JET_paramCacheSizeMin, 80, {0}, 1, true},
    {JET_paramCheckpointDepthMax, K << 22, {0, 100}, 2, true},
};
#undef K

/* Every parameter of ESE-API.md's list: valid values are kept (and read
 * back), invalid ones refused with InvalidParameter; after JetInit, the
 * static ones are AlreadyInitialized and the dynamic ones still work. */
START_TEST(test_params_set_get)
{
	JET_INSTANCE inst = inst_create("par", "par");
	JET_API_PTR l = 0;
	char sz[1100];

	for (size_t i = 0; i < sizeof(k_ulong) / sizeof(k_ulong[0]); i++) {
		const ulong_case *c = &k_ulong[i];
		ck_err(JetSetSystemParameter(&inst, 0, c->id, c->good, NULL), JET_errSuccess);
		l = 0;
		ck_err(JetGetSystemParameter(inst, 0, c->id, &l, NULL, 0), JET_errSuccess);
		ck_assert_msg(l == c->good, "param %lu: set %lu got %lu", c->id,
			      (unsigned long)c->good, (unsigned long)l);
		for (int b = 0; b < c->nbad; b++)
			ck_assert_msg(JetSetSystemParameter(&inst, 0, c->id, c->bad[b], NULL) ==
					  JET_errInvalidParameter,
				      "param %lu accepted %lu", c->id, (unsigned long)c->bad[b]);
		ck_err(JetGetSystemParameter(inst, 0, c->id, &l, NULL, 0), JET_errSuccess);
		ck_assert_msg(l == c->good, "param %lu changed by a refused set", c->id);
		ck_err(JetGetSystemParameter(inst, 0, c->id, NULL, NULL, 0),
		       JET_errInvalidParameter);
	}
	/* Booleans. */
	const unsigned long bools[] = {JET_paramCircularLog, JET_paramCreatePathIfNotExist};
	for (size_t i = 0; i < 2; i++) {
		ck_err(JetSetSystemParameter(&inst, 0, bools[i], 1, NULL), JET_errSuccess);
		ck_err(JetGetSystemParameter(inst, 0, bools[i], &l, NULL, 0), JET_errSuccess);
		ck_assert_uint_eq(l, 1);
		ck_err(JetSetSystemParameter(&inst, 0, bools[i], 0, NULL), JET_errSuccess);
		ck_err(JetGetSystemParameter(inst, 0, bools[i], &l, NULL, 0), JET_errSuccess);
		ck_assert_uint_eq(l, 0);
	}
	/* Paths: folders, a slash added when missing. */
	const unsigned long paths[] = {JET_paramSystemPath, JET_paramTempPath,
				       JET_paramLogFilePath};
	for (size_t i = 0; i < 3; i++) {
		char want[700];
		snprintf(want, sizeof(want), "%s/p%zu/", g_dir, i);
		snprintf(sz, sizeof(sz), "%s/p%zu", g_dir, i);
		ck_err(JetSetSystemParameter(&inst, 0, paths[i], 0, sz), JET_errSuccess);
		memset(sz, 0, sizeof(sz));
		ck_err(JetGetSystemParameter(inst, 0, paths[i], NULL, sz, sizeof(sz)),
		       JET_errSuccess);
		ck_assert_str_eq(sz, want);
		ck_err(JetSetSystemParameter(&inst, 0, paths[i], 0, want), JET_errSuccess);
		ck_err(JetGetSystemParameter(inst, 0, paths[i], NULL, sz, sizeof(sz)),
		       JET_errSuccess);
		ck_assert_str_eq(sz, want);
		ck_err(JetSetSystemParameter(&inst, 0, paths[i], 0, NULL), JET_errInvalidParameter);
		ck_err(JetSetSystemParameter(&inst, 0, paths[i], 0, ""), JET_errInvalidParameter);
		char huge[3000];
		memset(huge, 'x', sizeof(huge) - 1);
		huge[sizeof(huge) - 1] = 0;
		ck_assert_int_lt(JetSetSystemParameter(&inst, 0, paths[i], 0, huge), 0);
		ck_err(JetGetSystemParameter(inst, 0, paths[i], NULL, sz, sizeof(sz)),
		       JET_errSuccess);
		ck_assert_str_eq(sz, want);
		ck_err(JetGetSystemParameter(inst, 0, paths[i], NULL, sz, 3),
		       JET_errBufferTooSmall);
		ck_err(JetGetSystemParameter(inst, 0, paths[i], NULL, NULL, 100),
		       JET_errInvalidParameter);
		ck_err(JetGetSystemParameter(inst, 0, paths[i], NULL, sz, 0),
		       JET_errInvalidParameter);
	}
	/* Recovery: "On" / "Off". */
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramRecovery, 0, "Off"), JET_errSuccess);
	ck_err(JetGetSystemParameter(inst, 0, JET_paramRecovery, NULL, sz, sizeof(sz)),
	       JET_errSuccess);
	ck_assert_str_eq(sz, "Off");
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramRecovery, 0, "on"), JET_errSuccess);
	ck_err(JetGetSystemParameter(inst, 0, JET_paramRecovery, NULL, sz, sizeof(sz)),
	       JET_errSuccess);
	ck_assert_str_eq(sz, "On");
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramRecovery, 0, "maybe"),
	       JET_errInvalidParameter);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramRecovery, 1, NULL),
	       JET_errInvalidParameter);
	/* Accepted without effect. */
	const unsigned long virt[] = {JET_paramMaxInstances, JET_paramEnableFileCache,
				      JET_paramLegacyFileNames};
	for (size_t i = 0; i < 3; i++) {
		ck_err(JetSetSystemParameter(&inst, 0, virt[i], 1, NULL), JET_errSuccess);
		ck_err(JetGetSystemParameter(inst, 0, virt[i], &l, NULL, 0), JET_errSuccess);
	}
	/* Unknown ids. */
	ck_err(JetSetSystemParameter(&inst, 0, 99999, 1, NULL), JET_errInvalidParameter);
	ck_err(JetGetSystemParameter(inst, 0, 99999, &l, NULL, 0), JET_errInvalidParameter);

	/* After JetInit: static parameters are fixed, dynamic ones not. */
	inst_params(inst); /* still reachable */
	ck_err(JetTerm(inst), JET_errSuccess);
	inst = inst_start("par2", "par2");
	for (size_t i = 0; i < sizeof(k_ulong) / sizeof(k_ulong[0]); i++) {
		const ulong_case *c = &k_ulong[i];
		ck_err(JetSetSystemParameter(&inst, 0, c->id, c->good, NULL),
		       c->dynamic ? JET_errSuccess : JET_errAlreadyInitialized);
		ck_err(JetGetSystemParameter(inst, 0, c->id, &l, NULL, 0), JET_errSuccess);
		if (c->dynamic)
			ck_assert_uint_eq(l, c->good);
		else
			ck_assert_uint_ne(l, c->good);
	}
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramCircularLog, 1, NULL), JET_errSuccess);
	snprintf(sz, sizeof(sz), "%s/elsewhere/", g_dir);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramSystemPath, 0, sz),
	       JET_errAlreadyInitialized);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramLogFilePath, 0, sz),
	       JET_errAlreadyInitialized);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramTempPath, 0, sz),
	       JET_errAlreadyInitialized);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramBaseName, 0, "abc"),
	       JET_errAlreadyInitialized);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramRecovery, 0, "Off"),
	       JET_errAlreadyInitialized);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramDatabasePageSize, 4096, NULL),
	       JET_errAlreadyInitialized);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramCreatePathIfNotExist, 1, NULL),
	       JET_errAlreadyInitialized);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramMaxInstances, 4, NULL),
	       JET_errAlreadyInitialized);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramLegacyFileNames, 1, NULL),
	       JET_errAlreadyInitialized);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramEnableFileCache, 1, NULL), JET_errSuccess);
	/* The instance still works. */
	JET_SESID s = sess_begin(inst);
	ck_err(JetEndSession(s, 0), JET_errSuccess);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

/* A NULL (or zero) instance sets the process-wide defaults that new
 * instances start from. */
START_TEST(test_params_global)
{
	JET_API_PTR l = 0, old = 0;
	ck_err(JetGetSystemParameter(0, 0, JET_paramMaxSessions, &old, NULL, 0), JET_errSuccess);
	ck_err(JetSetSystemParameter(NULL, 0, JET_paramMaxSessions, 3, NULL), JET_errSuccess);
	JET_INSTANCE zero = 0;
	ck_err(JetSetSystemParameter(&zero, 0, JET_paramMaxSessions, 0, NULL),
	       JET_errInvalidParameter);
	ck_err(JetGetSystemParameter(0, 0, JET_paramMaxSessions, &l, NULL, 0), JET_errSuccess);
	ck_assert_uint_eq(l, 3);
	JET_INSTANCE inst = inst_create("glob", "glob");
	ck_err(JetGetSystemParameter(inst, 0, JET_paramMaxSessions, &l, NULL, 0), JET_errSuccess);
	ck_assert_uint_eq(l, 3);
	ck_err(JetSetSystemParameter(NULL, 0, JET_paramMaxSessions, old, NULL), JET_errSuccess);
	/* MaxSessions is enforced. */
	ck_err(JetInit(&inst), JET_errSuccess);
	JET_SESID s[4];
	for (int i = 0; i < 3; i++)
		s[i] = sess_begin(inst);
	ck_err(JetBeginSession(inst, &s[3], NULL, NULL), JET_errOutOfSessions);
	ck_err(JetDupSession(s[0], &s[3]), JET_errOutOfSessions);
	ck_err(JetEndSession(s[1], 0), JET_errSuccess);
	ck_err(JetDupSession(s[0], &s[3]), JET_errSuccess);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

START_TEST(test_param_error_to_string)
{
	char sz[256], want[300];
	JET_API_PTR l = (JET_API_PTR)(long)JET_errInvalidSesid;
	ck_err(JetGetSystemParameter(0, 0, JET_paramErrorToString, &l, sz, sizeof(sz)),
	       JET_errSuccess);
	snprintf(want, sizeof(want), "JET_errInvalidSesid, %s",
		 JetErrorDescription(JET_errInvalidSesid));
	ck_assert_str_eq(sz, want);
	ck_assert_int_gt((int)strlen(sz), (int)strlen("JET_errInvalidSesid, "));
	/* Through an instance too, and for a warning and success. */
	JET_INSTANCE inst = inst_create("ets", "ets");
	l = (JET_API_PTR)(long)JET_wrnBufferTruncated;
	ck_err(JetGetSystemParameter(inst, 0, JET_paramErrorToString, &l, sz, sizeof(sz)),
	       JET_errSuccess);
	ck_assert(strncmp(sz, "JET_wrnBufferTruncated, ", 24) == 0);
	l = (JET_API_PTR)(long)JET_errSessionInUse;
	ck_err(JetGetSystemParameter(inst, 0, JET_paramErrorToString, &l, sz, sizeof(sz)),
	       JET_errSuccess);
	ck_assert(strncmp(sz, "JET_errSessionInUse, ", 21) == 0);
	l = 0;
	ck_err(JetGetSystemParameter(inst, 0, JET_paramErrorToString, &l, sz, sizeof(sz)),
	       JET_errSuccess);
	ck_assert(strncmp(sz, "JET_errSuccess, ", 16) == 0);
	/* Too small a buffer: truncated, still terminated. */
	l = (JET_API_PTR)(long)JET_errInvalidSesid;
	memset(sz, 'Z', sizeof(sz));
	ck_err(JetGetSystemParameter(inst, 0, JET_paramErrorToString, &l, sz, 8),
	       JET_wrnBufferTruncated);
	ck_assert_str_eq(sz, "JET_err");
	ck_err(JetGetSystemParameter(inst, 0, JET_paramErrorToString, NULL, sz, sizeof(sz)),
	       JET_errInvalidParameter);
	ck_err(JetGetSystemParameter(inst, 0, JET_paramErrorToString, &l, NULL, 100),
	       JET_errInvalidParameter);
	ck_err(JetGetSystemParameter(inst, 0, JET_paramErrorToString, &l, sz, 0),
	       JET_errInvalidParameter);
	/* Setting it is accepted and changes nothing. */
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramErrorToString, 0, NULL), JET_errSuccess);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

START_TEST(test_param_base_name)
{
	JET_INSTANCE inst = inst_create("bn", "bn");
	char sz[16];
	ck_err(JetGetSystemParameter(inst, 0, JET_paramBaseName, NULL, sz, sizeof(sz)),
	       JET_errSuccess);
	ck_assert_str_eq(sz, "edb");
	const char *bad[] = {"", "e", "ed", "edbx", "abcdefgh", "a.b", "a/b", "ab "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_err(JetSetSystemParameter(&inst, 0, JET_paramBaseName, 0, bad[i]),
		       JET_errInvalidParameter);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramBaseName, 0, NULL),
	       JET_errInvalidParameter);
	ck_err(JetGetSystemParameter(inst, 0, JET_paramBaseName, NULL, sz, sizeof(sz)),
	       JET_errSuccess);
	ck_assert_str_eq(sz, "edb");
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramBaseName, 0, "jf1"), JET_errSuccess);
	ck_err(JetGetSystemParameter(inst, 0, JET_paramBaseName, NULL, sz, sizeof(sz)),
	       JET_errSuccess);
	ck_assert_str_eq(sz, "jf1");
	ck_err(JetGetSystemParameter(inst, 0, JET_paramBaseName, NULL, sz, 3),
	       JET_errBufferTooSmall);
	/* The log files take the name. */
	ck_err(JetInit(&inst), JET_errSuccess);
	char d[600];
	JET_SESID s = sess_begin(inst);
	tbl t;
	tbl_create(s, path_in(d, sizeof(d), "bn.jdb"), &t);
	ck_err(tbl_insert(s, &t, 1), JET_errSuccess);
	char cmd[800];
	snprintf(cmd, sizeof(cmd), "ls '%s/bn' | grep -q '^jf1'", g_dir);
	ck_assert_msg(system(cmd) == 0, "no file named jf1* in the log folder");
	snprintf(cmd, sizeof(cmd), "ls '%s/bn' | grep -q '^edb'", g_dir);
	ck_assert_msg(system(cmd) != 0, "a file named edb* in the log folder");
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

START_TEST(test_param_page_size)
{
	JET_INSTANCE inst = inst_create("ps", "ps");
	JET_API_PTR l = 0;
	ck_err(JetGetSystemParameter(inst, 0, JET_paramDatabasePageSize, &l, NULL, 0),
	       JET_errSuccess);
	ck_assert_uint_eq(l, 8192);
	const JET_API_PTR good[] = {4096, 8192, 16384, 32768};
	for (size_t i = 0; i < 4; i++) {
		ck_err(JetSetSystemParameter(&inst, 0, JET_paramDatabasePageSize, good[i], NULL),
		       JET_errSuccess);
		ck_err(JetGetSystemParameter(inst, 0, JET_paramDatabasePageSize, &l, NULL, 0),
		       JET_errSuccess);
		ck_assert_uint_eq(l, good[i]);
	}
	const JET_API_PTR bad[] = {0,    1,    512,   1024,  2048,  4095,
				   4097, 6144, 12288, 32769, 65536, (JET_API_PTR)1 << 33};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_err(JetSetSystemParameter(&inst, 0, JET_paramDatabasePageSize, bad[i], NULL),
		       JET_errInvalidParameter);
	ck_err(JetGetSystemParameter(inst, 0, JET_paramDatabasePageSize, &l, NULL, 0),
	       JET_errSuccess);
	ck_assert_uint_eq(l, 32768);
	/* Databases get the size. */
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramDatabasePageSize, 4096, NULL),
	       JET_errSuccess);
	ck_err(JetInit(&inst), JET_errSuccess);
	JET_SESID s = sess_begin(inst);
	char d[600];
	JET_DBID dbid = 0;
	ck_err(JetCreateDatabase(s, path_in(d, sizeof(d), "ps.jdb"), NULL, &dbid, 0),
	       JET_errSuccess);
	unsigned long ps = 0;
	ck_err(JetGetDatabaseInfo(s, dbid, &ps, sizeof(ps), JET_DbInfoPageSize), JET_errSuccess);
	ck_assert_uint_eq(ps, 4096);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Transactions                                                       */
/* ------------------------------------------------------------------ */

START_TEST(test_txn_errors)
{
	JET_INSTANCE inst = inst_start("tx", "tx");
	JET_SESID s = sess_begin(inst);
	ck_err(JetCommitTransaction(s, 0), JET_errNotInTransaction);
	ck_err(JetCommitTransaction(s, JET_bitCommitLazyFlush), JET_errNotInTransaction);
	ck_err(JetRollback(s, 0), JET_errNotInTransaction);
	ck_err(JetRollback(s, JET_bitRollbackAll), JET_errNotInTransaction);
	/* Bad grbits, in and out of a transaction. */
	ck_err(JetCommitTransaction(s, 0x4), JET_errInvalidGrbit);
	ck_err(JetCommitTransaction(s, 0x100), JET_errInvalidGrbit);
	ck_err(JetRollback(s, 0x2), JET_errInvalidGrbit);
	ck_err(JetBeginTransaction2(s, 0x2), JET_errInvalidGrbit);
	ck_err(JetBeginTransaction2(s, ~(JET_GRBIT)0), JET_errInvalidGrbit);
	ck_err(JetBeginTransaction(s), JET_errSuccess);
	ck_err(JetCommitTransaction(s, 0x4), JET_errInvalidGrbit);
	ck_err(JetRollback(s, 0x2), JET_errInvalidGrbit);
	ck_err(JetCommitTransaction(s, 0), JET_errSuccess);
	ck_err(JetCommitTransaction(s, 0), JET_errNotInTransaction);
	/* Waiting for the log needs no transaction. */
	ck_err(JetCommitTransaction(s, JET_bitWaitLastLevel0Commit), JET_errSuccess);
	ck_err(JetCommitTransaction(s, JET_bitWaitAllLevel0Commit), JET_errSuccess);

	/* Seven levels; the 8th is TransTooDeep; RollbackAll leaves none. */
	for (int i = 0; i < 7; i++)
		ck_err(JetBeginTransaction(s), JET_errSuccess);
	ck_err(JetBeginTransaction(s), JET_errTransTooDeep);
	ck_err(JetRollback(s, 0), JET_errSuccess);
	ck_err(JetBeginTransaction(s), JET_errSuccess);
	ck_err(JetBeginTransaction(s), JET_errTransTooDeep);
	ck_err(JetRollback(s, JET_bitRollbackAll), JET_errSuccess);
	ck_err(JetRollback(s, 0), JET_errNotInTransaction);
	for (int i = 0; i < 7; i++)
		ck_err(JetBeginTransaction(s), JET_errSuccess);
	for (int i = 0; i < 7; i++)
		ck_err(JetCommitTransaction(s, 0), JET_errSuccess);
	ck_err(JetCommitTransaction(s, 0), JET_errNotInTransaction);

	/* Bad session handles. */
	ck_err(JetBeginTransaction(0), JET_errInvalidSesid);
	ck_err(JetCommitTransaction((JET_SESID)0xdeadbeef, 0), JET_errInvalidSesid);
	ck_err(JetRollback(JET_sesidNil, 0), JET_errInvalidSesid);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

/* Entries in the database's lock table (one per key written since the
 * oldest snapshot, one per table held whole). */
static uint64_t lock_entries(JET_SESID sesid, JET_DBID dbid)
{
	api_sess *s;
	jdb *db;
	bool ro;
	eng_db_stats st;
	ck_err(api_enter(sesid, &s), JET_errSuccess);
	ck_err(api_db(s, dbid, &db, &ro), JET_errSuccess);
	eng_db_stats_get(db, &st);
	api_leave(s);
	return st.lock_entries;
}

/* A table opened with JET_bitTableDenyWrite takes no lock entry per row
 * written, and stays closed to other writers until the transaction that
 * wrote it ends, even after its cursor closed. */
START_TEST(test_deny_write_no_row_locks)
{
	char db[600];
	JET_INSTANCE inst = inst_start("dw", "dw");
	JET_SESID a = sess_begin(inst), b = sess_begin(inst);
	JET_TABLEID t2;
	tbl ta, tb;
	long sum;

	path_in(db, sizeof(db), "dw.edb");
	tbl_create(a, db, &ta);
	tbl_insert_durable(a, &ta, 1);
	ck_err(JetCloseTable(a, ta.tid), JET_errSuccess);
	tbl_open(b, db, &tb);

	/* Another session's open cursor refuses the hold. */
	ck_err(JetOpenTable(a, ta.dbid, "t", NULL, 0, JET_bitTableDenyWrite, &ta.tid),
	       JET_errTableInUse);
	ck_err(JetCloseTable(b, tb.tid), JET_errSuccess);

	/* Ordinary writes lock every row. */
	uint64_t base = lock_entries(a, ta.dbid);
	ck_err(JetOpenTable(a, ta.dbid, "t", NULL, 0, 0, &ta.tid), JET_errSuccess);
	ck_err(JetBeginTransaction(a), JET_errSuccess);
	for (int i = 0; i < 100; i++)
		ck_err(tbl_insert(a, &ta, 1), JET_errSuccess);
	ck_assert_uint_ge(lock_entries(a, ta.dbid), base + 100);
	ck_err(JetRollback(a, 0), JET_errSuccess);
	ck_err(JetCloseTable(a, ta.tid), JET_errSuccess);

	/* b's snapshot predates a's load. */
	ck_err(JetBeginTransaction(b), JET_errSuccess);
	ck_err(JetOpenTable(b, tb.dbid, "t", NULL, 0, JET_bitTableReadOnly, &tb.tid),
	       JET_errSuccess);
	ck_assert_int_eq(tbl_count(b, &tb, NULL), 1);
	/* (any open cursor of another session refuses the hold) */
	ck_err(JetCloseTable(b, tb.tid), JET_errSuccess);

	base = lock_entries(a, ta.dbid);
	ck_err(JetBeginTransaction(a), JET_errSuccess);
	ck_err(JetOpenTable(a, ta.dbid, "t", NULL, 0, JET_bitTableDenyWrite, &ta.tid),
	       JET_errSuccess);
	for (int i = 0; i < 1000; i++)
		ck_err(tbl_insert(a, &ta, 2), JET_errSuccess);
	/* One entry stands for the table, none per row. */
	ck_assert_uint_le(lock_entries(a, ta.dbid), base + 1);
	ck_err(JetOpenTable(b, tb.dbid, "t", NULL, 0, 0, &t2), JET_errTableLocked);
	/* Closing the cursor does not let a writer in before the commit. */
	ck_err(JetCloseTable(a, ta.tid), JET_errSuccess);
	ck_err(JetOpenTable(b, tb.dbid, "t", NULL, 0, 0, &t2), JET_errTableLocked);
	/* Readers are not held: b still sees its snapshot. */
	ck_err(JetOpenTable(b, tb.dbid, "t", NULL, 0, JET_bitTableReadOnly, &tb.tid),
	       JET_errSuccess);
	ck_assert_int_eq(tbl_count(b, &tb, &sum), 1);
	ck_assert_int_eq(sum, 1);
	ck_err(JetCommitTransaction(a, 0), JET_errSuccess);
	ck_assert_int_eq(tbl_count(b, &tb, NULL), 1);

	/* Open for writing now, but b's snapshot is older than a's load: a
	 * write conflicts, as it would on any key a wrote. */
	ck_err(JetCloseTable(b, tb.tid), JET_errSuccess);
	ck_err(JetOpenTable(b, tb.dbid, "t", NULL, 0, 0, &tb.tid), JET_errSuccess);
	ck_err(tbl_insert(b, &tb, 3), JET_errWriteConflict);
	ck_err(JetRollback(b, 0), JET_errSuccess);

	/* A fresh transaction writes. */
	ck_err(JetOpenTable(b, tb.dbid, "t", NULL, 0, 0, &tb.tid), JET_errSuccess);
	ck_err(JetBeginTransaction(b), JET_errSuccess);
	ck_err(tbl_insert(b, &tb, 3), JET_errSuccess);
	ck_err(JetCommitTransaction(b, 0), JET_errSuccess);
	ck_assert_int_eq(tbl_count(b, &tb, &sum), 1002);
	ck_assert_int_eq(sum, 1 + 2000 + 3);
	ck_err(JetCloseTable(b, tb.tid), JET_errSuccess);

	/* A rolled-back hold gives the table back too. */
	ck_err(JetBeginTransaction(a), JET_errSuccess);
	ck_err(JetOpenTable(a, ta.dbid, "t", NULL, 0, JET_bitTableDenyWrite, &ta.tid),
	       JET_errSuccess);
	ck_err(tbl_insert(a, &ta, 4), JET_errSuccess);
	ck_err(JetCloseTable(a, ta.tid), JET_errSuccess);
	ck_err(JetOpenTable(b, tb.dbid, "t", NULL, 0, 0, &tb.tid), JET_errTableLocked);
	ck_err(JetRollback(a, 0), JET_errSuccess);
	ck_err(JetOpenTable(b, tb.dbid, "t", NULL, 0, 0, &tb.tid), JET_errSuccess);
	ck_assert_int_eq(tbl_count(b, &tb, NULL), 1002);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

START_TEST(test_txn_read_only)
{
	char db[600];
	JET_INSTANCE inst = inst_start("ro", "ro");
	JET_SESID s = sess_begin(inst);
	tbl t;
	tbl_create(s, path_in(db, sizeof(db), "ro.jdb"), &t);
	ck_err(tbl_insert(s, &t, 1), JET_errSuccess);

	ck_err(JetBeginTransaction2(s, JET_bitTransactionReadOnly), JET_errSuccess);
	ck_err(tbl_insert(s, &t, 2), JET_errTransReadOnly);
	ck_assert_int_eq(tbl_count(s, &t, NULL), 1); /* reading works */
	ck_err(JetMove(s, t.tid, JET_MoveFirst, 0), JET_errSuccess);
	ck_err(JetDelete(s, t.tid), JET_errTransReadOnly);
	/* Nested levels of a read-only transaction are read-only too. */
	ck_err(JetBeginTransaction(s), JET_errSuccess);
	ck_err(tbl_insert(s, &t, 3), JET_errTransReadOnly);
	ck_err(JetCommitTransaction(s, 0), JET_errSuccess);
	ck_err(JetCommitTransaction(s, 0), JET_errSuccess);
	/* The next transaction is read-write again. */
	ck_err(JetBeginTransaction(s), JET_errSuccess);
	ck_err(tbl_insert(s, &t, 4), JET_errSuccess);
	ck_err(JetCommitTransaction(s, 0), JET_errSuccess);
	long sum = 0;
	ck_assert_int_eq(tbl_count(s, &t, &sum), 2);
	ck_assert_int_eq(sum, 5);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Databases                                                          */
/* ------------------------------------------------------------------ */

START_TEST(test_db_create_attach_open)
{
	char db[600], missing[600], nodir[600];
	JET_INSTANCE inst = inst_start("db", "db");
	JET_SESID s = sess_begin(inst), s2 = sess_begin(inst);
	JET_DBID d = 0, d2 = 0;
	path_in(db, sizeof(db), "d.jdb");
	path_in(missing, sizeof(missing), "missing.jdb");
	path_in(nodir, sizeof(nodir), "nodir/x.jdb");

	ck_err(JetCreateDatabase(s, db, NULL, &d, 0), JET_errSuccess);
	ck_assert_uint_ne(d, 0);
	ck_err(JetCreateDatabase(s, db, NULL, &d2, 0x4000), JET_errInvalidGrbit);
	/* Attached already: DatabaseDuplicate, with overwrite or without. */
	ck_err(JetCreateDatabase(s2, db, NULL, &d2, 0), JET_errDatabaseDuplicate);
	ck_err(JetCreateDatabase(s, db, NULL, &d2, JET_bitDbOverwriteExisting),
	       JET_errDatabaseDuplicate);

	/* Open: attached is enough; not attached: DatabaseNotFound. */
	ck_err(JetOpenDatabase(s2, db, NULL, &d2, 0), JET_errSuccess);
	ck_err(JetOpenDatabase(s2, missing, NULL, &d2, 0), JET_errDatabaseNotFound);
	ck_err(JetOpenDatabase(s2, db, NULL, &d2, 0x4000), JET_errInvalidGrbit);

	/* Detach while open anywhere: DatabaseInUse. */
	ck_err(JetDetachDatabase(s, db), JET_errDatabaseInUse);
	ck_err(JetCloseDatabase(s, d, 0), JET_errSuccess);
	ck_err(JetDetachDatabase(s, db), JET_errDatabaseInUse); /* s2 has it */
	ck_err(JetCloseDatabase(s2, d2, 0), JET_errSuccess);
	ck_err(JetCloseDatabase(s2, d2, 0), JET_errInvalidDatabaseId);
	ck_err(JetBeginTransaction(s), JET_errSuccess);
	JET_ERR e = JetDetachDatabase(s, db);
	ck_assert_int_lt(e, 0); /* not inside a transaction */
	ck_err(JetRollback(s, 0), JET_errSuccess);
	ck_err(JetDetachDatabase(s, db), JET_errSuccess);
	ck_err(JetDetachDatabase(s, db), JET_errDatabaseNotFound);
	ck_err(JetOpenDatabase(s, db, NULL, &d, 0), JET_errDatabaseNotFound);

	/* The file exists: create is DatabaseDuplicate, overwrite works. */
	ck_err(JetCreateDatabase(s, db, NULL, &d, 0), JET_errDatabaseDuplicate);
	ck_err(JetAttachDatabase(s, db, 0), JET_errSuccess);
	tbl t;
	t.dbid = 0;
	ck_err(JetOpenDatabase(s, db, NULL, &t.dbid, 0), JET_errSuccess);
	ck_err(JetCreateTable(s, t.dbid, "t", 0, 0, &t.tid), JET_errSuccess);
	ck_err(JetCloseTable(s, t.tid), JET_errSuccess);
	ck_err(JetCloseDatabase(s, t.dbid, 0), JET_errSuccess);
	ck_err(JetDetachDatabase(s, db), JET_errSuccess);
	ck_err(JetCreateDatabase(s, db, NULL, &d, JET_bitDbOverwriteExisting), JET_errSuccess);
	JET_TABLEID tid = 0;
	ck_err(JetOpenTable(s, d, "t", NULL, 0, 0, &tid),
	       JET_errObjectNotFound); /* new and empty */

	/* Attach: a missing file is FileNotFound; twice is a warning. */
	ck_err(JetAttachDatabase(s, missing, 0), JET_errFileNotFound);
	ck_err(JetAttachDatabase(s, nodir, 0), JET_errFileNotFound);
	ck_err(JetAttachDatabase(s, db, 0), JET_wrnDatabaseAttached);
	ck_err(JetAttachDatabase(s, db, 0x4000), JET_errInvalidGrbit);

	/* Bad dbids. */
	unsigned long ps = 0;
	const JET_DBID bad[] = {0, d + 1, 63, 64, 1000, JET_dbidNil, (JET_DBID)-1};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_err(JetCloseDatabase(s, bad[i], 0), JET_errInvalidDatabaseId);
		ck_err(JetGetDatabaseInfo(s, bad[i], &ps, sizeof(ps), JET_DbInfoPageSize),
		       JET_errInvalidDatabaseId);
		ck_err(JetCreateTable(s, bad[i], "x", 0, 0, &tid), JET_errInvalidDatabaseId);
	}
	/* A dbid is per session. */
	ck_err(JetGetDatabaseInfo(s2, d, &ps, sizeof(ps), JET_DbInfoPageSize),
	       JET_errInvalidDatabaseId);
	ck_err(JetGetDatabaseInfo(s, d, &ps, sizeof(ps), JET_DbInfoPageSize), JET_errSuccess);
	ck_assert_uint_eq(ps, 8192);
	ck_err(JetCloseDatabase(s, d, 0x1), JET_errInvalidGrbit);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

/* A database left dirty by an instance, attached by another instance whose
 * logs are elsewhere: DatabaseDirtyShutdown. The instance with the logs
 * recovers it. */
START_TEST(test_db_dirty_shutdown)
{
	char db[600];
	path_in(db, sizeof(db), "dirty.jdb");
	JET_INSTANCE a = inst_start("a", "a");
	JET_SESID s = sess_begin(a);
	tbl t;
	tbl_create(s, db, &t);
	tbl_insert_durable(s, &t, 42);
	ck_err(JetTerm2(a, JET_bitTermDirty), JET_errSuccess);

	JET_INSTANCE b = inst_start("b", "b");
	s = sess_begin(b);
	ck_err(JetAttachDatabase(s, db, 0), JET_errDatabaseDirtyShutdown);
	ck_err(JetAttachDatabase(s, db, JET_bitDbReadOnly), JET_errDatabaseDirtyShutdown);
	JET_DBID d;
	ck_err(JetOpenDatabase(s, db, NULL, &d, 0), JET_errDatabaseNotFound);
	ck_err(JetTerm(b), JET_errSuccess);

	a = inst_start("a", "a");
	s = sess_begin(a);
	ck_err(JetAttachDatabase(s, db, 0), JET_errSuccess);
	tbl_open(s, db, &t);
	long sum = 0;
	ck_assert_int_eq(tbl_count(s, &t, &sum), 1);
	ck_assert_int_eq(sum, 42);
	ck_err(JetTerm(a), JET_errSuccess);

	/* Clean now: any instance may attach it. */
	b = inst_start("b", "b");
	s = sess_begin(b);
	ck_err(JetAttachDatabase(s, db, 0), JET_errSuccess);
	ck_err(JetTerm(b), JET_errSuccess);
}
END_TEST

/* ------------------------------------------------------------------ */
/* NULL out-pointers and strings: InvalidParameter, never a crash      */
/* ------------------------------------------------------------------ */

START_TEST(test_null_pointers)
{
	char db[600];
	path_in(db, sizeof(db), "null.jdb");
	ck_err(JetCreateInstance(NULL, NULL), JET_errInvalidParameter);
	ck_err(JetCreateInstance2(NULL, NULL, NULL, 0), JET_errInvalidParameter);
	ck_err(JetGetVersion(0, NULL), JET_errInvalidParameter);
	JET_INSTANCE inst = inst_start("null", "null");
	JET_SESID s = sess_begin(inst);
	unsigned long ver = 0;
	ck_err(JetGetVersion(s, &ver), JET_errSuccess);
	ck_err(JetGetVersion(s, NULL), JET_errInvalidParameter);
	ck_err(JetBeginSession(inst, NULL, NULL, NULL), JET_errInvalidParameter);
	ck_err(JetBeginSession(inst, NULL, "user", "pw"), JET_errInvalidParameter);
	ck_err(JetDupSession(s, NULL), JET_errInvalidParameter);
	ck_err(JetGetSystemParameter(inst, 0, JET_paramMaxSessions, NULL, NULL, 0),
	       JET_errInvalidParameter);
	ck_err(JetGetSystemParameter(inst, 0, JET_paramLogFilePath, NULL, NULL, 0),
	       JET_errInvalidParameter);
	ck_err(JetGetSystemParameter(inst, 0, JET_paramErrorToString, NULL, NULL, 0),
	       JET_errInvalidParameter);
	ck_err(JetSetSystemParameter(&inst, 0, JET_paramBaseName, 0, NULL),
	       JET_errAlreadyInitialized);

	JET_DBID d = 0;
	ck_err(JetCreateDatabase(s, db, NULL, NULL, 0), JET_errInvalidParameter);
	ck_err(JetCreateDatabase(s, NULL, NULL, &d, 0), JET_errInvalidParameter);
	ck_err(JetCreateDatabase(s, "", NULL, &d, 0), JET_errInvalidParameter);
	ck_err(JetAttachDatabase(s, NULL, 0), JET_errInvalidParameter);
	ck_err(JetAttachDatabase(s, "", 0), JET_errInvalidParameter);
	ck_err(JetCreateDatabase(s, db, NULL, &d, 0), JET_errSuccess);
	ck_err(JetOpenDatabase(s, db, NULL, NULL, 0), JET_errInvalidParameter);
	ck_err(JetOpenDatabase(s, NULL, NULL, &d, 0), JET_errInvalidParameter);
	ck_err(JetOpenDatabase(s, "", NULL, &d, 0), JET_errInvalidParameter);
	ck_err(JetGetDatabaseInfo(s, d, NULL, 100, JET_DbInfoPageSize), JET_errInvalidParameter);
	ck_err(JetGetDatabaseInfo(s, d, NULL, 100, JET_DbInfoFilename), JET_errInvalidParameter);
	ck_assert_int_lt(JetDetachDatabase(s, NULL), 0); /* d is open */
	ck_assert_int_lt(JetDetachDatabase(s, ""), 0);
	/* With a bad session, NULL out-pointers still give an error. */
	ck_assert_int_lt(JetDupSession(0, NULL), 0);
	ck_assert_int_lt(JetCreateDatabase(0, NULL, NULL, NULL, 0), 0);
	ck_assert_int_lt(JetOpenDatabase(0, NULL, NULL, NULL, 0), 0);
	ck_assert_int_lt(JetGetDatabaseInfo(0, 1, NULL, 0, 0), 0);
	ck_assert_int_lt(JetBeginSession(0, NULL, NULL, NULL), 0);
	ck_err(JetEndSession(s, 0), JET_errSuccess);
	ck_err(JetTerm(inst), JET_errSuccess);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *su = suite_create("api_session");
	TCase *tc = tcase_create("end_session");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_end_not_initialized);
	tcase_add_test(tc, test_end_invalid_sesid);
	tcase_add_test(tc, test_end_grbit);
	tcase_add_test(tc, test_end_session_in_use);
	tcase_add_test(tc, test_end_term_in_progress);
	tcase_add_test(tc, test_end_after_stop_service);
	tcase_add_test(tc, test_end_after_fatal);
	tcase_add_test(tc, test_end_rolls_back_nested);
	tcase_add_test(tc, test_end_after_partial_commit);
	tcase_add_test(tc, test_end_race);
	suite_add_tcase(su, tc);

	tc = tcase_create("instance");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_two_instances);
	tcase_add_test(tc, test_create_instance_args);
	tcase_add_test(tc, test_params_set_get);
	tcase_add_test(tc, test_params_global);
	tcase_add_test(tc, test_param_error_to_string);
	tcase_add_test(tc, test_param_base_name);
	tcase_add_test(tc, test_param_page_size);
	suite_add_tcase(su, tc);

	tc = tcase_create("transaction");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_txn_errors);
	tcase_add_test(tc, test_txn_read_only);
	tcase_add_test(tc, test_deny_write_no_row_locks);
	suite_add_tcase(su, tc);

	tc = tcase_create("database");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_db_create_attach_open);
	tcase_add_test(tc, test_db_dirty_shutdown);
	tcase_add_test(tc, test_null_pointers);
	suite_add_tcase(su, tc);
	return su;
}

JET_CHECK_MAIN(make_suite)
