/*
 * jetutil_ese.c - `jetutil info` and `jetutil export` on databases written by
 * Microsoft's ESE (SRUDB.dat, ntds.dit, qmgr.db, ...), read through
 * src/esefmt.c. Read-only: nothing here writes the database.
 *
 * export writes one CSV file per table into DIRECTORY, with the same rules
 * as the mount (fuse/csv.c, docs/csv.md): a header row of column names,
 * then one row per record in primary-key order. ESE's own system tables
 * (MSys*) go to DIRECTORY/.system/. A database left dirty (not shut down
 * cleanly) is read as it is on disk, with a warning: its logs are not
 * replayed.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../fuse/csv.h"
#include "../fuse/names.h"
#include "esefmt.h"
#include "jetutil.h"

static const char *ese_state_name(uint32_t s)
{
	switch (s) {
	case JET_dbstateJustCreated:
		return "just created";
	case JET_dbstateDirtyShutdown:
		return "dirty shutdown";
	case JET_dbstateCleanShutdown:
		return "clean shutdown";
	case JET_dbstateBeingConverted:
		return "being converted";
	case JET_dbstateForceDetach:
		return "force detach";
	default:
		return "unknown";
	}
}

bool ju_is_ese(const char *path)
{
	bool is = false;
	return ese_probe(os_vfs_posix(), path, &is) >= 0 && is;
}

static void warn_dirty(const ese_db *db, const char *path)
{
	if (ese_db_info(db)->state != JET_dbstateCleanShutdown)
		fprintf(stderr,
			"jetutil: warning: %s was not shut down cleanly (%s); read as it is on "
			"disk, its transaction logs are not replayed\n",
			path, ese_state_name(ese_db_info(db)->state));
	if (ese_db_info(db)->from_shadow)
		fprintf(stderr, "jetutil: warning: %s: primary header damaged, using its shadow copy\n",
			path);
}

static JET_ERR count_rows(ese_db *db, const ese_table *t, uint64_t *pn)
{
	JET_ERR err = JET_errSuccess;
	ese_cursor *c = NULL;
	uint64_t n = 0;
	Call(ese_cursor_open(db, t, &c));
	for (err = ese_cursor_first(c); err >= 0; err = ese_cursor_next(c))
		n++;
	if (err == JET_errNoCurrentRecord)
		err = JET_errSuccess;
	*pn = n;
HandleError:
	ese_cursor_close(c);
	return err;
}

int ju_ese_info(const char *path, int json)
{
	ese_db *db = NULL;
	JET_ERR err = ese_open(os_vfs_posix(), path, &db);
	if (err < 0) {
		ju_jet_err(err, "%s", path);
		return JU_ERROR;
	}
	warn_dirty(db, path);
	const ese_info *in = ese_db_info(db);
	uint32_t npages = 0, nbad = 0, first = 0;
	err = ese_verify_all(db, &npages, &nbad, &first);
	if (err < 0) {
		ju_jet_err(err, "%s: verifying pages", path);
		ese_close(db);
		return JU_ERROR;
	}
	if (json) {
		printf("{\"format\":\"ese\",\"version\":%u,\"revision\":%u,\"page_size\":%u,"
		       "\"pages\":%u,\"bad_pages\":%u,\"state\":",
		       in->format_version, in->format_revision, in->page_size, npages, nbad);
		ju_json_str(stdout, ese_state_name(in->state));
		printf(",\"tables\":[");
	} else {
		printf("format: ESE (Microsoft) 0x%x revision 0x%x\n", in->format_version,
		       in->format_revision);
		printf("page size: %u\n", in->page_size);
		printf("pages: %u (%u fail verification)\n", npages, nbad);
		printf("state: %s\n", ese_state_name(in->state));
		printf("tables: %u\n", ese_table_count(db));
	}
	int rc = nbad ? JU_PROBLEMS : JU_OK;
	for (uint32_t i = 0; i < ese_table_count(db); i++) {
		const ese_table *t = ese_table_at(db, i);
		uint64_t rows = 0;
		err = count_rows(db, t, &rows);
		if (err < 0) {
			ju_jet_err(err, "%s: table %s", path, t->name);
			/* A bad page already makes the answer "problems found". */
			if (!nbad)
				rc = JU_ERROR;
		}
		if (json) {
			printf("%s{\"name\":", i ? "," : "");
			ju_json_str(stdout, t->name);
			printf(",\"rows\":%llu,\"columns\":[", (unsigned long long)rows);
			for (uint32_t k = 0; k < t->ncols; k++) {
				printf("%s{\"id\":%u,\"name\":", k ? "," : "", t->cols[k].id);
				ju_json_str(stdout, t->cols[k].name);
				printf(",\"type\":\"%s\"}", ese_coltyp_name(t->cols[k].coltyp));
			}
			printf("],\"indexes\":[");
			for (uint32_t k = 0; k < t->nidx; k++) {
				printf("%s", k ? "," : "");
				ju_json_str(stdout, t->idx[k].name);
			}
			printf("]}");
		} else {
			printf("  %s: %llu rows, %u columns, %u indexes\n", t->name,
			       (unsigned long long)rows, t->ncols, t->nidx);
		}
	}
	if (json)
		printf("]}\n");
	ese_close(db);
	return rc;
}

/* Collects every value of every exported column of the current record, then
 * writes the row: values are copied first because the cursor reuses its
 * value buffer. */
typedef struct row_state {
	csv_buf bytes;
	csv_field *fields;
	csv_value *vals;
	size_t *offs;
	size_t nvals, capvals;
} row_state;

static JET_ERR row_add(row_state *rs, const void *pv, size_t cb)
{
	if (rs->nvals == rs->capvals) {
		size_t n = rs->capvals ? 2 * rs->capvals : 64;
		csv_value *v = realloc(rs->vals, n * sizeof(*v));
		if (!v)
			return JET_errOutOfMemory;
		rs->vals = v;
		size_t *o = realloc(rs->offs, n * sizeof(*o));
		if (!o)
			return JET_errOutOfMemory;
		rs->offs = o;
		rs->capvals = n;
	}
	rs->offs[rs->nvals] = rs->bytes.len;
	rs->vals[rs->nvals].cb = cb;
	rs->nvals++;
	return csv_buf_append(&rs->bytes, pv, cb);
}

/* Windows programs keep FILETIMEs (100 ns since 1601) in DateTime columns
 * too (User Access Logging does). Read as an OLE date such a value is a
 * tiny denormal-like double; read as a FILETIME it falls in 1980..2200.
 * Then it becomes the OLE date of that instant, so the CSV shows the date. */
static bool filetime_as_ole(const uint8_t *p, size_t cb, uint8_t out[8])
{
	if (cb != 8)
		return false;
	uint64_t u = get_le64(p);
	double d;
	memcpy(&d, &u, sizeof(d));
	const uint64_t ft1980 = 119600064000000000ull, ft2200 = 188992224000000000ull;
	if (d == 0 || !(d < 1e-200 && d > -1e-200) || u < ft1980 || u > ft2200)
		return false;
	/* 109205 days from 1601-01-01 to OLE's 1899-12-30. */
	const uint64_t day = 864000000000ull; /* FILETIME ticks a day */
	double ole = (double)(int64_t)(u / day - 109205) + (double)(u % day) / (double)day;
	memcpy(&u, &ole, sizeof(u));
	put_le64(out, u);
	return true;
}

/* A text value's terminating NUL (stored by Windows programs) is not shown. */
static size_t text_len(const ese_column *c, const uint8_t *p, size_t cb)
{
	if (c->codepage == 1200) {
		cb &= ~(size_t)1;
		while (cb >= 2 && p[cb - 1] == 0 && p[cb - 2] == 0)
			cb -= 2;
	} else {
		while (cb && p[cb - 1] == 0)
			cb--;
	}
	return cb;
}

static bool exported(const ese_column *c)
{
	return c->coltyp != JET_coltypNil && c->coltyp != JET_coltypSLV &&
	       c->coltyp < JET_coltypMax;
}

static JET_ERR export_table(ese_db *db, const ese_table *t, FILE *f, uint64_t *prows)
{
	JET_ERR err = JET_errSuccess;
	ese_cursor *c = NULL;
	row_state rs;
	csv_buf out;
	const char **names = NULL;
	size_t *first = NULL, *count = NULL;
	uint32_t ncol = 0;
	memset(&rs, 0, sizeof(rs));
	csv_buf_init(&rs.bytes);
	csv_buf_init(&out);
	names = calloc(t->ncols + 1, sizeof(*names));
	rs.fields = calloc(t->ncols + 1, sizeof(*rs.fields));
	first = calloc(t->ncols + 1, sizeof(*first));
	count = calloc(t->ncols + 1, sizeof(*count));
	if (!names || !rs.fields || !first || !count)
		Error(JET_errOutOfMemory);
	for (uint32_t k = 0; k < t->ncols; k++)
		if (exported(&t->cols[k]))
			names[ncol++] = t->cols[k].name;
	Call(csv_write_header(&out, names, ncol, NULL));
	Call(ese_cursor_open(db, t, &c));
	*prows = 0;
	for (err = ese_cursor_first(c); err >= 0; err = ese_cursor_next(c)) {
		rs.bytes.len = 0;
		rs.nvals = 0;
		uint32_t fi = 0;
		for (uint32_t k = 0; k < t->ncols; k++) {
			const ese_column *col = &t->cols[k];
			if (!exported(col))
				continue;
			uint32_t n = 0;
			Call(ese_cursor_value_count(c, col->id, &n));
			first[fi] = rs.nvals;
			count[fi] = 0;
			for (uint32_t it = 1; it <= n; it++) {
				const void *pv;
				size_t cb;
				Call(ese_cursor_value(c, col->id, it, &pv, &cb));
				if (err == JET_wrnColumnNull)
					continue;
				uint8_t ole[8];
				if (col->coltyp == JET_coltypDateTime && filetime_as_ole(pv, cb, ole)) {
					pv = ole;
				} else if (col->coltyp == JET_coltypText ||
					   col->coltyp == JET_coltypLongText) {
					cb = text_len(col, pv, cb);
				}
				Call(row_add(&rs, pv, cb));
				count[fi]++;
			}
			rs.fields[fi].coltyp = col->coltyp;
			rs.fields[fi].cp = col->codepage;
			rs.fields[fi].multi = (col->flags & JET_bitColumnMultiValued) != 0;
			fi++;
		}
		for (size_t i = 0; i < rs.nvals; i++)
			rs.vals[i].pv = rs.bytes.p + rs.offs[i];
		for (uint32_t i = 0; i < fi; i++) {
			rs.fields[i].nvalues = count[i];
			rs.fields[i].values = count[i] ? &rs.vals[first[i]] : NULL;
			/* A column the catalog calls single-valued may still hold
			 * several values; show them all rather than drop some. */
			if (count[i] > 1)
				rs.fields[i].multi = true;
		}
		Call(csv_write_row(&out, rs.fields, fi, NULL));
		(*prows)++;
		if (out.len >= (64u << 10)) {
			if (fwrite(out.p, 1, out.len, f) != out.len)
				Error(JET_errDiskIO);
			out.len = 0;
		}
	}
	if (err == JET_errNoCurrentRecord)
		err = JET_errSuccess;
	Call(err);
	if (out.len && fwrite(out.p, 1, out.len, f) != out.len)
		Error(JET_errDiskIO);
HandleError:
	ese_cursor_close(c);
	csv_buf_free(&rs.bytes);
	csv_buf_free(&out);
	free(rs.fields);
	free(rs.vals);
	free(rs.offs);
	free(names);
	free(first);
	free(count);
	return err;
}

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		ju_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int ju_ese_export(const char *path, const char *dir)
{
	ese_db *db = NULL;
	int rc = JU_OK;
	JET_ERR err = ese_open(os_vfs_posix(), path, &db);
	if (err < 0) {
		ju_jet_err(err, "%s", path);
		return JU_ERROR;
	}
	warn_dirty(db, path);
	char sys[PATH_MAX];
	snprintf(sys, sizeof(sys), "%s/.system", dir);
	if (make_dir(dir) < 0 || make_dir(sys) < 0) {
		ese_close(db);
		return JU_ERROR;
	}
	for (uint32_t i = 0; i < ese_table_count(db); i++) {
		const ese_table *t = ese_table_at(db, i);
		char file[NAME_FILE_MAX], full[PATH_MAX];
		err = name_table_to_file(t->name, file, sizeof(file));
		if (err < 0) {
			ju_jet_err(err, "table name %s", t->name);
			rc = JU_ERROR;
			continue;
		}
		bool system = !strncmp(t->name, "MSys", 4);
		if (snprintf(full, sizeof(full), "%s/%s", system ? sys : dir, file) >=
		    (int)sizeof(full)) {
			ju_err("%s/%s: path too long", dir, file);
			rc = JU_ERROR;
			continue;
		}
		FILE *f = fopen(full, "w");
		if (!f) {
			ju_err("%s: %s", full, strerror(errno));
			rc = JU_ERROR;
			continue;
		}
		uint64_t rows = 0;
		err = export_table(db, t, f, &rows);
		if (fclose(f) != 0 && err >= 0)
			err = JET_errDiskIO;
		if (err < 0) {
			ju_jet_err(err, "%s: table %s", path, t->name);
			rc = JU_ERROR;
		} else {
			fprintf(stderr, "%s: %llu rows\n", full, (unsigned long long)rows);
		}
	}
	ese_close(db);
	return rc;
}
