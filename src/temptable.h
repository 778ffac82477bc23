/*
 * temptable.h - temporary tables (JetOpenTempTable): a sorted, private
 * table of one session, gone when closed.
 *
 * Storage. Each temporary table is one plain B+tree in a file of its own,
 * created in JET_paramTempPath (a folder when it ends with '/', else a file
 * name prefix) and unlinked at once, so nothing is left behind by a close,
 * a JetTerm or a crash. The file has a small private buffer cache (at most
 * TT_CACHE_PAGES pages, fewer when JET_paramCacheSizeMax is smaller) that
 * evicts dirty pages to the file: a temporary table spills to disk instead
 * of growing in memory. The tree is written in place (one writer, no
 * copy-on-write, no versions), never logged and never synced: it is not
 * transacted — JetRollback leaves a temporary table as it is, and does not
 * close it (ESE's temporary tables are not versioned either).
 *
 * Order. Key = the normalized key (key.h, as for an index) of the columns
 * marked JET_bitColumnTTKey, in their order, JET_bitColumnTTDescending per
 * column. With JET_bitTTUnique a record whose key is present already is
 * dropped silently, or refused with JET_errKeyDuplicate when
 * JET_bitTTErrorOnDuplicateInsertion is given. Without TTUnique (or with
 * JET_bitTTForwardOnly, which ESE documents as allowing duplicates) the
 * tree key is the key ++ an 8-byte insertion number, so duplicates are
 * kept in insertion order. No key column: insertion order.
 *
 * Cursor. The JET_TABLEID is an api_cursor with c->tt set; cursor.c and
 * api_record.c hand its moves, seeks, bookmarks, retrieves and updates to
 * the tt_* functions below (no eng_read, no transaction). Every operation is
 * allowed whatever grbit asked for (TTIndexed/TTScrollable/TTUpdatable only
 * promise what this one structure always gives). Long values stay in the
 * record (a record is at most rec_max_size bytes).
 *
 * Limits: JET_paramMaxTemporaryTables open at once per instance, then
 * JET_errTooManySorts. A table is closed by JetCloseTable or JetEndSession
 * (which closes every cursor of the session).
 */
#ifndef JET_TEMPTABLE_H
#define JET_TEMPTABLE_H

#include "cursor.h"

#define TT_CACHE_PAGES 1024

typedef struct tt_table tt_table;

void tt_close(tt_table *tt);

JET_ERR tt_current(api_cursor *c);
JET_ERR tt_move(api_cursor *c, long cRow, JET_GRBIT grbit);
JET_ERR tt_seek(api_cursor *c, JET_GRBIT grbit);
JET_ERR tt_goto_pk(api_cursor *c, const uint8_t *pk, size_t cbPk);
/* JetUpdate: insert (pk receives the bookmark) or replace the record at
 * c->upk. */
JET_ERR tt_insert(api_cursor *c, const uint8_t *rec, size_t cbRec, uint8_t *pk, size_t *pcbPk);
JET_ERR tt_replace(api_cursor *c, const uint8_t *rec, size_t cbRec);
JET_ERR tt_delete(api_cursor *c);
/* Pages of the temporary table's tree (JET_TblInfoSpaceOwned). */
JET_ERR tt_page_count(api_cursor *c, unsigned long *pn);

#endif
