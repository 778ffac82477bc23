/*
 * cursor.h - a JET_TABLEID: a cursor on a table, its current index and
 * position, the key being made, the index range and the update in progress.
 *
 * Position model. A cursor remembers where it is by key: the current
 * index entry's key (for a secondary index that includes or accompanies
 * the primary key) and the primary key (the bookmark). That key is the
 * truth; the b+tree position is a hint. At the end of each Jet* call the
 * b+tree cursor is suspended (its leaf unpinned, its path of page numbers
 * kept) and tagged with the eng_read view it was taken in; the next call
 * continues from it only when its view is the same, the tree is not the
 * transaction's private copy, and the entry there still has the saved key.
 * Otherwise it re-seeks from the saved key. Why that is safe: an equal view
 * names the same committed version (outside a transaction the current one,
 * whose pages cannot be retired while it is current; inside, the pinned
 * snapshot), and a published tree of a version never changes. Private
 * trees change in place and are freed by a rollback, so no position in
 * one outlives its call; a rollback also forgets every view the session's
 * cursors hold (cursor_forget_views), as the engine's view may repeat
 * after one. The tree root is cached by view under the same rules.
 * The current record's bytes are copied once into a per-cursor buffer,
 * tagged with the view they were read in; JetRetrieveColumn uses that copy
 * without touching the tree while the view is unchanged.
 */
#ifndef JET_CURSOR_H
#define JET_CURSOR_H

#include "api.h"
#include "table.h"

enum cursor_pos {
	CUR_BEFORE_FIRST = 0, /* fresh, or moved before the first entry */
	CUR_ON,               /* on the entry whose key is saved (it may be gone since) */
	CUR_AFTER_LAST,       /* moved past the last entry */
};

enum cursor_prep {
	CUR_PREP_NONE = 0,
	CUR_PREP_INSERT,
	CUR_PREP_REPLACE,
};

struct api_cursor {
	TAILQ_ENTRY(api_cursor) link;
	api_sess *sess;
	JET_TABLEID handle;
	jdb *db;
	JET_DBID dbid;
	tbl_def *td;
	tbl_rt *rt; /* counts this cursor in nopen */
	bool readonly;
	JET_GRBIT deny; /* JET_bitTableDenyRead/DenyWrite it holds (cursor_deny) */
	struct cursor_deny_hold *deny_hold; /* allocated with the hold, so closing cannot fail */
	/* A list table (cursor_open_mem): rows in memory, no b+tree; the
	 * position is the row number, kept big-endian in pk like a bookmark. */
	struct cursor_mem *mem;
	/* A temporary table (temptable.h): its own tree, no database. */
	struct tt_table *tt;
	/* A table of a file written by Microsoft's ESE (cursor_ese.c): no jdb;
	 * rec holds the current record re-encoded in our format. */
	struct cursor_ese *ese;
	int level; /* transaction level when opened */

	/* current index: NULL = the clustered order (primary index or DBK) */
	const tbl_index *ix;
	uint32_t ix_objid; /* tree of the current index */

	/* position */
	int pos;                   /* enum cursor_pos */
	uint8_t ekey[TBL_KEY_BUF]; /* current entry key in the current index's tree */
	size_t cbEkey;
	uint8_t pk[TBL_KEY_BUF]; /* primary key of the current record */
	size_t cbPk;
	uint8_t *rec; /* copy of the current record */
	size_t cbRec, capRec;
	uint64_t rec_view; /* view the copy was read in; 0 = not valid */

	bt_cursor *bt;    /* suspended between calls (see above) */
	uint64_t bt_view; /* view bt's position may be resumed in; 0 = none */
	uint32_t bt_objid; /* tree bt reads */
	bool bt_at;       /* within the call: bt is on the current entry */
	uint64_t root_view; /* cached root of ix_objid for this view; 0 = none */
	uint32_t root_objid, root;

	/* the key being made (JetMakeKey) */
	uint8_t key[TBL_KEY_BUF];
	size_t cbKey;
	uint32_t nsegKey; /* segments given */
	bool key_made;
	bool key_limit; /* made with a limit bit: already a start/end limit */

	/* index range (JetSetIndexRange) */
	bool range;
	bool range_upper;          /* limit is an upper bound */
	uint8_t rkey[TBL_KEY_BUF]; /* entries must be < rkey (upper) or >= rkey (lower) */
	size_t cbRkey;

	/* update in progress */
	int prep; /* enum cursor_prep */
	rec_edit *edit;
	/* JET_prepInsertCopyDeleteOriginal: an insert that also deletes the
	 * record whose primary key is upk, in the same transaction. */
	bool del_orig;
	uint8_t upk[TBL_KEY_BUF]; /* replace: primary key of the record being replaced */
	size_t cbUpk;
	struct lv_pend *lvp; /* long values edited by the update (lv.h) */
};

/* Opens a cursor on td (takes a reference), registers it with the session
 * and hands out its JET_TABLEID. */
JET_ERR cursor_open(api_sess *s, JET_DBID dbid, jdb *db, tbl_def *td, bool readonly,
		    JET_TABLEID *ptableid);
void cursor_close(api_cursor *c);
/* JetOpenTable's exclusive modes for a cursor just opened: grbit's
 * JET_bitTableDenyRead (no other session may open the table) and
 * JET_bitTableDenyWrite (none may open it for writing), held until the
 * cursor closes. Another session holding them: JET_errTableLocked (also
 * for an open without them that they deny); another session with the
 * table open when asking for them: JET_errTableInUse. */
JET_ERR cursor_deny(api_cursor *c, JET_GRBIT grbit);
/* Gives back the exclusive opens the session kept after their cursors
 * closed inside the transaction (JetCommitTransaction / JetRollback of the
 * outermost level, session end). A table whose writes made no per-key
 * locks (cursor_write_prepare) must stay closed to other writers until the
 * transaction that wrote it is over. */
void cursor_deny_release_held(api_sess *s);
/* Before a write through c in the session's transaction: when the session
 * holds the table against other writers (JET_bitTableDenyWrite or
 * DenyRead), takes the table and its indexes whole for the transaction
 * (eng_tree_exclusive), so its rows make no lock entries. */
JET_ERR cursor_write_prepare(api_cursor *c);
/* Replaces the cursor's definition (after DDL through it). */
void cursor_set_def(api_cursor *c, tbl_def *td);
/* Positions before the first entry of the current index. */
void cursor_reset_position(api_cursor *c);

/* Makes sure c->rec holds the current record as r sees it:
 * JET_errNoCurrentRecord when not on a record, JET_errRecordDeleted when it
 * is gone. */
JET_ERR cursor_current_record(api_cursor *c, eng_read *r);
/* Moves (JetMove semantics for cRow: JET_MoveFirst, JET_MoveLast, +-n). */
JET_ERR cursor_move(api_cursor *c, eng_read *r, long cRow, JET_GRBIT grbit);
/* Seeks with the made key. */
JET_ERR cursor_seek(api_cursor *c, eng_read *r, JET_GRBIT grbit);
/* Positions on the record with primary key pk in the current index. */
JET_ERR cursor_goto_pk(api_cursor *c, eng_read *r, const uint8_t *pk, size_t cbPk);
/* Sets the current index (NULL: clustered) and moves to its first entry
 * unless nomove (then stays on the current record). */
JET_ERR cursor_set_index(api_cursor *c, eng_read *r, const tbl_index *ix, bool nomove);
/* Cancels the prepared update (api_record.c). Its long-value edits'
 * chunks are deleted when fDelete (JET_prepCancel, close), else only
 * forgotten (a rollback took them). */
void cursor_update_cancel(api_cursor *c, bool fDelete);
/* Ends the call's use of the b+tree position (end of every Jet* call with
 * a read context): suspends it for the next call when it may be resumed,
 * else resets it. */
void cursor_park(api_cursor *c, eng_read *r);

/*
 * List tables. ESE answers JetGetObjectInfo/JetGetColumnInfo/JetGetIndexInfo
 * list levels with a temporary table the caller walks with JetMove and
 * JetRetrieveColumn and closes with JetCloseTable. Ours is a read-only
 * cursor over rows held in memory: encoded records (record.h) of a
 * definition made for the list, in the order they were added. JetMove,
 * JetRetrieveColumn(s), bookmarks, JetGetRecordPosition/JetGotoPosition,
 * JetIndexRecordCount, JetDupCursor and JetCloseTable work on it; updates
 * are JET_errPermissionDenied, keys JET_errNoCurrentIndex.
 */
typedef struct cursor_mem cursor_mem;
JET_ERR cursor_mem_new(cursor_mem **out);
JET_ERR cursor_mem_add(cursor_mem *m, const uint8_t *rec, size_t cb);
uint32_t cursor_mem_count(const cursor_mem *m);
void cursor_mem_release(cursor_mem *m);
/* Opens a read-only cursor on m's rows, before the first (takes a
 * reference on td and consumes the caller's reference on m, also on
 * failure). */
JET_ERR cursor_open_mem(api_sess *s, JET_DBID dbid, jdb *db, tbl_def *td, cursor_mem *m,
			JET_TABLEID *ptableid);

/* Tables of files written by Microsoft's ESE (cursor_ese.c). Opens a
 * read-only cursor on table name of db (JET_errObjectNotFound). */
struct ese_db;
JET_ERR cursor_open_ese(api_sess *s, JET_DBID dbid, struct ese_db *db, const char *name,
			JET_TABLEID *ptableid);
JET_ERR cursor_open_ese_table(api_sess *s, JET_DBID dbid, struct ese_db *db, const char *name,
			      JET_TABLEID *ptableid);
void cursor_ese_close(api_cursor *c);
JET_ERR cursor_ese_move(api_cursor *c, long cRow, JET_GRBIT grbit);
JET_ERR cursor_ese_seek(api_cursor *c, JET_GRBIT grbit);
/* JetGotoBookmark: the record whose primary key is pk (JET_errRecordDeleted
 * when there is none). */
JET_ERR cursor_ese_goto_key(api_cursor *c, const uint8_t *pk, size_t cbPk);
/* The current record, re-encoded in c->rec (our record format): long
 * values over cursor_ese_inline_max bytes are references whose id names the
 * column and occurrence, read by cursor_ese_read_long. */
JET_ERR cursor_ese_current(api_cursor *c);
JET_ERR cursor_ese_read_long(api_cursor *c, uint64_t id, uint64_t ib, void *pv, size_t cb);
extern size_t cursor_ese_inline_max; /* default 1024 */

/* JetDupCursor: a new cursor on c's table (or list), on the clustered
 * index, on its first record (none: before the first), as ESE does. */
JET_ERR cursor_dup(api_cursor *c, eng_read *r, JET_TABLEID *ptableid);
/* The current entry's place in the current index: *plt entries before
 * it, *ptotal in all (exact; index ranges do not count, as in ESE). */
JET_ERR cursor_get_position(api_cursor *c, eng_read *r, unsigned long *plt,
			    unsigned long *ptotal);
/* Moves to the entry at fraction lt/total of the current index. */
JET_ERR cursor_goto_position(api_cursor *c, eng_read *r, unsigned long lt, unsigned long total);

#endif
