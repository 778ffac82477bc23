/*
 * sessions.c - JET sessions of the mount: creating and ending them, and the
 * named sessions of .sessions/ (mkdir = JetBeginSession +
 * JetBeginTransaction; ctl = transaction commands and state; rmdir =
 * JetEndSession, rolling back).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs_int.h"

static uint64_t g_next_sess_id = 1;

JET_ERR jfs_sess_new(jfs *fs, bool txn, jfs_sess **out)
{
	jfs_sess *s;
	JET_ERR err;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return JET_errOutOfMemory;
	pthread_mutex_init(&s->mu, NULL);
	s->refs = 1;
	s->id = __atomic_fetch_add(&g_next_sess_id, 1, __ATOMIC_RELAXED);
	clock_gettime(CLOCK_REALTIME, &s->started);
	if ((err = JetBeginSession(fs->inst, &s->sesid, "", "")) < 0) {
		pthread_mutex_destroy(&s->mu);
		free(s);
		return err;
	}
	err = JetOpenDatabase(s->sesid, fs->db_path, NULL, &s->dbid,
			      fs->readonly ? JET_bitDbReadOnly : 0);
	if (err >= 0 && txn)
		err = JetBeginTransaction(s->sesid);
	if (err < 0) {
		JetEndSession(s->sesid, 0);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return err;
	}
	*out = s;
	return JET_errSuccess;
}

void jfs_sess_free(jfs_sess *s)
{
	if (!s)
		return;
	JetEndSession(s->sesid, 0);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* ---- named sessions ---- */

static pthread_mutex_t g_named_mu = PTHREAD_MUTEX_INITIALIZER;
static jfs_named *g_views[JFS_MAX_VIEWS]; /* by view number; [0] unused */

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

JET_ERR jfs_named_create(jfs *fs, const char *name, uid_t owner, jfs_named **out)
{
	jfs_named *n;
	JET_ERR err;
	unsigned v;

	*out = NULL;
	if (!*name || strlen(name) >= sizeof(((jfs_sess *)0)->name) || all_digits(name) ||
	    name[0] == '.')
		return JET_errInvalidName;
	if (!(n = calloc(1, sizeof(*n))))
		return JET_errOutOfMemory;
	pthread_mutex_lock(&g_named_mu);
	for (v = 1; v < JFS_MAX_VIEWS; v++)
		if (g_views[v] && !g_views[v]->gone && strcmp(g_views[v]->s->name, name) == 0) {
			pthread_mutex_unlock(&g_named_mu);
			free(n);
			return JET_errObjectDuplicate;
		}
	for (v = 1; v < JFS_MAX_VIEWS && g_views[v]; v++)
		;
	if (v == JFS_MAX_VIEWS) {
		pthread_mutex_unlock(&g_named_mu);
		free(n);
		return JET_errOutOfSessions;
	}
	n->view = v;
	n->refs = 2; /* the registry and the caller */
	n->owner = owner;
	n->level = 1;
	g_views[v] = n; /* reserve; s filled below */
	pthread_mutex_unlock(&g_named_mu);
	err = jfs_sess_new(fs, true, &n->s);
	pthread_mutex_lock(&g_named_mu);
	if (err < 0) {
		g_views[v] = NULL;
		pthread_mutex_unlock(&g_named_mu);
		free(n);
		return err;
	}
	snprintf(n->s->name, sizeof(n->s->name), "%s", name);
	pthread_mutex_unlock(&g_named_mu);
	*out = n;
	return JET_errSuccess;
}

jfs_named *jfs_named_find(const char *name)
{
	jfs_named *n = NULL;
	pthread_mutex_lock(&g_named_mu);
	for (unsigned v = 1; v < JFS_MAX_VIEWS; v++)
		if (g_views[v] && g_views[v]->s && !g_views[v]->gone &&
		    strcmp(g_views[v]->s->name, name) == 0) {
			n = g_views[v];
			n->refs++;
			break;
		}
	pthread_mutex_unlock(&g_named_mu);
	return n;
}

jfs_named *jfs_named_by_view(unsigned view)
{
	jfs_named *n = NULL;
	if (view == 0 || view >= JFS_MAX_VIEWS)
		return NULL;
	pthread_mutex_lock(&g_named_mu);
	if (g_views[view] && g_views[view]->s && !g_views[view]->gone) {
		n = g_views[view];
		n->refs++;
	}
	pthread_mutex_unlock(&g_named_mu);
	return n;
}

void jfs_named_put(jfs_named *n)
{
	bool last;
	if (!n)
		return;
	pthread_mutex_lock(&g_named_mu);
	last = --n->refs == 0;
	if (last && g_views[n->view] == n)
		g_views[n->view] = NULL;
	pthread_mutex_unlock(&g_named_mu);
	if (last) {
		jfs_sess_free(n->s);
		free(n);
	}
}

JET_ERR jfs_named_remove(const char *name)
{
	jfs_named *n = jfs_named_find(name);
	if (!n)
		return JET_errObjectNotFound;
	pthread_mutex_lock(&g_named_mu);
	if (!n->gone) {
		n->gone = true;
		n->refs--; /* the registry's reference */
	}
	pthread_mutex_unlock(&g_named_mu);
	jfs_named_put(n);
	return JET_errSuccess;
}

JET_ERR jfs_named_list(char ***pnames, size_t *pn)
{
	char **names = NULL;
	size_t n = 0;

	pthread_mutex_lock(&g_named_mu);
	for (unsigned v = 1; v < JFS_MAX_VIEWS; v++)
		if (g_views[v] && g_views[v]->s && !g_views[v]->gone) {
			char **nn = realloc(names, (n + 1) * sizeof(*nn));
			if (!nn || !(nn[n] = strdup(g_views[v]->s->name))) {
				pthread_mutex_unlock(&g_named_mu);
				jfs_free_names(nn ? nn : names, n);
				return JET_errOutOfMemory;
			}
			names = nn;
			n++;
		}
	pthread_mutex_unlock(&g_named_mu);
	*pnames = names;
	*pn = n;
	return JET_errSuccess;
}

JET_ERR jfs_named_ctl_text(jfs_named *n, csv_buf *out)
{
	char text[512];
	struct timespec now;
	int len;

	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&n->s->mu);
	len = snprintf(text, sizeof(text),
		       "level %d\nchanges %lu\nage %lld\nowner %lu\nsession %llu\nstate %s\n",
		       n->level, n->s->changes, (long long)(now.tv_sec - n->s->started.tv_sec),
		       (unsigned long)n->owner, (unsigned long long)n->s->id,
		       n->level > 0 ? "active" : "idle");
	pthread_mutex_unlock(&n->s->mu);
	return csv_buf_append(out, text, (size_t)len);
}

JET_ERR jfs_named_ctl_cmd(jfs *fs, jfs_named *n, const char *cmd, size_t len, bool *pcommitted)
{
	JET_ERR err = JET_errSuccess;
	jfs_sess *s = n->s;

	*pcommitted = false;
	while (len && (cmd[0] == ' ' || cmd[0] == '\t' || cmd[0] == '\n' || cmd[0] == '\r'))
		cmd++, len--;
	while (len && (cmd[len - 1] == ' ' || cmd[len - 1] == '\t' || cmd[len - 1] == '\n' ||
		       cmd[len - 1] == '\r'))
		len--;
	pthread_mutex_lock(&s->mu);
	if (len == 5 && memcmp(cmd, "begin", 5) == 0) {
		if ((err = JetBeginTransaction(s->sesid)) >= 0)
			n->level++;
	} else if ((len == 6 && memcmp(cmd, "commit", 6) == 0) ||
		   (len == 8 && memcmp(cmd, "rollback", 8) == 0)) {
		bool commit = cmd[0] == 'c';
		err = commit ? JetCommitTransaction(s->sesid, 0) : JetRollback(s->sesid, 0);
		if (err >= 0) {
			n->level--;
			if (n->level == 0) {
				*pcommitted = commit;
				s->changes = 0;
				clock_gettime(CLOCK_REALTIME, &s->started);
				if ((err = JetBeginTransaction(s->sesid)) >= 0)
					n->level = 1;
			}
		} else if (commit) {
			jfs_log(fs, NULL, 0, "session %s: commit failed: %s", s->name,
				JetErrorDescription(err));
		}
	} else {
		err = JET_errInvalidParameter;
	}
	pthread_mutex_unlock(&s->mu);
	return err;
}

void jfs_named_end_all(void)
{
	for (unsigned v = 1; v < JFS_MAX_VIEWS; v++) {
		jfs_named *n;
		pthread_mutex_lock(&g_named_mu);
		n = g_views[v];
		g_views[v] = NULL;
		pthread_mutex_unlock(&g_named_mu);
		if (n && n->s) {
			jfs_sess_free(n->s);
			free(n);
		}
	}
}
