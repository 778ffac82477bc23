/*
 * dbfile.c - the database file: two header copies and checksummed pages.
 *
 * Rules:
 *  1. Every page image that leaves this module was verified: its checksum
 *     (CRC-32C over the page number ++ bytes 4..end) matches, its pgno field
 *     is the page it was read from, and its type is not PAGE_TYPE_FREE (so a
 *     page of zeros, e.g. a hole left by a crash after a file extension,
 *     never passes).
 *  2. The header is never overwritten in place of the copy that is current:
 *     header seq s lives in copy (s & 1), the next write (s + 1) goes to the
 *     other copy and is synced before returning. A torn header write thus
 *     damages only the copy that was not the newest, and open falls back to
 *     the other one.
 *  3. The page size is read from copy 0. If copy 0 is damaged, copy 1 is
 *     probed at each legal page size (it starts at offset page_size); a copy
 *     counts only when its own page_size field equals the size it was found
 *     at, so a stray match at the wrong offset cannot be taken.
 *  4. The file length is always a whole number of pages; it grows by
 *     truncate-up (dbfile_extend, sized by the space module) and pages are
 *     only written below it.
 *
 * Header page layout (little-endian), after the 24-byte common page header
 * (checksum, pgno = 0 or 1, stamp 0, objid 0, type PAGE_TYPE_HEADER):
 *
 *   offset size field
 *       24    8 magic "JETFSDB1"
 *       32    4 format_version (DB_FORMAT_VERSION)
 *       36    4 page_size
 *       40    8 seq (copy = seq & 1)
 *       48    4 state (JET_dbstate*)
 *       52    4 reserved, zero
 *       56   16 signature
 *       72    8 create_time
 *       80    8 ckpt_version
 *       88    8 ckpt_lsn
 *       96    4 dir_root
 *      100    4 freelist_head
 *      104    4 page_count
 *      108    4 next_objid
 *      112    8 next_stamp
 *      120    8 ckpt_time
 *      128    8 last_commit_time
 *      136  ... zero up to the end of the page
 */
#include <pthread.h>
#include <stdatomic.h>

#include "crc32c.h"
#include "dbfile.h"

#define HDR_OFF_MAGIC 24
#define HDR_OFF_FORMAT 32
#define HDR_OFF_PAGE_SIZE 36
#define HDR_OFF_SEQ 40
#define HDR_OFF_STATE 48
#define HDR_OFF_RESERVED 52
#define HDR_OFF_SIGNATURE 56
#define HDR_OFF_CREATE_TIME 72
#define HDR_OFF_CKPT_VERSION 80
#define HDR_OFF_CKPT_LSN 88
#define HDR_OFF_DIR_ROOT 96
#define HDR_OFF_FREELIST_HEAD 100
#define HDR_OFF_PAGE_COUNT 104
#define HDR_OFF_NEXT_OBJID 108
#define HDR_OFF_NEXT_STAMP 112
#define HDR_OFF_CKPT_TIME 120
#define HDR_OFF_LAST_COMMIT_TIME 128
#define HDR_BODY_END 136

struct dbfile {
	os_vfs *vfs;
	os_file *file;
	char *path;
	uint32_t page_size;
	bool readonly;
	/* Read by cache threads without a lock (bounds check of reads) while
	 * the space module extends the file. */
	_Atomic uint32_t page_count;
	/* Serializes size changes and header writes; page I/O needs no lock. */
	pthread_mutex_t mu;
	uint64_t seq; /* highest header seq on disk */
};

static bool page_size_valid(uint32_t ps)
{
	return ps >= DB_PAGE_SIZE_MIN && ps <= DB_PAGE_SIZE_MAX && (ps & (ps - 1)) == 0;
}

static uint32_t page_checksum_compute(const void *page, uint32_t pgno, uint32_t page_size)
{
	uint8_t pn[4];
	put_le32(pn, pgno);
	uint32_t crc = crc32c(pn, sizeof pn);
	return crc32c_extend(crc, (const uint8_t *)page + 4, page_size - 4);
}

void page_checksum_set(void *page, uint32_t page_size)
{
	assert(page && page_size_valid(page_size));
	uint32_t pgno = get_le32((uint8_t *)page + PAGE_OFF_PGNO);
	put_le32((uint8_t *)page + PAGE_OFF_CHECKSUM, page_checksum_compute(page, pgno, page_size));
}

bool page_checksum_ok(const void *page, uint32_t pgno, uint32_t page_size)
{
	if (!page || !page_size_valid(page_size))
		return false;
	const uint8_t *p = page;
	if (get_le32(p + PAGE_OFF_PGNO) != pgno || p[PAGE_OFF_TYPE] == PAGE_TYPE_FREE)
		return false;
	return get_le32(p + PAGE_OFF_CHECKSUM) == page_checksum_compute(page, pgno, page_size);
}

static void header_serialize(const db_header *h, uint32_t copy, uint32_t page_size, uint8_t *p)
{
	memset(p, 0, page_size);
	put_le32(p + PAGE_OFF_PGNO, copy);
	p[PAGE_OFF_TYPE] = PAGE_TYPE_HEADER;
	memcpy(p + HDR_OFF_MAGIC, DB_MAGIC, 8);
	put_le32(p + HDR_OFF_FORMAT, h->format_version);
	put_le32(p + HDR_OFF_PAGE_SIZE, h->page_size);
	put_le64(p + HDR_OFF_SEQ, h->seq);
	put_le32(p + HDR_OFF_STATE, h->state);
	memcpy(p + HDR_OFF_SIGNATURE, h->signature, sizeof h->signature);
	put_le64(p + HDR_OFF_CREATE_TIME, h->create_time);
	put_le64(p + HDR_OFF_CKPT_VERSION, h->ckpt_version);
	put_le64(p + HDR_OFF_CKPT_LSN, h->ckpt_lsn);
	put_le32(p + HDR_OFF_DIR_ROOT, h->dir_root);
	put_le32(p + HDR_OFF_FREELIST_HEAD, h->freelist_head);
	put_le32(p + HDR_OFF_PAGE_COUNT, h->page_count);
	put_le32(p + HDR_OFF_NEXT_OBJID, h->next_objid);
	put_le64(p + HDR_OFF_NEXT_STAMP, h->next_stamp);
	put_le64(p + HDR_OFF_CKPT_TIME, h->ckpt_time);
	put_le64(p + HDR_OFF_LAST_COMMIT_TIME, h->last_commit_time);
	page_checksum_set(p, page_size);
}

static void header_parse(const uint8_t *p, db_header *h)
{
	memset(h, 0, sizeof *h);
	h->format_version = get_le32(p + HDR_OFF_FORMAT);
	h->page_size = get_le32(p + HDR_OFF_PAGE_SIZE);
	h->seq = get_le64(p + HDR_OFF_SEQ);
	h->state = get_le32(p + HDR_OFF_STATE);
	memcpy(h->signature, p + HDR_OFF_SIGNATURE, sizeof h->signature);
	h->create_time = get_le64(p + HDR_OFF_CREATE_TIME);
	h->ckpt_version = get_le64(p + HDR_OFF_CKPT_VERSION);
	h->ckpt_lsn = get_le64(p + HDR_OFF_CKPT_LSN);
	h->dir_root = get_le32(p + HDR_OFF_DIR_ROOT);
	h->freelist_head = get_le32(p + HDR_OFF_FREELIST_HEAD);
	h->page_count = get_le32(p + HDR_OFF_PAGE_COUNT);
	h->next_objid = get_le32(p + HDR_OFF_NEXT_OBJID);
	h->next_stamp = get_le64(p + HDR_OFF_NEXT_STAMP);
	h->ckpt_time = get_le64(p + HDR_OFF_CKPT_TIME);
	h->last_commit_time = get_le64(p + HDR_OFF_LAST_COMMIT_TIME);
}

/* Reads header copy `copy` assuming page size ps. *pvalid says whether it
 * passed every check; *pmagic whether it at least looked like ours (to tell
 * a damaged database from a file that is not one). Only I/O errors fail. */
static JET_ERR header_try(os_file *file, uint64_t file_size, uint32_t copy, uint32_t ps,
			  uint8_t *buf, db_header *h, bool *pvalid, bool *pmagic)
{
	*pvalid = false;
	uint64_t off = (uint64_t)copy * ps;
	if (off + ps > file_size)
		return JET_errSuccess;
	CallR(os_read_exact(file, off, buf, ps));
	if (memcmp(buf + HDR_OFF_MAGIC, DB_MAGIC, 8) != 0)
		return JET_errSuccess;
	*pmagic = true;
	if (!page_checksum_ok(buf, copy, ps) || buf[PAGE_OFF_TYPE] != PAGE_TYPE_HEADER)
		return JET_errSuccess;
	header_parse(buf, h);
	/* The seq decides the slot; a copy found in the other slot is stale
	 * garbage that happens to checksum (it cannot, short of a bug). */
	if (h->page_size != ps || (h->seq & 1) != copy)
		return JET_errSuccess;
	*pvalid = true;
	return JET_errSuccess;
}

static JET_ERR dbfile_alloc(os_vfs *vfs, const char *path, dbfile **out)
{
	dbfile *f = jet_calloc(1, sizeof *f);
	if (!f)
		return JET_errOutOfMemory;
	f->path = jet_strdup(path);
	if (!f->path) {
		jet_free(f);
		return JET_errOutOfMemory;
	}
	if (pthread_mutex_init(&f->mu, NULL) != 0) {
		jet_free(f->path);
		jet_free(f);
		return JET_errOutOfMemory;
	}
	f->vfs = vfs;
	*out = f;
	return JET_errSuccess;
}

static void dbfile_free(dbfile *f)
{
	if (f->file)
		(void)os_close(f->file);
	pthread_mutex_destroy(&f->mu);
	jet_free(f->path);
	jet_free(f);
}

/* Syncs the directory holding path, so a newly created file's name lasts. */
static JET_ERR sync_parent_dir(os_vfs *vfs, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return vfs->sync_dir(vfs, ".");
	if (slash == path)
		return vfs->sync_dir(vfs, "/");
	size_t n = (size_t)(slash - path);
	char *dir = jet_malloc(n + 1);
	if (!dir)
		return JET_errOutOfMemory;
	memcpy(dir, path, n);
	dir[n] = '\0';
	JET_ERR err = vfs->sync_dir(vfs, dir);
	jet_free(dir);
	return err;
}

/* Writes header copy (seq & 1) with the given seq and syncs. */
static JET_ERR header_write_copy(dbfile *f, const db_header *hdr, uint64_t seq)
{
	JET_ERR err = JET_errSuccess;
	db_header h = *hdr;
	uint32_t copy = (uint32_t)(seq & 1);
	uint8_t *buf = jet_malloc(f->page_size);
	if (!buf)
		return JET_errOutOfMemory;
	h.seq = seq;
	h.page_size = f->page_size;
	header_serialize(&h, copy, f->page_size, buf);
	Call(os_write(f->file, (uint64_t)copy * f->page_size, buf, f->page_size));
	Call(os_sync(f->file));
HandleError:
	jet_free(buf);
	return err;
}

JET_ERR dbfile_create(os_vfs *vfs, const char *path, const db_header *hdr, bool overwrite,
		      dbfile **out)
{
	JET_ERR err = JET_errSuccess;
	dbfile *f = NULL;
	bool exists = false;

	if (!vfs || !path || !*path || !hdr || !out)
		return JET_errInvalidParameter;
	*out = NULL;
	if (!page_size_valid(hdr->page_size) || hdr->format_version != DB_FORMAT_VERSION)
		return JET_errInvalidParameter;

	Call(dbfile_alloc(vfs, path, &f));
	f->page_size = hdr->page_size;
	if (!overwrite) {
		Call(vfs->exists(vfs, path, &exists));
		if (exists)
			Error(JET_errDatabaseDuplicate);
	}
	/* Truncate only under an exclusive lock: overwriting a database someone
	 * else has open would pull the file from under them. Once the new file
	 * is complete the lock drops to shared, as for a non-exclusive open. */
	Call(os_open(vfs, path, OS_OPEN_CREATE | (overwrite ? 0 : OS_OPEN_EXCL), &f->file));
	Call(os_lock(f->file, true));
	Call(os_truncate(f->file, 0));
	Call(os_truncate(f->file, (uint64_t)DB_FIRST_DATA_PAGE * f->page_size));
	f->page_count = DB_FIRST_DATA_PAGE;
	/* Both copies, so either can serve after a later torn write. */
	Call(header_write_copy(f, hdr, 0));
	Call(header_write_copy(f, hdr, 1));
	f->seq = 1;
	Call(sync_parent_dir(vfs, path));
	Call(os_lock(f->file, false));
	*out = f;
	return JET_errSuccess;

HandleError:
	if (f)
		dbfile_free(f);
	return err;
}

JET_ERR dbfile_open(os_vfs *vfs, const char *path, bool readonly, bool exclusive, dbfile **out,
		    db_header *hdr)
{
	JET_ERR err = JET_errSuccess;
	dbfile *f = NULL;
	uint8_t *buf = NULL;
	uint64_t size = 0;
	db_header h0, h1;
	bool valid0 = false, valid1 = false, magic = false;

	if (!vfs || !path || !*path || !out || !hdr)
		return JET_errInvalidParameter;
	*out = NULL;

	Call(dbfile_alloc(vfs, path, &f));
	f->readonly = readonly;
	Call(os_open(vfs, path, readonly ? OS_OPEN_READONLY : 0, &f->file));
	/* Non-exclusive openers take a shared lock so an exclusive one is
	 * refused while they are in, and they while it is. */
	Call(os_lock(f->file, exclusive));
	Call(os_size(f->file, &size));

	buf = jet_malloc(DB_PAGE_SIZE_MAX);
	if (!buf)
		Error(JET_errOutOfMemory);

	if (size >= DB_PAGE_SIZE_MIN) {
		Call(os_read_exact(f->file, 0, buf, DB_PAGE_SIZE_MIN));
		uint32_t ps = get_le32(buf + HDR_OFF_PAGE_SIZE);
		if (page_size_valid(ps))
			Call(header_try(f->file, size, 0, ps, buf, &h0, &valid0, &magic));
		else if (memcmp(buf + HDR_OFF_MAGIC, DB_MAGIC, 8) == 0)
			magic = true;
	}
	if (valid0) {
		Call(header_try(f->file, size, 1, h0.page_size, buf, &h1, &valid1, &magic));
	} else {
		for (uint32_t ps = DB_PAGE_SIZE_MIN; ps <= DB_PAGE_SIZE_MAX && !valid1; ps *= 2)
			Call(header_try(f->file, size, 1, ps, buf, &h1, &valid1, &magic));
	}

	if (!valid0 && !valid1)
		Error(magic ? JET_errDatabaseCorrupted : JET_errInvalidDatabase);
	const db_header *best = !valid1 ? &h0 : !valid0 ? &h1 : h0.seq > h1.seq ? &h0 : &h1;
	if (best->format_version != DB_FORMAT_VERSION)
		Error(JET_errInvalidDatabase);

	f->page_size = best->page_size;
	f->seq = best->seq;
	f->page_count = (uint32_t)JET_MIN(size / f->page_size, (uint64_t)UINT32_MAX);
	*hdr = *best;
	*out = f;
	jet_free(buf);
	return JET_errSuccess;

HandleError:
	jet_free(buf);
	if (f)
		dbfile_free(f);
	return err;
}

void dbfile_close(dbfile *f)
{
	if (f)
		dbfile_free(f);
}

uint32_t dbfile_page_size(const dbfile *f)
{
	return f ? f->page_size : 0;
}

uint32_t dbfile_page_count(const dbfile *f)
{
	return f ? atomic_load_explicit(&((dbfile *)f)->page_count, memory_order_acquire) : 0;
}

const char *dbfile_path(const dbfile *f)
{
	return f ? f->path : NULL;
}

bool dbfile_readonly(const dbfile *f)
{
	return f ? f->readonly : true;
}

os_file *dbfile_os_file(dbfile *f)
{
	return f ? f->file : NULL;
}

JET_ERR dbfile_read_page(dbfile *f, uint32_t pgno, void *buf)
{
	if (!f || !buf)
		return JET_errInvalidParameter;
	if (pgno >= dbfile_page_count(f))
		return JET_errFileIOBeyondEOF;
	CallR(os_read_exact(f->file, (uint64_t)pgno * f->page_size, buf, f->page_size));
	if (!page_checksum_ok(buf, pgno, f->page_size)) {
		/* Never hand out bytes that failed: a caller ignoring the error
		 * must not see plausible-looking data. */
		memset(buf, 0, f->page_size);
		return JET_errReadVerifyFailure;
	}
	return JET_errSuccess;
}

JET_ERR dbfile_write_page(dbfile *f, uint32_t pgno, void *buf)
{
	if (!f || !buf || pgno < DB_FIRST_DATA_PAGE)
		return JET_errInvalidParameter;
	if (f->readonly)
		return JET_errDatabaseFileReadOnly;
	if (pgno >= dbfile_page_count(f))
		return JET_errFileIOBeyondEOF;
	put_le32((uint8_t *)buf + PAGE_OFF_PGNO, pgno);
	page_checksum_set(buf, f->page_size);
	return os_write(f->file, (uint64_t)pgno * f->page_size, buf, f->page_size);
}

JET_ERR dbfile_write_header(dbfile *f, db_header *hdr)
{
	JET_ERR err = JET_errSuccess;
	if (!f || !hdr)
		return JET_errInvalidParameter;
	if (f->readonly)
		return JET_errDatabaseFileReadOnly;
	if (hdr->page_size != f->page_size || hdr->format_version != DB_FORMAT_VERSION)
		return JET_errInvalidParameter;
	pthread_mutex_lock(&f->mu);
	/* Our own seq is authoritative: a caller holding a stale copy of the
	 * header must still not overwrite the newest copy on disk. */
	Call(header_write_copy(f, hdr, f->seq + 1));
	f->seq++;
	hdr->seq = f->seq;
HandleError:
	pthread_mutex_unlock(&f->mu);
	return err;
}

JET_ERR dbfile_sync(dbfile *f)
{
	if (!f)
		return JET_errInvalidParameter;
	if (f->readonly)
		return JET_errSuccess;
	return os_sync(f->file);
}

JET_ERR dbfile_extend(dbfile *f, uint32_t page_count)
{
	JET_ERR err = JET_errSuccess;
	if (!f)
		return JET_errInvalidParameter;
	if (f->readonly)
		return JET_errDatabaseFileReadOnly;
	pthread_mutex_lock(&f->mu);
	if (page_count > f->page_count) {
		Call(os_truncate(f->file, (uint64_t)page_count * f->page_size));
		atomic_store_explicit(&f->page_count, page_count, memory_order_release);
	}
HandleError:
	pthread_mutex_unlock(&f->mu);
	return err;
}

JET_ERR dbfile_shrink(dbfile *f, uint32_t page_count)
{
	JET_ERR err = JET_errSuccess;
	if (!f || page_count < DB_FIRST_DATA_PAGE)
		return JET_errInvalidParameter;
	if (f->readonly)
		return JET_errDatabaseFileReadOnly;
	pthread_mutex_lock(&f->mu);
	if (page_count < f->page_count) {
		/* Lower the bound first so no reader goes past the new end. */
		atomic_store_explicit(&f->page_count, page_count, memory_order_release);
		Call(os_truncate(f->file, (uint64_t)page_count * f->page_size));
	}
HandleError:
	pthread_mutex_unlock(&f->mu);
	return err;
}
