/*
 * enospc_helper.c - the C side of tests/sh/t7001-enospc.sh: fills a
 * database on a small real file system (tmpfs) until the engine reports a
 * full disk, then checks nothing committed was lost and that work resumes
 * once space is back. Only the JET API (plus eng_db_check).
 *
 *   enospc_helper fill DIR ACKED
 *       Instance folder DIR/sys, database DIR/db.jdb (created when missing,
 *       else attached). Commits (durable) transactions of 8 rows of ~1.5 KiB
 *       each, appending each acknowledged transaction's number to ACKED
 *       (which must live on another file system), until a call fails. Exit
 *       0 when that failure is JET_errDiskFull or JET_errLogDiskFull (a
 *       full disk must say so, not look like an I/O error) and, after a
 *       LogDiskFull, the next commit gives
 *       JET_errInstanceUnavailableDueToFatalLogDiskFull (a
 *       log that could not write is dead for good); 2 otherwise;
 *       3 when 100000 transactions never filled the disk. Then JetTerm,
 *       whose failure on a full disk is allowed.
 *   enospc_helper verify DIR ACKED N
 *       JetInit (recovering), attach, eng_db_check, every transaction named
 *       in ACKED present in full and nothing half present; then N more
 *       durable transactions must commit (space is back), a clean JetTerm.
 *       Exit 0 when all holds; prints what it found.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <esent.h>

#include "api_int.h"
#include "engine.h"

#define ROWS_PER_TXN 8
#define ROW_BYTES 1500
#define MAX_TXN 100000

static char g_sys[1100], g_db[1100];

#define DIE(code, ...)                                                         \
	do {                                                                   \
		fprintf(stderr, "enospc_helper: " __VA_ARGS__);                \
		fputc('\n', stderr);                                           \
		exit(code);                                                    \
	} while (0)

#define CALL(expr)                                                             \
	do {                                                                   \
		JET_ERR e_ = (expr);                                           \
		if (e_ < 0)                                                    \
			DIE(2, "%s: %ld (%s)", #expr, (long)e_, JetErrorName(e_)); \
	} while (0)

typedef struct ctx {
	JET_INSTANCE inst;
	JET_SESID s;
	JET_DBID d;
	JET_TABLEID t;
	JET_COLUMNID ctxn, crow, cdata;
} ctx;

static void row_data(uint32_t txn, uint32_t row, uint8_t *b)
{
	uint32_t x = txn * 2654435761u ^ row * 40503u;
	for (int i = 0; i < ROW_BYTES; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (uint8_t)(x >> 16);
	}
}

static JET_ERR open_all(ctx *c, bool create)
{
	JET_ERR err;
	memset(c, 0, sizeof(*c));
	CALL(JetCreateInstance(&c->inst, "enospc"));
	CALL(JetSetSystemParameter(&c->inst, 0, JET_paramSystemPath, 0, g_sys));
	CALL(JetSetSystemParameter(&c->inst, 0, JET_paramLogFilePath, 0, g_sys));
	CALL(JetSetSystemParameter(&c->inst, 0, JET_paramTempPath, 0, g_sys));
	CALL(JetSetSystemParameter(&c->inst, 0, JET_paramLogFileSize, 128, NULL));
	CALL(JetSetSystemParameter(&c->inst, 0, JET_paramCircularLog, 1, NULL));
	/* frequent checkpoints: recovery then replays little, so it fits in the
	 * space a deleted filler gives back */
	CALL(JetSetSystemParameter(&c->inst, 0, JET_paramCheckpointDepthMax, 256 * 1024, NULL));
	if ((err = JetInit(&c->inst)) < 0)
		return err;
	CALL(JetBeginSession(c->inst, &c->s, NULL, NULL));
	if (create) {
		JET_COLUMNDEF cd;
		memset(&cd, 0, sizeof(cd));
		cd.cbStruct = sizeof(cd);
		CALL(JetCreateDatabase(c->s, g_db, NULL, &c->d, 0));
		CALL(JetBeginTransaction(c->s));
		CALL(JetCreateTable(c->s, c->d, "fill", 0, 0, &c->t));
		cd.coltyp = JET_coltypLong;
		cd.grbit = JET_bitColumnFixed;
		CALL(JetAddColumn(c->s, c->t, "txn", &cd, NULL, 0, &c->ctxn));
		CALL(JetAddColumn(c->s, c->t, "row", &cd, NULL, 0, &c->crow));
		cd.coltyp = JET_coltypLongBinary;
		cd.grbit = 0;
		CALL(JetAddColumn(c->s, c->t, "data", &cd, NULL, 0, &c->cdata));
		CALL(JetCreateIndex(c->s, c->t, "pk", JET_bitIndexPrimary, "+txn\0+row\0", 11, 100));
		CALL(JetCommitTransaction(c->s, 0));
		CALL(JetCloseTable(c->s, c->t));
	} else {
		if ((err = JetAttachDatabase(c->s, g_db, 0)) < 0)
			return err;
		CALL(JetOpenDatabase(c->s, g_db, NULL, &c->d, 0));
	}
	CALL(JetOpenTable(c->s, c->d, "fill", NULL, 0, 0, &c->t));
	JET_COLUMNDEF cd;
	CALL(JetGetTableColumnInfo(c->s, c->t, "txn", &cd, sizeof(cd), JET_ColInfo));
	c->ctxn = cd.columnid;
	CALL(JetGetTableColumnInfo(c->s, c->t, "row", &cd, sizeof(cd), JET_ColInfo));
	c->crow = cd.columnid;
	CALL(JetGetTableColumnInfo(c->s, c->t, "data", &cd, sizeof(cd), JET_ColInfo));
	c->cdata = cd.columnid;
	return JET_errSuccess;
}

/* One durable transaction; returns the first error (rolled back). */
static JET_ERR txn_commit(ctx *c, uint32_t txn)
{
	JET_ERR err;
	uint8_t b[ROW_BYTES];
	if ((err = JetBeginTransaction(c->s)) < 0)
		return err;
	for (uint32_t r = 0; r < ROWS_PER_TXN; r++) {
		row_data(txn, r, b);
		if ((err = JetPrepareUpdate(c->s, c->t, JET_prepInsert)) < 0 ||
		    (err = JetSetColumn(c->s, c->t, c->ctxn, &txn, 4, 0, NULL)) < 0 ||
		    (err = JetSetColumn(c->s, c->t, c->crow, &r, 4, 0, NULL)) < 0 ||
		    (err = JetSetColumn(c->s, c->t, c->cdata, b, ROW_BYTES, 0, NULL)) < 0 ||
		    (err = JetUpdate(c->s, c->t, NULL, 0, NULL)) < 0) {
			(void)JetPrepareUpdate(c->s, c->t, JET_prepCancel);
			(void)JetRollback(c->s, JET_bitRollbackAll);
			return err;
		}
	}
	err = JetCommitTransaction(c->s, 0);
	if (err < 0)
		(void)JetRollback(c->s, JET_bitRollbackAll);
	return err;
}

/* The highest transaction number in the table (0: none). */
static uint32_t txn_max(ctx *c)
{
	uint32_t m = 0, v;
	unsigned long cb;
	if (JetMove(c->s, c->t, JET_MoveLast, 0) >= 0 &&
	    JetRetrieveColumn(c->s, c->t, c->ctxn, &v, 4, &cb, 0, NULL) >= 0)
		m = v;
	return m;
}

static int do_fill(const char *acked_path)
{
	ctx c;
	struct stat st;
	bool create = stat(g_db, &st) != 0;
	CALL(open_all(&c, create));
	FILE *acked = fopen(acked_path, "a");
	if (!acked)
		DIE(2, "%s: cannot append", acked_path);
	uint32_t txn = txn_max(&c) + 1;
	JET_ERR err = 0, first = 0;
	unsigned n;
	for (n = 0; n < MAX_TXN; n++, txn++) {
		err = txn_commit(&c, txn);
		if (err < 0)
			break;
		fprintf(acked, "%u\n", txn);
		fflush(acked);
	}
	fclose(acked);
	first = err;
	printf("fill: %u transactions committed, then %ld (%s)\n", n, (long)err,
	       JetErrorName(err));
	/* After a disk-full from the log, the log is dead: later calls say so. */
	bool dead_ok = true;
	if (err == JET_errLogDiskFull) {
		err = txn_commit(&c, txn);
		printf("fill: the next commit: %ld (%s)\n", (long)err, JetErrorName(err));
		dead_ok = err == JET_errInstanceUnavailableDueToFatalLogDiskFull;
	}
	int rc = n == MAX_TXN ? 3
		 : (first == JET_errDiskFull || first == JET_errLogDiskFull) && dead_ok ? 0
											  : 2;
	JET_ERR term = JetTerm(c.inst);
	printf("fill: JetTerm: %ld (%s)\n", (long)term, JetErrorName(term));
	return rc;
}

static void check_report(void *p, uint32_t pgno, const char *what)
{
	(void)p;
	fprintf(stderr, "eng_db_check: page %u: %s\n", pgno, what);
}

static int do_verify(const char *acked_path, unsigned more)
{
	ctx c;
	JET_ERR err = open_all(&c, false);
	if (err < 0)
		DIE(1, "reopening (recovery) after the full disk: %ld (%s)", (long)err,
		    JetErrorName(err));
	api_inst *ai = NULL;
	CALL(api_inst_get(c.inst, &ai));
	jdb *db = eng_db_find(ai->eng, g_db);
	if (!db)
		DIE(1, "eng_db_find");
	err = eng_db_check(db, check_report, NULL);
	if (err != 0)
		DIE(1, "eng_db_check: %ld (%s)", (long)err, JetErrorName(err));
	/* Count rows per transaction; every transaction all or nothing. */
	uint32_t max = txn_max(&c);
	uint32_t *rows = calloc((size_t)max + 2, sizeof(*rows));
	if (!rows)
		DIE(2, "out of memory");
	uint8_t b[ROW_BYTES], want[ROW_BYTES];
	unsigned long cb;
	err = JetMove(c.s, c.t, JET_MoveFirst, 0);
	while (err >= 0) {
		uint32_t txn = 0, r = 0;
		CALL(JetRetrieveColumn(c.s, c.t, c.ctxn, &txn, 4, &cb, 0, NULL));
		CALL(JetRetrieveColumn(c.s, c.t, c.crow, &r, 4, &cb, 0, NULL));
		CALL(JetRetrieveColumn(c.s, c.t, c.cdata, b, sizeof(b), &cb, 0, NULL));
		row_data(txn, r, want);
		if (txn > max || cb != ROW_BYTES || memcmp(b, want, ROW_BYTES) != 0)
			DIE(1, "transaction %u row %u: wrong data", txn, r);
		rows[txn]++;
		err = JetMove(c.s, c.t, JET_MoveNext, 0);
	}
	if (err != JET_errNoCurrentRecord)
		DIE(1, "reading: %ld", (long)err);
	unsigned present = 0;
	for (uint32_t i = 1; i <= max; i++) {
		if (rows[i] != 0 && rows[i] != ROWS_PER_TXN)
			DIE(1, "transaction %u is half there: %u rows", i, rows[i]);
		present += rows[i] != 0;
	}
	FILE *acked = fopen(acked_path, "r");
	unsigned nacked = 0, txn;
	while (acked && fscanf(acked, "%u", &txn) == 1) {
		if (txn > max || rows[txn] != ROWS_PER_TXN)
			DIE(1, "acknowledged transaction %u is missing", txn);
		nacked++;
	}
	if (acked)
		fclose(acked);
	free(rows);
	printf("verify: %u transactions present, all %u acknowledged among them\n", present,
	       nacked);
	for (unsigned i = 0; i < more; i++) {
		err = txn_commit(&c, max + 1 + i);
		if (err < 0)
			DIE(1, "space is back but transaction %u of %u fails: %ld (%s)", i + 1, more,
			    (long)err, JetErrorName(err));
	}
	printf("verify: %u more transactions committed\n", more);
	CALL(JetCloseTable(c.s, c.t));
	CALL(JetEndSession(c.s, 0));
	CALL(JetTerm(c.inst));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[1], "fill") != 0 && strcmp(argv[1], "verify") != 0) ||
	    (strcmp(argv[1], "verify") == 0 && argc < 5)) {
		fprintf(stderr, "usage: enospc_helper fill DIR ACKED | verify DIR ACKED N\n");
		return 2;
	}
	snprintf(g_sys, sizeof(g_sys), "%s/sys/", argv[2]);
	snprintf(g_db, sizeof(g_db), "%s/db.jdb", argv[2]);
	mkdir(argv[2], 0700);
	mkdir(g_sys, 0700);
	if (strcmp(argv[1], "fill") == 0)
		return do_fill(argv[3]);
	return do_verify(argv[3], (unsigned)strtoul(argv[4], NULL, 10));
}
