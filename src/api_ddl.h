/*
 * api_ddl.h - what the API files that change or describe schemas share
 * (api_table.c, api_ddl.c, api_info.c): DDL savepoints, finding a table by
 * name, reloading a cursor's definition after DDL through it.
 *
 * A DDL call runs in a savepoint level of its own (ddl_begin .. ddl_end):
 * committed into the caller's transaction on success (so JetRollback undoes
 * it like any update), rolled back on failure.
 */
#ifndef JET_API_DDL_H
#define JET_API_DDL_H

#include "catalog.h"
#include "cursor.h"

typedef struct ddl {
	api_sess *s;
	jdb *db;
	eng_read r;
	bool reading;
	bool txn;
	tbl_def *cat;
} ddl;

JET_ERR ddl_begin(api_sess *s, jdb *db, ddl *d);
/* A fresh read context: sees the writes made so far. */
JET_ERR ddl_reread(ddl *d);
/* Commits the savepoint when err >= 0 (a failed commit is returned), else
 * rolls it back; returns the outcome. */
JET_ERR ddl_end(ddl *d, JET_ERR err);
/* A table by name as r sees it; MSysObjects is the built-in one. */
JET_ERR ddl_find_table(eng_read *r, const char *name, tbl_def **ptd);
/* After DDL through cursor c: give it the definition as now committed to
 * its savepoint's parent. */
JET_ERR ddl_cursor_reload(api_cursor *c);
/* DDL through c is allowed: not read-only or a system table
 * (JET_errPermissionDenied), no update prepared (JET_errAlreadyPrepared). */
JET_ERR ddl_cursor_check(api_cursor *c);

#endif
