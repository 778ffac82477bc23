/*
 * test_backup.c - online backup through the JET API while a writer commits,
 * restore into another folder, and the copy holds exactly a prefix of the
 * commit order that contains every commit acknowledged before the backup
 * fixed its end; ESE's sequence errors; libjet's positional reads and
 * database folder (as jetfs's .backup/ uses them).
 */
#include <check.h>
#include <esent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_dir[256], g_live[300], g_bk[300], g_rs[300], g_db[320];

static void mk(char *out, size_t cb, const char *a, const char *b)
{
	ck_assert_uint_lt(strlen(a) + strlen(b), cb);
	strcpy(out, a);
	strcat(out, b);
}

static void setup(void)
{
	snprintf(g_dir, sizeof(g_dir), "%s/jet_bk_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
	mk(g_live, sizeof(g_live), g_dir, "/live/");
	mk(g_bk, sizeof(g_bk), g_dir, "/bk");
	mk(g_rs, sizeof(g_rs), g_dir, "/rs/");
	mk(g_db, sizeof(g_db), g_live, "b.jdb");
	ck_assert_int_eq(mkdir(g_live, 0700), 0);
}

static void teardown(void)
{
	char cmd[300];
	mk(cmd, sizeof(cmd), "rm -rf -- ", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
}

static JET_INSTANCE start(const char *dir, bool init)
{
	JET_INSTANCE inst = 0;
	ck_assert_int_eq(JetCreateInstance(&inst, "bk"), 0);
	ck_assert_int_eq(JetSetSystemParameter(&inst, 0, JET_paramSystemPath, 0, dir), 0);
	ck_assert_int_eq(JetSetSystemParameter(&inst, 0, JET_paramLogFilePath, 0, dir), 0);
	ck_assert_int_eq(JetSetSystemParameter(&inst, 0, JET_paramLogFileSize, 256, NULL), 0);
	if (init)
		ck_assert_int_eq(JetInit(&inst), 0);
	return inst;
}

static JET_INSTANCE g_inst;
static JET_COLUMNID g_colk;
static _Atomic long g_acked;
static _Atomic bool g_stop;

static void *writer(void *arg)
{
	(void)arg;
	JET_SESID s;
	JET_DBID dbid;
	JET_TABLEID t;
	ck_assert_int_eq(JetBeginSession(g_inst, &s, "", ""), 0);
	ck_assert_int_eq(JetOpenDatabase(s, g_db, NULL, &dbid, 0), 0);
	ck_assert_int_eq(JetOpenTable(s, dbid, "t", NULL, 0, 0, &t), 0);
	for (long k = 1; !atomic_load(&g_stop); k++) {
		int32_t v = (int32_t)k;
		ck_assert_int_eq(JetBeginTransaction(s), 0);
		ck_assert_int_eq(JetPrepareUpdate(s, t, JET_prepInsert), 0);
		ck_assert_int_eq(JetSetColumn(s, t, g_colk, &v, 4, 0, NULL), 0);
		ck_assert_int_eq(JetUpdate(s, t, NULL, 0, NULL), 0);
		ck_assert_int_eq(JetCommitTransaction(s, 0), 0);
		atomic_store(&g_acked, k);
	}
	ck_assert_int_eq(JetCloseTable(s, t), 0);
	ck_assert_int_eq(JetEndSession(s, 0), 0);
	return NULL;
}

static void copy_files(const char *szz)
{
	char buf[65536];
	for (const char *p = szz; *p; p += strlen(p) + 1) {
		JET_HANDLE h;
		unsigned long lo, hi, got;
		ck_assert_int_eq(JetOpenFileInstance(g_inst, p, &h, &lo, &hi), 0);
		char out[600];
		const char *base = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
		ck_assert_int_lt(snprintf(out, sizeof(out), "%s/%s", g_bk, base), (int)sizeof(out));
		FILE *f = fopen(out, "wb");
		ck_assert_ptr_nonnull(f);
		uint64_t total = 0;
		do {
			ck_assert_int_eq(JetReadFileInstance(g_inst, h, buf, sizeof(buf), &got), 0);
			ck_assert_uint_eq(fwrite(buf, 1, got, f), got);
			total += got;
		} while (got);
		fclose(f);
		ck_assert_uint_eq(total, ((uint64_t)hi << 32) | lo);
		ck_assert_int_eq(JetCloseFileInstance(g_inst, h), 0);
	}
}

START_TEST(test_backup_while_writing)
{
	JET_SESID s;
	JET_DBID dbid;
	JET_TABLEID t;
	JET_COLUMNDEF cd = {sizeof(cd), 0, JET_coltypLong, 0, 0, 0, 0, 0, JET_bitColumnFixed};
	char szz[8192];
	unsigned long cb;

	g_inst = start(g_live, true);
	/* Out of sequence before any backup. */
	ck_assert_int_eq(JetGetAttachInfoInstance(g_inst, szz, sizeof(szz), &cb), JET_errNoBackup);
	ck_assert_int_eq(JetEndExternalBackupInstance(g_inst), JET_errNoBackup);

	ck_assert_int_eq(JetBeginSession(g_inst, &s, "", ""), 0);
	ck_assert_int_eq(JetCreateDatabase(s, g_db, NULL, &dbid, 0), 0);
	ck_assert_int_eq(JetCreateTable(s, dbid, "t", 0, 100, &t), 0);
	ck_assert_int_eq(JetAddColumn(s, t, "k", &cd, NULL, 0, &g_colk), 0);
	ck_assert_int_eq(JetCreateIndex(s, t, "pk", JET_bitIndexPrimary, "+k\0", 4, 100), 0);
	ck_assert_int_eq(JetCloseTable(s, t), 0);

	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, writer, NULL), 0);
	while (atomic_load(&g_acked) < 200)
		usleep(1000);

	ck_assert_int_eq(JetBeginExternalBackupInstance(g_inst, 0), 0);
	ck_assert_int_eq(JetBeginExternalBackupInstance(g_inst, 0), JET_errBackupInProgress);
	ck_assert_int_eq(JetGetLogInfoInstance(g_inst, szz, sizeof(szz), &cb), JET_errInvalidBackupSequence);
	ck_assert_int_eq(JetGetAttachInfoInstance(g_inst, szz, sizeof(szz), &cb), 0);
	ck_assert_str_eq(szz, g_db);
	ck_assert_int_eq(mkdir(g_bk, 0700), 0);
	copy_files(szz);
	while (atomic_load(&g_acked) < 400)
		usleep(1000); /* writers go on while the database is copied */
	long a0 = atomic_load(&g_acked);
	ck_assert_int_eq(JetGetLogInfoInstance(g_inst, szz, sizeof(szz), &cb), 0);
	long a1 = atomic_load(&g_acked);
	copy_files(szz);
	ck_assert_int_eq(JetTruncateLogInstance(g_inst), 0);
	ck_assert_int_eq(JetEndExternalBackupInstance(g_inst), 0);
	atomic_store(&g_stop, true);
	pthread_join(th, NULL);
	ck_assert_int_eq(JetEndSession(s, 0), 0);
	ck_assert_int_eq(JetTerm(g_inst), 0);

	/* Restore elsewhere and look. */
	JET_INSTANCE r = start(g_rs, false);
	ck_assert_int_eq(JetRestoreInstance(r, g_bk, g_rs, NULL), 0);
	ck_assert_int_eq(JetInit(&r), 0);
	char rdb[400];
	mk(rdb, sizeof(rdb), g_rs, "b.jdb");
	ck_assert_int_eq(JetBeginSession(r, &s, "", ""), 0);
	ck_assert_int_eq(JetAttachDatabase(s, rdb, 0), 0);
	ck_assert_int_eq(JetOpenDatabase(s, rdb, NULL, &dbid, 0), 0);
	ck_assert_int_eq(JetOpenTable(s, dbid, "t", NULL, 0, 0, &t), 0);
	long n = 0;
	for (JET_ERR e = JetMove(s, t, JET_MoveFirst, 0); e == 0; e = JetMove(s, t, JET_MoveNext, 0)) {
		int32_t v;
		unsigned long got;
		ck_assert_int_eq(JetRetrieveColumn(s, t, g_colk, &v, 4, &got, 0, NULL), 0);
		ck_assert_int_eq(v, n + 1); /* a prefix of the commit order */
		n++;
	}
	fprintf(stderr, "backup: acked %ld..%ld around the end, copy holds %ld rows\n", a0, a1, n);
	ck_assert_int_ge(n, a0);
	ck_assert_int_le(n, a1 + 1);
	ck_assert_int_eq(JetCloseTable(s, t), 0);
	ck_assert_int_eq(JetEndSession(s, 0), 0);
	ck_assert_int_eq(JetTerm(r), 0);
}
END_TEST

/* Rows from..to, one lazily flushed transaction each. */
static void insert_lazy(JET_SESID s, JET_TABLEID t, int32_t from, int32_t to)
{
	for (int32_t k = from; k <= to; k++) {
		ck_assert_int_eq(JetBeginTransaction(s), 0);
		ck_assert_int_eq(JetPrepareUpdate(s, t, JET_prepInsert), 0);
		ck_assert_int_eq(JetSetColumn(s, t, g_colk, &k, 4, 0, NULL), 0);
		ck_assert_int_eq(JetUpdate(s, t, NULL, 0, NULL), 0);
		ck_assert_int_eq(JetCommitTransaction(s, JET_bitCommitLazyFlush), 0);
	}
}

/* jetfs's way (libjet extensions): reads at any offset, and a checkpoint
 * file naming the database as ../NAME, so the copy recovers with its logs
 * in a folder beside the database. */
START_TEST(test_backup_positional_reads_and_db_folder)
{
	JET_SESID s;
	JET_DBID dbid;
	JET_TABLEID t;
	JET_COLUMNDEF cd = {sizeof(cd), 0, JET_coltypLong, 0, 0, 0, 0, 0, JET_bitColumnFixed};
	char dbs[2048], logs[8192], logdir[400], path[700];
	unsigned long cb, lo, hi, got;
	JET_HANDLE h;

	g_inst = start(g_live, true);
	ck_assert_int_eq(JetSetBackupDatabaseFolderInstance(g_inst, ".."), JET_errNoBackup);
	ck_assert_int_eq(JetBeginSession(g_inst, &s, "", ""), 0);
	ck_assert_int_eq(JetCreateDatabase(s, g_db, NULL, &dbid, 0), 0);
	ck_assert_int_eq(JetCreateTable(s, dbid, "t", 0, 100, &t), 0);
	ck_assert_int_eq(JetAddColumn(s, t, "k", &cd, NULL, 0, &g_colk), 0);
	ck_assert_int_eq(JetCreateIndex(s, t, "pk", JET_bitIndexPrimary, "+k\0", 4, 100), 0);
	insert_lazy(s, t, 1, 3000);

	ck_assert_int_eq(JetBeginExternalBackupInstance(g_inst, 0), 0);
	ck_assert_int_eq(JetSetBackupDatabaseFolderInstance(g_inst, NULL), JET_errInvalidParameter);
	ck_assert_int_eq(JetSetBackupDatabaseFolderInstance(g_inst, "/abs"), JET_errInvalidParameter);
	ck_assert_int_eq(JetSetBackupDatabaseFolderInstance(g_inst, "../"), 0);
	ck_assert_int_eq(JetGetAttachInfoInstance(g_inst, dbs, sizeof(dbs), &cb), 0);
	ck_assert_int_eq(JetOpenFileInstance(g_inst, dbs, &h, &lo, &hi), 0);
	uint64_t size = ((uint64_t)hi << 32) | lo;
	ck_assert_uint_gt(size, 0);
	char *seq = malloc(size), *pos = malloc(size + 1);
	ck_assert_ptr_nonnull(seq);
	ck_assert_ptr_nonnull(pos);
	ck_assert_int_eq(JetReadFileAtInstance(g_inst, 0, 0, pos, 1, &got), JET_errInvalidParameter);
	ck_assert_int_eq(JetReadFileAtInstance(g_inst, h, 0, pos, 1, NULL), JET_errInvalidParameter);
	/* Backwards, in odd pieces, and past the end; then sequentially: the
	 * same bytes, and the position of JetReadFile untouched. */
	for (uint64_t end = size; end > 0;) {
		uint64_t off = end > 5000 ? end - 5000 : 0;
		ck_assert_int_eq(JetReadFileAtInstance(g_inst, h, off, pos + off, (unsigned long)(end - off), &got), 0);
		ck_assert_uint_eq(got, end - off);
		end = off;
	}
	ck_assert_int_eq(JetReadFileAtInstance(g_inst, h, size, pos + size, 1, &got), 0);
	ck_assert_uint_eq(got, 0);
	uint64_t total = 0;
	do {
		ck_assert_int_eq(JetReadFileInstance(g_inst, h, seq + total,
						     (unsigned long)(size - total < 65536 ? size - total : 65536), &got), 0);
		total += got;
	} while (got && total < size);
	ck_assert_uint_eq(total, size);
	ck_assert_int_eq(memcmp(seq, pos, size), 0);
	ck_assert_int_eq(JetCloseFileInstance(g_inst, h), 0);
	ck_assert_int_eq(mkdir(g_bk, 0700), 0);
	mk(path, sizeof(path), g_bk, "/b.jdb");
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(pos, 1, size, f), size);
	fclose(f);

	/* Committed after the database was copied, before the log's end is
	 * fixed: only the log brings these into the copy. */
	insert_lazy(s, t, 3001, 3100);
	ck_assert_int_eq(JetGetLogInfoInstance(g_inst, logs, sizeof(logs), &cb), 0);
	ck_assert_int_eq(JetSetBackupDatabaseFolderInstance(g_inst, ".."), JET_errInvalidBackupSequence);
	uint64_t last_log_size = 0;
	mk(logdir, sizeof(logdir), g_bk, "/logs/");
	ck_assert_int_eq(mkdir(logdir, 0700), 0);
	for (const char *p = logs; *p; p += strlen(p) + 1) {
		ck_assert_int_eq(JetOpenFileInstance(g_inst, p, &h, &lo, &hi), 0);
		size = ((uint64_t)hi << 32) | lo;
		bool is_log = strstr(p, ".log") != NULL;
		if (is_log) { /* generations: whole (256 KiB), the last cut at the end */
			ck_assert(size % 512 == 0 && size <= 256 * 1024);
			last_log_size = size;
		}
		char *buf = malloc(size);
		ck_assert_ptr_nonnull(buf);
		ck_assert_int_eq(JetReadFileAtInstance(g_inst, h, 0, buf, (unsigned long)size, &got), 0);
		ck_assert_uint_eq(got, size);
		mk(path, sizeof(path), logdir, strrchr(p, '/') + 1);
		f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fwrite(buf, 1, size, f), size);
		fclose(f);
		free(buf);
		ck_assert_int_eq(JetCloseFileInstance(g_inst, h), 0);
	}
	ck_assert_uint_lt(last_log_size, 256 * 1024);
	ck_assert_int_eq(JetEndExternalBackupInstance(g_inst), 0);
	free(seq);
	free(pos);
	ck_assert_int_eq(JetCloseTable(s, t), 0);
	ck_assert_int_eq(JetEndSession(s, 0), 0);
	ck_assert_int_eq(JetTerm(g_inst), 0);

	/* Recovery where the copy lies: the checkpoint file in logs/ names
	 * ../b.jdb. */
	JET_INSTANCE r = start(logdir, true);
	mk(path, sizeof(path), g_bk, "/b.jdb");
	ck_assert_int_eq(JetBeginSession(r, &s, "", ""), 0);
	ck_assert_int_eq(JetAttachDatabase(s, path, 0), 0);
	ck_assert_int_eq(JetOpenDatabase(s, path, NULL, &dbid, 0), 0);
	ck_assert_int_eq(JetOpenTable(s, dbid, "t", NULL, 0, 0, &t), 0);
	long n = 0;
	for (JET_ERR e = JetMove(s, t, JET_MoveFirst, 0); e == 0; e = JetMove(s, t, JET_MoveNext, 0))
		n++;
	ck_assert_int_eq(n, 3100); /* lazily flushed commits too: the backup flushed them */
	ck_assert_int_eq(JetCloseTable(s, t), 0);
	ck_assert_int_eq(JetEndSession(s, 0), 0);
	ck_assert_int_eq(JetTerm(r), 0);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("backup");
	TCase *tc = tcase_create("external");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_backup_while_writing);
	tcase_add_test(tc, test_backup_positional_reads_and_db_folder);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
