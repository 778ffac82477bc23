/*
 * btree.c - copy-on-write B+trees over the buffer cache (see btree.h).
 *
 * PAGE LAYOUT (leaf and branch; little-endian)
 *
 *   0        24       32                lower        upper              ps
 *   +--------+--------+------------------+------------+------------------+
 *   | common | btree  | slot[0..n) u16   |   free     | cells, growing   |
 *   | header | header | (sorted by key)  |            | down from the end|
 *   +--------+--------+------------------+------------+------------------+
 *   btree header: u16 n, u16 lower (= 32 + 2n), u16 upper, u16 frag.
 *   frag counts bytes of dead cells inside [upper, ps); an insert that finds
 *   too little contiguous room but enough with frag compacts the page first.
 *
 *   leaf cell:   u16 klen | u16 vinfo | key | value
 *                vinfo bit 15 clear: value inline, vinfo = its length;
 *                vinfo bit 15 set:   value = u32 total size, u32 first
 *                                    overflow pgno (8 bytes).
 *   branch cell: u32 child | u16 klen | key.  Cell 0's key is empty and means
 *                "the page's own lower bound"; child i holds keys k with
 *                key[i] <= k < key[i+1].
 *   overflow page: common header | u32 next pgno (0 ends) | u32 bytes | data.
 *
 * Every cell is at most a quarter of the page (BT_MAX_CELL), so any page
 * plus one more cell can be split in two halves that fit, and a page under
 * a quarter full next to a sibling either merges with it or takes cells
 * from it.  That is why keys are capped (bt_max_key) and why a value goes
 * out of line when key + value would make the cell too big.
 *
 * THE COW RULE
 *   A page whose stamp is >= w->mutable_floor belongs to the writer and is
 *   changed in place; any other page is published (someone may read it
 *   without locks) and is never written: it is copied to a fresh page
 *   stamped w->stamp, the parent is made to point at the copy (the parent
 *   being copied first, up to the root), and the original goes to
 *   w->drop_page once the operation has succeeded.  Overflow pages are
 *   never changed at all: a replaced value gets a new chain.
 *
 * ALL OR NOTHING
 *   A mutation runs in two phases.  The plan phase descends, pins every page
 *   the change can touch (the path, and for a delete that underflows the
 *   siblings), works out how many new pages it can need, writes any new
 *   overflow chain, then allocates and pins all those pages.  Only then does
 *   the apply phase change bytes, and it cannot fail: it needs no I/O and no
 *   allocation.  A failure in the plan phase gives the new pages back via
 *   drop_page and leaves the tree as it was.  Unused reserved pages (the
 *   split estimate above the first parent is an upper bound) are given back
 *   the same way.
 *
 * SPLIT / MERGE POLICY
 *   Insert into a full page splits it by bytes into two halves, except when
 *   the key goes past the last entry of the rightmost page of its level:
 *   then the old page stays as it is and the new page starts with the new
 *   cell alone, so sequential loads leave pages ~100% full.  Leaf splits
 *   push up the shortest separator between the two halves (suffix
 *   truncation); branch splits push up the first key of the right half,
 *   which becomes that page's empty cell 0.
 *   After a delete, an emptied non-root page is unlinked from its parent; a
 *   page under a quarter full is merged with a sibling (left one if any)
 *   when both fit in one page, otherwise entries are redistributed evenly
 *   provided the parent has room for the new separator (if not, the page is
 *   left underfull: a soft invariant, bt_check does not enforce fill).  A
 *   root branch with a single child is replaced by that child.
 *
 * CURSORS keep the path (pgno, slot, count per level) and pin only the
 * current leaf while positioned; moving to a neighbour leaf re-gets the
 * branch pages by number, which is cheap in the cache and safe because the
 * tree a cursor reads is immutable.  bt_cursor_suspend drops the leaf pin
 * but keeps the path; the leaf is re-pinned by number (cur_leaf) when the
 * entry is next read, so a cursor can hold a position between API calls
 * without pinning anything: its caller must know the tree is unchanged and
 * its pages not freed meanwhile (see btree.h).
 */
#include "btree.h"
#include "os.h"

#include <stdio.h>

#define BT_OFF_N 24
#define BT_OFF_LOWER 26
#define BT_OFF_UPPER 28
#define BT_OFF_FRAG 30
#define BT_SLOTS 32
#define BT_MAX_DEPTH 32
#define BT_OVF_NEXT 24
#define BT_OVF_BYTES 28
#define BT_OVF_DATA 32
#define BT_VAL_OVF 0x8000u
#define BT_LEAF_HDR 4
#define BT_BRANCH_HDR 6
#define BT_OVF_REF 8
/* Largest cell on the largest page, for stack buffers. */
#define BT_CELL_BUF ((DB_PAGE_SIZE_MAX - BT_SLOTS) / 4)
#define BT_KEY_ABS_MAX 2000
#define BT_MAX_RESERVE (2 * BT_MAX_DEPTH + 2)

/* ---------------------------------------------------------------- pages */

/* Stands in for a NULL key of length 0 (memcmp wants a valid pointer). */
static const uint8_t bt_empty_key[1];

static inline uint32_t pg_n(const uint8_t *p) { return get_le16(p + BT_OFF_N); }
static inline uint32_t pg_lower(const uint8_t *p) { return get_le16(p + BT_OFF_LOWER); }
static inline uint32_t pg_upper(const uint8_t *p, uint32_t ps)
{
	uint32_t u = get_le16(p + BT_OFF_UPPER);
	/* 32 KiB pages: an empty page's upper (32768) still fits in u16, but
	 * keep 0 meaning "end of page" so a zeroed header is a valid one. */
	return u ? u : ps;
}
static inline uint32_t pg_frag(const uint8_t *p) { return get_le16(p + BT_OFF_FRAG); }
static inline bool pg_is_leaf(const uint8_t *p) { return p[PAGE_OFF_LEVEL] == 0; }
static inline uint64_t pg_stamp(const uint8_t *p) { return get_le64(p + PAGE_OFF_STAMP); }
static inline const uint8_t *pg_cell(const uint8_t *p, uint32_t i)
{
	return p + get_le16(p + BT_SLOTS + 2 * i);
}
static inline uint32_t usable(uint32_t ps) { return ps - BT_SLOTS; }
static inline uint32_t max_cell(uint32_t ps) { return usable(ps) / 4 - 2; }
/* Bytes in use: slots plus live cells. */
static inline uint32_t pg_used(const uint8_t *p, uint32_t ps)
{
	return (pg_lower(p) - BT_SLOTS) + (ps - pg_upper(p, ps) - pg_frag(p));
}
static inline uint32_t pg_free(const uint8_t *p, uint32_t ps) { return usable(ps) - pg_used(p, ps); }

static inline uint32_t leaf_klen(const uint8_t *c) { return get_le16(c); }
static inline const uint8_t *leaf_key(const uint8_t *c) { return c + BT_LEAF_HDR; }
static inline bool leaf_ovf(const uint8_t *c) { return (get_le16(c + 2) & BT_VAL_OVF) != 0; }
static inline uint32_t leaf_vbytes(const uint8_t *c)
{
	uint32_t v = get_le16(c + 2);
	return (v & BT_VAL_OVF) ? BT_OVF_REF : v;
}
static inline const uint8_t *leaf_val(const uint8_t *c) { return c + BT_LEAF_HDR + leaf_klen(c); }
static inline uint32_t branch_child(const uint8_t *c) { return get_le32(c); }
static inline uint32_t branch_klen(const uint8_t *c) { return get_le16(c + 4); }
static inline const uint8_t *branch_key(const uint8_t *c) { return c + BT_BRANCH_HDR; }

static inline uint32_t cell_size(bool leaf, const uint8_t *c)
{
	return leaf ? BT_LEAF_HDR + leaf_klen(c) + leaf_vbytes(c) : BT_BRANCH_HDR + branch_klen(c);
}
static inline void cell_key(bool leaf, const uint8_t *c, const uint8_t **k, size_t *kl)
{
	if (leaf) {
		*k = leaf_key(c);
		*kl = leaf_klen(c);
	} else {
		*k = branch_key(c);
		*kl = branch_klen(c);
	}
}

/* memcmp order. Inline, eight bytes at a time: keys are short (a normalized
 * integer key is 5-9 bytes), so the library call and its setup were a
 * visible part of every probe of a seek. */
static inline int keycmp(const void *a, size_t al, const void *b, size_t bl)
{
	const uint8_t *x = a, *y = b;
	size_t n = al < bl ? al : bl;
	for (; n >= 8; n -= 8, x += 8, y += 8) {
		uint64_t u = get_be64(x), v = get_be64(y);
		if (u != v)
			return u < v ? -1 : 1;
	}
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return (al > bl) - (al < bl);
}

static void pg_init(uint8_t *p, uint32_t ps, uint32_t objid, int type, int level, uint64_t stamp)
{
	memset(p, 0, BT_SLOTS);
	put_le64(p + PAGE_OFF_STAMP, stamp);
	put_le32(p + PAGE_OFF_OBJID, objid);
	p[PAGE_OFF_TYPE] = (uint8_t)type;
	p[PAGE_OFF_LEVEL] = (uint8_t)level;
	put_le16(p + BT_OFF_LOWER, BT_SLOTS);
	put_le16(p + BT_OFF_UPPER, (uint16_t)(ps & 0xffff));
}

/* Empties the slot area, keeping the common header. */
static void pg_reset(uint8_t *p, uint32_t ps)
{
	put_le16(p + BT_OFF_N, 0);
	put_le16(p + BT_OFF_LOWER, BT_SLOTS);
	put_le16(p + BT_OFF_UPPER, (uint16_t)(ps & 0xffff));
	put_le16(p + BT_OFF_FRAG, 0);
}

/* Appends a cell after the last slot; the caller knows it fits contiguously. */
static void pg_append(uint8_t *p, uint32_t ps, const uint8_t *cell, uint32_t size)
{
	uint32_t n = pg_n(p), upper = pg_upper(p, ps) - size;
	memcpy(p + upper, cell, size);
	put_le16(p + BT_SLOTS + 2 * n, (uint16_t)upper);
	put_le16(p + BT_OFF_N, (uint16_t)(n + 1));
	put_le16(p + BT_OFF_LOWER, (uint16_t)(BT_SLOTS + 2 * (n + 1)));
	put_le16(p + BT_OFF_UPPER, (uint16_t)upper);
}

static void pg_compact(uint8_t *p, uint32_t ps)
{
	uint8_t tmp[DB_PAGE_SIZE_MAX];
	bool leaf = pg_is_leaf(p);
	uint32_t n = pg_n(p);
	memcpy(tmp, p, ps);
	pg_reset(p, ps);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *c = pg_cell(tmp, i);
		pg_append(p, ps, c, cell_size(leaf, c));
	}
}

/* Inserts a cell at slot i; the caller has checked pg_free >= size + 2. */
static void pg_insert(uint8_t *p, uint32_t ps, uint32_t i, const uint8_t *cell, uint32_t size)
{
	uint32_t n = pg_n(p);
	if (pg_upper(p, ps) - pg_lower(p) < size + 2)
		pg_compact(p, ps);
	uint32_t upper = pg_upper(p, ps) - size;
	memcpy(p + upper, cell, size);
	uint8_t *slots = p + BT_SLOTS;
	memmove(slots + 2 * (i + 1), slots + 2 * i, 2 * (n - i));
	put_le16(slots + 2 * i, (uint16_t)upper);
	put_le16(p + BT_OFF_N, (uint16_t)(n + 1));
	put_le16(p + BT_OFF_LOWER, (uint16_t)(BT_SLOTS + 2 * (n + 1)));
	put_le16(p + BT_OFF_UPPER, (uint16_t)upper);
}

static void pg_remove(uint8_t *p, uint32_t ps, uint32_t i)
{
	uint32_t n = pg_n(p);
	const uint8_t *c = pg_cell(p, i);
	uint32_t size = cell_size(pg_is_leaf(p), c), off = (uint32_t)(c - p);
	uint8_t *slots = p + BT_SLOTS;
	memmove(slots + 2 * i, slots + 2 * (i + 1), 2 * (n - i - 1));
	put_le16(p + BT_OFF_N, (uint16_t)(n - 1));
	put_le16(p + BT_OFF_LOWER, (uint16_t)(BT_SLOTS + 2 * (n - 1)));
	if (off == pg_upper(p, ps))
		put_le16(p + BT_OFF_UPPER, (uint16_t)((off + size) & 0xffff));
	else
		put_le16(p + BT_OFF_FRAG, (uint16_t)(pg_frag(p) + size));
	if (n == 1)
		pg_reset(p, ps);
}

/* First slot whose key is >= key; *found when equal. */
static inline uint32_t leaf_search(const uint8_t *p, const void *key, size_t kl, bool *found)
{
	uint32_t lo = 0, hi = pg_n(p);
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		const uint8_t *c = pg_cell(p, mid);
		int r = keycmp(leaf_key(c), leaf_klen(c), key, kl);
		if (r < 0)
			lo = mid + 1;
		else if (r > 0)
			hi = mid;
		else {
			*found = true;
			return mid;
		}
	}
	*found = false;
	return lo;
}

/* The child whose range holds key: the last i with key[i] <= key. */
static inline uint32_t branch_search(const uint8_t *p, const void *key, size_t kl)
{
	uint32_t lo = 1, hi = pg_n(p);
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		const uint8_t *c = pg_cell(p, mid);
		if (keycmp(branch_key(c), branch_klen(c), key, kl) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

size_t bt_max_key(uint32_t page_size) { return page_size >= 8192 ? 2000 : 1000; }

size_t bt_max_inline_value(uint32_t page_size) { return max_cell(page_size) - BT_LEAF_HDR; }

/* Out of line when over the public limit or when key + value would not fit
 * in one cell (a long key leaves less room for the value). */
static inline bool val_inline(uint32_t ps, size_t kl, size_t vl)
{
	return vl <= bt_max_inline_value(ps) && BT_LEAF_HDR + kl + vl <= max_cell(ps);
}

/* Gets a page and checks it is a b-tree page of the expected level (-1: any). */
static JET_ERR get_node(jcache *c, uint32_t pgno, int level, jbuf **out)
{
	JET_ERR err = jcache_get(c, pgno, out);
	if (err < 0)
		return err;
	const uint8_t *p = (*out)->data;
	int type = p[PAGE_OFF_TYPE];
	if ((type != PAGE_TYPE_BTREE_LEAF && type != PAGE_TYPE_BTREE_BRANCH) ||
	    (type == PAGE_TYPE_BTREE_LEAF) != (p[PAGE_OFF_LEVEL] == 0) ||
	    (level >= 0 && p[PAGE_OFF_LEVEL] != level) || pg_lower(p) != BT_SLOTS + 2 * pg_n(p) ||
	    pg_lower(p) > pg_upper(p, jcache_page_size(c))) {
		jcache_release(c, *out);
		*out = NULL;
		return JET_errDatabaseCorrupted;
	}
	return JET_errSuccess;
}

/* ------------------------------------------------------- overflow chains */

static uint32_t ovf_payload(uint32_t ps) { return ps - BT_OVF_DATA; }

/* Reads up to cbMax bytes of an out-of-line value. */
static JET_ERR ovf_read(jcache *c, uint32_t pgno, size_t total, void *buf, size_t cbMax)
{
	JET_ERR err = JET_errSuccess;
	uint32_t ps = jcache_page_size(c);
	size_t done = 0, want = JET_MIN(total, cbMax);
	jbuf *b = NULL;
	while (done < want) {
		if (pgno == 0)
			Error(JET_errDatabaseCorrupted);
		Call(jcache_get(c, pgno, &b));
		const uint8_t *p = b->data;
		uint32_t bytes = get_le32(p + BT_OVF_BYTES);
		if (p[PAGE_OFF_TYPE] != PAGE_TYPE_OVERFLOW || bytes > ovf_payload(ps) || bytes == 0)
			Error(JET_errDatabaseCorrupted);
		size_t n = JET_MIN((size_t)bytes, want - done);
		memcpy((uint8_t *)buf + done, p + BT_OVF_DATA, n);
		done += n;
		pgno = get_le32(p + BT_OVF_NEXT);
		jcache_release(c, b);
		b = NULL;
	}
HandleError:
	if (b)
		jcache_release(c, b);
	return err;
}

typedef struct pgref {
	uint32_t pgno;
	uint64_t stamp;
} pgref;

/* Collects the pages of a chain (for dropping once the change succeeded). */
static JET_ERR ovf_collect(jcache *c, uint32_t pgno, size_t total, pgref **out, uint32_t *pn)
{
	JET_ERR err = JET_errSuccess;
	uint32_t ps = jcache_page_size(c);
	uint32_t n = (uint32_t)((total + ovf_payload(ps) - 1) / ovf_payload(ps));
	pgref *r = jet_malloc(sizeof(*r) * (n ? n : 1));
	jbuf *b = NULL;
	if (!r)
		return JET_errOutOfMemory;
	for (uint32_t i = 0; i < n; i++) {
		if (pgno == 0)
			Error(JET_errDatabaseCorrupted);
		Call(jcache_get(c, pgno, &b));
		if (b->data[PAGE_OFF_TYPE] != PAGE_TYPE_OVERFLOW)
			Error(JET_errDatabaseCorrupted);
		r[i].pgno = pgno;
		r[i].stamp = pg_stamp(b->data);
		pgno = get_le32(b->data + BT_OVF_NEXT);
		jcache_release(c, b);
		b = NULL;
	}
	*out = r;
	*pn = n;
	return JET_errSuccess;
HandleError:
	if (b)
		jcache_release(c, b);
	jet_free(r);
	return err;
}

/* Writes val into a new chain whose page numbers come back in *ppages (the
 * caller frees them; they let a failed put give the chain back without I/O).
 * On failure every page taken is given back. */
static JET_ERR ovf_write(bt_writer *w, uint32_t objid, const void *val, size_t cbVal,
			 uint32_t **ppages, uint32_t *pn)
{
	JET_ERR err = JET_errSuccess;
	uint32_t ps = jcache_page_size(w->cache), pay = ovf_payload(ps);
	uint32_t n = (uint32_t)((cbVal + pay - 1) / pay), got = 0, written = 0;
	uint32_t *pg = jet_malloc(sizeof(*pg) * n);
	if (!pg)
		return JET_errOutOfMemory;
	for (; got < n; got++)
		Call(w->alloc_page(w->ctx, &pg[got]));
	for (; written < n; written++) {
		jbuf *b;
		size_t off = (size_t)written * pay, len = JET_MIN((size_t)pay, cbVal - off);
		Call(jcache_new(w->cache, pg[written], &b));
		pg_init(b->data, ps, objid, PAGE_TYPE_OVERFLOW, 0, w->stamp);
		put_le32(b->data + BT_OVF_NEXT, written + 1 < n ? pg[written + 1] : 0);
		put_le32(b->data + BT_OVF_BYTES, (uint32_t)len);
		memcpy(b->data + BT_OVF_DATA, (const uint8_t *)val + off, len);
		jcache_dirty(w->cache, b, 0);
		jcache_release(w->cache, b);
	}
	*ppages = pg;
	*pn = n;
	return JET_errSuccess;
HandleError:
	for (uint32_t i = 0; i < got; i++) {
		if (i < written)
			jcache_discard(w->cache, pg[i]);
		CallS(w->drop_page(w->ctx, pg[i], w->stamp));
	}
	jet_free(pg);
	return err;
}

/* --------------------------------------------------- cell sequences */

/* A run of cells to lay out over one or two pages: ranges of existing pages
 * and single cells held in buffers, in key order.  Splits, merges and
 * rebalances are all "lay this sequence out again". */
typedef struct seq_part {
	const uint8_t *page; /* NULL: cell is a lone cell */
	const uint8_t *cell;
	uint32_t from, to;
} seq_part;
typedef struct cell_seq {
	seq_part part[3];
	int nparts;
	uint32_t n;
	bool leaf;
} cell_seq;

static void seq_range(cell_seq *s, const uint8_t *page, uint32_t from, uint32_t to)
{
	if (from >= to)
		return;
	seq_part *pt = &s->part[s->nparts++];
	pt->page = page;
	pt->cell = NULL;
	pt->from = from;
	pt->to = to;
	s->n += to - from;
}
static void seq_cell1(cell_seq *s, const uint8_t *cell)
{
	seq_part *pt = &s->part[s->nparts++];
	pt->page = NULL;
	pt->cell = cell;
	pt->from = 0;
	pt->to = 1;
	s->n++;
}
static const uint8_t *seq_at(const cell_seq *s, uint32_t i)
{
	for (int k = 0; k < s->nparts; k++) {
		const seq_part *pt = &s->part[k];
		uint32_t len = pt->to - pt->from;
		if (i < len)
			return pt->page ? pg_cell(pt->page, pt->from + i) : pt->cell;
		i -= len;
	}
	assert(!"seq index out of range");
	return NULL;
}
static void seq_key(const cell_seq *s, uint32_t i, const uint8_t **k, size_t *kl)
{
	cell_key(s->leaf, seq_at(s, i), k, kl);
}
static uint32_t seq_bytes(const cell_seq *s, uint32_t from, uint32_t to)
{
	uint32_t t = 0;
	for (uint32_t i = from; i < to; i++)
		t += cell_size(s->leaf, seq_at(s, i)) + 2;
	return t;
}

/* Where to cut a sequence into two pages: balanced by bytes, both sides
 * non-empty and fitting. */
static uint32_t seq_split_point(const cell_seq *s, uint32_t ps)
{
	uint32_t total = seq_bytes(s, 0, s->n), acc = 0, k;
	for (k = 0; k < s->n - 1; k++) {
		acc += cell_size(s->leaf, seq_at(s, k)) + 2;
		if (acc >= total / 2)
			break;
	}
	k++;
	if (k >= s->n)
		k = s->n - 1;
	/* The halves fit because no cell exceeds a quarter page; these only
	 * matter for sequences that are barely over one page. */
	while (k > 1 && seq_bytes(s, 0, k) > usable(ps))
		k--;
	while (k < s->n - 1 && seq_bytes(s, k, s->n) > usable(ps))
		k++;
	return k;
}

/* Lays cells [from, to) out on p (reset first).  For a branch page that
 * starts a right half, the first cell's key is dropped: it went up. */
static void seq_build(uint8_t *p, uint32_t ps, const cell_seq *s, uint32_t from, uint32_t to,
		      bool drop_first_key)
{
	pg_reset(p, ps);
	for (uint32_t i = from; i < to; i++) {
		const uint8_t *c = seq_at(s, i);
		if (i == from && drop_first_key && !s->leaf) {
			uint8_t c0[BT_BRANCH_HDR];
			put_le32(c0, branch_child(c));
			put_le16(c0 + 4, 0);
			pg_append(p, ps, c0, BT_BRANCH_HDR);
		} else {
			pg_append(p, ps, c, cell_size(s->leaf, c));
		}
	}
}

/* Shortest key s with a < s <= b (a < b): b cut one byte past the common
 * prefix. */
static size_t shortest_sep(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t i = 0, m = al < bl ? al : bl;
	while (i < m && a[i] == b[i])
		i++;
	return i + 1 <= bl ? i + 1 : bl;
}

/* The separator between seq[k-1] and seq[k] when cut at k: copied to sep. */
static size_t seq_separator(const cell_seq *s, uint32_t k, uint8_t *sep)
{
	const uint8_t *a, *b;
	size_t al, bl, n;
	seq_key(s, k, &b, &bl);
	if (s->leaf) {
		seq_key(s, k - 1, &a, &al);
		n = shortest_sep(a, al, b, bl);
	} else {
		n = bl;
	}
	memcpy(sep, b, n);
	return n;
}

static uint32_t make_branch_cell(uint8_t *cell, uint32_t child, const uint8_t *key, size_t kl)
{
	put_le32(cell, child);
	put_le16(cell + 4, (uint16_t)kl);
	if (kl)
		memcpy(cell + BT_BRANCH_HDR, key, kl);
	return (uint32_t)(BT_BRANCH_HDR + kl);
}

/* ------------------------------------------------------ the mutator */

typedef struct bt_level {
	jbuf *b;
	uint32_t idx; /* child taken (branch) or slot (leaf) */
	bool dirty;
} bt_level;

/* One mutation in flight: the pinned path, the reserved pages, and the pages
 * to drop once it has succeeded. */
typedef struct bt_op {
	bt_writer *w;
	uint32_t ps;
	int depth;
	bt_level lv[BT_MAX_DEPTH + 1]; /* + 1: a root split shifts the path down */
	jbuf *sib[BT_MAX_DEPTH + 1]; /* delete: the sibling of lv[i] (NULL: none) */
	uint32_t nres, used;
	uint32_t res_pgno[BT_MAX_RESERVE];
	jbuf *res[BT_MAX_RESERVE];
	uint32_t ndrop;
	pgref drop[2 * BT_MAX_DEPTH + 2];
	pgref *chain; /* overflow chain of a replaced/deleted value */
	uint32_t nchain;
	uint32_t *new_chain; /* pages of a chain written for this op */
	uint32_t nnew_chain;
} bt_op;

static void op_init(bt_op *op, bt_writer *w)
{
	memset(op, 0, offsetof(bt_op, res_pgno));
	op->w = w;
	op->ps = jcache_page_size(w->cache);
	op->nres = op->used = op->ndrop = op->nchain = 0;
	op->chain = NULL;
	op->new_chain = NULL;
	op->nnew_chain = 0;
}

/* Descends to key, pinning the path. */
static JET_ERR op_descend(bt_op *op, uint32_t root, const void *key, size_t kl, bool *found)
{
	JET_ERR err;
	uint32_t pgno = root;
	int level = -1;
	for (;;) {
		if (op->depth == BT_MAX_DEPTH)
			return JET_errDatabaseCorrupted;
		bt_level *l = &op->lv[op->depth];
		err = get_node(op->w->cache, pgno, level, &l->b);
		if (err < 0)
			return err;
		op->depth++;
		const uint8_t *p = l->b->data;
		if (pg_is_leaf(p)) {
			l->idx = leaf_search(p, key, kl, found);
			return JET_errSuccess;
		}
		if (pg_n(p) == 0)
			return JET_errDatabaseCorrupted;
		l->idx = branch_search(p, key, kl);
		pgno = branch_child(pg_cell(p, l->idx));
		level = p[PAGE_OFF_LEVEL] - 1;
	}
}

static inline bool mutable_page(const bt_op *op, const uint8_t *p)
{
	return pg_stamp(p) >= op->w->mutable_floor;
}

/* Allocates and pins n pages; all or none. */
static JET_ERR op_reserve(bt_op *op, uint32_t n)
{
	JET_ERR err = JET_errSuccess;
	bt_writer *w = op->w;
	assert(n <= BT_MAX_RESERVE);
	uint32_t got = 0, pinned = 0;
	for (; got < n; got++)
		Call(w->alloc_page(w->ctx, &op->res_pgno[got]));
	for (; pinned < n; pinned++)
		Call(jcache_new(w->cache, op->res_pgno[pinned], &op->res[pinned]));
	op->nres = n;
	return JET_errSuccess;
HandleError:
	for (uint32_t i = 0; i < got; i++) {
		if (i < pinned) {
			jcache_release(w->cache, op->res[i]);
			jcache_discard(w->cache, op->res_pgno[i]);
		}
		CallS(w->drop_page(w->ctx, op->res_pgno[i], w->stamp));
	}
	return err;
}

static jbuf *op_take(bt_op *op)
{
	assert(op->used < op->nres);
	return op->res[op->used++];
}

/* Makes every page on the path writable, top down: the copy replaces the
 * original in the parent (already writable) and the original is dropped. */
static void op_cow_path(bt_op *op)
{
	for (int d = 0; d < op->depth; d++) {
		bt_level *l = &op->lv[d];
		if (mutable_page(op, l->b->data))
			continue;
		jbuf *nb = op_take(op);
		memcpy(nb->data, l->b->data, op->ps);
		put_le64(nb->data + PAGE_OFF_STAMP, op->w->stamp);
		op->drop[op->ndrop++] = (pgref){l->b->pgno, pg_stamp(l->b->data)};
		jcache_release(op->w->cache, l->b);
		l->b = nb;
		l->dirty = true;
		if (d > 0) {
			bt_level *pl = &op->lv[d - 1];
			put_le32((uint8_t *)pg_cell(pl->b->data, pl->idx), nb->pgno);
			pl->dirty = true;
		}
	}
}

static uint32_t op_cow_count(const bt_op *op)
{
	uint32_t n = 0;
	for (int d = 0; d < op->depth; d++)
		n += !mutable_page(op, op->lv[d].b->data);
	return n;
}

/* Hands a superseded page to drop_page.  Its cache frame is left alone:
 * whether the page is freed now (and its frame discarded) is the callee's
 * decision, and a cursor of the writer's may still pin it. */
static JET_ERR op_drop(bt_op *op, pgref r)
{
	return op->w->drop_page(op->w->ctx, r.pgno, r.stamp);
}

/* Releases every pin, gives back unused reserved pages, and on success
 * drops the pages the change superseded. */
static JET_ERR op_finish(bt_op *op, JET_ERR err)
{
	bt_writer *w = op->w;
	for (int d = 0; d < op->depth; d++) {
		if (op->lv[d].b) {
			if (err >= 0 && op->lv[d].dirty)
				jcache_dirty(w->cache, op->lv[d].b, 0);
			jcache_release(w->cache, op->lv[d].b);
		}
		if (op->sib[d])
			jcache_release(w->cache, op->sib[d]);
	}
	for (uint32_t i = op->used; i < op->nres; i++) {
		jcache_release(w->cache, op->res[i]);
		jcache_discard(w->cache, op->res_pgno[i]);
		CallS(w->drop_page(w->ctx, op->res_pgno[i], w->stamp));
	}
	if (err < 0) {
		/* The chain written for the failed put is nobody's. */
		for (uint32_t i = 0; i < op->nnew_chain; i++) {
			jcache_discard(w->cache, op->new_chain[i]);
			CallS(w->drop_page(w->ctx, op->new_chain[i], w->stamp));
		}
	} else {
		for (uint32_t i = 0; i < op->ndrop; i++)
			CallS(op_drop(op, op->drop[i]));
		for (uint32_t i = 0; i < op->nchain; i++)
			CallS(op_drop(op, op->chain[i]));
		w->changes++;
	}
	jet_free(op->chain);
	jet_free(op->new_chain);
	return err;
}

/* ---------------------------------------------------------------- create */

JET_ERR bt_create(bt_writer *w, uint32_t objid, uint32_t *proot)
{
	JET_ERR err;
	uint32_t pgno;
	jbuf *b;
	CallR(w->alloc_page(w->ctx, &pgno));
	err = jcache_new(w->cache, pgno, &b);
	if (err < 0) {
		CallS(w->drop_page(w->ctx, pgno, w->stamp));
		return err;
	}
	pg_init(b->data, jcache_page_size(w->cache), objid, PAGE_TYPE_BTREE_LEAF, 0, w->stamp);
	jcache_dirty(w->cache, b, 0);
	jcache_release(w->cache, b);
	*proot = pgno;
	w->changes++;
	return JET_errSuccess;
}

/* ------------------------------------------------------------------- put */

/* True when the path runs down the right edge of the tree, so an insert past
 * the leaf's last key is an append. */
static bool op_at_right_edge(const bt_op *op)
{
	for (int d = 0; d < op->depth - 1; d++)
		if (op->lv[d].idx + 1 != pg_n(op->lv[d].b->data))
			return false;
	return true;
}

/* How many new pages inserting a cell can take beyond copies: exact for the
 * leaf and its parent, an upper bound above. */
static uint32_t op_split_estimate(const bt_op *op, const uint8_t *cell, uint32_t csize, bool replace)
{
	const uint8_t *leaf = op->lv[op->depth - 1].b->data;
	uint32_t pos = op->lv[op->depth - 1].idx, ps = op->ps;
	uint32_t avail = pg_free(leaf, ps);
	if (replace)
		avail += cell_size(true, pg_cell(leaf, pos)) + 2;
	if (csize + 2 <= avail)
		return 0;
	uint32_t pages = 1, carry;
	if (!replace && pos == pg_n(leaf) && op_at_right_edge(op)) {
		const uint8_t *last = pg_cell(leaf, pg_n(leaf) - 1);
		carry = BT_BRANCH_HDR + (uint32_t)shortest_sep(leaf_key(last), leaf_klen(last),
							  leaf_key(cell), leaf_klen(cell));
	} else {
		cell_seq s = {.leaf = true};
		uint8_t sep[BT_KEY_ABS_MAX];
		seq_range(&s, leaf, 0, pos);
		seq_cell1(&s, cell);
		seq_range(&s, leaf, replace ? pos + 1 : pos, pg_n(leaf));
		carry = BT_BRANCH_HDR + (uint32_t)seq_separator(&s, seq_split_point(&s, ps), sep);
	}
	for (int d = op->depth - 2; d >= 0; d--) {
		if (carry + 2 <= pg_free(op->lv[d].b->data, ps))
			return pages;
		pages++;
		carry = (uint32_t)(BT_BRANCH_HDR + bt_max_key(ps));
	}
	return pages + 1; /* the root split: a new root */
}

/* Inserts (or replaces at) the leaf slot, splitting up the path as needed.
 * Cannot fail: every page it needs is reserved. */
static void op_insert(bt_op *op, uint32_t objid, const uint8_t *cell, uint32_t csize, bool replace)
{
	uint32_t ps = op->ps;
	uint8_t tmp[DB_PAGE_SIZE_MAX];
	uint8_t carry[2][BT_BRANCH_HDR + BT_KEY_ABS_MAX];
	uint8_t sep[BT_KEY_ABS_MAX];
	int which = 0;
	bool right_edge = op_at_right_edge(op);
	const uint8_t *ins = cell;
	uint32_t ins_size = csize;

	for (int d = op->depth - 1; d >= 0; d--) {
		bt_level *l = &op->lv[d];
		uint8_t *p = l->b->data;
		bool leaf = pg_is_leaf(p);
		uint32_t pos = leaf ? l->idx : l->idx + 1;
		bool rep = leaf && replace;
		l->dirty = true;
		if (rep)
			pg_remove(p, ps, pos);
		if (ins_size + 2 <= pg_free(p, ps)) {
			pg_insert(p, ps, pos, ins, ins_size);
			return;
		}
		/* Split p: left half stays in p, right half to a new page. */
		jbuf *rb = op_take(op);
		uint8_t *r = rb->data;
		pg_init(r, ps, objid, leaf ? PAGE_TYPE_BTREE_LEAF : PAGE_TYPE_BTREE_BRANCH,
			p[PAGE_OFF_LEVEL], op->w->stamp);
		uint32_t n = pg_n(p);
		size_t seplen;
		if (!rep && pos == n && right_edge) {
			/* Append at the right edge: p stays full as it is. */
			if (leaf) {
				pg_append(r, ps, ins, ins_size);
				const uint8_t *last = pg_cell(p, n - 1);
				seplen = shortest_sep(leaf_key(last), leaf_klen(last), leaf_key(ins),
						      leaf_klen(ins));
				memcpy(sep, leaf_key(ins), seplen);
			} else {
				/* The key goes up; the new page's cell 0 keeps only the child. */
				seplen = branch_klen(ins);
				memcpy(sep, branch_key(ins), seplen);
				pg_reset(r, ps);
				uint8_t c0[BT_BRANCH_HDR];
				pg_append(r, ps, c0, make_branch_cell(c0, branch_child(ins), NULL, 0));
			}
		} else {
			memcpy(tmp, p, ps);
			cell_seq s = {.leaf = leaf};
			seq_range(&s, tmp, 0, pos);
			seq_cell1(&s, ins);
			seq_range(&s, tmp, pos, n);
			uint32_t k = seq_split_point(&s, ps);
			seplen = seq_separator(&s, k, sep);
			seq_build(p, ps, &s, 0, k, false);
			seq_build(r, ps, &s, k, s.n, true);
		}
		assert(leaf || branch_klen(pg_cell(r, 0)) == 0);
		ins = carry[which];
		ins_size = make_branch_cell(carry[which], rb->pgno, sep, seplen);
		which ^= 1;
		jcache_dirty(op->w->cache, rb, 0);
		jcache_release(op->w->cache, rb);
		if (d == 0) {
			/* The root split: a new root above the two halves. */
			jbuf *nb = op_take(op);
			uint8_t c0[BT_BRANCH_HDR];
			pg_init(nb->data, ps, objid, PAGE_TYPE_BTREE_BRANCH, p[PAGE_OFF_LEVEL] + 1,
				op->w->stamp);
			pg_append(nb->data, ps, c0, make_branch_cell(c0, l->b->pgno, NULL, 0));
			pg_append(nb->data, ps, ins, ins_size);
			/* Keep the new root on the path so op_finish dirties and
			 * releases it; shift the path down one level. */
			memmove(&op->lv[1], &op->lv[0], sizeof(op->lv[0]) * (size_t)op->depth);
			op->lv[0] = (bt_level){nb, 0, true};
			op->depth++;
			return;
		}
	}
}

JET_ERR bt_put(bt_writer *w, uint32_t *proot, const void *key, size_t cbKey, const void *val,
	       size_t cbVal, int flags)
{
	JET_ERR err = JET_errSuccess;
	bt_op op;
	bool found = false;
	uint32_t ps = jcache_page_size(w->cache);
	uint8_t cell[BT_CELL_BUF];
	uint32_t csize;

	if (cbKey > bt_max_key(ps))
		return JET_errKeyTooBig;
	if (cbVal > 0x7fffffffu || (cbVal && !val) || (cbKey && !key))
		return JET_errInvalidParameter;
	if (!key)
		key = bt_empty_key;
	op_init(&op, w);
	Call(op_descend(&op, *proot, key, cbKey, &found));
	if (found && (flags & BT_PUT_NOOVERWRITE))
		Error(JET_errKeyDuplicate);
	if (!found && (flags & BT_PUT_MUSTEXIST))
		Error(JET_errRecordNotFound);

	bt_level *leaf = &op.lv[op.depth - 1];
	uint32_t objid = get_le32(leaf->b->data + PAGE_OFF_OBJID);
	if (found) {
		const uint8_t *old = pg_cell(leaf->b->data, leaf->idx);
		if (leaf_ovf(old))
			Call(ovf_collect(w->cache, get_le32(leaf_val(old) + 4),
					 get_le32(leaf_val(old)), &op.chain, &op.nchain));
	}
	put_le16(cell, (uint16_t)cbKey);
	if (cbKey)
		memcpy(cell + BT_LEAF_HDR, key, cbKey);
	if (val_inline(ps, cbKey, cbVal)) {
		put_le16(cell + 2, (uint16_t)cbVal);
		if (cbVal)
			memcpy(cell + BT_LEAF_HDR + cbKey, val, cbVal);
		csize = (uint32_t)(BT_LEAF_HDR + cbKey + cbVal);
	} else {
		Call(ovf_write(w, objid, val, cbVal, &op.new_chain, &op.nnew_chain));
		put_le16(cell + 2, BT_VAL_OVF);
		put_le32(cell + BT_LEAF_HDR + cbKey, (uint32_t)cbVal);
		put_le32(cell + BT_LEAF_HDR + cbKey + 4, op.new_chain[0]);
		csize = (uint32_t)(BT_LEAF_HDR + cbKey + BT_OVF_REF);
	}
	uint32_t nsplit = op_split_estimate(&op, cell, csize, found);
	/* Still in the plan phase: a crash test may stop the process here. */
	if (nsplit && JET_CRASH_POINT("btree.split"))
		Error(JET_errDiskIO);
	Call(op_reserve(&op, op_cow_count(&op) + nsplit));

	op_cow_path(&op);
	op_insert(&op, objid, cell, csize, found);
	*proot = op.lv[0].b->pgno;
HandleError:
	return op_finish(&op, err);
}

/* ---------------------------------------------------------------- delete */

/* Removes cell i from a branch; a new cell 0 loses its key (it becomes the
 * page's lower bound, which the parent's separator already states). */
static void branch_remove(uint8_t *p, uint32_t ps, uint32_t i)
{
	pg_remove(p, ps, i);
	if (i == 0 && pg_n(p) > 0 && branch_klen(pg_cell(p, 0)) != 0) {
		uint8_t c0[BT_BRANCH_HDR];
		make_branch_cell(c0, branch_child(pg_cell(p, 0)), NULL, 0);
		pg_remove(p, ps, 0);
		pg_insert(p, ps, 0, c0, BT_BRANCH_HDR);
	}
}

/* Sets a branch cell's separator (the child stays), if the page has room.
 * The key may point into another page, not into p. */
static bool branch_rekey(uint8_t *p, uint32_t ps, uint32_t i, const uint8_t *key, size_t kl)
{
	uint8_t c[BT_BRANCH_HDR + BT_KEY_ABS_MAX];
	const uint8_t *old = pg_cell(p, i);
	if (kl > branch_klen(old) && kl - branch_klen(old) > pg_free(p, ps))
		return false;
	uint32_t size = make_branch_cell(c, branch_child(old), key, kl);
	pg_remove(p, ps, i);
	pg_insert(p, ps, i, c, size);
	return true;
}

/* Fixes up level d (d >= 1) after it lost a cell; returns whether the parent
 * changed (so the level above needs a look too). */
static bool op_rebalance(bt_op *op, int d)
{
	uint32_t ps = op->ps;
	bt_level *l = &op->lv[d], *pl = &op->lv[d - 1];
	uint8_t *p = l->b->data, *parent = pl->b->data;
	uint32_t i = pl->idx;
	bool leaf = pg_is_leaf(p);

	if (pg_n(p) == 0) {
		op->drop[op->ndrop++] = (pgref){l->b->pgno, pg_stamp(p)};
		jcache_release(op->w->cache, l->b);
		l->b = NULL;
		branch_remove(parent, ps, i);
		pl->dirty = true;
		return true;
	}
	if (pg_used(p, ps) >= usable(ps) / 4 || !op->sib[d])
		return false;

	jbuf *sb = op->sib[d];
	bool sib_left = i > 0;
	uint32_t li = sib_left ? i - 1 : i, ri = li + 1; /* parent slots of the pair */
	const uint8_t *lp = sib_left ? sb->data : p, *rp = sib_left ? p : sb->data;
	uint8_t tl[DB_PAGE_SIZE_MAX], tr[DB_PAGE_SIZE_MAX];
	uint8_t rekeyed[BT_BRANCH_HDR + BT_KEY_ABS_MAX];
	memcpy(tl, lp, ps);
	memcpy(tr, rp, ps);
	cell_seq s = {.leaf = leaf};
	seq_range(&s, tl, 0, pg_n(tl));
	if (leaf) {
		seq_range(&s, tr, 0, pg_n(tr));
	} else {
		/* The right page's cell 0 comes down with the parent's separator. */
		const uint8_t *sepc = pg_cell(parent, ri);
		make_branch_cell(rekeyed, branch_child(pg_cell(tr, 0)), branch_key(sepc),
				 branch_klen(sepc));
		seq_cell1(&s, rekeyed);
		seq_range(&s, tr, 1, pg_n(tr));
	}
	if (seq_bytes(&s, 0, s.n) <= usable(ps)) {
		/* Merge into p (writable); the sibling is dropped unchanged. */
		seq_build(p, ps, &s, 0, s.n, false);
		l->dirty = true;
		op->drop[op->ndrop++] = (pgref){sb->pgno, pg_stamp(sb->data)};
		jcache_release(op->w->cache, sb);
		op->sib[d] = NULL;
		if (sib_left)
			put_le32((uint8_t *)pg_cell(parent, li), l->b->pgno);
		branch_remove(parent, ps, ri);
		pl->dirty = true;
		return true;
	}
	uint8_t sep[BT_KEY_ABS_MAX];
	uint32_t k = seq_split_point(&s, ps);
	size_t seplen = seq_separator(&s, k, sep);
	const uint8_t *oldsep = pg_cell(parent, ri);
	if (seplen > branch_klen(oldsep) && seplen - branch_klen(oldsep) > pg_free(parent, ps))
		return false; /* no room for the new separator: stay underfull */
	if (!mutable_page(op, sb->data)) {
		jbuf *nb = op_take(op);
		memcpy(nb->data, sb->data, ps);
		put_le64(nb->data + PAGE_OFF_STAMP, op->w->stamp);
		op->drop[op->ndrop++] = (pgref){sb->pgno, pg_stamp(sb->data)};
		jcache_release(op->w->cache, sb);
		op->sib[d] = sb = nb;
		put_le32((uint8_t *)pg_cell(parent, sib_left ? li : ri), nb->pgno);
	}
	uint8_t *lw = sib_left ? sb->data : p, *rw = sib_left ? p : sb->data;
	seq_build(lw, ps, &s, 0, k, false);
	seq_build(rw, ps, &s, k, s.n, true);
	jcache_dirty(op->w->cache, sb, 0);
	l->dirty = true;
	bool ok = branch_rekey(parent, ps, ri, sep, seplen);
	assert(ok);
	(void)ok;
	pl->dirty = true;
	return true;
}

JET_ERR bt_del(bt_writer *w, uint32_t *proot, const void *key, size_t cbKey)
{
	JET_ERR err = JET_errSuccess;
	bt_op op;
	bool found = false;
	uint32_t ps = jcache_page_size(w->cache);

	if (cbKey > bt_max_key(ps))
		return JET_errRecordNotFound;
	if (!key)
		key = bt_empty_key;
	op_init(&op, w);
	Call(op_descend(&op, *proot, key, cbKey, &found));
	if (!found)
		Error(JET_errRecordNotFound);
	bt_level *leaf = &op.lv[op.depth - 1];
	const uint8_t *old = pg_cell(leaf->b->data, leaf->idx);
	if (leaf_ovf(old))
		Call(ovf_collect(w->cache, get_le32(leaf_val(old) + 4), get_le32(leaf_val(old)),
				 &op.chain, &op.nchain));
	uint32_t extra = 0;
	uint32_t after = pg_used(leaf->b->data, ps) - cell_size(true, old) - 2;
	if (op.depth > 1 && after < usable(ps) / 4) {
		/* The fix-up may climb: pin each level's sibling now, so that the
		 * apply phase needs no I/O. */
		for (int d = 1; d < op.depth; d++) {
			const uint8_t *parent = op.lv[d - 1].b->data;
			uint32_t i = op.lv[d - 1].idx, n = pg_n(parent);
			if (n < 2)
				continue;
			uint32_t si = i > 0 ? i - 1 : i + 1;
			Call(get_node(w->cache, branch_child(pg_cell(parent, si)),
				      parent[PAGE_OFF_LEVEL] - 1, &op.sib[d]));
			extra += !mutable_page(&op, op.sib[d]->data);
		}
	}
	Call(op_reserve(&op, op_cow_count(&op) + extra));

	op_cow_path(&op);
	pg_remove(leaf->b->data, ps, leaf->idx);
	leaf->dirty = true;
	for (int d = op.depth - 1; d >= 1; d--)
		if (!op_rebalance(&op, d))
			break;
	/* A root branch with one child gives way to it.  The child is pinned
	 * (on the path, or the path's sibling when the path page was emptied);
	 * the one after that only when it is on the path, and a page deeper in
	 * the sibling's subtree is left alone rather than read now, when a read
	 * error could no longer be undone. */
	while (op.depth > 1 && pg_n(op.lv[0].b->data) == 1) {
		bt_level *r = &op.lv[0];
		uint32_t child = branch_child(pg_cell(r->b->data, 0));
		if (!op.lv[1].b || op.lv[1].b->pgno != child) {
			if (!op.sib[1] || op.sib[1]->pgno != child)
				break;
			op.lv[1] = (bt_level){op.sib[1], 0, false};
			op.sib[1] = NULL;
			/* Deeper levels lie under the emptied page: done with them. */
			for (int d = 2; d < op.depth; d++) {
				if (op.lv[d].b && op.lv[d].dirty)
					jcache_dirty(w->cache, op.lv[d].b, 0);
				if (op.lv[d].b)
					jcache_release(w->cache, op.lv[d].b);
				if (op.sib[d])
					jcache_release(w->cache, op.sib[d]);
				op.lv[d].b = NULL;
				op.sib[d] = NULL;
			}
			op.depth = 2;
		}
		op.drop[op.ndrop++] = (pgref){r->b->pgno, pg_stamp(r->b->data)};
		jcache_release(w->cache, r->b);
		if (op.sib[0])
			jcache_release(w->cache, op.sib[0]);
		memmove(&op.lv[0], &op.lv[1], sizeof(op.lv[0]) * (size_t)(op.depth - 1));
		memmove(&op.sib[0], &op.sib[1], sizeof(op.sib[0]) * (size_t)(op.depth - 1));
		op.depth--;
		op.lv[op.depth].b = NULL;
		op.sib[op.depth] = NULL;
	}
	*proot = op.lv[0].b->pgno;
HandleError:
	return op_finish(&op, err);
}

/* ------------------------------------------------------------------ drop */

static JET_ERR drop_rec(bt_writer *w, uint32_t pgno, int level, int depth)
{
	JET_ERR err = JET_errSuccess;
	jbuf *b = NULL;
	uint64_t stamp;
	if (depth > BT_MAX_DEPTH)
		return JET_errDatabaseCorrupted;
	Call(get_node(w->cache, pgno, level, &b));
	/* Children first: a page of the writer's own may be freed, and reused,
	 * the moment it is dropped. */
	for (uint32_t i = 0; i < pg_n(b->data); i++) {
		const uint8_t *c = pg_cell(b->data, i);
		if (!pg_is_leaf(b->data)) {
			Call(drop_rec(w, branch_child(c), b->data[PAGE_OFF_LEVEL] - 1, depth + 1));
		} else if (leaf_ovf(c)) {
			pgref *r;
			uint32_t n;
			Call(ovf_collect(w->cache, get_le32(leaf_val(c) + 4), get_le32(leaf_val(c)), &r,
					 &n));
			for (uint32_t k = 0; k < n && err >= 0; k++)
				err = w->drop_page(w->ctx, r[k].pgno, r[k].stamp);
			jet_free(r);
			Call(err);
		}
	}
	stamp = pg_stamp(b->data);
	jcache_release(w->cache, b);
	b = NULL;
	Call(w->drop_page(w->ctx, pgno, stamp));
HandleError:
	if (b)
		jcache_release(w->cache, b);
	return err;
}

JET_ERR bt_drop(bt_writer *w, uint32_t root)
{
	JET_ERR err = drop_rec(w, root, -1, 0);
	if (err >= 0)
		w->changes++;
	return err;
}

/* ------------------------------------------------------------------- get */

static JET_ERR leaf_value_copy(jcache *c, const uint8_t *cell, void *val, size_t cbMax,
			       size_t *pcbActual)
{
	size_t total;
	JET_ERR err = JET_errSuccess;
	if (leaf_ovf(cell)) {
		total = get_le32(leaf_val(cell));
		if (cbMax)
			CallR(ovf_read(c, get_le32(leaf_val(cell) + 4), total, val, cbMax));
	} else {
		total = leaf_vbytes(cell);
		if (val && cbMax && total)
			memcpy(val, leaf_val(cell), JET_MIN(total, cbMax));
	}
	if (pcbActual)
		*pcbActual = total;
	return total > cbMax ? JET_wrnBufferTruncated : err;
}

JET_ERR bt_get(jcache *c, uint32_t root, const void *key, size_t cbKey, void *val, size_t cbMax,
	       size_t *pcbActual)
{
	uint32_t pgno = root;
	int level = -1;
	if (!key)
		key = bt_empty_key;
	for (int depth = 0; depth < BT_MAX_DEPTH; depth++) {
		jbuf *b;
		CallR(get_node(c, pgno, level, &b));
		const uint8_t *p = b->data;
		if (!pg_is_leaf(p)) {
			if (JET_UNLIKELY(pg_n(p) == 0)) {
				jcache_release(c, b);
				return JET_errDatabaseCorrupted;
			}
			pgno = branch_child(pg_cell(p, branch_search(p, key, cbKey)));
			level = p[PAGE_OFF_LEVEL] - 1;
			jcache_release(c, b);
			continue;
		}
		bool found;
		uint32_t i = leaf_search(p, key, cbKey, &found);
		JET_ERR err = JET_errRecordNotFound;
		if (found)
			err = leaf_value_copy(c, pg_cell(p, i), val, cbMax, pcbActual);
		jcache_release(c, b);
		return err;
	}
	return JET_errDatabaseCorrupted;
}

/* ---------------------------------------------------------------- cursor */

enum cur_state { CUR_UNPOSITIONED, CUR_ON, CUR_AFTER_LAST, CUR_BEFORE_FIRST };

struct bt_cursor {
	jcache *c;
	uint32_t root;
	int state;
	int depth;
	struct {
		uint32_t pgno, idx, n;
	} path[BT_MAX_DEPTH];
	jbuf *leaf; /* pinned while CUR_ON, unless suspended (NULL: re-pin on use) */
	uint8_t *vbuf;
	size_t vcap;
};

JET_ERR bt_cursor_open(jcache *c, uint32_t root, bt_cursor **out)
{
	bt_cursor *cur = jet_calloc(1, sizeof(*cur));
	if (!cur)
		return JET_errOutOfMemory;
	cur->c = c;
	cur->root = root;
	*out = cur;
	return JET_errSuccess;
}

static void cur_unpin(bt_cursor *cur)
{
	if (cur->leaf) {
		jcache_release(cur->c, cur->leaf);
		cur->leaf = NULL;
	}
}

void bt_cursor_close(bt_cursor *cur)
{
	if (!cur)
		return;
	cur_unpin(cur);
	jet_free(cur->vbuf);
	jet_free(cur);
}

void bt_cursor_reset(bt_cursor *cur, uint32_t root)
{
	cur_unpin(cur);
	cur->root = root;
	cur->state = CUR_UNPOSITIONED;
}

bool bt_cursor_positioned(const bt_cursor *cur) { return cur->state == CUR_ON; }

void bt_cursor_suspend(bt_cursor *cur)
{
	if (cur)
		cur_unpin(cur);
}

/* The current leaf, pinned: a suspended cursor re-gets it by page number
 * and checks it still has the entry count the path recorded. */
static JET_ERR cur_leaf(bt_cursor *cur, const uint8_t **pp)
{
	if (JET_UNLIKELY(!cur->leaf)) {
		jbuf *b;
		CallR(get_node(cur->c, cur->path[cur->depth - 1].pgno, 0, &b));
		if (pg_n(b->data) != cur->path[cur->depth - 1].n ||
		    cur->path[cur->depth - 1].idx >= cur->path[cur->depth - 1].n) {
			jcache_release(cur->c, b);
			return JET_errDatabaseCorrupted;
		}
		cur->leaf = b;
	}
	*pp = cur->leaf->data;
	return JET_errSuccess;
}

/* Descends from path level d (whose pgno and idx are set) to a leaf, taking
 * the first (leftmost) or last child at each level below; pins the leaf. */
static JET_ERR cur_descend_edge(bt_cursor *cur, int d, bool leftmost)
{
	uint32_t pgno = cur->path[d].pgno;
	int level = -1;
	for (;; d++) {
		jbuf *b;
		if (d >= BT_MAX_DEPTH)
			return JET_errDatabaseCorrupted;
		CallR(get_node(cur->c, pgno, level, &b));
		const uint8_t *p = b->data;
		uint32_t n = pg_n(p);
		cur->path[d].pgno = pgno;
		cur->path[d].n = n;
		if (pg_is_leaf(p)) {
			cur->path[d].idx = leftmost || n == 0 ? 0 : n - 1;
			cur->depth = d + 1;
			cur->leaf = b;
			return JET_errSuccess;
		}
		if (n == 0) {
			jcache_release(cur->c, b);
			return JET_errDatabaseCorrupted;
		}
		cur->path[d].idx = leftmost ? 0 : n - 1;
		pgno = branch_child(pg_cell(p, cur->path[d].idx));
		level = p[PAGE_OFF_LEVEL] - 1;
		jcache_release(cur->c, b);
	}
}

/* Moves to the neighbouring leaf (next when forward) and onto its first /
 * last entry. None: JET_errNoCurrentRecord. */
static JET_ERR cur_step_leaf(bt_cursor *cur, bool forward)
{
	for (;;) {
		cur_unpin(cur);
		int d = cur->depth - 2;
		while (d >= 0 && (forward ? cur->path[d].idx + 1 >= cur->path[d].n
					  : cur->path[d].idx == 0))
			d--;
		if (d < 0)
			return JET_errNoCurrentRecord;
		jbuf *b;
		CallR(get_node(cur->c, cur->path[d].pgno, -1, &b));
		cur->path[d].idx += forward ? 1 : -1;
		if (cur->path[d].idx >= pg_n(b->data)) {
			jcache_release(cur->c, b);
			return JET_errDatabaseCorrupted;
		}
		cur->path[d + 1].pgno = branch_child(pg_cell(b->data, cur->path[d].idx));
		jcache_release(cur->c, b);
		CallR(cur_descend_edge(cur, d + 1, forward));
		if (cur->path[cur->depth - 1].n > 0)
			return JET_errSuccess;
	}
}

static JET_ERR cur_edge(bt_cursor *cur, bool first)
{
	JET_ERR err;
	cur_unpin(cur);
	cur->state = CUR_UNPOSITIONED;
	cur->path[0].pgno = cur->root;
	if (cur->root == 0)
		return JET_errRecordNotFound;
	CallR(cur_descend_edge(cur, 0, first));
	if (cur->path[cur->depth - 1].n == 0) {
		err = cur_step_leaf(cur, first);
		if (err < 0) {
			cur_unpin(cur);
			return err == JET_errNoCurrentRecord ? JET_errRecordNotFound : err;
		}
	}
	cur->state = CUR_ON;
	return JET_errSuccess;
}

JET_ERR bt_first(bt_cursor *cur) { return cur_edge(cur, true); }
JET_ERR bt_last(bt_cursor *cur) { return cur_edge(cur, false); }

static JET_ERR cur_move(bt_cursor *cur, bool forward)
{
	JET_ERR err;
	switch (cur->state) {
	case CUR_UNPOSITIONED:
		return JET_errNoCurrentRecord;
	case CUR_AFTER_LAST:
		if (forward)
			return JET_errNoCurrentRecord;
		err = bt_last(cur);
		return err == JET_errRecordNotFound ? JET_errNoCurrentRecord : err;
	case CUR_BEFORE_FIRST:
		if (!forward)
			return JET_errNoCurrentRecord;
		err = bt_first(cur);
		return err == JET_errRecordNotFound ? JET_errNoCurrentRecord : err;
	}
	uint32_t *idx = &cur->path[cur->depth - 1].idx, n = cur->path[cur->depth - 1].n;
	if (forward ? *idx + 1 < n : *idx > 0) {
		*idx += forward ? 1 : -1;
		return JET_errSuccess;
	}
	err = cur_step_leaf(cur, forward);
	if (err == JET_errNoCurrentRecord) {
		/* Park past the edge; the path is stale but unused from here. */
		cur->state = forward ? CUR_AFTER_LAST : CUR_BEFORE_FIRST;
		return err;
	}
	if (err < 0)
		cur->state = CUR_UNPOSITIONED;
	return err;
}

JET_ERR bt_next(bt_cursor *cur) { return cur_move(cur, true); }
JET_ERR bt_prev(bt_cursor *cur) { return cur_move(cur, false); }

JET_ERR bt_seek(bt_cursor *cur, const void *key, size_t cbKey, bt_seek_mode mode)
{
	JET_ERR err;
	uint32_t pgno = cur->root;
	int level = -1;
	bool found = false;
	cur_unpin(cur);
	cur->state = CUR_UNPOSITIONED;
	if (pgno == 0)
		return JET_errRecordNotFound;
	if (!key)
		key = bt_empty_key;
	for (int d = 0;; d++) {
		jbuf *b;
		if (d >= BT_MAX_DEPTH)
			return JET_errDatabaseCorrupted;
		CallR(get_node(cur->c, pgno, level, &b));
		const uint8_t *p = b->data;
		cur->path[d].pgno = pgno;
		cur->path[d].n = pg_n(p);
		if (pg_is_leaf(p)) {
			cur->path[d].idx = leaf_search(p, key, cbKey, &found);
			cur->depth = d + 1;
			cur->leaf = b;
			break;
		}
		if (pg_n(p) == 0) {
			jcache_release(cur->c, b);
			return JET_errDatabaseCorrupted;
		}
		cur->path[d].idx = branch_search(p, key, cbKey);
		pgno = branch_child(pg_cell(p, cur->path[d].idx));
		level = p[PAGE_OFF_LEVEL] - 1;
		jcache_release(cur->c, b);
	}
	uint32_t *idx = &cur->path[cur->depth - 1].idx, n = cur->path[cur->depth - 1].n;
	switch (mode) {
	case BT_SEEK_EQ:
		if (!found) {
			cur_unpin(cur);
			return JET_errRecordNotFound;
		}
		cur->state = CUR_ON;
		return JET_errSuccess;
	case BT_SEEK_GE:
	case BT_SEEK_GT:
		if (found && mode == BT_SEEK_GT)
			(*idx)++;
		err = *idx < n ? JET_errSuccess : cur_step_leaf(cur, true);
		break;
	default: /* LE, LT: the entry before the insertion point */
		if (found && mode == BT_SEEK_LE)
			err = JET_errSuccess;
		else if (*idx > 0) {
			(*idx)--;
			err = JET_errSuccess;
		} else
			err = cur_step_leaf(cur, false);
		break;
	}
	if (err < 0) {
		cur_unpin(cur);
		return err == JET_errNoCurrentRecord ? JET_errRecordNotFound : err;
	}
	cur->state = CUR_ON;
	if ((mode == BT_SEEK_GE || mode == BT_SEEK_LE) && !found)
		return JET_wrnSeekNotEqual;
	return JET_errSuccess;
}

static JET_ERR cur_cell(bt_cursor *cur, const uint8_t **pc)
{
	const uint8_t *p;
	CallR(cur_leaf(cur, &p));
	/* A page can pass its checksum and still be wrong (written damaged, or
	 * by a bug): the entry handed out must lie wholly inside the page, or a
	 * copy of it would read the neighbouring cache frame. */
	const uint32_t ps = jcache_page_size(cur->c);
	const uint32_t off = get_le16(p + BT_SLOTS + 2 * cur->path[cur->depth - 1].idx);
	if (off < pg_lower(p) || (size_t)off + BT_LEAF_HDR > ps)
		return JET_errDatabaseCorrupted;
	const uint8_t *c = p + off;
	if ((size_t)off + BT_LEAF_HDR + leaf_klen(c) + leaf_vbytes(c) > ps)
		return JET_errDatabaseCorrupted;
	*pc = c;
	return JET_errSuccess;
}

JET_ERR bt_cursor_key(bt_cursor *cur, const void **pkey, size_t *pcbKey)
{
	const uint8_t *c;
	if (cur->state != CUR_ON)
		return JET_errNoCurrentRecord;
	CallR(cur_cell(cur, &c));
	*pkey = leaf_key(c);
	*pcbKey = leaf_klen(c);
	return JET_errSuccess;
}

JET_ERR bt_cursor_value_size(bt_cursor *cur, size_t *pcbVal)
{
	const uint8_t *c;
	if (cur->state != CUR_ON)
		return JET_errNoCurrentRecord;
	CallR(cur_cell(cur, &c));
	*pcbVal = leaf_ovf(c) ? get_le32(leaf_val(c)) : leaf_vbytes(c);
	return JET_errSuccess;
}

/* Grows a buffer for an assembled out-of-line value. */
static JET_ERR buf_reserve(uint8_t **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return JET_errSuccess;
	uint8_t *nb = jet_realloc(*buf, need);
	if (!nb)
		return JET_errOutOfMemory;
	*buf = nb;
	*cap = need;
	return JET_errSuccess;
}

JET_ERR bt_cursor_value(bt_cursor *cur, const void **pval, size_t *pcbVal)
{
	const uint8_t *c;
	if (cur->state != CUR_ON)
		return JET_errNoCurrentRecord;
	CallR(cur_cell(cur, &c));
	if (!leaf_ovf(c)) {
		*pval = leaf_val(c);
		*pcbVal = leaf_vbytes(c);
		return JET_errSuccess;
	}
	size_t total = get_le32(leaf_val(c));
	CallR(buf_reserve(&cur->vbuf, &cur->vcap, total));
	CallR(ovf_read(cur->c, get_le32(leaf_val(c) + 4), total, cur->vbuf, total));
	*pval = cur->vbuf;
	*pcbVal = total;
	return JET_errSuccess;
}

/* ------------------------------------------------------------------ diff */

/* One side of a diff: a stack of pinned pages, each with the next item to
 * yield.  In a branch frame the item is a subtree (child, low bound); in a
 * leaf frame an entry. */
typedef struct diff_frame {
	jbuf *b;
	uint32_t i, n;
	const uint8_t *low; /* the page's own lower bound (for child 0) */
	size_t lowlen;
} diff_frame;
typedef struct diff_stream {
	jcache *c;
	int depth;
	diff_frame f[BT_MAX_DEPTH];
	uint8_t *vbuf;
	size_t vcap;
} diff_stream;

static void ds_close(diff_stream *s)
{
	while (s->depth > 0)
		jcache_release(s->c, s->f[--s->depth].b);
	jet_free(s->vbuf);
}

static JET_ERR ds_push(diff_stream *s, uint32_t pgno, const uint8_t *low, size_t lowlen)
{
	if (s->depth == BT_MAX_DEPTH)
		return JET_errDatabaseCorrupted;
	diff_frame *f = &s->f[s->depth];
	CallR(get_node(s->c, pgno, -1, &f->b));
	f->i = 0;
	f->n = pg_n(f->b->data);
	f->low = low;
	f->lowlen = lowlen;
	s->depth++;
	return JET_errSuccess;
}

/* Drops exhausted frames; false when the stream is over. */
static bool ds_front(diff_stream *s)
{
	while (s->depth > 0 && s->f[s->depth - 1].i >= s->f[s->depth - 1].n)
		jcache_release(s->c, s->f[--s->depth].b);
	return s->depth > 0;
}

typedef struct diff_item {
	bool subtree;
	uint32_t pgno;
	const uint8_t *key; /* entry key, or subtree low bound */
	size_t kl;
	const uint8_t *cell;
} diff_item;

static void ds_item(const diff_stream *s, diff_item *it)
{
	const diff_frame *f = &s->f[s->depth - 1];
	const uint8_t *c = pg_cell(f->b->data, f->i);
	it->cell = c;
	if (pg_is_leaf(f->b->data)) {
		it->subtree = false;
		it->key = leaf_key(c);
		it->kl = leaf_klen(c);
	} else {
		it->subtree = true;
		it->pgno = branch_child(c);
		if (f->i == 0) {
			it->key = f->low;
			it->kl = f->lowlen;
		} else {
			it->key = branch_key(c);
			it->kl = branch_klen(c);
		}
	}
}

static JET_ERR ds_expand(diff_stream *s, const diff_item *it)
{
	s->f[s->depth - 1].i++;
	return ds_push(s, it->pgno, it->key, it->kl);
}

/* The value of an entry, assembling an out-of-line one in the stream. */
static JET_ERR ds_value(diff_stream *s, const uint8_t *cell, const void **pv, size_t *pl)
{
	if (!leaf_ovf(cell)) {
		*pv = leaf_val(cell);
		*pl = leaf_vbytes(cell);
		return JET_errSuccess;
	}
	size_t total = get_le32(leaf_val(cell));
	CallR(buf_reserve(&s->vbuf, &s->vcap, total ? total : 1));
	CallR(ovf_read(s->c, get_le32(leaf_val(cell) + 4), total, s->vbuf, total));
	*pv = s->vbuf;
	*pl = total;
	return JET_errSuccess;
}

JET_ERR bt_diff(jcache *c, uint32_t oldRoot, uint32_t newRoot, bt_diff_fn fn, void *ctx)
{
	JET_ERR err = JET_errSuccess;
	diff_stream a = {.c = c}, b = {.c = c};
	static const uint8_t empty[1];
	if (oldRoot == newRoot)
		return JET_errSuccess;
	if (oldRoot)
		Call(ds_push(&a, oldRoot, empty, 0));
	if (newRoot)
		Call(ds_push(&b, newRoot, empty, 0));
	for (;;) {
		bool ha = ds_front(&a), hb = ds_front(&b);
		diff_item ia, ib;
		const void *va, *vb;
		size_t la, lb;
		if (!ha && !hb)
			break;
		if (ha)
			ds_item(&a, &ia);
		if (hb)
			ds_item(&b, &ib);
		if (ha && hb && ia.subtree && ib.subtree && ia.pgno == ib.pgno) {
			/* Shared subtree: same page, same contents, same place in
			 * both streams. */
			a.f[a.depth - 1].i++;
			b.f[b.depth - 1].i++;
			continue;
		}
		int r = ha && hb ? keycmp(ia.key, ia.kl, ib.key, ib.kl) : (ha ? -1 : 1);
		/* A subtree that may hold keys <= the other front opens up. */
		if (ha && ia.subtree && (r <= 0 || !hb)) {
			Call(ds_expand(&a, &ia));
			if (hb && ib.subtree && r == 0)
				Call(ds_expand(&b, &ib));
			continue;
		}
		if (hb && ib.subtree && (r >= 0 || !ha)) {
			Call(ds_expand(&b, &ib));
			continue;
		}
		/* Now every front that remains is an entry, or a subtree wholly
		 * above the other side's entry. */
		if (ha && hb && !ia.subtree && !ib.subtree && r == 0) {
			bool same = false;
			if (leaf_ovf(ia.cell) && leaf_ovf(ib.cell))
				same = get_le32(leaf_val(ia.cell) + 4) == get_le32(leaf_val(ib.cell) + 4);
			if (!same) {
				Call(ds_value(&a, ia.cell, &va, &la));
				Call(ds_value(&b, ib.cell, &vb, &lb));
				if (la != lb || memcmp(va, vb, la) != 0)
					Call(fn(ctx, ia.key, ia.kl, va, la, vb, lb));
			}
			a.f[a.depth - 1].i++;
			b.f[b.depth - 1].i++;
		} else if (ha && !ia.subtree && (r < 0 || !hb)) {
			Call(ds_value(&a, ia.cell, &va, &la));
			Call(fn(ctx, ia.key, ia.kl, va, la, NULL, 0));
			a.f[a.depth - 1].i++;
		} else {
			assert(hb && !ib.subtree);
			Call(ds_value(&b, ib.cell, &vb, &lb));
			Call(fn(ctx, ib.key, ib.kl, NULL, 0, vb, lb));
			b.f[b.depth - 1].i++;
		}
	}
HandleError:
	ds_close(&a);
	ds_close(&b);
	return err;
}

/* ------------------------------------------------------------------ walk */

typedef JET_ERR (*walk_fn)(void *ctx, uint32_t pgno, int page_type, int level);

static JET_ERR walk_rec(jcache *c, uint32_t pgno, int level, int depth, walk_fn fn, void *ctx)
{
	JET_ERR err = JET_errSuccess;
	jbuf *b = NULL, *ob = NULL;
	if (depth > BT_MAX_DEPTH)
		return JET_errDatabaseCorrupted;
	Call(get_node(c, pgno, level, &b));
	const uint8_t *p = b->data;
	bool leaf = pg_is_leaf(p);
	Call(fn(ctx, pgno, p[PAGE_OFF_TYPE], p[PAGE_OFF_LEVEL]));
	for (uint32_t i = 0; i < pg_n(p); i++) {
		const uint8_t *cell = pg_cell(p, i);
		if (!leaf) {
			Call(walk_rec(c, branch_child(cell), p[PAGE_OFF_LEVEL] - 1, depth + 1, fn, ctx));
			continue;
		}
		if (!leaf_ovf(cell))
			continue;
		uint32_t o = get_le32(leaf_val(cell) + 4);
		while (o) {
			Call(jcache_get(c, o, &ob));
			if (ob->data[PAGE_OFF_TYPE] != PAGE_TYPE_OVERFLOW)
				Error(JET_errDatabaseCorrupted);
			Call(fn(ctx, o, PAGE_TYPE_OVERFLOW, 0));
			o = get_le32(ob->data + BT_OVF_NEXT);
			jcache_release(c, ob);
			ob = NULL;
		}
	}
HandleError:
	if (ob)
		jcache_release(c, ob);
	if (b)
		jcache_release(c, b);
	return err;
}

JET_ERR bt_walk(jcache *c, uint32_t root,
		JET_ERR (*fn)(void *ctx, uint32_t pgno, int page_type, int level), void *ctx)
{
	if (root == 0)
		return JET_errSuccess;
	return walk_rec(c, root, -1, 0, fn, ctx);
}

/* ----------------------------------------------------------------- check */

typedef struct check_ctx {
	jcache *c;
	uint32_t ps, objid;
	void (*report)(void *ctx, uint32_t pgno, const char *what);
	void *rctx;
	uint64_t entries;
} check_ctx;

static JET_ERR check_fail(check_ctx *k, uint32_t pgno, const char *what)
{
	if (k->report)
		k->report(k->rctx, pgno, what);
	return JET_errDatabaseCorrupted;
}

static JET_ERR check_chain(check_ctx *k, uint32_t leafpg, const uint8_t *cell)
{
	JET_ERR err = JET_errSuccess;
	uint32_t total = get_le32(leaf_val(cell)), pgno = get_le32(leaf_val(cell) + 4);
	uint64_t seen = 0;
	jbuf *b = NULL;
	if (val_inline(k->ps, leaf_klen(cell), total))
		return check_fail(k, leafpg, "out-of-line value small enough to be inline");
	while (pgno) {
		if (seen >= total)
			return check_fail(k, pgno, "overflow chain longer than its value");
		Call(jcache_get(k->c, pgno, &b));
		const uint8_t *p = b->data;
		uint32_t bytes = get_le32(p + BT_OVF_BYTES);
		if (p[PAGE_OFF_TYPE] != PAGE_TYPE_OVERFLOW)
			Error(check_fail(k, pgno, "overflow chain page of another type"));
		if (get_le32(p + PAGE_OFF_OBJID) != k->objid)
			Error(check_fail(k, pgno, "overflow page objid differs from the tree's"));
		if (bytes == 0 || bytes > ovf_payload(k->ps))
			Error(check_fail(k, pgno, "overflow page byte count out of range"));
		seen += bytes;
		pgno = get_le32(p + BT_OVF_NEXT);
		jcache_release(k->c, b);
		b = NULL;
	}
	if (seen != total)
		return check_fail(k, leafpg, "overflow chain length differs from the value size");
HandleError:
	if (b)
		jcache_release(k->c, b);
	return err;
}

/* Checks the subtree at pgno whose keys must lie in [low, high) (NULL high:
 * unbounded). */
static JET_ERR check_rec(check_ctx *k, uint32_t pgno, int level, bool root, const uint8_t *low,
			 size_t lowlen, const uint8_t *high, size_t highlen, int depth)
{
	JET_ERR err = JET_errSuccess;
	jbuf *b = NULL;
	uint32_t ps = k->ps;
	if (depth > BT_MAX_DEPTH)
		return check_fail(k, pgno, "tree deeper than the maximum");
	Call(jcache_get(k->c, pgno, &b));
	const uint8_t *p = b->data;
	int type = p[PAGE_OFF_TYPE], lv = p[PAGE_OFF_LEVEL];
	bool leaf = lv == 0;
	uint32_t n = pg_n(p);
	if (type != (leaf ? PAGE_TYPE_BTREE_LEAF : PAGE_TYPE_BTREE_BRANCH))
		Error(check_fail(k, pgno, "page type does not match its level"));
	if (level >= 0 && lv != level)
		Error(check_fail(k, pgno, "level is not parent's level - 1"));
	if (get_le32(p + PAGE_OFF_OBJID) != k->objid)
		Error(check_fail(k, pgno, "objid differs from the tree's"));
	if (pg_lower(p) != BT_SLOTS + 2 * n || pg_lower(p) > pg_upper(p, ps) || pg_upper(p, ps) > ps)
		Error(check_fail(k, pgno, "slot area bounds inconsistent"));
	if (!root && n == 0)
		Error(check_fail(k, pgno, "non-root page is empty"));
	if (root && !leaf && n < 2)
		Error(check_fail(k, pgno, "root branch with fewer than 2 children"));
	uint32_t live = 0;
	const uint8_t *prev = NULL;
	size_t prevlen = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t off = get_le16(p + BT_SLOTS + 2 * i);
		if (off < pg_upper(p, ps) || off + (leaf ? BT_LEAF_HDR : BT_BRANCH_HDR) > ps)
			Error(check_fail(k, pgno, "cell offset out of the cell area"));
		const uint8_t *c = p + off;
		uint32_t size = cell_size(leaf, c);
		if (off + size > ps || size > max_cell(ps))
			Error(check_fail(k, pgno, "cell overruns the page or is too big"));
		live += size;
		const uint8_t *key;
		size_t kl;
		cell_key(leaf, c, &key, &kl);
		if (kl > bt_max_key(ps))
			Error(check_fail(k, pgno, "key longer than the maximum"));
		if (!leaf && i == 0) {
			if (kl != 0)
				Error(check_fail(k, pgno, "branch cell 0 has a key"));
			key = low;
			kl = lowlen;
		} else {
			if (prev ? keycmp(prev, prevlen, key, kl) >= 0 : keycmp(low, lowlen, key, kl) > 0)
				Error(check_fail(k, pgno, "keys out of order or below the lower bound"));
			if (!leaf && keycmp(low, lowlen, key, kl) >= 0)
				Error(check_fail(k, pgno, "separator not above the lower bound"));
		}
		if (high && keycmp(key, kl, high, highlen) >= 0 && !(!leaf && i == 0))
			Error(check_fail(k, pgno, "key not below the upper bound"));
		prev = key;
		prevlen = kl;
		if (leaf) {
			k->entries++;
			if (leaf_ovf(c)) {
				if (get_le16(c + 2) != BT_VAL_OVF)
					Error(check_fail(k, pgno, "bad out-of-line value flag"));
				Call(check_chain(k, pgno, c));
			} else if (!val_inline(ps, kl, leaf_vbytes(c))) {
				Error(check_fail(k, pgno, "inline value too big"));
			}
		}
	}
	if (live + pg_frag(p) != ps - pg_upper(p, ps))
		Error(check_fail(k, pgno, "free-space accounting wrong (frag/upper)"));
	if (!leaf) {
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *c = pg_cell(p, i), *lo = low, *hi = high;
			size_t lol = lowlen, hil = highlen;
			if (i > 0) {
				lo = branch_key(c);
				lol = branch_klen(c);
			}
			if (i + 1 < n) {
				hi = branch_key(pg_cell(p, i + 1));
				hil = branch_klen(pg_cell(p, i + 1));
			}
			Call(check_rec(k, branch_child(c), lv - 1, false, lo, lol, hi, hil, depth + 1));
		}
	}
HandleError:
	if (b)
		jcache_release(k->c, b);
	return err;
}

JET_ERR bt_check(jcache *c, uint32_t root, uint32_t objid,
		 void (*report)(void *ctx, uint32_t pgno, const char *what), void *ctx,
		 uint64_t *pcEntries)
{
	static const uint8_t empty[1];
	check_ctx k = {c, jcache_page_size(c), objid, report, ctx, 0};
	JET_ERR err = check_rec(&k, root, -1, true, empty, 0, NULL, 0, 0);
	if (err >= 0 && pcEntries)
		*pcEntries = k.entries;
	return err;
}

JET_ERR bt_count(jcache *c, uint32_t root, uint64_t *pc)
{
	bt_cursor cur = {.c = c, .root = root};
	JET_ERR err;
	uint64_t n = 0;
	*pc = 0;
	/* Leaf by leaf: the entry count of each leaf is in its header. */
	err = cur_edge(&cur, true);
	if (err == JET_errRecordNotFound)
		return JET_errSuccess;
	while (err >= 0) {
		n += cur.path[cur.depth - 1].n;
		err = cur_step_leaf(&cur, true);
	}
	cur_unpin(&cur);
	if (err != JET_errNoCurrentRecord)
		return err;
	*pc = n;
	return JET_errSuccess;
}
