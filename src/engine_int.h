/*
 * engine_int.h - the engine's internal structures, shared by engine.c
 * (instances, databases, versions, checkpoints), txn.c (sessions,
 * transactions, locks, commit) and recovery.c. Nothing outside those three
 * files includes it.
 */
#ifndef JET_ENGINE_INT_H
#define JET_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/queue.h>

#include "engine.h"
#include "logrec.h"

#define ENG_MAX_DBS 16
#define ENG_MAX_LEVELS 7

/* A committed version of one database. Immutable except refs. */
struct jver {
	uint64_t ver;
	uint32_t dir_root;
	uint32_t refs;           /* snapshots and reads pinning it, +1 while current */
	jet_lsn lsn_end;         /* log end after this version's COMMIT */
	uint64_t commit_time_ns;
	TAILQ_ENTRY(jver) link;  /* jdb.versions, ascending ver */
	/* Recently resolved roots, (objid << 32 | root), 0 empty: a version
	 * never changes, so entries never go stale. */
	_Atomic uint64_t roots[16];
};

/* The lock table: one entry per (tree, key) written since the oldest
 * snapshot. Keys are identified by their tree's objid and a 64-bit hash of
 * (objid, key bytes): writers of different trees never meet here; within a
 * tree a hash collision can only cause a spurious WriteConflict, never a
 * missed one. */
typedef struct lock_entry {
	uint64_t hash;           /* 0 = empty slot, 1 = tombstone */
	uint32_t objid;
	struct jsess *owner;     /* live writer, or NULL when committed */
	uint64_t commit_ver;     /* version that last committed the key (0: none known) */
	uint64_t prev_commit_ver; /* while owned: the commit_ver it had, restored if the
				   * owner rolls back (older snapshots must still conflict) */
	uint64_t excl_ver;       /* version that last committed the key as its owner
				  * (escrow commits leave it): an escrow update of
				  * an older snapshot conflicts */
	uint32_t escrows;        /* live transactions holding escrow deltas on it */
	bool whole;              /* stands for every key of the tree (eng_tree_exclusive) */
} lock_entry;

typedef struct lock_table {
	pthread_mutex_t mu;
	lock_entry *slots;
	size_t cap;              /* power of two */
	size_t used;             /* live entries */
	size_t filled;           /* live + tombstones */
	size_t max_entries;      /* version store bound */
	size_t committed;        /* entries with owner NULL */
	size_t nwhole;           /* live entries with whole set: key locks look for
				  * their tree's only while there are any */
	uint64_t purged_at;      /* oldest version of the last purge: another
				  * purge frees nothing until it moves */
} lock_table;

struct jdb {
	jinst *inst;
	char *path;
	uint8_t slot;
	bool readonly;
	dbfile *file;
	jcache *cache;
	jspace *space;
	db_header hdr;           /* as last written (ckpt_lock) */
	pthread_mutex_t mu;      /* versions, current, horizon */
	TAILQ_HEAD(, jver) versions;
	jver *current;
	uint64_t durable_ckpt_ver;
	uint64_t h_readers, h_durable; /* horizons last given to the space map */
	/* Pages the durable checkpoint may reference (ckpt_dur), and those of
	 * a checkpoint being written (ckpt_pend): a page in neither is
	 * retired "fresh" (space.h). Bit arrays, guarded by the commit lock. */
	uint8_t *ckpt_dur, *ckpt_pend;
	uint32_t ckpt_dur_n, ckpt_pend_n;
	/* An online backup copies this checkpointed version: its pages may
	 * not be reused until the backup ends (0: no backup). */
	uint64_t backup_hold;
	_Atomic uint32_t next_objid;
	pthread_mutex_t ckpt_lock; /* one checkpoint at a time */
	lock_table locks;
	void *user;
	void (*user_free)(void *);
	_Atomic uint64_t commits;
	jet_lsn ckpt_lsn;        /* durable checkpoint's log position */
};

struct jinst {
	char name[64];
	eng_params p;
	bool initialized;
	JET_GRBIT init_grbit;    /* JetInit2's */
	_Atomic JET_ERR fatal;   /* sticky: the log failed (read by every thread) */
	jlog *log;
	jlog_params lp;
	char log_dir[1024];
	char chk_path[1100];
	uint8_t log_signature[16];
	uint64_t chk_seq;
	pthread_mutex_t commit_lock; /* commits, checkpoint capture, attach/detach */
	pthread_mutex_t mu;          /* dbs[], sessions */
	jdb *dbs[ENG_MAX_DBS];
	TAILQ_HEAD(, jsess) sessions;
	_Atomic uint64_t next_stamp;
	/* checkpointer thread */
	pthread_t ckpt_thread;
	bool ckpt_running, ckpt_stop;
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
	_Atomic uint64_t log_bytes_at_ckpt;
	/* The checkpointer works on databases without holding mu; while it
	 * does, detach and term wait for it (mu + ckpt_idle_cv). */
	bool ckpt_active;
	pthread_cond_t ckpt_idle_cv;
	uint64_t ckpt_passes; /* (mu) checkpointer passes done, for eng_ckpt_throttle */
	/* An online backup in progress needs the logs from here (0: none). */
	jet_lsn backup_log_hold;
	struct eng_backup *backup;
};

/* A tree a transaction has written, in one database. */
typedef struct txn_tree {
	uint32_t objid;
	uint32_t base_root;      /* root in the snapshot; 0 when created here */
	uint32_t root;           /* private root */
	bool created, dropped;
	bool excl;               /* the transaction holds the whole tree (eng_tree_exclusive) */
	bool excl_tried;         /* it asked and others' entries stood in the way */
	int64_t delta[ENG_TREE_COUNTERS]; /* counter changes, merged at commit */
	uint64_t changed_set;    /* explicit change time, 0: the commit's */
	uint64_t mods_set;       /* replay: the logged modification count */
	bool info_dirty;         /* deltas or change time given */
} txn_tree;

/* A published page the transaction's trees stopped referencing. */
typedef struct txn_drop {
	uint32_t pgno;
	uint16_t tree;           /* index into txn_db.trees */
	uint8_t alloc_level;     /* 0: a published page */
	uint8_t drop_level;
} txn_drop;

/* Private page map entry: pgno -> (level allocated, tree). */
typedef struct txn_page {
	uint32_t pgno;           /* 0: empty */
	uint8_t level;
	uint16_t tree;
} txn_page;

/* A savepoint: what a level restores on rollback. */
typedef struct txn_save {
	uint32_t ntrees;
	txn_tree *trees;         /* copies of trees[0..ntrees) at the level's begin */
} txn_save;

/* A key the transaction changed by escrow deltas only (eng_escrow_put):
 * at a merge commit its value is the committed one with each range
 * advanced by what the transaction added to it. */
typedef struct txn_escrow {
	uint64_t hash; /* the lock-table hash of (objid, key) */
	uint32_t objid;
	uint32_t cbKey;
	uint8_t *key;
	uint32_t *ranges; /* offset << 8 | width (4 or 8) */
	uint32_t nranges;
	bool dead; /* upgraded to an exclusive lock: the value is the transaction's */
} txn_escrow;

/* A transaction's part in one database. */
typedef struct txn_db {
	jdb *db;
	jver *snap;
	txn_tree *trees;
	uint32_t ntrees, cap_trees;
	txn_drop *drops;
	size_t ndrops, cap_drops;
	txn_page *pages;         /* open addressing, cap power of two */
	size_t npages, cap_pages;
	uint64_t *lock_hashes;   /* keys this transaction locked (their entries are
				  * the ones with that hash that it owns) */
	size_t nlocks, cap_locks;
	txn_escrow *escrows;     /* keys it holds escrow deltas on */
	uint32_t nescrows, cap_escrows;
	uint32_t *esc_index;     /* open addressing: escrows index + 1, 0 empty */
	uint32_t cap_esc_index;  /* power of two, or 0 */
	txn_save saves[ENG_MAX_LEVELS + 2];
	uint64_t writes;
} txn_db;

struct jsess {
	jinst *inst;
	TAILQ_ENTRY(jsess) link;
	int level;
	bool readonly;
	bool replay;             /* recovery's session: no locks, no log */
	uint64_t floors[ENG_MAX_LEVELS + 2];
	txn_db parts[ENG_MAX_DBS];
	jet_lsn last_commit_lsn;
	uint64_t txn_id;
};

/* The checkpoint file's contents (engine.c writes, recovery.c reads, an
 * online backup hands out its own): two slots of CHK_SLOT_SIZE bytes. */
#define CHK_SLOT_SIZE 32768
typedef struct chk_db {
	uint8_t slot;
	uint8_t signature[16];
	char path[1024];
} chk_db;

typedef struct chk_data {
	uint64_t seq;
	uint8_t signature[16];
	jet_lsn recovery_lsn;
	uint32_t ndbs;
	chk_db dbs[ENG_MAX_DBS];
} chk_data;

#define OBJID_DIR 3 /* the tree directory's own pages */

/* engine.c */
JET_ERR eng_chk_read(jinst *inst, chk_data *out, bool *pfFound);
/* One slot of the checkpoint file (CHK_SLOT_SIZE bytes) from d. */
JET_ERR eng_chk_encode(const chk_data *d, uint8_t *slot);
/* dir + "/" (unless dir ends with one) + name. */
void eng_path_join(char *out, size_t cb, const char *dir, const char *name);
void eng_new_log_signature(jinst *inst);
void eng_page_published(jdb *db, uint32_t pgno);
void eng_page_freed(jdb *db, uint32_t pgno);
/* Prepares the bookkeeping for a newly allocated page (may fail). */
JET_ERR eng_page_reserve(jdb *db, uint32_t pgno);
/* Commit lock held: might the durable checkpoint (or one being written)
 * reference this page? */
bool eng_page_in_checkpoint(const jdb *db, uint32_t pgno);
uint64_t eng_now_ns(void);
jver *eng_db_pin_current(jdb *db);
void eng_db_unpin(jdb *db, jver *v);
/* Recomputes the reuse horizons (after a backup hold is lifted). */
void eng_db_refresh_horizons(jdb *db);
/* Publishes a new version (commit lock held). */
JET_ERR eng_db_publish(jdb *db, uint64_t ver, uint32_t dir_root, jet_lsn lsn_end,
		       uint64_t time_ns);
uint64_t eng_new_stamp(jinst *inst);
JET_ERR eng_dir_lookup(jdb *db, uint32_t dir_root, uint32_t objid, uint32_t *proot);
/* A directory entry: u32 root, u32 zero, i64 counters, u64 changed_ns,
 * u64 modifications. */
#define DIR_VAL_SIZE (8 + 8 * ENG_TREE_COUNTERS + 16)
JET_ERR eng_dir_get(jdb *db, uint32_t dir_root, uint32_t objid, eng_tree_info *out);
void eng_dir_encode(const eng_tree_info *in, uint8_t out[DIR_VAL_SIZE]);
JET_ERR eng_dir_decode(const void *val, size_t cb, eng_tree_info *out);
void eng_dir_key(uint32_t objid, uint8_t key[4]);
void eng_set_fatal(jinst *inst, JET_ERR err);
void eng_ckpt_poke(jinst *inst);
/* After a logged commit: pokes the checkpointer and, when the log runs more
 * than CheckpointDepthMax past the last checkpoint, waits for its next pass. */
void eng_ckpt_throttle(jinst *inst);
JET_ERR eng_db_open_file(jinst *inst, const char *path, bool readonly, jdb **out);
void eng_db_close_file(jdb *db);
JET_ERR eng_db_checkpoint_locked(jdb *db, bool clean);
JET_ERR eng_chk_write(jinst *inst);
/* With inst->mu held: wait until the checkpointer is not inside a database. */
void eng_wait_ckpt_idle(jinst *inst);

/* txn.c */
void lock_table_init(lock_table *lt, size_t max_entries);
void lock_table_destroy(lock_table *lt);
JET_ERR txn_create_tree_with_objid(jsess *s, jdb *db, uint32_t objid);
/* Replay: make the tree's directory values these at commit. */
JET_ERR txn_set_tree_info(jsess *s, jdb *db, uint32_t objid, const int64_t *counter,
			  uint64_t changed_ns, uint64_t modifications);
void txn_release_db(jsess *s, jdb *db); /* a database going away */
JET_ERR eng_sess_begin_internal(jinst *inst, bool replay, jsess **out);

/* recovery.c */
JET_ERR eng_recover(jinst *inst);

#endif
