/*
 * table.h - table definitions (schema), their per-database cache, the
 * per-table runtime counters, and the update primitives that keep a table's
 * record tree and its index trees consistent.
 *
 * A table is a set of b+trees:
 *   - the data tree (tree id = the table's objid): key = the primary key
 *     (the normalized key of the primary index's columns) or, for a table
 *     without a primary index, an 8-byte big-endian sequential number (ESE's
 *     DBK); value = the encoded record (record.h);
 *   - one tree per secondary index: a unique index stores key = the index
 *     key, value = the primary key; a non-unique one key = index key ++
 *     primary key (so entries stay unique), value = the primary key.
 * The schema lives in the catalog (catalog.h); a tbl_def is an immutable,
 * refcounted snapshot of it, shared by every cursor that saw the same
 * catalog state.
 */
#ifndef JET_TABLE_H
#define JET_TABLE_H

#include <pthread.h>

#include "engine.h"
#include "record.h"

/* Largest key we ever build: bt_max_key() of any page size. Index keys are
 * capped at half of bt_max_key(page) so that a non-unique secondary entry
 * (index key ++ primary key) still fits the tree. */
#define TBL_KEY_BUF 2048
#define TBL_NAME_MAX JET_cbNameMost

typedef struct tbl_column {
	rec_column rc; /* columnid, coltyp, cbMax, grbit, ibFixed, cbFixed */
	char name[TBL_NAME_MAX + 1];
	uint16_t cp;
	uint8_t *pvDefault; /* NULL: no default */
	uint32_t cbDefault;
} tbl_column;

typedef struct tbl_keyseg {
	uint32_t icol; /* index into tbl_def.cols */
	bool descending;
} tbl_keyseg;

typedef struct tbl_index {
	char name[TBL_NAME_MAX + 1];
	uint32_t objid;  /* its tree; the primary index: the table's objid */
	JET_GRBIT grbit; /* JET_bitIndex* as created */
	uint32_t density;
	uint32_t lcid;
	uint32_t cbKeyMost; /* effective limit on the index key */
	uint32_t nseg;
	tbl_keyseg seg[JET_ccolKeyMost];
} tbl_index;

/* Per-table state shared by every session of a database (not transacted):
 * the sequential-key and autoincrement counters. */
typedef struct tbl_rt {
	uint32_t objid;
	pthread_mutex_t lock;
	bool seq_init, autoinc_init;
	uint64_t seq_next;      /* next DBK to hand out */
	int64_t autoinc_next;   /* next autoincrement value */
	bool lv_init;           /* lv.c: long-value ids */
	uint64_t lv_next;       /* next long-value id to hand out */
	uint32_t nopen; /* cursors open on the table (JetDeleteTable); __atomic_* only */
	/* JetOpenTable's JET_bitTableDenyRead/DenyWrite (cursor_deny): the
	 * session holding them and how many of its cursors do (under lock). */
	const void *deny_owner;
	uint32_t deny_read, deny_write;
	struct tbl_rt *next;
} tbl_rt;

typedef struct tbl_def {
	uint32_t refs; /* __atomic_* builtins only (clang refuses them on _Atomic) */
	uint32_t objid;    /* the data tree */
	/* Cache key: the catalog state the definition was read from. A root
	 * page number alone does not name a state once freed pages are reused
	 * (a later catalog root may get an old root's number), so the key is
	 * the root with the catalog tree's commit count. */
	uint32_t cat_root;
	uint64_t cat_mods;
	bool cached;       /* held by the database's cache */
	bool system;       /* MSysObjects: read-only through the API */
	char name[TBL_NAME_MAX + 1];
	uint32_t pages, density;
	JET_GRBIT flags;
	tbl_column *cols; /* sorted by columnid */
	uint32_t ncols;
	/* Deleted columns (JetDeleteColumn): gone from cols, but their ids are
	 * never handed out again and their bytes stay in older records, so
	 * record.c still needs them (a deleted fixed column keeps its place in
	 * the fixed data). Sorted by columnid. */
	tbl_column *dcols;
	uint32_t ndcols;
	rec_column *rcols; /* cols and dcols, as record.c wants them */
	uint32_t nrcols;
	rec_schema schema;
	tbl_index *idx; /* idx[iprimary] is the primary index if any */
	uint32_t nidx;
	int iprimary; /* -1: sequential key */
	int iautoinc; /* column index of the autoincrement column, -1 none */
	int iversion; /* column index of the JET_bitColumnVersion column, -1 none */
	uint32_t lv_objid; /* long-value tree (catalog Type 4 row), 0: none yet */
	uint32_t page_size;
	tbl_rt *rt;
	struct tbl_def *next; /* cache chain */
} tbl_def;

/* --- definitions --- */

/* A new, empty definition to be filled (catalog.c) and finalized. */
JET_ERR tbl_def_alloc(tbl_def **out);
/* Sorts columns, lays out fixed columns, resolves the primary index and
 * autoincrement column, builds the record schema. */
JET_ERR tbl_def_finalize(tbl_def *td, uint32_t page_size);
void tbl_def_addref(tbl_def *td);
void tbl_def_release(tbl_def *td);

/* The definition of table objid as r sees it: from the database's cache
 * when the catalog is not private to r's transaction, else loaded. */
JET_ERR tbl_def_get(eng_read *r, uint32_t objid, tbl_def **out);
/* The built-in definition of MSysObjects for db (a new reference). */
JET_ERR tbl_def_catalog(jdb *db, tbl_def **out);
/* The shared runtime state of table objid in db (created on first use). */
JET_ERR tbl_rt_get(jdb *db, uint32_t objid, tbl_rt **out);

const tbl_column *tbl_column_by_id(const tbl_def *td, JET_COLUMNID columnid);
const tbl_column *tbl_column_by_name(const tbl_def *td, const char *name);
const tbl_index *tbl_index_by_name(const tbl_def *td, const char *name);
/* Index -> its tree id and whether entries carry the primary key. */
static inline const tbl_index *tbl_primary(const tbl_def *td)
{
	return td->iprimary >= 0 ? &td->idx[td->iprimary] : NULL;
}

/* --- values and keys --- */

/* The itag-th value of a column of an encoded record, the column's default
 * applied when the record holds none (ESE: a default shows wherever the
 * record stores no value). NULL: JET_wrnColumnNull, *ppv NULL, *pcb 0. */
JET_ERR tbl_column_value(const tbl_def *td, const tbl_column *col, const uint8_t *rec, size_t cbRec,
			 unsigned long itag, const void **ppv, size_t *pcb);

/* The index key of a record (not including the primary key). *pskip is set
 * when the index's null rules leave the record out of the index
 * (IgnoreNull/IgnoreAnyNull/IgnoreFirstNull); DisallowNull with a NULL
 * segment: JET_errNullKeyDisallowed. key has TBL_KEY_BUF bytes. */
JET_ERR tbl_index_key(const tbl_def *td, const tbl_index *ix, const uint8_t *rec, size_t cbRec,
		      uint8_t *key, size_t *pcbKey, bool *pskip);
/* The entry key of a secondary index: the index key, ++ the primary key for
 * a non-unique index. */
JET_ERR tbl_entry_key(const tbl_def *td, const tbl_index *ix, const uint8_t *rec, size_t cbRec,
		      const uint8_t *pk, size_t cbPk, uint8_t *key, size_t *pcbKey, bool *pskip);
static inline bool tbl_index_is_secondary(const tbl_def *td, const tbl_index *ix)
{
	return ix != tbl_primary(td);
}

/* Reads the record with primary key pk into a growable buffer (*pbuf,
 * *pcap; jet_realloc'ed only when too small). Absent: JET_errRecordNotFound. */
JET_ERR tbl_read_record(eng_read *r, const tbl_def *td, const uint8_t *pk, size_t cbPk,
			uint8_t **pbuf, size_t *pcap, size_t *pcb);

/* --- counters --- */

/* Next sequential key / autoincrement value of the table; the first call
 * after attach seeds the counter from the largest value r sees. Values are
 * never handed out twice (gaps after a rollback are fine, as in ESE). */
JET_ERR tbl_next_seq(eng_read *r, tbl_def *td, uint64_t *out);
JET_ERR tbl_next_autoinc(eng_read *r, tbl_def *td, int64_t *out);

/* --- updates (inside the session's transaction) --- */

/* Inserts an encoded record: checks NOT NULL columns (JET_errNullInvalid),
 * computes the primary key (or takes the next sequential one), locks every
 * key it will write, writes the record (present: JET_errKeyDuplicate) and
 * every index entry (unique clash: JET_errKeyDuplicate). On any failure the
 * writes already done are undone. The primary key goes to pk (TBL_KEY_BUF
 * bytes) if not NULL. */
JET_ERR tbl_insert(eng_read *r, tbl_def *td, const uint8_t *rec, size_t cbRec, uint8_t *pk,
		   size_t *pcbPk);
/* Replaces the record at pk (whose current image is oldRec): a changed
 * primary key is JET_errRecordPrimaryChanged; index entries whose key
 * changed are moved. Atomic as tbl_insert. */
JET_ERR tbl_replace(eng_read *r, tbl_def *td, const uint8_t *pk, size_t cbPk, const uint8_t *oldRec,
		    size_t cbOld, const uint8_t *newRec, size_t cbNew);
/* Deletes the record at pk (current image rec) and its index entries. */
JET_ERR tbl_delete(eng_read *r, tbl_def *td, const uint8_t *pk, size_t cbPk, const uint8_t *rec,
		   size_t cbRec);

/* Checks a table/column/index name: <= 64 bytes, not empty, no leading
 * space, printable ASCII or UTF-8 (no control characters): else
 * JET_errInvalidName. */
JET_ERR tbl_check_name(const char *name);

/*
 * NEEDED FROM ENGINE: nothing beyond engine.h and api.h is required. What
 * this layer assumes of them (tested by tests/unit/test_table.c against the
 * current engine):
 *  - an eng_read context begun after an eng_put/eng_del of the session sees
 *    that write (a read after a write re-begins its context);
 *  - eng_tree_create/eng_tree_drop inside a nested level are undone by
 *    eng_txn_rollback of that level (DDL runs in a savepoint level);
 *  - JetRollback calls cursor_close_session_cursors(s, level rolled back)
 *    before rolling back, JetEndSession calls it with 0.
 * Wanted for speed (optional): a cheaper way than eng_read_begin/end to
 * learn the current view for JetRetrieveColumn, e.g.
 *    uint64_t eng_read_view(jsess *s, jdb *db);  -- the view an
 *    eng_read_begin now would report, without pinning a version.
 */

#endif
