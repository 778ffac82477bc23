/*
 * lv.h - separated long values: a table's long-value tree and the chunked
 * edits of one value.
 *
 * Layout. A LongText/LongBinary value larger than LV_INLINE_MAX bytes lives
 * out of the record, in the table's long-value (LV) tree: one tree per
 * table, created on first use in the writer's transaction and recorded in
 * MSysObjects as a Type 4 row (ObjidTable = the table, Id = the tree, Name
 * "LV"), dropped with the table. Entries: key = u64 big-endian LV id ++ u64
 * big-endian offset, value = the bytes [offset, offset + cb) of the value,
 * offsets multiples of lv_chunk_size(page size) and chunks that size except
 * the last. A chunk that is missing or short reads as zeros (so growing a
 * value with JET_bitSetSizeLV writes nothing). The record holds a reference
 * (record.h: REC_TAG_LVREF) with the LV id, the size and the first bytes.
 * LV ids are per table, handed out once (tbl_rt), never reused.
 *
 * Edits inside a prepared update (lv_pend). A value being changed is never
 * loaded whole and its committed chunks are not touched before JetUpdate:
 * the edit gets a fresh LV id (the overlay) under which it writes only the
 * chunks it changes, remembering which (a bitmap) and how much of the base
 * value is still valid after a shrink. Reads see overlay chunks first, then
 * the base's. JetUpdate installs it: a new value keeps its id; an edit of an
 * existing value moves its overlay chunks onto the base id and deletes the
 * base chunks past the new end, so the reference in the record keeps the
 * base id and only the touched chunks were written. JET_prepCancel deletes
 * the overlay chunks. Chunk writes take no version-store entries
 * (eng_put_unlocked): fresh ids cannot conflict and base chunks are
 * written under the record's lock.
 *
 * Overlay chunks of an update prepared outside a transaction are committed
 * as they are written (each JetSetColumn is its own implicit transaction,
 * as ESE does); a crash before JetUpdate or JetPrepareUpdate(prepCancel)
 * leaves them orphaned in the LV tree (space, not data: nothing refers to
 * them).
 */
#ifndef JET_LV_H
#define JET_LV_H

#include "table.h"

/* Long values above this size are separated. */
#define LV_INLINE_MAX 1024
/* Bytes of a reference in a record: header and prefix (record.h). */
#define LV_REF_MAX (REC_LVREF_HDR + REC_LV_PREFIX)

uint32_t lv_chunk_size(uint32_t page_size);

static inline uint64_t lv_ref_id(const void *ref)
{
	return get_le64(ref);
}
static inline uint64_t lv_ref_size(const void *ref)
{
	return get_le64((const uint8_t *)ref + 8);
}

/* The table's LV tree as r sees it (td's own when it knows it, else from
 * the catalog); 0 when none. */
JET_ERR lv_tree_find(eng_read *r, const tbl_def *td, uint32_t *ptree);

/* Reads bytes [ib, ib + cb) of a committed value (ib + cb <= its size) as r
 * sees it, touching only the chunks of that range. */
JET_ERR lv_read(eng_read *r, const tbl_def *td, uint64_t id, uint64_t ib, void *pv, size_t cb);

/* A writer on one table's LV tree, inside the session's transaction. */
typedef struct lv_w {
	jsess *s;
	jdb *db;
	tbl_def *td;
	uint32_t tree;
	uint32_t cbChunk;
	uint8_t *buf; /* one chunk */
} lv_w;

/* With create, makes the tree (and its catalog row) when the table has
 * none; without, w->tree stays 0 then. */
JET_ERR lv_w_open(lv_w *w, jsess *s, jdb *db, tbl_def *td, bool create);
void lv_w_close(lv_w *w);

/* Deletes every chunk of a committed value. */
JET_ERR lv_delete(lv_w *w, uint64_t id, uint64_t size);
/* Copies a committed value under a new id (JET_prepInsertCopy). */
JET_ERR lv_copy(lv_w *w, uint64_t id, uint64_t size, uint64_t *pnew);

/* An edit in progress (see above). */
typedef struct lv_pend {
	struct lv_pend *next;
	uint64_t id;         /* the overlay's id: what the edit's reference names */
	uint64_t base;       /* the value edited, 0: a new value */
	uint64_t base_valid; /* bytes of the base still part of the value */
	uint64_t base_size;
	uint64_t size;
	uint8_t *bits; /* chunk i is in the overlay */
	size_t cbBits;
	int level; /* transaction level of its writes (0: committed as written) */
	bool used; /* JetUpdate: the record refers to it */
} lv_pend;

/* A new edit of the value named by ref (NULL: a new, empty value). */
JET_ERR lv_pend_new(lv_w *w, const void *ref, int level, lv_pend **out);
void lv_pend_free(lv_pend *p);
JET_ERR lv_pend_write(lv_w *w, lv_pend *p, uint64_t ib, const void *pv, size_t cb);
JET_ERR lv_pend_resize(lv_w *w, lv_pend *p, uint64_t size);
/* Reads [ib, ib + cb), ib + cb <= p->size. */
JET_ERR lv_pend_read(lv_w *w, lv_pend *p, uint64_t ib, void *pv, size_t cb);
/* The reference the edit's record holds for it (LV_REF_MAX bytes). */
JET_ERR lv_pend_ref(lv_w *w, lv_pend *p, uint8_t *ref, size_t *pcb);
/* The id the value has once installed. */
static inline uint64_t lv_pend_final_id(const lv_pend *p)
{
	return p->base ? p->base : p->id;
}
JET_ERR lv_pend_install(lv_w *w, lv_pend *p);
/* Deletes the overlay's chunks (chunks already gone are fine). */
JET_ERR lv_pend_discard(lv_w *w, lv_pend *p);

#endif
