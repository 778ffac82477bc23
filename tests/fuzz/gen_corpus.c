/*
 * gen_corpus.c - writes the seed inputs of the dbfile and log fuzz targets:
 * small databases (4 KiB pages) and the log generations that made them,
 * built through the JET API.
 *
 *   gen_corpus OUTDIR
 *
 * writes OUTDIR/dbfile/seed-* (a mode byte, then the database file) and
 * OUTDIR/log/seed-* (three control bytes, then a generation file cut after
 * its last nonzero 512-byte sector). The committed corpora under
 * tests/fuzz/corpus/ were made by it (then minimized and extended by
 * fuzzing); run it again after an on-disk format change.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jet.h"

static char g_out[512], g_work[512];
static unsigned g_nfiles;

#define CALL(expr)                                                             \
	do {                                                                   \
		JET_ERR e_ = (expr);                                           \
		if (e_ < 0) {                                                  \
			fprintf(stderr, "%s:%d: %s: %ld\n", __FILE__, __LINE__, \
				#expr, (long)e_);                              \
			exit(1);                                               \
		}                                                              \
	} while (0)

static uint8_t *slurp(const char *path, size_t *pn)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n + 1);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	fclose(f);
	*pn = (size_t)n;
	return b;
}

static void emit(const char *kind, const char *name, const uint8_t *prefix, size_t np,
		 const uint8_t *body, size_t nb)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/%s/seed-%s", g_out, kind, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(prefix, 1, np, f) != np || (nb && fwrite(body, 1, nb, f) != nb) ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	g_nfiles++;
}

static JET_INSTANCE start(void)
{
	JET_INSTANCE inst = 0;
	char sys[600];
	snprintf(sys, sizeof(sys), "%s/", g_work);
	CALL(JetCreateInstance(&inst, "gen"));
	CALL(JetSetSystemParameter(&inst, 0, JET_paramSystemPath, 0, sys));
	CALL(JetSetSystemParameter(&inst, 0, JET_paramLogFilePath, 0, sys));
	CALL(JetSetSystemParameter(&inst, 0, JET_paramTempPath, 0, sys));
	CALL(JetSetSystemParameter(&inst, 0, JET_paramLogFileSize, 64, NULL));
	CALL(JetSetSystemParameter(&inst, 0, JET_paramDatabasePageSize, 4096, NULL));
	CALL(JetInit(&inst));
	return inst;
}

static void add_col(JET_SESID s, JET_TABLEID t, const char *name, JET_COLTYP typ, JET_GRBIT g,
		    JET_COLUMNID *pc)
{
	JET_COLUMNDEF cd;
	memset(&cd, 0, sizeof(cd));
	cd.cbStruct = sizeof(cd);
	cd.coltyp = typ;
	cd.grbit = g;
	CALL(JetAddColumn(s, t, name, &cd, NULL, 0, pc));
}

/* A table of nrows rows: Long id (indexed), Text name, Binary blob,
 * LongText note (tagged; every 7th row a long one), multi-valued Long. */
static void make_table(JET_SESID s, JET_DBID d, const char *name, int nrows, int big)
{
	JET_TABLEID t;
	JET_COLUMNID cid, cname, cblob, cnote, cmv;
	CALL(JetBeginTransaction(s));
	CALL(JetCreateTable(s, d, name, 0, 0, &t));
	add_col(s, t, "id", JET_coltypLong, JET_bitColumnFixed, &cid);
	add_col(s, t, "name", JET_coltypText, 0, &cname);
	add_col(s, t, "blob", JET_coltypBinary, 0, &cblob);
	add_col(s, t, "note", JET_coltypLongText, JET_bitColumnTagged, &cnote);
	add_col(s, t, "mv", JET_coltypLong, JET_bitColumnTagged | JET_bitColumnMultiValued, &cmv);
	CALL(JetCreateIndex(s, t, "byid", JET_bitIndexPrimary, "+id\0", 5, 100));
	CALL(JetCreateIndex(s, t, "byname", 0, "+name\0-id\0", 11, 100));
	CALL(JetCommitTransaction(s, 0));
	static char note[6000];
	memset(note, 'n', sizeof(note));
	for (int i = 0; i < nrows; i++) {
		char nm[32];
		int32_t id = i * 3 + 1;
		snprintf(nm, sizeof(nm), "row %d", i);
		CALL(JetBeginTransaction(s));
		CALL(JetPrepareUpdate(s, t, JET_prepInsert));
		CALL(JetSetColumn(s, t, cid, &id, 4, 0, NULL));
		CALL(JetSetColumn(s, t, cname, nm, (unsigned long)strlen(nm), 0, NULL));
		CALL(JetSetColumn(s, t, cblob, nm, 4, 0, NULL));
		if (i % 7 == 0)
			CALL(JetSetColumn(s, t, cnote, note, big && i % 14 == 0 ? 1800 : 40, 0, NULL));
		for (int k = 0; k < i % 3; k++) {
			int32_t v = i + k;
			JET_SETINFO si = {sizeof(si), 0, 0};
			CALL(JetSetColumn(s, t, cmv, &v, 4, 0, &si));
		}
		CALL(JetUpdate(s, t, NULL, 0, NULL));
		CALL(JetCommitTransaction(s, i % 5 == 0 ? 0 : JET_bitCommitLazyFlush));
	}
	/* some deletes and a replace */
	CALL(JetBeginTransaction(s));
	CALL(JetMove(s, t, JET_MoveFirst, 0));
	for (int i = 0; i < nrows / 4; i++) {
		CALL(JetDelete(s, t));
		if (JetMove(s, t, 2, 0) < 0)
			break;
	}
	if (JetMove(s, t, JET_MoveFirst, 0) >= 0) {
		CALL(JetPrepareUpdate(s, t, JET_prepReplace));
		CALL(JetSetColumn(s, t, cname, "replaced", 8, 0, NULL));
		CALL(JetUpdate(s, t, NULL, 0, NULL));
	}
	CALL(JetCommitTransaction(s, 0));
	CALL(JetCloseTable(s, t));
}

static void rm_work(void)
{
	DIR *d = opendir(g_work);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char p[1200];
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", g_work, e->d_name);
		unlink(p);
	}
	closedir(d);
}

/* Emits every log generation of the work folder, cut after its last
 * nonzero sector, with a few control prefixes. */
static void emit_logs(const char *tag)
{
	for (unsigned g = 1; g < 64; g++) {
		char p[1200], nm[128];
		snprintf(p, sizeof(p), "%s/edb%08X.log", g_work, g);
		size_t n;
		uint8_t *b = slurp(p, &n);
		if (!b)
			continue;
		size_t end = 0;
		for (size_t i = 0; i < n; i++)
			if (b[i])
				end = i + 1;
		end = (end + 511) / 512 * 512;
		if (end > n)
			end = n;
		static const uint8_t prefixes[][3] = {{0, 0, 0}, {0x08, 0, 0}, {0x03, 0, 0},
						      {0x0f, 40, 0}};
		for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++) {
			if (g > 1 && k > 1)
				break;
			snprintf(nm, sizeof(nm), "%s-gen%u-mode%02x", tag, g, prefixes[k][0]);
			emit("log", nm, prefixes[k], 3, b, end);
		}
		free(b);
	}
}

static void emit_db(const char *tag, const char *path)
{
	size_t n;
	uint8_t *b = slurp(path, &n);
	if (!b) {
		perror(path);
		exit(1);
	}
	static const uint8_t modes[] = {0x00, 0x01, 0x03, 0x05};
	for (size_t k = 0; k < sizeof(modes); k++) {
		char nm[128];
		snprintf(nm, sizeof(nm), "%s-mode%02x", tag, modes[k]);
		emit("dbfile", nm, &modes[k], 1, b, n);
	}
	free(b);
}

/* One scenario: a database with `ntables` tables of `nrows` rows. */
static void scenario(const char *tag, int ntables, int nrows, int big)
{
	char db[1200];
	rm_work();
	snprintf(db, sizeof(db), "%s/s.jdb", g_work);
	JET_INSTANCE inst = start();
	JET_SESID s;
	JET_DBID d;
	CALL(JetBeginSession(inst, &s, NULL, NULL));
	CALL(JetCreateDatabase(s, db, NULL, &d, 0));
	for (int i = 0; i < ntables; i++) {
		char tn[16];
		snprintf(tn, sizeof(tn), "t%d", i);
		make_table(s, d, tn, nrows, big);
	}
	CALL(JetCloseDatabase(s, d, 0));
	CALL(JetEndSession(s, 0));
	/* the logs before the clean shutdown's records */
	emit_logs(tag);
	CALL(JetTerm(inst));
	emit_db(tag, db);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	snprintf(g_out, sizeof(g_out), "%s", argv[1]);
	snprintf(g_work, sizeof(g_work), "%s/work", argv[1]);
	char p[600];
	mkdir(g_out, 0755);
	snprintf(p, sizeof(p), "%s/dbfile", g_out);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/log", g_out);
	mkdir(p, 0755);
	if (mkdir(g_work, 0700) != 0 && errno != EEXIST) {
		perror(g_work);
		return 1;
	}
	scenario("empty", 0, 0, 0);
	scenario("small", 1, 12, 0);
	scenario("two", 2, 40, 0);
	scenario("long", 1, 30, 1);
	rm_work();
	rmdir(g_work);
	printf("gen_corpus: %u files in %s\n", g_nfiles, g_out);
	return 0;
}
