/*
 * bench.c - the same workloads on libjet, SQLite and LMDB, side by side.
 *
 * Workloads, run in this order on each engine, each engine in its own
 * child process and its own fresh directory:
 *
 *   bulk     N rows (--rows, default 1,000,000) in ONE transaction, then a
 *            durable commit. A row is an 8-byte key and ~45 bytes of
 *            columns: a 4-byte integer a, an 8-byte integer b and a
 *            29-byte text c.
 *   reads    R point reads (--reads, default N) of random keys from a
 *            seeded PRNG (the same key sequence on every engine), each
 *            fetching a, b and c, all inside one read transaction.
 *   scan     the whole table in key order, summing b.
 *   shutdown a clean close after the scan, timed: what an engine left to
 *            write after the load (libjet: its dirty cached pages) is
 *            written here. The commit tests run on the reopened store.
 *   commit1  C single-row durable commits (--commits, default 2,000) from
 *            one session: read one row by key, change a, commit and wait
 *            for the log to reach the disk.
 *   commit8  the same C commits spread over T sessions (--threads, default
 *            8) on T threads at once. Thread t updates only keys whose
 *            index is t mod T, so no two sessions ever touch one row and
 *            no engine has to retry a write conflict.
 *            The two commit tests alternate for --rounds rounds (default
 *            3), the file system synced before each; each reports its
 *            median round.
 *
 * How each engine is used (each the way its own programmers write it):
 *
 *   libjet  the ESENT API: JetPrepareUpdate + JetSetColumn + JetUpdate for
 *           writes; JetMakeKey + JetSeek + JetRetrieveColumn for reads;
 *           JetMove for the scan; a primary index on the LongLong key;
 *           durable commit = JetCommitTransaction(sesid, 0).
 *   SQLite  WAL, synchronous=FULL, prepared statements, one table with an
 *           INTEGER PRIMARY KEY, a page cache as large as libjet's; each
 *           single-row commit is BEGIN IMMEDIATE / UPDATE / COMMIT.
 *   LMDB    the default (durable) environment, one database with
 *           MDB_INTEGERKEY; a value is a, b, c packed into 41 bytes.
 *
 * Every result is checked (reads find every key with the right values, the
 * scan sees N rows and the expected sum, each update changes one row); a
 * mismatch is a failure and the program exits 1. Times are wall-clock.
 * A ratio is other engine's time / libjet's time: above 1 libjet is faster.
 *
 * Usage: bench [--rows N] [--reads N] [--commits N] [--threads N]
 *              [--rounds N] [--only jet|sqlite|lmdb] [--dir DIR] [--seed S]
 *              [--random-keys] [--keep] [--quick]
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <sqlite3.h>

#include "jet.h"

/* ------------------------------------------------------------------ */
/* Options, rows and keys                                             */
/* ------------------------------------------------------------------ */

enum { ENG_JET, ENG_SQLITE, ENG_LMDB, ENG_COUNT };
static const char *const eng_names[ENG_COUNT] = {"libjet", "sqlite", "lmdb"};
static const char *const eng_short[ENG_COUNT] = {"jet", "sqlite", "lmdb"};

enum { W_BULK, W_READS, W_SCAN, W_CLOSE, W_COMMIT1, W_COMMITN, W_COUNT };

#define MAX_ROUNDS 15

typedef struct options {
	int rounds;
	long rows;
	long reads;
	long commits;
	int threads;
	uint64_t seed;
	bool random_keys;
	bool keep;
	bool only[ENG_COUNT]; /* all false: every engine */
	const char *dir;
} options;

static options opt = {
    .rows = 1000000,
    .reads = -1, /* = rows */
    .commits = 2000,
    .threads = 8,
    .rounds = 3,
    .seed = 42,
};

#define TEXT_LEN 29                /* column c */
#define VAL_LEN (4 + 8 + TEXT_LEN) /* LMDB value: a, b, c packed */

/* splitmix64: the PRNG, and (its finalizer) a bijection for random keys. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rng_next(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ull;
	return mix64(*s);
}

/* The key of row i (0 <= i < rows): 1..N, or scattered positive keys. */
static int64_t key_of(long i)
{
	if (!opt.random_keys)
		return (int64_t)i + 1;
	return (int64_t)(mix64((uint64_t)i + 1) >> 1);
}

/* Column values follow from the key, so every engine can check them. */
static int32_t val_a(int64_t k)
{
	return (int32_t)(uint32_t)((uint64_t)k * 7u);
}

static int64_t val_b(int64_t k)
{
	return k * 3 + 1;
}

static void val_c(int64_t k, char out[TEXT_LEN])
{
	static const char hex[] = "0123456789abcdef";
	memcpy(out, "row-0000000000000000-payload", TEXT_LEN - 1);
	uint64_t u = (uint64_t)k;
	for (int i = 0; i < 16; i++)
		out[4 + 15 - i] = hex[(u >> (4 * i)) & 15];
	out[TEXT_LEN - 1] = '.';
}

/* The key index updated by commit j of thread t out of nthreads. */
static long commit_row(uint64_t *rng, int t, int nthreads)
{
	long per = opt.rows / nthreads;
	return (long)(rng_next(rng) % (uint64_t)per) * nthreads + t;
}

/* The new value of a for a commit: never the one the row holds (an engine
 * may skip writing a row that did not change; SQLite does). */
static int32_t commit_val(uint64_t *rng)
{
	return (int32_t)(rng_next(rng) >> 33) | INT32_MIN;
}

static void put_val(uint8_t *v, int64_t k, int32_t a)
{
	int64_t b = val_b(k);
	memcpy(v, &a, 4);
	memcpy(v + 4, &b, 8);
	val_c(k, (char *)v + 12);
}

/* ------------------------------------------------------------------ */
/* Results and helpers                                                */
/* ------------------------------------------------------------------ */

typedef struct result {
	int ok;
	double secs[W_COUNT];
	long ops[W_COUNT];
	long maxrss_kb;
	long long disk_bytes;
	char err[1280];
} result;

static result *cur_res; /* the child's result, for fail() */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (cur_res && !cur_res->err[0])
		vsnprintf(cur_res->err, sizeof(cur_res->err), fmt, ap);
	va_end(ap);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long long g_du;
static int du_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)path, (void)f;
	if (flag == FTW_F)
		g_du += (long long)st->st_blocks * 512;
	return 0;
}

static long long disk_usage(const char *dir)
{
	g_du = 0;
	nftw(dir, du_cb, 16, FTW_PHYS);
	return g_du;
}

/* Write back every dirty page of the file system holding dir (untimed). */
static void settle(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		syncfs(fd);
		close(fd);
	}
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path);
}

static void rm_rf(const char *dir)
{
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------------------ */
/* The engine interface                                               */
/* ------------------------------------------------------------------ */

/* One engine: open (create, or reopen what an earlier open created) in a
 * directory; the three table workloads; sessions for the commit tests (a
 * session is used by one thread only); a clean shutdown. */
typedef struct engine_ops {
	int (*open)(const char *dir, bool create);
	int (*bulk)(long rows);
	int (*reads)(long nreads, uint64_t seed);
	int (*scan)(long *nrows, int64_t *sum);
	int (*sess_open)(void **sess);
	int (*sess_commits)(void *sess, int t, int nthreads, long ncommits, uint64_t seed);
	void (*sess_close)(void *sess);
	int (*close)(void);
} engine_ops;

/* ------------------------------------------------------------------ */
/* libjet                                                             */
/* ------------------------------------------------------------------ */

#define DB_NAME "bench.edb"

static JET_INSTANCE j_inst;
static JET_SESID j_sesid;
static JET_DBID j_dbid;
static JET_TABLEID j_tableid;
static JET_COLUMNID j_colk, j_cola, j_colb, j_colc;
static char j_dbpath[1100];

static bool jet_failed(JET_ERR err, const char *what, int line)
{
	if (err >= 0)
		return false;
	fail("libjet: %s (line %d): %s (%ld)", what, line, JetErrorName(err), err);
	return true;
}
#define JCall(x)                                                                                   \
	do {                                                                                       \
		if (jet_failed((x), #x, __LINE__))                                                 \
			return -1;                                                                 \
	} while (0)

static int jet_open_table(void)
{
	JET_COLUMNDEF cd;
	static const char *const names[] = {"k", "a", "b", "c"};
	JET_COLUMNID *ids[] = {&j_colk, &j_cola, &j_colb, &j_colc};
	JCall(JetOpenDatabase(j_sesid, j_dbpath, NULL, &j_dbid, 0));
	JCall(JetOpenTable(j_sesid, j_dbid, "t", NULL, 0, 0, &j_tableid));
	for (int i = 0; i < 4; i++) {
		JCall(JetGetTableColumnInfo(j_sesid, j_tableid, names[i], &cd, sizeof(cd),
					    JET_ColInfo));
		*ids[i] = cd.columnid;
	}
	return 0;
}

static int jet_open(const char *dir, bool create)
{
	char path[1100];
	snprintf(path, sizeof(path), "%s/", dir);
	snprintf(j_dbpath, sizeof(j_dbpath), "%s/" DB_NAME, dir);

	JCall(JetCreateInstance(&j_inst, "bench"));
	JCall(JetSetSystemParameter(&j_inst, 0, JET_paramSystemPath, 0, path));
	JCall(JetSetSystemParameter(&j_inst, 0, JET_paramLogFilePath, 0, path));
	JCall(JetSetSystemParameter(&j_inst, 0, JET_paramTempPath, 0, path));
	JCall(JetSetSystemParameter(&j_inst, 0, JET_paramMaxSessions, 64, NULL));
	/* 256 MiB of 8 KiB pages: the whole table stays in the cache. */
	JCall(JetSetSystemParameter(&j_inst, 0, JET_paramCacheSizeMax, 32768, NULL));
	/* The bulk insert is one transaction: room for every row's version
	 * (16 KiB units), with headroom. */
	unsigned long verpages = (unsigned long)(opt.rows / 256) + 1024;
	JCall(JetSetSystemParameter(&j_inst, 0, JET_paramMaxVerPages, verpages, NULL));
	JCall(JetSetSystemParameter(&j_inst, 0, JET_paramLogFileSize, 64 * 1024, NULL));
	JCall(JetInit(&j_inst));
	JCall(JetBeginSession(j_inst, &j_sesid, "", ""));
	if (!create) {
		JCall(JetAttachDatabase(j_sesid, j_dbpath, 0));
		return jet_open_table();
	}
	JCall(JetCreateDatabase(j_sesid, j_dbpath, NULL, &j_dbid, 0));

	JET_COLUMNDEF cd;
	JCall(JetBeginTransaction(j_sesid));
	JCall(JetCreateTable(j_sesid, j_dbid, "t", 0, 0, &j_tableid));
	memset(&cd, 0, sizeof(cd));
	cd.cbStruct = sizeof(cd);
	cd.coltyp = JET_coltypLongLong;
	cd.grbit = JET_bitColumnFixed | JET_bitColumnNotNULL;
	JCall(JetAddColumn(j_sesid, j_tableid, "k", &cd, NULL, 0, &j_colk));
	cd.coltyp = JET_coltypLong;
	cd.grbit = JET_bitColumnFixed;
	JCall(JetAddColumn(j_sesid, j_tableid, "a", &cd, NULL, 0, &j_cola));
	cd.coltyp = JET_coltypLongLong;
	JCall(JetAddColumn(j_sesid, j_tableid, "b", &cd, NULL, 0, &j_colb));
	cd.coltyp = JET_coltypText;
	cd.cbMax = 64;
	cd.cp = 1252;
	cd.grbit = 0;
	JCall(JetAddColumn(j_sesid, j_tableid, "c", &cd, NULL, 0, &j_colc));
	static const char key[] = "+k\0";
	JCall(JetCreateIndex(j_sesid, j_tableid, "primary",
			     JET_bitIndexPrimary | JET_bitIndexUnique, key, sizeof(key), 100));
	JCall(JetCommitTransaction(j_sesid, 0));
	return 0;
}

static int jet_bulk(long rows)
{
	char c[TEXT_LEN];
	JCall(JetBeginTransaction(j_sesid));
	for (long i = 0; i < rows; i++) {
		int64_t k = key_of(i), b = val_b(k);
		int32_t a = val_a(k);
		val_c(k, c);
		JCall(JetPrepareUpdate(j_sesid, j_tableid, JET_prepInsert));
		JCall(JetSetColumn(j_sesid, j_tableid, j_colk, &k, sizeof(k), 0, NULL));
		JCall(JetSetColumn(j_sesid, j_tableid, j_cola, &a, sizeof(a), 0, NULL));
		JCall(JetSetColumn(j_sesid, j_tableid, j_colb, &b, sizeof(b), 0, NULL));
		JCall(JetSetColumn(j_sesid, j_tableid, j_colc, c, TEXT_LEN, 0, NULL));
		JCall(JetUpdate(j_sesid, j_tableid, NULL, 0, NULL));
	}
	JCall(JetCommitTransaction(j_sesid, 0));
	return 0;
}

/* Seek the row with key k on cursor tableid; 1 if found. */
static int jet_seek(JET_SESID sesid, JET_TABLEID tableid, int64_t k)
{
	JCall(JetMakeKey(sesid, tableid, &k, sizeof(k), JET_bitNewKey));
	JET_ERR err = JetSeek(sesid, tableid, JET_bitSeekEQ);
	if (err == JET_errRecordNotFound) {
		fail("libjet: key %" PRId64 " not found", k);
		return -1;
	}
	JCall(err);
	return 0;
}

static int jet_reads(long nreads, uint64_t seed)
{
	uint64_t rng = seed;
	char c[TEXT_LEN + 8], want[TEXT_LEN];
	JCall(JetBeginTransaction(j_sesid));
	for (long n = 0; n < nreads; n++) {
		int64_t k = key_of((long)(rng_next(&rng) % (uint64_t)opt.rows)), b = 0;
		int32_t a = 0;
		unsigned long cb = 0;
		if (jet_seek(j_sesid, j_tableid, k) < 0)
			return -1;
		JCall(JetRetrieveColumn(j_sesid, j_tableid, j_cola, &a, sizeof(a), NULL, 0, NULL));
		JCall(JetRetrieveColumn(j_sesid, j_tableid, j_colb, &b, sizeof(b), NULL, 0, NULL));
		JCall(JetRetrieveColumn(j_sesid, j_tableid, j_colc, c, sizeof(c), &cb, 0, NULL));
		val_c(k, want);
		if (a != val_a(k) || b != val_b(k) || cb != TEXT_LEN || memcmp(c, want, TEXT_LEN)) {
			fail("libjet: key %" PRId64 ": wrong values", k);
			return -1;
		}
	}
	JCall(JetCommitTransaction(j_sesid, 0));
	return 0;
}

static int jet_scan(long *nrows, int64_t *sum)
{
	long n = 0;
	int64_t s = 0;
	JCall(JetBeginTransaction(j_sesid));
	JET_ERR err = JetMove(j_sesid, j_tableid, JET_MoveFirst, 0);
	while (err >= 0) {
		int64_t b;
		JCall(JetRetrieveColumn(j_sesid, j_tableid, j_colb, &b, sizeof(b), NULL, 0, NULL));
		s += b;
		n++;
		err = JetMove(j_sesid, j_tableid, JET_MoveNext, 0);
	}
	if (err != JET_errNoCurrentRecord)
		JCall(err);
	JCall(JetCommitTransaction(j_sesid, 0));
	*nrows = n;
	*sum = s;
	return 0;
}

typedef struct jet_sess {
	JET_SESID sesid;
	JET_DBID dbid;
	JET_TABLEID tableid;
} jet_sess;

static int jet_sess_open(void **out)
{
	jet_sess *js = calloc(1, sizeof(*js));
	if (!js)
		return -1;
	*out = js;
	JCall(JetBeginSession(j_inst, &js->sesid, "", ""));
	JCall(JetOpenDatabase(js->sesid, j_dbpath, NULL, &js->dbid, 0));
	JCall(JetOpenTable(js->sesid, js->dbid, "t", NULL, 0, 0, &js->tableid));
	return 0;
}

static int jet_sess_commits(void *sess, int t, int nthreads, long ncommits, uint64_t seed)
{
	jet_sess *js = sess;
	uint64_t rng = seed;
	for (long n = 0; n < ncommits; n++) {
		int64_t k = key_of(commit_row(&rng, t, nthreads));
		int32_t a = commit_val(&rng);
		JCall(JetBeginTransaction(js->sesid));
		if (jet_seek(js->sesid, js->tableid, k) < 0)
			return -1;
		JCall(JetPrepareUpdate(js->sesid, js->tableid, JET_prepReplace));
		JCall(JetSetColumn(js->sesid, js->tableid, j_cola, &a, sizeof(a), 0, NULL));
		JCall(JetUpdate(js->sesid, js->tableid, NULL, 0, NULL));
		JCall(JetCommitTransaction(js->sesid, 0)); /* durable */
	}
	return 0;
}

static void jet_sess_close(void *sess)
{
	jet_sess *js = sess;
	if (!js)
		return;
	if (js->sesid)
		JetEndSession(js->sesid, 0);
	free(js);
}

static int jet_close(void)
{
	JCall(JetCloseTable(j_sesid, j_tableid));
	JCall(JetCloseDatabase(j_sesid, j_dbid, 0));
	JCall(JetEndSession(j_sesid, 0));
	JCall(JetTerm(j_inst));
	j_inst = 0;
	return 0;
}

static const engine_ops jet_ops = {
    jet_open,      jet_bulk,         jet_reads,      jet_scan,
    jet_sess_open, jet_sess_commits, jet_sess_close, jet_close,
};

/* ------------------------------------------------------------------ */
/* SQLite                                                             */
/* ------------------------------------------------------------------ */

static sqlite3 *s_db;
static char s_path[1100];

static bool sq_failed(sqlite3 *db, int rc, const char *what, int line)
{
	if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
		return false;
	fail("sqlite: %s (line %d): %s (%d)", what, line, db ? sqlite3_errmsg(db) : "?", rc);
	return true;
}
#define SCall(db, x)                                                                               \
	do {                                                                                       \
		if (sq_failed((db), (x), #x, __LINE__))                                            \
			return -1;                                                                 \
	} while (0)

static int sq_connect(sqlite3 **db)
{
	SCall(NULL, sqlite3_open_v2(
			s_path, db,
			SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL));
	SCall(*db, sqlite3_exec(*db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL));
	SCall(*db, sqlite3_exec(*db, "PRAGMA synchronous=FULL", NULL, NULL, NULL));
	/* The same cache as libjet's: 256 MiB. */
	SCall(*db, sqlite3_exec(*db, "PRAGMA cache_size=-262144", NULL, NULL, NULL));
	SCall(*db, sqlite3_busy_timeout(*db, 60000));
	return 0;
}

static int sq_open(const char *dir, bool create)
{
	snprintf(s_path, sizeof(s_path), "%s/bench.sqlite", dir);
	if (sq_connect(&s_db) < 0)
		return -1;
	if (!create)
		return 0;
	SCall(s_db, sqlite3_exec(s_db,
				 "CREATE TABLE t(k INTEGER PRIMARY KEY, a INTEGER NOT NULL, "
				 "b INTEGER NOT NULL, c TEXT NOT NULL)",
				 NULL, NULL, NULL));
	return 0;
}

static int sq_bulk(long rows)
{
	sqlite3_stmt *st;
	char c[TEXT_LEN];
	SCall(s_db, sqlite3_prepare_v2(s_db, "INSERT INTO t(k, a, b, c) VALUES(?1, ?2, ?3, ?4)", -1,
				       &st, NULL));
	SCall(s_db, sqlite3_exec(s_db, "BEGIN", NULL, NULL, NULL));
	for (long i = 0; i < rows; i++) {
		int64_t k = key_of(i);
		val_c(k, c);
		sqlite3_bind_int64(st, 1, k);
		sqlite3_bind_int(st, 2, val_a(k));
		sqlite3_bind_int64(st, 3, val_b(k));
		sqlite3_bind_text(st, 4, c, TEXT_LEN, SQLITE_STATIC);
		SCall(s_db, sqlite3_step(st));
		sqlite3_reset(st);
	}
	SCall(s_db, sqlite3_exec(s_db, "COMMIT", NULL, NULL, NULL));
	sqlite3_finalize(st);
	return 0;
}

static int sq_reads(long nreads, uint64_t seed)
{
	sqlite3_stmt *st;
	uint64_t rng = seed;
	char want[TEXT_LEN];
	SCall(s_db, sqlite3_prepare_v2(s_db, "SELECT a, b, c FROM t WHERE k = ?1", -1, &st, NULL));
	SCall(s_db, sqlite3_exec(s_db, "BEGIN", NULL, NULL, NULL));
	for (long n = 0; n < nreads; n++) {
		int64_t k = key_of((long)(rng_next(&rng) % (uint64_t)opt.rows));
		sqlite3_bind_int64(st, 1, k);
		int rc = sqlite3_step(st);
		if (rc != SQLITE_ROW) {
			fail("sqlite: key %" PRId64 " not found (%d)", k, rc);
			return -1;
		}
		val_c(k, want);
		if (sqlite3_column_int(st, 0) != val_a(k) ||
		    sqlite3_column_int64(st, 1) != val_b(k) ||
		    sqlite3_column_bytes(st, 2) != TEXT_LEN ||
		    memcmp(sqlite3_column_text(st, 2), want, TEXT_LEN)) {
			fail("sqlite: key %" PRId64 ": wrong values", k);
			return -1;
		}
		sqlite3_reset(st);
	}
	SCall(s_db, sqlite3_exec(s_db, "COMMIT", NULL, NULL, NULL));
	sqlite3_finalize(st);
	return 0;
}

static int sq_scan(long *nrows, int64_t *sum)
{
	sqlite3_stmt *st;
	long n = 0;
	int64_t s = 0;
	int rc;
	SCall(s_db, sqlite3_prepare_v2(s_db, "SELECT b FROM t ORDER BY k", -1, &st, NULL));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s += sqlite3_column_int64(st, 0);
		n++;
	}
	SCall(s_db, rc);
	sqlite3_finalize(st);
	*nrows = n;
	*sum = s;
	return 0;
}

typedef struct sq_sess {
	sqlite3 *db;
	sqlite3_stmt *begin, *upd, *commit;
} sq_sess;

static int sq_sess_open(void **out)
{
	sq_sess *ss = calloc(1, sizeof(*ss));
	if (!ss)
		return -1;
	*out = ss;
	if (sq_connect(&ss->db) < 0)
		return -1;
	SCall(ss->db, sqlite3_prepare_v2(ss->db, "BEGIN IMMEDIATE", -1, &ss->begin, NULL));
	SCall(ss->db,
	      sqlite3_prepare_v2(ss->db, "UPDATE t SET a = ?1 WHERE k = ?2", -1, &ss->upd, NULL));
	SCall(ss->db, sqlite3_prepare_v2(ss->db, "COMMIT", -1, &ss->commit, NULL));
	return 0;
}

static int sq_sess_commits(void *sess, int t, int nthreads, long ncommits, uint64_t seed)
{
	sq_sess *ss = sess;
	uint64_t rng = seed;
	for (long n = 0; n < ncommits; n++) {
		int64_t k = key_of(commit_row(&rng, t, nthreads));
		SCall(ss->db, sqlite3_step(ss->begin));
		sqlite3_reset(ss->begin);
		sqlite3_bind_int(ss->upd, 1, commit_val(&rng));
		sqlite3_bind_int64(ss->upd, 2, k);
		SCall(ss->db, sqlite3_step(ss->upd));
		sqlite3_reset(ss->upd);
		if (sqlite3_changes(ss->db) != 1) {
			fail("sqlite: update of key %" PRId64 " changed %d rows", k,
			     sqlite3_changes(ss->db));
			return -1;
		}
		SCall(ss->db, sqlite3_step(ss->commit));
		sqlite3_reset(ss->commit);
	}
	return 0;
}

static void sq_sess_close(void *sess)
{
	sq_sess *ss = sess;
	if (!ss)
		return;
	sqlite3_finalize(ss->begin);
	sqlite3_finalize(ss->upd);
	sqlite3_finalize(ss->commit);
	sqlite3_close(ss->db);
	free(ss);
}

static int sq_close(void)
{
	SCall(s_db, sqlite3_close(s_db));
	return 0;
}

static const engine_ops sqlite_ops = {
    sq_open, sq_bulk, sq_reads, sq_scan, sq_sess_open, sq_sess_commits, sq_sess_close, sq_close,
};

/* ------------------------------------------------------------------ */
/* LMDB                                                               */
/* ------------------------------------------------------------------ */

static MDB_env *m_env;
static MDB_dbi m_dbi;

static bool mdb_failed(int rc, const char *what, int line)
{
	if (rc == MDB_SUCCESS)
		return false;
	fail("lmdb: %s (line %d): %s (%d)", what, line, mdb_strerror(rc), rc);
	return true;
}
#define MCall(x)                                                                                   \
	do {                                                                                       \
		if (mdb_failed((x), #x, __LINE__))                                                 \
			return -1;                                                                 \
	} while (0)

/* MDB_INTEGERKEY keys are native size_t; all keys here are >= 0. */
static MDB_val mkey(size_t *k)
{
	MDB_val v = {sizeof(*k), k};
	return v;
}

static int lm_open(const char *dir, bool create)
{
	MDB_txn *txn;
	(void)create; /* the same calls create or reopen */
	size_t map = (size_t)opt.rows * 512 + ((size_t)1 << 30);
	MCall(mdb_env_create(&m_env));
	MCall(mdb_env_set_mapsize(m_env, map));
	MCall(mdb_env_set_maxreaders(m_env, 126));
	MCall(mdb_env_open(m_env, dir, 0, 0644));
	MCall(mdb_txn_begin(m_env, NULL, 0, &txn));
	MCall(mdb_dbi_open(txn, NULL, MDB_INTEGERKEY, &m_dbi));
	MCall(mdb_txn_commit(txn));
	return 0;
}

static int lm_bulk(long rows)
{
	MDB_txn *txn;
	uint8_t v[VAL_LEN];
	MCall(mdb_txn_begin(m_env, NULL, 0, &txn));
	for (long i = 0; i < rows; i++) {
		int64_t k = key_of(i);
		size_t uk = (size_t)k;
		MDB_val key = mkey(&uk), val = {VAL_LEN, v};
		put_val(v, k, val_a(k));
		MCall(mdb_put(txn, m_dbi, &key, &val, 0));
	}
	MCall(mdb_txn_commit(txn));
	return 0;
}

static int lm_reads(long nreads, uint64_t seed)
{
	MDB_txn *txn;
	uint64_t rng = seed;
	char want[TEXT_LEN];
	MCall(mdb_txn_begin(m_env, NULL, MDB_RDONLY, &txn));
	for (long n = 0; n < nreads; n++) {
		int64_t k = key_of((long)(rng_next(&rng) % (uint64_t)opt.rows)), b;
		int32_t a;
		size_t uk = (size_t)k;
		MDB_val key = mkey(&uk), val;
		int rc = mdb_get(txn, m_dbi, &key, &val);
		if (rc == MDB_NOTFOUND) {
			fail("lmdb: key %" PRId64 " not found", k);
			return -1;
		}
		MCall(rc);
		memcpy(&a, val.mv_data, 4);
		memcpy(&b, (char *)val.mv_data + 4, 8);
		val_c(k, want);
		if (val.mv_size != VAL_LEN || a != val_a(k) || b != val_b(k) ||
		    memcmp((char *)val.mv_data + 12, want, TEXT_LEN)) {
			fail("lmdb: key %" PRId64 ": wrong values", k);
			return -1;
		}
	}
	mdb_txn_abort(txn);
	return 0;
}

static int lm_scan(long *nrows, int64_t *sum)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val key, val;
	long n = 0;
	int64_t s = 0;
	int rc;
	MCall(mdb_txn_begin(m_env, NULL, MDB_RDONLY, &txn));
	MCall(mdb_cursor_open(txn, m_dbi, &cur));
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		int64_t b;
		memcpy(&b, (char *)val.mv_data + 4, 8);
		s += b;
		n++;
	}
	if (rc != MDB_NOTFOUND)
		MCall(rc);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	*nrows = n;
	*sum = s;
	return 0;
}

static int lm_sess_open(void **out)
{
	*out = NULL; /* a session is the environment itself */
	return 0;
}

static int lm_sess_commits(void *sess, int t, int nthreads, long ncommits, uint64_t seed)
{
	(void)sess;
	uint64_t rng = seed;
	uint8_t v[VAL_LEN];
	for (long n = 0; n < ncommits; n++) {
		int64_t k = key_of(commit_row(&rng, t, nthreads));
		size_t uk = (size_t)k;
		MDB_txn *txn;
		MDB_val key = mkey(&uk), val;
		MCall(mdb_txn_begin(m_env, NULL, 0, &txn));
		int rc = mdb_get(txn, m_dbi, &key, &val);
		if (rc != MDB_SUCCESS || val.mv_size != VAL_LEN) {
			fail("lmdb: key %" PRId64 " not found for update", k);
			mdb_txn_abort(txn);
			return -1;
		}
		memcpy(v, val.mv_data, VAL_LEN);
		int32_t a = commit_val(&rng);
		memcpy(v, &a, 4);
		val.mv_data = v;
		MCall(mdb_put(txn, m_dbi, &key, &val, 0));
		MCall(mdb_txn_commit(txn)); /* durable: fsync before it returns */
	}
	return 0;
}

static void lm_sess_close(void *sess)
{
	(void)sess;
}

static int lm_close(void)
{
	mdb_dbi_close(m_env, m_dbi);
	mdb_env_close(m_env);
	return 0;
}

static const engine_ops lmdb_ops = {
    lm_open, lm_bulk, lm_reads, lm_scan, lm_sess_open, lm_sess_commits, lm_sess_close, lm_close,
};

static const engine_ops *const engines[ENG_COUNT] = {&jet_ops, &sqlite_ops, &lmdb_ops};

/* ------------------------------------------------------------------ */
/* Running one engine                                                 */
/* ------------------------------------------------------------------ */

typedef struct worker {
	const engine_ops *ops;
	pthread_barrier_t *start;
	void *sess;
	int t, nthreads;
	long ncommits;
	uint64_t seed;
	int rc;
} worker;

static void *worker_main(void *arg)
{
	worker *w = arg;
	pthread_barrier_wait(w->start);
	w->rc = w->ops->sess_commits(w->sess, w->t, w->nthreads, w->ncommits, w->seed);
	return NULL;
}

/* The commits of the commit tests, spread over nthreads sessions. */
static int run_commits(const engine_ops *ops, int nthreads, long ncommits, int round, double *secs)
{
	worker w[64];
	pthread_t th[64];
	pthread_barrier_t start;
	int rc = 0, started = 0;

	memset(w, 0, sizeof(w));
	for (int t = 0; t < nthreads; t++) {
		w[t].ops = ops;
		w[t].start = &start;
		w[t].t = t;
		w[t].nthreads = nthreads;
		w[t].ncommits = ncommits / nthreads + (t < ncommits % nthreads);
		w[t].seed = opt.seed * 1000003 + (uint64_t)((round * 65 + nthreads) * 64 + t);
		if (ops->sess_open(&w[t].sess) < 0) {
			rc = -1;
			goto out;
		}
	}
	pthread_barrier_init(&start, NULL, (unsigned)nthreads + 1);
	for (; started < nthreads; started++)
		if (pthread_create(&th[started], NULL, worker_main, &w[started]) != 0) {
			fail("pthread_create failed");
			abort(); /* the barrier can never open now */
		}
	double t0 = now();
	pthread_barrier_wait(&start);
	for (int t = 0; t < started; t++) {
		pthread_join(th[t], NULL);
		if (w[t].rc < 0)
			rc = -1;
	}
	*secs = now() - t0;
	pthread_barrier_destroy(&start);
out:
	for (int t = 0; t < nthreads; t++)
		ops->sess_close(w[t].sess);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int run_engine(int e, const char *dir, result *res)
{
	const engine_ops *ops = engines[e];
	double t0;
	long n;
	int64_t sum, want = 0;

	if (ops->open(dir, true) < 0)
		return -1;

	t0 = now();
	if (ops->bulk(opt.rows) < 0)
		return -1;
	res->secs[W_BULK] = now() - t0;
	res->ops[W_BULK] = opt.rows;

	t0 = now();
	if (ops->reads(opt.reads, opt.seed) < 0)
		return -1;
	res->secs[W_READS] = now() - t0;
	res->ops[W_READS] = opt.reads;

	t0 = now();
	if (ops->scan(&n, &sum) < 0)
		return -1;
	res->secs[W_SCAN] = now() - t0;
	res->ops[W_SCAN] = n;
	for (long i = 0; i < opt.rows; i++)
		want += val_b(key_of(i));
	if (n != opt.rows || sum != want) {
		fail("%s: scan saw %ld rows, sum %" PRId64 "; expected %ld, %" PRId64, eng_names[e],
		     n, sum, opt.rows, want);
		return -1;
	}

	/* A clean shutdown: whatever the engine left to write after the load
	 * (libjet: the dirty pages of its cache) is written here. The commit
	 * tests then run on the reopened store, so that no engine's write-back
	 * of the load overlaps them and each starts from a quiet disk. */
	t0 = now();
	if (ops->close() < 0)
		return -1;
	res->secs[W_CLOSE] = now() - t0;
	res->ops[W_CLOSE] = 1;
	settle(dir);
	if (ops->open(dir, false) < 0)
		return -1;

	/* Commit latency is the disk's flush latency, which other work on a
	 * shared machine moves a lot from one second to the next: alternate
	 * the two tests for a few rounds and keep each one's median. */
	double t1[MAX_ROUNDS], tn[MAX_ROUNDS];
	for (int round = 0; round < opt.rounds; round++) {
		settle(dir);
		if (run_commits(ops, 1, opt.commits, round, &t1[round]) < 0)
			return -1;
		settle(dir);
		if (run_commits(ops, opt.threads, opt.commits, round, &tn[round]) < 0)
			return -1;
		printf("   %s round %d: %ld commits x1 %.3fs, x%d %.3fs\n", eng_names[e], round + 1,
		       opt.commits, t1[round], opt.threads, tn[round]);
		fflush(stdout);
	}
	res->secs[W_COMMIT1] = median(t1, opt.rounds);
	res->ops[W_COMMIT1] = opt.commits;
	res->secs[W_COMMITN] = median(tn, opt.rounds);
	res->ops[W_COMMITN] = opt.commits;

	if (ops->close() < 0)
		return -1;
	res->disk_bytes = disk_usage(dir);
	return 0;
}

/* Run engine e in a child process in a fresh directory under base. */
static int run_child(int e, const char *base, result *res)
{
	char dir[1000];
	int fds[2];
	memset(res, 0, sizeof(*res));
	snprintf(dir, sizeof(dir), "%s/%s", base, eng_short[e]);
	if (mkdir(dir, 0755) < 0) {
		snprintf(res->err, sizeof(res->err), "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (pipe(fds) < 0) {
		snprintf(res->err, sizeof(res->err), "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(res->err, sizeof(res->err), "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		struct rusage ru;
		close(fds[0]);
		cur_res = res;
		res->ok = run_engine(e, dir, res) == 0;
		getrusage(RUSAGE_SELF, &ru);
		res->maxrss_kb = ru.ru_maxrss;
		ssize_t w = write(fds[1], res, sizeof(*res));
		_exit(w == (ssize_t)sizeof(*res) ? 0 : 1);
	}
	close(fds[1]);
	size_t got = 0;
	while (got < sizeof(*res)) {
		ssize_t r = read(fds[0], (char *)res + got, sizeof(*res) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	if (got != sizeof(*res)) {
		memset(res, 0, sizeof(*res));
		snprintf(res->err, sizeof(res->err), "child died (status 0x%x)", status);
	}
	if (!opt.keep)
		rm_rf(dir);
	return res->ok ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Report                                                             */
/* ------------------------------------------------------------------ */

static const char *const w_names[W_COUNT] = {"bulk insert", "point reads", "scan",
					     "shutdown",    "commit x1",   "commit xT"};

static void fmt_rate(char *buf, size_t cb, double rate)
{
	if (rate >= 1e6)
		snprintf(buf, cb, "%.2fM/s", rate / 1e6);
	else if (rate >= 1e3)
		snprintf(buf, cb, "%.1fk/s", rate / 1e3);
	else
		snprintf(buf, cb, "%.0f/s", rate);
}

static void fmt_cell(char *buf, size_t cb, const result *r, int w)
{
	char rate[32];
	if (!r || !r->ok) {
		snprintf(buf, cb, "-");
		return;
	}
	if (w == W_CLOSE)
		rate[0] = 0;
	else
		fmt_rate(rate, sizeof(rate), (double)r->ops[w] / r->secs[w]);
	snprintf(buf, cb, "%8.3fs %9s", r->secs[w], rate);
}

static void fmt_ratio(char *buf, size_t cb, const result *jet, const result *other, int w)
{
	if (!jet || !jet->ok || !other || !other->ok || jet->secs[w] <= 0)
		snprintf(buf, cb, "-");
	else
		snprintf(buf, cb, "%.2fx", other->secs[w] / jet->secs[w]);
}

static void report(const result *res[ENG_COUNT])
{
	char c[ENG_COUNT][48], r1[16], r2[16], name[32];
	const result *j = res[ENG_JET];

	printf("\n%-18s %-19s %-19s %-19s %10s %10s\n", "workload", eng_names[0], eng_names[1],
	       eng_names[2], "jet/sqlite", "jet/lmdb");
	for (int w = 0; w < W_COUNT; w++) {
		for (int e = 0; e < ENG_COUNT; e++)
			fmt_cell(c[e], sizeof(c[e]), res[e], w);
		fmt_ratio(r1, sizeof(r1), j, res[ENG_SQLITE], w);
		fmt_ratio(r2, sizeof(r2), j, res[ENG_LMDB], w);
		if (w == W_COMMITN)
			snprintf(name, sizeof(name), "commit x%d", opt.threads);
		else
			snprintf(name, sizeof(name), "%s", w_names[w]);
		printf("%-18s %-19s %-19s %-19s %10s %10s\n", name, c[0], c[1], c[2], r1, r2);
	}

	snprintf(name, sizeof(name), "x%d / x1 commits", opt.threads);
	printf("%-18s", name);
	for (int e = 0; e < ENG_COUNT; e++) {
		if (res[e] && res[e]->ok)
			snprintf(c[e], sizeof(c[e]), "%.2fx",
				 res[e]->secs[W_COMMIT1] / res[e]->secs[W_COMMITN]);
		else
			snprintf(c[e], sizeof(c[e]), "-");
		printf(" %-19s", c[e]);
	}
	printf("\n%-18s", "peak RSS");
	for (int e = 0; e < ENG_COUNT; e++) {
		if (res[e] && res[e]->ok)
			snprintf(c[e], sizeof(c[e]), "%.1f MiB", (double)res[e]->maxrss_kb / 1024);
		else
			snprintf(c[e], sizeof(c[e]), "-");
		printf(" %-19s", c[e]);
	}
	printf("\n%-18s", "disk after close");
	for (int e = 0; e < ENG_COUNT; e++) {
		if (res[e] && res[e]->ok)
			snprintf(c[e], sizeof(c[e]), "%.1f MiB",
				 (double)res[e]->disk_bytes / 1048576);
		else
			snprintf(c[e], sizeof(c[e]), "-");
		printf(" %-19s", c[e]);
	}
	printf("\n\nratios: other engine's time / libjet's time (above 1: libjet is faster)\n");
}

/* ------------------------------------------------------------------ */
/* main                                                               */
/* ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f, "usage: bench [--rows N] [--reads N] [--commits N] [--threads N]\n"
		   "             [--rounds N] [--only jet|sqlite|lmdb] [--dir DIR] [--seed S]\n"
		   "             [--random-keys] [--keep] [--quick]\n");
}

static long parse_long(const char *s, const char *what, long min)
{
	char *end;
	errno = 0;
	long v = strtol(s ? s : "", &end, 10);
	if (!s || errno || *end || v < min) {
		fprintf(stderr, "bench: bad %s: %s\n", what, s ? s : "(missing)");
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	bool any_only = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--rows")) {
			opt.rows = parse_long(v, a, 1), i++;
		} else if (!strcmp(a, "--reads")) {
			opt.reads = parse_long(v, a, 0), i++;
		} else if (!strcmp(a, "--commits")) {
			opt.commits = parse_long(v, a, 1), i++;
		} else if (!strcmp(a, "--threads")) {
			opt.threads = (int)parse_long(v, a, 1), i++;
		} else if (!strcmp(a, "--rounds")) {
			opt.rounds = (int)parse_long(v, a, 1), i++;
		} else if (!strcmp(a, "--seed")) {
			opt.seed = (uint64_t)parse_long(v, a, 0), i++;
		} else if (!strcmp(a, "--dir")) {
			if (!v) {
				usage(stderr);
				return 2;
			}
			opt.dir = v, i++;
		} else if (!strcmp(a, "--only")) {
			int e;
			for (e = 0; e < ENG_COUNT; e++)
				if (v && (!strcmp(v, eng_short[e]) || !strcmp(v, eng_names[e])))
					break;
			if (e == ENG_COUNT) {
				fprintf(stderr, "bench: --only jet|sqlite|lmdb\n");
				return 2;
			}
			opt.only[e] = any_only = true, i++;
		} else if (!strcmp(a, "--quick")) {
			opt.rows = 50000;
			opt.commits = 200;
		} else if (!strcmp(a, "--random-keys")) {
			opt.random_keys = true;
		} else if (!strcmp(a, "--keep")) {
			opt.keep = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (opt.reads < 0)
		opt.reads = opt.rows;
	if (opt.rounds > MAX_ROUNDS) {
		fprintf(stderr, "bench: --rounds must be at most %d\n", MAX_ROUNDS);
		return 2;
	}
	if (opt.threads > 64 || opt.threads > opt.rows) {
		fprintf(stderr, "bench: --threads must be at most 64 and at most --rows\n");
		return 2;
	}

	char base[900];
	const char *parent = opt.dir ? opt.dir : getenv("TMPDIR");
	snprintf(base, sizeof(base), "%s/jetbench-XXXXXX", parent && *parent ? parent : "/tmp");
	if (!mkdtemp(base)) {
		fprintf(stderr, "bench: mkdtemp %s: %s\n", base, strerror(errno));
		return 1;
	}

	printf("bench: %ld rows (%s keys), %ld point reads, %ld commits, %d threads, seed %" PRIu64
	       "\n       in %s; libjet, SQLite %s, %s\n",
	       opt.rows, opt.random_keys ? "random" : "sequential", opt.reads, opt.commits,
	       opt.threads, opt.seed, base, sqlite3_libversion(), mdb_version(NULL, NULL, NULL));

	char load[128] = "?";
	FILE *lf = fopen("/proc/loadavg", "r");
	if (lf) {
		if (fgets(load, sizeof(load), lf))
			load[strcspn(load, "\n")] = 0;
		fclose(lf);
	}
	printf("       %ld CPUs online, load average %s\n", sysconf(_SC_NPROCESSORS_ONLN), load);

	static result results[ENG_COUNT];
	const result *res[ENG_COUNT] = {NULL, NULL, NULL};
	int failed = 0;
	for (int e = 0; e < ENG_COUNT; e++) {
		if (any_only && !opt.only[e])
			continue;
		printf("== %s\n", eng_names[e]);
		if (run_child(e, base, &results[e]) < 0) {
			fprintf(stderr, "bench: %s FAILED: %s\n", eng_names[e], results[e].err);
			failed = 1;
		}
		res[e] = &results[e];
	}
	report(res);
	if (!opt.keep)
		rmdir(base);
	return failed;
}
