/*
 * test_conformance.c - the JET API as an ESENT program sees it:
 *  - the info functions' list tables (JET_COLUMNLIST, JET_INDEXLIST,
 *    JET_OBJECTLIST) walked with JetMove/JetRetrieveColumn, and the
 *    single-answer levels;
 *  - JetDupCursor, JetGetRecordPosition/JetGotoPosition, JetGetLock,
 *    JetComputeStats, JetEscrowUpdate;
 *  - table-driven: every Jet* function that takes a session, given a
 *    handle that is no session, answers JET_errInvalidSesid; every one that
 *    takes a cursor, given one that is none, JET_errInvalidTableId; NULL
 *    where a result must go, JET_errInvalidParameter; never a crash;
 *  - link: every function include/jet.h declares exists (g_all below
 *    takes the address of each, so a missing one fails the build). The one
 *    still being written elsewhere (JetOpenTempTable, temporary tables) is
 *    referenced weakly: while it is missing the test says so and its rows
 *    are skipped, and once it is there it is checked like the others.
 */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jet.h"

#pragma weak JetOpenTempTable

#define OK(x) ck_assert_int_eq((x), JET_errSuccess)
#define ERR(x, e) ck_assert_int_eq((x), (e))

typedef struct env {
	JET_INSTANCE inst;
	JET_SESID ses;
	JET_DBID db;
	char dir[256];
	char dbpath[512];
} env;

static void env_start(env *e)
{
	char path[300];

	snprintf(e->dir, sizeof(e->dir), "/tmp/jet_test_conf_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(e->dir));
	snprintf(e->dbpath, sizeof(e->dbpath), "%s/t.edb", e->dir);
	snprintf(path, sizeof(path), "%s/", e->dir);
	OK(JetCreateInstance(&e->inst, "test_conformance"));
	OK(JetSetSystemParameter(&e->inst, 0, JET_paramSystemPath, 0, path));
	OK(JetSetSystemParameter(&e->inst, 0, JET_paramLogFilePath, 0, path));
	OK(JetInit(&e->inst));
	OK(JetBeginSession(e->inst, &e->ses, NULL, NULL));
	OK(JetCreateDatabase(e->ses, e->dbpath, NULL, &e->db, 0));
}

static void env_stop(env *e)
{
	char cmd[600];

	OK(JetEndSession(e->ses, 0));
	OK(JetTerm(e->inst));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	ck_assert_int_eq(system(cmd), 0);
}

static JET_COLUMNID add_col(env *e, JET_TABLEID t, const char *name, JET_COLTYP typ,
			    JET_GRBIT grbit, const void *pvDefault, unsigned long cbDefault)
{
	JET_COLUMNDEF cd;
	JET_COLUMNID id = 0;

	memset(&cd, 0, sizeof(cd));
	cd.cbStruct = sizeof(cd);
	cd.coltyp = typ;
	cd.grbit = grbit;
	OK(JetAddColumn(e->ses, t, name, &cd, pvDefault, cbDefault, &id));
	return id;
}

/* Table "people": id Long (primary), name Text, age Long (+ index "byage"
 * descending on age, then name), hits Long escrow (default 0), n rows with
 * id = i, age = i % 7, name = "p<i>". */
typedef struct pcols {
	JET_COLUMNID id, name, age, hits;
} pcols;

static JET_TABLEID make_people(env *e, pcols *c, int n)
{
	JET_TABLEID t;
	int32_t zero = 0;
	int i;

	OK(JetCreateTable(e->ses, e->db, "people", 0, 0, &t));
	c->id = add_col(e, t, "id", JET_coltypLong, JET_bitColumnNotNULL, NULL, 0);
	c->name = add_col(e, t, "name", JET_coltypText, 0, NULL, 0);
	c->age = add_col(e, t, "age", JET_coltypLong, 0, NULL, 0);
	c->hits = add_col(e, t, "hits", JET_coltypLong, JET_bitColumnEscrowUpdate, &zero, 4);
	OK(JetCreateIndex(e->ses, t, "pk", JET_bitIndexPrimary, "+id\0", 5, 100));
	OK(JetCreateIndex(e->ses, t, "byage", 0, "-age\0+name\0", 12, 100));
	for (i = 1; i <= n; i++) {
		int32_t id = i, age = i % 7;
		char name[16];
		snprintf(name, sizeof(name), "p%d", i);
		OK(JetPrepareUpdate(e->ses, t, JET_prepInsert));
		OK(JetSetColumn(e->ses, t, c->id, &id, 4, 0, NULL));
		OK(JetSetColumn(e->ses, t, c->name, name, (unsigned long)strlen(name), 0, NULL));
		OK(JetSetColumn(e->ses, t, c->age, &age, 4, 0, NULL));
		OK(JetUpdate(e->ses, t, NULL, 0, NULL));
	}
	return t;
}

static int32_t rlong(env *e, JET_TABLEID t, JET_COLUMNID col)
{
	int32_t v = -1;
	unsigned long cb = 0;
	OK(JetRetrieveColumn(e->ses, t, col, &v, 4, &cb, 0, NULL));
	ck_assert_uint_eq(cb, 4);
	return v;
}

static int16_t rshort(env *e, JET_TABLEID t, JET_COLUMNID col)
{
	int16_t v = -1;
	unsigned long cb = 0;
	OK(JetRetrieveColumn(e->ses, t, col, &v, 2, &cb, 0, NULL));
	ck_assert_uint_eq(cb, 2);
	return v;
}

static void rtext(env *e, JET_TABLEID t, JET_COLUMNID col, char *buf, size_t cbBuf)
{
	unsigned long cb = 0;
	OK(JetRetrieveColumn(e->ses, t, col, buf, (unsigned long)cbBuf - 1, &cb, 0, NULL));
	ck_assert_uint_lt(cb, cbBuf);
	buf[cb] = 0;
}

/* ------------------------------------------------------------------ */
/* Info levels                                                        */
/* ------------------------------------------------------------------ */

START_TEST(test_column_list)
{
	env e;
	pcols c;
	JET_TABLEID t, t2;
	JET_COLUMNLIST cl;
	JET_COLUMNBASE cb;
	JET_COLUMNDEF cd;
	char name[80];
	const char *want[] = {"age", "hits", "id", "name"};
	int i;
	unsigned long n = 0, cbv = 0;
	int32_t def = -1;

	env_start(&e);
	t = make_people(&e, &c, 3);

	memset(&cl, 0, sizeof(cl));
	OK(JetGetTableColumnInfo(e.ses, t, NULL, &cl, sizeof(cl), JET_ColInfoList));
	ck_assert_uint_eq(cl.cbStruct, sizeof(cl));
	ck_assert_uint_eq(cl.cRecord, 4);
	/* Sorted by name. */
	for (i = 0; i < 4; i++) {
		OK(JetMove(e.ses, cl.tableid, i ? JET_MoveNext : JET_MoveFirst, 0));
		rtext(&e, cl.tableid, cl.columnidcolumnname, name, sizeof(name));
		ck_assert_str_eq(name, want[i]);
		rtext(&e, cl.tableid, cl.columnidBaseTableName, name, sizeof(name));
		ck_assert_str_eq(name, "people");
		if (i == 3) {
			ck_assert_uint_eq(rlong(&e, cl.tableid, cl.columnidcolumnid), c.name);
			ck_assert_uint_eq(rlong(&e, cl.tableid, cl.columnidcoltyp),
					  JET_coltypText);
			ck_assert_uint_eq(rlong(&e, cl.tableid, cl.columnidcbMax),
					  JET_cbColumnMost);
			ck_assert_int_eq(rshort(&e, cl.tableid, cl.columnidCp), 1252);
		}
		if (i == 1) {
			ck_assert_uint_eq(rlong(&e, cl.tableid, cl.columnidgrbit) &
					      JET_bitColumnEscrowUpdate,
					  JET_bitColumnEscrowUpdate);
			OK(JetRetrieveColumn(e.ses, cl.tableid, cl.columnidDefault, &def, 4, &cbv,
					     0, NULL));
			ck_assert_int_eq(def, 0);
		}
	}
	ERR(JetMove(e.ses, cl.tableid, JET_MoveNext, 0), JET_errNoCurrentRecord);
	/* Read-only, no keys; a dup, a count, a bookmark. */
	OK(JetMove(e.ses, cl.tableid, JET_MoveFirst, 0));
	ERR(JetPrepareUpdate(e.ses, cl.tableid, JET_prepInsert), JET_errPermissionDenied);
	ERR(JetDelete(e.ses, cl.tableid), JET_errPermissionDenied);
	ERR(JetMakeKey(e.ses, cl.tableid, "a", 1, JET_bitNewKey), JET_errNoCurrentIndex);
	OK(JetIndexRecordCount(e.ses, cl.tableid, &n, 0));
	ck_assert_uint_eq(n, 4);
	rtext(&e, cl.tableid, cl.columnidcolumnname, name, sizeof(name));
	ck_assert_str_eq(name, "age");
	OK(JetDupCursor(e.ses, cl.tableid, &t2, 0));
	OK(JetMove(e.ses, t2, JET_MoveLast, 0));
	rtext(&e, t2, cl.columnidcolumnname, name, sizeof(name));
	ck_assert_str_eq(name, "name");
	OK(JetCloseTable(e.ses, t2));
	OK(JetCloseTable(e.ses, cl.tableid));

	/* By column id; through the database; compact. */
	OK(JetGetColumnInfo(e.ses, e.db, "people", NULL, &cl, sizeof(cl),
			    JET_ColInfoListSortColumnid));
	OK(JetMove(e.ses, cl.tableid, JET_MoveFirst, 0));
	ck_assert_uint_eq(rlong(&e, cl.tableid, cl.columnidcolumnid), c.id);
	OK(JetCloseTable(e.ses, cl.tableid));
	OK(JetGetColumnInfo(e.ses, e.db, "people", NULL, &cl, sizeof(cl),
			    JET_ColInfoListCompact));
	ck_assert_uint_eq(cl.cRecord, 4);
	OK(JetCloseTable(e.ses, cl.tableid));
	ERR(JetGetTableColumnInfo(e.ses, t, NULL, &cl, sizeof(cl) - 1, JET_ColInfoList),
	    JET_errInvalidBufferSize);
	ERR(JetGetColumnInfo(e.ses, e.db, "nope", NULL, &cl, sizeof(cl), JET_ColInfoList),
	    JET_errObjectNotFound);

	/* The single answers. */
	OK(JetGetTableColumnInfo(e.ses, t, "NAME", &cd, sizeof(cd), JET_ColInfo));
	ck_assert_uint_eq(cd.columnid, c.name);
	OK(JetGetTableColumnInfo(e.ses, t, (const char *)&c.age, &cb, sizeof(cb),
				 JET_ColInfoBaseByColid));
	ck_assert_str_eq(cb.szBaseColumnName, "age");
	ck_assert_str_eq(cb.szBaseTableName, "people");
	ERR(JetGetTableColumnInfo(e.ses, t, "zz", &cd, sizeof(cd), JET_ColInfo),
	    JET_errColumnNotFound);
	ERR(JetGetTableColumnInfo(e.ses, t, "id", &cd, sizeof(cd), 99), JET_errInvalidParameter);
	OK(JetCloseTable(e.ses, t));
	env_stop(&e);
}
END_TEST

START_TEST(test_index_list)
{
	env e;
	pcols c;
	JET_TABLEID t;
	JET_INDEXLIST il;
	JET_INDEXID iid;
	char name[80];
	unsigned long v = 0;

	env_start(&e);
	t = make_people(&e, &c, 3);
	OK(JetGetTableIndexInfo(e.ses, t, NULL, &il, sizeof(il), JET_IdxInfoList));
	/* byage (2 key columns), pk (1). */
	ck_assert_uint_eq(il.cRecord, 3);
	OK(JetMove(e.ses, il.tableid, JET_MoveFirst, 0));
	rtext(&e, il.tableid, il.columnidindexname, name, sizeof(name));
	ck_assert_str_eq(name, "byage");
	ck_assert_uint_eq(rlong(&e, il.tableid, il.columnidcColumn), 2);
	ck_assert_uint_eq(rlong(&e, il.tableid, il.columnidiColumn), 0);
	ck_assert_uint_eq(rlong(&e, il.tableid, il.columnidcolumnid), c.age);
	ck_assert_uint_eq(rlong(&e, il.tableid, il.columnidgrbitColumn), JET_bitKeyDescending);
	rtext(&e, il.tableid, il.columnidcolumnname, name, sizeof(name));
	ck_assert_str_eq(name, "age");
	OK(JetMove(e.ses, il.tableid, JET_MoveNext, 0));
	ck_assert_uint_eq(rlong(&e, il.tableid, il.columnidiColumn), 1);
	ck_assert_uint_eq(rlong(&e, il.tableid, il.columnidgrbitColumn), JET_bitKeyAscending);
	OK(JetMove(e.ses, il.tableid, JET_MoveNext, 0));
	rtext(&e, il.tableid, il.columnidindexname, name, sizeof(name));
	ck_assert_str_eq(name, "pk");
	ck_assert_uint_eq(rlong(&e, il.tableid, il.columnidgrbitIndex) & JET_bitIndexPrimary,
			  JET_bitIndexPrimary);
	OK(JetCloseTable(e.ses, il.tableid));

	/* One index by name; through the database; IdxInfo is the same list. */
	OK(JetGetIndexInfo(e.ses, e.db, "people", "pk", &il, sizeof(il), JET_IdxInfo));
	ck_assert_uint_eq(il.cRecord, 1);
	OK(JetCloseTable(e.ses, il.tableid));
	ERR(JetGetIndexInfo(e.ses, e.db, "people", "zz", &il, sizeof(il), JET_IdxInfoList),
	    JET_errIndexNotFound);
	OK(JetGetTableIndexInfo(e.ses, t, NULL, &v, sizeof(v), JET_IdxInfoCount));
	ck_assert_uint_eq(v, 2);
	OK(JetGetTableIndexInfo(e.ses, t, "byage", &v, sizeof(v), JET_IdxInfoKeyMost));
	ck_assert_uint_ge(v, JET_cbKeyMostMin);
	ERR(JetGetTableIndexInfo(e.ses, t, "byage", &v, 1, JET_IdxInfoKeyMost),
	    JET_errInvalidBufferSize);
	OK(JetGetTableIndexInfo(e.ses, t, "byage", &iid, sizeof(iid), JET_IdxInfoIndexId));
	ck_assert_uint_eq(iid.cbStruct, sizeof(iid));
	OK(JetSetCurrentIndex4(e.ses, t, "byage", &iid, JET_bitMoveFirst, 1));
	ck_assert_int_eq(rlong(&e, t, c.age), 3);
	OK(JetCloseTable(e.ses, t));
	env_stop(&e);
}
END_TEST

START_TEST(test_object_info)
{
	env e;
	pcols c;
	JET_TABLEID t;
	JET_OBJECTLIST ol;
	JET_OBJECTINFO oi;
	char name[80];
	int i;

	env_start(&e);
	t = make_people(&e, &c, 2);
	OK(JetCloseTable(e.ses, t));
	OK(JetCreateTable(e.ses, e.db, "Alpha", 0, 0, &t));
	OK(JetCloseTable(e.ses, t));

	OK(JetGetObjectInfo(e.ses, e.db, JET_objtypTable, NULL, NULL, &ol, sizeof(ol),
			    JET_ObjInfoListNoStats));
	ck_assert_uint_eq(ol.cbStruct, sizeof(ol));
	ck_assert_uint_eq(ol.cRecord, 3);
	{
		const char *want[] = {"Alpha", "MSysObjects", "people"};
		for (i = 0; i < 3; i++) {
			OK(JetMove(e.ses, ol.tableid, i ? JET_MoveNext : JET_MoveFirst, 0));
			rtext(&e, ol.tableid, ol.columnidobjectname, name, sizeof(name));
			ck_assert_str_eq(name, want[i]);
			ck_assert_uint_eq(rlong(&e, ol.tableid, ol.columnidobjtyp),
					  JET_objtypTable);
			ck_assert_uint_eq((unsigned long)rlong(&e, ol.tableid, ol.columnidflags) &
					      JET_bitObjectSystem,
					  i == 1 ? JET_bitObjectSystem : 0);
		}
	}
	OK(JetCloseTable(e.ses, ol.tableid));

	/* Rolled-back DDL does not show; a rename does. */
	OK(JetBeginTransaction(e.ses));
	OK(JetRenameTable(e.ses, e.db, "Alpha", "Omega"));
	OK(JetGetObjectInfo(e.ses, e.db, JET_objtypTable, NULL, NULL, &ol, sizeof(ol),
			    JET_ObjInfoList));
	OK(JetMove(e.ses, ol.tableid, JET_MoveFirst, 0));
	OK(JetMove(e.ses, ol.tableid, JET_MoveNext, 0)); /* MSysObjects, Omega, people */
	rtext(&e, ol.tableid, ol.columnidobjectname, name, sizeof(name));
	ck_assert_str_eq(name, "Omega");
	/* JET_ObjInfoList counts (NoStats gives 0): Omega is empty, people
	 * holds 2 records in one page plus byage's. */
	ck_assert_int_eq(rlong(&e, ol.tableid, ol.columnidcRecord), 0);
	OK(JetMove(e.ses, ol.tableid, JET_MoveNext, 0));
	ck_assert_int_eq(rlong(&e, ol.tableid, ol.columnidcRecord), 2);
	ck_assert_int_eq(rlong(&e, ol.tableid, ol.columnidcPage), 2);
	OK(JetMove(e.ses, ol.tableid, JET_MoveFirst, 0)); /* the catalog: its rows */
	ck_assert_int_gt(rlong(&e, ol.tableid, ol.columnidcRecord), 5);
	OK(JetCloseTable(e.ses, ol.tableid));
	OK(JetGetObjectInfo(e.ses, e.db, JET_objtypTable, NULL, NULL, &ol, sizeof(ol),
			    JET_ObjInfoListNoStats));
	OK(JetMove(e.ses, ol.tableid, JET_MoveLast, 0));
	ck_assert_int_eq(rlong(&e, ol.tableid, ol.columnidcRecord), 0);
	OK(JetCloseTable(e.ses, ol.tableid));
	OK(JetRollback(e.ses, 0));

	OK(JetGetObjectInfo(e.ses, e.db, JET_objtypTable, NULL, "people", &oi, sizeof(oi),
			    JET_ObjInfo));
	ck_assert_uint_eq(oi.objtyp, JET_objtypTable);
	ck_assert(oi.dtUpdate > 40000.0); /* after the year 2009 */
	ck_assert_uint_eq(oi.grbit & JET_bitTableInfoUpdatable, JET_bitTableInfoUpdatable);
	ck_assert_uint_eq(oi.cRecord, 2);
	ck_assert_uint_eq(oi.cPage, 2);
	ERR(JetGetObjectInfo(e.ses, e.db, JET_objtypTable, NULL, "nope", &oi, sizeof(oi),
			     JET_ObjInfo),
	    JET_errObjectNotFound);
	ERR(JetGetObjectInfo(e.ses, e.db, JET_objtypTable, NULL, "people", &oi, 4, JET_ObjInfo),
	    JET_errInvalidBufferSize);
	ERR(JetGetObjectInfo(e.ses, e.db, JET_objtypTable, NULL, "people", &oi, sizeof(oi), 77),
	    JET_errInvalidParameter);

	OK(JetOpenTable(e.ses, e.db, "people", NULL, 0, 0, &t));
	OK(JetGetTableInfo(e.ses, t, &oi, sizeof(oi), JET_TblInfo));
	ck_assert_uint_eq(oi.objtyp, JET_objtypTable);
	ck_assert_uint_eq(oi.cRecord, 2);
	OK(JetCloseTable(e.ses, t));
	env_stop(&e);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Cursors                                                            */
/* ------------------------------------------------------------------ */

START_TEST(test_dup_cursor)
{
	env e;
	pcols c;
	JET_TABLEID t, d, ro, d2;
	char idx[JET_cbNameMost + 1];

	env_start(&e);
	t = make_people(&e, &c, 5);
	OK(JetSetCurrentIndex(e.ses, t, "byage"));
	OK(JetMove(e.ses, t, 2, 0));
	/* ESE: the copy is on the clustered index, on the first record. */
	OK(JetDupCursor(e.ses, t, &d, 0));
	OK(JetGetCurrentIndex(e.ses, d, idx, sizeof(idx)));
	ck_assert_str_eq(idx, "pk");
	ck_assert_int_eq(rlong(&e, d, c.id), 1);
	/* Independent afterwards. */
	OK(JetMove(e.ses, d, JET_MoveLast, 0));
	ck_assert_int_eq(rlong(&e, d, c.id), 5);
	OK(JetGetCurrentIndex(e.ses, t, idx, sizeof(idx)));
	ck_assert_str_eq(idx, "byage");
	ERR(JetDupCursor(e.ses, t, NULL, 0), JET_errInvalidParameter);
	ERR(JetDupCursor(e.ses, t, &d2, 1), JET_errInvalidGrbit);
	/* Read-only stays read-only. */
	OK(JetOpenTable(e.ses, e.db, "people", NULL, 0, JET_bitTableReadOnly, &ro));
	OK(JetDupCursor(e.ses, ro, &d2, 0));
	ERR(JetPrepareUpdate(e.ses, d2, JET_prepInsert), JET_errPermissionDenied);
	OK(JetCloseTable(e.ses, d2));
	OK(JetCloseTable(e.ses, ro));
	/* A dup made inside a transaction goes with its rollback. */
	OK(JetBeginTransaction(e.ses));
	OK(JetDupCursor(e.ses, t, &d2, 0));
	OK(JetRollback(e.ses, 0));
	ERR(JetMove(e.ses, d2, JET_MoveFirst, 0), JET_errInvalidTableId);
	OK(JetCloseTable(e.ses, d));
	OK(JetCloseTable(e.ses, t));
	/* Of an empty table: no current record. */
	OK(JetCreateTable(e.ses, e.db, "empty", 0, 0, &t));
	OK(JetDupCursor(e.ses, t, &d, 0));
	ERR(JetRetrieveColumn(e.ses, d, 1, idx, 4, NULL, 0, NULL), JET_errColumnNotFound);
	ERR(JetMove(e.ses, d, JET_MoveNext, 0), JET_errNoCurrentRecord);
	OK(JetCloseTable(e.ses, d));
	OK(JetCloseTable(e.ses, t));
	env_stop(&e);
}
END_TEST

START_TEST(test_record_position)
{
	env e;
	pcols c;
	JET_TABLEID t;
	JET_RECPOS rp;
	int i;

	env_start(&e);
	t = make_people(&e, &c, 20);
	ERR(JetGetRecordPosition(e.ses, t, &rp, sizeof(rp)), JET_errNoCurrentRecord);
	for (i = 1; i <= 20; i++) {
		OK(JetMove(e.ses, t, i == 1 ? JET_MoveFirst : JET_MoveNext, 0));
		memset(&rp, 0xff, sizeof(rp));
		OK(JetGetRecordPosition(e.ses, t, &rp, sizeof(rp)));
		ck_assert_uint_eq(rp.cbStruct, sizeof(rp));
		ck_assert_uint_eq(rp.centriesLT, (unsigned long)i - 1);
		ck_assert_uint_eq(rp.centriesTotal, 20);
		ck_assert_uint_eq(rp.centriesInRange, 1);
	}
	ERR(JetGetRecordPosition(e.ses, t, &rp, sizeof(rp) - 1), JET_errInvalidBufferSize);
	ERR(JetGetRecordPosition(e.ses, t, NULL, sizeof(rp)), JET_errInvalidParameter);

	/* Going there and back: the same record. */
	for (i = 0; i < 20; i++) {
		JET_RECPOS g = {sizeof(g), (unsigned long)i, 1, 20};
		OK(JetGotoPosition(e.ses, t, &g));
		ck_assert_int_eq(rlong(&e, t, c.id), i + 1);
		OK(JetGetRecordPosition(e.ses, t, &rp, sizeof(rp)));
		ck_assert_uint_eq(rp.centriesLT, (unsigned long)i);
	}
	/* Fractions of another total; the secondary index. */
	{
		JET_RECPOS g = {sizeof(g), 1, 1, 2};
		OK(JetGotoPosition(e.ses, t, &g));
		ck_assert_int_eq(rlong(&e, t, c.id), 11);
		g.centriesLT = 2;
		OK(JetGotoPosition(e.ses, t, &g)); /* the end: the last record */
		ck_assert_int_eq(rlong(&e, t, c.id), 20);
		g.centriesLT = 3;
		ERR(JetGotoPosition(e.ses, t, &g), JET_errInvalidParameter);
		g.centriesTotal = 0;
		g.centriesLT = 0;
		ERR(JetGotoPosition(e.ses, t, &g), JET_errInvalidParameter);
		OK(JetSetCurrentIndex(e.ses, t, "byage"));
		g.centriesLT = 0;
		g.centriesTotal = 20;
		OK(JetGotoPosition(e.ses, t, &g));
		ck_assert_int_eq(rlong(&e, t, c.age), 6);
		OK(JetGetRecordPosition(e.ses, t, &rp, sizeof(rp)));
		ck_assert_uint_eq(rp.centriesLT, 0);
	}
	ERR(JetGotoPosition(e.ses, t, NULL), JET_errInvalidParameter);
	OK(JetCloseTable(e.ses, t));
	OK(JetCreateTable(e.ses, e.db, "empty", 0, 0, &t));
	{
		JET_RECPOS g = {sizeof(g), 0, 1, 1};
		ERR(JetGotoPosition(e.ses, t, &g), JET_errRecordNotFound);
	}
	OK(JetComputeStats(e.ses, t));
	OK(JetCloseTable(e.ses, t));
	env_stop(&e);
}
END_TEST

START_TEST(test_get_lock)
{
	env e;
	pcols c;
	JET_TABLEID t, t2;
	JET_SESID s2;
	JET_DBID db2;

	env_start(&e);
	t = make_people(&e, &c, 3);
	OK(JetBeginSession(e.inst, &s2, NULL, NULL));
	OK(JetOpenDatabase(s2, e.dbpath, NULL, &db2, 0));
	OK(JetOpenTable(s2, db2, "people", NULL, 0, 0, &t2));
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	OK(JetMove(s2, t2, JET_MoveFirst, 0));
	ERR(JetGetLock(e.ses, t, JET_bitWriteLock), JET_errNotInTransaction);
	OK(JetBeginTransaction(e.ses));
	ERR(JetGetLock(e.ses, t, 0), JET_errInvalidGrbit);
	ERR(JetGetLock(e.ses, t, JET_bitReadLock | JET_bitWriteLock), JET_errInvalidGrbit);
	OK(JetGetLock(e.ses, t, JET_bitReadLock));
	OK(JetGetLock(e.ses, t, JET_bitWriteLock));
	OK(JetGetLock(e.ses, t, JET_bitWriteLock)); /* again: ours already */
	/* Another writer of the record conflicts at once. */
	OK(JetBeginTransaction(s2));
	ERR(JetGetLock(s2, t2, JET_bitWriteLock), JET_errWriteConflict);
	OK(JetPrepareUpdate(s2, t2, JET_prepReplace) == JET_errWriteConflict ? JET_errSuccess
									       : -1);
	OK(JetRollback(s2, 0));
	OK(JetCommitTransaction(e.ses, 0));
	/* Released by the commit. */
	OK(JetBeginTransaction(s2));
	OK(JetGetLock(s2, t2, JET_bitWriteLock));
	OK(JetRollback(s2, 0));
	/* No current record. */
	OK(JetBeginTransaction(e.ses));
	ERR(JetMove(e.ses, t, JET_MovePrevious, 0), JET_errNoCurrentRecord);
	ERR(JetGetLock(e.ses, t, JET_bitWriteLock), JET_errNoCurrentRecord);
	OK(JetRollback(e.ses, 0));
	OK(JetCloseTable(s2, t2));
	OK(JetEndSession(s2, 0));
	OK(JetCloseTable(e.ses, t));
	env_stop(&e);
}
END_TEST

START_TEST(test_escrow)
{
	env e;
	pcols c;
	JET_TABLEID t;
	int32_t d, old = -1;
	int64_t d64 = 1;
	unsigned long cbOld = 0;

	env_start(&e);
	t = make_people(&e, &c, 2);
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	d = 5;
	ERR(JetEscrowUpdate(e.ses, t, c.hits, &d, 4, NULL, 0, NULL, 0), JET_errNotInTransaction);
	OK(JetBeginTransaction(e.ses));
	OK(JetEscrowUpdate(e.ses, t, c.hits, &d, 4, &old, 4, &cbOld, 0));
	ck_assert_int_eq(old, 0); /* the default */
	ck_assert_uint_eq(cbOld, 4);
	d = -2;
	OK(JetEscrowUpdate(e.ses, t, c.hits, &d, 4, &old, 4, &cbOld, JET_bitEscrowNoRollback));
	ck_assert_int_eq(old, 5);
	ck_assert_int_eq(rlong(&e, t, c.hits), 3);
	/* Errors. */
	ERR(JetEscrowUpdate(e.ses, t, c.hits, &d64, 8, NULL, 0, NULL, 0), JET_errInvalidBufferSize);
	ERR(JetEscrowUpdate(e.ses, t, c.hits, &d, 4, &old, 2, NULL, 0), JET_errInvalidBufferSize);
	ERR(JetEscrowUpdate(e.ses, t, c.age, &d, 4, NULL, 0, NULL, 0), JET_errInvalidOperation);
	ERR(JetEscrowUpdate(e.ses, t, c.name, &d, 4, NULL, 0, NULL, 0), JET_errInvalidOperation);
	ERR(JetEscrowUpdate(e.ses, t, 77, &d, 4, NULL, 0, NULL, 0), JET_errColumnNotFound);
	ERR(JetEscrowUpdate(e.ses, t, c.hits, NULL, 4, NULL, 0, NULL, 0), JET_errInvalidParameter);
	ERR(JetEscrowUpdate(e.ses, t, c.hits, &d, 4, NULL, 0, NULL, 2), JET_errInvalidGrbit);
	OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
	ERR(JetEscrowUpdate(e.ses, t, c.hits, &d, 4, NULL, 0, NULL, 0), JET_errAlreadyPrepared);
	OK(JetPrepareUpdate(e.ses, t, JET_prepCancel));
	OK(JetCommitTransaction(e.ses, 0));
	ck_assert_int_eq(rlong(&e, t, c.hits), 3);
	/* Rolled back with its transaction. */
	OK(JetBeginTransaction(e.ses));
	d = 100;
	OK(JetEscrowUpdate(e.ses, t, c.hits, &d, 4, NULL, 0, NULL, 0));
	ck_assert_int_eq(rlong(&e, t, c.hits), 103);
	OK(JetRollback(e.ses, 0));
	ck_assert_int_eq(rlong(&e, t, c.hits), 3);
	OK(JetCloseTable(e.ses, t));
	env_stop(&e);
}
END_TEST


/* JET_bitColumnVersion: 0 at insert, +1 at every replace (visible to
 * RetrieveCopy from JetPrepareUpdate on), not settable in a replace, one
 * per table. */
START_TEST(test_version_column)
{
	env e;
	pcols c;
	JET_TABLEID t;
	JET_COLUMNID ver;
	JET_COLUMNDEF cd;
	int32_t v = -1, age = 40;
	unsigned long cb = 0;
	int i;

	env_start(&e);
	t = make_people(&e, &c, 0);
	memset(&cd, 0, sizeof(cd));
	cd.cbStruct = sizeof(cd);
	cd.coltyp = JET_coltypShort;
	cd.grbit = JET_bitColumnVersion;
	ERR(JetAddColumn(e.ses, t, "v0", &cd, NULL, 0, NULL), JET_errInvalidColumnType);
	cd.coltyp = JET_coltypLong;
	cd.grbit = JET_bitColumnVersion | JET_bitColumnTagged;
	ERR(JetAddColumn(e.ses, t, "v0", &cd, NULL, 0, NULL), JET_errCannotBeTagged);
	cd.grbit = JET_bitColumnVersion | JET_bitColumnAutoincrement;
	ERR(JetAddColumn(e.ses, t, "v0", &cd, NULL, 0, NULL), JET_errInvalidParameter);
	ver = add_col(&e, t, "ver", JET_coltypLong, JET_bitColumnVersion, NULL, 0);
	cd.grbit = JET_bitColumnVersion;
	ERR(JetAddColumn(e.ses, t, "ver2", &cd, NULL, 0, NULL), JET_errColumnRedundant);

	/* An insert may set it (ESE refuses it in a replace only). */
	OK(JetPrepareUpdate(e.ses, t, JET_prepInsert));
	v = 1;
	OK(JetSetColumn(e.ses, t, c.id, &v, 4, 0, NULL));
	OK(JetRetrieveColumn(e.ses, t, ver, &v, 4, &cb, JET_bitRetrieveCopy, NULL));
	ck_assert_int_eq(v, 0);
	v = 5;
	OK(JetSetColumn(e.ses, t, ver, &v, 4, 0, NULL));
	v = 0;
	OK(JetSetColumn(e.ses, t, ver, &v, 4, 0, NULL));
	OK(JetUpdate(e.ses, t, NULL, 0, NULL));
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	ck_assert_int_eq(rlong(&e, t, ver), 0);
	for (i = 1; i <= 3; i++) {
		OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
		ERR(JetSetColumn(e.ses, t, ver, &v, 4, 0, NULL), JET_errInvalidColumnType);
		OK(JetRetrieveColumn(e.ses, t, ver, &v, 4, &cb, JET_bitRetrieveCopy, NULL));
		ck_assert_int_eq(v, i);
		OK(JetSetColumn(e.ses, t, c.age, &age, 4, 0, NULL));
		OK(JetUpdate(e.ses, t, NULL, 0, NULL));
		ck_assert_int_eq(rlong(&e, t, ver), i);
	}
	/* A cancelled or rolled back replace counts nothing. */
	OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
	OK(JetPrepareUpdate(e.ses, t, JET_prepCancel));
	OK(JetBeginTransaction(e.ses));
	OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
	OK(JetUpdate(e.ses, t, NULL, 0, NULL));
	ck_assert_int_eq(rlong(&e, t, ver), 4);
	OK(JetRollback(e.ses, 0));
	ck_assert_int_eq(rlong(&e, t, ver), 3);
	/* A copy is a new record. */
	OK(JetPrepareUpdate(e.ses, t, JET_prepInsertCopy));
	v = 2;
	OK(JetSetColumn(e.ses, t, c.id, &v, 4, 0, NULL));
	OK(JetUpdate(e.ses, t, NULL, 0, NULL));
	OK(JetMove(e.ses, t, JET_MoveLast, 0));
	ck_assert_int_eq(rlong(&e, t, c.id), 2);
	ck_assert_int_eq(rlong(&e, t, ver), 0);
	OK(JetCloseTable(e.ses, t));
	env_stop(&e);
}
END_TEST

/* JET_prepInsertCopyDeleteOriginal: the way to change a primary key. A
 * plain replace that changes it: JET_errRecordPrimaryChanged. The copy
 * keeps the long values, the autoincrement value and the secondary index
 * entries follow. */
START_TEST(test_insert_copy_delete_original)
{
	env e;
	pcols c;
	JET_TABLEID t;
	JET_COLUMNID lv;
	int32_t id;
	unsigned long n = 0, cb = 0;
	static char big[20000], back[20000];
	char name[32];

	env_start(&e);
	t = make_people(&e, &c, 3);
	lv = add_col(&e, t, "blob", JET_coltypLongBinary, 0, NULL, 0);
	memset(big, 'x', sizeof(big));
	big[7] = 'y';
	OK(JetMove(e.ses, t, JET_MoveFirst, 0)); /* id 1 */
	OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
	OK(JetSetColumn(e.ses, t, lv, big, sizeof(big), 0, NULL));
	OK(JetUpdate(e.ses, t, NULL, 0, NULL));

	OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
	id = 10;
	OK(JetSetColumn(e.ses, t, c.id, &id, 4, 0, NULL));
	ERR(JetUpdate(e.ses, t, NULL, 0, NULL), JET_errRecordPrimaryChanged);
	OK(JetPrepareUpdate(e.ses, t, JET_prepCancel));

	OK(JetPrepareUpdate(e.ses, t, JET_prepInsertCopyDeleteOriginal));
	OK(JetSetColumn(e.ses, t, c.id, &id, 4, 0, NULL));
	OK(JetUpdate(e.ses, t, NULL, 0, NULL));
	OK(JetIndexRecordCount(e.ses, t, &n, 0));
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	OK(JetIndexRecordCount(e.ses, t, &n, 0));
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(rlong(&e, t, c.id), 2);
	OK(JetMove(e.ses, t, JET_MoveLast, 0));
	ck_assert_int_eq(rlong(&e, t, c.id), 10);
	rtext(&e, t, c.name, name, sizeof(name));
	ck_assert_str_eq(name, "p1");
	OK(JetRetrieveColumn(e.ses, t, lv, back, sizeof(back), &cb, 0, NULL));
	ck_assert_uint_eq(cb, sizeof(big));
	ck_assert_int_eq(memcmp(back, big, sizeof(big)), 0);
	/* The secondary index has the new key, not the old one. */
	OK(JetSetCurrentIndex(e.ses, t, "byage"));
	OK(JetIndexRecordCount(e.ses, t, &n, 0));
	ck_assert_uint_eq(n, 3);
	/* The same key again is fine (the original goes first). */
	OK(JetSetCurrentIndex(e.ses, t, NULL));
	OK(JetMove(e.ses, t, JET_MoveLast, 0));
	OK(JetPrepareUpdate(e.ses, t, JET_prepInsertCopyDeleteOriginal));
	OK(JetUpdate(e.ses, t, NULL, 0, NULL));
	/* Onto a key that is taken: nothing happens. */
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	OK(JetPrepareUpdate(e.ses, t, JET_prepInsertCopyDeleteOriginal));
	id = 3;
	OK(JetSetColumn(e.ses, t, c.id, &id, 4, 0, NULL));
	ERR(JetUpdate(e.ses, t, NULL, 0, NULL), JET_errKeyDuplicate);
	OK(JetPrepareUpdate(e.ses, t, JET_prepCancel));
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	OK(JetIndexRecordCount(e.ses, t, &n, 0));
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(rlong(&e, t, c.id), 2);
	/* In a rolled back transaction: the original comes back. */
	OK(JetBeginTransaction(e.ses));
	OK(JetPrepareUpdate(e.ses, t, JET_prepInsertCopyDeleteOriginal));
	id = 20;
	OK(JetSetColumn(e.ses, t, c.id, &id, 4, 0, NULL));
	OK(JetUpdate(e.ses, t, NULL, 0, NULL));
	OK(JetRollback(e.ses, 0));
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	ck_assert_int_eq(rlong(&e, t, c.id), 2);
	OK(JetMove(e.ses, t, JET_MoveLast, 0));
	ck_assert_int_eq(rlong(&e, t, c.id), 10);
	OK(JetCloseTable(e.ses, t));
	env_stop(&e);
}
END_TEST


/* Fills a temporary table of (Long key descending, Text) with 5..1 and
 * reads the keys back in table order. */
static void tt_fill_check(env *e, JET_TABLEID t, const JET_COLUMNID *col)
{
	int32_t i, v;
	unsigned long cb;
	char txt[16];

	for (i = 1; i <= 5; i++) {
		snprintf(txt, sizeof(txt), "r%d", i);
		OK(JetPrepareUpdate(e->ses, t, JET_prepInsert));
		OK(JetSetColumn(e->ses, t, col[0], &i, 4, 0, NULL));
		OK(JetSetColumn(e->ses, t, col[1], txt, (unsigned long)strlen(txt), 0, NULL));
		OK(JetUpdate(e->ses, t, NULL, 0, NULL));
	}
	OK(JetMove(e->ses, t, JET_MoveFirst, 0));
	for (i = 5; i >= 1; i--) {
		OK(JetRetrieveColumn(e->ses, t, col[0], &v, 4, &cb, 0, NULL));
		ck_assert_int_eq(v, i);
		if (i > 1)
			OK(JetMove(e->ses, t, JET_MoveNext, 0));
	}
	ERR(JetMove(e->ses, t, JET_MoveNext, 0), JET_errNoCurrentRecord);
	OK(JetCloseTable(e->ses, t));
}

/* JetOpenTempTable2/3 and JetOpenTemporaryTable: the same sort as
 * JetOpenTempTable, with their extra arguments checked. */
START_TEST(test_temp_table_forms)
{
	env e;
	JET_COLUMNDEF cd[2];
	JET_COLUMNID col[2];
	JET_TABLEID t = 0;
	JET_UNICODEINDEX ui = {1033, 0};
	JET_OPENTEMPORARYTABLE o;

	env_start(&e);
	memset(cd, 0, sizeof(cd));
	cd[0].cbStruct = cd[1].cbStruct = sizeof(cd[0]);
	cd[0].coltyp = JET_coltypLong;
	cd[0].grbit = JET_bitColumnTTKey | JET_bitColumnTTDescending;
	cd[1].coltyp = JET_coltypText;
	OK(JetOpenTempTable2(e.ses, cd, 2, 1033, JET_bitTTIndexed, &t, col));
	tt_fill_check(&e, t, col);
	OK(JetOpenTempTable3(e.ses, cd, 2, &ui, JET_bitTTIndexed, &t, col));
	tt_fill_check(&e, t, col);
	OK(JetOpenTempTable3(e.ses, cd, 2, NULL, 0, &t, col));
	tt_fill_check(&e, t, col);
	ERR(JetOpenTempTable2(e.ses, cd, 2, 1033, 0x80000000, &t, col), JET_errInvalidGrbit);
	ERR(JetOpenTempTable3(e.ses, cd, 2, &ui, 0, NULL, col), JET_errInvalidParameter);

	memset(&o, 0, sizeof(o));
	o.cbStruct = sizeof(o);
	o.prgcolumndef = cd;
	o.ccolumn = 2;
	o.grbit = JET_bitTTIndexed | JET_bitTTScrollable;
	o.prgcolumnid = col;
	o.cbKeyMost = 100;
	ERR(JetOpenTemporaryTable(e.ses, &o), JET_errInvalidParameter);
	o.cbKeyMost = 500;
	o.cbStruct = sizeof(o) - 1;
	ERR(JetOpenTemporaryTable(e.ses, &o), JET_errInvalidParameter);
	ERR(JetOpenTemporaryTable(e.ses, NULL), JET_errInvalidParameter);
	ERR(JetOpenTemporaryTable((JET_SESID)0x7777777, &o), JET_errInvalidSesid);
	o.cbStruct = sizeof(o);
	o.tableid = JET_tableidNil;
	OK(JetOpenTemporaryTable(e.ses, &o));
	ck_assert(o.tableid != JET_tableidNil);
	tt_fill_check(&e, o.tableid, col);
	env_stop(&e);
}
END_TEST


/* The info levels a program listing a database uses beyond the lists:
 * space figures, the JET_INDEXCREATE of an index, database facts. */
START_TEST(test_info_levels)
{
	env e;
	pcols c;
	JET_TABLEID t, t2, tt;
	JET_COLUMNDEF cd;
	JET_COLUMNID ttcol;
	unsigned long owned = 0, owned2 = 0, avail = 99, use[2], v = 0;
	union {
		JET_INDEXCREATE ic;
		char b[512];
	} u;
	char name[300];
	int32_t i;

	env_start(&e);
	t = make_people(&e, &c, 10);
	OK(JetGetTableInfo(e.ses, t, &owned, sizeof(owned), JET_TblInfoSpaceOwned));
	ck_assert_uint_ge(owned, 2); /* records and byage, a page each at least */
	OK(JetGetTableInfo(e.ses, t, &avail, sizeof(avail), JET_TblInfoSpaceAvailable));
	ck_assert_uint_eq(avail, 0);
	ERR(JetGetTableInfo(e.ses, t, &v, 2, JET_TblInfoSpaceOwned), JET_errInvalidBufferSize);
	ERR(JetGetTableInfo(e.ses, t, use, sizeof(use[0]), JET_TblInfoSpaceUsage),
	    JET_errInvalidBufferSize);
	for (i = 100; i < 3000; i++) {
		char nm[48];
		snprintf(nm, sizeof(nm), "a somewhat longer name %d", i);
		OK(JetPrepareUpdate(e.ses, t, JET_prepInsert));
		OK(JetSetColumn(e.ses, t, c.id, &i, 4, 0, NULL));
		OK(JetSetColumn(e.ses, t, c.name, nm, (unsigned long)strlen(nm), 0, NULL));
		OK(JetUpdate(e.ses, t, NULL, 0, NULL));
	}
	OK(JetGetTableInfo(e.ses, t, use, sizeof(use), JET_TblInfoSpaceUsage));
	ck_assert_uint_gt(use[0], owned + 20);
	ck_assert_uint_eq(use[1], 0);
	OK(JetGetTableInfo(e.ses, t, &owned2, sizeof(owned2), JET_TblInfoSpaceOwned));
	ck_assert_uint_eq(owned2, use[0]);
	OK(JetGetTableInfo(e.ses, t, &v, sizeof(v), JET_TblInfoSpaceAlloc));
	ck_assert_uint_eq(v, 0);
	OK(JetCreateTable(e.ses, e.db, "sized", 16, 80, &t2));
	OK(JetGetTableInfo(e.ses, t2, &v, sizeof(v), JET_TblInfoSpaceAlloc));
	ck_assert_uint_eq(v, 16);
	OK(JetGetTableInfo(e.ses, t2, &v, sizeof(v), JET_TblInfoSpaceOwned));
	ck_assert_uint_le(v, 1);
	OK(JetCloseTable(e.ses, t2));
	/* A temporary table counts its own pages. */
	memset(&cd, 0, sizeof(cd));
	cd.cbStruct = sizeof(cd);
	cd.coltyp = JET_coltypLong;
	cd.grbit = JET_bitColumnTTKey;
	OK(JetOpenTempTable(e.ses, &cd, 1, 0, &tt, &ttcol));
	OK(JetGetTableInfo(e.ses, tt, &v, sizeof(v), JET_TblInfoSpaceOwned));
	ck_assert_uint_eq(v, 1);
	OK(JetCloseTable(e.ses, tt));

	/* JET_IdxInfoCreateIndex: enough to create the index again. */
	memset(&u, 0x5a, sizeof(u));
	ERR(JetGetTableIndexInfo(e.ses, t, "byage", u.b, sizeof(JET_INDEXCREATE) + 4,
				 JET_IdxInfoCreateIndex),
	    JET_errBufferTooSmall);
	OK(JetGetTableIndexInfo(e.ses, t, "byage", u.b, sizeof(u), JET_IdxInfoCreateIndex));
	ck_assert_uint_eq(u.ic.cbStruct, sizeof(JET_INDEXCREATE));
	ck_assert_str_eq(u.ic.szIndexName, "byage");
	ck_assert_uint_eq(u.ic.cbKey, 12);
	ck_assert_int_eq(memcmp(u.ic.szKey, "-age\0+name\0\0", 12), 0);
	ck_assert_uint_eq(u.ic.grbit, 0);
	ck_assert_uint_eq(u.ic.ulDensity, 100);
	OK(JetGetIndexInfo(e.ses, e.db, "people", "pk", u.b, sizeof(u), JET_IdxInfoCreateIndex));
	ck_assert_str_eq(u.ic.szIndexName, "pk");
	ck_assert_uint_eq(u.ic.grbit, JET_bitIndexPrimary | JET_bitIndexUnique);
	ck_assert_int_eq(memcmp(u.ic.szKey, "+id\0\0", 5), 0);
	OK(JetCreateTable(e.ses, e.db, "again", 0, 0, &t2));
	add_col(&e, t2, "age", JET_coltypLong, 0, NULL, 0);
	add_col(&e, t2, "name", JET_coltypText, 0, NULL, 0);
	OK(JetGetTableIndexInfo(e.ses, t, "byage", u.b, sizeof(u), JET_IdxInfoCreateIndex));
	OK(JetCreateIndex2(e.ses, t2, &u.ic, 1));
	OK(JetCloseTable(e.ses, t2));

	/* Database facts. */
	OK(JetGetDatabaseInfo(e.ses, e.db, name, sizeof(name), JET_DbInfoFilename));
	ck_assert_str_eq(name, e.dbpath);
	OK(JetGetDatabaseInfo(e.ses, e.db, name, sizeof(name), JET_DbInfoConnect));
	ck_assert_str_eq(name, "");
	OK(JetGetDatabaseInfo(e.ses, e.db, &v, sizeof(v), JET_DbInfoFileType));
	ck_assert_uint_eq(v, JET_filetypeDatabase);
	OK(JetGetDatabaseInfo(e.ses, e.db, &v, sizeof(v), JET_DbInfoTransactions));
	ck_assert_uint_eq(v, 7);
	OK(JetGetDatabaseInfo(e.ses, e.db, &v, sizeof(v), JET_DbInfoOptions));
	ck_assert_uint_eq(v, 0);
	OK(JetGetDatabaseInfo(e.ses, e.db, &v, sizeof(v), JET_DbInfoLCID));
	ck_assert_uint_eq(v, 0x409);
	OK(JetGetDatabaseInfo(e.ses, e.db, &v, sizeof(v), JET_DbInfoVersion));
	ck_assert_uint_ge(v, 1);
	OK(JetGetDatabaseInfo(e.ses, e.db, &owned, sizeof(owned), JET_DbInfoSpaceOwned));
	OK(JetGetDatabaseInfo(e.ses, e.db, &avail, sizeof(avail), JET_DbInfoSpaceAvailable));
	ck_assert_uint_lt(avail, owned);
	ck_assert_uint_ge(owned, use[0]);
	ERR(JetGetDatabaseInfo(e.ses, e.db, &v, sizeof(v), 99), JET_errInvalidParameter);
	ERR(JetGetDatabaseInfo(e.ses, e.db, &v, 2, JET_DbInfoTransactions),
	    JET_errInvalidBufferSize);
	OK(JetCloseTable(e.ses, t));
	env_stop(&e);
}
END_TEST


/* Escrow as ESE has it: transactions that add to the same record's escrow
 * column at the same time do not conflict, and every delta counts. */
static JET_TABLEID open_people(env *e, JET_SESID ses, JET_DBID *pdb)
{
	JET_TABLEID t;

	OK(JetOpenDatabase(ses, e->dbpath, NULL, pdb, 0));
	OK(JetOpenTable(ses, *pdb, "people", NULL, 0, 0, &t));
	return t;
}

static void seek_id(JET_SESID ses, JET_TABLEID t, int32_t id)
{
	OK(JetMakeKey(ses, t, &id, 4, JET_bitNewKey));
	OK(JetSeek(ses, t, JET_bitSeekEQ));
}

static int32_t hits_of(JET_SESID ses, JET_TABLEID t, JET_COLUMNID col)
{
	int32_t v = -1;
	unsigned long cb = 0;

	OK(JetRetrieveColumn(ses, t, col, &v, 4, &cb, 0, NULL));
	return v;
}

typedef struct esc_worker {
	env *e;
	JET_COLUMNID hits;
	int n;
	int conflicts;
} esc_worker;

static void *esc_run(void *arg)
{
	esc_worker *w = arg;
	JET_SESID ses;
	JET_DBID db;
	JET_TABLEID t;
	int32_t one = 1;
	int i;

	OK(JetBeginSession(w->e->inst, &ses, NULL, NULL));
	t = open_people(w->e, ses, &db);
	for (i = 0; i < w->n; i++) {
		JET_ERR err;
		OK(JetBeginTransaction(ses));
		seek_id(ses, t, 1);
		err = JetEscrowUpdate(ses, t, w->hits, &one, 4, NULL, 0, NULL, 0);
		if (err == JET_errWriteConflict) {
			w->conflicts++;
			OK(JetRollback(ses, 0));
			continue;
		}
		OK(err);
		OK(JetCommitTransaction(ses, JET_bitCommitLazyFlush));
	}
	OK(JetCloseTable(ses, t));
	OK(JetEndSession(ses, 0));
	return NULL;
}

START_TEST(test_escrow_concurrent)
{
	env e;
	pcols c;
	JET_TABLEID t, t2;
	JET_SESID s2;
	JET_DBID db2;
	int32_t d, age = 9;
	esc_worker w[4];
	pthread_t th[4];
	int i, conflicts = 0;
	char path[300];

	env_start(&e);
	t = make_people(&e, &c, 3);
	/* Give record 1 a stored counter (the first update stores the
	 * default-valued column: a locked write). */
	seek_id(e.ses, t, 1);
	OK(JetBeginTransaction(e.ses));
	d = 100;
	OK(JetEscrowUpdate(e.ses, t, c.hits, &d, 4, NULL, 0, NULL, 0));
	OK(JetCommitTransaction(e.ses, 0));

	OK(JetBeginSession(e.inst, &s2, NULL, NULL));
	t2 = open_people(&e, s2, &db2);
	/* Two open transactions add to the same record; both commit. */
	OK(JetBeginTransaction(e.ses));
	OK(JetBeginTransaction(s2));
	seek_id(e.ses, t, 1);
	seek_id(s2, t2, 1);
	d = 5;
	OK(JetEscrowUpdate(e.ses, t, c.hits, &d, 4, NULL, 0, NULL, 0));
	d = 7;
	OK(JetEscrowUpdate(s2, t2, c.hits, &d, 4, NULL, 0, NULL, 0));
	OK(JetEscrowUpdate(s2, t2, c.hits, &d, 4, NULL, 0, NULL, 0));
	ck_assert_int_eq(hits_of(e.ses, t, c.hits), 105); /* each sees its own */
	ck_assert_int_eq(hits_of(s2, t2, c.hits), 114);
	/* A locked write of the record meanwhile conflicts, both ways. */
	ERR(JetPrepareUpdate(s2, t2, JET_prepReplace), JET_errWriteConflict);
	OK(JetCommitTransaction(e.ses, 0));
	ck_assert_int_eq(hits_of(e.ses, t, c.hits), 105);
	OK(JetCommitTransaction(s2, 0));
	ck_assert_int_eq(hits_of(e.ses, t, c.hits), 119);
	ck_assert_int_eq(hits_of(s2, t2, c.hits), 119);

	/* A rolled-back escrow adds nothing; a savepoint rolled back inside
	 * a committed transaction neither. */
	OK(JetBeginTransaction(e.ses));
	OK(JetBeginTransaction(s2));
	d = 1000;
	OK(JetEscrowUpdate(e.ses, t, c.hits, &d, 4, NULL, 0, NULL, 0));
	OK(JetBeginTransaction(s2));
	OK(JetEscrowUpdate(s2, t2, c.hits, &d, 4, NULL, 0, NULL, 0));
	OK(JetRollback(s2, 0));
	d = 1;
	OK(JetEscrowUpdate(s2, t2, c.hits, &d, 4, NULL, 0, NULL, 0));
	OK(JetRollback(e.ses, 0));
	OK(JetCommitTransaction(s2, 0));
	ck_assert_int_eq(hits_of(e.ses, t, c.hits), 120);

	/* An escrow update of a record changed by a locked write after the
	 * snapshot conflicts (its bytes are not the snapshot's any more). */
	OK(JetBeginTransaction(s2));
	seek_id(s2, t2, 1);
	OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
	OK(JetSetColumn(e.ses, t, c.age, &age, 4, 0, NULL));
	OK(JetUpdate(e.ses, t, NULL, 0, NULL));
	ERR(JetEscrowUpdate(s2, t2, c.hits, &d, 4, NULL, 0, NULL, 0), JET_errWriteConflict);
	OK(JetRollback(s2, 0));
	/* A sole holder may go on to a locked write of the record. */
	OK(JetBeginTransaction(s2));
	seek_id(s2, t2, 1);
	OK(JetEscrowUpdate(s2, t2, c.hits, &d, 4, NULL, 0, NULL, 0));
	OK(JetPrepareUpdate(s2, t2, JET_prepReplace));
	OK(JetSetColumn(s2, t2, c.age, &age, 4, 0, NULL));
	OK(JetUpdate(s2, t2, NULL, 0, NULL));
	OK(JetCommitTransaction(s2, 0));
	ck_assert_int_eq(hits_of(e.ses, t, c.hits), 121);
	OK(JetCloseTable(s2, t2));
	OK(JetEndSession(s2, 0));

	/* Four threads, 200 increments each, no conflicts, none lost. */
	for (i = 0; i < 4; i++) {
		w[i].e = &e;
		w[i].hits = c.hits;
		w[i].n = 200;
		w[i].conflicts = 0;
		ck_assert_int_eq(pthread_create(&th[i], NULL, esc_run, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		conflicts += w[i].conflicts;
	}
	ck_assert_int_eq(conflicts, 0);
	seek_id(e.ses, t, 1);
	ck_assert_int_eq(hits_of(e.ses, t, c.hits), 921);

	/* The merged values are what the log holds: a crash and recovery
	 * give the same total (the lazy commits flushed first). */
	OK(JetCommitTransaction(e.ses, JET_bitWaitAllLevel0Commit));
	OK(JetCloseTable(e.ses, t));
	OK(JetEndSession(e.ses, 0));
	OK(JetTerm2(e.inst, JET_bitTermAbrupt));
	snprintf(path, sizeof(path), "%s/", e.dir);
	e.inst = 0;
	OK(JetCreateInstance(&e.inst, "test_conformance2"));
	OK(JetSetSystemParameter(&e.inst, 0, JET_paramSystemPath, 0, path));
	OK(JetSetSystemParameter(&e.inst, 0, JET_paramLogFilePath, 0, path));
	OK(JetInit(&e.inst));
	OK(JetBeginSession(e.inst, &e.ses, NULL, NULL));
	OK(JetAttachDatabase(e.ses, e.dbpath, 0));
	t = open_people(&e, e.ses, &e.db);
	seek_id(e.ses, t, 1);
	ck_assert_int_eq(hits_of(e.ses, t, c.hits), 921);
	OK(JetCloseTable(e.ses, t));
	env_stop(&e);
}
END_TEST


/* ------------------------------------------------------------------ */
/* Documented errors by state and argument, table-driven               */
/* ------------------------------------------------------------------ */

/* Each row sets up what it needs on a fresh cursor (x->f, before the first
 * record of "people": ids 1..3, NOT NULL id, index "byage", escrow "hits")
 * and returns what the call under test answered. Between rows every
 * transaction is rolled back and the cursors are reopened. */
typedef struct sctx {
	env *e;
	pcols c;
	JET_TABLEID f;  /* fresh cursor on people */
	JET_SESID s2;   /* a second session, database open */
	JET_DBID db2;
} sctx;

typedef struct scase {
	const char *name;
	JET_ERR (*fn)(sctx *x);
	JET_ERR want;
	bool txn; /* run in a transaction the harness rolls back */
} scase;

#define W(name, ...)                                                                               \
	static JET_ERR w_##name(sctx *x)                                                           \
	{                                                                                          \
		JET_SESID ses = x->e->ses;                                                         \
		JET_TABLEID f = x->f;                                                              \
		const pcols *c = &x->c;                                                            \
		(void)ses;                                                                         \
		(void)f;                                                                           \
		(void)c;                                                                           \
		__VA_ARGS__                                                                        \
	}

static int32_t g_i32;

static void s_first(sctx *x)
{
	OK(JetMove(x->e->ses, x->f, JET_MoveFirst, 0));
}

/* Transactions */
W(commit_outside, return JetCommitTransaction(ses, 0);)
W(rollback_outside, return JetRollback(ses, 0);)
W(begin_8th, for (int i = 0; i < 7; i++) OK(JetBeginTransaction(ses));
  return JetBeginTransaction(ses);)
W(begin2_grbit, return JetBeginTransaction2(ses, 0x100);)
W(commit_grbit, OK(JetBeginTransaction(ses)); return JetCommitTransaction(ses, 0x100);)
W(rollback_grbit, OK(JetBeginTransaction(ses)); return JetRollback(ses, 0x100);)
W(readonly_update, OK(JetBeginTransaction2(ses, JET_bitTransactionReadOnly));
  OK(JetPrepareUpdate(ses, f, JET_prepInsert)); g_i32 = 50;
  OK(JetSetColumn(ses, f, c->id, &g_i32, 4, 0, NULL));
  return JetUpdate(ses, f, NULL, 0, NULL);)
W(readonly_delete, OK(JetBeginTransaction2(ses, JET_bitTransactionReadOnly)); s_first(x);
  return JetDelete(ses, f);)
W(readonly_escrow, OK(JetBeginTransaction2(ses, JET_bitTransactionReadOnly)); s_first(x);
  g_i32 = 1; return JetEscrowUpdate(ses, f, c->hits, &g_i32, 4, NULL, 0, NULL, 0);)
W(getlock_outside, s_first(x); return JetGetLock(ses, f, JET_bitWriteLock);)
W(escrow_outside, s_first(x); g_i32 = 1;
  return JetEscrowUpdate(ses, f, c->hits, &g_i32, 4, NULL, 0, NULL, 0);)

/* Updates */
W(update_unprepared, return JetUpdate(ses, f, NULL, 0, NULL);)
W(setcolumn_unprepared, g_i32 = 1; return JetSetColumn(ses, f, c->age, &g_i32, 4, 0, NULL);)
W(cancel_unprepared, return JetPrepareUpdate(ses, f, JET_prepCancel);)
W(prepare_twice, OK(JetPrepareUpdate(ses, f, JET_prepInsert));
  return JetPrepareUpdate(ses, f, JET_prepInsert);)
W(prepare_bad, return JetPrepareUpdate(ses, f, 99);)
W(replace_no_record, return JetPrepareUpdate(ses, f, JET_prepReplace);)
W(copy_no_record, return JetPrepareUpdate(ses, f, JET_prepInsertCopy);)
W(delete_no_record, return JetDelete(ses, f);)
W(retrieve_no_record, return JetRetrieveColumn(ses, f, c->age, &g_i32, 4, NULL, 0, NULL);)
W(bookmark_no_record, char b[64]; unsigned long cb;
  return JetGetBookmark(ses, f, b, sizeof(b), &cb);)
W(move_past_end, OK(JetMove(ses, f, JET_MoveLast, 0)); return JetMove(ses, f, JET_MoveNext, 0);)
W(move_before_first, s_first(x); return JetMove(ses, f, JET_MovePrevious, 0);)
W(retrieve_deleted, s_first(x); OK(JetDelete(ses, f));
  return JetRetrieveColumn(ses, f, c->age, &g_i32, 4, NULL, 0, NULL);)
W(goto_deleted, char b[64]; unsigned long cb; s_first(x);
  OK(JetGetBookmark(ses, f, b, sizeof(b), &cb)); OK(JetDelete(ses, f));
  return JetGotoBookmark(ses, f, b, cb);)
W(key_duplicate, OK(JetPrepareUpdate(ses, f, JET_prepInsert)); g_i32 = 2;
  OK(JetSetColumn(ses, f, c->id, &g_i32, 4, 0, NULL));
  return JetUpdate(ses, f, NULL, 0, NULL);)
W(null_invalid, OK(JetPrepareUpdate(ses, f, JET_prepInsert)); g_i32 = 7;
  OK(JetSetColumn(ses, f, c->age, &g_i32, 4, 0, NULL));
  return JetUpdate(ses, f, NULL, 0, NULL);)
W(primary_changed, s_first(x); OK(JetPrepareUpdate(ses, f, JET_prepReplace)); g_i32 = 70;
  OK(JetSetColumn(ses, f, c->id, &g_i32, 4, 0, NULL));
  return JetUpdate(ses, f, NULL, 0, NULL);)
W(setcolumn_bad_column, OK(JetPrepareUpdate(ses, f, JET_prepInsert));
  return JetSetColumn(ses, f, 0x7777, &g_i32, 4, 0, NULL);)
W(setcolumn_bad_size, OK(JetPrepareUpdate(ses, f, JET_prepInsert));
  return JetSetColumn(ses, f, c->age, &g_i32, 3, 0, NULL);)
W(setcolumn_too_big, static char big[300]; OK(JetPrepareUpdate(ses, f, JET_prepInsert));
  return JetSetColumn(ses, f, c->name, big, sizeof(big), 0, NULL);)
W(setcolumn_grbit, OK(JetPrepareUpdate(ses, f, JET_prepInsert));
  return JetSetColumn(ses, f, c->age, &g_i32, 4, 0x80000000, NULL);)
W(retrieve_bad_column, s_first(x);
  return JetRetrieveColumn(ses, f, 0x7777, &g_i32, 4, NULL, 0, NULL);)
W(retrieve_grbit, s_first(x);
  return JetRetrieveColumn(ses, f, c->age, &g_i32, 4, NULL, 0x80000000, NULL);)
W(write_conflict, JET_TABLEID t2; OK(JetOpenTable(x->s2, x->db2, "people", NULL, 0, 0, &t2));
  OK(JetMove(x->s2, t2, JET_MoveFirst, 0)); OK(JetBeginTransaction(x->s2));
  OK(JetPrepareUpdate(x->s2, t2, JET_prepReplace)); OK(JetBeginTransaction(ses)); s_first(x);
  JET_ERR err = JetPrepareUpdate(ses, f, JET_prepReplace); OK(JetRollback(x->s2, 0));
  OK(JetCloseTable(x->s2, t2)); return err;)

/* Keys and indexes */
W(seek_no_key, return JetSeek(ses, f, JET_bitSeekEQ);)
W(range_no_key, return JetSetIndexRange(ses, f, 0);)
W(range_remove_none, return JetSetIndexRange(ses, f, JET_bitRangeRemove);)
W(seek_not_found, g_i32 = 77; OK(JetMakeKey(ses, f, &g_i32, 4, JET_bitNewKey));
  return JetSeek(ses, f, JET_bitSeekEQ);)
W(seek_grbit, g_i32 = 1; OK(JetMakeKey(ses, f, &g_i32, 4, JET_bitNewKey));
  return JetSeek(ses, f, JET_bitSeekEQ | JET_bitSeekGE);)
W(makekey_full, g_i32 = 1; OK(JetMakeKey(ses, f, &g_i32, 4, JET_bitNewKey));
  return JetMakeKey(ses, f, &g_i32, 4, 0);)
W(makekey_grbit, return JetMakeKey(ses, f, &g_i32, 4, JET_bitNewKey | 0x80000000);)
W(index_not_found, return JetSetCurrentIndex(ses, f, "nope");)
W(index_has_primary, return JetCreateIndex(ses, f, "pk2", JET_bitIndexPrimary, "+age\0", 6, 100);)
W(index_duplicate, return JetCreateIndex(ses, f, "byage", 0, "+name\0", 7, 100);)
W(index_bad_key, return JetCreateIndex(ses, f, "i2", 0, "\0", 1, 100);)
W(index_bad_column, return JetCreateIndex(ses, f, "i2", 0, "+nope\0", 7, 100);)
W(index_bad_grbit, return JetCreateIndex(ses, f, "i2", 0x40000000, "+name\0", 7, 100);)
W(index_unique_dups, return JetCreateIndex(ses, f, "i2", JET_bitIndexUnique, "+hits\0", 7, 100);)
W(index_must_stay, return JetDeleteIndex(ses, f, "pk");)
W(delete_index_missing, return JetDeleteIndex(ses, f, "nope");)
W(index_info_missing, unsigned long n;
  return JetGetTableIndexInfo(ses, f, "nope", &n, sizeof(n), JET_IdxInfoCount);)
W(index_info_level, unsigned long n; return JetGetTableIndexInfo(ses, f, NULL, &n, sizeof(n), 99);)

/* Columns */
W(column_in_use, return JetDeleteColumn(ses, f, "age");)
W(column_missing, return JetDeleteColumn(ses, f, "nope");)
W(column_duplicate, JET_COLUMNDEF cd = {sizeof(cd), 0, JET_coltypLong, 0, 0, 0, 0, 0, 0};
  return JetAddColumn(ses, f, "age", &cd, NULL, 0, NULL);)
W(column_bad_type, JET_COLUMNDEF cd = {sizeof(cd), 0, 99, 0, 0, 0, 0, 0, 0};
  return JetAddColumn(ses, f, "z", &cd, NULL, 0, NULL);)
W(column_bad_grbit, JET_COLUMNDEF cd = {sizeof(cd), 0, JET_coltypLong, 0, 0, 0, 0, 0, 0x40000000};
  return JetAddColumn(ses, f, "z", &cd, NULL, 0, NULL);)
W(column_mv_fixed, JET_COLUMNDEF cd = {sizeof(cd), 0, JET_coltypLong, 0, 0, 0, 0, 0,
				       JET_bitColumnMultiValued | JET_bitColumnFixed};
  return JetAddColumn(ses, f, "z", &cd, NULL, 0, NULL);)
W(column_bad_name, JET_COLUMNDEF cd = {sizeof(cd), 0, JET_coltypLong, 0, 0, 0, 0, 0, 0};
  return JetAddColumn(ses, f, "", &cd, NULL, 0, NULL);)
W(column_rename_dup, return JetRenameColumn(ses, f, "age", "name", 0);)
W(column_rename_missing, return JetRenameColumn(ses, f, "nope", "z", 0);)
W(column_info_missing, JET_COLUMNDEF cd;
  return JetGetTableColumnInfo(ses, f, "nope", &cd, sizeof(cd), JET_ColInfo);)
W(column_info_small, JET_COLUMNDEF cd;
  return JetGetTableColumnInfo(ses, f, "age", &cd, 4, JET_ColInfo);)

/* Tables and databases */
W(table_duplicate, JET_TABLEID t; return JetCreateTable(ses, x->e->db, "people", 0, 0, &t);)
W(table_missing, JET_TABLEID t; return JetOpenTable(ses, x->e->db, "nope", NULL, 0, 0, &t);)
W(table_open_grbit, JET_TABLEID t;
  return JetOpenTable(ses, x->e->db, "people", NULL, 0, 0x40000000, &t);)
W(table_delete_in_use, return JetDeleteTable(ses, x->e->db, "people");)
W(table_delete_missing, return JetDeleteTable(ses, x->e->db, "nope");)
W(table_rename_dup, JET_TABLEID t; OK(JetCreateTable(ses, x->e->db, "other", 0, 0, &t));
  OK(JetCloseTable(ses, t)); JET_ERR err = JetRenameTable(ses, x->e->db, "other", "people");
  OK(JetDeleteTable(ses, x->e->db, "other")); return err;)
W(table_bad_name, JET_TABLEID t; return JetCreateTable(ses, x->e->db, "", 0, 0, &t);)
W(table_density, JET_TABLEID t; return JetCreateTable(ses, x->e->db, "d", 0, 5, &t);)
W(deny_in_use, JET_TABLEID t2;
  return JetOpenTable(x->s2, x->db2, "people", NULL, 0, JET_bitTableDenyRead, &t2);)
W(deny_read_locked, JET_TABLEID t2, t; OK(JetCloseTable(ses, f));
  OK(JetOpenTable(x->s2, x->db2, "people", NULL, 0, JET_bitTableDenyRead, &t2));
  JET_ERR err = JetOpenTable(ses, x->e->db, "people", NULL, 0, JET_bitTableReadOnly, &t);
  OK(JetCloseTable(x->s2, t2)); OK(JetOpenTable(ses, x->e->db, "people", NULL, 0, 0, &t));
  OK(JetCloseTable(ses, t)); return err;)
W(deny_write_locked, JET_TABLEID t2, t; OK(JetCloseTable(ses, f));
  OK(JetOpenTable(x->s2, x->db2, "people", NULL, 0, JET_bitTableDenyWrite, &t2));
  OK(JetOpenTable(ses, x->e->db, "people", NULL, 0, JET_bitTableReadOnly, &t));
  OK(JetCloseTable(ses, t));
  JET_ERR err = JetOpenTable(ses, x->e->db, "people", NULL, 0, 0, &t);
  OK(JetCloseTable(x->s2, t2)); return err;)
W(deny_own_session, JET_TABLEID t;
  OK(JetOpenTable(ses, x->e->db, "people", NULL, 0, JET_bitTableDenyRead, &t));
  JET_ERR err = JetOpenTable(x->s2, x->db2, "people", NULL, 0, 0, &f);
  OK(JetCloseTable(ses, t)); return err;)
W(db_bad_id, return JetCloseDatabase(ses, 77, 0);)
W(db_duplicate, JET_DBID d; return JetCreateDatabase(ses, x->e->dbpath, NULL, &d, 0);)
W(db_attach_missing, return JetAttachDatabase(ses, "/nonexistent/x.edb", 0);)
W(db_info_level, unsigned long v; return JetGetDatabaseInfo(ses, x->e->db, &v, sizeof(v), 99);)
W(table_info_level, unsigned long v; return JetGetTableInfo(ses, f, &v, sizeof(v), 99);)
W(end_session_grbit, return JetEndSession(ses, 0x100);)
W(dup_cursor_grbit, JET_TABLEID t; return JetDupCursor(ses, f, &t, 1);)
W(move_grbit, return JetMove(ses, f, JET_MoveFirst, 0x100);)

#undef W

#define R(name, want) {#name, w_##name, want, false}
#define RT(name, want) {#name, w_##name, want, true}
static const scase g_state_cases[] = {
    R(commit_outside, JET_errNotInTransaction),
    R(rollback_outside, JET_errNotInTransaction),
    R(begin_8th, JET_errTransTooDeep),
    R(begin2_grbit, JET_errInvalidGrbit),
    R(commit_grbit, JET_errInvalidGrbit),
    R(rollback_grbit, JET_errInvalidGrbit),
    R(readonly_update, JET_errTransReadOnly),
    R(readonly_delete, JET_errTransReadOnly),
    R(readonly_escrow, JET_errTransReadOnly),
    R(getlock_outside, JET_errNotInTransaction),
    R(escrow_outside, JET_errNotInTransaction),
    R(update_unprepared, JET_errUpdateNotPrepared),
    R(setcolumn_unprepared, JET_errUpdateNotPrepared),
    R(cancel_unprepared, JET_errUpdateNotPrepared),
    R(prepare_twice, JET_errAlreadyPrepared),
    R(prepare_bad, JET_errInvalidParameter),
    R(replace_no_record, JET_errNoCurrentRecord),
    R(copy_no_record, JET_errNoCurrentRecord),
    R(delete_no_record, JET_errNoCurrentRecord),
    R(retrieve_no_record, JET_errNoCurrentRecord),
    R(bookmark_no_record, JET_errNoCurrentRecord),
    R(move_past_end, JET_errNoCurrentRecord),
    R(move_before_first, JET_errNoCurrentRecord),
    RT(retrieve_deleted, JET_errRecordDeleted),
    RT(goto_deleted, JET_errRecordDeleted),
    R(key_duplicate, JET_errKeyDuplicate),
    R(null_invalid, JET_errNullInvalid),
    R(primary_changed, JET_errRecordPrimaryChanged),
    R(setcolumn_bad_column, JET_errColumnNotFound),
    R(setcolumn_bad_size, JET_errInvalidBufferSize),
    R(setcolumn_too_big, JET_errColumnTooBig),
    R(setcolumn_grbit, JET_errInvalidGrbit),
    R(retrieve_bad_column, JET_errColumnNotFound),
    R(retrieve_grbit, JET_errInvalidGrbit),
    R(write_conflict, JET_errWriteConflict),
    R(seek_no_key, JET_errKeyNotMade),
    R(range_no_key, JET_errKeyNotMade),
    R(range_remove_none, JET_errInvalidOperation),
    R(seek_not_found, JET_errRecordNotFound),
    R(seek_grbit, JET_errInvalidGrbit),
    R(makekey_full, JET_errKeyIsMade),
    R(makekey_grbit, JET_errInvalidGrbit),
    R(index_not_found, JET_errIndexNotFound),
    R(index_has_primary, JET_errIndexHasPrimary),
    R(index_duplicate, JET_errIndexDuplicate),
    R(index_bad_key, JET_errIndexInvalidDef),
    R(index_bad_column, JET_errColumnNotFound),
    R(index_bad_grbit, JET_errInvalidGrbit),
    R(index_unique_dups, JET_errKeyDuplicate),
    R(index_must_stay, JET_errIndexMustStay),
    R(delete_index_missing, JET_errIndexNotFound),
    R(index_info_missing, JET_errIndexNotFound),
    R(index_info_level, JET_errInvalidParameter),
    R(column_in_use, JET_errColumnInUse),
    R(column_missing, JET_errColumnNotFound),
    R(column_duplicate, JET_errColumnDuplicate),
    R(column_bad_type, JET_errInvalidColumnType),
    R(column_bad_grbit, JET_errInvalidGrbit),
    R(column_mv_fixed, JET_errMultiValuedColumnMustBeTagged),
    R(column_bad_name, JET_errInvalidName),
    R(column_rename_dup, JET_errColumnDuplicate),
    R(column_rename_missing, JET_errColumnNotFound),
    R(column_info_missing, JET_errColumnNotFound),
    R(column_info_small, JET_errInvalidBufferSize),
    R(table_duplicate, JET_errTableDuplicate),
    R(table_missing, JET_errObjectNotFound),
    R(table_open_grbit, JET_errInvalidGrbit),
    R(table_delete_in_use, JET_errTableInUse),
    R(table_delete_missing, JET_errObjectNotFound),
    R(table_rename_dup, JET_errTableDuplicate),
    R(table_bad_name, JET_errInvalidName),
    R(table_density, JET_errDensityInvalid),
    R(deny_in_use, JET_errTableInUse),
    R(deny_read_locked, JET_errTableLocked),
    R(deny_write_locked, JET_errTableLocked),
    R(deny_own_session, JET_errTableLocked),
    R(db_bad_id, JET_errInvalidDatabaseId),
    R(db_duplicate, JET_errDatabaseDuplicate),
    R(db_attach_missing, JET_errFileNotFound),
    R(db_info_level, JET_errInvalidParameter),
    R(table_info_level, JET_errInvalidParameter),
    R(end_session_grbit, JET_errInvalidParameter),
    R(dup_cursor_grbit, JET_errInvalidGrbit),
    R(move_grbit, JET_errInvalidGrbit),
};
#undef R
#undef RT

START_TEST(test_state_errors)
{
	env e;
	sctx x;
	JET_TABLEID t;
	size_t i;
	int bad = 0;

	env_start(&e);
	memset(&x, 0, sizeof(x));
	x.e = &e;
	t = make_people(&e, &x.c, 3);
	OK(JetCloseTable(e.ses, t));
	OK(JetBeginSession(e.inst, &x.s2, NULL, NULL));
	OK(JetOpenDatabase(x.s2, e.dbpath, NULL, &x.db2, 0));
	for (i = 0; i < sizeof(g_state_cases) / sizeof(g_state_cases[0]); i++) {
		const scase *sc = &g_state_cases[i];
		JET_ERR got;
		OK(JetOpenTable(e.ses, e.db, "people", NULL, 0, 0, &x.f));
		if (sc->txn)
			OK(JetBeginTransaction(e.ses));
		got = sc->fn(&x);
		(void)JetPrepareUpdate(e.ses, x.f, JET_prepCancel);
		(void)JetRollback(e.ses, JET_bitRollbackAll);
		(void)JetCloseTable(e.ses, x.f);
		if (got != sc->want) {
			fprintf(stderr, "%s: got %ld (%s), want %ld (%s)\n", sc->name, got,
				JetErrorName(got), sc->want, JetErrorName(sc->want));
			bad++;
		}
	}
	/* Nothing a row did stayed. */
	OK(JetOpenTable(e.ses, e.db, "people", NULL, 0, 0, &t));
	{
		unsigned long n = 0;
		OK(JetIndexRecordCount(e.ses, t, &n, 0));
		ck_assert_uint_eq(n, 3);
	}
	OK(JetCloseTable(e.ses, t));
	OK(JetEndSession(x.s2, 0));
	env_stop(&e);
	ck_assert_int_eq(bad, 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Handles and NULLs, table-driven                                    */
/* ------------------------------------------------------------------ */

/* What one row of the table is called with. */
typedef struct hctx {
	JET_INSTANCE inst;
	JET_SESID ses;
	JET_DBID db;
	JET_TABLEID t;
	JET_COLUMNID col;
	const char *dbpath;
} hctx;

typedef JET_ERR (*hcall)(const hctx *h);

/* The rows: a function and what it must answer. */
typedef struct hcase {
	const char *name;
	hcall fn;
	JET_ERR want;
} hcase;

static char g_buf[4096];
static unsigned long g_ul;

#define BADSES ((JET_SESID)0x7777777)
#define BADTAB ((JET_TABLEID)0x7777777)

/* Invalid session. */
#define S(fnname, expr)                                                                            \
	static JET_ERR s_##fnname(const hctx *h)                                                   \
	{                                                                                          \
		JET_SESID ses = BADSES;                                                            \
		(void)h;                                                                           \
		return expr;                                                                       \
	}
S(JetBeginTransaction, JetBeginTransaction(ses))
S(JetBeginTransaction2, JetBeginTransaction2(ses, 0))
S(JetCommitTransaction, JetCommitTransaction(ses, 0))
S(JetRollback, JetRollback(ses, 0))
S(JetEndSession, JetEndSession(ses, 0))
S(JetDupSession, JetDupSession(ses, (JET_SESID *)g_buf))
S(JetCreateDatabaseA, JetCreateDatabaseA(ses, "/tmp/x.edb", NULL, (JET_DBID *)g_buf, 0))
S(JetAttachDatabaseA, JetAttachDatabaseA(ses, h->dbpath, 0))
S(JetDetachDatabaseA, JetDetachDatabaseA(ses, h->dbpath))
S(JetOpenDatabaseA, JetOpenDatabaseA(ses, h->dbpath, NULL, (JET_DBID *)g_buf, 0))
S(JetCloseDatabase, JetCloseDatabase(ses, h->db, 0))
S(JetGetDatabaseInfoA, JetGetDatabaseInfoA(ses, h->db, g_buf, sizeof(g_buf), JET_DbInfoFilename))
S(JetCreateTableA, JetCreateTableA(ses, h->db, "x", 0, 0, (JET_TABLEID *)g_buf))
S(JetCreateTableColumnIndexA, JetCreateTableColumnIndexA(ses, h->db, (JET_TABLECREATE *)g_buf))
S(JetDeleteTableA, JetDeleteTableA(ses, h->db, "t"))
S(JetRenameTableA, JetRenameTableA(ses, h->db, "t", "u"))
S(JetOpenTableA, JetOpenTableA(ses, h->db, "t", NULL, 0, 0, (JET_TABLEID *)g_buf))
S(JetCloseTable, JetCloseTable(ses, h->t))
S(JetDupCursor, JetDupCursor(ses, h->t, (JET_TABLEID *)g_buf, 0))
S(JetOpenTempTable, JetOpenTempTable(ses, (JET_COLUMNDEF *)g_buf, 0, 0, (JET_TABLEID *)g_buf,
				     (JET_COLUMNID *)(g_buf + 64)))
S(JetGetTableInfoA, JetGetTableInfoA(ses, h->t, g_buf, sizeof(g_buf), JET_TblInfoName))
S(JetGetObjectInfoA, JetGetObjectInfoA(ses, h->db, JET_objtypTable, NULL, "t", g_buf,
				       sizeof(g_buf), JET_ObjInfo))
S(JetGetLock, JetGetLock(ses, h->t, JET_bitWriteLock))
S(JetComputeStats, JetComputeStats(ses, h->t))
S(JetAddColumnA, JetAddColumnA(ses, h->t, "z", (JET_COLUMNDEF *)g_buf, NULL, 0, NULL))
S(JetDeleteColumnA, JetDeleteColumnA(ses, h->t, "a"))
S(JetDeleteColumn2A, JetDeleteColumn2A(ses, h->t, "a", 0))
S(JetRenameColumnA, JetRenameColumnA(ses, h->t, "a", "b", 0))
S(JetGetColumnInfoA, JetGetColumnInfoA(ses, h->db, "t", "a", g_buf, sizeof(g_buf), JET_ColInfo))
S(JetGetTableColumnInfoA, JetGetTableColumnInfoA(ses, h->t, "a", g_buf, sizeof(g_buf),
						 JET_ColInfo))
S(JetCreateIndexA, JetCreateIndexA(ses, h->t, "i", 0, "+a\0", 4, 100))
S(JetCreateIndex2A, JetCreateIndex2A(ses, h->t, (JET_INDEXCREATE *)g_buf, 1))
S(JetDeleteIndexA, JetDeleteIndexA(ses, h->t, "i"))
S(JetGetIndexInfoA, JetGetIndexInfoA(ses, h->db, "t", NULL, g_buf, sizeof(g_buf),
				     JET_IdxInfoCount))
S(JetGetTableIndexInfoA, JetGetTableIndexInfoA(ses, h->t, NULL, g_buf, sizeof(g_buf),
					       JET_IdxInfoCount))
S(JetSetCurrentIndexA, JetSetCurrentIndexA(ses, h->t, NULL))
S(JetSetCurrentIndex2A, JetSetCurrentIndex2A(ses, h->t, NULL, 0))
S(JetSetCurrentIndex3A, JetSetCurrentIndex3A(ses, h->t, NULL, 0, 1))
S(JetSetCurrentIndex4A, JetSetCurrentIndex4A(ses, h->t, NULL, NULL, 0, 1))
S(JetGetCurrentIndexA, JetGetCurrentIndexA(ses, h->t, g_buf, sizeof(g_buf)))
S(JetMove, JetMove(ses, h->t, JET_MoveFirst, 0))
S(JetMakeKey, JetMakeKey(ses, h->t, g_buf, 4, JET_bitNewKey))
S(JetRetrieveKey, JetRetrieveKey(ses, h->t, g_buf, sizeof(g_buf), &g_ul, 0))
S(JetSeek, JetSeek(ses, h->t, JET_bitSeekEQ))
S(JetSetIndexRange, JetSetIndexRange(ses, h->t, 0))
S(JetIndexRecordCount, JetIndexRecordCount(ses, h->t, &g_ul, 0))
S(JetGetBookmark, JetGetBookmark(ses, h->t, g_buf, sizeof(g_buf), &g_ul))
S(JetGotoBookmark, JetGotoBookmark(ses, h->t, g_buf, 4))
S(JetGetRecordPosition, JetGetRecordPosition(ses, h->t, (JET_RECPOS *)g_buf, sizeof(JET_RECPOS)))
S(JetGotoPosition, JetGotoPosition(ses, h->t, (JET_RECPOS *)g_buf))
S(JetPrepareUpdate, JetPrepareUpdate(ses, h->t, JET_prepInsert))
S(JetSetColumn, JetSetColumn(ses, h->t, h->col, g_buf, 4, 0, NULL))
S(JetSetColumns, JetSetColumns(ses, h->t, NULL, 0))
S(JetRetrieveColumn, JetRetrieveColumn(ses, h->t, h->col, g_buf, 4, &g_ul, 0, NULL))
S(JetRetrieveColumns, JetRetrieveColumns(ses, h->t, NULL, 0))
S(JetUpdate, JetUpdate(ses, h->t, NULL, 0, NULL))
S(JetUpdate2, JetUpdate2(ses, h->t, NULL, 0, NULL, 0))
S(JetDelete, JetDelete(ses, h->t))
S(JetEscrowUpdate, JetEscrowUpdate(ses, h->t, h->col, g_buf, 4, NULL, 0, NULL, 0))
S(JetGetTableState, JetGetTableState(ses, h->t, (JET_TABLESTATE *)g_buf))
S(JetAddTableCounter, JetAddTableCounter(ses, h->t, 0, 1))
S(JetSetTableChangedTime, JetSetTableChangedTime(ses, h->t, 1))
#undef S

/* Invalid table id (with a good session). */
#define T(fnname, expr)                                                                            \
	static JET_ERR t_##fnname(const hctx *h)                                                   \
	{                                                                                          \
		JET_SESID ses = h->ses;                                                            \
		JET_TABLEID tab = BADTAB;                                                          \
		return expr;                                                                       \
	}
T(JetCloseTable, JetCloseTable(ses, tab))
T(JetDupCursor, JetDupCursor(ses, tab, (JET_TABLEID *)g_buf, 0))
T(JetGetTableInfoA, JetGetTableInfoA(ses, tab, g_buf, sizeof(g_buf), JET_TblInfoName))
T(JetGetLock, JetGetLock(ses, tab, JET_bitWriteLock))
T(JetComputeStats, JetComputeStats(ses, tab))
T(JetAddColumnA, JetAddColumnA(ses, tab, "z", (JET_COLUMNDEF *)g_buf, NULL, 0, NULL))
T(JetDeleteColumnA, JetDeleteColumnA(ses, tab, "a"))
T(JetDeleteColumn2A, JetDeleteColumn2A(ses, tab, "a", 0))
T(JetRenameColumnA, JetRenameColumnA(ses, tab, "a", "b", 0))
T(JetGetTableColumnInfoA, JetGetTableColumnInfoA(ses, tab, "a", g_buf, sizeof(g_buf),
						 JET_ColInfo))
T(JetCreateIndexA, JetCreateIndexA(ses, tab, "i", 0, "+a\0", 4, 100))
T(JetCreateIndex2A, JetCreateIndex2A(ses, tab, (JET_INDEXCREATE *)g_buf, 1))
T(JetDeleteIndexA, JetDeleteIndexA(ses, tab, "i"))
T(JetGetTableIndexInfoA, JetGetTableIndexInfoA(ses, tab, NULL, g_buf, sizeof(g_buf),
					       JET_IdxInfoCount))
T(JetSetCurrentIndexA, JetSetCurrentIndexA(ses, tab, NULL))
T(JetSetCurrentIndex2A, JetSetCurrentIndex2A(ses, tab, NULL, 0))
T(JetSetCurrentIndex3A, JetSetCurrentIndex3A(ses, tab, NULL, 0, 1))
T(JetSetCurrentIndex4A, JetSetCurrentIndex4A(ses, tab, NULL, NULL, 0, 1))
T(JetGetCurrentIndexA, JetGetCurrentIndexA(ses, tab, g_buf, sizeof(g_buf)))
T(JetMove, JetMove(ses, tab, JET_MoveFirst, 0))
T(JetMakeKey, JetMakeKey(ses, tab, g_buf, 4, JET_bitNewKey))
T(JetRetrieveKey, JetRetrieveKey(ses, tab, g_buf, sizeof(g_buf), &g_ul, 0))
T(JetSeek, JetSeek(ses, tab, JET_bitSeekEQ))
T(JetSetIndexRange, JetSetIndexRange(ses, tab, 0))
T(JetIndexRecordCount, JetIndexRecordCount(ses, tab, &g_ul, 0))
T(JetGetBookmark, JetGetBookmark(ses, tab, g_buf, sizeof(g_buf), &g_ul))
T(JetGotoBookmark, JetGotoBookmark(ses, tab, g_buf, 4))
T(JetGetRecordPosition, JetGetRecordPosition(ses, tab, (JET_RECPOS *)g_buf, sizeof(JET_RECPOS)))
T(JetGotoPosition, JetGotoPosition(ses, tab, (JET_RECPOS *)g_buf))
T(JetPrepareUpdate, JetPrepareUpdate(ses, tab, JET_prepInsert))
T(JetSetColumn, JetSetColumn(ses, tab, h->col, g_buf, 4, 0, NULL))
T(JetSetColumns, JetSetColumns(ses, tab, NULL, 0))
T(JetRetrieveColumn, JetRetrieveColumn(ses, tab, h->col, g_buf, 4, &g_ul, 0, NULL))
T(JetRetrieveColumns, JetRetrieveColumns(ses, tab, NULL, 0))
T(JetUpdate, JetUpdate(ses, tab, NULL, 0, NULL))
T(JetUpdate2, JetUpdate2(ses, tab, NULL, 0, NULL, 0))
T(JetDelete, JetDelete(ses, tab))
T(JetEscrowUpdate, JetEscrowUpdate(ses, tab, h->col, g_buf, 4, NULL, 0, NULL, 0))
T(JetGetTableState, JetGetTableState(ses, tab, (JET_TABLESTATE *)g_buf))
T(JetAddTableCounter, JetAddTableCounter(ses, tab, 0, 1))
T(JetSetTableChangedTime, JetSetTableChangedTime(ses, tab, 1))
#undef T

/* NULL where a result goes (good handles otherwise). */
#define N(fnname, expr)                                                                            \
	static JET_ERR n_##fnname(const hctx *h)                                                   \
	{                                                                                          \
		JET_SESID ses = h->ses;                                                            \
		return expr;                                                                       \
	}
N(JetDupSession, JetDupSession(ses, NULL))
N(JetCreateDatabaseA, JetCreateDatabaseA(ses, "/tmp/jet_conf_never.edb", NULL, NULL, 0))
N(JetOpenDatabaseA, JetOpenDatabaseA(ses, h->dbpath, NULL, NULL, 0))
N(JetGetDatabaseInfoA, JetGetDatabaseInfoA(ses, h->db, NULL, 64, JET_DbInfoFilename))
N(JetCreateTableA, JetCreateTableA(ses, h->db, "never", 0, 0, NULL))
N(JetCreateTableColumnIndexA, JetCreateTableColumnIndexA(ses, h->db, NULL))
N(JetOpenTableA, JetOpenTableA(ses, h->db, "t", NULL, 0, 0, NULL))
N(JetDupCursor, JetDupCursor(ses, h->t, NULL, 0))
N(JetGetTableInfoA, JetGetTableInfoA(ses, h->t, NULL, 64, JET_TblInfoName))
N(JetGetObjectInfoA, JetGetObjectInfoA(ses, h->db, JET_objtypTable, NULL, "t", NULL, 64,
				       JET_ObjInfo))
N(JetGetObjectInfoList, JetGetObjectInfoA(ses, h->db, JET_objtypTable, NULL, NULL, NULL, 64,
					  JET_ObjInfoList))
N(JetAddColumnA, JetAddColumnA(ses, h->t, "z", NULL, NULL, 0, NULL))
N(JetGetColumnInfoA, JetGetColumnInfoA(ses, h->db, "t", "a", NULL, 64, JET_ColInfo))
N(JetGetColumnInfoList, JetGetColumnInfoA(ses, h->db, "t", NULL, NULL, 64, JET_ColInfoList))
N(JetGetTableColumnInfoA, JetGetTableColumnInfoA(ses, h->t, "a", NULL, 64, JET_ColInfo))
N(JetGetIndexInfoA, JetGetIndexInfoA(ses, h->db, "t", NULL, NULL, 64, JET_IdxInfoList))
N(JetGetTableIndexInfoA, JetGetTableIndexInfoA(ses, h->t, NULL, NULL, 64, JET_IdxInfoCount))
N(JetGetCurrentIndexA, JetGetCurrentIndexA(ses, h->t, NULL, 64))
N(JetIndexRecordCount, JetIndexRecordCount(ses, h->t, NULL, 0))
N(JetGetRecordPosition, JetGetRecordPosition(ses, h->t, NULL, sizeof(JET_RECPOS)))
N(JetGotoPosition, JetGotoPosition(ses, h->t, NULL))
N(JetSetColumns, JetSetColumns(ses, h->t, NULL, 1))
N(JetRetrieveColumns, JetRetrieveColumns(ses, h->t, NULL, 1))
#undef N

#define ROW(p, fnname, want) {#fnname, p##_##fnname, want}
static const hcase g_cases[] = {
    ROW(s, JetBeginTransaction, JET_errInvalidSesid),
    ROW(s, JetBeginTransaction2, JET_errInvalidSesid),
    ROW(s, JetCommitTransaction, JET_errInvalidSesid),
    ROW(s, JetRollback, JET_errInvalidSesid),
    ROW(s, JetEndSession, JET_errInvalidSesid),
    ROW(s, JetDupSession, JET_errInvalidSesid),
    ROW(s, JetCreateDatabaseA, JET_errInvalidSesid),
    ROW(s, JetAttachDatabaseA, JET_errInvalidSesid),
    ROW(s, JetDetachDatabaseA, JET_errInvalidSesid),
    ROW(s, JetOpenDatabaseA, JET_errInvalidSesid),
    ROW(s, JetCloseDatabase, JET_errInvalidSesid),
    ROW(s, JetGetDatabaseInfoA, JET_errInvalidSesid),
    ROW(s, JetCreateTableA, JET_errInvalidSesid),
    ROW(s, JetCreateTableColumnIndexA, JET_errInvalidSesid),
    ROW(s, JetDeleteTableA, JET_errInvalidSesid),
    ROW(s, JetRenameTableA, JET_errInvalidSesid),
    ROW(s, JetOpenTableA, JET_errInvalidSesid),
    ROW(s, JetCloseTable, JET_errInvalidSesid),
    ROW(s, JetDupCursor, JET_errInvalidSesid),
    ROW(s, JetOpenTempTable, JET_errInvalidSesid),
    ROW(s, JetGetTableInfoA, JET_errInvalidSesid),
    ROW(s, JetGetObjectInfoA, JET_errInvalidSesid),
    ROW(s, JetGetLock, JET_errInvalidSesid),
    ROW(s, JetComputeStats, JET_errInvalidSesid),
    ROW(s, JetAddColumnA, JET_errInvalidSesid),
    ROW(s, JetDeleteColumnA, JET_errInvalidSesid),
    ROW(s, JetDeleteColumn2A, JET_errInvalidSesid),
    ROW(s, JetRenameColumnA, JET_errInvalidSesid),
    ROW(s, JetGetColumnInfoA, JET_errInvalidSesid),
    ROW(s, JetGetTableColumnInfoA, JET_errInvalidSesid),
    ROW(s, JetCreateIndexA, JET_errInvalidSesid),
    ROW(s, JetCreateIndex2A, JET_errInvalidSesid),
    ROW(s, JetDeleteIndexA, JET_errInvalidSesid),
    ROW(s, JetGetIndexInfoA, JET_errInvalidSesid),
    ROW(s, JetGetTableIndexInfoA, JET_errInvalidSesid),
    ROW(s, JetSetCurrentIndexA, JET_errInvalidSesid),
    ROW(s, JetSetCurrentIndex2A, JET_errInvalidSesid),
    ROW(s, JetSetCurrentIndex3A, JET_errInvalidSesid),
    ROW(s, JetSetCurrentIndex4A, JET_errInvalidSesid),
    ROW(s, JetGetCurrentIndexA, JET_errInvalidSesid),
    ROW(s, JetMove, JET_errInvalidSesid),
    ROW(s, JetMakeKey, JET_errInvalidSesid),
    ROW(s, JetRetrieveKey, JET_errInvalidSesid),
    ROW(s, JetSeek, JET_errInvalidSesid),
    ROW(s, JetSetIndexRange, JET_errInvalidSesid),
    ROW(s, JetIndexRecordCount, JET_errInvalidSesid),
    ROW(s, JetGetBookmark, JET_errInvalidSesid),
    ROW(s, JetGotoBookmark, JET_errInvalidSesid),
    ROW(s, JetGetRecordPosition, JET_errInvalidSesid),
    ROW(s, JetGotoPosition, JET_errInvalidSesid),
    ROW(s, JetPrepareUpdate, JET_errInvalidSesid),
    ROW(s, JetSetColumn, JET_errInvalidSesid),
    ROW(s, JetSetColumns, JET_errInvalidSesid),
    ROW(s, JetRetrieveColumn, JET_errInvalidSesid),
    ROW(s, JetRetrieveColumns, JET_errInvalidSesid),
    ROW(s, JetUpdate, JET_errInvalidSesid),
    ROW(s, JetUpdate2, JET_errInvalidSesid),
    ROW(s, JetDelete, JET_errInvalidSesid),
    ROW(s, JetEscrowUpdate, JET_errInvalidSesid),
    ROW(s, JetGetTableState, JET_errInvalidSesid),
    ROW(s, JetAddTableCounter, JET_errInvalidSesid),
    ROW(s, JetSetTableChangedTime, JET_errInvalidSesid),

    ROW(t, JetCloseTable, JET_errInvalidTableId),
    ROW(t, JetDupCursor, JET_errInvalidTableId),
    ROW(t, JetGetTableInfoA, JET_errInvalidTableId),
    ROW(t, JetGetLock, JET_errInvalidTableId),
    ROW(t, JetComputeStats, JET_errInvalidTableId),
    ROW(t, JetAddColumnA, JET_errInvalidTableId),
    ROW(t, JetDeleteColumnA, JET_errInvalidTableId),
    ROW(t, JetDeleteColumn2A, JET_errInvalidTableId),
    ROW(t, JetRenameColumnA, JET_errInvalidTableId),
    ROW(t, JetGetTableColumnInfoA, JET_errInvalidTableId),
    ROW(t, JetCreateIndexA, JET_errInvalidTableId),
    ROW(t, JetCreateIndex2A, JET_errInvalidTableId),
    ROW(t, JetDeleteIndexA, JET_errInvalidTableId),
    ROW(t, JetGetTableIndexInfoA, JET_errInvalidTableId),
    ROW(t, JetSetCurrentIndexA, JET_errInvalidTableId),
    ROW(t, JetSetCurrentIndex2A, JET_errInvalidTableId),
    ROW(t, JetSetCurrentIndex3A, JET_errInvalidTableId),
    ROW(t, JetSetCurrentIndex4A, JET_errInvalidTableId),
    ROW(t, JetGetCurrentIndexA, JET_errInvalidTableId),
    ROW(t, JetMove, JET_errInvalidTableId),
    ROW(t, JetMakeKey, JET_errInvalidTableId),
    ROW(t, JetRetrieveKey, JET_errInvalidTableId),
    ROW(t, JetSeek, JET_errInvalidTableId),
    ROW(t, JetSetIndexRange, JET_errInvalidTableId),
    ROW(t, JetIndexRecordCount, JET_errInvalidTableId),
    ROW(t, JetGetBookmark, JET_errInvalidTableId),
    ROW(t, JetGotoBookmark, JET_errInvalidTableId),
    ROW(t, JetGetRecordPosition, JET_errInvalidTableId),
    ROW(t, JetGotoPosition, JET_errInvalidTableId),
    ROW(t, JetPrepareUpdate, JET_errInvalidTableId),
    ROW(t, JetSetColumn, JET_errInvalidTableId),
    ROW(t, JetSetColumns, JET_errInvalidTableId),
    ROW(t, JetRetrieveColumn, JET_errInvalidTableId),
    ROW(t, JetRetrieveColumns, JET_errInvalidTableId),
    ROW(t, JetUpdate, JET_errInvalidTableId),
    ROW(t, JetUpdate2, JET_errInvalidTableId),
    ROW(t, JetDelete, JET_errInvalidTableId),
    ROW(t, JetEscrowUpdate, JET_errInvalidTableId),
    ROW(t, JetGetTableState, JET_errInvalidTableId),
    ROW(t, JetAddTableCounter, JET_errInvalidTableId),
    ROW(t, JetSetTableChangedTime, JET_errInvalidTableId),

    ROW(n, JetDupSession, JET_errInvalidParameter),
    ROW(n, JetCreateDatabaseA, JET_errInvalidParameter),
    ROW(n, JetOpenDatabaseA, JET_errInvalidParameter),
    ROW(n, JetGetDatabaseInfoA, JET_errInvalidParameter),
    ROW(n, JetCreateTableA, JET_errInvalidParameter),
    ROW(n, JetCreateTableColumnIndexA, JET_errInvalidParameter),
    ROW(n, JetOpenTableA, JET_errInvalidParameter),
    ROW(n, JetDupCursor, JET_errInvalidParameter),
    ROW(n, JetGetTableInfoA, JET_errInvalidParameter),
    ROW(n, JetGetObjectInfoA, JET_errInvalidParameter),
    ROW(n, JetGetObjectInfoList, JET_errInvalidParameter),
    ROW(n, JetAddColumnA, JET_errInvalidParameter),
    ROW(n, JetGetColumnInfoA, JET_errInvalidParameter),
    ROW(n, JetGetColumnInfoList, JET_errInvalidParameter),
    ROW(n, JetGetTableColumnInfoA, JET_errInvalidParameter),
    ROW(n, JetGetIndexInfoA, JET_errInvalidParameter),
    ROW(n, JetGetTableIndexInfoA, JET_errInvalidParameter),
    ROW(n, JetGetCurrentIndexA, JET_errInvalidParameter),
    ROW(n, JetIndexRecordCount, JET_errInvalidParameter),
    ROW(n, JetGetRecordPosition, JET_errInvalidParameter),
    ROW(n, JetGotoPosition, JET_errInvalidParameter),
    ROW(n, JetSetColumns, JET_errInvalidParameter),
    ROW(n, JetRetrieveColumns, JET_errInvalidParameter),
};
#undef ROW

START_TEST(test_handles)
{
	env e;
	hctx h;
	JET_TABLEID t;
	size_t i;
	int bad = 0;

	env_start(&e);
	OK(JetCreateTable(e.ses, e.db, "t", 0, 0, &t));
	memset(&h, 0, sizeof(h));
	h.inst = e.inst;
	h.ses = e.ses;
	h.db = e.db;
	h.t = t;
	h.col = add_col(&e, t, "a", JET_coltypLong, 0, NULL, 0);
	h.dbpath = e.dbpath;
	for (i = 0; i < sizeof(g_cases) / sizeof(g_cases[0]); i++) {
		JET_ERR got;
		if (strstr(g_cases[i].name, "JetOpenTempTable") && !&JetOpenTempTable)
			continue; /* not there yet (see the top) */
		memset(g_buf, 0, sizeof(g_buf));
		got = g_cases[i].fn(&h);
		if (got != g_cases[i].want) {
			fprintf(stderr, "%s: got %ld (%s), want %ld (%s)\n", g_cases[i].name, got,
				JetErrorName(got), g_cases[i].want,
				JetErrorName(g_cases[i].want));
			bad++;
		}
	}
	/* The session and cursor still work. */
	OK(JetMove(e.ses, t, JET_MoveFirst, 0) == JET_errNoCurrentRecord ? JET_errSuccess : -1);
	OK(JetCloseTable(e.ses, t));
	env_stop(&e);
	ck_assert_int_eq(bad, 0);
}
END_TEST

/* Every function of include/jet.h, by address: the build fails when one is
 * declared and not defined. */
typedef void (*anyfn)(void);
#define F(x) (anyfn) & x
static const anyfn g_all[] = {
    F(JetAddColumnA), F(JetAddTableCounter), F(JetAttachDatabaseA), F(JetBackupA),
    F(JetBackupInstanceA), F(JetBeginExternalBackup), F(JetBeginExternalBackupInstance),
    F(JetBeginSessionA), F(JetBeginTransaction), F(JetBeginTransaction2), F(JetCloseDatabase),
    F(JetCloseFile), F(JetCloseFileInstance), F(JetCloseTable), F(JetCommitTransaction),
    F(JetComputeStats), F(JetCreateDatabaseA), F(JetCreateIndex2A), F(JetCreateIndexA),
    F(JetCreateInstance2A), F(JetCreateInstanceA), F(JetCreateTableA),
    F(JetCreateTableColumnIndexA), F(JetDelete), F(JetDeleteColumn2A), F(JetDeleteColumnA),
    F(JetDeleteIndexA), F(JetDeleteTableA), F(JetDetachDatabaseA), F(JetDupCursor),
    F(JetDupSession), F(JetEndExternalBackup), F(JetEndExternalBackupInstance),
    F(JetEndExternalBackupInstance2), F(JetEndSession), F(JetErrorDescription),
    F(JetErrorName), F(JetEscrowUpdate), F(JetGetAttachInfoA), F(JetGetAttachInfoInstanceA),
    F(JetGetBookmark), F(JetGetColumnInfoA), F(JetGetCurrentIndexA), F(JetGetDatabaseInfoA),
    F(JetGetIndexInfoA), F(JetGetLock), F(JetGetLogInfoA), F(JetGetLogInfoInstanceA),
    F(JetGetObjectInfoA), F(JetGetRecordPosition), F(JetGetSystemParameterA),
    F(JetGetTableColumnInfoA), F(JetGetTableIndexInfoA), F(JetGetTableInfoA),
    F(JetGetTableState), F(JetGetVersion), F(JetGotoBookmark), F(JetGotoPosition),
    F(JetIndexRecordCount), F(JetInit), F(JetInit2), F(JetMakeKey), F(JetMove),
    F(JetOpenDatabaseA), F(JetOpenFileA), F(JetOpenFileInstanceA), F(JetOpenTableA),
    F(JetOpenTempTable), F(JetOpenTempTable2), F(JetOpenTempTable3), F(JetOpenTemporaryTable),
    F(JetPrepareUpdate), F(JetReadFile), F(JetReadFileInstance),
    F(JetRenameColumnA), F(JetRenameTableA), F(JetRestoreA), F(JetRestoreInstanceA),
    F(JetRetrieveColumn), F(JetRetrieveColumns), F(JetRetrieveKey), F(JetRollback), F(JetSeek),
    F(JetSetColumn), F(JetSetColumns), F(JetSetCurrentIndex2A), F(JetSetCurrentIndex3A),
    F(JetSetCurrentIndex4A), F(JetSetCurrentIndexA), F(JetSetIndexRange),
    F(JetSetSystemParameterA), F(JetSetTableChangedTime), F(JetStopService),
    F(JetStopServiceInstance), F(JetTerm), F(JetTerm2), F(JetTruncateLog),
    F(JetTruncateLogInstance), F(JetUpdate), F(JetUpdate2),
};
#undef F

START_TEST(test_link_all)
{
	size_t i;

	for (i = 0; i < sizeof(g_all) / sizeof(g_all[0]); i++) {
		if (!g_all[i] && g_all[i] == (anyfn)&JetOpenTempTable) {
			fprintf(stderr, "test_conformance: JetOpenTempTable is not there yet\n");
			continue;
		}
		ck_assert_ptr_nonnull((void *)g_all[i]);
	}
	ck_assert_uint_eq(sizeof(g_all) / sizeof(g_all[0]), 100);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("conformance");
	TCase *tc = tcase_create("conformance");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_column_list);
	tcase_add_test(tc, test_index_list);
	tcase_add_test(tc, test_object_info);
	tcase_add_test(tc, test_dup_cursor);
	tcase_add_test(tc, test_record_position);
	tcase_add_test(tc, test_get_lock);
	tcase_add_test(tc, test_escrow);
	tcase_add_test(tc, test_escrow_concurrent);
	tcase_add_test(tc, test_version_column);
	tcase_add_test(tc, test_insert_copy_delete_original);
	tcase_add_test(tc, test_temp_table_forms);
	tcase_add_test(tc, test_info_levels);
	tcase_add_test(tc, test_state_errors);
	tcase_add_test(tc, test_handles);
	tcase_add_test(tc, test_link_all);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
JET_CHECK_MAIN(make_suite)
