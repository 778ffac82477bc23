/*
 * fuzz_dbfile.c - libFuzzer target: opening a hostile database file.
 *
 * Input: 1 mode byte, then the file's bytes (the seeds are small databases
 * of 4 KiB pages that gen_corpus.c wrote). Mode bits:
 *   0x01  recompute every page's checksum (page size 4096) before opening,
 *         so mutations reach the structures behind the checksums;
 *   0x02  with 0x01, also set each page's page-number field;
 *   0x04  open through the JET API only (skip eng_db_check).
 *
 * One instance lives for the whole process; per input the file is written
 * to the scratch folder, attached read-only (JetAttachDatabase), checked
 * with eng_db_check, and read through the API: MSysObjects is walked, every
 * table it names is opened and every record's catalogued columns retrieved,
 * then the database is detached.
 *
 * Properties: no crash, no hang, no leak; every error is a code jet.h
 * defines; a database that eng_db_check passes can be read completely
 * without a verify failure... (not asserted: a check pass over a mutated
 * catalog does not promise the schema makes sense, only safety is).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "catalog.h"
#include "dbfile.h"
#include "engine.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_PAGE 4096u
#define MAX_TABLES 16
#define MAX_COLS 64
#define MAX_MOVES 2000

static JET_INSTANCE g_inst;
static JET_SESID g_sess;
static char g_path[300];

static void fuzz_teardown(void)
{
	if (g_sess)
		JetEndSession(g_sess, 0);
	if (g_inst)
		JetTerm2(g_inst, 0);
	fuzz_dir_remove();
}

static void fuzz_setup(void)
{
	char sys[300];
	snprintf(sys, sizeof(sys), "%s/sys", fuzz_dir());
	if (mkdir(sys, 0700) != 0)
		abort();
	strcat(sys, "/");
	snprintf(g_path, sizeof(g_path), "%s/in.jdb", fuzz_dir());
	if (JetCreateInstance(&g_inst, "fuzzdb") < 0 ||
	    JetSetSystemParameter(&g_inst, 0, JET_paramSystemPath, 0, sys) < 0 ||
	    JetSetSystemParameter(&g_inst, 0, JET_paramLogFilePath, 0, sys) < 0 ||
	    JetSetSystemParameter(&g_inst, 0, JET_paramTempPath, 0, sys) < 0 ||
	    JetSetSystemParameter(&g_inst, 0, JET_paramLogFileSize, 64, NULL) < 0 ||
	    JetSetSystemParameter(&g_inst, 0, JET_paramCacheSizeMax, 256, NULL) < 0 ||
	    JetInit(&g_inst) < 0 || JetBeginSession(g_inst, &g_sess, NULL, NULL) < 0) {
		fprintf(stderr, "fuzz_dbfile: cannot start an instance\n");
		abort();
	}
	atexit(fuzz_teardown);
}

static void check_report(void *ctx, uint32_t pgno, const char *what)
{
	(void)ctx;
	(void)pgno;
	(void)what;
}

#define CK(expr) fuzz_check_err((expr), #expr)

typedef struct cat_col {
	uint32_t table;
	JET_COLUMNID id;
} cat_col;

/* Walks a table's records, retrieving the given columns of each. */
static void read_table(JET_DBID dbid, const char *name, const JET_COLUMNID *cols, size_t ncols)
{
	JET_TABLEID t;
	JET_ERR err = JetOpenTable(g_sess, dbid, name, NULL, 0, JET_bitTableReadOnly, &t);
	CK(err);
	if (err < 0)
		return;
	static uint8_t buf[70000];
	err = JetMove(g_sess, t, JET_MoveFirst, 0);
	CK(err);
	for (int moves = 0; err >= 0 && moves < MAX_MOVES; moves++) {
		for (size_t c = 0; c < ncols; c++) {
			unsigned long cb = 0;
			CK(JetRetrieveColumn(g_sess, t, cols[c], buf, sizeof(buf), &cb, 0, NULL));
			if (cb > sizeof(buf) && cb < (1u << 20)) {
				/* truncated: fine, the size said so */
			}
		}
		unsigned long cbk = 0;
		CK(JetRetrieveKey(g_sess, t, buf, 2000, &cbk, 0));
		err = JetMove(g_sess, t, JET_MoveNext, 0);
		CK(err);
	}
	/* and backwards a little, and a seek by the last key read */
	err = JetMove(g_sess, t, JET_MoveLast, 0);
	CK(err);
	for (int moves = 0; err >= 0 && moves < 50; moves++) {
		err = JetMove(g_sess, t, JET_MovePrevious, 0);
		CK(err);
	}
	CK(JetCloseTable(g_sess, t));
}

/* Reads MSysObjects, then every table it names. */
static void read_catalog(JET_DBID dbid)
{
	JET_TABLEID cat;
	JET_ERR err = JetOpenTable(g_sess, dbid, CAT_TABLE_NAME, NULL, 0, JET_bitTableReadOnly, &cat);
	CK(err);
	if (err < 0)
		return;
	char names[MAX_TABLES][256];
	uint32_t objids[MAX_TABLES];
	size_t ntables = 0, ncols = 0;
	cat_col cols[MAX_COLS];
	err = JetMove(g_sess, cat, JET_MoveFirst, 0);
	CK(err);
	for (int moves = 0; err >= 0 && moves < MAX_MOVES; moves++) {
		int16_t type = 0;
		int32_t owner = 0, id = 0;
		unsigned long cb = 0;
		char name[256];
		CK(JetRetrieveColumn(g_sess, cat, CAT_COL_TYPE, &type, sizeof(type), &cb, 0, NULL));
		CK(JetRetrieveColumn(g_sess, cat, CAT_COL_OBJIDTABLE, &owner, sizeof(owner), &cb, 0,
				     NULL));
		CK(JetRetrieveColumn(g_sess, cat, CAT_COL_ID, &id, sizeof(id), &cb, 0, NULL));
		cb = 0;
		JET_ERR e = JetRetrieveColumn(g_sess, cat, CAT_COL_NAME, name, sizeof(name) - 1, &cb,
					      0, NULL);
		CK(e);
		name[e >= 0 && cb < sizeof(name) ? cb : 0] = '\0';
		if (type == CAT_TYPE_TABLE && ntables < MAX_TABLES) {
			memcpy(names[ntables], name, sizeof(name));
			objids[ntables++] = (uint32_t)id;
		} else if (type == CAT_TYPE_COLUMN && ncols < MAX_COLS) {
			cols[ncols].table = (uint32_t)owner;
			cols[ncols++].id = (JET_COLUMNID)id;
		}
		err = JetMove(g_sess, cat, JET_MoveNext, 0);
		CK(err);
	}
	CK(JetCloseTable(g_sess, cat));
	for (size_t i = 0; i < ntables; i++) {
		JET_COLUMNID ids[MAX_COLS];
		size_t n = 0;
		for (size_t c = 0; c < ncols; c++)
			if (cols[c].table == objids[i])
				ids[n++] = cols[c].id;
		read_table(dbid, names[i], ids, n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (4u << 20))
		return 0;
	if (!g_inst)
		fuzz_setup();
	uint8_t mode = data[0];
	size_t n = size - 1;
	uint8_t *file = malloc(n ? n : 1);
	if (!file)
		abort();
	memcpy(file, data + 1, n);
	if (mode & 0x01)
		for (size_t pg = 0; (pg + 1) * FUZZ_PAGE <= n; pg++) {
			uint8_t *p = file + pg * FUZZ_PAGE;
			if (mode & 0x02)
				put_le32(p + PAGE_OFF_PGNO, (uint32_t)pg);
			page_checksum_set(p, FUZZ_PAGE);
		}
	fuzz_write_file(g_path, file, n);
	free(file);

	JET_ERR err = JetAttachDatabase(g_sess, g_path, JET_bitDbReadOnly);
	CK(err);
	if (err >= 0) {
		if (!(mode & 0x04)) {
			api_inst *ai = NULL;
			if (api_inst_get(g_inst, &ai) < 0)
				abort();
			jdb *db = eng_db_find(ai->eng, g_path);
			if (!db)
				FUZZ_FAIL("attached database not found by eng_db_find");
			fuzz_check_err(eng_db_check(db, check_report, NULL), "eng_db_check");
		}
		JET_DBID dbid;
		err = JetOpenDatabase(g_sess, g_path, NULL, &dbid, JET_bitDbReadOnly);
		CK(err);
		if (err >= 0) {
			read_catalog(dbid);
			CK(JetCloseDatabase(g_sess, dbid, 0));
		}
		err = JetDetachDatabase(g_sess, g_path);
		if (err < 0)
			FUZZ_FAIL("JetDetachDatabase of a read-only attachment: %ld", (long)err);
	}
	unlink(g_path);
	return 0;
}
