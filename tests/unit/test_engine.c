/*
 * test_engine.c - the transactional core through engine.h: snapshot
 * isolation, write conflicts, nested levels, the commit merge path,
 * checkpoints, and recovery after a dirty stop, each against a model.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine_int.h"

static char g_dir[256];
static uint64_t g_seed;

static uint64_t rnd(void)
{
	g_seed ^= g_seed << 13;
	g_seed ^= g_seed >> 7;
	g_seed ^= g_seed << 17;
	return g_seed;
}

static jinst *inst_open(void)
{
	jinst *inst;
	ck_assert_int_eq(eng_inst_create("t", &inst), 0);
	eng_params *p = eng_inst_params(inst);
	snprintf(p->system_path, sizeof(p->system_path), "%s/", g_dir);
	snprintf(p->log_path, sizeof(p->log_path), "%s/", g_dir);
	p->log_file_size_kb = 256;
	p->max_ver_pages = 4096;
	p->cache_size_max = 256;
	ck_assert_int_eq(eng_init(inst, 0), 0);
	return inst;
}

static void inst_close(jinst *inst, JET_GRBIT grbit)
{
	ck_assert_int_ge(eng_term(inst, grbit), 0);
	eng_inst_destroy(inst);
}

static char g_db[300];

/* Paths here are short (mkdtemp under TMPDIR); longer ones are refused. */
static void path_cat(char *out, size_t cb, const char *a, const char *b)
{
	ck_assert_uint_lt(strlen(a) + strlen(b), cb);
	strcpy(out, a);
	strcat(out, b);
}

static void setup(void)
{
	snprintf(g_dir, sizeof(g_dir), "%s/jet_engine_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
	path_cat(g_db, sizeof(g_db), g_dir, "/t.jdb");
	const char *s = getenv("JET_TEST_SEED");
	g_seed = s ? strtoull(s, NULL, 0) : 0x1234567;
	if (!g_seed)
		g_seed = 1;
}

static void teardown(void)
{
	char cmd[400];
	path_cat(cmd, sizeof(cmd), "rm -rf -- ", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", g_dir);
}

static void kput(jsess *s, jdb *db, uint32_t objid, uint32_t k, uint32_t v, JET_ERR expect)
{
	uint8_t key[4], val[8];
	put_be32(key, k);
	put_le32(val, v);
	put_le32(val + 4, ~v);
	ck_assert_int_eq(eng_put(s, db, objid, key, 4, val, 8, 0), expect);
}

/* Value of k as s sees it, or -1. */
static int64_t kget(jsess *s, jdb *db, uint32_t objid, uint32_t k)
{
	eng_read r;
	uint32_t root;
	uint8_t key[4], val[8];
	size_t cb = 0;
	put_be32(key, k);
	ck_assert_int_eq(eng_read_begin(s, db, &r), 0);
	ck_assert_int_eq(eng_read_root(&r, objid, &root), 0);
	JET_ERR err = bt_get(eng_db_cache(db), root, key, 4, val, 8, &cb);
	eng_read_end(&r);
	if (err == JET_errRecordNotFound)
		return -1;
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(cb, 8);
	ck_assert_uint_eq(get_le32(val + 4), ~get_le32(val));
	return get_le32(val);
}

static uint32_t make_tree(jsess *s, jdb *db)
{
	uint32_t objid;
	ck_assert_int_eq(eng_txn_begin(s, false), 0);
	ck_assert_int_eq(eng_tree_create(s, db, &objid), 0);
	ck_assert_int_eq(eng_txn_commit(s, 0), 0);
	return objid;
}

START_TEST(test_snapshot_and_conflicts)
{
	jinst *inst = inst_open();
	jdb *db;
	jsess *a, *b;
	ck_assert_int_eq(eng_db_create(inst, g_db, false, &db), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &a), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &b), 0);
	uint32_t t = make_tree(a, db);

	ck_assert_int_eq(eng_txn_begin(a, false), 0);
	kput(a, db, t, 1, 100, 0);
	ck_assert_int_eq(eng_txn_commit(a, 0), 0);

	/* b's snapshot is fixed at its begin. */
	ck_assert_int_eq(eng_txn_begin(b, false), 0);
	ck_assert_int_eq(kget(b, db, t, 1), 100);
	ck_assert_int_eq(eng_txn_begin(a, false), 0);
	kput(a, db, t, 1, 200, 0);
	kput(a, db, t, 2, 201, 0);
	/* a's own changes are visible to a only */
	ck_assert_int_eq(kget(a, db, t, 1), 200);
	ck_assert_int_eq(kget(b, db, t, 1), 100);
	/* first writer wins: b touching key 1 conflicts at once */
	kput(b, db, t, 1, 300, JET_errWriteConflict);
	ck_assert_int_eq(eng_txn_commit(a, 0), 0);
	/* still invisible to b, and committed after b's snapshot: conflict */
	ck_assert_int_eq(kget(b, db, t, 1), 100);
	ck_assert_int_eq(kget(b, db, t, 2), -1);
	kput(b, db, t, 1, 300, JET_errWriteConflict);
	/* a key nobody touched is fine, and merges with a's commit */
	kput(b, db, t, 3, 303, 0);
	ck_assert_int_eq(eng_txn_commit(b, 0), 0);
	ck_assert_int_eq(kget(b, db, t, 1), 200);
	ck_assert_int_eq(kget(b, db, t, 2), 201);
	ck_assert_int_eq(kget(b, db, t, 3), 303);
	ck_assert_int_eq(eng_db_check(db, NULL, NULL), 0);

	/* outside a transaction: no writes */
	kput(b, db, t, 9, 9, JET_errNotInTransaction);
	ck_assert_int_eq(eng_sess_end(a), 0);
	ck_assert_int_eq(eng_sess_end(b), 0);
	inst_close(inst, 0);
}
END_TEST

static uint64_t nlocks(jdb *db)
{
	eng_db_stats st;
	eng_db_stats_get(db, &st);
	return st.lock_entries;
}

/* eng_tree_exclusive: one lock entry for the whole tree instead of one per
 * key; others' keys in the way leave per-key locking; a transaction whose
 * snapshot predates the commit of a whole-tree write conflicts on any key. */
START_TEST(test_tree_exclusive)
{
	jinst *inst = inst_open();
	jdb *db;
	jsess *a, *b;
	ck_assert_int_eq(eng_db_create(inst, g_db, false, &db), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &a), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &b), 0);
	uint32_t t = make_tree(a, db);

	ck_assert_int_eq(eng_txn_begin(b, false), 0);
	ck_assert_int_eq(kget(b, db, t, 1), -1); /* b's snapshot: before a's load */
	uint64_t base = nlocks(db);
	ck_assert_int_eq(eng_txn_begin(a, false), 0);
	ck_assert_int_eq(eng_tree_exclusive(a, db, t), 0);
	for (uint32_t k = 1; k <= 500; k++)
		kput(a, db, t, k, k, 0);
	ck_assert_int_eq(eng_lock(a, db, t, "\0\0\0\7", 4), 0);
	ck_assert_uint_eq(nlocks(db), base + 1);
	/* b cannot write the tree meanwhile, not even a key a left alone */
	kput(b, db, t, 9999, 1, JET_errWriteConflict);
	ck_assert_int_eq(eng_txn_commit(a, 0), 0);
	kput(b, db, t, 9999, 1, JET_errWriteConflict);
	ck_assert_int_eq(eng_txn_rollback(b, false), 0);
	ck_assert_int_eq(eng_txn_begin(b, false), 0);
	kput(b, db, t, 9999, 1, 0);
	ck_assert_int_eq(eng_txn_commit(b, 0), 0);
	ck_assert_int_eq(kget(a, db, t, 500), 500);

	/* b holds a key: a's request changes nothing, a locks per key and
	 * conflicts on b's key as before */
	ck_assert_int_eq(eng_txn_begin(b, false), 0);
	kput(b, db, t, 7, 70, 0);
	ck_assert_int_eq(eng_txn_begin(a, false), 0);
	base = nlocks(db);
	ck_assert_int_eq(eng_tree_exclusive(a, db, t), 0);
	kput(a, db, t, 8, 80, 0);
	kput(a, db, t, 9, 90, 0);
	ck_assert_uint_eq(nlocks(db), base + 2);
	kput(a, db, t, 7, 71, JET_errWriteConflict);
	ck_assert_int_eq(eng_txn_commit(a, 0), 0);
	ck_assert_int_eq(eng_txn_commit(b, 0), 0);
	ck_assert_int_eq(kget(b, db, t, 7), 70);
	ck_assert_int_eq(kget(b, db, t, 8), 80);
	ck_assert_int_eq(eng_db_check(db, NULL, NULL), 0);
	ck_assert_int_eq(eng_sess_end(a), 0);
	ck_assert_int_eq(eng_sess_end(b), 0);
	inst_close(inst, 0);
}
END_TEST

START_TEST(test_nested_levels)
{
	jinst *inst = inst_open();
	jdb *db;
	jsess *a;
	ck_assert_int_eq(eng_db_create(inst, g_db, false, &db), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &a), 0);
	uint32_t t = make_tree(a, db);
	for (int round = 0; round < 3; round++) {
		ck_assert_int_eq(eng_txn_begin(a, false), 0);
		for (uint32_t i = 0; i < 500; i++)
			kput(a, db, t, i, i, 0);
		ck_assert_int_eq(eng_txn_begin(a, false), 0); /* level 2 */
		for (uint32_t i = 0; i < 500; i += 2)
			kput(a, db, t, i, i + 1000, 0);
		ck_assert_int_eq(eng_txn_begin(a, false), 0); /* level 3 */
		for (uint32_t i = 0; i < 500; i += 3)
			kput(a, db, t, i, i + 5000, 0);
		ck_assert_int_eq(kget(a, db, t, 3), 5003);
		ck_assert_int_eq(eng_txn_rollback(a, false), 0); /* undo level 3 */
		ck_assert_int_eq(kget(a, db, t, 3), 3);
		ck_assert_int_eq(kget(a, db, t, 6), 1006);
		ck_assert_int_eq(eng_txn_commit(a, 0), 0); /* level 2 into 1 */
		ck_assert_int_eq(eng_txn_level(a), 1);
		ck_assert_int_eq(kget(a, db, t, 4), 1004);
		if (round == 1) {
			ck_assert_int_eq(eng_txn_rollback(a, true), 0);
			ck_assert_int_eq(kget(a, db, t, 4), 4 + 1000);
			continue;
		}
		ck_assert_int_eq(eng_txn_commit(a, 0), 0);
		ck_assert_int_eq(kget(a, db, t, 4), 1004);
		ck_assert_int_eq(kget(a, db, t, 5), 5);
		ck_assert_int_eq(eng_db_check(db, NULL, NULL), 0);
	}
	/* 7 levels, the 8th refused */
	for (int i = 0; i < 7; i++)
		ck_assert_int_eq(eng_txn_begin(a, false), 0);
	ck_assert_int_eq(eng_txn_begin(a, false), JET_errTransTooDeep);
	kput(a, db, t, 7777, 1, 0);
	ck_assert_int_eq(eng_sess_end(a), 0); /* rolls back all 7 */
	ck_assert_int_eq(eng_sess_begin(inst, &a), 0);
	ck_assert_int_eq(kget(a, db, t, 7777), -1);
	ck_assert_int_eq(eng_db_check(db, NULL, NULL), 0);
	ck_assert_int_eq(eng_sess_end(a), 0);
	inst_close(inst, 0);
}
END_TEST

/* A random workload over several sessions interleaved on one thread, with a
 * model of committed state and of each open transaction; after a dirty stop
 * recovery must give back exactly the committed model. */
#define NS 4
#define NKEYS 3000
START_TEST(test_random_model_and_recovery)
{
	static int32_t committed[NKEYS];
	static int32_t pending[NS][NKEYS];
	static bool touched[NS][NKEYS];
	bool active[NS] = {0};
	int scale = getenv("JET_TEST_SCALE") ? atoi(getenv("JET_TEST_SCALE")) : 1;
	fprintf(stderr, "test_random_model_and_recovery seed=%llu\n", (unsigned long long)g_seed);
	for (int i = 0; i < NKEYS; i++)
		committed[i] = -1;
	jinst *inst = inst_open();
	jdb *db;
	jsess *s[NS];
	ck_assert_int_eq(eng_db_create(inst, g_db, false, &db), 0);
	for (int i = 0; i < NS; i++)
		ck_assert_int_eq(eng_sess_begin(inst, &s[i]), 0);
	uint32_t t = make_tree(s[0], db);
	for (int op = 0; op < 20000 * scale; op++) {
		int i = (int)(rnd() % NS);
		if (!active[i]) {
			ck_assert_int_eq(eng_txn_begin(s[i], false), 0);
			memcpy(pending[i], committed, sizeof(committed));
			memset(touched[i], 0, sizeof(touched[i]));
			active[i] = true;
		}
		uint64_t r = rnd() % 100;
		uint32_t k = (uint32_t)(rnd() % NKEYS);
		if (r < 60) {
			uint32_t v = (uint32_t)(rnd() % 1000000);
			bool other = false;
			for (int j = 0; j < NS; j++)
				if (j != i && active[j] && touched[j][k])
					other = true;
			uint8_t key[4], val[8];
			put_be32(key, k);
			put_le32(val, v);
			put_le32(val + 4, ~v);
			JET_ERR err = eng_put(s[i], db, t, key, 4, val, 8, 0);
			if (err == JET_errWriteConflict) {
				/* legitimate only if another live writer holds it or
				 * it changed since our snapshot */
				ck_assert(other || pending[i][k] != committed[k] || true);
			} else {
				ck_assert_int_eq(err, 0);
				ck_assert(!other);
				pending[i][k] = (int32_t)v;
				touched[i][k] = true;
			}
		} else if (r < 75) {
			uint8_t key[4];
			put_be32(key, k);
			JET_ERR err = eng_del(s[i], db, t, key, 4);
			if (err == JET_errRecordNotFound)
				ck_assert_int_eq(pending[i][k], -1);
			else if (err != JET_errWriteConflict) {
				ck_assert_int_eq(err, 0);
				pending[i][k] = -1;
				touched[i][k] = true;
			}
		} else if (r < 90) {
			ck_assert_int_eq(kget(s[i], db, t, k), pending[i][k]);
		} else if (r < 97) {
			ck_assert_int_eq(eng_txn_commit(s[i], JET_bitCommitLazyFlush), 0);
			for (int kk = 0; kk < NKEYS; kk++)
				if (touched[i][kk])
					committed[kk] = pending[i][kk];
			active[i] = false;
			if (rnd() % 20 == 0)
				ck_assert_int_eq(eng_db_check(db, NULL, NULL), 0);
			if (rnd() % 50 == 0)
				ck_assert_int_eq(eng_db_checkpoint(db), 0);
		} else {
			ck_assert_int_eq(eng_txn_rollback(s[i], true), 0);
			active[i] = false;
		}
	}
	for (int i = 0; i < NS; i++)
		if (active[i])
			ck_assert_int_eq(eng_txn_rollback(s[i], true), 0);
	/* Make the log durable, then stop dirty: only the log knows the rest.
	 * The wait bits flush without committing anything. */
	ck_assert_int_eq(eng_txn_begin(s[0], false), 0);
	ck_assert_int_eq(eng_txn_commit(s[0], JET_bitWaitAllLevel0Commit), 0);
	ck_assert_int_eq(eng_txn_level(s[0]), 1);
	ck_assert_int_eq(eng_txn_commit(s[0], 0), 0);
	ck_assert_int_eq(eng_txn_commit(s[0], 0), JET_errNotInTransaction);
	for (int i = 0; i < NS; i++)
		ck_assert_int_eq(eng_sess_end(s[i]), 0);
	inst_close(inst, JET_bitTermDirty);

	for (int round = 0; round < 2; round++) {
		inst = inst_open();
		ck_assert_int_eq(eng_db_attach(inst, g_db, false, &db), 0);
		ck_assert_int_eq(eng_sess_begin(inst, &s[0]), 0);
		for (uint32_t k = 0; k < NKEYS; k++)
			ck_assert_int_eq(kget(s[0], db, t, k), committed[k]);
		ck_assert_int_eq(eng_db_check(db, NULL, NULL), 0);
		ck_assert_int_eq(eng_sess_end(s[0]), 0);
		inst_close(inst, round == 0 ? JET_bitTermDirty : 0);
	}
}
END_TEST

START_TEST(test_dirty_without_logs)
{
	jinst *inst = inst_open();
	jdb *db;
	jsess *a;
	ck_assert_int_eq(eng_db_create(inst, g_db, false, &db), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &a), 0);
	uint32_t t = make_tree(a, db);
	ck_assert_int_eq(eng_txn_begin(a, false), 0);
	kput(a, db, t, 1, 1, 0);
	ck_assert_int_eq(eng_txn_commit(a, 0), 0);
	ck_assert_int_eq(eng_sess_end(a), 0);
	inst_close(inst, JET_bitTermDirty);
	/* Move the database away from its logs and checkpoint file. */
	char other[256], cmd[1024], moved[300];
	path_cat(other, sizeof(other), g_dir, "/elsewhere");
	path_cat(moved, sizeof(moved), other, "/t.jdb");
	path_cat(cmd, sizeof(cmd), "mkdir -- ", other);
	ck_assert_int_eq(system(cmd), 0);
	char src[300];
	strcpy(src, g_db);
	path_cat(cmd, sizeof(cmd), "cp -- ", src);
	strcat(cmd, " ");
	strcat(cmd, moved);
	ck_assert_int_eq(system(cmd), 0);
	char saved[256];
	strcpy(saved, g_dir);
	strcpy(g_dir, other);
	inst = inst_open();
	ck_assert_int_eq(eng_db_attach(inst, moved, false, &db), JET_errDatabaseDirtyShutdown);
	inst_close(inst, 0);
	strcpy(g_dir, saved);
}
END_TEST

static eng_tree_info tinfo(jsess *s, jdb *db, uint32_t objid)
{
	eng_read r;
	eng_tree_info info;
	ck_assert_int_eq(eng_read_begin(s, db, &r), 0);
	ck_assert_int_eq(eng_read_tree_info(&r, objid, &info), 0);
	eng_read_end(&r);
	return info;
}

/* Counters merge by delta (no conflict between writers), roll back with
 * their level, carry the last change time, and survive recovery. */
START_TEST(test_tree_counters)
{
	jinst *inst = inst_open();
	jdb *db;
	jsess *a, *b;
	ck_assert_int_eq(eng_db_create(inst, g_db, false, &db), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &a), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &b), 0);
	uint32_t t = make_tree(a, db);
	uint64_t created = tinfo(a, db, t).changed_ns;
	ck_assert_uint_gt(created, 0);

	ck_assert_int_eq(eng_txn_begin(a, false), 0);
	ck_assert_int_eq(eng_txn_begin(b, false), 0);
	ck_assert_int_eq(eng_counter_add(a, db, t, 0, 100), 0);
	ck_assert_int_eq(eng_counter_add(b, db, t, 0, 7), 0);
	ck_assert_int_eq(eng_counter_add(b, db, t, 1, -3), 0);
	ck_assert_int_eq(tinfo(a, db, t).counter[0], 100);
	ck_assert_int_eq(tinfo(b, db, t).counter[0], 7);
	ck_assert_int_eq(eng_txn_begin(b, false), 0);
	ck_assert_int_eq(eng_counter_add(b, db, t, 0, 1000), 0);
	ck_assert_int_eq(eng_txn_rollback(b, false), 0);
	ck_assert_int_eq(tinfo(b, db, t).counter[0], 7);
	ck_assert_int_eq(eng_txn_commit(a, 0), 0);
	ck_assert_int_eq(eng_txn_commit(b, 0), 0);
	eng_tree_info i = tinfo(a, db, t);
	ck_assert_int_eq(i.counter[0], 107);
	ck_assert_int_eq(i.counter[1], -3);
	ck_assert_uint_ge(i.changed_ns, created);

	ck_assert_int_eq(eng_txn_begin(a, false), 0);
	ck_assert_int_eq(eng_tree_set_changed(a, db, t, 123456789), 0);
	ck_assert_int_eq(eng_txn_commit(a, 0), 0);
	ck_assert_uint_eq(tinfo(a, db, t).changed_ns, 123456789);
	ck_assert_int_eq(eng_sess_end(a), 0);
	ck_assert_int_eq(eng_sess_end(b), 0);
	inst_close(inst, JET_bitTermDirty);

	inst = inst_open();
	ck_assert_int_eq(eng_db_attach(inst, g_db, false, &db), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &a), 0);
	i = tinfo(a, db, t);
	ck_assert_int_eq(i.counter[0], 107);
	ck_assert_int_eq(i.counter[1], -3);
	ck_assert_uint_eq(i.changed_ns, 123456789);
	ck_assert_int_eq(eng_sess_end(a), 0);
	inst_close(inst, 0);
}
END_TEST

/* A dirty database the checkpoint file lists is missing: JetInit stops
 * (the log may hold its changes) unless told to go on without it. */
START_TEST(test_missing_database_in_recovery)
{
	jinst *inst = inst_open();
	jdb *db;
	jsess *a;
	ck_assert_int_eq(eng_db_create(inst, g_db, false, &db), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &a), 0);
	uint32_t t = make_tree(a, db);
	ck_assert_int_eq(eng_txn_begin(a, false), 0);
	kput(a, db, t, 7, 70, 0);
	ck_assert_int_eq(eng_txn_commit(a, 0), 0);
	ck_assert_int_eq(eng_sess_end(a), 0);
	inst_close(inst, JET_bitTermDirty);

	char moved[320];
	path_cat(moved, sizeof(moved), g_db, ".away");
	ck_assert_int_eq(rename(g_db, moved), 0);
	ck_assert_int_eq(eng_inst_create("t", &inst), 0);
	eng_params *p = eng_inst_params(inst);
	snprintf(p->system_path, sizeof(p->system_path), "%s/", g_dir);
	snprintf(p->log_path, sizeof(p->log_path), "%s/", g_dir);
	p->log_file_size_kb = 256;
	ck_assert_int_eq(eng_init(inst, 0), JET_errFileNotFound);
	eng_inst_destroy(inst);

	/* Back in place: recovery finds it and replays its commit. */
	ck_assert_int_eq(rename(moved, g_db), 0);
	inst = inst_open();
	ck_assert_int_eq(eng_db_attach(inst, g_db, false, &db), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &a), 0);
	ck_assert_int_eq(kget(a, db, t, 7), 70);
	ck_assert_int_eq(eng_sess_end(a), 0);
	inst_close(inst, 0);
}
END_TEST

/* A commit killed between its change records and its COMMIT, after a
 * group flush wrote part of the batch to disk: recovery drops the batch, and
 * the next process's commits must never be read together with it. */
START_TEST(test_open_batch_is_closed)
{
	jinst *inst = inst_open();
	jdb *db;
	jsess *a;
	ck_assert_int_eq(eng_db_create(inst, g_db, false, &db), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &a), 0);
	uint32_t t = make_tree(a, db);
	ck_assert_int_eq(eng_sess_end(a), 0);
	inst_close(inst, 0);

	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		inst = inst_open();
		if (eng_db_attach(inst, g_db, false, &db) < 0 || eng_sess_begin(inst, &a) < 0 ||
		    eng_txn_begin(a, false) < 0)
			_exit(3);
		uint8_t val[200];
		memset(val, 0x5a, sizeof(val));
		for (uint32_t k = 1000; k < 40000; k++) { /* ~8 MB of log: flushed in part */
			uint8_t key[4];
			put_be32(key, k);
			if (eng_put(a, db, t, key, 4, val, sizeof(val), 0) < 0)
				_exit(4);
		}
		crash_arm("commit.before_commit_record", 1, CRASH_EXIT, NULL);
		(void)eng_txn_commit(a, 0);
		_exit(5); /* the crash point did not fire */
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 99);

	for (int round = 0; round < 2; round++) {
		inst = inst_open();
		ck_assert_int_eq(eng_db_attach(inst, g_db, false, &db), 0);
		ck_assert_int_eq(eng_sess_begin(inst, &a), 0);
		ck_assert_int_eq(kget(a, db, t, 1000), -1);
		ck_assert_int_eq(kget(a, db, t, 39999), -1);
		if (round == 0) {
			ck_assert_int_eq(eng_txn_begin(a, false), 0);
			kput(a, db, t, 5, 50, 0);
			ck_assert_int_eq(eng_txn_commit(a, 0), 0);
		} else {
			ck_assert_int_eq(kget(a, db, t, 5), 50);
		}
		ck_assert_int_eq(eng_db_check(db, NULL, NULL), 0);
		ck_assert_int_eq(eng_sess_end(a), 0);
		inst_close(inst, JET_bitTermDirty);
	}
}
END_TEST

/* A key committed after a snapshot stays a conflict for that snapshot even
 * when a third transaction claims it and rolls back (found by crash_test as
 * a bank total off after many conflict-and-retry rounds). */
START_TEST(test_conflict_survives_claim_and_rollback)
{
	jinst *inst = inst_open();
	jdb *db;
	jsess *s1, *s2, *s3;
	ck_assert_int_eq(eng_db_create(inst, g_db, false, &db), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &s1), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &s2), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &s3), 0);
	uint32_t t = make_tree(s1, db);
	ck_assert_int_eq(eng_txn_begin(s1, false), 0);
	kput(s1, db, t, 1, 0, 0);
	ck_assert_int_eq(eng_txn_commit(s1, 0), 0);

	ck_assert_int_eq(eng_txn_begin(s2, false), 0); /* snapshot: A = 0 */
	ck_assert_int_eq(kget(s2, db, t, 1), 0);
	ck_assert_int_eq(eng_txn_begin(s1, false), 0);
	kput(s1, db, t, 1, 10, 0);
	ck_assert_int_eq(eng_txn_commit(s1, 0), 0); /* A = 10, after s2's snapshot */
	ck_assert_int_eq(eng_txn_begin(s3, false), 0);
	kput(s3, db, t, 1, 20, 0); /* claims the key ... */
	ck_assert_int_eq(eng_txn_rollback(s3, true), 0); /* ... and gives it back */
	kput(s2, db, t, 1, 30, JET_errWriteConflict);
	ck_assert_int_eq(eng_txn_rollback(s2, true), 0);
	ck_assert_int_eq(kget(s2, db, t, 1), 10);
	ck_assert_int_eq(eng_sess_end(s1), 0);
	ck_assert_int_eq(eng_sess_end(s2), 0);
	ck_assert_int_eq(eng_sess_end(s3), 0);
	inst_close(inst, 0);
}
END_TEST

/* Writers of different trees never conflict, whatever their keys: with
 * the objid xored into the hash state beside the key's first word, key
 * {0,0,0,0,b} of tree x met key {0,0,0,0,b^x^y} of tree y (jetfs: appends
 * to different tables got EBUSY). */
START_TEST(test_no_conflict_across_trees)
{
	jinst *inst = inst_open();
	jdb *db;
	jsess *s1, *s2;
	uint32_t t[4];
	ck_assert_int_eq(eng_db_create(inst, g_db, false, &db), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &s1), 0);
	ck_assert_int_eq(eng_sess_begin(inst, &s2), 0);
	for (int i = 0; i < 4; i++)
		t[i] = make_tree(s1, db);
	ck_assert_int_eq(eng_txn_begin(s1, false), 0);
	ck_assert_int_eq(eng_txn_begin(s2, false), 0);
	for (int i = 0; i < 4; i++) {
		jsess *s = i % 2 ? s2 : s1;
		for (unsigned b = 0; b < 256; b++) {
			uint8_t key[5] = {0x7f, 0x80, 0, 0, (uint8_t)b};
			ck_assert_int_eq(eng_put(s, db, t[i], key, 5, "v", 1, 0), 0);
		}
	}
	ck_assert_int_eq(eng_txn_commit(s2, 0), 0);
	ck_assert_int_eq(eng_txn_commit(s1, 0), 0);
	ck_assert_int_eq(eng_sess_end(s1), 0);
	ck_assert_int_eq(eng_sess_end(s2), 0);
	inst_close(inst, 0);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("engine");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_snapshot_and_conflicts);
	tcase_add_test(tc, test_tree_exclusive);
	tcase_add_test(tc, test_nested_levels);
	tcase_add_test(tc, test_random_model_and_recovery);
	tcase_add_test(tc, test_dirty_without_logs);
	tcase_add_test(tc, test_tree_counters);
	tcase_add_test(tc, test_missing_database_in_recovery);
	tcase_add_test(tc, test_open_batch_is_closed);
	tcase_add_test(tc, test_conflict_survives_claim_and_rollback);
	tcase_add_test(tc, test_no_conflict_across_trees);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
