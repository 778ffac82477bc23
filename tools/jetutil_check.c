/*
 * jetutil_check.c - `jetutil check DATABASE`: an offline, read-only
 * integrity check of the last checkpoint, without recovery.
 *
 * What is checked, in this order:
 *   1. every page's checksum: the file is read once, sequentially, in large
 *      chunks, and each page is verified from the buffer. A page that fails
 *      is a problem unless the free list holds it (free space may hold
 *      anything: a never-written extent, an evicted page of a crashed run);
 *   2. every B+tree of the checkpointed version: the tree directory and every
 *      tree it names, with the engine's own bt_check (order, bounds, levels,
 *      fill, objids) and bt_walk (which pages each tree uses, overflow pages
 *      included);
 *   3. catalog vs trees: each table, index and long-value row of
 *      MSysObjects names a tree of the directory, and each user tree of the
 *      directory is named by the catalog;
 *   4. space accounting: the persisted free list, the free list's own pages
 *      and the pages the trees use are disjoint and together cover every
 *      page the checkpoint covers (the header's page count).
 *
 * Speed: the file is mapped read-only and served by a mapped cache
 * (jcache_create_mapped): step 1 verifies each page's checksum in place, in
 * file order, prefaulting 8 MiB at a time (MADV_POPULATE_READ: large
 * sequential reads, and a read error is an error code, not SIGBUS); steps
 * 2-4 read the same page images with no copy, no lock and no eviction, and
 * no checksum is computed twice. No memory is allocated per page but one
 * state byte and one frame header. Where mmap fails the file is checked
 * through a bounded cache that reads what the trees need (slower).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "btree.h"
#include "engine_int.h"
#include "jetutil.h"
#include "space.h"

/* Per-page facts. */
enum {
	PG_BADSUM = 0x01, /* checksum or page number wrong */
	PG_FREE = 0x02,   /* in the persisted free list */
	PG_LIST = 0x04,   /* one of the free list's own pages */
	PG_USED = 0x08,   /* reached from a tree of the checkpointed version */
	PG_ZERO = 0x20,   /* all zero: never written */
};

/* Lines of page-use problems (used twice, free and used) per tree before
 * the rest is summed up: a broken link makes a walk visit whole subtrees
 * twice, and one line per page would bury the cause. */
#define MARK_REPORTS_PER_TREE 8

typedef struct problem {
	uint32_t pgno;
	char *what;
} problem;

typedef struct checker {
	ju_db d;
	const char *path;
	uint8_t *map;     /* the file, mapped (NULL: read through a cache) */
	size_t map_len;
	int verbose;
	uint8_t *pg;      /* PG_* per page of the file */
	uint32_t *owner;  /* tree objid using each page (PG_USED) */
	uint32_t npages;  /* file length in pages */
	uint32_t covered; /* pages the checkpoint covers */
	problem *probs;
	size_t nprobs, capprobs;
	uint32_t cur_objid; /* tree being walked */
	uint32_t cur_marks; /* page-use problems reported for it */
	bool damaged;       /* a tree failed: unreachable pages are expected */
	uint64_t badsum_free, trees, entries;
	uint64_t free_pages, list_pages, used_pages;
} checker;

static void add_problem(checker *c, uint32_t pgno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_problem(checker *c, uint32_t pgno, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (c->nprobs == c->capprobs) {
		size_t cap = c->capprobs ? 2 * c->capprobs : 64;
		problem *p = realloc(c->probs, cap * sizeof(*p));
		if (!p)
			return;
		c->probs = p;
		c->capprobs = cap;
	}
	c->probs[c->nprobs].pgno = pgno;
	c->probs[c->nprobs].what = strdup(buf);
	c->nprobs++;
}

static void bt_report(void *ctx, uint32_t pgno, const char *what)
{
	checker *c = ctx;
	add_problem(c, pgno, "tree %u: %s", c->cur_objid, what);
}

static JET_ERR mark_page(void *ctx, uint32_t pgno, int type, int level)
{
	checker *c = ctx;
	(void)type;
	(void)level;
	if (pgno < DB_FIRST_DATA_PAGE || pgno >= c->npages) {
		add_problem(c, pgno, "tree %u: reference to page %u outside the file", c->cur_objid,
			    pgno);
		return JET_errSuccess;
	}
	uint8_t f = c->pg[pgno];
	if ((f & (PG_USED | PG_FREE | PG_LIST)) || pgno >= c->covered) {
		if (++c->cur_marks > MARK_REPORTS_PER_TREE)
			;
		else if (f & PG_USED)
			add_problem(c, pgno, "used twice: by tree %u and tree %u", c->owner[pgno],
				    c->cur_objid);
		else if (f & PG_FREE)
			add_problem(c, pgno, "tree %u uses a page of the free list", c->cur_objid);
		else if (f & PG_LIST)
			add_problem(c, pgno, "tree %u uses a page of the free list's own chain",
				    c->cur_objid);
		else
			add_problem(c, pgno, "tree %u uses a page past the checkpoint's page count %u",
				    c->cur_objid, c->covered);
	}
	c->pg[pgno] |= PG_USED;
	c->owner[pgno] = c->cur_objid;
	return JET_errSuccess;
}

static JET_ERR free_extent(void *ctx, uint32_t first, uint32_t count)
{
	checker *c = ctx;
	for (uint64_t p = first; p < (uint64_t)first + count; p++) {
		if (p < DB_FIRST_DATA_PAGE || p >= c->covered) {
			add_problem(c, (uint32_t)p, "free list names a page outside 2..%u",
				    c->covered ? c->covered - 1 : 0);
			break;
		}
		if (c->pg[p] & PG_FREE)
			add_problem(c, (uint32_t)p, "listed free twice");
		c->pg[p] |= PG_FREE;
	}
	return JET_errSuccess;
}

/* Step 0: the free list and its own pages. */
static void check_free_list(checker *c)
{
	uint32_t head = c->d.hdr.freelist_head;
	uint32_t steps = 0;
	for (uint32_t pg = head; pg; steps++) {
		if (pg < DB_FIRST_DATA_PAGE || pg >= c->npages || steps > c->npages) {
			add_problem(c, pg, "free list chain broken (page %u)", pg);
			return;
		}
		if (c->pg[pg] & PG_LIST) {
			add_problem(c, pg, "free list chain has a cycle");
			return;
		}
		c->pg[pg] |= PG_LIST;
		jbuf *b = NULL;
		JET_ERR err = jcache_get(c->d.cache, pg, &b);
		if (err < 0) {
			add_problem(c, pg, "free list page unreadable: %s", JetErrorName(err));
			return;
		}
		if (b->data[PAGE_OFF_TYPE] != PAGE_TYPE_FREELIST) {
			add_problem(c, pg, "free list page has type %u", b->data[PAGE_OFF_TYPE]);
			jcache_release(c->d.cache, b);
			return;
		}
		pg = get_le32(b->data + PAGE_HEADER_SIZE);
		jcache_release(c->d.cache, b);
	}
	if (head) {
		JET_ERR err = space_read_list(c->d.cache, head, free_extent, c);
		if (err < 0)
			add_problem(c, head, "free list unreadable: %s", JetErrorName(err));
	}
}

static JET_ERR read_full(checker *c, int fd, uint32_t pgno, uint8_t *dst, size_t want)
{
	const uint32_t ps = c->d.page_size;
	size_t got = 0;
	while (got < want) {
		ssize_t r = pread(fd, dst + got, want - got, (off_t)pgno * ps + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ju_err("%s: read at page %u: %s", c->path, pgno,
			       r < 0 ? strerror(errno) : "unexpected end of file");
			return JET_errDiskIO;
		}
		got += (size_t)r;
	}
	return JET_errSuccess;
}

/* Step 1, shared end: a page failing is a problem unless free or never
 * written. */
static void note_checksum(checker *c, uint32_t pgno, const uint8_t *p, bool good)
{
	const uint32_t ps = c->d.page_size;
	if (good && p[PAGE_OFF_TYPE] != PAGE_TYPE_FREE)
		return;
	c->pg[pgno] |= PG_BADSUM;
	if (p[0] == 0 && !memcmp(p, p + 1, ps - 1))
		c->pg[pgno] |= PG_ZERO;
}

static void report_checksums(checker *c)
{
	for (uint32_t pgno = DB_FIRST_DATA_PAGE; pgno < c->covered && pgno < c->npages; pgno++) {
		if (!(c->pg[pgno] & PG_BADSUM))
			continue;
		if (c->pg[pgno] & PG_FREE)
			c->badsum_free++;
		else if (!(c->pg[pgno] & PG_ZERO)) /* never written: leaked if unused */
			add_problem(c, pgno, "bad checksum");
	}
}

#define CHUNK_BYTES ((size_t)8 << 20)

/* Step 1 over the mapping: in file order, 8 MiB prefaulted at a time; each
 * page verified by the mapped cache (which remembers the verdict for the
 * trees). */
static JET_ERR check_checksums_mapped(checker *c)
{
	const uint32_t ps = c->d.page_size;
	const uint32_t chunk_pages = (uint32_t)(CHUNK_BYTES / ps);
	ju_progress pr;
	(void)madvise(c->map, c->map_len, MADV_SEQUENTIAL);
	ju_progress_begin(&pr, "check", (uint64_t)c->npages * ps);
	for (uint32_t first = DB_FIRST_DATA_PAGE; first < c->npages;) {
		uint32_t n = (uint32_t)JET_MIN((uint64_t)chunk_pages, (uint64_t)c->npages - first);
		uint8_t *at = c->map + (size_t)first * ps;
		/* Older kernels lack POPULATE_READ (EINVAL): then plain faults. */
		if (madvise(at, (size_t)n * ps, MADV_POPULATE_READ) < 0 && errno != EINVAL) {
			ju_progress_end(&pr);
			ju_err("%s: reading pages %u-%u: %s", c->path, first, first + n - 1,
			       strerror(errno));
			return JET_errDiskIO;
		}
		/* The next chunk is read ahead while this one is verified. */
		if (first + n < c->npages)
			(void)madvise(at + (size_t)n * ps,
				      (size_t)JET_MIN((uint64_t)chunk_pages, (uint64_t)c->npages - first - n) * ps,
				      MADV_WILLNEED);
		for (uint32_t i = 0; i < n; i++) {
			jbuf *b = NULL;
			JET_ERR err = jcache_get(c->d.cache, first + i, &b);
			if (err < 0 && err != JET_errReadVerifyFailure)
				return err;
			note_checksum(c, first + i, at + (size_t)i * ps, err >= 0);
			if (b)
				jcache_release(c->d.cache, b);
		}
		first += n;
		ju_progress_set(&pr, (uint64_t)first * ps);
	}
	ju_progress_end(&pr);
	(void)madvise(c->map, c->map_len, MADV_NORMAL); /* the trees read at random */
	report_checksums(c);
	return JET_errSuccess;
}

/* Step 1 without a mapping: large sequential reads into a scratch buffer;
 * the trees then read through the bounded cache. */
static JET_ERR check_checksums_read(checker *c)
{
	JET_ERR err = JET_errSuccess;
	const uint32_t ps = c->d.page_size;
	const uint32_t chunk_pages = (uint32_t)(CHUNK_BYTES / ps);
	uint8_t *buf = NULL;
	int fd = open(c->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ju_err("%s: %s", c->path, strerror(errno));
		return JET_errFileAccessDenied;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (posix_memalign((void **)&buf, 4096, (size_t)chunk_pages * ps) != 0)
		Error(JET_errOutOfMemory);
	ju_progress pr;
	ju_progress_begin(&pr, "check", (uint64_t)c->npages * ps);
	for (uint32_t first = DB_FIRST_DATA_PAGE; first < c->npages;) {
		uint32_t n = (uint32_t)JET_MIN((uint64_t)chunk_pages, (uint64_t)c->npages - first);
		Call(read_full(c, fd, first, buf, (size_t)n * ps));
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *p = buf + (size_t)i * ps;
			note_checksum(c, first + i, p, page_checksum_ok(p, first + i, ps));
		}
		first += n;
		ju_progress_set(&pr, (uint64_t)first * ps);
	}
	ju_progress_end(&pr);
	report_checksums(c);
HandleError:
	free(buf);
	close(fd);
	return err;
}

/* Step 2: one tree. */
static void check_tree(checker *c, uint32_t objid, uint32_t root)
{
	uint64_t n = 0;
	size_t before = c->nprobs;
	c->cur_objid = objid;
	c->cur_marks = 0;
	c->trees++;
	JET_ERR err = bt_check(c->d.cache, root, objid, bt_report, c, &n);
	if (err < 0) {
		c->damaged = true;
		if (err == JET_errReadVerifyFailure)
			add_problem(c, root, "tree %u (root %u): a page fails its checksum (see below)",
				    objid, root);
		else if (err != JET_errDatabaseCorrupted || c->nprobs == before)
			add_problem(c, root, "tree %u (root %u): %s", objid, root, JetErrorName(err));
	}
	c->entries += n;
	JET_ERR werr = bt_walk(c->d.cache, root, mark_page, c);
	if (werr < 0) {
		c->damaged = true;
		if (werr != err)
			add_problem(c, root, "tree %u (root %u): walk stopped: %s", objid, root,
				    JetErrorName(werr));
	}
	if (c->cur_marks > MARK_REPORTS_PER_TREE)
		add_problem(c, root, "tree %u: %u more pages used twice or while free", objid,
			    c->cur_marks - MARK_REPORTS_PER_TREE);
}

typedef struct dir_ent {
	uint32_t objid, root;
} dir_ent;

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static bool dir_has(const dir_ent *ents, size_t n, uint32_t objid)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ents[mid].objid == objid)
			return true;
		if (ents[mid].objid < objid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static void check_trees(checker *c, dir_ent **pents, size_t *pn)
{
	dir_ent *ents = NULL;
	size_t n = 0, cap = 0;
	uint32_t dir_root = c->d.hdr.dir_root;
	bt_cursor *cur = NULL;
	JET_ERR err;

	check_tree(c, OBJID_DIR, dir_root);
	err = bt_cursor_open(c->d.cache, dir_root, &cur);
	if (err >= 0)
		err = bt_first(cur);
	for (; err >= 0; err = bt_next(cur)) {
		const void *k, *v;
		size_t cbk, cbv;
		eng_tree_info info;
		if (bt_cursor_key(cur, &k, &cbk) < 0 || bt_cursor_value(cur, &v, &cbv) < 0)
			break;
		if (cbk != 4 || eng_dir_decode(v, cbv, &info) < 0) {
			add_problem(c, dir_root, "malformed tree directory entry");
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			dir_ent *p = realloc(ents, cap * sizeof(*p));
			if (!p)
				break;
			ents = p;
		}
		const uint8_t *kb = k;
		ents[n].objid = (uint32_t)kb[0] << 24 | (uint32_t)kb[1] << 16 |
				(uint32_t)kb[2] << 8 | kb[3];
		ents[n].root = info.root;
		n++;
	}
	if (err < 0 && err != JET_errNoCurrentRecord && err != JET_errRecordNotFound)
		add_problem(c, dir_root, "tree directory unreadable: %s", JetErrorName(err));
	if (cur)
		bt_cursor_close(cur);
	ju_progress pr;
	ju_progress_begin(&pr, "trees", n);
	for (size_t i = 0; i < n; i++) {
		if (ents[i].root < DB_FIRST_DATA_PAGE || ents[i].root >= c->npages) {
			add_problem(c, ents[i].root, "tree %u: root page %u outside the file",
				    ents[i].objid, ents[i].root);
			continue;
		}
		check_tree(c, ents[i].objid, ents[i].root);
		ju_progress_set(&pr, i + 1);
	}
	ju_progress_end(&pr);
	*pents = ents;
	*pn = n;
}

/* Step 3: catalog vs directory. */
static void check_catalog(checker *c, const dir_ent *ents, size_t n)
{
	ju_catrow *rows = NULL;
	size_t nrows = 0;
	uint32_t *named = NULL, *tables = NULL;
	size_t nnamed = 0, ntables = 0;
	if (!dir_has(ents, n, OBJID_CATALOG) || !dir_has(ents, n, OBJID_CATALOG_NAME)) {
		add_problem(c, c->d.hdr.dir_root, "the catalog's trees are not in the directory");
		return;
	}
	uint32_t root = 0;
	for (size_t i = 0; i < n; i++)
		if (ents[i].objid == OBJID_CATALOG)
			root = ents[i].root;
	JET_ERR err = ju_catalog_read(&c->d, root, &rows, &nrows);
	if (err < 0) {
		add_problem(c, root, "catalog unreadable: %s", JetErrorName(err));
		return;
	}
	if (nrows == 0) {
		/* No catalog rows at all: trees made below the table layer (the
		 * engine's own tests do that). Said, but not a problem. */
		size_t unnamed = 0;
		for (size_t i = 0; i < n; i++)
			unnamed += ents[i].objid >= OBJID_FIRST_USER;
		if (unnamed && c->verbose)
			printf("%s: the catalog is empty; %zu trees are not tables (made below the JET API?)\n",
			       c->path, unnamed);
		goto done;
	}
	named = calloc(nrows + 1, sizeof(*named));
	tables = calloc(nrows + 1, sizeof(*tables));
	if (!named || !tables)
		goto done;
	for (size_t i = 0; i < nrows; i++) {
		const ju_catrow *r = &rows[i];
		if (r->type == 1)
			tables[ntables++] = r->id;
		if (r->type == 1 || r->type == 3 || r->type == 4) {
			named[nnamed++] = r->id;
			if (!dir_has(ents, n, r->id))
				add_problem(c, 0, "catalog: %s \"%s\" (tree %u) has no tree in the directory",
					    r->type == 1 ? "table" : r->type == 3 ? "index" : "long-value tree",
					    r->name, r->id);
		}
	}
	qsort(named, nnamed, sizeof(*named), cmp_u32);
	qsort(tables, ntables, sizeof(*tables), cmp_u32);
	for (size_t i = 0; i < nrows; i++) {
		const ju_catrow *r = &rows[i];
		if (r->type != 1 && !bsearch(&r->objid_table, tables, ntables, sizeof(*tables), cmp_u32))
			add_problem(c, 0, "catalog: \"%s\" (type %u) belongs to table %u, which does not exist",
				    r->name, r->type, r->objid_table);
	}
	for (size_t i = 0; i < n; i++)
		if (ents[i].objid >= OBJID_FIRST_USER &&
		    !bsearch(&ents[i].objid, named, nnamed, sizeof(*named), cmp_u32))
			add_problem(c, ents[i].root, "tree %u (root %u) is not named by the catalog",
				    ents[i].objid, ents[i].root);
done:
	free(named);
	free(tables);
	free(rows);
}

/* Step 4: every covered page is exactly one of free, list, used. */
static void check_space(checker *c)
{
	uint32_t run_first = 0, run_n = 0, nleaked = 0, first_leaked = 0;
	for (uint32_t pg = DB_FIRST_DATA_PAGE; pg <= c->covered; pg++) {
		bool leaked = false;
		if (pg < c->covered && pg < c->npages) {
			uint8_t f = c->pg[pg];
			c->free_pages += !!(f & PG_FREE);
			c->list_pages += !!(f & PG_LIST);
			c->used_pages += !!(f & PG_USED);
			if ((f & PG_FREE) && (f & PG_LIST))
				add_problem(c, pg, "free list page lists itself as free");
			leaked = !(f & (PG_FREE | PG_LIST | PG_USED));
		}
		if (leaked && c->damaged) {
			/* A damaged tree hides its pages: one line, not thousands. */
			if (!nleaked++)
				first_leaked = pg;
			continue;
		}
		if (leaked) {
			if (!run_n)
				run_first = pg;
			run_n++;
			continue;
		}
		if (run_n == 1)
			add_problem(c, run_first, "leaked: neither free nor used by any tree");
		else if (run_n)
			add_problem(c, run_first, "pages %u-%u (%u) leaked: neither free nor used",
				    run_first, run_first + run_n - 1, run_n);
		run_n = 0;
	}
	if (nleaked)
		add_problem(c, first_leaked,
			    "%u pages from here on are neither free nor reached (a damaged tree above "
			    "hides its pages, so leaks are not told apart)",
			    nleaked);
}

static int cmp_prob(const void *a, const void *b)
{
	const problem *x = a, *y = b;
	return x->pgno < y->pgno ? -1 : x->pgno > y->pgno;
}

int ju_check_db(const char *path, int json, int verbose)
{
	checker c;
	memset(&c, 0, sizeof(c));
	c.path = path;
	c.verbose = verbose;
	int rc = JU_OK;
	dir_ent *ents = NULL;
	size_t nents = 0;

	JET_ERR err = ju_db_open(path, 16, &c.d);
	if (err < 0) {
		if (err == JET_errDatabaseCorrupted) {
			if (json) {
				printf("{\"database\":");
				ju_json_str(stdout, path);
				printf(",\"ok\":false,\"problems\":[{\"page\":0,"
				       "\"what\":\"both header pages are damaged\"}]}\n");
			}
			else
				printf("%s: both header pages are damaged\n", path);
			return JU_PROBLEMS;
		}
		if (err == JET_errDatabaseLocked)
			ju_err("%s: in use by a running engine (locked); check it through the mount's "
			       ".backup/ copy, or stop the engine",
			       path);
		else
			ju_jet_err(err, "%s", path);
		return JU_ERROR;
	}
	/* Serve the trees from a mapping of the file; else a bounded cache. */
	c.map_len = (size_t)c.d.file_pages * c.d.page_size;
	int mfd = open(path, O_RDONLY | O_CLOEXEC);
	if (mfd >= 0 && c.map_len > 0) {
		void *m = mmap(NULL, c.map_len, PROT_READ, MAP_SHARED, mfd, 0);
		if (m != MAP_FAILED)
			c.map = m;
	}
	if (mfd >= 0)
		close(mfd);
	jcache_destroy(c.d.cache);
	c.d.cache = NULL;
	if (c.map)
		err = jcache_create_mapped(c.d.file, c.map, c.d.file_pages, &c.d.cache);
	else
		err = jcache_create(c.d.file,
				    (uint32_t)JET_MIN((uint64_t)c.d.file_pages + 256,
						      (256ull << 20) / c.d.page_size),
				    &c.d.cache);
	if (err < 0) {
		ju_jet_err(err, "%s: page cache", path);
		if (c.map)
			munmap(c.map, c.map_len);
		ju_db_close(&c.d);
		return JU_ERROR;
	}
	c.npages = c.d.file_pages;
	c.covered = c.d.hdr.page_count;
	c.pg = calloc(c.npages + 1, 1);
	c.owner = calloc(c.npages + 1, sizeof(*c.owner));
	if (!c.pg || !c.owner) {
		ju_err("out of memory");
		rc = JU_ERROR;
		goto done;
	}
	if (c.d.hdr.dir_root == 0 && c.d.hdr.ckpt_version == 0) {
		/* Created, never checkpointed: there is no tree to check. */
		if (json) {
			printf("{\"database\":");
			ju_json_str(stdout, path);
			printf(",\"ok\":true,\"state\":\"%s\",\"checkpoint_version\":0,\"problems\":[]}\n",
			       ju_state_name(c.d.hdr.state));
		} else
			printf("%s: never checkpointed (state %s): nothing to check\n", path,
			       ju_state_name(c.d.hdr.state));
		goto done;
	}
	if (c.covered > c.npages)
		add_problem(&c, c.npages, "file is shorter than the checkpoint: %u pages, header says %u",
			    c.npages, c.covered);
	check_free_list(&c);
	if ((c.map ? check_checksums_mapped(&c) : check_checksums_read(&c)) < 0) {
		rc = JU_ERROR;
		goto done;
	}
	check_trees(&c, &ents, &nents);
	check_catalog(&c, ents, nents);
	check_space(&c);

	if (c.nprobs)
		qsort(c.probs, c.nprobs, sizeof(*c.probs), cmp_prob);
	bool dirty = c.d.hdr.state == JET_dbstateDirtyShutdown;
	if (json) {
		printf("{\"database\":");
		ju_json_str(stdout, path);
		printf(",\"ok\":%s,\"state\":\"%s\",\"page_size\":%u,\"pages\":%u,"
		       "\"checkpoint_pages\":%u,\"checkpoint_version\":%llu,\"trees\":%llu,"
		       "\"entries\":%llu,\"used_pages\":%llu,\"free_pages\":%llu,"
		       "\"freelist_pages\":%llu,\"unreadable_free_pages\":%llu,\"problems\":[",
		       c.nprobs ? "false" : "true", ju_state_name(c.d.hdr.state), c.d.page_size,
		       c.npages, c.covered, (unsigned long long)c.d.hdr.ckpt_version,
		       (unsigned long long)c.trees, (unsigned long long)c.entries,
		       (unsigned long long)c.used_pages, (unsigned long long)c.free_pages,
		       (unsigned long long)c.list_pages, (unsigned long long)c.badsum_free);
		for (size_t i = 0; i < c.nprobs; i++) {
			printf("%s{\"page\":%u,\"what\":", i ? "," : "", c.probs[i].pgno);
			ju_json_str(stdout, c.probs[i].what);
			printf("}");
		}
		printf("]}\n");
	} else {
		if (dirty)
			printf("%s: dirty shutdown: the log holds later commits (jetutil recover); "
			       "checked the last checkpoint (version %llu)\n",
			       path, (unsigned long long)c.d.hdr.ckpt_version);
		for (size_t i = 0; i < c.nprobs; i++)
			printf("page %u: %s\n", c.probs[i].pgno, c.probs[i].what);
		if (c.nprobs || verbose)
			printf("%s: %zu problem%s; %u pages of %u bytes, %llu trees, %llu entries, "
			       "%llu used, %llu free, %llu free-list pages\n",
			       path, c.nprobs, c.nprobs == 1 ? "" : "s", c.npages, c.d.page_size,
			       (unsigned long long)c.trees, (unsigned long long)c.entries,
			       (unsigned long long)c.used_pages, (unsigned long long)c.free_pages,
			       (unsigned long long)c.list_pages);
	}
	rc = c.nprobs ? JU_PROBLEMS : JU_OK;
done:
	for (size_t i = 0; i < c.nprobs; i++)
		free(c.probs[i].what);
	free(c.probs);
	free(ents);
	free(c.pg);
	free(c.owner);
	ju_db_close(&c.d); /* the mapped cache first, then its mapping */
	if (c.map)
		munmap(c.map, c.map_len);
	return rc;
}

static void check_usage(FILE *f)
{
	fprintf(f, "usage: jetutil check [--json] [-v] DATABASE\n"
		   "Verifies, offline and without recovery, the last checkpoint of DATABASE:\n"
		   "every page checksum, every B+tree, the catalog against the trees, and the\n"
		   "space accounting. Exit 0: healthy; 1: problems (one line each, by page);\n"
		   "2: usage; 4: error.\n");
}

int ju_cmd_check(int argc, char **argv)
{
	int json = 0, verbose = 0;
	const char *db = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			check_usage(stdout);
			return JU_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = 1;
		} else if (argv[i][0] == '-' || db) {
			check_usage(stderr);
			return JU_USAGE;
		} else {
			db = argv[i];
		}
	}
	if (!db) {
		check_usage(stderr);
		return JU_USAGE;
	}
	return ju_check_db(db, json, verbose);
}
