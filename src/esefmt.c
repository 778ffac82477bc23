/*
 * esefmt.c - reader of the ESE (ESENT) on-disk format; see esefmt.h.
 *
 * Facts used (from libyal's "ESE Database File format" document and
 * Microsoft's published ESE sources; the code is our own):
 *
 *  File:   page p lives at file offset (p + 1) * page_size; file offsets 0 and
 *          page_size hold the header and its shadow copy. Header fields (LE):
 *          0 checksum, 4 signature 0x89abcdef, 8 format version, 16 db time,
 *          52 state, 232 format revision, 236 page size. Header checksum:
 *          0x89abcdef XOR every 32-bit word of the header page but the first.
 *  Page:   40-byte header (80 for 16/32 KiB pages): 0 checksum (8 bytes in
 *          the new form, else 4 + pgno), 8 db time, 16 prev, 20 next, 24 FDP
 *          objid, 28 free bytes, 30 uncommitted free, 32 first free offset,
 *          34 tag count (low 12 bits on large pages), 36 flags. Large pages
 *          keep three more 8-byte checksums at 40, 48, 56.
 *          Flags: 1 root, 2 leaf, 4 parent, 8 empty, 0x20 space tree,
 *          0x40 index, 0x80 long value, 0x2000 new checksum form. A page
 *          without the leaf flag is a branch ("parent" marks the lowest ones).
 *  Checks: old form: 0x89abcdef XOR all 32-bit words but the first (the
 *          second is the page number). New form (XOR+ECC): a Hsiao-style
 *          ECC over 16-byte rows and a 32-bit XOR folded with the page number;
 *          small pages are one block, 16 KiB pages four 4 KiB blocks, 32 KiB
 *          pages four 8 KiB blocks, block 0's checksum at offset 0 and the
 *          others at 40/48/56; in a header block the first 8 bytes count as 0.
 *  Tags:   4 bytes each from the page's end backwards (tag 0 last): u16 size,
 *          u16 offset from the end of the page header. Small pages: 13-bit
 *          fields, flags in the offset's top 3 bits. Large pages: 15-bit
 *          fields, flags in the top 3 bits of the value's first u16.
 *          Tag flags: 1 version, 2 deleted, 4 compressed key (the value starts
 *          with a u16 count of bytes taken from the page's prefix, tag 0).
 *  Nodes:  [u16 prefix count] u16 suffix size, suffix, data. Branch data is
 *          the child page number. Tag 0 of a non-root page is its key prefix.
 *  Record: u8 last fixed id, u8 last variable id, u16 offset of the variable
 *          offset array; fixed data in id order, then a null bitmap (bit set =
 *          NULL); u16 end offsets of variable columns (0x8000 = NULL), their
 *          data; then tagged columns: (u16 id, u16 offset) array whose first
 *          offset gives its size, then the data; an entry's data starts with a
 *          flags byte when the offset has 0x4000 (always on large pages):
 *          2 compressed, 4 separated (a long-value id), 8 multi-valued (u16
 *          offset array, 0x8000 = that value separated), 0x10 two values
 *          (first byte = size of the first).
 *  LV:     the LV tree holds, under key = LID big-endian, a root (refcount,
 *          total size) and under LID + offset (big-endian) the chunks.
 *  Catalog: MSysObjects, objid 2, root page 4; fixed columns 1..12 (ObjidTable,
 *          Type, Id, ColtypOrPgnoFDP, SpaceUsage, Flags, PagesOrLocale,
 *          RootFlag, RecordOffset, LCMapFlags, KeyMost, LVChunkMax), variable
 *          128 Name, 130 TemplateTable, 132 KeyFldIDs. Types: 1 table,
 *          2 column, 3 index, 4 long-value tree.
 *
 * Rules:
 *  1. No byte of a page is used before the page's checksum verified and the
 *     tag in question was bounds-checked against the page.
 *  2. Every length read from the file is checked before it is used as an
 *     offset; a failing check is JET_errDatabaseCorrupted, never a crash.
 *  3. Tree walks are bounded: depth <= ESE_MAX_DEPTH, a leaf chain visits at
 *     most page_count pages, and every page must carry the tree's FDP objid.
 */
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>

#include "esefmt.h"

#define ESE_SIGNATURE 0x89abcdefu
#define ESE_HDR_PAGE_SIZE 236
#define ESE_MAX_DEPTH 16
#define ESE_CATALOG_ROOT 4
#define ESE_CATALOG_OBJID 2

#define PF_ROOT 0x1
#define PF_LEAF 0x2
#define PF_PARENT 0x4
#define PF_EMPTY 0x8
#define PF_SPACE 0x20
#define PF_INDEX 0x40
#define PF_LONG 0x80
#define PF_NEWCHECKSUM 0x2000

#define TAG_VERSION 0x1
#define TAG_DELETED 0x2
#define TAG_COMPRESSED 0x4

#define TF_COMPRESSED 0x02
#define TF_SEPARATED 0x04
#define TF_MULTI 0x08
#define TF_TWO 0x10

typedef struct cache_frame {
	uint32_t pgno;
	uint64_t used;
	bool valid;
	bool empty;
	uint8_t *data;
} cache_frame;

struct ese_db {
	os_file *file;
	uint64_t file_size;
	ese_info info;
	bool large; /* 16/32 KiB pages */
	uint32_t hdr_size;
	pthread_mutex_t lock;
	cache_frame frames[ESE_CACHE_PAGES];
	uint64_t tick;
	uint32_t ntables;
	ese_table *tables;
};

/* A view of one verified page. */
typedef struct page_view {
	const uint8_t *p;
	uint32_t cb;
	uint32_t flags;
	uint32_t ntags;
	uint32_t hdr;
	bool large;
} page_view;

/* One node (tag >= 1) of a page. */
typedef struct node {
	const uint8_t *prefix;
	uint32_t cbPrefix;
	const uint8_t *suffix;
	uint32_t cbSuffix;
	const uint8_t *data;
	uint32_t cbData;
	uint32_t tagflags;
} node;

/* ------------------------------------------------------------------ */
/* checksums                                                          */
/* ------------------------------------------------------------------ */

static inline uint32_t parity_mask(uint32_t v)
{
	return __builtin_parity(v) ? 0xffffffffu : 0;
}

uint32_t ese_checksum_xor(const uint8_t *pb, uint32_t cb)
{
	uint32_t x = ESE_SIGNATURE;
	for (uint32_t i = 4; i + 4 <= cb; i += 4)
		x ^= get_le32(pb + i);
	return x;
}

/* ESE's XOR+ECC checksum of one block (a power of two, 1..8 KiB): rows of
 * 16 bytes; each row's parity is spread by its index (and its complement)
 * into the high bits of each ECC half, the column parities into the low
 * bits. Arithmetic is modulo 2^32, as the original. */
uint64_t ese_checksum_ecc(const uint8_t *pb, uint32_t cb, uint32_t pgno, bool header_block)
{
	uint32_t p = 0, p0 = 0, p1 = 0, p2 = 0, p3 = 0;
	uint32_t idxp = 0xff800000u;
	for (uint32_t i = 0; i + 16 <= cb; i += 16) {
		uint32_t t0 = get_le32(pb + i), t1 = get_le32(pb + i + 4);
		uint32_t t2 = get_le32(pb + i + 8), t3 = get_le32(pb + i + 12);
		if (i == 0 && header_block)
			t0 = t1 = 0;
		p0 ^= t0;
		p1 ^= t1;
		p2 ^= t2;
		p3 ^= t3;
		p ^= idxp & parity_mask(t0 ^ t1 ^ t2 ^ t3);
		idxp += 0xff800080u;
	}
	p |= 0x00400000u & parity_mask(p0 ^ p1);
	p |= 0x00000040u & parity_mask(p2 ^ p3);
	uint32_t r0 = p0 ^ p2, r1 = p1 ^ p3;
	p |= 0x00200000u & parity_mask(r0);
	p |= 0x00000020u & parity_mask(r1);
	uint32_t r2 = r0 ^ r1;
	uint32_t r = 0, idxr = 0xffff0000u;
	for (uint32_t bit = 1; bit; bit += bit) {
		if (r2 & bit)
			r ^= idxr;
		idxr += 0xffff0001u;
	}
	uint32_t mask = (uint32_t)((uint32_t)cb << 19) - 1u;
	uint32_t ecc = (p & 0xffe0ffe0u & mask) | (r & 0x001f001fu);
	uint32_t x = r2 ^ pgno;
	return ((uint64_t)ecc << 32) | x;
}

static bool all_zero(const uint8_t *p, size_t cb)
{
	for (size_t i = 0; i < cb; i++)
		if (p[i])
			return false;
	return true;
}

/* True when the page image verifies as page pgno. */
static bool page_verify(const uint8_t *pg, uint32_t cb, uint32_t pgno)
{
	uint32_t flags = get_le32(pg + 36);
	if (!(flags & PF_NEWCHECKSUM))
		return get_le32(pg) == ese_checksum_xor(pg, cb) && get_le32(pg + 4) == pgno;
	if (cb <= 8192)
		return get_le64(pg) == ese_checksum_ecc(pg, cb, pgno, true);
	uint32_t block = cb <= 16384 ? 4096 : 8192;
	if (get_le64(pg) != ese_checksum_ecc(pg, block, pgno, true))
		return false;
	for (uint32_t i = 1; i < 4 && (i + 1) * block <= cb; i++)
		if (get_le64(pg + 40 + 8 * (i - 1)) !=
		    ese_checksum_ecc(pg + i * block, block, pgno, false))
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* header                                                             */
/* ------------------------------------------------------------------ */

bool ese_is_ese_header(const void *first8, size_t cb)
{
	return cb >= 8 && get_le32((const uint8_t *)first8 + 4) == ESE_SIGNATURE;
}

JET_ERR ese_probe(os_vfs *vfs, const char *path, bool *pfIsEse)
{
	JET_ERR err = JET_errSuccess;
	os_file *f = NULL;
	uint8_t b[8];
	size_t got = 0;
	if (!vfs || !path || !pfIsEse)
		return JET_errInvalidParameter;
	*pfIsEse = false;
	Call(os_open(vfs, path, OS_OPEN_READONLY, &f));
	Call(os_read(f, 0, b, sizeof(b), &got));
	*pfIsEse = ese_is_ese_header(b, got);
	if (!*pfIsEse) {
		/* A zeroed primary header: look for the shadow. */
		static const uint32_t sizes[] = {4096, 8192, 16384, 32768};
		for (size_t i = 0; i < 4 && !*pfIsEse; i++) {
			Call(os_read(f, sizes[i], b, sizeof(b), &got));
			*pfIsEse = ese_is_ese_header(b, got);
		}
	}
	err = JET_errSuccess;
HandleError:
	if (f)
		os_close(f);
	return err;
}

static bool page_size_ok(uint32_t cb)
{
	return cb == 4096 || cb == 8192 || cb == 16384 || cb == 32768;
}

/* Reads the header copy at offset off; true when it verifies and, if
 * want_size, its page size equals want_size. */
static JET_ERR header_try(ese_db *db, uint64_t off, uint32_t want_size, uint8_t *buf,
			  bool *pok)
{
	size_t got = 0;
	*pok = false;
	CallR(os_read(db->file, off, buf, 4096, &got));
	if (got < 4096 || get_le32(buf + 4) != ESE_SIGNATURE)
		return JET_errSuccess;
	uint32_t ps = get_le32(buf + ESE_HDR_PAGE_SIZE);
	if (!page_size_ok(ps) || (want_size && ps != want_size))
		return JET_errSuccess;
	/* The header checksum covers the header's page (ESE writes a full page). */
	uint8_t *full = buf;
	if (ps > 4096) {
		CallR(os_read(db->file, off, buf, ps, &got));
		if (got < ps)
			return JET_errSuccess;
	}
	*pok = get_le32(full) == ese_checksum_xor(full, ps) ||
	       get_le32(full) == ese_checksum_xor(full, 4096);
	return JET_errSuccess;
}

static JET_ERR header_read(ese_db *db)
{
	JET_ERR err = JET_errSuccess;
	uint8_t *buf = malloc(32768);
	bool ok = false;
	if (!buf)
		return JET_errOutOfMemory;
	Call(header_try(db, 0, 0, buf, &ok));
	if (ok) {
		/* The primary's size says where the shadow is; the primary wins. */
		db->info.from_shadow = false;
	} else {
		static const uint32_t sizes[] = {4096, 8192, 16384, 32768};
		for (size_t i = 0; i < 4 && !ok; i++)
			Call(header_try(db, sizes[i], sizes[i], buf, &ok));
		if (!ok)
			Error(JET_errDatabaseCorrupted);
		db->info.from_shadow = true;
	}
	db->info.format_version = get_le32(buf + 8);
	db->info.format_revision = get_le32(buf + 232);
	db->info.page_size = get_le32(buf + ESE_HDR_PAGE_SIZE);
	db->info.state = get_le32(buf + 52);
	db->info.db_time = get_le64(buf + 16);
	if (get_le32(buf + 12) != 0) /* a streaming file, not a database */
		Error(JET_errInvalidDatabase);
HandleError:
	free(buf);
	return err;
}

/* ------------------------------------------------------------------ */
/* pages                                                              */
/* ------------------------------------------------------------------ */

JET_ERR ese_read_page(ese_db *db, uint32_t pgno, void *buf, bool *pfEmpty)
{
	JET_ERR err = JET_errSuccess;
	uint32_t cb = db->info.page_size;
	if (pgno == 0 || pgno > db->info.page_count)
		return JET_errDatabaseCorrupted;
	pthread_mutex_lock(&db->lock);
	cache_frame *victim = &db->frames[0];
	for (size_t i = 0; i < ESE_CACHE_PAGES; i++) {
		cache_frame *fr = &db->frames[i];
		if (fr->valid && fr->pgno == pgno) {
			fr->used = ++db->tick;
			memcpy(buf, fr->data, cb);
			if (pfEmpty)
				*pfEmpty = fr->empty;
			goto HandleError;
		}
		if (!fr->valid || fr->used < victim->used)
			victim = fr;
	}
	victim->valid = false;
	if (!victim->data && !(victim->data = malloc(cb)))
		Error(JET_errOutOfMemory);
	Call(os_read_exact(db->file, (uint64_t)(pgno + 1) * cb, victim->data, cb));
	if (all_zero(victim->data, cb)) {
		victim->empty = true;
	} else if (!page_verify(victim->data, cb, pgno)) {
		Error(JET_errReadVerifyFailure);
	} else {
		victim->empty = false;
	}
	victim->pgno = pgno;
	victim->valid = true;
	victim->used = ++db->tick;
	memcpy(buf, victim->data, cb);
	if (pfEmpty)
		*pfEmpty = victim->empty;
HandleError:
	pthread_mutex_unlock(&db->lock);
	if (err == JET_errFileIOBeyondEOF)
		err = JET_errDatabaseCorrupted;
	return err;
}

JET_ERR ese_verify_all(ese_db *db, uint32_t *pcPages, uint32_t *pcBad, uint32_t *pfirstBad)
{
	JET_ERR err = JET_errSuccess;
	uint32_t cb = db->info.page_size, bad = 0, first = 0;
	uint8_t *buf = malloc(cb);
	if (!buf)
		return JET_errOutOfMemory;
	for (uint32_t pg = 1; pg <= db->info.page_count; pg++) {
		Call(os_read_exact(db->file, (uint64_t)(pg + 1) * cb, buf, cb));
		if (!all_zero(buf, cb) && !page_verify(buf, cb, pg)) {
			if (!bad)
				first = pg;
			bad++;
		}
	}
	*pcPages = db->info.page_count;
	*pcBad = bad;
	if (pfirstBad)
		*pfirstBad = first;
HandleError:
	free(buf);
	return err;
}

/* Makes a view of a verified page buffer and checks its tag array fits. */
static JET_ERR page_view_make(const ese_db *db, const uint8_t *pg, page_view *v)
{
	v->p = pg;
	v->cb = db->info.page_size;
	v->large = db->large;
	v->hdr = db->hdr_size;
	v->flags = get_le32(pg + 36);
	v->ntags = get_le16(pg + 34);
	if (v->large)
		v->ntags &= 0x0fff;
	if (v->ntags < 1 || (uint64_t)v->hdr + 4ull * v->ntags > v->cb)
		return JET_errDatabaseCorrupted;
	return JET_errSuccess;
}

/* The value of tag i and its flags. */
static JET_ERR page_tag(const page_view *v, uint32_t i, const uint8_t **pv, uint32_t *pcb,
			uint32_t *pflags)
{
	if (i >= v->ntags)
		return JET_errDatabaseCorrupted;
	const uint8_t *t = v->p + v->cb - 4 * (i + 1);
	uint32_t cb = get_le16(t), off = get_le16(t + 2);
	uint32_t flags;
	if (v->large) {
		cb &= 0x7fff;
		off &= 0x7fff;
		flags = 0;
	} else {
		flags = off >> 13;
		cb &= 0x1fff;
		off &= 0x1fff;
	}
	uint32_t limit = v->cb - 4 * v->ntags;
	if (v->hdr + off > limit || cb > limit - (v->hdr + off))
		return JET_errDatabaseCorrupted;
	*pv = v->p + v->hdr + off;
	*pcb = cb;
	if (v->large && cb >= 2)
		flags = (*pv)[1] >> 5;
	*pflags = flags;
	return JET_errSuccess;
}

/* Node i (>= 1) of a page. */
static JET_ERR page_node(const page_view *v, uint32_t i, node *n)
{
	const uint8_t *p, *t0;
	uint32_t cb, flags, cb0, f0;
	CallR(page_tag(v, i, &p, &cb, &flags));
	n->tagflags = flags;
	n->prefix = NULL;
	n->cbPrefix = 0;
	uint32_t pos = 0;
	/* The first u16 of a large page's value carries the flags in its top bits. */
	uint32_t first_mask = v->large ? 0x1fff : 0xffff;
	if (flags & TAG_COMPRESSED) {
		if (cb < 2)
			return JET_errDatabaseCorrupted;
		n->cbPrefix = get_le16(p) & first_mask;
		pos = 2;
		CallR(page_tag(v, 0, &t0, &cb0, &f0));
		if (n->cbPrefix > cb0)
			return JET_errDatabaseCorrupted;
		n->prefix = t0;
	}
	if (cb < pos + 2)
		return JET_errDatabaseCorrupted;
	n->cbSuffix = get_le16(p + pos) & (pos ? 0xffff : first_mask);
	pos += 2;
	if (n->cbSuffix > cb - pos)
		return JET_errDatabaseCorrupted;
	n->suffix = p + pos;
	pos += n->cbSuffix;
	n->data = p + pos;
	n->cbData = cb - pos;
	return JET_errSuccess;
}

/* Compares a node's full key (prefix ++ suffix) with key. */
static int node_key_cmp(const node *n, const uint8_t *key, size_t cb)
{
	size_t kn = (size_t)n->cbPrefix + n->cbSuffix;
	size_t m = JET_MIN(kn, cb);
	size_t a = JET_MIN((size_t)n->cbPrefix, m);
	int c = a ? memcmp(n->prefix, key, a) : 0;
	if (c)
		return c;
	if (m > a) {
		c = memcmp(n->suffix, key + a, m - a);
		if (c)
			return c;
	}
	return kn < cb ? -1 : kn > cb ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* tree walking: a cursor over one tree                               */
/* ------------------------------------------------------------------ */

typedef struct tree_cur {
	ese_db *db;
	uint32_t root;
	uint32_t objid;
	uint8_t *page;  /* copy of the current leaf */
	uint8_t *tmp;   /* scratch for the descent */
	uint32_t pgno;  /* current leaf, 0 = not positioned */
	uint32_t itag;
	page_view v;
	node n;
} tree_cur;

static JET_ERR tree_init(tree_cur *tc, ese_db *db, uint32_t root, uint32_t objid)
{
	memset(tc, 0, sizeof(*tc));
	tc->db = db;
	tc->root = root;
	tc->objid = objid;
	tc->page = malloc(db->info.page_size);
	tc->tmp = malloc(db->info.page_size);
	if (!tc->page || !tc->tmp)
		return JET_errOutOfMemory;
	return JET_errSuccess;
}

static void tree_free(tree_cur *tc)
{
	free(tc->page);
	free(tc->tmp);
	tc->page = tc->tmp = NULL;
}

/* Loads page pgno into buf, checks it belongs to the tree, makes a view. */
static JET_ERR tree_load(tree_cur *tc, uint32_t pgno, uint8_t *buf, page_view *v)
{
	bool empty = false;
	CallR(ese_read_page(tc->db, pgno, buf, &empty));
	if (empty)
		return JET_errDatabaseCorrupted;
	CallR(page_view_make(tc->db, buf, v));
	if (tc->objid && get_le32(buf + 24) != tc->objid)
		return JET_errDatabaseCorrupted;
	/* A page without the leaf flag is a branch; "parent" only marks the
	 * branches right above the leaves. */
	if ((v->flags & (PF_LEAF | PF_PARENT)) == (PF_LEAF | PF_PARENT) ||
	    (v->flags & PF_SPACE))
		return JET_errDatabaseCorrupted;
	return JET_errSuccess;
}

/* Descends from the root to a leaf: toward key (NULL: the first, or the last
 * with last). Leaves the leaf in tc->page and tc->v. */
static JET_ERR tree_descend(tree_cur *tc, const uint8_t *key, size_t cb, bool last)
{
	uint32_t pgno = tc->root;
	page_view v;
	for (int depth = 0;; depth++) {
		if (depth > ESE_MAX_DEPTH)
			return JET_errDatabaseCorrupted;
		CallR(tree_load(tc, pgno, tc->page, &v));
		if (v.flags & PF_LEAF) {
			tc->v = v;
			tc->pgno = pgno;
			return JET_errSuccess;
		}
		if (v.ntags < 2)
			return JET_errDatabaseCorrupted;
		uint32_t pick = last ? v.ntags - 1 : 1;
		if (key) {
			pick = v.ntags - 1;
			for (uint32_t i = 1; i < v.ntags; i++) {
				node n;
				CallR(page_node(&v, i, &n));
				/* The last separator is empty: it bounds nothing. */
				if (i < v.ntags - 1 && node_key_cmp(&n, key, cb) < 0)
					continue;
				pick = i;
				break;
			}
		}
		node n;
		CallR(page_node(&v, pick, &n));
		if (n.cbData < 4)
			return JET_errDatabaseCorrupted;
		pgno = get_le32(n.data);
	}
}

/* Moves to the neighbour leaf (next or previous); *pfEnd at the chain's end. */
static JET_ERR tree_leaf_step(tree_cur *tc, bool forward, bool *pfEnd)
{
	uint32_t nb = get_le32(tc->page + (forward ? 20 : 16));
	*pfEnd = false;
	if (nb == 0) {
		*pfEnd = true;
		return JET_errSuccess;
	}
	page_view v;
	CallR(tree_load(tc, nb, tc->page, &v));
	if (!(v.flags & PF_LEAF))
		return JET_errDatabaseCorrupted;
	tc->v = v;
	tc->pgno = nb;
	return JET_errSuccess;
}

/* Settles on a live node at or after (forward) / before itag, crossing leaves.
 * JET_errNoCurrentRecord past either end. */
static JET_ERR tree_settle(tree_cur *tc, uint32_t itag, bool forward)
{
	uint32_t steps = 0;
	for (;;) {
		while (itag >= 1 && itag < tc->v.ntags) {
			node n;
			CallR(page_node(&tc->v, itag, &n));
			if (!(n.tagflags & TAG_DELETED)) {
				tc->itag = itag;
				tc->n = n;
				return JET_errSuccess;
			}
			itag = forward ? itag + 1 : itag - 1;
		}
		bool end = false;
		if (++steps > tc->db->info.page_count)
			return JET_errDatabaseCorrupted; /* the chain loops */
		CallR(tree_leaf_step(tc, forward, &end));
		if (end) {
			tc->pgno = 0;
			return JET_errNoCurrentRecord;
		}
		itag = forward ? 1 : tc->v.ntags - 1;
	}
}

static JET_ERR tree_first(tree_cur *tc)
{
	CallR(tree_descend(tc, NULL, 0, false));
	return tree_settle(tc, 1, true);
}

static JET_ERR tree_last(tree_cur *tc)
{
	CallR(tree_descend(tc, NULL, 0, true));
	return tree_settle(tc, tc->v.ntags - 1, false);
}

static JET_ERR tree_next(tree_cur *tc)
{
	if (!tc->pgno)
		return JET_errNoCurrentRecord;
	return tree_settle(tc, tc->itag + 1, true);
}

static JET_ERR tree_prev(tree_cur *tc)
{
	if (!tc->pgno)
		return JET_errNoCurrentRecord;
	return tree_settle(tc, tc->itag - 1, false);
}

/* First node with key >= key. */
static JET_ERR tree_seek(tree_cur *tc, const uint8_t *key, size_t cb)
{
	CallR(tree_descend(tc, key, cb, false));
	JET_ERR err = tree_settle(tc, 1, true);
	while (err >= 0 && node_key_cmp(&tc->n, key, cb) < 0)
		err = tree_settle(tc, tc->itag + 1, true);
	return err;
}

/* The current node's key into buf (cbMax bytes); *pcb its length. */
static void tree_key(const tree_cur *tc, uint8_t *buf, size_t cbMax, size_t *pcb)
{
	size_t a = JET_MIN((size_t)tc->n.cbPrefix, cbMax);
	if (a)
		memcpy(buf, tc->n.prefix, a);
	size_t b = JET_MIN((size_t)tc->n.cbSuffix, cbMax - a);
	if (b)
		memcpy(buf + a, tc->n.suffix, b);
	*pcb = a + b;
}

/* ------------------------------------------------------------------ */
/* records                                                            */
/* ------------------------------------------------------------------ */

typedef struct rec_val {
	const uint8_t *pv;
	uint32_t cb;
	uint32_t tflags; /* tagged flags byte, 0 for fixed/variable */
	bool null;
} rec_val;

static uint32_t fixed_size(uint32_t coltyp, uint32_t cbmax)
{
	switch (coltyp) {
	case JET_coltypBit:
	case JET_coltypUnsignedByte:
		return 1;
	case JET_coltypShort:
	case JET_coltypUnsignedShort:
		return 2;
	case JET_coltypLong:
	case JET_coltypUnsignedLong:
	case JET_coltypIEEESingle:
		return 4;
	case JET_coltypCurrency:
	case JET_coltypIEEEDouble:
	case JET_coltypDateTime:
	case JET_coltypLongLong:
	case JET_coltypUnsignedLongLong:
		return 8;
	case JET_coltypGUID:
		return 16;
	default:
		return cbmax;
	}
}

/* Raw (undecoded) data of column colid in record rec. For tagged columns the
 * flags byte is split off into tflags. Absent: null = true. */
static JET_ERR rec_raw(const ese_table *t, bool large, const uint8_t *rec, size_t cb,
		       uint32_t colid, rec_val *out)
{
	memset(out, 0, sizeof(*out));
	out->null = true;
	if (cb < 4)
		return JET_errDatabaseCorrupted;
	uint32_t last_fixed = rec[0], last_var = rec[1], var_off = get_le16(rec + 2);
	if (var_off > cb || var_off < 4 || last_fixed > 127)
		return JET_errDatabaseCorrupted;
	if (colid >= 1 && colid <= 127) {
		if (colid > last_fixed)
			return JET_errSuccess;
		uint32_t off = t->fixed_off[colid], len = t->fixed_len[colid];
		uint32_t end_fixed = t->fixed_off[last_fixed] + t->fixed_len[last_fixed];
		uint32_t bitmap = end_fixed;
		if (end_fixed + (last_fixed + 7) / 8 > var_off)
			return JET_errDatabaseCorrupted;
		if (rec[bitmap + (colid - 1) / 8] & (1u << ((colid - 1) % 8)))
			return JET_errSuccess;
		out->pv = rec + off;
		out->cb = len;
		out->null = false;
		return JET_errSuccess;
	}
	uint32_t nvar = last_var >= 128 ? last_var - 127 : 0;
	if ((uint64_t)var_off + 2ull * nvar > cb)
		return JET_errDatabaseCorrupted;
	uint32_t var_base = var_off + 2 * nvar;
	uint32_t var_end = nvar ? (get_le16(rec + var_off + 2 * (nvar - 1)) & 0x7fff) : 0;
	if ((uint64_t)var_base + var_end > cb)
		return JET_errDatabaseCorrupted;
	if (colid >= 128 && colid <= 255) {
		uint32_t k = colid - 128;
		if (k >= nvar)
			return JET_errSuccess;
		uint32_t e = get_le16(rec + var_off + 2 * k);
		uint32_t s = k ? (get_le16(rec + var_off + 2 * (k - 1)) & 0x7fff) : 0;
		if (e & 0x8000)
			return JET_errSuccess;
		if (e < s || e > var_end)
			return JET_errDatabaseCorrupted;
		out->pv = rec + var_base + s;
		out->cb = e - s;
		out->null = false;
		return JET_errSuccess;
	}
	/* Tagged. */
	uint32_t tbase = var_base + var_end;
	if (tbase >= cb)
		return JET_errSuccess;
	const uint8_t *tg = rec + tbase;
	uint32_t tcb = (uint32_t)(cb - tbase);
	uint32_t omask = large ? 0x7fff : 0x1fff;
	if (tcb < 4)
		return JET_errDatabaseCorrupted;
	uint32_t first = get_le16(tg + 2) & omask;
	if (first < 4 || first % 4 || first > tcb)
		return JET_errDatabaseCorrupted;
	uint32_t n = first / 4;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t id = get_le16(tg + 4 * i);
		if (id != colid)
			continue;
		uint32_t raw = get_le16(tg + 4 * i + 2);
		uint32_t s = raw & omask;
		uint32_t e = i + 1 < n ? (get_le16(tg + 4 * i + 6) & omask) : tcb;
		if (s < first || e < s || e > tcb)
			return JET_errDatabaseCorrupted;
		bool has_flags = large || (raw & 0x4000);
		if (!large && (raw & 0x2000))
			return JET_errSuccess; /* explicitly NULL */
		const uint8_t *pv = tg + s;
		uint32_t len = e - s;
		if (has_flags) {
			if (len < 1)
				return JET_errSuccess;
			out->tflags = pv[0];
			pv++;
			len--;
		}
		out->pv = pv;
		out->cb = len;
		out->null = false;
		return JET_errSuccess;
	}
	return JET_errSuccess;
}

/* ------------------------------------------------------------------ */
/* decompression                                                      */
/* ------------------------------------------------------------------ */

JET_ERR ese_xpress_decode(const uint8_t *in, size_t cb, uint8_t *out, size_t cbOutMax,
			  size_t *pcbOut)
{
	size_t ip = 0, op = 0, half = 0;
	uint32_t flags = 0;
	int nflags = 0;
	for (;;) {
		if (nflags == 0) {
			if (ip + 4 > cb)
				break;
			flags = get_le32(in + ip);
			ip += 4;
			nflags = 32;
		}
		nflags--;
		if (!(flags & (1u << nflags))) {
			if (ip >= cb)
				break;
			if (op >= cbOutMax)
				return JET_errDatabaseCorrupted;
			out[op++] = in[ip++];
			continue;
		}
		if (ip >= cb)
			break;
		if (ip + 2 > cb)
			return JET_errDatabaseCorrupted;
		uint32_t mb = get_le16(in + ip);
		ip += 2;
		size_t len = mb % 8, off = mb / 8 + 1;
		if (len == 7) {
			if (half == 0) {
				if (ip >= cb)
					return JET_errDatabaseCorrupted;
				len = in[ip] % 16;
				half = ip++;
			} else {
				len = in[half] / 16;
				half = 0;
			}
			if (len == 15) {
				if (ip >= cb)
					return JET_errDatabaseCorrupted;
				len = in[ip++];
				if (len == 255) {
					if (ip + 2 > cb)
						return JET_errDatabaseCorrupted;
					len = get_le16(in + ip);
					ip += 2;
					if (len == 0) {
						if (ip + 4 > cb)
							return JET_errDatabaseCorrupted;
						len = get_le32(in + ip);
						ip += 4;
					}
					if (len < 15 + 7)
						return JET_errDatabaseCorrupted;
					len -= 15 + 7;
				}
				len += 15;
			}
			len += 7;
		}
		len += 3;
		if (off > op || len > cbOutMax - op)
			return JET_errDatabaseCorrupted;
		for (size_t k = 0; k < len; k++, op++)
			out[op] = out[op - off];
	}
	*pcbOut = op;
	return JET_errSuccess;
}

JET_ERR ese_decompress(const uint8_t *in, size_t cb, uint8_t **pout, size_t *pcbOut)
{
	JET_ERR err = JET_errSuccess;
	uint8_t *out = NULL;
	*pout = NULL;
	*pcbOut = 0;
	if (cb < 1)
		return JET_errDatabaseCorrupted;
	uint32_t scheme = in[0] >> 3;
	if (scheme == 1 || scheme == 2) {
		if (cb < 2)
			Error(JET_errDatabaseCorrupted);
		uint64_t bits = (uint64_t)(cb - 2) * 8 + (in[0] & 7) + 1;
		size_t n = (size_t)(bits / 7);
		size_t unit = scheme == 2 ? 2 : 1;
		out = malloc(n * unit + 1);
		if (!out)
			Error(JET_errOutOfMemory);
		uint32_t acc = 0;
		int have = 0;
		size_t ip = 1;
		for (size_t k = 0; k < n; k++) {
			while (have < 7) {
				acc |= (uint32_t)(ip < cb ? in[ip] : 0) << have;
				ip++;
				have += 8;
			}
			uint8_t ch = acc & 0x7f;
			acc >>= 7;
			have -= 7;
			out[k * unit] = ch;
			if (unit == 2)
				out[k * unit + 1] = 0;
		}
		*pcbOut = n * unit;
	} else if (scheme == 3) {
		if (cb < 3)
			Error(JET_errDatabaseCorrupted);
		size_t want = get_le16(in + 1);
		out = malloc(want + 1);
		if (!out)
			Error(JET_errOutOfMemory);
		size_t got = 0;
		Call(ese_xpress_decode(in + 3, cb - 3, out, want, &got));
		if (got != want)
			Error(JET_errDatabaseCorrupted);
		*pcbOut = got;
	} else {
		Error(JET_errDatabaseCorrupted);
	}
	*pout = out;
	out = NULL;
HandleError:
	free(out);
	return err;
}

/* ------------------------------------------------------------------ */
/* catalog                                                            */
/* ------------------------------------------------------------------ */

/* The catalog's own fixed columns (ids 1..12) and their sizes. */
static const uint8_t cat_fixed_len[13] = {0, 4, 2, 4, 4, 4, 4, 4, 1, 2, 4, 2, 4};

static void table_layout(ese_table *t)
{
	uint32_t off = 4;
	for (uint32_t id = 1; id <= 127; id++) {
		uint32_t len = 0;
		const ese_column *c = ese_column_find(t, id);
		if (c)
			len = fixed_size(c->coltyp, c->cbmax);
		t->fixed_off[id] = off;
		t->fixed_len[id] = len;
		off += len;
	}
	t->fixed_off[0] = 4;
	t->fixed_len[0] = 0;
}

static void copy_name(char *dst, const rec_val *v)
{
	size_t n = v->null ? 0 : JET_MIN((size_t)v->cb, (size_t)JET_cbNameMost);
	if (n)
		memcpy(dst, v->pv, n);
	dst[n] = 0;
}

static int col_cmp(const void *a, const void *b)
{
	const ese_column *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static JET_ERR catalog_read(ese_db *db)
{
	JET_ERR err = JET_errSuccess;
	tree_cur tc;
	ese_table cat;
	ese_table *cur = NULL;
	memset(&cat, 0, sizeof(cat));
	uint32_t off = 4;
	for (uint32_t id = 1; id <= 127; id++) {
		uint32_t len = id <= 12 ? cat_fixed_len[id] : 0;
		cat.fixed_off[id] = off;
		cat.fixed_len[id] = len;
		off += len;
	}
	cat.fixed_off[0] = 4;
	Call(tree_init(&tc, db, ESE_CATALOG_ROOT, ESE_CATALOG_OBJID));
	for (err = tree_first(&tc); err >= 0; err = tree_next(&tc)) {
		const uint8_t *r = tc.n.data;
		size_t cb = tc.n.cbData;
		rec_val v[12 + 1], name, tmpl, keys;
		for (uint32_t id = 1; id <= 7; id++)
			Call(rec_raw(&cat, db->large, r, cb, id, &v[id]));
		Call(rec_raw(&cat, db->large, r, cb, 128, &name));
		Call(rec_raw(&cat, db->large, r, cb, 130, &tmpl));
		Call(rec_raw(&cat, db->large, r, cb, 132, &keys));
		if (v[1].null || v[2].null || v[3].null)
			continue;
		uint32_t objid_table = get_le32(v[1].pv);
		uint32_t type = get_le16(v[2].pv);
		uint32_t id = get_le32(v[3].pv);
		uint32_t c4 = v[4].null ? 0 : get_le32(v[4].pv);
		uint32_t c5 = v[5].null ? 0 : get_le32(v[5].pv);
		uint32_t c6 = v[6].null ? 0 : get_le32(v[6].pv);
		uint32_t c7 = v[7].null ? 0 : get_le32(v[7].pv);
		if (type == 1) {
			ese_table *nt = realloc(db->tables, (db->ntables + 1) * sizeof(*nt));
			if (!nt)
				Error(JET_errOutOfMemory);
			db->tables = nt;
			cur = &nt[db->ntables++];
			memset(cur, 0, sizeof(*cur));
			cur->objid = id;
			cur->pgno_fdp = c4;
			cur->flags = c6;
			copy_name(cur->name, &name);
			copy_name(cur->template_name, &tmpl);
			continue;
		}
		if (!cur || cur->objid != objid_table)
			continue; /* an orphan row: nothing to attach it to */
		if (type == 2) {
			ese_column *nc = realloc(cur->cols, (cur->ncols + 1) * sizeof(*nc));
			if (!nc)
				Error(JET_errOutOfMemory);
			cur->cols = nc;
			ese_column *c = &nc[cur->ncols++];
			memset(c, 0, sizeof(*c));
			c->id = id;
			c->coltyp = c4;
			c->cbmax = c5;
			c->flags = c6;
			c->codepage = c7;
			copy_name(c->name, &name);
		} else if (type == 3) {
			ese_index *ni = realloc(cur->idx, (cur->nidx + 1) * sizeof(*ni));
			if (!ni)
				Error(JET_errOutOfMemory);
			cur->idx = ni;
			ese_index *x = &ni[cur->nidx++];
			memset(x, 0, sizeof(*x));
			x->objid = id;
			x->pgno_fdp = c4;
			x->flags = c6;
			copy_name(x->name, &name);
			/* KeyFldIDs: 4 bytes per key column (u16 flags, u16 column id);
			 * older files use 2-byte signed ids (negative = descending). */
			if (!keys.null && keys.cb % 4 == 0) {
				for (uint32_t k = 0; k < keys.cb / 4 && x->ncols < JET_ccolKeyMost; k++) {
					x->colids[x->ncols] = get_le16(keys.pv + 4 * k + 2);
					x->descending[x->ncols] = (get_le16(keys.pv + 4 * k) & 1) != 0;
					x->ncols++;
				}
			}
		} else if (type == 4) {
			cur->lv_pgno = c4;
			cur->lv_objid = id;
		}
	}
	if (err == JET_errNoCurrentRecord)
		err = JET_errSuccess;
	Call(err);
	for (uint32_t i = 0; i < db->ntables; i++) {
		ese_table *t = &db->tables[i];
		if (t->ncols)
			qsort(t->cols, t->ncols, sizeof(*t->cols), col_cmp);
		table_layout(t);
	}
HandleError:
	tree_free(&tc);
	return err;
}

/* ------------------------------------------------------------------ */
/* open / close                                                       */
/* ------------------------------------------------------------------ */

JET_ERR ese_open(os_vfs *vfs, const char *path, ese_db **out)
{
	JET_ERR err = JET_errSuccess;
	ese_db *db = NULL;
	if (!vfs || !path || !out)
		return JET_errInvalidParameter;
	*out = NULL;
	db = calloc(1, sizeof(*db));
	if (!db)
		return JET_errOutOfMemory;
	pthread_mutex_init(&db->lock, NULL);
	Call(os_open(vfs, path, OS_OPEN_READONLY, &db->file));
	Call(os_size(db->file, &db->file_size));
	Call(header_read(db));
	db->large = db->info.page_size > 8192;
	db->hdr_size = db->large ? 80 : 40;
	{
		uint64_t pages = db->file_size / db->info.page_size;
		if (pages < 2 + ESE_CATALOG_ROOT)
			Error(JET_errDatabaseCorrupted);
		db->info.page_count = (uint32_t)JET_MIN(pages - 2, (uint64_t)UINT32_MAX - 2);
	}
	Call(catalog_read(db));
	*out = db;
	db = NULL;
HandleError:
	if (db)
		ese_close(db);
	return err;
}

void ese_close(ese_db *db)
{
	if (!db)
		return;
	for (uint32_t i = 0; i < db->ntables; i++) {
		free(db->tables[i].cols);
		free(db->tables[i].idx);
	}
	free(db->tables);
	for (size_t i = 0; i < ESE_CACHE_PAGES; i++)
		free(db->frames[i].data);
	if (db->file)
		os_close(db->file);
	pthread_mutex_destroy(&db->lock);
	free(db);
}

const ese_info *ese_db_info(const ese_db *db) { return &db->info; }
uint32_t ese_info_page_size(const ese_db *db) { return db->info.page_size; }
uint32_t ese_table_count(const ese_db *db) { return db->ntables; }

const ese_table *ese_table_at(const ese_db *db, uint32_t i)
{
	return i < db->ntables ? &db->tables[i] : NULL;
}

JET_ERR ese_table_find(const ese_db *db, const char *name, const ese_table **out)
{
	if (!db || !name || !out)
		return JET_errInvalidParameter;
	for (uint32_t i = 0; i < db->ntables; i++)
		if (!strcmp(db->tables[i].name, name)) {
			*out = &db->tables[i];
			return JET_errSuccess;
		}
	for (uint32_t i = 0; i < db->ntables; i++)
		if (!strcasecmp(db->tables[i].name, name)) {
			*out = &db->tables[i];
			return JET_errSuccess;
		}
	return JET_errObjectNotFound;
}

const ese_column *ese_column_find(const ese_table *t, uint32_t colid)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].id == colid)
			return &t->cols[i];
	return NULL;
}

const ese_column *ese_column_find_name(const ese_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i].name, name))
			return &t->cols[i];
	return NULL;
}

const ese_index *ese_primary_index(const ese_table *t)
{
	for (size_t i = 0; i < t->nidx; i++)
		if (t->idx[i].flags & JET_bitIndexPrimary)
			return &t->idx[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* table cursors                                                      */
/* ------------------------------------------------------------------ */

struct ese_cursor {
	ese_db *db;
	const ese_table *t;
	tree_cur tc;
	tree_cur lv;     /* over the LV tree, opened on first use */
	bool lv_open;
	uint8_t *val;    /* the last value handed out */
	size_t cbVal;
	size_t cbValMax;
	uint8_t *rec;    /* copy of the current record: stable across LV reads */
	size_t cbRec;
	uint8_t key[2048];
	size_t cbKey;
};

JET_ERR ese_cursor_open(ese_db *db, const ese_table *t, ese_cursor **out)
{
	JET_ERR err = JET_errSuccess;
	if (!db || !t || !out)
		return JET_errInvalidParameter;
	ese_cursor *c = calloc(1, sizeof(*c));
	if (!c)
		return JET_errOutOfMemory;
	c->db = db;
	c->t = t;
	Call(tree_init(&c->tc, db, t->pgno_fdp, t->objid));
	c->rec = malloc(db->info.page_size);
	if (!c->rec)
		Error(JET_errOutOfMemory);
	*out = c;
	return JET_errSuccess;
HandleError:
	ese_cursor_close(c);
	return err;
}

void ese_cursor_close(ese_cursor *c)
{
	if (!c)
		return;
	tree_free(&c->tc);
	if (c->lv_open)
		tree_free(&c->lv);
	free(c->val);
	free(c->rec);
	free(c);
}

/* Copies the tree position's record and key into the cursor. */
static JET_ERR cursor_take(ese_cursor *c, JET_ERR err)
{
	if (err < 0) {
		c->cbRec = 0;
		return err;
	}
	if (c->tc.n.cbData > c->db->info.page_size)
		return JET_errDatabaseCorrupted;
	memcpy(c->rec, c->tc.n.data, c->tc.n.cbData);
	c->cbRec = c->tc.n.cbData;
	tree_key(&c->tc, c->key, sizeof(c->key), &c->cbKey);
	return err;
}

JET_ERR ese_cursor_first(ese_cursor *c) { return cursor_take(c, tree_first(&c->tc)); }
JET_ERR ese_cursor_last(ese_cursor *c) { return cursor_take(c, tree_last(&c->tc)); }
JET_ERR ese_cursor_next(ese_cursor *c) { return cursor_take(c, tree_next(&c->tc)); }
JET_ERR ese_cursor_prev(ese_cursor *c) { return cursor_take(c, tree_prev(&c->tc)); }

JET_ERR ese_cursor_seek(ese_cursor *c, const void *key, size_t cb)
{
	JET_ERR err = tree_seek(&c->tc, key, cb);
	if (err == JET_errNoCurrentRecord)
		err = JET_errRecordNotFound;
	return cursor_take(c, err);
}

JET_ERR ese_cursor_key(ese_cursor *c, const void **pv, size_t *pcb)
{
	if (!c->cbRec)
		return JET_errNoCurrentRecord;
	*pv = c->key;
	*pcb = c->cbKey;
	return JET_errSuccess;
}

JET_ERR ese_cursor_record(ese_cursor *c, const void **pv, size_t *pcb)
{
	if (!c->cbRec)
		return JET_errNoCurrentRecord;
	*pv = c->rec;
	*pcb = c->cbRec;
	return JET_errSuccess;
}

static JET_ERR val_reserve(ese_cursor *c, size_t cb)
{
	if (cb <= c->cbValMax)
		return JET_errSuccess;
	size_t n = JET_MAX(cb, 2 * c->cbValMax);
	uint8_t *p = realloc(c->val, n ? n : 1);
	if (!p)
		return JET_errOutOfMemory;
	c->val = p;
	c->cbValMax = n;
	return JET_errSuccess;
}

/* Assembles long value lid (as stored in the record, little-endian, 4 or 8
 * bytes) into c->val. */
static JET_ERR lv_fetch(ese_cursor *c, const uint8_t *lidp, uint32_t cbLid)
{
	JET_ERR err = JET_errSuccess;
	uint8_t key[12];
	if ((cbLid != 4 && cbLid != 8) || !c->t->lv_pgno)
		return JET_errDatabaseCorrupted;
	if (!c->lv_open) {
		CallR(tree_init(&c->lv, c->db, c->t->lv_pgno, c->t->lv_objid));
		c->lv_open = true;
	}
	for (uint32_t i = 0; i < cbLid; i++)
		key[i] = lidp[cbLid - 1 - i];
	Call(tree_seek(&c->lv, key, cbLid));
	uint8_t k[64];
	size_t cbk = 0;
	tree_key(&c->lv, k, sizeof(k), &cbk);
	if (cbk != cbLid || memcmp(k, key, cbLid) || c->lv.n.cbData < 8)
		Error(JET_errDatabaseCorrupted);
	uint32_t total = get_le32(c->lv.n.data + 4);
	Call(val_reserve(c, total));
	c->cbVal = 0;
	while (c->cbVal < total) {
		err = tree_next(&c->lv);
		if (err == JET_errNoCurrentRecord)
			Error(JET_errDatabaseCorrupted);
		Call(err);
		tree_key(&c->lv, k, sizeof(k), &cbk);
		if (cbk != cbLid + 4u || memcmp(k, key, cbLid))
			Error(JET_errDatabaseCorrupted);
		uint32_t off = ((uint32_t)k[cbLid] << 24) | ((uint32_t)k[cbLid + 1] << 16) |
			       ((uint32_t)k[cbLid + 2] << 8) | k[cbLid + 3];
		if (off != c->cbVal)
			Error(JET_errDatabaseCorrupted);
		uint32_t n = JET_MIN(c->lv.n.cbData, total - (uint32_t)c->cbVal);
		memcpy(c->val + c->cbVal, c->lv.n.data, n);
		c->cbVal += n;
	}
	err = JET_errSuccess;
HandleError:
	return err;
}

/* Sets c->val to one value: separated ones fetched, compressed ones
 * decompressed. */
static JET_ERR value_out(ese_cursor *c, const uint8_t *pv, size_t cb, bool separated,
			 bool compressed)
{
	if (separated) {
		CallR(lv_fetch(c, pv, (uint32_t)cb));
	} else {
		CallR(val_reserve(c, cb));
		if (cb)
			memcpy(c->val, pv, cb);
		c->cbVal = cb;
	}
	if (compressed && c->cbVal) {
		uint8_t *d = NULL;
		size_t n = 0;
		CallR(ese_decompress(c->val, c->cbVal, &d, &n));
		free(c->val);
		c->val = d;
		c->cbVal = n;
		c->cbValMax = n;
	}
	return JET_errSuccess;
}

/* The number of values in a tagged multi-value blob and the bounds of one. */
static JET_ERR mv_item(const rec_val *v, uint32_t itag, uint32_t *pcount, uint32_t *ps,
		       uint32_t *pe, bool *psep)
{
	if (v->tflags & TF_TWO) {
		*pcount = 2;
		if (v->cb < 1 || v->pv[0] > v->cb - 1)
			return JET_errDatabaseCorrupted;
		uint32_t l1 = v->pv[0];
		*psep = false;
		if (itag == 1) {
			*ps = 1;
			*pe = 1 + l1;
		} else {
			*ps = 1 + l1;
			*pe = v->cb;
		}
		return JET_errSuccess;
	}
	if (v->cb < 2)
		return JET_errDatabaseCorrupted;
	uint32_t first = get_le16(v->pv) & 0x7fff;
	if (first < 2 || first % 2 || first > v->cb)
		return JET_errDatabaseCorrupted;
	*pcount = first / 2;
	if (itag < 1 || itag > *pcount)
		return JET_errSuccess;
	uint32_t raw = get_le16(v->pv + 2 * (itag - 1));
	uint32_t s = raw & 0x7fff;
	uint32_t e = itag < *pcount ? (get_le16(v->pv + 2 * itag) & 0x7fff) : v->cb;
	if (s < first || e < s || e > v->cb)
		return JET_errDatabaseCorrupted;
	*ps = s;
	*pe = e;
	*psep = (raw & 0x8000) != 0;
	return JET_errSuccess;
}

JET_ERR ese_cursor_value_count(ese_cursor *c, uint32_t colid, uint32_t *pcount)
{
	rec_val v;
	if (!c->cbRec)
		return JET_errNoCurrentRecord;
	CallR(rec_raw(c->t, c->db->large, c->rec, c->cbRec, colid, &v));
	if (v.null) {
		*pcount = 0;
		return JET_errSuccess;
	}
	if (!(v.tflags & (TF_MULTI | TF_TWO))) {
		*pcount = 1;
		return JET_errSuccess;
	}
	uint32_t s, e;
	bool sep;
	return mv_item(&v, 1, pcount, &s, &e, &sep);
}

JET_ERR ese_cursor_value(ese_cursor *c, uint32_t colid, uint32_t itag, const void **pv,
			 size_t *pcb)
{
	rec_val v;
	*pv = NULL;
	*pcb = 0;
	if (!c->cbRec)
		return JET_errNoCurrentRecord;
	if (itag < 1)
		return JET_errInvalidParameter;
	CallR(rec_raw(c->t, c->db->large, c->rec, c->cbRec, colid, &v));
	if (v.null)
		return JET_wrnColumnNull;
	if (!(v.tflags & (TF_MULTI | TF_TWO))) {
		if (itag != 1)
			return JET_wrnColumnNull;
		CallR(value_out(c, v.pv, v.cb, (v.tflags & TF_SEPARATED) != 0,
				(v.tflags & TF_COMPRESSED) != 0));
	} else {
		uint32_t n = 0, s = 0, e = 0;
		bool sep = false;
		CallR(mv_item(&v, itag, &n, &s, &e, &sep));
		if (itag > n)
			return JET_wrnColumnNull;
		/* Only the first value of a multi-valued column is ever compressed. */
		CallR(value_out(c, v.pv + s, e - s, sep,
				itag == 1 && (v.tflags & TF_COMPRESSED) != 0));
	}
	*pv = c->val;
	*pcb = c->cbVal;
	return JET_errSuccess;
}

const char *ese_coltyp_name(uint32_t coltyp)
{
	static const char *const names[] = {
		"Nil",      "Bit",        "UnsignedByte", "Short",        "Long",
		"Currency", "IEEESingle", "IEEEDouble",   "DateTime",     "Binary",
		"Text",     "LongBinary", "LongText",     "SLV",          "UnsignedLong",
		"LongLong", "GUID",       "UnsignedShort", "UnsignedLongLong"};
	return coltyp < sizeof(names) / sizeof(names[0]) ? names[coltyp] : "Unknown";
}
