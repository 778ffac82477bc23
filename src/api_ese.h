/*
 * api_ese.h - the database-level Jet* functions on files written by
 * Microsoft's ESE (read through esefmt.c): attach, detach, open.
 *
 * Such a file is attached only with JET_bitDbReadOnly (else
 * JET_errDatabaseFileReadOnly) and never written; a dirty one (not shut
 * down cleanly) is attached as it is on disk, with JET_wrnDatabaseRepaired
 * to say its logs were not replayed. Attachments belong to the instance;
 * an open gives the session a JET_DBID whose api_dbopen has ese set (db
 * NULL), which api_db() refuses, so only the functions that know the
 * format (JetOpenTable, JetCloseDatabase, JetGetDatabaseInfo's filename and
 * page size) go on with it.
 */
#ifndef JET_API_ESE_H
#define JET_API_ESE_H

#include "api_int.h"

/* *phandled false: path is not an ESE file, the caller goes on. */
JET_ERR api_ese_attach(api_sess *s, const char *path, JET_GRBIT grbit, bool *phandled);
JET_ERR api_ese_detach(api_sess *s, const char *path, bool *phandled);
JET_ERR api_ese_open(api_sess *s, const char *path, JET_DBID *pdbid, bool *phandled);
const char *api_ese_path(api_inst *i, const struct ese_db *db);
/* At JetTerm: closes every attachment. */
void api_ese_release_all(api_inst *i);

#endif
