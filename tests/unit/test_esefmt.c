/*
 * test_esefmt.c - the reader of Microsoft ESE files (src/esefmt.c) over the
 * real samples in ../shared/data/ese-samples (ESE_SAMPLES_DIR, or the
 * environment's JET_ESE_SAMPLES): every page verifies, every table opens and
 * reads to its end; where Debian's esedbexport (libesedb-utils) is
 * installed, row counts and values equal its output table by table.
 * Corrupted copies (a flipped byte in a leaf, a truncated file, zeroed
 * headers) give JET_errReadVerifyFailure / JET_errDatabaseCorrupted, never a
 * crash. Without the samples the program exits 77 (SKIP).
 *
 * Documented differences from esedbexport, not compared: DateTime (it
 * guesses FILETIME vs OLE date and prints its own text), IEEESingle and
 * IEEEDouble (its own float text), Currency, values of multi-valued
 * columns (it prints raw bytes), NULL fixed columns (it ignores the NULL
 * bitmap and prints the stale bytes), and tables of a database it cannot
 * open (qmgr.db: it rejects the header checksum).
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cursor.h"
#include "esefmt.h"

#ifndef ESE_SAMPLES_DIR
#define ESE_SAMPLES_DIR "../shared/data/ese-samples"
#endif
#define ESEDBEXPORT "/usr/bin/esedbexport"

static const char *samples_dir(void)
{
	const char *e = getenv("JET_ESE_SAMPLES");
	return e && *e ? e : ESE_SAMPLES_DIR;
}

static const char *const sample_names[] = {
	"SRUDB.dat",
	"qmgr.db",
	"UAL-HyperV-PC/Current.mdb",
	"UAL-HyperV-PC/SystemIdentity.mdb",
	"UAL-HyperV-PC/{03A01CC5-91BB-4936-B685-63697785D39E}.mdb",
	"UAL-Nondomain-User/Current.mdb",
	"UAL-Nondomain-User/SystemIdentity.mdb",
	"UAL-Nondomain-User/{03A01CC5-91BB-4936-B685-63697785D39E}.mdb",
};
#define NSAMPLES (sizeof(sample_names) / sizeof(sample_names[0]))

static void sample_path(size_t i, char *buf, size_t cb)
{
	snprintf(buf, cb, "%s/%s", samples_dir(), sample_names[i]);
}

static char tmpdir[256];

static void make_tmpdir(void)
{
	if (tmpdir[0])
		return;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_esefmt.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		exit(EXIT_FAILURE);
	}
}

/* ------------------------------------------------------------------ */
/* every sample: pages verify, every table reads                      */
/* ------------------------------------------------------------------ */

static JET_ERR read_table(ese_db *db, const ese_table *t, uint64_t *prows)
{
	ese_cursor *c = NULL;
	JET_ERR err = ese_cursor_open(db, t, &c);
	uint64_t n = 0;
	if (err < 0)
		return err;
	for (err = ese_cursor_first(c); err >= 0; err = ese_cursor_next(c)) {
		n++;
		for (uint32_t k = 0; k < t->ncols; k++) {
			uint32_t cnt = 0;
			err = ese_cursor_value_count(c, t->cols[k].id, &cnt);
			if (err < 0)
				goto done;
			for (uint32_t it = 1; it <= cnt; it++) {
				const void *pv;
				size_t cb;
				err = ese_cursor_value(c, t->cols[k].id, it, &pv, &cb);
				if (err < 0)
					goto done;
			}
		}
	}
	if (err == JET_errNoCurrentRecord)
		err = JET_errSuccess;
done:
	*prows = n;
	ese_cursor_close(c);
	return err;
}

START_TEST(test_sample_reads)
{
	char path[512];
	sample_path((size_t)_i, path, sizeof(path));
	ese_db *db = NULL;
	ck_assert_int_eq(ese_open(os_vfs_posix(), path, &db), JET_errSuccess);
	const ese_info *in = ese_db_info(db);
	ck_assert_uint_eq(in->format_version, 0x620);
	ck_assert(!in->from_shadow);
	uint32_t np = 0, bad = 0, first = 0;
	ck_assert_int_eq(ese_verify_all(db, &np, &bad, &first), JET_errSuccess);
	ck_assert_uint_gt(np, 0);
	ck_assert_msg(bad == 0, "%s: %u pages fail verification (first %u)", path, bad, first);
	ck_assert_uint_ge(ese_table_count(db), 2);
	const ese_table *cat = NULL;
	ck_assert_int_eq(ese_table_find(db, "MSysObjects", &cat), JET_errSuccess);
	for (uint32_t i = 0; i < ese_table_count(db); i++) {
		const ese_table *t = ese_table_at(db, i);
		uint64_t rows = 0;
		JET_ERR err = read_table(db, t, &rows);
		ck_assert_msg(err == JET_errSuccess, "%s: table %s: %ld", path, t->name, (long)err);
	}
	uint64_t catrows = 0;
	ck_assert_int_eq(read_table(db, cat, &catrows), JET_errSuccess);
	ck_assert_uint_gt(catrows, 20);
	ese_close(db);
}
END_TEST

/* A seek on the primary key finds each record again. */
START_TEST(test_seek_every_key)
{
	char path[512];
	sample_path(0, path, sizeof(path));
	ese_db *db = NULL;
	ck_assert_int_eq(ese_open(os_vfs_posix(), path, &db), JET_errSuccess);
	const ese_table *t = NULL;
	ck_assert_int_eq(ese_table_find(db, "SruDbIdMapTable", &t), JET_errSuccess);
	ese_cursor *a = NULL, *b = NULL;
	ck_assert_int_eq(ese_cursor_open(db, t, &a), JET_errSuccess);
	ck_assert_int_eq(ese_cursor_open(db, t, &b), JET_errSuccess);
	uint64_t n = 0;
	JET_ERR err;
	for (err = ese_cursor_first(a); err >= 0; err = ese_cursor_next(a), n++) {
		const void *k1, *k2, *r1, *r2;
		size_t c1, c2, cr1, cr2;
		ck_assert_int_eq(ese_cursor_key(a, &k1, &c1), JET_errSuccess);
		ck_assert_int_eq(ese_cursor_seek(b, k1, c1), JET_errSuccess);
		ck_assert_int_eq(ese_cursor_key(b, &k2, &c2), JET_errSuccess);
		ck_assert_uint_eq(c1, c2);
		ck_assert(memcmp(k1, k2, c1) == 0);
		ck_assert_int_eq(ese_cursor_record(a, &r1, &cr1), JET_errSuccess);
		ck_assert_int_eq(ese_cursor_record(b, &r2, &cr2), JET_errSuccess);
		ck_assert_uint_eq(cr1, cr2);
		ck_assert(memcmp(r1, r2, cr1) == 0);
	}
	ck_assert_int_eq(err, JET_errNoCurrentRecord);
	ck_assert_uint_eq(n, 1141);
	/* Backwards gives the same count. */
	uint64_t m = 0;
	for (err = ese_cursor_last(a); err >= 0; err = ese_cursor_prev(a))
		m++;
	ck_assert_int_eq(err, JET_errNoCurrentRecord);
	ck_assert_uint_eq(m, n);
	/* Past the last key. */
	static const uint8_t high[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	ck_assert_int_eq(ese_cursor_seek(b, high, sizeof(high)), JET_errRecordNotFound);
	ese_cursor_close(a);
	ese_cursor_close(b);
	ese_close(db);
}
END_TEST

/* ------------------------------------------------------------------ */
/* through the JET API                                                */
/* ------------------------------------------------------------------ */

START_TEST(test_jet_api)
{
	char path[512], sys[600];
	sample_path(0, path, sizeof(path));
	snprintf(sys, sizeof(sys), "%s/sys%d/", tmpdir, (int)getpid());
	ck_assert_int_eq(mkdir(sys, 0700), 0);
	JET_INSTANCE inst = 0;
	JET_SESID ses = 0;
	JET_DBID dbid = 0;
	JET_TABLEID t = 0;
	ck_assert_int_eq(JetCreateInstance(&inst, "ese"), JET_errSuccess);
	ck_assert_int_eq(JetSetSystemParameter(&inst, 0, JET_paramSystemPath, 0, sys), 0);
	ck_assert_int_eq(JetSetSystemParameter(&inst, 0, JET_paramLogFilePath, 0, sys), 0);
	ck_assert_int_eq(JetSetSystemParameter(&inst, 0, JET_paramTempPath, 0, sys), 0);
	ck_assert_int_eq(JetInit(&inst), JET_errSuccess);
	ck_assert_int_eq(JetBeginSession(inst, &ses, NULL, NULL), JET_errSuccess);
	/* Writable: refused. Read-only: attached. */
	ck_assert_int_eq(JetAttachDatabase(ses, path, 0), JET_errDatabaseFileReadOnly);
	ck_assert_int_eq(JetAttachDatabase(ses, path, JET_bitDbReadOnly), JET_errSuccess);
	ck_assert_int_eq(JetAttachDatabase(ses, path, JET_bitDbReadOnly), JET_wrnDatabaseAttached);
	ck_assert_int_eq(JetOpenDatabase(ses, path, NULL, &dbid, JET_bitDbReadOnly), JET_errSuccess);
	unsigned long ps = 0;
	ck_assert_int_eq(JetGetDatabaseInfo(ses, dbid, &ps, sizeof(ps), JET_DbInfoPageSize), 0);
	ck_assert_uint_eq(ps, 4096);
	ck_assert_int_eq(JetOpenTable(ses, dbid, "NoSuchTable", NULL, 0, 0, &t), JET_errObjectNotFound);
	ck_assert_int_eq(JetOpenTable(ses, dbid, "SruDbIdMapTable", NULL, 0, JET_bitTableUpdatable, &t),
			 JET_errDatabaseFileReadOnly);
	ck_assert_int_eq(JetOpenTable(ses, dbid, "SruDbIdMapTable", NULL, 0, 0, &t), JET_errSuccess);
	JET_COLUMNDEF cd;
	ck_assert_int_eq(JetGetTableColumnInfo(ses, t, "IdIndex", &cd, sizeof(cd), JET_ColInfo), 0);
	ck_assert_uint_eq(cd.coltyp, JET_coltypLong);
	JET_COLUMNID idIndex = cd.columnid;
	ck_assert_int_eq(JetGetTableColumnInfo(ses, t, "IdBlob", &cd, sizeof(cd), JET_ColInfo), 0);
	JET_COLUMNID idBlob = cd.columnid;
	/* Reads not done yet on an ESE file say so, not "read-only". */
	char tname[JET_cbNameMost + 1];
	ck_assert_int_eq(JetGetTableInfo(ses, t, tname, sizeof(tname), JET_TblInfoName), 0);
	ck_assert_str_eq(tname, "SruDbIdMapTable");
	uint64_t info[32] = {0};
	ck_assert_int_eq(JetGetTableInfo(ses, t, info, sizeof(info), JET_TblInfo), JET_errFeatureNotAvailable);
	ck_assert_int_eq(JetGetTableIndexInfo(ses, t, NULL, info, sizeof(info), JET_IdxInfoList),
			 JET_errFeatureNotAvailable);
	ck_assert_int_eq(JetGetTableColumnInfo(ses, t, NULL, info, sizeof(info), JET_ColInfoList),
			 JET_errFeatureNotAvailable);
	/* Every row, in key order (IdIndex ascending), as the reader sees it. */
	unsigned long n = 0;
	long prev = -1;
	JET_ERR err;
	for (err = JetMove(ses, t, JET_MoveFirst, 0); err >= 0; err = JetMove(ses, t, JET_MoveNext, 0)) {
		int32_t v = 0;
		unsigned long cb = 0;
		ck_assert_int_eq(JetRetrieveColumn(ses, t, idIndex, &v, sizeof(v), &cb, 0, NULL), 0);
		ck_assert_uint_eq(cb, 4);
		ck_assert_int_gt(v, prev);
		prev = v;
		n++;
	}
	ck_assert_int_eq(err, JET_errNoCurrentRecord);
	ck_assert_uint_eq(n, 1141);
	/* Seek on the primary index (IdIndex): row 5's blob is a UTF-16 text. */
	int32_t key = 5;
	ck_assert_int_eq(JetMakeKey(ses, t, &key, sizeof(key), JET_bitNewKey), 0);
	ck_assert_int_eq(JetSeek(ses, t, JET_bitSeekEQ), JET_errSuccess);
	uint8_t blob[512];
	unsigned long cbBlob = 0;
	ck_assert_int_ge(JetRetrieveColumn(ses, t, idBlob, blob, sizeof(blob), &cbBlob, 0, NULL), 0);
	ck_assert_uint_gt(cbBlob, 10);
	ck_assert(blob[0] == '!' && blob[1] == 0 && blob[2] == '!');
	/* The same value through the long-value path (kept out of the
	 * re-encoded record), whole and from an offset. */
	cursor_ese_inline_max = 8;
	ck_assert_int_eq(JetMove(ses, t, JET_MoveNext, 0), JET_errSuccess);
	ck_assert_int_eq(JetMove(ses, t, JET_MovePrevious, 0), JET_errSuccess);
	uint8_t blob2[512];
	unsigned long cb2 = 0;
	ck_assert_int_ge(JetRetrieveColumn(ses, t, idBlob, blob2, sizeof(blob2), &cb2, 0, NULL), 0);
	ck_assert_uint_eq(cb2, cbBlob);
	ck_assert(memcmp(blob, blob2, cbBlob) == 0);
	JET_RETINFO ri = {sizeof(ri), 6, 1, 0};
	ck_assert_int_eq(JetRetrieveColumn(ses, t, idBlob, blob2, 4, &cb2, 0, &ri), JET_wrnBufferTruncated);
	ck_assert_uint_eq(cb2, cbBlob - 6);
	ck_assert(memcmp(blob + 6, blob2, 4) == 0);
	cursor_ese_inline_max = 1024;
	/* Bookmarks: the primary key; going back finds the same record. */
	uint8_t bm[64];
	unsigned long cbBm = 0;
	ck_assert_int_eq(JetGetBookmark(ses, t, bm, sizeof(bm), &cbBm), JET_errSuccess);
	ck_assert_int_eq(JetMove(ses, t, JET_MoveLast, 0), JET_errSuccess);
	ck_assert_int_eq(JetGotoBookmark(ses, t, bm, cbBm), JET_errSuccess);
	int32_t back = 0;
	unsigned long cbBack = 0;
	ck_assert_int_eq(JetRetrieveColumn(ses, t, idIndex, &back, sizeof(back), &cbBack, 0, NULL), 0);
	ck_assert_int_eq(back, 5);
	bm[1] ^= 0x7f; /* IdIndex about 2^31: no such record */
	ck_assert_int_eq(JetGotoBookmark(ses, t, bm, cbBm), JET_errRecordDeleted);
	key = 100000;
	ck_assert_int_eq(JetMakeKey(ses, t, &key, sizeof(key), JET_bitNewKey), 0);
	ck_assert_int_eq(JetSeek(ses, t, JET_bitSeekEQ), JET_errRecordNotFound);
	ck_assert_int_eq(JetMakeKey(ses, t, &key, sizeof(key), JET_bitNewKey), 0);
	ck_assert_int_eq(JetSeek(ses, t, JET_bitSeekLE), JET_wrnSeekNotEqual);
	/* Any write: the file is read-only. */
	ck_assert_int_eq(JetPrepareUpdate(ses, t, JET_prepInsert), JET_errDatabaseFileReadOnly);
	ck_assert_int_eq(JetDelete(ses, t), JET_errDatabaseFileReadOnly);
	JET_TABLEID t2 = 0;
	ck_assert_int_eq(JetCreateTable(ses, dbid, "New", 0, 0, &t2), JET_errDatabaseFileReadOnly);
	/* Long values over the inline limit come through the LV path, with
	 * an offset. */
	JET_TABLEID tl = 0;
	ck_assert_int_eq(JetOpenTable(ses, dbid, "MSysObjects", NULL, 0, 0, &tl), JET_errSuccess);
	ck_assert_int_eq(JetMove(ses, tl, JET_MoveFirst, 0), JET_errSuccess);
	ck_assert_int_eq(JetCloseTable(ses, tl), JET_errSuccess);
	ck_assert_int_eq(JetCloseDatabase(ses, dbid, 0), JET_errTableInUse);
	ck_assert_int_eq(JetCloseTable(ses, t), JET_errSuccess);
	ck_assert_int_eq(JetCloseDatabase(ses, dbid, 0), JET_errSuccess);
	ck_assert_int_eq(JetDetachDatabase(ses, path), JET_errSuccess);
	ck_assert_int_eq(JetEndSession(ses, 0), JET_errSuccess);
	ck_assert_int_eq(JetTerm(inst), JET_errSuccess);
}
END_TEST

/* A dirty file (qmgr.db, 16 KiB pages) attaches as it is, with a warning. */
START_TEST(test_jet_api_dirty)
{
	char path[512], sys[600];
	sample_path(1, path, sizeof(path));
	snprintf(sys, sizeof(sys), "%s/sysd%d/", tmpdir, (int)getpid());
	ck_assert_int_eq(mkdir(sys, 0700), 0);
	JET_INSTANCE inst = 0;
	JET_SESID ses = 0;
	JET_DBID dbid = 0;
	JET_TABLEID t = 0;
	ck_assert_int_eq(JetCreateInstance(&inst, "esed"), JET_errSuccess);
	ck_assert_int_eq(JetSetSystemParameter(&inst, 0, JET_paramSystemPath, 0, sys), 0);
	ck_assert_int_eq(JetSetSystemParameter(&inst, 0, JET_paramLogFilePath, 0, sys), 0);
	ck_assert_int_eq(JetSetSystemParameter(&inst, 0, JET_paramTempPath, 0, sys), 0);
	ck_assert_int_eq(JetInit(&inst), JET_errSuccess);
	ck_assert_int_eq(JetBeginSession(inst, &ses, NULL, NULL), JET_errSuccess);
	ck_assert_int_eq(JetAttachDatabase(ses, path, JET_bitDbReadOnly), JET_wrnDatabaseRepaired);
	ck_assert_int_eq(JetOpenDatabase(ses, path, NULL, &dbid, JET_bitDbReadOnly), JET_errSuccess);
	ck_assert_int_eq(JetOpenTable(ses, dbid, "MSysObjects", NULL, 0, 0, &t), JET_errSuccess);
	/* MSysObjects is ESE's catalog in our layout: table rows first,
	 * (ObjidTable 0, Type 1, objid), then each table's columns and index. */
	unsigned long n = 0, ntables = 0;
	JET_ERR err;
	for (err = JetMove(ses, t, JET_MoveFirst, 0); err >= 0; err = JetMove(ses, t, JET_MoveNext, 0)) {
		int32_t o = -1;
		int16_t ty = 0;
		unsigned long cb;
		ck_assert_int_eq(JetRetrieveColumn(ses, t, 1, &o, sizeof(o), &cb, 0, NULL), 0);
		ck_assert_int_eq(JetRetrieveColumn(ses, t, 2, &ty, sizeof(ty), &cb, 0, NULL), 0);
		if (o == 0) {
			ck_assert_int_eq(ty, 1);
			ck_assert_uint_eq(n, ntables); /* table rows come first */
			ntables++;
		}
		n++;
	}
	ck_assert_int_eq(err, JET_errNoCurrentRecord);
	ck_assert_uint_eq(ntables, 2); /* MSysObjects, MSysObjectsShadow on disk */
	ck_assert_uint_gt(n, 40);
	/* Left open: JetTerm closes the table, the session and the file. */
	ck_assert_int_eq(JetTerm(inst), JET_errSuccess);
}
END_TEST

/* ------------------------------------------------------------------ */
/* against esedbexport                                                */
/* ------------------------------------------------------------------ */

/* esedbexport's text of a value, for the types compared (else NULL). */
static char *peer_text(const ese_column *col, const uint8_t *p, size_t cb)
{
	size_t cap = cb * 4 + 64;
	char *s = malloc(cap), *o = s;
	switch (col->coltyp) {
	case JET_coltypBit:
		snprintf(s, cap, "%s", cb && p[0] ? "true" : "false");
		return s;
	case JET_coltypUnsignedByte:
		snprintf(s, cap, "%u", cb ? p[0] : 0);
		return s;
	case JET_coltypShort:
		snprintf(s, cap, "%d", (int16_t)get_le16(p));
		return s;
	case JET_coltypUnsignedShort:
		snprintf(s, cap, "%u", get_le16(p));
		return s;
	case JET_coltypLong:
		snprintf(s, cap, "%d", (int32_t)get_le32(p));
		return s;
	case JET_coltypUnsignedLong:
		snprintf(s, cap, "%u", get_le32(p));
		return s;
	case JET_coltypLongLong:
		snprintf(s, cap, "%" PRId64, (int64_t)get_le64(p));
		return s;
	case JET_coltypGUID:
	case JET_coltypBinary:
	case JET_coltypLongBinary:
		for (size_t i = 0; i < cb; i++)
			o += sprintf(o, "%02x", p[i]);
		*o = 0;
		return s;
	case JET_coltypText:
	case JET_coltypLongText:
		if (col->codepage == 1200) {
			for (size_t i = 0; i + 1 < cb; i += 2) {
				uint32_t u = get_le16(p + i);
				if (u >= 0xd800 && u < 0xdc00 && i + 3 < cb) {
					uint32_t lo = get_le16(p + i + 2);
					u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
					i += 2;
				}
				if (u == 0)
					break;
				if (u == '\\') {
					*o++ = '\\';
					*o++ = '\\';
				} else if (u < 0x80) {
					*o++ = (char)u;
				} else if (u < 0x800) {
					*o++ = (char)(0xc0 | (u >> 6));
					*o++ = (char)(0x80 | (u & 0x3f));
				} else if (u < 0x10000) {
					*o++ = (char)(0xe0 | (u >> 12));
					*o++ = (char)(0x80 | ((u >> 6) & 0x3f));
					*o++ = (char)(0x80 | (u & 0x3f));
				} else {
					*o++ = (char)(0xf0 | (u >> 18));
					*o++ = (char)(0x80 | ((u >> 12) & 0x3f));
					*o++ = (char)(0x80 | ((u >> 6) & 0x3f));
					*o++ = (char)(0x80 | (u & 0x3f));
				}
			}
		} else {
			for (size_t i = 0; i < cb && p[i]; i++) {
				if (p[i] == '\\')
					*o++ = '\\';
				*o++ = (char)p[i];
			}
		}
		*o = 0;
		return s;
	default:
		free(s);
		return NULL;
	}
}

/* esedbexport's text of a FILETIME ("Oct 13, 2021 13:09:29.475892900"),
 * which it prints for LongLong columns whose names say they hold one. */
static void filetime_text(uint64_t ft, char *out, size_t cb)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	uint64_t secs = ft / 10000000u, frac = ft % 10000000u;
	int64_t days = (int64_t)(secs / 86400), rem = (int64_t)(secs % 86400);
	/* Civil date from days since 1601-01-01 (days-from-civil, inverted). */
	int64_t z = days - 134774 + 719468; /* 1601-01-01 is 134774 days before 1970 */
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(out, cb, "%s %02d, %04d %02d:%02d:%02d.%07d00", mon[m - 1], (int)d, (int)y,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)frac);
}

/* Splits line at tabs in place; returns the field count. */
static size_t split_tabs(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;
	f[n++] = p;
	while ((p = strchr(p, '\t')) && n < max) {
		*p++ = 0;
		f[n++] = p;
	}
	return n;
}

static void compare_table(ese_db *db, uint32_t ti, const char *file, const char *dbname,
			  uint64_t *pmismatch, uint64_t *pcompared)
{
	const ese_table *t = ese_table_at(db, ti);
	FILE *f = fopen(file, "r");
	ck_assert_msg(f != NULL, "%s: no esedbexport output for table %s", dbname, t->name);
	size_t cap = 1 << 20;
	char *line = malloc(cap);
	char **fields = calloc(t->ncols + 2, sizeof(*fields));
	ck_assert_ptr_nonnull(fgets(line, (int)cap, f)); /* header */
	ese_cursor *c = NULL;
	ck_assert_int_eq(ese_cursor_open(db, t, &c), JET_errSuccess);
	uint64_t row = 0;
	JET_ERR err;
	for (err = ese_cursor_first(c); err >= 0; err = ese_cursor_next(c)) {
		row++;
		ck_assert_msg(fgets(line, (int)cap, f) != NULL, "%s: %s: esedbexport has %" PRIu64
			      " rows, we have more", dbname, t->name, row - 1);
		line[strcspn(line, "\n")] = 0;
		size_t nf = split_tabs(line, fields, t->ncols + 1);
		ck_assert_msg(nf == t->ncols, "%s: %s row %" PRIu64 ": %zu fields, %u columns", dbname,
			      t->name, row, nf, t->ncols);
		for (uint32_t k = 0; k < t->ncols; k++) {
			const ese_column *col = &t->cols[k];
			uint32_t cnt = 0;
			ck_assert_int_ge(ese_cursor_value_count(c, col->id, &cnt), 0);
			if (cnt > 1)
				continue; /* multi-valued: esedbexport prints raw bytes */
			const void *pv = NULL;
			size_t cb = 0;
			if (cnt == 1)
				ck_assert_int_ge(ese_cursor_value(c, col->id, 1, &pv, &cb), 0);
			/* esedbexport ignores the fixed columns' NULL bitmap and prints
			 * whatever stale bytes lie under a NULL fixed column. */
			if (cnt == 0 && col->id < 128)
				continue;
			char *ours = cnt ? peer_text(col, pv, cb) : strdup("");
			if (!ours) {
				/* Not compared by value; both sides agree on NULL. */
				if ((cnt == 0) != (fields[k][0] == 0)) {
					fprintf(stderr, "%s: %s row %" PRIu64 " %s: null %d vs '%s'\n", dbname,
						t->name, row, col->name, cnt == 0, fields[k]);
					(*pmismatch)++;
				}
				continue;
			}
			(*pcompared)++;
			if (col->coltyp == JET_coltypLongLong && cb == 8 &&
			    ((fields[k][0] >= 'A' && fields[k][0] <= 'Z') || fields[k][0] == '(')) {
				free(ours);
				ours = malloc(64);
				if (fields[k][0] == '(')
					snprintf(ours, 64, "(0x%08x 0x%08x)", get_le32(pv), get_le32((const uint8_t *)pv + 4));
				else
					filetime_text(get_le64(pv), ours, 64);
			}
			if (strcmp(ours, fields[k])) {
				if (*pmismatch < 400)
					fprintf(stderr, "%s: %s row %" PRIu64 " %s (%s): ours '%.80s' esedbexport '%.80s'\n",
						dbname, t->name, row, col->name, ese_coltyp_name(col->coltyp), ours,
						fields[k]);
				(*pmismatch)++;
			}
			free(ours);
		}
	}
	ck_assert_int_eq(err, JET_errNoCurrentRecord);
	ck_assert_msg(fgets(line, (int)cap, f) == NULL, "%s: %s: esedbexport has more than %" PRIu64
		      " rows", dbname, t->name, row);
	ese_cursor_close(c);
	free(fields);
	free(line);
	fclose(f);
}

START_TEST(test_against_esedbexport)
{
	if (access(ESEDBEXPORT, X_OK) != 0) {
		fprintf(stderr, "esedbexport not installed: comparison skipped\n");
		return;
	}
	make_tmpdir();
	char path[512], out[512], cmd[2048];
	sample_path((size_t)_i, path, sizeof(path));
	snprintf(out, sizeof(out), "%s/peer%d", tmpdir, _i);
	snprintf(cmd, sizeof(cmd), "cd '%s' && timeout 120 " ESEDBEXPORT " -t peer%d '%s' >/dev/null 2>&1",
		 tmpdir, _i, path);
	int rc = system(cmd);
	if (rc != 0) {
		/* qmgr.db: this libesedb rejects its header checksum (ours verifies). */
		fprintf(stderr, "%s: esedbexport cannot read it (status %d): not compared\n", path, rc);
		return;
	}
	ese_db *db = NULL;
	ck_assert_int_eq(ese_open(os_vfs_posix(), path, &db), JET_errSuccess);
	uint64_t mismatch = 0, compared = 0;
	for (uint32_t i = 0; i < ese_table_count(db); i++) {
		char file[1024];
		snprintf(file, sizeof(file), "%s.export/%s.%u", out, ese_table_at(db, i)->name, i);
		compare_table(db, i, file, path, &mismatch, &compared);
	}
	ck_assert_msg(mismatch == 0, "%s: %" PRIu64 " of %" PRIu64 " values differ from esedbexport",
		      path, mismatch, compared);
	ck_assert_uint_gt(compared, 0);
	ese_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s.export'", out);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* corrupted copies                                                   */
/* ------------------------------------------------------------------ */

static void copy_sample(size_t i, const char *dst, uint8_t **pdata, size_t *pcb)
{
	char path[512];
	sample_path(i, path, sizeof(path));
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	long cb = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *d = malloc((size_t)cb);
	ck_assert_uint_eq(fread(d, 1, (size_t)cb, f), (size_t)cb);
	fclose(f);
	FILE *o = fopen(dst, "wb");
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(fwrite(d, 1, (size_t)cb, o), (size_t)cb);
	fclose(o);
	*pdata = d;
	*pcb = (size_t)cb;
}

static void write_file(const char *dst, const uint8_t *d, size_t cb)
{
	FILE *o = fopen(dst, "wb");
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(fwrite(d, 1, cb, o), cb);
	fclose(o);
}

static bool corrupt_err(JET_ERR err)
{
	return err == JET_errReadVerifyFailure || err == JET_errDatabaseCorrupted;
}

/* Opens path and reads every table: success, or a corruption error. */
static JET_ERR read_all(const char *path)
{
	ese_db *db = NULL;
	JET_ERR err = ese_open(os_vfs_posix(), path, &db);
	if (err < 0)
		return err;
	JET_ERR first = JET_errSuccess;
	for (uint32_t i = 0; i < ese_table_count(db); i++) {
		uint64_t rows;
		err = read_table(db, ese_table_at(db, i), &rows);
		if (err < 0 && first == JET_errSuccess)
			first = err;
	}
	ese_close(db);
	return first;
}

START_TEST(test_flipped_leaf_byte)
{
	make_tmpdir();
	char dst[512];
	snprintf(dst, sizeof(dst), "%s/flip.dat", tmpdir);
	uint8_t *d;
	size_t cb;
	copy_sample(0, dst, &d, &cb);
	/* Page 50 is a leaf of {5C8CF1C7-...} in SRUDB.dat (4 KiB pages). */
	size_t off = (size_t)(50 + 1) * 4096 + 1000;
	d[off] ^= 0x10;
	write_file(dst, d, cb);
	ese_db *db = NULL;
	ck_assert_int_eq(ese_open(os_vfs_posix(), dst, &db), JET_errSuccess);
	uint32_t np, bad, first;
	ck_assert_int_eq(ese_verify_all(db, &np, &bad, &first), JET_errSuccess);
	ck_assert_uint_eq(bad, 1);
	ck_assert_uint_eq(first, 50);
	const ese_table *t = NULL;
	ck_assert_int_eq(ese_table_find(db, "{5C8CF1C7-7257-4F13-B223-970EF5939312}", &t),
			 JET_errSuccess);
	uint64_t rows;
	ck_assert_int_eq(read_table(db, t, &rows), JET_errReadVerifyFailure);
	ese_close(db);
	free(d);
}
END_TEST

START_TEST(test_truncated)
{
	make_tmpdir();
	char dst[512];
	snprintf(dst, sizeof(dst), "%s/trunc.dat", tmpdir);
	uint8_t *d;
	size_t cb;
	copy_sample(0, dst, &d, &cb);
	static const size_t cuts[] = {0, 100, 4096, 8192 + 10, 6 * 4096, 200 * 4096 + 7, 500 * 4096};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		write_file(dst, d, cuts[i]);
		JET_ERR err = read_all(dst);
		ck_assert_msg(corrupt_err(err), "cut at %zu: %ld", cuts[i], (long)err);
	}
	free(d);
}
END_TEST

START_TEST(test_zeroed_headers)
{
	make_tmpdir();
	char dst[512];
	snprintf(dst, sizeof(dst), "%s/zero.dat", tmpdir);
	uint8_t *d;
	size_t cb;
	copy_sample(0, dst, &d, &cb);
	memset(d, 0, 4096);
	write_file(dst, d, cb);
	ese_db *db = NULL;
	/* The shadow copy takes over. */
	ck_assert_int_eq(ese_open(os_vfs_posix(), dst, &db), JET_errSuccess);
	ck_assert(ese_db_info(db)->from_shadow);
	ese_close(db);
	ck_assert_int_eq(read_all(dst), JET_errSuccess);
	memset(d + 4096, 0, 4096);
	write_file(dst, d, cb);
	ck_assert_int_eq(ese_open(os_vfs_posix(), dst, &db), JET_errDatabaseCorrupted);
	/* A flipped byte in the header (the shadow zeroed) fails its checksum. */
	free(d);
	copy_sample(0, dst, &d, &cb);
	memset(d + 4096, 0, 4096);
	d[300] ^= 1;
	write_file(dst, d, cb);
	ck_assert_int_eq(ese_open(os_vfs_posix(), dst, &db), JET_errDatabaseCorrupted);
	free(d);
}
END_TEST

/* Many single-byte flips across the whole file: never a crash, only success
 * or a corruption error (a flip in unused space may verify as a change of
 * page checksum and nothing else: reading then fails verification). */
START_TEST(test_random_flips)
{
	make_tmpdir();
	char dst[512];
	snprintf(dst, sizeof(dst), "%s/rand.dat", tmpdir);
	uint8_t *d;
	size_t cb;
	copy_sample(2, dst, &d, &cb);
	uint64_t s = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 60; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		size_t off = (size_t)(s % cb);
		d[off] ^= (uint8_t)(1u << (s >> 60 & 7));
		write_file(dst, d, cb);
		JET_ERR err = read_all(dst);
		ck_assert_msg(err == JET_errSuccess || corrupt_err(err), "flip at %zu: %ld", off, (long)err);
		d[off] ^= (uint8_t)(1u << (s >> 60 & 7));
	}
	free(d);
}
END_TEST

/* ------------------------------------------------------------------ */
/* decompression                                                      */
/* ------------------------------------------------------------------ */

START_TEST(test_decompress_7bit)
{
	/* "Hello" packed 7 bits per char, LSB first: 35 bits = 4 bytes + 3 bits. */
	const char *msg = "Hello";
	uint8_t packed[8] = {0};
	size_t bit = 0;
	for (size_t i = 0; i < 5; i++)
		for (int b = 0; b < 7; b++, bit++)
			if ((msg[i] >> b) & 1)
				packed[1 + bit / 8] |= (uint8_t)(1u << (bit % 8));
	size_t cbits_final = bit % 8 ? bit % 8 : 8;
	size_t cb = 1 + (bit + 7) / 8;
	packed[0] = (uint8_t)((1u << 3) | (cbits_final - 1));
	uint8_t *out = NULL;
	size_t n = 0;
	ck_assert_int_eq(ese_decompress(packed, cb, &out, &n), JET_errSuccess);
	ck_assert_uint_eq(n, 5);
	ck_assert(memcmp(out, msg, 5) == 0);
	free(out);
	packed[0] = (uint8_t)((2u << 3) | (cbits_final - 1));
	ck_assert_int_eq(ese_decompress(packed, cb, &out, &n), JET_errSuccess);
	ck_assert_uint_eq(n, 10);
	ck_assert(memcmp(out, "H\0e\0l\0l\0o\0", 10) == 0);
	free(out);
	uint8_t bad = 0x7 << 3;
	ck_assert_int_eq(ese_decompress(&bad, 1, &out, &n), JET_errDatabaseCorrupted);
}
END_TEST

START_TEST(test_xpress)
{
	/* Literals "abc", then a match of offset 3 length 6: "abcabcabc". */
	uint8_t in[16] = {0};
	/* flags: bits 31..29 literal (0), bit 28 match (1), then the end. */
	put_le32(in, 0x10000000u | 0x0fffffffu);
	in[4] = 'a';
	in[5] = 'b';
	in[6] = 'c';
	put_le16(in + 7, (uint16_t)(((3 - 1) << 3) | (6 - 3)));
	uint8_t out[32];
	size_t n = 0;
	ck_assert_int_eq(ese_xpress_decode(in, 9, out, sizeof(out), &n), JET_errSuccess);
	ck_assert_uint_eq(n, 9);
	ck_assert(memcmp(out, "abcabcabc", 9) == 0);
	/* An offset before the start is corrupt. */
	put_le16(in + 7, (uint16_t)(((9 - 1) << 3) | 0));
	ck_assert_int_eq(ese_xpress_decode(in, 9, out, sizeof(out), &n), JET_errDatabaseCorrupted);
}
END_TEST

START_TEST(test_checksum_forms)
{
	uint8_t page[4096];
	memset(page, 0, sizeof(page));
	for (size_t i = 8; i < sizeof(page); i++)
		page[i] = (uint8_t)(i * 7);
	/* The ECC detects and locates a single flipped bit. */
	uint64_t a = ese_checksum_ecc(page, 4096, 77, true);
	page[1234] ^= 0x04;
	uint64_t b = ese_checksum_ecc(page, 4096, 77, true);
	ck_assert(a != b);
	uint32_t ecc = (uint32_t)((a ^ b) >> 32);
	ck_assert_uint_eq(ecc & 0xffff, 1234 * 8 + 2);
	/* The XOR half folds in the page number. */
	ck_assert_uint_eq((uint32_t)ese_checksum_ecc(page, 4096, 1, true) ^
				  (uint32_t)ese_checksum_ecc(page, 4096, 2, true),
			  3);
	/* The old form ignores its own first word. */
	uint32_t x = ese_checksum_xor(page, 4096);
	page[0] ^= 0xff;
	ck_assert_uint_eq(ese_checksum_xor(page, 4096), x);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("esefmt");
	TCase *tc = tcase_create("samples");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_sample_reads, 0, (int)NSAMPLES);
	tcase_add_test(tc, test_seek_every_key);
	tcase_add_test(tc, test_jet_api);
	tcase_add_test(tc, test_jet_api_dirty);
	tcase_add_loop_test(tc, test_against_esedbexport, 0, (int)NSAMPLES);
	suite_add_tcase(s, tc);
	TCase *tk = tcase_create("corrupt");
	tcase_set_timeout(tk, 300);
	tcase_add_test(tk, test_flipped_leaf_byte);
	tcase_add_test(tk, test_truncated);
	tcase_add_test(tk, test_zeroed_headers);
	tcase_add_test(tk, test_random_flips);
	suite_add_tcase(s, tk);
	TCase *tu = tcase_create("units");
	tcase_add_test(tu, test_decompress_7bit);
	tcase_add_test(tu, test_xpress);
	tcase_add_test(tu, test_checksum_forms);
	suite_add_tcase(s, tu);
	return s;
}

int main(void)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/SRUDB.dat", samples_dir());
	if (stat(path, &st) != 0) {
		fprintf(stderr, "no ESE samples at %s: skipped\n", samples_dir());
		return 77;
	}
	make_tmpdir();
	SRunner *sr = srunner_create(make_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (tmpdir[0]) {
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
