/*
 * test_schema.c - .schema/NAME (fuse/schema.c) through the JET API:
 *  - render -> apply (to a new name) -> render is the identity for a table
 *    with every column type, flag, code page, default and index kind;
 *  - applying a table's own text changes nothing (no commit);
 *  - altering: new columns and indexes in place (rows kept); dropping a
 *    column, retyping one (values converted), dropping an index (rebuilt);
 *    a value that does not convert, a duplicate under a new unique index,
 *    a text that does not parse or names an unknown type: an error, the
 *    table unchanged;
 *  - the counters are exact after every change;
 *  - a table created from a schema takes CSV rows of its types.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "jetfs.h"

#define OK(x) ck_assert_int_eq((x), JET_errSuccess)
#define ERR(x, e) ck_assert_int_eq((x), (e))

typedef struct env {
	char dir[256];
	JET_INSTANCE inst;
	jfs fs;
	jfs_sess s;
} env;

static void env_start(env *e)
{
	char path[300], db[400];

	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "/tmp/jet_test_schema_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(e->dir));
	snprintf(path, sizeof(path), "%s/", e->dir);
	snprintf(db, sizeof(db), "%s/t.edb", e->dir);
	OK(JetCreateInstance(&e->inst, "test_schema"));
	OK(JetSetSystemParameter(&e->inst, 0, JET_paramSystemPath, 0, path));
	OK(JetSetSystemParameter(&e->inst, 0, JET_paramLogFilePath, 0, path));
	OK(JetInit(&e->inst));
	OK(JetBeginSession(e->inst, &e->s.sesid, NULL, NULL));
	OK(JetCreateDatabase(e->s.sesid, db, NULL, &e->s.dbid, 0));
	e->fs.inst = e->inst;
	e->fs.log_dir = e->dir;
	e->fs.foreground = true;
}

static void env_stop(env *e)
{
	char cmd[400];

	OK(JetEndSession(e->s.sesid, 0));
	OK(JetTerm(e->inst));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", e->dir);
}

/* The schema text of a table, NUL-terminated (caller frees). */
static char *schema_of(env *e, const char *table)
{
	jfs_table *t;
	csv_buf b;
	char *s;

	csv_buf_init(&b);
	OK(jfs_table_load(&e->s, table, &t));
	OK(jfs_schema_render(t, &b));
	jfs_table_put(t);
	s = malloc(b.len + 1);
	memcpy(s, b.p, b.len);
	s[b.len] = 0;
	csv_buf_free(&b);
	return s;
}

/* The table's rendering (through a writer that starts from it). */
static char *csv_of(env *e, const char *table)
{
	jfs_writer *w;
	size_t got;
	char *s;
	uint64_t n;

	OK(jfs_writer_open(&e->fs, &e->s, table, JFS_REPLACE, true, &w));
	n = jfs_writer_size(w);
	s = malloc(n + 1);
	OK(jfs_writer_read(w, 0, s, n, &got));
	ck_assert_uint_eq(got, n);
	s[n] = 0;
	jfs_writer_close(w);
	return s;
}

static JET_TABLESTATE state(env *e, const char *table)
{
	JET_TABLESTATE st;
	JET_TABLEID tid;

	memset(&st, 0, sizeof(st));
	st.cbStruct = sizeof(st);
	OK(JetOpenTable(e->s.sesid, e->s.dbid, table, NULL, 0, JET_bitTableReadOnly, &tid));
	OK(JetGetTableState(e->s.sesid, tid, &st));
	OK(JetCloseTable(e->s.sesid, tid));
	return st;
}

static void check_counters(env *e, const char *table)
{
	jfs_table *t;
	char *c = csv_of(e, table);
	JET_TABLESTATE st = state(e, table);

	OK(jfs_table_load(&e->s, table, &t));
	ck_assert_int_eq(st.rgCounter[JFS_COUNTER_BYTES], (long long)(strlen(c) - t->header_len));
	ck_assert_int_eq(st.rgCounter[JFS_COUNTER_MODS], (long long)st.cModifications);
	jfs_table_put(t);
	free(c);
}

static JET_ERR apply_str(env *e, const char *table, const char *text)
{
	return jfs_schema_apply(&e->fs, &e->s, table, text, strlen(text));
}

static JET_ERR write_csv(env *e, const char *table, const char *text)
{
	jfs_writer *w;
	JET_ERR err;

	OK(jfs_writer_open(&e->fs, &e->s, table, JFS_REPLACE, false, &w));
	OK(jfs_writer_truncate(w, 0));
	err = jfs_writer_write(w, 0, text, strlen(text));
	if (err >= 0)
		err = jfs_writer_commit(w);
	jfs_writer_close(w);
	return err;
}

static const char k_every[] =
    "# every type\n"
    "column id        Long        not-null autoincrement\n"
    "column bit       Bit         default=1\n"
    "column ub        UnsignedByte\n"
    "column sh        Short       not-null default=-5\n"
    "column cur       Currency    default=12.3400\n"
    "column fl        IEEESingle\n"
    "column db        IEEEDouble  default=0.1\n"
    "column dt        DateTime    default=2024-01-01T00:00:00\n"
    "column ul        UnsignedLong\n"
    "column ll        LongLong    tagged\n"
    "column guid      GUID        default=00112233-4455-6677-8899-aabbccddeeff\n"
    "column us        UnsignedShort\n"
    "column ull       UnsignedLongLong\n"
    "column bin       Binary(16)  default=\\x00ff\n"
    "column name      Text(100)   cp=65001 default=\"a b \"\"c\"\"\"\n"
    "column latin     Text        cp=1252\n"
    "column uni       Text(200)   cp=1200 default=\"\"\n"
    "column blob      LongBinary\n"
    "column notes     LongText(5000) cp=65001\n"
    "column tags      LongText    cp=65001 multi-valued\n"
    "column nums      Long        multi-valued\n"
    "column \"odd name\" Text cp=65001\n"
    "index  primary   primary unique +id\n"
    "index  by_name   +name -id\n"
    "index  u_ul      unique ignore-null +ul\n"
    "index  dn        disallow-null +\"odd name\"\n"
    "index  ian       ignore-any-null +latin +us\n";

START_TEST(render_apply_identity)
{
	env e;
	char *s1, *s2, *s3, *p;
	JET_TABLESTATE st0, st1;

	env_start(&e);
	OK(apply_str(&e, "t1", k_every));
	s1 = schema_of(&e, "t1");
	OK(apply_str(&e, "t2", s1));
	s2 = schema_of(&e, "t2");
	p = strstr(s2, "t2\n");
	ck_assert_ptr_nonnull(p);
	p[1] = '1'; /* the title names the table */
	if (strcmp(s1, s2) != 0)
		fprintf(stderr, "--- t1\n%s--- t2\n%s", s1, s2);
	ck_assert_str_eq(s1, s2);
	/* every column and index is there */
	ck_assert_ptr_nonnull(strstr(s1, "column guid"));
	ck_assert_ptr_nonnull(strstr(s1, "\"odd name\""));
	ck_assert_ptr_nonnull(strstr(s1, "ignore-any-null"));
	ck_assert_ptr_nonnull(strstr(s1, "default=\"a b \"\"c\"\"\""));
	/* applying a table's own text changes nothing */
	st0 = state(&e, "t1");
	OK(apply_str(&e, "t1", s1));
	st1 = state(&e, "t1");
	ck_assert_uint_eq(st0.cModifications, st1.cModifications);
	s3 = schema_of(&e, "t1");
	ck_assert_str_eq(s1, s3);
	check_counters(&e, "t1");
	free(s1);
	free(s2);
	free(s3);
	env_stop(&e);
}
END_TEST

START_TEST(create_then_write)
{
	env e;
	char *c;

	env_start(&e);
	OK(apply_str(&e, "p",
		     "column id Long not-null\ncolumn name Text(20) cp=65001\n"
		     "column price Currency default=0\n"
		     "index primary primary unique +id\n"));
	OK(write_csv(&e, "p", "name,id,price\nb,2,1.5\na,1,\n"));
	c = csv_of(&e, "p");
	/* CSV columns are in column-id order: fixed, variable, tagged */
	ck_assert_str_eq(c, "id,price,name\n1,0.0000,a\n2,1.5000,b\n");
	free(c);
	ERR(write_csv(&e, "p", "id,name,price\nx,a,1\n"), JET_errInvalidParameter);
	check_counters(&e, "p");
	env_stop(&e);
}
END_TEST

START_TEST(alter)
{
	env e;
	char *c, *before, *sb;
	JET_TABLESTATE st0, st1;

	env_start(&e);
	OK(apply_str(&e, "p",
		     "column id Long not-null\ncolumn v Text(20) cp=65001\n"
		     "column n LongLong\nindex primary primary unique +id\n"));
	OK(write_csv(&e, "p", "id,v,n\n1,10,5\n2,x,6\n3,,7\n"));
	check_counters(&e, "p");

	/* in place: a new column and a new index */
	OK(apply_str(&e, "p",
		     "column id Long not-null\ncolumn v Text(20) cp=65001\n"
		     "column n LongLong\ncolumn extra Short default=3\n"
		     "index primary primary unique +id\nindex by_n -n\n"));
	c = csv_of(&e, "p");
	ck_assert_str_eq(c, "id,n,extra,v\n1,5,3,10\n2,6,3,x\n3,7,3,\n");
	free(c);
	check_counters(&e, "p");

	/* drop a column and an index, retype n to Text: rebuilt */
	OK(apply_str(&e, "p",
		     "column id Long not-null\ncolumn v Text(20) cp=65001\n"
		     "column n Text(10) cp=65001\n"
		     "index primary primary unique +id\n"));
	c = csv_of(&e, "p");
	ck_assert_str_eq(c, "id,v,n\n1,10,5\n2,x,6\n3,,7\n");
	free(c);
	check_counters(&e, "p");

	/* failures leave the table as it was */
	before = csv_of(&e, "p");
	sb = schema_of(&e, "p");
	st0 = state(&e, "p");
	/* v holds "x": not a Long */
	ERR(apply_str(&e, "p",
		      "column id Long not-null\ncolumn v Long\ncolumn n Text(10) cp=65001\n"
		      "index primary primary unique +id\n"),
	    JET_errInvalidParameter);
	/* a unique index over duplicates */
	OK(write_csv(&e, "p", "id,v,n\n1,a,5\n2,b,5\n"));
	check_counters(&e, "p");
	free(before);
	before = csv_of(&e, "p");
	st0 = state(&e, "p");
	ck_assert_int_lt(apply_str(&e, "p",
				   "column id Long not-null\ncolumn v Text(20) cp=65001\n"
				   "column n Text(10) cp=65001\n"
				   "index primary primary unique +id\n"
				   "index un unique +n\n"),
			 0);
	/* texts that do not parse */
	ERR(apply_str(&e, "p", "column id Integer\n"), JET_errInvalidParameter);
	ERR(apply_str(&e, "p", "column id Long\nindex x +nope\n"), JET_errInvalidParameter);
	ERR(apply_str(&e, "p", "column id Long bogus\n"), JET_errInvalidParameter);
	ERR(apply_str(&e, "p", "colum id Long\n"), JET_errInvalidParameter);
	ERR(apply_str(&e, "p", "column \"id Long\n"), JET_errInvalidParameter);
	ERR(apply_str(&e, "p", "column d DateTime default=yesterday\n"), JET_errInvalidParameter);
	st1 = state(&e, "p");
	ck_assert_uint_eq(st0.cModifications, st1.cModifications);
	c = csv_of(&e, "p");
	ck_assert_str_eq(c, before);
	free(c);
	c = schema_of(&e, "p");
	free(c);
	free(before);
	free(sb);
	check_counters(&e, "p");
	env_stop(&e);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = tcase_create("schema");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, render_apply_identity);
	tcase_add_test(tc, create_then_write);
	tcase_add_test(tc, alter);
	suite_add_tcase(s, tc);
	return s;
}

JET_CHECK_MAIN(make_suite)
