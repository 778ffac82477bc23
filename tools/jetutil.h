/*
 * jetutil.h - what the subcommands of jetutil (tools/jetutil*.c) share.
 *
 * jetutil works offline: a database that a running jetfs holds (its lock
 * file DATABASE.jetlog/lock is flock'ed) is refused by every command that
 * would write it or needs it quiet. Reading commands (check, dump, info)
 * open the file read-only through the engine's dbfile layer and a private
 * cache; nothing there runs recovery, so they show the last checkpoint.
 *
 * Exit codes (mdb_stat style: scripts may rely on them):
 *   0 ok, 1 problems found (check), 2 usage, 3 not supported / not done,
 *   4 error (I/O, not a database, engine failure).
 */
#ifndef JETUTIL_H
#define JETUTIL_H

#include <stdio.h>

#include "cache.h"
#include "dbfile.h"
#include "jet_common.h"

enum {
	JU_OK = 0,
	JU_PROBLEMS = 1,
	JU_USAGE = 2,
	JU_NYI = 3,
	JU_ERROR = 4,
};

/* Prints "jetutil: " + message to stderr. */
void ju_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* ju_err with the engine's error name and description appended. */
void ju_jet_err(JET_ERR err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* DATABASE.jetlog/ (with a trailing slash) into buf. */
void ju_log_dir(const char *db, char *buf, size_t cb);
/* 1 when a jetfs holds the database (its lock file is locked), 0 if not. */
int ju_mounted(const char *db);
/* Refuses (message, returns nonzero) when the database is mounted. */
int ju_refuse_mounted(const char *db, const char *what);

/* Holds DATABASE.jetlog/lock for the rest of the process (creating it):
 * JU_OK, or an exit code after saying why (a jetfs holds it: use the
 * mount's .backup/). */
int ju_hold_offline(const char *db, const char *what);
/* A JET instance on DATABASE.jetlog/ as jetfs runs one (JetInit recovers). */
JET_ERR ju_jet_open(const char *db, unsigned long page_size, JET_INSTANCE *pinst);
/* An absolute path for a file that may not exist yet (its folder must). */
int ju_abs_path(const char *in, char *out, size_t cb);
/* Removes a folder and the files in it (not recursive). */
int ju_rm_dir(const char *dir);
/* "[--page-size N] ARG..." with exactly nargs ARGs (usage to stderr and
 * JU_USAGE otherwise); *pps 0 when not given. */
int ju_new_db_args(int argc, char **argv, const char *usage, int nargs, const char **args,
		   unsigned long *pps);
/* For a command that makes a new database: its absolute path (path and
 * logdir: PATH_MAX bytes each); refuses one that exists; makes its log
 * folder (*pmade_logdir: made here) and holds its lock. JU_OK or an exit
 * code, said. */
int ju_new_db_prepare(const char *db, char *path, char *logdir, bool *pmade_logdir,
		      const char *what);
/* Does argv ask for --help / -h? */
bool ju_want_help(int argc, char **argv);

/* An open database file for reading: the header it had at the last
 * checkpoint and a cache of cache_pages frames. */
typedef struct ju_db {
	dbfile *file;
	jcache *cache;
	db_header hdr;
	uint32_t page_size;
	uint32_t file_pages; /* the file's length in pages */
} ju_db;
JET_ERR ju_db_open(const char *path, uint32_t cache_pages, ju_db *out);
void ju_db_close(ju_db *d);
const char *ju_state_name(uint32_t state);

/* Progress on stderr, only when it is a terminal. */
typedef struct ju_progress {
	const char *what;
	uint64_t total;
	int last_pct;
	int tty;
} ju_progress;
void ju_progress_begin(ju_progress *p, const char *what, uint64_t total);
void ju_progress_set(ju_progress *p, uint64_t done);
void ju_progress_end(ju_progress *p);

/* JSON output helpers (stdout). */
void ju_json_str(FILE *f, const char *s);
void ju_json_hex(FILE *f, const void *pv, size_t cb);
/* A byte string for humans: printable ASCII as is, else hex. */
void ju_print_bytes(FILE *f, const void *pv, size_t cb, size_t max);

/* Catalog rows (MSysObjects) of a checkpointed directory. */
typedef struct ju_catrow {
	uint32_t objid_table;
	uint16_t type;
	uint32_t id;
	uint32_t coltyp, cbmax, flags, codepage;
	char name[JET_cbNameMost + 1];
	uint8_t keyflds[JET_ccolKeyMost * 5];
	uint32_t cbkeyflds;
} ju_catrow;
/* Reads every catalog row from the tree at root (catalog tree). */
JET_ERR ju_catalog_read(ju_db *d, uint32_t root, ju_catrow **prows, size_t *pn);
/* The root of tree objid in the directory at dir_root (0: absent). */
JET_ERR ju_dir_root(ju_db *d, uint32_t dir_root, uint32_t objid, uint32_t *proot);
const char *ju_coltyp_name(uint32_t coltyp);

/* Subcommands: argc/argv start at the subcommand's name. */
int ju_cmd_check(int argc, char **argv);
int ju_cmd_dump(int argc, char **argv);
int ju_cmd_export(int argc, char **argv);
int ju_cmd_import(int argc, char **argv);
/* Databases written by Microsoft's ESE (jetutil_ese.c): is path one, and
 * the info and export commands for it. */
bool ju_is_ese(const char *path);
int ju_ese_info(const char *path, int json);
int ju_ese_export(const char *path, const char *dir);
/* The check itself, for compact and restore: quiet unless verbose. */
int ju_check_db(const char *path, int json, int verbose);

#endif
