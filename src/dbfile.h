/*
 * dbfile.h - the database file: two header pages and checksummed pages.
 *
 * Layout: page 0 and page 1 are two copies of the header; data pages start
 * at page 2. Every page begins with the common page header below; its
 * checksum is CRC-32C over (the page number as 4 little-endian bytes) ++
 * (the page's bytes from offset 4 to the end), so a page written to the wrong
 * place fails verification as surely as a flipped bit. A page that fails is
 * JET_errReadVerifyFailure and its bytes are never handed out.
 *
 * The header is written to the two copies in turn (seq odd -> page 1, even ->
 * page 0), each write followed by a sync, so a torn header write leaves the
 * other copy intact; open takes the valid copy with the higher seq.
 */
#ifndef JET_DBFILE_H
#define JET_DBFILE_H

#include "jet_common.h"
#include "os.h"

#define DB_MAGIC "JETFSDB1"     /* 8 bytes at the start of the header body */
#define DB_FORMAT_VERSION 1
#define DB_PAGE_SIZE_MIN 4096
#define DB_PAGE_SIZE_MAX 32768
#define DB_PAGE_SIZE_DEFAULT 8192
#define DB_FIRST_DATA_PAGE 2

/* Common header at the start of every page (24 bytes, little-endian). */
#define PAGE_OFF_CHECKSUM 0 /* u32 */
#define PAGE_OFF_PGNO 4     /* u32 */
#define PAGE_OFF_STAMP 8    /* u64: writer epoch that created this page image (btree COW) */
#define PAGE_OFF_OBJID 16   /* u32: tree (object) the page belongs to, 0 if none */
#define PAGE_OFF_TYPE 20    /* u8: enum page_type */
#define PAGE_OFF_LEVEL 21   /* u8: b+tree level, 0 = leaf */
#define PAGE_OFF_FLAGS 22   /* u16: type-specific */
#define PAGE_HEADER_SIZE 24

enum page_type {
	PAGE_TYPE_FREE = 0, /* never valid on read */
	PAGE_TYPE_HEADER = 1,
	PAGE_TYPE_BTREE_LEAF = 2,
	PAGE_TYPE_BTREE_BRANCH = 3,
	PAGE_TYPE_OVERFLOW = 4, /* out-of-line part of a large b+tree value */
	PAGE_TYPE_FREELIST = 5, /* persisted free-extent list (space.c) */
};

/* Sets the checksum field of a page image whose pgno field is already set. */
void page_checksum_set(void *page, uint32_t page_size);
/* True when the checksum matches and the pgno field equals pgno. */
bool page_checksum_ok(const void *page, uint32_t pgno, uint32_t page_size);

/* The header, as the engine uses it. Serialized by dbfile.c. */
typedef struct db_header {
	uint32_t format_version;
	uint32_t page_size;
	uint64_t seq;            /* bumped on every header write */
	uint32_t state;          /* JET_dbstateJustCreated/DirtyShutdown/CleanShutdown */
	uint8_t signature[16];   /* random at creation: ties logs to this database */
	uint64_t create_time;    /* unix seconds */
	/* What the last checkpoint made durable: */
	uint64_t ckpt_version;   /* commit version captured */
	uint64_t ckpt_lsn;       /* log records at or after this are replayed */
	uint32_t dir_root;       /* root page of the tree directory at ckpt_version */
	uint32_t freelist_head;  /* first PAGE_TYPE_FREELIST page, 0 if none */
	uint32_t page_count;     /* pages in the file, headers included */
	uint32_t next_objid;     /* next tree id to hand out */
	uint64_t next_stamp;     /* page stamps handed out so far stay below this */
	uint64_t ckpt_time;      /* unix seconds of the checkpoint */
	uint64_t last_commit_time; /* unix nanoseconds of the last commit captured */
} db_header;

typedef struct dbfile dbfile;

/* Creates a new file (fails with JET_errDatabaseDuplicate if it exists unless
 * overwrite) of DB_FIRST_DATA_PAGE pages, writes both headers from *hdr (seq
 * set by dbfile), syncs file and directory. */
JET_ERR dbfile_create(os_vfs *vfs, const char *path, const db_header *hdr, bool overwrite,
		      dbfile **out);
/* Opens an existing file, reads both header copies, keeps the valid one with
 * the higher seq in *hdr. Neither valid: JET_errDatabaseCorrupted. Missing
 * file: JET_errFileNotFound. Not ours (bad magic): JET_errInvalidDatabase.
 * With exclusive, takes an exclusive lock (held: JET_errDatabaseLocked... the
 * caller maps to its own error). */
JET_ERR dbfile_open(os_vfs *vfs, const char *path, bool readonly, bool exclusive, dbfile **out,
		    db_header *hdr);
void dbfile_close(dbfile *f);

uint32_t dbfile_page_size(const dbfile *f);
uint32_t dbfile_page_count(const dbfile *f); /* current file length in pages */
const char *dbfile_path(const dbfile *f);
bool dbfile_readonly(const dbfile *f);
os_file *dbfile_os_file(dbfile *f); /* for backup reads */

/* Reads page pgno into buf (page_size bytes) and verifies it. Beyond the end
 * of file: JET_errFileIOBeyondEOF. Bad checksum: JET_errReadVerifyFailure. */
JET_ERR dbfile_read_page(dbfile *f, uint32_t pgno, void *buf);
/* Sets pgno and checksum in buf, then writes it. */
JET_ERR dbfile_write_page(dbfile *f, uint32_t pgno, void *buf);
/* Writes the header to the next copy (hdr->seq is incremented) and syncs. */
JET_ERR dbfile_write_header(dbfile *f, db_header *hdr);
JET_ERR dbfile_sync(dbfile *f);
/* Grows the file to page_count pages (never shrinks). */
JET_ERR dbfile_extend(dbfile *f, uint32_t page_count);
/* Shrinks the file (compaction); pages past page_count must be free. */
JET_ERR dbfile_shrink(dbfile *f, uint32_t page_count);

#endif
