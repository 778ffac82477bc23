/*
 * api_db.c - JetCreateDatabase, JetAttachDatabase, JetDetachDatabase,
 * JetOpenDatabase, JetCloseDatabase, JetGetDatabaseInfo.
 *
 * As in ESE, attaching makes a database known to the instance, opening
 * gives one session a JET_DBID for it. JetCreateDatabase does both.
 */
#include <stdio.h>

#include "api_ese.h"
#include "esefmt.h"
#include "api_int.h"
#include "cursor.h"

static JET_ERR check_path(const char *sz)
{
	if (!sz || !*sz)
		return JET_errInvalidParameter;
	if (strlen(sz) >= 1024)
		return JET_errInvalidPath;
	return JET_errSuccess;
}

static JET_ERR open_in_session(api_sess *s, jdb *db, bool readonly, JET_DBID *pdbid)
{
	for (JET_DBID d = 1; d < API_MAX_DBIDS; d++)
		if (!s->dbs[d].used) {
			s->dbs[d].db = db;
			s->dbs[d].readonly = readonly;
			s->dbs[d].used = true;
			*pdbid = d;
			return JET_errSuccess;
		}
	return JET_errTooManyOpenDatabases;
}

JET_ERR JET_API JetCreateDatabaseA(JET_SESID sesid, JET_PCSTR szFilename, JET_PCSTR szConnect,
				   JET_DBID *pdbid, JET_GRBIT grbit)
{
	(void)szConnect;
	api_sess *s;
	jdb *db;
	JET_ERR err;
	CallR(api_enter(sesid, &s));
	if ((err = check_path(szFilename)) < 0 || !pdbid)
		Error(err < 0 ? err : JET_errInvalidParameter);
	if (grbit & ~(JET_GRBIT)(JET_bitDbOverwriteExisting | JET_bitDbRecoveryOff))
		Error(JET_errInvalidGrbit);
	if (eng_txn_level(s->eng) > 0)
		Error(JET_errInTransaction);
	/* Attached already: it exists, overwrite or not (ESE's answer). */
	if (eng_db_find(s->inst->eng, szFilename))
		Error(JET_errDatabaseDuplicate);
	Call(eng_db_create(s->inst->eng, szFilename, (grbit & JET_bitDbOverwriteExisting) != 0, &db));
	Call(open_in_session(s, db, false, pdbid));
HandleError:
	api_leave(s);
	return err;
}

JET_ERR JET_API JetAttachDatabaseA(JET_SESID sesid, const char *szFilename, JET_GRBIT grbit)
{
	api_sess *s;
	jdb *db;
	JET_ERR err;
	CallR(api_enter(sesid, &s));
	if ((err = check_path(szFilename)) < 0)
		goto HandleError;
	if (grbit & ~(JET_GRBIT)(JET_bitDbReadOnly | JET_bitDbExclusive))
		Error(JET_errInvalidGrbit);
	bool ese = false;
	err = api_ese_attach(s, szFilename, grbit, &ese);
	if (ese)
		goto HandleError;
	err = eng_db_attach(s->inst->eng, szFilename, (grbit & JET_bitDbReadOnly) != 0, &db);
HandleError:
	api_leave(s);
	return err;
}

static bool db_open_anywhere(api_inst *i, jdb *db)
{
	bool used = false;
	pthread_mutex_lock(&i->lock);
	api_sess *o;
	TAILQ_FOREACH(o, &i->sessions, link)
	{
		for (int d = 1; d < API_MAX_DBIDS; d++)
			if (o->dbs[d].used && o->dbs[d].db == db)
				used = true;
	}
	pthread_mutex_unlock(&i->lock);
	return used;
}

JET_ERR JET_API JetDetachDatabaseA(JET_SESID sesid, const char *szFilename)
{
	api_sess *s;
	JET_ERR err = JET_errSuccess;
	CallR(api_enter(sesid, &s));
	if (szFilename && strlen(szFilename) >= 1024)
		Error(JET_errInvalidPath);
	if (eng_txn_level(s->eng) > 0)
		Error(JET_errInTransaction);
	if (!szFilename || !*szFilename) {
		/* Every attached database. */
		for (;;) {
			jdb *db = NULL;
			for (int d = 1; d < API_MAX_DBIDS && !db; d++)
				if (s->dbs[d].used)
					db = s->dbs[d].db;
			if (!db)
				break;
			Error(JET_errDatabaseInUse);
		}
		Error(JET_wrnNyi); /* detaching every database by NULL: not yet */
	}
	bool ese = false;
	err = api_ese_detach(s, szFilename, &ese);
	if (ese)
		goto HandleError;
	jdb *db = eng_db_find(s->inst->eng, szFilename);
	if (!db)
		Error(JET_errDatabaseNotFound);
	if (db_open_anywhere(s->inst, db))
		Error(JET_errDatabaseInUse);
	err = eng_db_detach(s->inst->eng, db);
HandleError:
	api_leave(s);
	return err;
}

JET_ERR JET_API JetOpenDatabaseA(JET_SESID sesid, const char *szFilename, const char *szConnect,
				 JET_DBID *pdbid, JET_GRBIT grbit)
{
	(void)szConnect;
	api_sess *s;
	JET_ERR err;
	CallR(api_enter(sesid, &s));
	if ((err = check_path(szFilename)) < 0 || !pdbid)
		Error(err < 0 ? err : JET_errInvalidParameter);
	if (grbit & ~(JET_GRBIT)(JET_bitDbReadOnly | JET_bitDbExclusive))
		Error(JET_errInvalidGrbit);
	bool ese = false;
	err = api_ese_open(s, szFilename, pdbid, &ese);
	if (ese)
		goto HandleError;
	jdb *db = eng_db_find(s->inst->eng, szFilename);
	if (!db)
		Error(JET_errDatabaseNotFound);
	err = open_in_session(s, db, (grbit & JET_bitDbReadOnly) || eng_db_readonly(db), pdbid);
HandleError:
	api_leave(s);
	return err;
}

JET_ERR JET_API JetCloseDatabase(JET_SESID sesid, JET_DBID dbid, JET_GRBIT grbit)
{
	api_sess *s;
	JET_ERR err = JET_errSuccess;
	jdb *db;
	CallR(api_enter(sesid, &s));
	if (grbit)
		Error(JET_errInvalidGrbit);
	if (dbid == 0 || dbid >= API_MAX_DBIDS || !s->dbs[dbid].used)
		Error(JET_errInvalidDatabaseId);
	if (!s->dbs[dbid].ese)
		Call(api_db(s, dbid, &db, NULL));
	api_cursor *c;
	TAILQ_FOREACH(c, &s->cursors, link)
	{
		if (c->dbid == dbid)
			Error(JET_errTableInUse);
	}
	memset(&s->dbs[dbid], 0, sizeof(s->dbs[dbid]));
HandleError:
	api_leave(s);
	return err;
}

JET_ERR JET_API JetGetDatabaseInfoA(JET_SESID sesid, JET_DBID dbid, void *pvResult,
				    unsigned long cbMax, unsigned long InfoLevel)
{
	api_sess *s;
	JET_ERR err = JET_errSuccess;
	jdb *db;
	bool ro = false;
	unsigned long v = 0;
	CallR(api_enter(sesid, &s));
	if (dbid > 0 && dbid < API_MAX_DBIDS && s->dbs[dbid].used && s->dbs[dbid].ese) {
		/* A file written by Microsoft's ESE: its name and page size. */
		const struct ese_db *e = s->dbs[dbid].ese;
		if (!pvResult)
			Error(JET_errInvalidParameter);
		if (InfoLevel == JET_DbInfoFilename) {
			const char *p = api_ese_path(s->inst, e);
			Error(p ? api_copy_out(p, strlen(p) + 1, pvResult, cbMax) : JET_errDatabaseNotFound);
		}
		if (InfoLevel != JET_DbInfoPageSize && InfoLevel != JET_DbInfoOptions)
			Error(JET_errFeatureNotAvailable);
		v = InfoLevel == JET_DbInfoPageSize ? ese_info_page_size(e) : JET_bitDbReadOnly;
		if (cbMax < sizeof(unsigned long))
			Error(JET_errInvalidBufferSize);
		memcpy(pvResult, &v, sizeof(v));
		Error(JET_errSuccess);
	}
	Call(api_db(s, dbid, &db, &ro));
	if (!pvResult)
		Error(JET_errInvalidParameter);
	eng_db_stats st;
	eng_db_stats_get(db, &st);
	switch (InfoLevel) {
	case JET_DbInfoFilename: {
		const char *p = eng_db_path(db);
		Call(api_copy_out(p, strlen(p) + 1, pvResult, cbMax));
		break;
	}
	case JET_DbInfoConnect:
		Call(api_copy_out("", 1, pvResult, cbMax)); /* szConnect is not kept */
		break;
	/* The single-number levels, with ESE's values where the concept is
	 * fixed here: text keys fold one way (LCID 0x409, code page 1252),
	 * seven transaction levels, the file a database. */
	case JET_DbInfoLCID:
	case JET_DbInfoCp:
	case JET_DbInfoCountry:
	case JET_DbInfoCollate:
	case JET_DbInfoOptions:
	case JET_DbInfoTransactions:
	case JET_DbInfoVersion:
	case JET_DbInfoFileType:
		v = InfoLevel == JET_DbInfoLCID		  ? 0x409
		    : InfoLevel == JET_DbInfoCp		  ? 1252
		    : InfoLevel == JET_DbInfoCountry	  ? 1
		    : InfoLevel == JET_DbInfoCollate	  ? 0
		    : InfoLevel == JET_DbInfoOptions	  ? (ro ? JET_bitDbReadOnly : 0)
		    : InfoLevel == JET_DbInfoTransactions ? 7
		    : InfoLevel == JET_DbInfoVersion	  ? eng_db_format_version(db)
							  : JET_filetypeDatabase;
		if (cbMax < sizeof(unsigned long))
			Error(JET_errInvalidBufferSize);
		memcpy(pvResult, &v, sizeof(v));
		break;
	case JET_DbInfoIsam:
	case JET_DbInfoUpgrade:
	case JET_DbInfoMisc:
	case JET_DbInfoDBInUse:
		/* Obsolete levels, and JET_DBINFOMISC (the header dump:
		 * jetutil dump -h shows it): not implemented. */
		Error(JET_wrnNyi);
	case JET_DbInfoFilesize:
	case JET_DbInfoSpaceOwned:
	case JET_DbInfoSpaceAvailable:
	case JET_DbInfoPageSize: {
		v = InfoLevel == JET_DbInfoPageSize ? eng_db_page_size(db)
				  : InfoLevel == JET_DbInfoSpaceAvailable ? st.free_pages
									  : st.page_count;
		if (cbMax < sizeof(unsigned long))
			Error(JET_errInvalidBufferSize);
		memcpy(pvResult, &v, sizeof(v));
		break;
	}
	default:
		Error(JET_errInvalidParameter);
	}
HandleError:
	api_leave(s);
	return err;
}
