/*
 * engine.h - instances, databases, versions, transactions and recovery:
 * the transactional core between the JET API and the b+trees.
 *
 * The model (docs/design.md tells it at length):
 *
 *  - A database's committed state is a sequence of versions 1, 2, 3, ...
 *    Each version is a root of the tree directory (objid -> b+tree root),
 *    and because b+trees are copy-on-write, a version's pages never change:
 *    a snapshot is a pinned version, readers take no locks.
 *  - A transaction reads its snapshot (the version current at its
 *    JetBeginTransaction) and writes private copies of the trees it
 *    changes. Nested levels are savepoints of those private roots.
 *  - Write conflicts are found when a key is written: the lock table knows,
 *    per (tree, key), which live transaction wrote it or which version last
 *    committed it; a key written by another live transaction, or committed
 *    after the writer's snapshot, is JET_errWriteConflict at once.
 *  - Commit (under the instance's commit lock) turns each private tree into
 *    the tree of the next version: when nobody committed that tree since the
 *    snapshot, the private root simply becomes the new root; otherwise the
 *    transaction's changes (bt_diff of snapshot vs private tree) are applied
 *    to the latest tree. The same diff is the commit's log: one record per
 *    changed key, then a COMMIT record. A commit is durable when the log is
 *    flushed through its COMMIT record (group commit shares one flush).
 *  - Uncommitted changes never enter a committed version, so recovery is
 *    redo only: replay every complete commit after the checkpoint; an
 *    incomplete batch at the log's end is dropped (that is the undo).
 *  - A checkpoint writes a version's pages, its free-page list, then the
 *    header that names it; logs wholly before the oldest checkpoint may then
 *    go (circular logging) or stay for backups.
 *
 * Threads: any number of sessions on any threads, one call at a time per
 * session (the API layer enforces that).
 */
#ifndef JET_ENGINE_H
#define JET_ENGINE_H

#include "btree.h"
#include "log.h"
#include "space.h"

typedef struct jinst jinst;
typedef struct jdb jdb;
typedef struct jsess jsess;
typedef struct jver jver;

/* Reserved tree ids of every database. */
#define OBJID_CATALOG 1      /* MSysObjects: the catalog table's records */
#define OBJID_CATALOG_NAME 2 /* its secondary index by (ObjidTable, Type, Name) */
#define OBJID_FIRST_USER 16

/* System parameters the engine uses (the API layer validates and stores). */
typedef struct eng_params {
	char system_path[1024]; /* checkpoint file folder, ends with '/' */
	char temp_path[1024];
	char log_path[1024];    /* log files folder, ends with '/' */
	char base_name[4];      /* "edb" */
	unsigned long max_sessions;
	unsigned long max_open_tables;
	unsigned long max_cursors;
	unsigned long max_ver_pages;   /* version store size in 16 KiB units */
	unsigned long max_temp_tables;
	unsigned long log_file_size_kb;
	unsigned long log_buffers;
	unsigned long commit_default;  /* grbit OR'ed into every commit */
	bool circular_log;
	unsigned long db_extension_size;
	unsigned long cache_size_max;  /* pages */
	unsigned long cache_size_min;
	unsigned long checkpoint_depth_max; /* bytes of log between checkpoints */
	bool recovery;                 /* "On" */
	unsigned long page_size;       /* database page size */
	bool create_path_if_not_exist;
	os_vfs *vfs;                   /* os_vfs_posix() unless a test sets one */
} eng_params;

void eng_params_default(eng_params *p);

/* Instances. */
JET_ERR eng_inst_create(const char *name, jinst **out);
void eng_inst_destroy(jinst *inst); /* after eng_term, or if never initialized */
eng_params *eng_inst_params(jinst *inst); /* writable until eng_init */
const char *eng_inst_name(const jinst *inst);
/* Recovers (if the checkpoint file and logs say so), opens the log. */
JET_ERR eng_init(jinst *inst, JET_GRBIT grbit);
/* Ends every session (rolling back), checkpoints and marks databases clean
 * (unless JET_bitTermAbrupt/TermDirty: then it only closes files), closes
 * the log. */
JET_ERR eng_term(jinst *inst, JET_GRBIT grbit);
/* After a log write or sync failure every commit fails with this error and
 * the instance must be terminated: JET_errInstanceUnavailable, or
 * JET_errInstanceUnavailableDueToFatalLogDiskFull when the disk was full
 * (0 if fine). */
JET_ERR eng_inst_fatal(const jinst *inst);

/* Databases (attached to an instance). */
JET_ERR eng_db_create(jinst *inst, const char *path, bool overwrite, jdb **out);
/* A dirty database that this instance did not recover:
 * JET_errDatabaseDirtyShutdown. Already attached: JET_wrnDatabaseAttached
 * (returns the same jdb). */
JET_ERR eng_db_attach(jinst *inst, const char *path, bool readonly, jdb **out);
/* Fails with JET_errDatabaseInUse while a session has it open (API's job to
 * count) — the engine checkpoints, marks clean, closes. */
JET_ERR eng_db_detach(jinst *inst, jdb *db);
jdb *eng_db_find(jinst *inst, const char *path);
const char *eng_db_path(const jdb *db);
bool eng_db_readonly(const jdb *db);
uint32_t eng_db_page_size(const jdb *db);
jcache *eng_db_cache(jdb *db);
/* The file's format version (dbfile.h DB_FORMAT_VERSION when written). */
uint32_t eng_db_format_version(jdb *db);
/* A slot for the table layer's per-database state (its schema cache);
 * freed with the destructor when the database is detached. */
void **eng_db_user_slot(jdb *db);
void eng_db_set_user_destructor(jdb *db, void (*fn)(void *));
/* A new tree id (unique in the database, never reused). */
uint32_t eng_db_new_objid(jdb *db);
/* Runs a checkpoint now (tests, backup, term). */
JET_ERR eng_db_checkpoint(jdb *db);
/* Verifies every tree of the current version and the space map. */
JET_ERR eng_db_check(jdb *db, void (*report)(void *ctx, uint32_t pgno, const char *what),
		     void *ctx);

typedef struct eng_db_stats {
	uint64_t version;       /* current committed version */
	uint64_t ckpt_version;  /* durable checkpoint */
	uint32_t page_count, free_pages;
	uint64_t commits, lock_entries;
	uint64_t last_commit_time_ns;
} eng_db_stats;
void eng_db_stats_get(jdb *db, eng_db_stats *out);

/* Sessions. */
JET_ERR eng_sess_begin(jinst *inst, jsess **out);
/* Rolls back every level, frees the session. */
JET_ERR eng_sess_end(jsess *s);
jinst *eng_sess_inst(jsess *s);

/* Transactions. Levels 1..7 for programs (the 8th begin is
 * JET_errTransTooDeep). readonly: JET_bitTransactionReadOnly, writes give
 * JET_errTransReadOnly. */
JET_ERR eng_txn_begin(jsess *s, bool readonly);
/* Commits the innermost level; at level 0 makes it durable unless
 * JET_bitCommitLazyFlush. JET_bitWaitLastLevel0Commit: waits for the
 * session's last level-0 commit to be durable (no transaction needed).
 * Not in a transaction: JET_errNotInTransaction. */
JET_ERR eng_txn_commit(jsess *s, JET_GRBIT grbit);
/* Undoes the innermost level (all with `all`). */
JET_ERR eng_txn_rollback(jsess *s, bool all);
int eng_txn_level(const jsess *s);
/* The version the session's transaction reads (0 outside a transaction). */
uint64_t eng_txn_snapshot(const jsess *s);
/* Has the session written anything in its transaction? */
bool eng_txn_dirty(const jsess *s);

/*
 * Reading. A read context fixes what a session sees of a database for one
 * API call (outside a transaction, the latest version; inside, the
 * transaction's snapshot plus its private trees). `view` changes whenever
 * what eng_read_root may return can have changed (a new version outside a
 * transaction, a write inside one): cursors compare it to know when to
 * re-seek by their saved key.
 */
typedef struct eng_read {
	jsess *s;
	jdb *db;
	jver *ver;      /* pinned for the context's life */
	uint64_t view;  /* see above */
	bool pinned_here;
} eng_read;
JET_ERR eng_read_begin(jsess *s, jdb *db, eng_read *r);
void eng_read_end(eng_read *r);
/* Root of tree objid as this context sees it; a tree that does not exist
 * there: JET_errObjectNotFound. */
JET_ERR eng_read_root(eng_read *r, uint32_t objid, uint32_t *proot);
/* The view eng_read_begin would report now, without pinning anything: a
 * cursor whose saved view equals it may reuse what it read last time. */
uint64_t eng_current_view(jsess *s, jdb *db);
/* True when the session's transaction has its own (uncommitted) copy of the
 * tree. Note that a root page number never identifies a tree state for
 * long: pages no snapshot needs are reused, so a later version's root (of
 * any tree) may get an old root's number. Key caches by view or version. */
bool eng_read_is_private(const eng_read *r, uint32_t objid);

/*
 * Writing: only inside a transaction (the API layer wraps a lone update in
 * an implicit one). Each call changes the session's private tree, first
 * taking the write lock on (objid, key) unless nolock: held by another live
 * transaction or committed after the snapshot: JET_errWriteConflict. A
 * failed call changes nothing. bt_flags: BT_PUT_NOOVERWRITE /
 * BT_PUT_MUSTEXIST.
 */
JET_ERR eng_put(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey, const void *val,
		size_t cbVal, int bt_flags);
JET_ERR eng_del(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey);
/* The same without the write lock, for keys no other transaction can
 * write: long-value chunks under a fresh long-value id, or ones whose
 * record's lock the caller holds (lv.c). They take no version-store
 * entry, so a 2 GiB value fits one transaction. */
JET_ERR eng_put_unlocked(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey,
			 const void *val, size_t cbVal, int bt_flags);
JET_ERR eng_del_unlocked(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey);
/*
 * Escrow (ESE's JET_bitColumnEscrowUpdate): writes val, which differs from
 * the key's value as the transaction sees it only in the little-endian
 * counter of width bytes (4 or 8) at offset ib, without the write lock.
 * Other transactions may do the same to the key at the same time; at commit
 * each one's value is the committed value with the counter advanced by what
 * the transaction added (a merge), so concurrent increments all count.
 * Conflicts (JET_errWriteConflict): the key locked by another transaction,
 * or committed by a locked write after the snapshot; and a later lock of
 * the key by another transaction while escrow deltas on it are pending or
 * committed after its snapshot. When this transaction holds the lock
 * already the write is an ordinary locked one.
 */
JET_ERR eng_escrow_put(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey,
		       const void *val, size_t cbVal, size_t ib, unsigned width);
/* Takes the write lock without writing (prepReplace, JetGetLock). */
JET_ERR eng_lock(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey);
/* Takes tree objid whole for the transaction, for a caller that keeps every
 * other session from writing it (a JET_bitTableDenyWrite table): its writes
 * then make no per-key lock entries. One entry stands for the tree instead,
 * so that other transactions writing it later from an older snapshot still
 * meet the conflict. Keys others hold or committed after our snapshot leave
 * the tree as it was (per-key locks, as for any writer): JET_errSuccess
 * either way, asked once per transaction. */
JET_ERR eng_tree_exclusive(jsess *s, jdb *db, uint32_t objid);
/* A new empty tree, visible to this transaction only until commit. */
JET_ERR eng_tree_create(jsess *s, jdb *db, uint32_t *pobjid);
/* Drops a tree (at commit its pages go). */
JET_ERR eng_tree_drop(jsess *s, jdb *db, uint32_t objid);

/*
 * Per-tree counters and change time. Every tree carries ENG_TREE_COUNTERS
 * signed 64-bit counters that a transaction changes by delta without taking
 * any lock: at commit the deltas are added to the committed values, so
 * concurrent writers of one tree never conflict over them (ESE's escrow
 * idea, per tree). jetfs keeps a table's exact CSV size and row count there.
 * changed_ns is the commit time of the last commit that changed the tree's
 * contents or counters. All of it is logged and recovered like data.
 */
#define ENG_TREE_COUNTERS 2
typedef struct eng_tree_info {
	uint32_t root;
	int64_t counter[ENG_TREE_COUNTERS];
	uint64_t changed_ns;
	uint64_t modifications; /* commits that changed the tree or its counters */
} eng_tree_info;
/* As the read context sees it: the snapshot plus the transaction's deltas. */
JET_ERR eng_read_tree_info(eng_read *r, uint32_t objid, eng_tree_info *out);
JET_ERR eng_counter_add(jsess *s, jdb *db, uint32_t objid, int idx, int64_t delta);
/* Sets the change time a commit will record for the tree (jetfs's utimes);
 * 0 restores the default (the commit's own time when the tree changed). */
JET_ERR eng_tree_set_changed(jsess *s, jdb *db, uint32_t objid, uint64_t changed_ns);

/*
 * Online backup (ESE's external backup). A backup copies, for each attached
 * database, its last durable checkpoint: the header pages as they were when
 * the backup began and the rest of the file, whose checkpointed pages are
 * kept from reuse until the backup ends (writers go on meanwhile); plus the
 * log from that checkpoint to the position fixed by eng_backup_logs, served
 * with everything after it cut off; plus a checkpoint file naming the
 * databases by the paths the caller chooses. Recovery of such a copy (JetInit
 * with the copy's folders) gives exactly the state committed at the fixed
 * log position. One backup per instance at a time.
 */
typedef struct eng_backup eng_backup;
JET_ERR eng_backup_begin(jinst *inst, eng_backup **out); /* JET_errBackupInProgress */
int eng_backup_ndbs(const eng_backup *b);
jdb *eng_backup_db(const eng_backup *b, int i);
uint64_t eng_backup_db_size(const eng_backup *b, int i);
JET_ERR eng_backup_read_db(eng_backup *b, int i, uint64_t off, void *buf, size_t cb, size_t *pcb);
/* Flushes the log and fixes the backup's end; the generations to copy are
 * *pfirst..*plast (file names by jlog_file_name). Idempotent. */
JET_ERR eng_backup_logs(eng_backup *b, uint32_t *pfirst, uint32_t *plast);
uint64_t eng_backup_log_size(const eng_backup *b, uint32_t gen);
JET_ERR eng_backup_read_log(eng_backup *b, uint32_t gen, uint64_t off, void *buf, size_t cb,
			    size_t *pcb);
void eng_backup_log_name(const eng_backup *b, uint32_t gen, char *buf, size_t cb);
/* The checkpoint file for the copy: paths[i] is where database i will be,
 * absolute or relative to the checkpoint file's folder. *pcb bytes. */
JET_ERR eng_backup_chk(eng_backup *b, const char *const *paths, uint8_t **pbuf, size_t *pcb);
const char *eng_inst_base_name(const jinst *inst);
void eng_backup_end(eng_backup *b);
/* Deletes log generations no attached database (nor a backup) needs any
 * more (ESE's JetTruncateLog). */
JET_ERR eng_truncate_logs(jinst *inst);

/* Fault/crash test hooks. */
void eng_set_crash_on_fatal(bool);

#endif
