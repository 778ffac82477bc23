/*
 * test_faults.c - the engine under injected faults (os_fault over the POSIX
 * vfs) and named crash points:
 *   - power loss at every sync of a workload of commits and checkpoints
 *     (DROP_ALL, KEEP_ALL, then RANDOM with seeds S, S+1, ... (at least 3)
 *     until JET_TEST_POWERLOSS_POINTS power losses (default 1000, the CI
 *     target of issue 6) have been recovered): recovery gives a prefix of the
 *     commit order holding every acknowledged commit, the database checks,
 *     and recovering twice gives the same state;
 *   - a torn log tail (garbage after the last record, a half-written last
 *     batch): the end of the log, not an error;
 *   - fsync failing with EIO: the commit fails, the instance stays dead,
 *     a restart has every acknowledged commit;
 *   - ENOSPC on writes: the operation fails with JET_errDiskFull, nothing
 *     committed is lost, work resumes once space is back;
 *   - a flipped bit in a data page: JET_errReadVerifyFailure, never wrong data;
 *   - every crash point of the commit, checkpoint and recovery paths, fired
 *     in a forked child through JET_CRASH_POINT.
 *
 * The workload: commit i (1, 2, ...) writes KPC keys (be32 i, be32 j) with
 * values derived from (i, j) and sets the counter key to i. After any crash
 * the counter c names the last commit present; commits 1..c must be present
 * in full and later ones absent (a prefix), and c must be at least the last
 * commit acknowledged durable.
 *
 * JET_TEST_SEED overrides the seeds (printed on stderr).
 *
 * KNOWN FAILURE (engine bug, open): test_powerloss_every_sync fails with the
 * default seed (RANDOM, seed 1592594996, power loss at sync 8): after
 * recovery eng_db_check reports pages 18-33 "in use but unreachable
 * (leaked)". The file had grown by an extent after the last checkpoint and
 * the growth survived the loss; recovery's checkpoint writes page_count from
 * the file's length (dbfile_page_count) while space_save listed free pages
 * only up to the space map's page_count, so the extent loads as LIVE. The
 * same cause leaks pages in crash_test (a writer growing the file between
 * space_save and the header).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "dbfile.h"
#include "engine.h"

#define KPC 12      /* keys per commit */
#define NCOMMITS 12 /* commits of the power-loss workload */
#define CNT_KEY "cnt"

static char g_dir[400];
static char g_db[480];
static uint64_t g_seed;
static uint32_t g_tree;

static uint64_t mix64(uint64_t z)
{
	z += 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
	g_seed += 0x9E3779B97F4A7C15ull;
	return mix64(g_seed);
}

static uint64_t seed_base(void)
{
	const char *s = getenv("JET_TEST_SEED");
	return s && *s ? strtoull(s, NULL, 0) : 0x5eed1234ull;
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(g_dir, sizeof(g_dir), "%s/jet_faults_XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
	snprintf(g_db, sizeof(g_db), "%s/f.jdb", g_dir);
	g_seed = seed_base();
}

static void teardown(void)
{
	char cmd[500];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", g_dir);
}

/* Empties the scratch directory (between iterations of one test). */
static void dir_clear(void)
{
	char cmd[1000];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/* '%s'/.jetfault.*", g_dir, g_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* An instance over vfs (NULL: POSIX); init must give `expect`. */
static jinst *inst_open_expect(os_vfs *vfs, JET_ERR expect)
{
	jinst *inst;
	ck_assert_int_eq(eng_inst_create("f", &inst), 0);
	eng_params *p = eng_inst_params(inst);
	snprintf(p->system_path, sizeof(p->system_path), "%s/", g_dir);
	snprintf(p->log_path, sizeof(p->log_path), "%s/", g_dir);
	p->vfs = vfs ? vfs : os_vfs_posix();
	p->log_file_size_kb = 64;             /* small: generation switches happen */
	p->checkpoint_depth_max = 1ull << 40; /* checkpoints only when the test says */
	p->cache_size_max = 256;
	p->max_ver_pages = 1024;
	JET_ERR err = eng_init(inst, 0);
	ck_assert_msg(err == expect, "eng_init gave %ld, expected %ld", err, expect);
	if (err < 0) {
		eng_inst_destroy(inst);
		return NULL;
	}
	return inst;
}

static jinst *inst_open(os_vfs *vfs)
{
	return inst_open_expect(vfs, 0);
}

/* Terms whatever state the instance is in; errors are expected after faults. */
static void inst_kill(jinst *inst)
{
	(void)eng_term(inst, JET_bitTermDirty);
	eng_inst_destroy(inst);
}

static void inst_close(jinst *inst)
{
	ck_assert_int_ge(eng_term(inst, 0), 0);
	eng_inst_destroy(inst);
}

/* ---- the counter workload ---- */

typedef struct wl {
	jinst *inst;
	jdb *db;
	jsess *s;
	uint32_t next;  /* number of the next commit */
	uint32_t acked; /* last commit acknowledged durable */
	uint32_t tried; /* last commit attempted */
} wl;

static size_t val_make(uint32_t i, uint32_t j, uint8_t *v)
{
	size_t n = 100 + (size_t)((i * 7 + j * 13) % 5) * 60;
	uint64_t h = mix64(((uint64_t)i << 32) | j);
	for (size_t k = 0; k < n; k++)
		v[k] = (uint8_t)(h >> (8 * (k % 8))) ^ (uint8_t)k;
	return n;
}

static void key_make(uint32_t i, uint32_t j, uint8_t k[8])
{
	put_be32(k, i);
	put_be32(k + 4, j);
}

/* Creates the database and the workload's tree on a fresh instance. */
static void wl_create(wl *w, jinst *inst)
{
	memset(w, 0, sizeof(*w));
	w->inst = inst;
	w->next = 1;
	ck_assert_int_eq(eng_db_create(inst, g_db, false, &w->db), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &w->s), 0);
	ck_assert_int_eq(eng_txn_begin(w->s, false), 0);
	ck_assert_int_eq(eng_tree_create(w->s, w->db, &g_tree), 0);
	ck_assert_int_eq(eng_txn_commit(w->s, 0), 0);
}

static void wl_attach(wl *w, jinst *inst)
{
	w->inst = inst;
	ck_assert_int_eq(eng_db_attach(inst, g_db, false, &w->db), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &w->s), 0);
}

/* Commit number w->next. Returns the first error (the transaction rolled
 * back) or the commit's result. */
static JET_ERR wl_commit(wl *w, bool lazy)
{
	JET_ERR err;
	uint8_t k[8], v[512];
	uint32_t i = w->next;
	if ((err = eng_txn_begin(w->s, false)) < 0)
		return err;
	for (uint32_t j = 0; j < KPC; j++) {
		key_make(i, j, k);
		size_t n = val_make(i, j, v);
		if ((err = eng_put(w->s, w->db, g_tree, k, 8, v, n, 0)) < 0)
			goto fail;
	}
	put_le32(v, i);
	if ((err = eng_put(w->s, w->db, g_tree, CNT_KEY, 3, v, 4, 0)) < 0)
		goto fail;
	w->tried = i;
	err = eng_txn_commit(w->s, lazy ? JET_bitCommitLazyFlush : 0);
	if (err < 0) {
		if (eng_txn_level(w->s) > 0)
			(void)eng_txn_rollback(w->s, true);
		return err;
	}
	w->next++;
	if (!lazy)
		w->acked = i;
	return err;
fail:
	(void)eng_txn_rollback(w->s, true);
	return err;
}

/* Value of a key as the latest version has it: 0 and *pcb, or an error. */
static JET_ERR key_read(jsess *s, jdb *db, const void *k, size_t cbk, uint8_t *v, size_t cbmax,
			size_t *pcb)
{
	eng_read r;
	uint32_t root;
	JET_ERR err = eng_read_begin(s, db, &r);
	if (err < 0)
		return err;
	err = eng_read_root(&r, g_tree, &root);
	if (err >= 0)
		err = bt_get(eng_db_cache(db), root, k, cbk, v, cbmax, pcb);
	eng_read_end(&r);
	return err;
}

/* Checks the prefix property; returns the counter. `what` names the case. */
static uint32_t wl_verify(jsess *s, jdb *db, uint32_t acked, uint32_t tried, const char *what)
{
	uint8_t v[512], want[512];
	size_t cb = 0;
	uint32_t c = 0;
	JET_ERR err = key_read(s, db, CNT_KEY, 3, v, sizeof(v), &cb);
	if (err == 0) {
		ck_assert_msg(cb == 4, "%s: counter of %zu bytes", what, cb);
		c = get_le32(v);
	} else {
		ck_assert_msg(err == JET_errRecordNotFound, "%s: reading the counter: %ld", what,
			      err);
	}
	ck_assert_msg(c >= acked, "%s: counter %u but commit %u was acknowledged", what, c, acked);
	ck_assert_msg(c <= tried, "%s: counter %u but only %u commits were tried", what, c, tried);
	uint32_t hi = JET_MAX(tried, c) + 1;
	for (uint32_t i = 1; i <= hi; i++)
		for (uint32_t j = 0; j < KPC; j++) {
			uint8_t k[8];
			key_make(i, j, k);
			err = key_read(s, db, k, 8, v, sizeof(v), &cb);
			if (i <= c) {
				ck_assert_msg(err == 0, "%s: key %u/%u of a present commit: %ld",
					      what, i, j, err);
				size_t n = val_make(i, j, want);
				ck_assert_msg(cb == n && memcmp(v, want, n) == 0,
					      "%s: key %u/%u has wrong data", what, i, j);
			} else {
				ck_assert_msg(err == JET_errRecordNotFound,
					      "%s: key %u/%u of commit %u > counter %u: %ld", what,
					      i, j, i, c, err);
			}
		}
	return c;
}

typedef struct check_ctx {
	const char *what;
	unsigned n;
} check_ctx;

static void check_report(void *ctx, uint32_t pgno, const char *what)
{
	check_ctx *cc = ctx;
	if (cc->n++ < 8)
		fprintf(stderr, "eng_db_check (%s): page %u: %s\n", cc->what, pgno, what);
}

/* Fresh POSIX instance: recover, attach, verify, check; then term dirty
 * and do it again (recovering twice gives the same state); then clean. */
static uint32_t recover_and_verify(uint32_t acked, uint32_t tried, const char *what)
{
	uint32_t c[2];
	for (int round = 0; round < 2; round++) {
		jinst *inst = inst_open(NULL);
		jdb *db;
		jsess *s;
		JET_ERR err = eng_db_attach(inst, g_db, false, &db);
		ck_assert_msg(err == 0, "%s: attach after recovery: %ld", what, err);
		ck_assert_int_eq(eng_sess_begin(inst, &s), 0);
		c[round] = wl_verify(s, db, acked, tried, what);
		check_ctx cc = {what, 0};
		err = eng_db_check(db, check_report, &cc);
		ck_assert_msg(err == 0, "%s: eng_db_check: %ld (%u problems)", what, err, cc.n);
		ck_assert_int_eq(eng_sess_end(s), 0);
		if (round == 0)
			inst_kill(inst);
		else
			inst_close(inst);
	}
	ck_assert_msg(c[0] == c[1], "%s: second recovery gave counter %u, first %u", what, c[1],
		      c[0]);
	return c[0];
}

/* ---- power loss at every sync ---- */

/* The workload between faults: commits, a lazy one now and then, and a
 * checkpoint every fourth commit. Stops at the first failure. */
static void pl_workload(wl *w)
{
	for (int n = 0; n < NCOMMITS; n++) {
		if (wl_commit(w, n % 5 == 3) < 0)
			return;
		if (n % 4 == 2 && eng_db_checkpoint(w->db) < 0)
			return;
	}
	(void)eng_txn_commit(w->s, JET_bitWaitAllLevel0Commit);
}

START_TEST(test_powerloss_every_sync)
{
	static const int modes[] = {OS_POWERLOSS_DROP_ALL, OS_POWERLOSS_KEEP_ALL,
				    OS_POWERLOSS_RANDOM};
	static const char *mode_names[] = {"DROP_ALL", "KEEP_ALL", "RANDOM"};
	uint64_t base = seed_base();
	const char *env = getenv("JET_TEST_POWERLOSS_POINTS");
	unsigned long target = env && *env ? strtoul(env, NULL, 0) : 1000;
	unsigned runs = 0;
	uint64_t sd = 0;
	fprintf(stderr, "test_powerloss_every_sync: seeds %llu+0.., at least %lu points\n",
		(unsigned long long)base, target);
	for (int m = 0; m < 3; m++)
		for (sd = 0; sd < 3 || runs < target; sd++) {
			for (uint64_t at = 1;; at++) {
				char what[128];
				snprintf(what, sizeof(what), "power loss %s seed %llu at sync %llu",
					 mode_names[m], (unsigned long long)(base + sd),
					 (unsigned long long)at);
				dir_clear();
				os_vfs *fv;
				ck_assert_int_eq(os_fault_create(os_vfs_posix(), &fv), 0);
				wl w;
				jinst *inst = inst_open(fv);
				wl_create(&w, inst);
				os_fault_config cfg = {0};
				cfg.powerloss_at = at;
				cfg.powerloss_mode = modes[m];
				cfg.seed = base + sd;
				os_fault_configure(fv, &cfg);
				pl_workload(&w);
				os_fault_stats st;
				os_fault_stats_get(fv, &st);
				(void)eng_sess_end(w.s);
				inst_kill(inst);
				os_fault_reset(fv);
				os_fault_destroy(fv);
				if (!st.powered_off) {
					/* past the last sync: the workload ran to its end */
					ck_assert_uint_eq(w.acked, NCOMMITS);
					ck_assert_msg(at > 10, "only %llu syncs?",
						      (unsigned long long)at);
					break;
				}
				recover_and_verify(w.acked, w.tried, what);
				runs++;
			}
			if (modes[m] != OS_POWERLOSS_RANDOM)
				break; /* the seed only matters to RANDOM */
		}
	fprintf(stderr, "test_powerloss_every_sync: %u power losses recovered (RANDOM seeds %llu+0..%llu)\n",
		runs, (unsigned long long)base, (unsigned long long)sd - 1);
}
END_TEST

/* ---- torn log tail ---- */

static void log_path(uint32_t gen, char *buf, size_t cb)
{
	snprintf(buf, cb, "%s/edb%08X.log", g_dir, gen);
}

/* The newest generation file present and the offset just past its last
 * nonzero byte (the file is preallocated with zeros). */
static uint32_t log_newest(char *path, size_t cb, uint64_t *pend)
{
	uint32_t gen = 0;
	for (uint32_t g = 1; g < 4096; g++) {
		char p[500];
		log_path(g, p, sizeof(p));
		if (access(p, F_OK) == 0)
			gen = g;
	}
	ck_assert_uint_gt(gen, 0);
	log_path(gen, path, cb);
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	uint64_t end = 0, off = 0;
	int c;
	while ((c = fgetc(f)) != EOF) {
		off++;
		if (c != 0)
			end = off;
	}
	fclose(f);
	*pend = end;
	return gen;
}

static void file_write_at(const char *path, uint64_t off, const void *buf, size_t cb)
{
	int fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, buf, cb, (off_t)off), (ssize_t)cb);
	ck_assert_int_eq(fsync(fd), 0);
	close(fd);
}

static void file_read_at(const char *path, uint64_t off, void *buf, size_t cb)
{
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, cb, (off_t)off), (ssize_t)cb);
	close(fd);
}

START_TEST(test_torn_log_tail)
{
	fprintf(stderr, "test_torn_log_tail: seed %llu\n", (unsigned long long)g_seed);
	for (int kind = 0; kind < 3; kind++) {
		dir_clear();
		wl w;
		jinst *inst = inst_open(NULL);
		wl_create(&w, inst);
		for (int n = 0; n < 6; n++)
			ck_assert_int_eq(wl_commit(&w, false), 0);
		uint32_t acked = w.acked;
		char path[500];
		uint64_t end_before, end;
		uint32_t gen_before = log_newest(path, sizeof(path), &end_before);
		/* one more commit: the one kinds 1 and 2 tear */
		ck_assert_int_eq(wl_commit(&w, false), 0);
		ck_assert_int_eq(eng_sess_end(w.s), 0);
		inst_kill(inst);
		uint32_t gen = log_newest(path, sizeof(path), &end);
		ck_assert_uint_eq(gen, gen_before); /* the last batch did not switch files */
		ck_assert_uint_gt(end, end_before);
		uint8_t junk[3000];
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)rnd();
		uint32_t expect_c;
		if (kind == 0) {
			/* garbage after the last flushed record (past its sector) */
			file_write_at(path, (end + 511) / 512 * 512, junk, sizeof(junk));
			expect_c = w.acked;
		} else if (kind == 1) {
			/* the last batch half written: its second half zeros */
			uint64_t from = end_before + (end - end_before) / 2;
			uint8_t zero[4096] = {0};
			ck_assert_uint_le(end - from, sizeof(zero));
			file_write_at(path, from, zero, (size_t)(end - from));
			expect_c = acked;
		} else {
			/* the last batch half written, then garbage where the rest was */
			uint64_t from = end_before + (end - end_before) / 2;
			size_t n = (size_t)JET_MIN(end - from + 512, sizeof(junk));
			file_write_at(path, from, junk, n);
			expect_c = acked;
		}
		char what[64];
		snprintf(what, sizeof(what), "torn log kind %d (gen %u)", kind, gen);
		uint32_t c = recover_and_verify(expect_c, w.tried, what);
		ck_assert_msg(c == expect_c, "%s: counter %u, expected %u", what, c, expect_c);
	}
}
END_TEST

/* ---- fsync failing with EIO ---- */

START_TEST(test_fsync_eio)
{
	for (uint64_t at = 1; at <= 8; at++) {
		dir_clear();
		os_vfs *fv;
		ck_assert_int_eq(os_fault_create(os_vfs_posix(), &fv), 0);
		wl w;
		jinst *inst = inst_open(fv);
		wl_create(&w, inst);
		for (int n = 0; n < 3; n++)
			ck_assert_int_eq(wl_commit(&w, false), 0);
		os_fault_config cfg = {0};
		cfg.fail_at = at;
		cfg.fail_kinds = OS_FAULT_SYNC;
		cfg.fail_err = JET_errDiskIO;
		os_fault_configure(fv, &cfg);
		int failed_at = -1;
		for (int n = 0; n < 12; n++) {
			JET_ERR err = wl_commit(&w, false);
			if (failed_at < 0 && err < 0) {
				failed_at = n;
				ck_assert_int_eq(eng_inst_fatal(inst), JET_errInstanceUnavailable);
			} else if (failed_at >= 0) {
				/* never again, although the next sync would work */
				ck_assert_msg(err == JET_errInstanceUnavailable,
					      "sync %llu failed: commit after it gave %ld",
					      (unsigned long long)at, err);
			} else {
				ck_assert_int_eq(err, 0);
			}
		}
		ck_assert_msg(failed_at >= 0, "sync %llu failing did not fail a commit",
			      (unsigned long long)at);
		os_fault_stats st;
		os_fault_stats_get(fv, &st);
		ck_assert_uint_eq(st.failures_injected, 1);
		(void)eng_sess_end(w.s);
		inst_kill(inst);
		os_fault_destroy(fv);
		char what[64];
		snprintf(what, sizeof(what), "fsync EIO at sync %llu", (unsigned long long)at);
		recover_and_verify(w.acked, w.tried, what);
	}
}
END_TEST

/* ---- ENOSPC on writes ---- */

START_TEST(test_enospc)
{
	unsigned restarts = 0, resumed = 0;
	for (uint64_t at = 1;; at++) {
		char what[64];
		snprintf(what, sizeof(what), "ENOSPC at write %llu%s", (unsigned long long)at,
			 at % 2 ? " (short)" : "");
		dir_clear();
		os_vfs *fv;
		ck_assert_int_eq(os_fault_create(os_vfs_posix(), &fv), 0);
		wl w;
		jinst *inst = inst_open(fv);
		wl_create(&w, inst);
		os_fault_config cfg = {0};
		cfg.fail_at = at;
		cfg.fail_kinds = OS_FAULT_WRITE;
		cfg.fail_err = JET_errDiskFull;
		cfg.fail_sticky = true; /* the disk stays full */
		cfg.fail_short_write = at % 2 == 1;
		os_fault_configure(fv, &cfg);
		JET_ERR err = 0;
		bool in_ckpt = false;
		for (int n = 0; n < 8 && err >= 0; n++) {
			in_ckpt = false;
			err = wl_commit(&w, false);
			if (err >= 0 && n % 3 == 1) {
				in_ckpt = true;
				err = eng_db_checkpoint(w.db);
			}
		}
		if (err >= 0) {
			in_ckpt = true;
			err = eng_db_checkpoint(w.db);
		}
		os_fault_stats st;
		os_fault_stats_get(fv, &st);
		if (st.failures_injected == 0) {
			ck_assert_int_ge(err, 0);
			os_fault_configure(fv, &(os_fault_config){0});
			(void)eng_sess_end(w.s);
			inst_close(inst);
			os_fault_destroy(fv);
			ck_assert_msg(at > 10, "only %llu writes?", (unsigned long long)at);
			break;
		}
		ck_assert_msg(err < 0, "%s: nothing failed", what);
		if (in_ckpt && !eng_inst_fatal(inst))
			ck_assert_msg(err == JET_errDiskFull, "%s: checkpoint gave %ld", what, err);
		/* Space is back. */
		os_fault_configure(fv, &(os_fault_config){0});
		err = in_ckpt ? eng_db_checkpoint(w.db) : 0;
		if (err >= 0)
			err = wl_commit(&w, false);
		if (err < 0) {
			/* only a dead log may refuse work now */
			ck_assert_msg(eng_inst_fatal(inst) == JET_errInstanceUnavailable ||
					  eng_inst_fatal(inst) ==
					      JET_errInstanceUnavailableDueToFatalLogDiskFull,
				      "%s: after the space came back work fails with %ld and the "
				      "instance is not marked unavailable",
				      what, err);
			(void)eng_sess_end(w.s);
			inst_kill(inst);
			inst = inst_open(fv);
			wl_attach(&w, inst);
			/* the counter tells where to continue */
			uint8_t v[8];
			size_t cb = 0;
			w.next = key_read(w.s, w.db, CNT_KEY, 3, v, sizeof(v), &cb) == 0
				     ? get_le32(v) + 1
				     : 1;
			ck_assert_uint_ge(w.next, w.acked + 1);
			w.tried = w.next - 1;
			ck_assert_msg(wl_commit(&w, false) == 0, "%s: commit after restart", what);
			restarts++;
		} else {
			resumed++;
		}
		ck_assert_int_eq(wl_commit(&w, false), 0);
		ck_assert_int_ge(eng_db_checkpoint(w.db), 0);
		ck_assert_int_eq(eng_sess_end(w.s), 0);
		inst_close(inst);
		os_fault_destroy(fv);
		recover_and_verify(w.acked, w.tried, what);
	}
	fprintf(stderr, "test_enospc: %u resumed in place, %u after a restart\n", resumed,
		restarts);
	ck_assert_uint_gt(resumed + restarts, 0);
}
END_TEST

/* ---- a flipped bit in a data page ---- */

static uint32_t g_walk_pages[4096], g_walk_n;

static JET_ERR walk_collect(void *ctx, uint32_t pgno, int page_type, int level)
{
	(void)ctx;
	(void)page_type;
	(void)level;
	if (g_walk_n < 4096)
		g_walk_pages[g_walk_n++] = pgno;
	return JET_errSuccess;
}

START_TEST(test_bitflip)
{
	fprintf(stderr, "test_bitflip: seed %llu\n", (unsigned long long)g_seed);
	wl w;
	jinst *inst = inst_open(NULL);
	wl_create(&w, inst);
	for (int n = 0; n < 20; n++)
		ck_assert_int_eq(wl_commit(&w, false), 0);
	uint32_t page_size = eng_db_page_size(w.db);
	/* The pages of the workload's tree in the current version (the file
	 * also holds superseded copies, still with valid checksums). */
	g_walk_n = 0;
	{
		eng_read r;
		uint32_t root;
		ck_assert_int_eq(eng_read_begin(w.s, w.db, &r), 0);
		ck_assert_int_eq(eng_read_root(&r, g_tree, &root), 0);
		ck_assert_int_eq(bt_walk(eng_db_cache(w.db), root, walk_collect, NULL), 0);
		eng_read_end(&r);
	}
	ck_assert_int_eq(eng_sess_end(w.s), 0);
	inst_close(inst);
	uint32_t *pages = g_walk_pages, n = g_walk_n;
	ck_assert_uint_gt(n, 2);
	for (int round = 0; round < 12; round++) {
		/* round 0: the header's checksum field itself; else anywhere */
		uint32_t p = pages[rnd() % n];
		uint64_t off = (uint64_t)p * page_size + (round == 0 ? 0 : rnd() % page_size);
		uint8_t bit = (uint8_t)(1u << (rnd() % 8)), b, fb;
		file_read_at(g_db, off, &b, 1);
		fb = b ^ bit;
		file_write_at(g_db, off, &fb, 1);

		inst = inst_open(NULL);
		jdb *db;
		jsess *s;
		ck_assert_int_eq(eng_db_attach(inst, g_db, true, &db), 0);
		ck_assert_int_eq(eng_sess_begin(inst, &s), 0);
		unsigned bad = 0;
		for (uint32_t i = 1; i <= 20; i++)
			for (uint32_t j = 0; j < KPC; j++) {
				uint8_t k[8], v[512], want[512];
				size_t cb = 0;
				key_make(i, j, k);
				JET_ERR err = key_read(s, db, k, 8, v, sizeof(v), &cb);
				if (err == JET_errReadVerifyFailure) {
					bad++;
					continue;
				}
				ck_assert_msg(err == 0, "page %u flipped: key %u/%u gave %ld", p, i,
					      j, err);
				size_t nv = val_make(i, j, want);
				ck_assert_msg(cb == nv && memcmp(v, want, nv) == 0,
					      "page %u flipped: key %u/%u returned wrong data", p,
					      i, j);
			}
		ck_assert_msg(bad > 0, "page %u flipped at %llu: no read failed", p,
			      (unsigned long long)off);
		ck_assert_int_eq(eng_db_check(db, NULL, NULL), JET_errReadVerifyFailure);
		ck_assert_int_eq(eng_sess_end(s), 0);
		inst_close(inst);
		file_write_at(g_db, off, &b, 1);
	}
	/* Restored: all good again. */
	recover_and_verify(20, 20, "bit flips undone");
}
END_TEST

/* ---- named crash points in a forked child ---- */

/* Child: arm from the environment, open, run the workload, report each
 * durable commit on fd as one byte per commit number (le32). */
static void crash_child(const char *point, uint64_t countdown, int fd, uint32_t next)
{
	char env[128];
	snprintf(env, sizeof(env), "%s:%llu", point, (unsigned long long)countdown);
	setenv("JET_CRASH_POINT", env, 1);
	if (crash_arm_from_env() < 0)
		_exit(3);
	jinst *inst;
	if (eng_inst_create("c", &inst) < 0)
		_exit(4);
	eng_params *p = eng_inst_params(inst);
	snprintf(p->system_path, sizeof(p->system_path), "%s/", g_dir);
	snprintf(p->log_path, sizeof(p->log_path), "%s/", g_dir);
	p->log_file_size_kb = 64;
	p->checkpoint_depth_max = 1ull << 40;
	p->max_ver_pages = 1024;
	if (eng_init(inst, 0) < 0)
		_exit(5);
	wl w;
	memset(&w, 0, sizeof(w));
	w.inst = inst;
	w.next = next;
	if (eng_db_attach(inst, g_db, false, &w.db) < 0 || eng_sess_begin(inst, &w.s) < 0)
		_exit(6);
	for (int n = 0; n < 40; n++) {
		if (wl_commit(&w, n % 4 == 1) < 0)
			_exit(7);
		if (n % 4 != 1) {
			uint8_t b[4];
			put_le32(b, w.acked);
			if (write(fd, b, 4) != 4)
				_exit(8);
		}
		if (n % 6 == 5 && eng_db_checkpoint(w.db) < 0)
			_exit(9);
	}
	_exit(0);
}

START_TEST(test_crash_points)
{
	unsigned fired = 0, skipped = 0;
	for (size_t pi = 0; crash_point_names[pi]; pi++) {
		const char *point = crash_point_names[pi];
		bool recovery = strncmp(point, "recovery.", 9) == 0;
		if (strncmp(point, "commit.", 7) != 0 && strncmp(point, "checkpoint.", 11) != 0 &&
		    strncmp(point, "log.", 4) != 0 && strncmp(point, "btree.", 6) != 0 &&
		    !recovery) {
			fprintf(stderr,
				"test_crash_points: %s is not in the commit/checkpoint/"
				"recovery paths, skipped\n",
				point);
			skipped++;
			continue;
		}
		static const uint64_t countdowns[] = {1, 2, 5};
		/* recovery runs once per process: its last point can only fire once */
		size_t ncd = strcmp(point, "recovery.before_checkpoint") == 0 ? 1 : 3;
		/* the child's workload spans only a few log generations */
		if (strcmp(point, "log.switch") == 0)
			ncd = 2;
		for (size_t ci = 0; ci < ncd; ci++) {
			char what[128];
			snprintf(what, sizeof(what), "crash point %s:%llu", point,
				 (unsigned long long)countdowns[ci]);
			dir_clear();
			wl w;
			jinst *inst = inst_open(NULL);
			wl_create(&w, inst);
			for (int n = 0; n < 10; n++)
				ck_assert_int_eq(wl_commit(&w, false), 0);
			ck_assert_int_eq(eng_sess_end(w.s), 0);
			/* recovery points: leave work for the child's recovery */
			if (recovery)
				inst_kill(inst);
			else
				inst_close(inst);
			int pfd[2];
			ck_assert_int_eq(pipe(pfd), 0);
			pid_t pid = fork();
			ck_assert_int_ge(pid, 0);
			if (pid == 0) {
				close(pfd[0]);
				crash_child(point, countdowns[ci], pfd[1], w.next);
			}
			close(pfd[1]);
			uint32_t acked = w.acked;
			uint8_t b[4];
			while (read(pfd[0], b, 4) == 4)
				acked = JET_MAX(acked, get_le32(b));
			close(pfd[0]);
			int status;
			ck_assert_int_eq(waitpid(pid, &status, 0), pid);
			ck_assert_msg(WIFEXITED(status), "%s: child killed by signal %d", what,
				      WIFSIGNALED(status) ? WTERMSIG(status) : 0);
			ck_assert_msg(WEXITSTATUS(status) == 99,
				      "%s: the point did not fire (child exit %d)", what,
				      WEXITSTATUS(status));
			fired++;
			recover_and_verify(acked, w.next + 40, what);
		}
	}
	fprintf(stderr, "test_crash_points: %u crashes recovered, %u points skipped\n", fired,
		skipped);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *su = suite_create("faults");
	TCase *tc = tcase_create("faults");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_powerloss_every_sync);
	tcase_add_test(tc, test_torn_log_tail);
	tcase_add_test(tc, test_fsync_eio);
	tcase_add_test(tc, test_enospc);
	tcase_add_test(tc, test_bitflip);
	tcase_add_test(tc, test_crash_points);
	suite_add_tcase(su, tc);
	return su;
}

JET_CHECK_MAIN(make_suite)
