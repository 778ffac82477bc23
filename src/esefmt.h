/*
 * esefmt.h - a read-only reader of databases written by Microsoft's own ESE
 * (ESENT): SRUDB.dat, ntds.dit, Windows.edb, qmgr.db, *.mdb ...
 *
 * This module is the ESE on-disk format and nothing else: file header and
 * its shadow copy, checksummed pages (the old XOR form and the XOR+ECC form,
 * including the four-block layout of 16/32 KiB pages), page tags, B+tree
 * branch and leaf pages with key prefix compression, the catalog
 * (MSysObjects), records (fixed, variable, tagged, multi-valued), long
 * values from a table's LV tree, and the compressed value forms (7-bit
 * ASCII/Unicode, XPRESS). docs/ese-format.md says what is read and what
 * is not.
 *
 * Memory is bounded: pages are read on demand through the OS layer into a
 * small page cache (ESE_CACHE_PAGES frames); a cursor holds a copy of one
 * leaf page; a long value is assembled only when it is asked for. Nothing
 * grows with the file.
 *
 * Every page is verified before use. A checksum that does not match is
 * JET_errReadVerifyFailure; a structure that does not hold (a tag outside
 * its page, a tree that loops, a record whose offsets run past its end) is
 * JET_errDatabaseCorrupted. Nothing here writes.
 *
 * Thread safety: an ese_db may be shared by threads (the page cache is
 * locked); a cursor belongs to one thread at a time.
 */
#ifndef JET_ESEFMT_H
#define JET_ESEFMT_H

#include "jet_common.h"
#include "os.h"

#define ESE_CACHE_PAGES 64

typedef struct ese_db ese_db;
typedef struct ese_cursor ese_cursor;

typedef struct ese_info {
	uint32_t format_version;  /* 0x620 */
	uint32_t format_revision; /* e.g. 0x14, 0x6e */
	uint32_t page_size;
	uint32_t state;       /* JET_dbstate*: 2 dirty, 3 clean */
	uint32_t page_count;  /* data pages in the file (after the two headers) */
	bool from_shadow;     /* the primary header was damaged; the shadow was used */
	uint64_t db_time;
} ese_info;

typedef struct ese_column {
	uint32_t id;       /* 1..127 fixed, 128..255 variable, 256.. tagged */
	uint32_t coltyp;   /* JET_coltyp* */
	uint32_t cbmax;    /* SpaceUsage */
	uint32_t flags;    /* JET_bitColumn* */
	uint32_t codepage; /* 1200 = UTF-16LE, else single-byte */
	char name[JET_cbNameMost + 1];
} ese_column;

typedef struct ese_index {
	uint32_t objid;
	uint32_t pgno_fdp;
	uint32_t flags; /* JET_bitIndex* */
	uint32_t ncols;
	uint32_t colids[JET_ccolKeyMost];
	bool descending[JET_ccolKeyMost];
	char name[JET_cbNameMost + 1];
} ese_index;

typedef struct ese_table {
	uint32_t objid;
	uint32_t pgno_fdp;  /* root of the table's (primary) tree */
	uint32_t lv_pgno;   /* root of its long-value tree, 0 if none */
	uint32_t lv_objid;
	uint32_t flags;
	char name[JET_cbNameMost + 1];
	char template_name[JET_cbNameMost + 1];
	uint32_t ncols;
	ese_column *cols;   /* sorted by id */
	uint32_t nidx;
	ese_index *idx;
	/* Byte offset of each fixed column's data in a record (index = id). */
	uint32_t fixed_off[128];
	uint32_t fixed_len[128];
} ese_table;

/* True when the bytes look like an ESE database header (signature
 * 0x89abcdef at offset 4); used to choose this reader for a file. */
bool ese_is_ese_header(const void *first8, size_t cb);
/* Reads the first bytes of path and says whether it is an ESE file. */
JET_ERR ese_probe(os_vfs *vfs, const char *path, bool *pfIsEse);

/* Opens path read-only, verifies the header (falls back to the shadow copy),
 * reads the catalog. Neither header valid: JET_errDatabaseCorrupted. */
JET_ERR ese_open(os_vfs *vfs, const char *path, ese_db **out);
void ese_close(ese_db *db);
const ese_info *ese_db_info(const ese_db *db);
uint32_t ese_info_page_size(const ese_db *db);

uint32_t ese_table_count(const ese_db *db);
const ese_table *ese_table_at(const ese_db *db, uint32_t i);
/* Exact (case-sensitive, then case-insensitive) name match;
 * JET_errObjectNotFound when absent. */
JET_ERR ese_table_find(const ese_db *db, const char *name, const ese_table **out);
const ese_column *ese_column_find(const ese_table *t, uint32_t colid);
const ese_column *ese_column_find_name(const ese_table *t, const char *name);
/* The primary index (JET_bitIndexPrimary), or NULL. */
const ese_index *ese_primary_index(const ese_table *t);

/* Reads and verifies page pgno (a data page number, as ESE counts them:
 * file offset (pgno + 1) * page_size) into buf (page_size bytes). A page of
 * zeros (never written) is reported through *pfEmpty and is not an error. */
JET_ERR ese_read_page(ese_db *db, uint32_t pgno, void *buf, bool *pfEmpty);
/* Verifies every page of the file; counts pages that fail. */
JET_ERR ese_verify_all(ese_db *db, uint32_t *pcPages, uint32_t *pcBad, uint32_t *pfirstBad);

/* Cursors walk a table's primary tree in key order. */
JET_ERR ese_cursor_open(ese_db *db, const ese_table *t, ese_cursor **out);
void ese_cursor_close(ese_cursor *c);
/* JET_errNoCurrentRecord when there is no such record. */
JET_ERR ese_cursor_first(ese_cursor *c);
JET_ERR ese_cursor_last(ese_cursor *c);
JET_ERR ese_cursor_next(ese_cursor *c);
JET_ERR ese_cursor_prev(ese_cursor *c);
/* Positions on the first record whose primary key (ESE's normalized
 * form, as stored) is >= key; JET_errRecordNotFound past the end. */
JET_ERR ese_cursor_seek(ese_cursor *c, const void *key, size_t cb);
/* The current record's normalized key and raw record bytes. */
JET_ERR ese_cursor_key(ese_cursor *c, const void **pv, size_t *pcb);
JET_ERR ese_cursor_record(ese_cursor *c, const void **pv, size_t *pcb);

/* Value itag (1-based) of column colid in the current record, decompressed
 * and with long values fetched. *pv stays valid until the next call on c.
 * Absent/NULL: JET_wrnColumnNull with *pcb = 0. */
JET_ERR ese_cursor_value(ese_cursor *c, uint32_t colid, uint32_t itag, const void **pv,
			 size_t *pcb);
/* Number of values (0 when NULL) of colid in the current record. */
JET_ERR ese_cursor_value_count(ese_cursor *c, uint32_t colid, uint32_t *pcount);

/* Decompression of ESE's compressed column forms (exposed for tests):
 * header byte >> 3 = 1 (7-bit ASCII), 2 (7-bit Unicode), 3 (XPRESS). The
 * result is malloc'd into *pout. Unknown form: JET_errDecompressionFailed if
 * defined, else JET_errDatabaseCorrupted. */
JET_ERR ese_decompress(const uint8_t *in, size_t cb, uint8_t **pout, size_t *pcbOut);
/* Plain LZ77 XPRESS (MS-XCA 2.4) into out[cbOutMax]: *pcbOut bytes. */
JET_ERR ese_xpress_decode(const uint8_t *in, size_t cb, uint8_t *out, size_t cbOutMax,
			  size_t *pcbOut);

/* The two checksum forms, exposed for tests: the 64-bit XOR+ECC of a block
 * (header_block: its first 8 bytes are the checksum itself and count as 0),
 * and the old 32-bit XOR of a block. */
uint64_t ese_checksum_ecc(const uint8_t *pb, uint32_t cb, uint32_t pgno, bool header_block);
uint32_t ese_checksum_xor(const uint8_t *pb, uint32_t cb);

const char *ese_coltyp_name(uint32_t coltyp);

#endif
