/*
 * crash_test.c - kill -9 a busy engine at random moments, recover, verify.
 *
 *   crash_test [--cycles N] [--seed S] [--dir D] [--tolerate-leaks]
 *
 * The workload is a bank: NACC accounts in one tree (key: be32 account id;
 * value: le64 balance, then the stamp of the transaction that last wrote it)
 * and a journal in another (key: be32 cycle, be32 thread, be32 seq; value:
 * the transfer). Every transaction moves money between 2-5 random accounts
 * and writes its journal entry, so the balances and the journal must always
 * agree exactly, and the sum of all balances never changes.
 *
 * Each cycle forks a child that attaches the database and runs NTHREADS
 * sessions on NTHREADS threads. After every durable commit (most are; some
 * are lazy and not acknowledged) a thread writes "thread seq\n" to a pipe.
 * The parent SIGKILLs the child after a seeded random 1-200 ms, then, in
 * process, recovers (eng_init), attaches and verifies:
 *   1. every acknowledged journal entry is present;
 *   2. per thread, the entries present form a prefix 0..m-1 of its commits
 *      (the log is replayed as a prefix);
 *   3. the sum of all balances is unchanged (no partial transaction);
 *   4. every balance equals its initial value plus every journal entry
 *      present (journal and balances agree), and each account's stamp names a
 *      present journal entry that touched it;
 *   5. entries verified in earlier cycles are all still there;
 *   6. eng_db_check passes.
 * Then it terms the instance (cleanly, or dirty so the next child recovers)
 * and the next cycle continues on the same database.
 *
 * The thread timing makes a run only approximately reproducible from its
 * seed; the seed fixes the kill delays, the workload's choices and the term
 * modes.
 *
 * KNOWN FAILURE (engine bug, open): eng_db_check sometimes reports a run of
 * "page in use but unreachable (leaked)" pages after recovery, about 1/8 of
 * the file: a checkpoint's header takes page_count from the file after
 * space_save released the space lock, so an extent a concurrent writer grew
 * in between is loaded as LIVE. --tolerate-leaks counts such cycles instead
 * of failing, so the other checks can soak meanwhile.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

#define NACC 100
#define NTHREADS 4
#define INITIAL_BALANCE 1000000
#define ACC_VAL_SIZE 20 /* le64 balance, le32 cycle+1 (0: initial), le32 thread, le32 seq */
#define JKEY_SIZE 12
#define MAX_LEGS 5
#define JVAL_MAX (1 + MAX_LEGS * 12)

static char g_dir[512];
static char g_db[600];
static uint64_t g_seed;
static uint32_t g_acc_objid, g_jrn_objid;

/* ---- small helpers ---- */

static uint64_t mix64(uint64_t z)
{
	z += 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t rnd_next(uint64_t *st)
{
	*st += 0x9E3779B97F4A7C15ull;
	return mix64(*st);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void set_params(jinst *inst)
{
	eng_params *p = eng_inst_params(inst);
	snprintf(p->system_path, sizeof(p->system_path), "%s/", g_dir);
	snprintf(p->log_path, sizeof(p->log_path), "%s/", g_dir);
	p->vfs = os_vfs_posix();
	p->log_file_size_kb = 256;
	p->circular_log = true;
	p->checkpoint_depth_max = 512 * 1024;
	p->cache_size_max = 1024;
	p->max_ver_pages = 1024;
}

static void jkey_make(uint8_t key[JKEY_SIZE], uint32_t cycle, uint32_t thread, uint32_t seq)
{
	put_be32(key, cycle);
	put_be32(key + 4, thread);
	put_be32(key + 8, seq);
}

/* ---- the child: the workload ---- */

static uint32_t g_cycle;
static uint64_t g_cycle_seed;
static int g_ackfd;
static jinst *g_inst;
static jdb *g_jdb;

__attribute__((format(printf, 1, 2), noreturn)) static void child_die(const char *fmt, ...);
static void child_die(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "crash_test child (cycle %u): %s\n", g_cycle, buf);
	_exit(3);
}

static void ack_write(const char *line, size_t len)
{
	while (len > 0) {
		ssize_t n = write(g_ackfd, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			child_die("ack pipe write failed: %s", strerror(errno));
		line += n;
		len -= (size_t)n;
	}
}

/* One transfer attempt. 1: committed, 0: write conflict (rolled back). */
static int transfer_try(jsess *s, uint32_t thread, uint32_t seq, int nlegs, const uint32_t *acc,
			const int64_t *delta, JET_GRBIT grbit)
{
	JET_ERR err;
	eng_read r;
	uint32_t root;
	uint8_t key[4], val[ACC_VAL_SIZE], jkey[JKEY_SIZE], jval[JVAL_MAX];
	int64_t bal[MAX_LEGS];

	if ((err = eng_txn_begin(s, false)) < 0)
		child_die("eng_txn_begin: %ld", err);
	if ((err = eng_read_begin(s, g_jdb, &r)) < 0)
		child_die("eng_read_begin: %ld", err);
	if ((err = eng_read_root(&r, g_acc_objid, &root)) < 0)
		child_die("eng_read_root: %ld", err);
	for (int i = 0; i < nlegs; i++) {
		size_t cb = 0;
		put_be32(key, acc[i]);
		err = bt_get(eng_db_cache(g_jdb), root, key, 4, val, sizeof(val), &cb);
		if (err < 0 || cb != ACC_VAL_SIZE)
			child_die("bt_get account %u: %ld (cb %zu)", acc[i], err, cb);
		bal[i] = (int64_t)get_le64(val);
	}
	eng_read_end(&r);
	for (int i = 0; i < nlegs; i++) {
		put_be32(key, acc[i]);
		put_le64(val, (uint64_t)(bal[i] + delta[i]));
		put_le32(val + 8, g_cycle + 1);
		put_le32(val + 12, thread);
		put_le32(val + 16, seq);
		err = eng_put(s, g_jdb, g_acc_objid, key, 4, val, ACC_VAL_SIZE, BT_PUT_MUSTEXIST);
		if (err == JET_errWriteConflict)
			goto conflict;
		if (err < 0)
			child_die("eng_put account: %ld", err);
	}
	jkey_make(jkey, g_cycle, thread, seq);
	jval[0] = (uint8_t)nlegs;
	for (int i = 0; i < nlegs; i++) {
		put_be32(jval + 1 + 12 * i, acc[i]);
		put_le64(jval + 5 + 12 * i, (uint64_t)delta[i]);
	}
	err = eng_put(s, g_jdb, g_jrn_objid, jkey, JKEY_SIZE, jval, 1 + 12 * (size_t)nlegs,
		      BT_PUT_NOOVERWRITE);
	if (err < 0)
		child_die("eng_put journal %u/%u: %ld", thread, seq, err);
	err = eng_txn_commit(s, grbit);
	if (err == JET_errWriteConflict)
		goto conflict;
	if (err < 0)
		child_die("eng_txn_commit: %ld", err);
	return 1;
conflict:
	if ((err = eng_txn_rollback(s, true)) < 0)
		child_die("eng_txn_rollback: %ld", err);
	return 0;
}

static void *child_thread(void *arg)
{
	uint32_t thread = (uint32_t)(uintptr_t)arg;
	uint64_t rs = mix64(g_cycle_seed ^ (0x7468726561640000ull + thread));
	jsess *s;
	JET_ERR err = eng_sess_begin(g_inst, &s);
	if (err < 0)
		child_die("eng_sess_begin: %ld", err);
	for (uint32_t seq = 0;; seq++) {
		uint32_t acc[MAX_LEGS];
		int64_t delta[MAX_LEGS], sum = 0;
		int nlegs = 2 + (int)(rnd_next(&rs) % (MAX_LEGS - 1));
		for (int i = 0; i < nlegs; i++) {
			bool dup;
			do {
				acc[i] = (uint32_t)(rnd_next(&rs) % NACC);
				dup = false;
				for (int j = 0; j < i; j++)
					dup |= acc[j] == acc[i];
			} while (dup);
			if (i < nlegs - 1) {
				delta[i] = (int64_t)(rnd_next(&rs) % 2001) - 1000;
				sum += delta[i];
			} else {
				delta[i] = -sum;
			}
		}
		bool lazy = rnd_next(&rs) % 8 == 0;
		int tries = 0;
		while (!transfer_try(s, thread, seq, nlegs, acc, delta,
				     lazy ? JET_bitCommitLazyFlush : 0)) {
			if (++tries > 100000)
				child_die("thread %u: 100000 write conflicts in a row", thread);
			if (tries > 3)
				sched_yield();
		}
		if (!lazy) {
			char line[32];
			int n = snprintf(line, sizeof(line), "%u %u\n", thread, seq);
			ack_write(line, (size_t)n);
		}
		if (thread == 0 && rnd_next(&rs) % 64 == 0 && (err = eng_db_checkpoint(g_jdb)) < 0)
			child_die("eng_db_checkpoint: %ld", err);
	}
	return NULL;
}

static void child_main(void)
{
	JET_ERR err;
	pthread_t th[NTHREADS];
	if ((err = crash_arm_from_env()) < 0)
		child_die("JET_CRASH_POINT: %ld", err);
	if ((err = eng_inst_create("crash", &g_inst)) < 0)
		child_die("eng_inst_create: %ld", err);
	set_params(g_inst);
	if ((err = eng_init(g_inst, 0)) < 0)
		child_die("eng_init: %ld", err);
	if ((err = eng_db_attach(g_inst, g_db, false, &g_jdb)) < 0)
		child_die("eng_db_attach: %ld", err);
	for (uint32_t t = 0; t < NTHREADS; t++)
		if (pthread_create(&th[t], NULL, child_thread, (void *)(uintptr_t)t) != 0)
			child_die("pthread_create");
	ack_write("R\n", 2);
	for (;;)
		pause();
}

/* ---- the parent: kill and verify ---- */

typedef struct thread_log {
	uint8_t *acked;   /* by seq */
	uint8_t *present; /* by seq */
	uint32_t cap;
} thread_log;

static thread_log g_tl[NTHREADS];
static int64_t g_base[NACC]; /* balances implied by entries verified in earlier cycles */
static uint64_t g_base_entries;
static uint64_t g_acked_total;
static uint32_t g_fail_cycle;
static bool g_tolerate_leaks;
static unsigned long g_leak_cycles;

static void tl_mark(thread_log *tl, uint32_t seq, bool acked)
{
	if (seq >= tl->cap) {
		uint32_t ncap = tl->cap ? tl->cap : 1024;
		while (ncap <= seq)
			ncap *= 2;
		tl->acked = realloc(tl->acked, ncap);
		tl->present = realloc(tl->present, ncap);
		if (!tl->acked || !tl->present) {
			fprintf(stderr, "crash_test: out of memory\n");
			exit(2);
		}
		memset(tl->acked + tl->cap, 0, ncap - tl->cap);
		memset(tl->present + tl->cap, 0, ncap - tl->cap);
		tl->cap = ncap;
	}
	if (acked)
		tl->acked[seq] = 1;
	else
		tl->present[seq] = 1;
}

__attribute__((format(printf, 1, 2), noreturn)) static void fail(const char *fmt, ...);
static void fail(const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "crash_test: FAILED at cycle %u, seed %llu: %s\n", g_fail_cycle,
		(unsigned long long)g_seed, buf);
	fprintf(stderr, "crash_test: database and logs left in %s\n", g_dir);
	exit(1);
}

typedef struct check_reports {
	unsigned n, leaks;
} check_reports;

static void check_report(void *ctx, uint32_t pgno, const char *what)
{
	check_reports *cr = ctx;
	if (strstr(what, "leaked"))
		cr->leaks++;
	if (cr->n++ < 10 && !(g_tolerate_leaks && strstr(what, "leaked")))
		fprintf(stderr, "crash_test: eng_db_check: page %u: %s\n", pgno, what);
}

/* Applies one journal value's legs to sums; returns the number of legs. */
static int journal_apply(const uint8_t *jv, size_t cb, int64_t *sums, int64_t *legsum)
{
	if (cb < 1 || jv[0] < 2 || jv[0] > MAX_LEGS || cb != 1 + 12 * (size_t)jv[0])
		fail("malformed journal value (%zu bytes)", cb);
	*legsum = 0;
	for (int i = 0; i < jv[0]; i++) {
		uint32_t a = get_be32(jv + 1 + 12 * i);
		int64_t d = (int64_t)get_le64(jv + 5 + 12 * i);
		if (a >= NACC)
			fail("journal names account %u", a);
		sums[a] += d;
		*legsum += d;
	}
	return jv[0];
}

/* Recovers, attaches and verifies; then terms (dirty when term_dirty). */
static void verify(uint32_t cycle, bool full, bool term_dirty)
{
	JET_ERR err;
	jinst *inst;
	jdb *db;
	jsess *s;
	eng_read r;
	uint32_t aroot, jroot;
	bt_cursor *cur = NULL;
	int64_t bal[NACC], sums[NACC];
	uint8_t stamp[NACC][12];
	int64_t total = 0;

	if ((err = eng_inst_create("verify", &inst)) < 0)
		fail("eng_inst_create: %ld", err);
	set_params(inst);
	if ((err = eng_init(inst, 0)) < 0)
		fail("recovery (eng_init) failed: %ld", err);
	if ((err = eng_db_attach(inst, g_db, false, &db)) < 0)
		fail("eng_db_attach after recovery: %ld", err);
	if ((err = eng_sess_begin(inst, &s)) < 0)
		fail("eng_sess_begin: %ld", err);
	if ((err = eng_read_begin(s, db, &r)) < 0)
		fail("eng_read_begin: %ld", err);
	if ((err = eng_read_root(&r, g_acc_objid, &aroot)) < 0 ||
	    (err = eng_read_root(&r, g_jrn_objid, &jroot)) < 0)
		fail("eng_read_root: %ld", err);

	/* Accounts. */
	if ((err = bt_cursor_open(eng_db_cache(db), aroot, &cur)) < 0)
		fail("bt_cursor_open: %ld", err);
	uint32_t n = 0;
	for (err = bt_first(cur); err >= 0; err = bt_next(cur), n++) {
		const void *k, *v;
		size_t cbk, cbv;
		if ((err = bt_cursor_key(cur, &k, &cbk)) < 0 ||
		    (err = bt_cursor_value(cur, &v, &cbv)) < 0)
			fail("account cursor: %ld", err);
		if (cbk != 4 || cbv != ACC_VAL_SIZE || get_be32(k) != n || n >= NACC)
			fail("account entry %u malformed (key %zu bytes, value %zu)", n, cbk, cbv);
		bal[n] = (int64_t)get_le64(v);
		memcpy(stamp[n], (const uint8_t *)v + 8, 12);
		total += bal[n];
	}
	if (err != JET_errNoCurrentRecord)
		fail("account scan: %ld", err);
	if (n != NACC)
		fail("%u accounts, expected %u", n, NACC);
	if (total != (int64_t)NACC * INITIAL_BALANCE)
		fail("sum of balances %lld, expected %lld: a partial transaction survived",
		     (long long)total, (long long)NACC * INITIAL_BALANCE);

	/* Journal: all of it, or only this cycle's entries (they sort last). */
	memcpy(sums, g_base, sizeof(sums));
	if (full)
		for (int a = 0; a < NACC; a++)
			sums[a] = INITIAL_BALANCE;
	for (int t = 0; t < NTHREADS; t++)
		if (g_tl[t].cap)
			memset(g_tl[t].present, 0, g_tl[t].cap);
	bt_cursor_reset(cur, jroot);
	uint8_t jk[JKEY_SIZE];
	jkey_make(jk, full ? 0 : cycle, 0, 0);
	uint64_t old_entries = 0, new_entries = 0;
	for (err = bt_seek(cur, jk, sizeof(jk), BT_SEEK_GE); err >= 0; err = bt_next(cur)) {
		const void *k, *v;
		size_t cbk, cbv;
		int64_t legsum;
		if ((err = bt_cursor_key(cur, &k, &cbk)) < 0 ||
		    (err = bt_cursor_value(cur, &v, &cbv)) < 0)
			fail("journal cursor: %ld", err);
		if (cbk != JKEY_SIZE)
			fail("journal key of %zu bytes", cbk);
		uint32_t c = get_be32(k), t = get_be32((const uint8_t *)k + 4),
			 sq = get_be32((const uint8_t *)k + 8);
		if (c > cycle || t >= NTHREADS)
			fail("journal entry %u/%u/%u from the future", c, t, sq);
		journal_apply(v, cbv, sums, &legsum);
		if (legsum != 0)
			fail("journal entry %u/%u/%u does not sum to zero", c, t, sq);
		if (c == cycle) {
			tl_mark(&g_tl[t], sq, false);
			new_entries++;
		} else {
			old_entries++;
		}
	}
	if (err != JET_errNoCurrentRecord && err != JET_errRecordNotFound)
		fail("journal scan: %ld", err);
	if (full) {
		if (old_entries != g_base_entries)
			fail("%llu journal entries of earlier cycles, %llu were verified before",
			     (unsigned long long)old_entries, (unsigned long long)g_base_entries);
	}

	/* Balances agree with the journal. */
	for (int a = 0; a < NACC; a++)
		if (bal[a] != sums[a])
			fail("account %d: balance %lld, journal says %lld", a, (long long)bal[a],
			     (long long)sums[a]);

	/* Each account's stamp names a present entry that touched it. */
	for (int a = 0; a < NACC; a++) {
		uint32_t c1 = get_le32(stamp[a]);
		if (c1 == 0)
			continue;
		uint8_t k[JKEY_SIZE], v[JVAL_MAX];
		size_t cb = 0;
		jkey_make(k, c1 - 1, get_le32(stamp[a] + 4), get_le32(stamp[a] + 8));
		err = bt_get(eng_db_cache(db), jroot, k, sizeof(k), v, sizeof(v), &cb);
		if (err < 0)
			fail("account %d stamped by %u/%u/%u, which is not in the journal (%ld)", a,
			     c1 - 1, get_le32(stamp[a] + 4), get_le32(stamp[a] + 8), err);
		bool found = false;
		for (int i = 0; i < v[0] && 1 + 12 * (size_t)i < cb; i++)
			found |= get_be32(v + 1 + 12 * i) == (uint32_t)a;
		if (!found)
			fail("account %d stamped by an entry that does not touch it", a);
	}

	/* Acknowledged entries present; present entries a prefix per thread. */
	for (int t = 0; t < NTHREADS; t++) {
		thread_log *tl = &g_tl[t];
		uint32_t m = 0;
		while (m < tl->cap && tl->present[m])
			m++;
		for (uint32_t q = m; q < tl->cap; q++)
			if (tl->present[q])
				fail("thread %d: entry %u present but %u missing (not a prefix)", t,
				     q, m);
		for (uint32_t q = 0; q < tl->cap; q++)
			if (tl->acked[q] && !tl->present[q])
				fail("thread %d: acknowledged commit %u lost", t, q);
	}

	check_reports cr = {0, 0};
	err = eng_db_check(db, check_report, &cr);
	if (err < 0 && g_tolerate_leaks && cr.n > 0 && cr.leaks == cr.n)
		g_leak_cycles++;
	else if (err < 0)
		fail("eng_db_check: %ld (%u problems reported, %u of them leaked pages)", err, cr.n,
		     cr.leaks);

	bt_cursor_close(cur);
	eng_read_end(&r);
	if ((err = eng_sess_end(s)) < 0)
		fail("eng_sess_end: %ld", err);
	if ((err = eng_term(inst, term_dirty ? JET_bitTermDirty : 0)) < 0)
		fail("eng_term: %ld", err);
	eng_inst_destroy(inst);

	/* Fold this cycle in: what is present now must stay forever. */
	memcpy(g_base, sums, sizeof(g_base));
	g_base_entries += new_entries;
}

static void setup_database(void)
{
	JET_ERR err;
	jinst *inst;
	jdb *db;
	jsess *s;
	if ((err = eng_inst_create("setup", &inst)) < 0)
		fail("eng_inst_create: %ld", err);
	set_params(inst);
	if ((err = eng_init(inst, 0)) < 0)
		fail("eng_init: %ld", err);
	if ((err = eng_db_create(inst, g_db, true, &db)) < 0)
		fail("eng_db_create: %ld", err);
	if ((err = eng_sess_begin(inst, &s)) < 0 || (err = eng_txn_begin(s, false)) < 0 ||
	    (err = eng_tree_create(s, db, &g_acc_objid)) < 0 ||
	    (err = eng_tree_create(s, db, &g_jrn_objid)) < 0)
		fail("creating the trees: %ld", err);
	for (uint32_t a = 0; a < NACC; a++) {
		uint8_t key[4], val[ACC_VAL_SIZE];
		memset(val, 0, sizeof(val));
		put_be32(key, a);
		put_le64(val, INITIAL_BALANCE);
		if ((err = eng_put(s, db, g_acc_objid, key, 4, val, sizeof(val), 0)) < 0)
			fail("eng_put: %ld", err);
	}
	if ((err = eng_txn_commit(s, 0)) < 0 || (err = eng_sess_end(s)) < 0)
		fail("committing the accounts: %ld", err);
	if ((err = eng_term(inst, 0)) < 0)
		fail("eng_term: %ld", err);
	eng_inst_destroy(inst);
	for (int a = 0; a < NACC; a++)
		g_base[a] = INITIAL_BALANCE;
}

/* Reads ack lines from fd until deadline_ms (0: until EOF). Returns false at
 * EOF. *pready is set when the child said "R". */
static char g_line[64];
static size_t g_line_len;

static bool read_acks(int fd, uint64_t deadline_ms, bool *pready)
{
	for (;;) {
		int timeout = -1;
		if (deadline_ms) {
			uint64_t now = now_ms();
			if (now >= deadline_ms)
				return true;
			timeout = (int)(deadline_ms - now);
		}
		struct pollfd pfd = {fd, POLLIN, 0};
		int pr = poll(&pfd, 1, timeout);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			fail("poll: %s", strerror(errno));
		if (pr == 0)
			return true;
		char buf[4096];
		ssize_t got = read(fd, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			fail("read: %s", strerror(errno));
		if (got == 0)
			return false;
		for (ssize_t i = 0; i < got; i++) {
			if (buf[i] != '\n') {
				if (g_line_len + 1 >= sizeof(g_line))
					fail("garbled ack line");
				g_line[g_line_len++] = buf[i];
				continue;
			}
			g_line[g_line_len] = 0;
			g_line_len = 0;
			unsigned t, q;
			if (strcmp(g_line, "R") == 0) {
				*pready = true;
			} else if (sscanf(g_line, "%u %u", &t, &q) == 2 && t < NTHREADS) {
				tl_mark(&g_tl[t], q, true);
				g_acked_total++;
			} else {
				fail("garbled ack line '%s'", g_line);
			}
		}
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: crash_test [--cycles N] [--seed S] [--dir D] [--tolerate-leaks]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long cycles = 200; /* make check: the CI target of issue 6 */
	bool have_seed = false, own_dir = true;
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cycles") == 0 && i + 1 < argc)
			cycles = strtoul(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			g_seed = strtoull(argv[++i], NULL, 0);
			have_seed = true;
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--tolerate-leaks") == 0)
			g_tolerate_leaks = true;
		else
			usage();
	}
	const char *env = getenv("JET_TEST_SEED");
	if (!have_seed && env && *env) {
		g_seed = strtoull(env, NULL, 0);
		have_seed = true;
	}
	if (!have_seed)
		g_seed = mix64((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
	if (dir) {
		own_dir = false;
		snprintf(g_dir, sizeof(g_dir), "%s", dir);
		if (mkdir(g_dir, 0777) < 0 && errno != EEXIST)
			fail("mkdir %s: %s", g_dir, strerror(errno));
		char cmd[2000];
		snprintf(cmd, sizeof(cmd), "rm -f '%s'/edb*.log '%s'/edb.chk '%s'/bank.jdb", g_dir,
			 g_dir, g_dir);
		if (system(cmd) != 0)
			fail("cannot clean %s", g_dir);
	} else {
		const char *tmp = getenv("TMPDIR");
		snprintf(g_dir, sizeof(g_dir), "%s/jet_crash_XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(g_dir))
			fail("mkdtemp: %s", strerror(errno));
	}
	snprintf(g_db, sizeof(g_db), "%s/bank.jdb", g_dir);
	fprintf(stderr, "crash_test: seed %llu, %lu cycles, in %s\n", (unsigned long long)g_seed,
		cycles, g_dir);
	signal(SIGPIPE, SIG_IGN);
	setup_database();

	uint64_t t0 = now_ms(), rs = g_seed;
	unsigned long early_kills = 0;
	for (uint32_t cycle = 1; cycle <= cycles; cycle++) {
		g_fail_cycle = cycle;
		g_cycle = cycle;
		g_cycle_seed = rnd_next(&rs);
		uint64_t delay = 1 + rnd_next(&rs) % 200;
		bool from_fork = rnd_next(&rs) % 8 == 0; /* may die in recovery or attach */
		bool term_dirty = rnd_next(&rs) % 4 == 0;
		for (int t = 0; t < NTHREADS; t++)
			if (g_tl[t].cap) {
				memset(g_tl[t].acked, 0, g_tl[t].cap);
				memset(g_tl[t].present, 0, g_tl[t].cap);
			}
		int pfd[2];
		if (pipe(pfd) < 0)
			fail("pipe: %s", strerror(errno));
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0)
			fail("fork: %s", strerror(errno));
		if (pid == 0) {
			close(pfd[0]);
			g_ackfd = pfd[1];
			child_main();
			_exit(4);
		}
		close(pfd[1]);
		bool ready = false, open = true;
		uint64_t start = now_ms();
		if (!from_fork) {
			/* wait (bounded) for the child to be up */
			while (open && !ready && now_ms() - start < 30000)
				open = read_acks(pfd[0], now_ms() + 50, &ready);
			if (!ready)
				fail("child never became ready");
			start = now_ms();
		}
		if (open)
			open = read_acks(pfd[0], start + delay, &ready);
		if (!ready)
			early_kills++;
		kill(pid, SIGKILL);
		int status;
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				fail("waitpid: %s", strerror(errno));
		while (open)
			open = read_acks(pfd[0], 0, &ready);
		close(pfd[0]);
		g_line_len = 0;
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail("child did not die by SIGKILL (status 0x%x): it failed on its own",
			     status);
		bool full = g_base_entries < 200000 || cycle % 50 == 0 || cycle == cycles;
		verify(cycle, full, term_dirty);
	}
	uint64_t ms = now_ms() - t0;
	printf(
	    "crash_test: %lu cycles, %llu acknowledged commits verified, seed %llu (%llu journal "
	    "entries, %lu kills before ready, %.1f s)\n",
	    cycles, (unsigned long long)g_acked_total, (unsigned long long)g_seed,
	    (unsigned long long)g_base_entries, early_kills, (double)ms / 1000.0);
	if (g_leak_cycles)
		printf("crash_test: leaked pages tolerated in %lu cycles (--tolerate-leaks)\n",
		       g_leak_cycles);
	if (own_dir) {
		char cmd[1000];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "crash_test: cleanup of %s failed\n", g_dir);
	}
	for (int t = 0; t < NTHREADS; t++) {
		free(g_tl[t].acked);
		free(g_tl[t].present);
	}
	return 0;
}
