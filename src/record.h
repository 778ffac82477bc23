/*
 * record.h - the byte layout of a record and the editing of one.
 *
 * Column ids follow ESE's ranges: fixed columns 1..127, variable columns
 * 128..255, tagged columns 256..65535 (JET_COLUMNID values handed to
 * programs are exactly these numbers).
 *
 * Layout (little-endian):
 *   u8  last fixed id present (0: none)
 *   u8  count of variable columns present (ids 128 .. 127+count)
 *   u16 offset of the tagged area from the record start
 *   fixed-column null bitmap, ceil(lastFixed/8) bytes (bit set = NULL)
 *   fixed data of columns 1..lastFixed, each at its schema offset
 *   u16 end offsets (relative to the start of variable data) per variable
 *       column present; bit 15 set = NULL
 *   variable data
 *   tagged area: entries sorted by (column id, occurrence): u16 column id,
 *       u16 flags (bit 0: zero-length non-null value), u32 length, bytes.
 *       A multi-valued column has one entry per value, in itagSequence
 *       order.
 * A record never exceeds rec_max_size(page_size) (JET_errRecordTooBig).
 *
 * Absent and NULL are the same: a column not stored reads as NULL
 * (JET_wrnColumnNull), which also makes columns added later read as NULL in
 * older records. Default values are the caller's business (record.c only
 * stores bytes).
 */
#ifndef JET_RECORD_H
#define JET_RECORD_H

#include "jet_common.h"

#define REC_FIXED_FIRST 1
#define REC_FIXED_LAST 127
#define REC_VAR_FIRST 128
#define REC_VAR_LAST 255
#define REC_TAGGED_FIRST 256
#define REC_TAGGED_LAST 65535

/* What record.c needs to know of one column. */
typedef struct rec_column {
	JET_COLUMNID columnid;
	JET_COLTYP coltyp;
	uint32_t cbMax;    /* 0: the type's maximum */
	JET_GRBIT grbit;   /* JET_bitColumn* */
	uint32_t ibFixed;  /* fixed columns: offset within the fixed data */
	uint32_t cbFixed;  /* fixed columns: size (from the type) */
} rec_column;

typedef struct rec_schema {
	const rec_column *cols; /* sorted by columnid */
	uint32_t ccols;
	uint32_t page_size;
} rec_schema;

/* Bytes of a fixed-size type (Bit 1, UnsignedByte 1, Short 2, Long 4,
 * Currency 8, IEEESingle 4, IEEEDouble 8, DateTime 8, UnsignedLong 4,
 * LongLong 8, GUID 16, UnsignedShort 2, UnsignedLongLong 8), 0 for the
 * variable-size types (Binary, Text, LongBinary, LongText). */
uint32_t rec_coltyp_fixed_size(JET_COLTYP coltyp);
/* Largest record for a page size. */
size_t rec_max_size(uint32_t page_size);

/*
 * Separated long values (lv.h). A LongText/LongBinary value stored out of
 * line is a tagged entry with flags bit 1 (REC_TAG_LVREF) whose bytes are a
 * reference: u64 LE long-value id, u64 LE total size, then the value's first
 * min(size, REC_LV_PREFIX) bytes (so index keys over long columns need no
 * long-value read). rec_retrieve and rec_edit_get hand out that prefix as
 * the value, which is what index keys want; the _ex forms return the raw
 * reference with *pflags = REC_TAG_LVREF.
 */
#define REC_TAG_LVREF 0x2u
#define REC_LVREF_HDR 16
#define REC_LV_PREFIX 256

/* Finds the itagSequence-th (1-based; 0 means 1) value of a column in an
 * encoded record, without copying: *ppv points into rec. NULL or no such
 * occurrence: JET_wrnColumnNull with *pcb = 0. Unknown column id:
 * JET_errColumnNotFound. A record whose structure is inconsistent:
 * JET_errDatabaseCorrupted. */
JET_ERR rec_retrieve(const rec_schema *s, const uint8_t *rec, size_t cbRec, JET_COLUMNID columnid,
		     unsigned long itagSequence, const void **ppv, size_t *pcb);
JET_ERR rec_retrieve_ex(const rec_schema *s, const uint8_t *rec, size_t cbRec,
			JET_COLUMNID columnid, unsigned long itagSequence, const void **ppv,
			size_t *pcb, uint32_t *pflags);
/* Iterates a record's tagged entries: *pib starts at 0; past the last:
 * JET_errNoCurrentRecord. */
JET_ERR rec_next_tagged(const uint8_t *rec, size_t cbRec, size_t *pib, JET_COLUMNID *pcolumnid,
			const void **ppv, size_t *pcb, uint32_t *pflags);
/* Number of non-NULL values of a column (0 or 1 unless multi-valued). */
JET_ERR rec_count_values(const rec_schema *s, const uint8_t *rec, size_t cbRec,
			 JET_COLUMNID columnid, unsigned long *pcValues);
/* Checks that an encoded record is well-formed for the schema. */
JET_ERR rec_validate(const rec_schema *s, const uint8_t *rec, size_t cbRec);

/* A record being built (JetPrepareUpdate .. JetUpdate). */
typedef struct rec_edit rec_edit;

/* Starts from an existing record (rec non-NULL) or an empty one. */
JET_ERR rec_edit_begin(const rec_schema *s, const uint8_t *rec, size_t cbRec, rec_edit **out);
void rec_edit_free(rec_edit *e);
/* Sets one value, ESE's way:
 *  - cb == 0 and no JET_bitSetZeroLength: sets NULL (for a multi-valued
 *    column: removes occurrence itagSequence);
 *  - itagSequence 0 on a tagged column: appends a new occurrence (an existing
 *    single value is replaced when the column is not multi-valued);
 *  - a fixed column takes exactly its size, else JET_errInvalidBufferSize;
 *  - Text/Binary longer than cbMax (or 255): JET_errInvalidBufferSize...
 *    (ESE returns JET_wrnColumnMaxTruncated for some; we refuse);
 *  - JET_bitSetAppendLV appends to the existing value; JET_bitSetOverwriteLV
 *    with ibLongValue writes at that offset; JET_bitSetSizeLV resizes;
 *  - JET_bitSetUniqueMultiValues: a value already present is
 *    JET_errMultiValuedDuplicate (-1525).
 * ibLongValue is JET_SETINFO's (0 when none). */
JET_ERR rec_edit_set(rec_edit *e, JET_COLUMNID columnid, unsigned long itagSequence,
		     const void *pv, size_t cb, JET_GRBIT grbit, unsigned long ibLongValue);
/* As rec_edit_set; flags REC_TAG_LVREF stores pv/cb as a reference (no LV
 * operation bits allowed). rec_edit_set (and every LV operation) on a
 * value that is a reference: JET_errInvalidParameter, unless it replaces
 * it with a plain value. */
JET_ERR rec_edit_set_ex(rec_edit *e, JET_COLUMNID columnid, unsigned long itagSequence,
			const void *pv, size_t cb, JET_GRBIT grbit, unsigned long ibLongValue,
			uint32_t flags);
/* As rec_retrieve, on the record being built. */
JET_ERR rec_edit_get(rec_edit *e, JET_COLUMNID columnid, unsigned long itagSequence,
		     const void **ppv, size_t *pcb);
JET_ERR rec_edit_get_ex(rec_edit *e, JET_COLUMNID columnid, unsigned long itagSequence,
			const void **ppv, size_t *pcb, uint32_t *pflags);
/* The i-th stored value of the edit (0-based, in column order); past the
 * last: JET_errNoCurrentRecord. */
JET_ERR rec_edit_slot(const rec_edit *e, uint32_t i, JET_COLUMNID *pcolumnid, const void **ppv,
		      size_t *pcb, uint32_t *pflags);
JET_ERR rec_edit_count_values(rec_edit *e, JET_COLUMNID columnid, unsigned long *pcValues);
/* Has the column been set since rec_edit_begin? */
bool rec_edit_column_changed(const rec_edit *e, JET_COLUMNID columnid);
/* Encodes; the buffer belongs to e and lives until the next call on e.
 * Larger than rec_max_size: JET_errRecordTooBig. */
JET_ERR rec_edit_encode(rec_edit *e, const uint8_t **prec, size_t *pcbRec);

#endif
