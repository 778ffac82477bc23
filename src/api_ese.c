/*
 * api_ese.c - attach, detach and open of files written by Microsoft's ESE;
 * see api_ese.h. The list of attachments is the instance's, under its lock.
 */
#include <stdio.h>
#include <stdlib.h>

#include "api_ese.h"
#include "esefmt.h"

typedef struct api_ese_att {
	struct api_ese_att *next;
	ese_db *db;
	char path[1024];
} api_ese_att;

static api_ese_att *find_locked(api_inst *i, const char *path)
{
	for (api_ese_att *a = i->ese_atts; a; a = a->next)
		if (!strcmp(a->path, path))
			return a;
	return NULL;
}

JET_ERR api_ese_attach(api_sess *s, const char *path, JET_GRBIT grbit, bool *phandled)
{
	JET_ERR err = JET_errSuccess;
	api_inst *i = s->inst;
	bool is = false;
	ese_db *db = NULL;
	*phandled = false;
	pthread_mutex_lock(&i->lock);
	bool known = find_locked(i, path) != NULL;
	pthread_mutex_unlock(&i->lock);
	if (known) {
		*phandled = true;
		return JET_wrnDatabaseAttached;
	}
	if (ese_probe(os_vfs_posix(), path, &is) < 0 || !is)
		return JET_errSuccess;
	*phandled = true;
	if (!(grbit & JET_bitDbReadOnly))
		return JET_errDatabaseFileReadOnly;
	CallR(ese_open(os_vfs_posix(), path, &db));
	api_ese_att *a = calloc(1, sizeof(*a));
	if (!a) {
		ese_close(db);
		return JET_errOutOfMemory;
	}
	a->db = db;
	snprintf(a->path, sizeof(a->path), "%s", path);
	pthread_mutex_lock(&i->lock);
	if (find_locked(i, path)) { /* another session was quicker */
		pthread_mutex_unlock(&i->lock);
		ese_close(db);
		free(a);
		return JET_wrnDatabaseAttached;
	}
	a->next = i->ese_atts;
	i->ese_atts = a;
	pthread_mutex_unlock(&i->lock);
	/* Dirty: read as it is on disk, its logs not replayed. */
	if (ese_db_info(db)->state != JET_dbstateCleanShutdown)
		err = JET_wrnDatabaseRepaired;
	return err;
}

static bool open_anywhere_locked(api_inst *i, ese_db *db)
{
	api_sess *o;
	TAILQ_FOREACH(o, &i->sessions, link)
	{
		for (int d = 1; d < API_MAX_DBIDS; d++)
			if (o->dbs[d].used && o->dbs[d].ese == db)
				return true;
	}
	return false;
}

JET_ERR api_ese_detach(api_sess *s, const char *path, bool *phandled)
{
	api_inst *i = s->inst;
	pthread_mutex_lock(&i->lock);
	api_ese_att **pp = &i->ese_atts;
	while (*pp && strcmp((*pp)->path, path))
		pp = &(*pp)->next;
	*phandled = *pp != NULL;
	if (!*pp) {
		pthread_mutex_unlock(&i->lock);
		return JET_errSuccess;
	}
	if (open_anywhere_locked(i, (*pp)->db)) {
		pthread_mutex_unlock(&i->lock);
		return JET_errDatabaseInUse;
	}
	api_ese_att *a = *pp;
	*pp = a->next;
	pthread_mutex_unlock(&i->lock);
	ese_close(a->db);
	free(a);
	return JET_errSuccess;
}

JET_ERR api_ese_open(api_sess *s, const char *path, JET_DBID *pdbid, bool *phandled)
{
	api_inst *i = s->inst;
	pthread_mutex_lock(&i->lock);
	api_ese_att *a = find_locked(i, path);
	pthread_mutex_unlock(&i->lock);
	*phandled = a != NULL;
	if (!a)
		return JET_errSuccess;
	for (JET_DBID d = 1; d < API_MAX_DBIDS; d++)
		if (!s->dbs[d].used) {
			s->dbs[d].db = NULL;
			s->dbs[d].ese = a->db;
			s->dbs[d].readonly = true;
			s->dbs[d].used = true;
			*pdbid = d;
			return JET_errSuccess;
		}
	return JET_errTooManyOpenDatabases;
}

const char *api_ese_path(api_inst *i, const ese_db *db)
{
	const char *p = NULL;
	pthread_mutex_lock(&i->lock);
	for (api_ese_att *a = i->ese_atts; a; a = a->next)
		if (a->db == db)
			p = a->path;
	pthread_mutex_unlock(&i->lock);
	return p;
}

void api_ese_release_all(api_inst *i)
{
	api_ese_att *a = i->ese_atts;
	i->ese_atts = NULL;
	while (a) {
		api_ese_att *n = a->next;
		ese_close(a->db);
		free(a);
		a = n;
	}
}
