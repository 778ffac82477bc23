/*
 * btree.h - copy-on-write B+trees of byte-string keys and values in the
 * buffer cache.
 *
 * Keys order by memcmp, a shorter key before its extensions (the record
 * layer normalizes typed keys into such byte strings). Keys are unique within
 * a tree. Values up to bt_max_inline_value() live in the leaf; larger ones
 * (up to 2^31 bytes) are stored out of line in a chain of PAGE_TYPE_OVERFLOW
 * pages and read back transparently.
 *
 * Copy-on-write. A tree is named by its root page number. A page may be
 * changed in place only by the writer that created it: every page carries
 * the stamp of the writer that made it, and a writer may change a page whose
 * stamp is >= its mutable_floor; any other page is copied first (to a page
 * from w->alloc_page, stamped w->stamp) and the original handed to
 * w->drop_page, and so on up to the root, whose number therefore changes:
 * every mutating call takes the root by pointer. Pages not made by the writer
 * are never written, so a reader holding an old root reads an unchanging
 * tree without locks (snapshot isolation for free), and two roots share
 * every subtree neither changed (which bt_diff exploits).
 *
 * There are no sibling pointers (they would defeat copy-on-write); cursors
 * keep the path from the root.
 *
 * Invariants (bt_check verifies all): keys strictly ascending within a page
 * and across the tree; every page is within its parent's separator bounds;
 * all leaves at the same depth; every non-root page at least ~1/4 full or
 * merged/rebalanced with a sibling after a delete; the root of a non-empty
 * multi-level tree has >= 2 children; page objid equals the tree's; levels
 * consistent (leaf 0, parent = child + 1).
 *
 * Thread safety: any number of cursors on published (immutable) trees in any
 * threads. A writer's private pages are used by that writer's thread only.
 */
#ifndef JET_BTREE_H
#define JET_BTREE_H

#include "cache.h"

/* How a writer gets and gives up pages. */
typedef struct bt_writer {
	jcache *cache;
	uint64_t mutable_floor; /* pages with stamp >= this may change in place */
	uint64_t stamp;         /* stamp for pages this writer creates; >= mutable_floor */
	/* A fresh page number (the page is then initialized via jcache_new). */
	JET_ERR (*alloc_page)(void *ctx, uint32_t *pgno);
	/* The writer's tree no longer references pgno (a copied original, a
	 * page emptied by a merge, a dropped tree's page, an overflow chain of
	 * a replaced value). stamp is the page's stamp, so the callee knows
	 * whether it was the writer's own page (stamp >= mutable_floor). */
	JET_ERR (*drop_page)(void *ctx, uint32_t pgno, uint64_t stamp);
	void *ctx;
	uint64_t changes; /* incremented by every successful mutation */
} bt_writer;

/* Largest key a tree accepts (JET_errKeyTooBig beyond): 2000 bytes on 8 KiB
 * pages and larger, 1000 on 4 KiB. */
size_t bt_max_key(uint32_t page_size);
/* Largest value kept in the leaf; larger values go out of line. */
size_t bt_max_inline_value(uint32_t page_size);

/* A new empty tree (one empty leaf) owned by object objid. */
JET_ERR bt_create(bt_writer *w, uint32_t objid, uint32_t *proot);

enum bt_put_flags {
	BT_PUT_NOOVERWRITE = 0x1, /* key present: JET_errKeyDuplicate, tree unchanged */
	BT_PUT_MUSTEXIST = 0x2,   /* key absent: JET_errRecordNotFound, tree unchanged */
};
/* Inserts or replaces. On any error the tree the root names is unchanged
 * (pages already copied are dropped back through drop_page). */
JET_ERR bt_put(bt_writer *w, uint32_t *proot, const void *key, size_t cbKey, const void *val,
	       size_t cbVal, int flags);
/* Deletes key; absent: JET_errRecordNotFound. */
JET_ERR bt_del(bt_writer *w, uint32_t *proot, const void *key, size_t cbKey);
/* Hands every page of the tree to drop_page (the tree is gone). */
JET_ERR bt_drop(bt_writer *w, uint32_t root);

/* Point lookup. Copies up to cbMax bytes of the value into val (val may be
 * NULL when cbMax is 0) and sets *pcbActual to its full size; a value longer
 * than cbMax gives JET_wrnBufferTruncated. Absent: JET_errRecordNotFound. */
JET_ERR bt_get(jcache *c, uint32_t root, const void *key, size_t cbKey, void *val, size_t cbMax,
	       size_t *pcbActual);

/* Cursors. A cursor reads the tree named by its root; it does not notice
 * later changes made through a writer (re-seek after changing the tree). */
typedef struct bt_cursor bt_cursor;

typedef enum bt_seek_mode {
	BT_SEEK_EQ,
	BT_SEEK_GE,
	BT_SEEK_GT,
	BT_SEEK_LE,
	BT_SEEK_LT,
} bt_seek_mode;

JET_ERR bt_cursor_open(jcache *c, uint32_t root, bt_cursor **out);
void bt_cursor_close(bt_cursor *cur);
/* Points the cursor at another tree (or a new root of the same one) and
 * unpositions it. */
void bt_cursor_reset(bt_cursor *cur, uint32_t root);
/* Positions on the first key satisfying mode relative to key. Nothing
 * qualifies: JET_errRecordNotFound (cursor unpositioned). For GE and LE a
 * position on a key different from the one sought returns
 * JET_wrnSeekNotEqual. */
JET_ERR bt_seek(bt_cursor *cur, const void *key, size_t cbKey, bt_seek_mode mode);
/* Empty tree: JET_errRecordNotFound. */
JET_ERR bt_first(bt_cursor *cur);
JET_ERR bt_last(bt_cursor *cur);
/* Past the end / before the start: JET_errNoCurrentRecord, and the cursor
 * stays after the last / before the first entry, so that a bt_prev /
 * bt_next from there returns the last / first entry. Unpositioned:
 * JET_errNoCurrentRecord. */
JET_ERR bt_next(bt_cursor *cur);
JET_ERR bt_prev(bt_cursor *cur);
bool bt_cursor_positioned(const bt_cursor *cur); /* on an entry */
/* Releases the cursor's pin on its leaf but keeps its position (the path of
 * page numbers and slots): the next bt_next/bt_prev/bt_cursor_key/value
 * re-pins the leaf by number. Only valid if, until then, the tree the
 * cursor reads stays unchanged and none of its pages is freed (a published
 * tree its reader keeps pinned); a cursor must not hold a pin across calls
 * of an API that lets pages be retired meanwhile, so suspend it instead.
 * A re-pinned leaf that no longer matches the path gives
 * JET_errDatabaseCorrupted. */
void bt_cursor_suspend(bt_cursor *cur);
/* The current entry. Pointers stay valid until the cursor moves, is reset or
 * closed. An out-of-line value is assembled into a buffer the cursor owns. */
JET_ERR bt_cursor_key(bt_cursor *cur, const void **pkey, size_t *pcbKey);
JET_ERR bt_cursor_value(bt_cursor *cur, const void **pval, size_t *pcbVal);
/* Size of the current value without reading out-of-line pages. */
JET_ERR bt_cursor_value_size(bt_cursor *cur, size_t *pcbVal);

/* Calls fn for each key whose presence or value differs between the tree at
 * oldRoot and the one at newRoot, in key order: oldVal NULL = inserted,
 * newVal NULL = deleted. Subtrees the two share (same page number) are
 * skipped unread, so the cost is proportional to what changed. An error
 * from fn stops the walk and is returned. Either root may be 0 (empty). */
typedef JET_ERR (*bt_diff_fn)(void *ctx, const void *key, size_t cbKey, const void *oldVal,
			      size_t cbOld, const void *newVal, size_t cbNew);
JET_ERR bt_diff(jcache *c, uint32_t oldRoot, uint32_t newRoot, bt_diff_fn fn, void *ctx);

/* Calls fn for every page of the tree (branches, leaves, overflow pages),
 * parents before children. */
JET_ERR bt_walk(jcache *c, uint32_t root,
		JET_ERR (*fn)(void *ctx, uint32_t pgno, int page_type, int level), void *ctx);

/* Verifies every invariant above; on the first violation returns
 * JET_errDatabaseCorrupted and, if report is not NULL, calls it with the
 * page number and a description. Counts entries into *pcEntries if given. */
JET_ERR bt_check(jcache *c, uint32_t root, uint32_t objid,
		 void (*report)(void *ctx, uint32_t pgno, const char *what), void *ctx,
		 uint64_t *pcEntries);

/* Number of entries (walks the leaves). */
JET_ERR bt_count(jcache *c, uint32_t root, uint64_t *pc);

#endif
