/*
 * record.c - encoding, decoding and editing of records (see record.h).
 *
 * Byte layout (little-endian; offsets from the record start):
 *
 *   0        1        2                 4
 *   +--------+--------+-----------------+
 *   |lastFix | cVar   | ibTagged (u16)  |      header, REC_HDR bytes
 *   +--------+--------+-----------------+
 *   | null bitmap: ceil(lastFix/8) bytes, bit (id-1) set = NULL |
 *   +-----------------------------------------------------------+
 *   | fixed data: column f at ibFixed(f), fixedEnd bytes in all  |
 *   +-----------------------------------------------------------+
 *   | u16 end[cVar]: end of column 128+k within the var data;    |
 *   |     bit 15 set = NULL                                      |
 *   +-----------------------------------------------------------+
 *   | variable data: column 128+k is [end[k-1], end[k])          |
 *   +-----------------------------------------------------------+  <- ibTagged
 *   | tagged entries: u16 columnid | u16 flags | u32 cb | bytes  |
 *   | ... sorted by (columnid, itagSequence), to the record end  |
 *   +-----------------------------------------------------------+
 *
 * What the contract leaves open, decided here:
 *  - fixedEnd = ibFixed + cbFixed of column lastFix. The schema must give
 *    fixed columns increasing offsets by column id (the catalog lays them
 *    out one after the other), so that column ends the fixed data.
 *  - Canonical form (rec_edit_encode always produces it, rec_validate
 *    insists on it, so one logical record has exactly one encoding):
 *    lastFix is the highest non-NULL fixed column and cVar-1+128 the highest
 *    non-NULL variable column (trailing NULLs are trimmed); a NULL fixed
 *    column has its bit set and zero data bytes; fixed ids that the schema
 *    does not define read as NULL and have their bit set; bitmap bits past
 *    lastFix are zero; a NULL variable column stores end = previous end with
 *    bit 15; tagged entries are in (columnid, occurrence) order, flags bit 0
 *    is set exactly when cb is 0 (an entry always means non-NULL).
 *  - itagSequence on a fixed, variable or single-valued tagged column: 0 and
 *    1 name the value, a larger one reads as NULL and is refused by
 *    rec_edit_set with JET_errBadItagSequence. On a multi-valued column 0 or
 *    anything past the last value appends (ESE's documented behaviour).
 *  - LV operations (JET_bitSetAppendLV/OverwriteLV/SizeLV) work on every
 *    variable-size type (Text/Binary keep their 255-byte limit); on a
 *    fixed-size type they are JET_errInvalidGrbit. OverwriteLV at an
 *    ibLongValue at or past the current length is JET_errColumnNoChunk
 *    (ESE's test is ib >= size, so a NULL value cannot be overwritten);
 *    writing past the end extends. SizeLV to 0 makes the column NULL unless
 *    JET_bitSetZeroLength is given. A value beyond a variable column's
 *    cbMax (Text/Binary at most 255, Long* 2^31-1) is JET_errColumnTooBig,
 *    a fixed-size type given another size JET_errInvalidBufferSize, as in
 *    ESE.
 *  - JET_bitSetUniqueMultiValues compares the raw bytes (ESE compares "the
 *    source column data, without any transformations").
 *  - rec_max_size(page) = page/2 - 128 (room for two records and page
 *    overhead per page, so a split always succeeds), at most 0x7FFF so a
 *    variable end offset fits in 15 bits.
 *  - A separated long value (lv.h) is a tagged entry with flags bit 1 whose
 *    bytes are a reference (record.h); rec_retrieve hands out its prefix.
 *  - JET_bitColumnNotNULL is not enforced here (the update path does it)
 *    and unknown JET_bitSet* bits are ignored (JET_bitSetSeparateLV is
 *    api_record.c's: it separates the value).
 *
 * The edit (rec_edit) keeps one slot per stored value: (columnid, offset,
 * cb) into an arena it owns, sorted by columnid; the values of a
 * multi-valued column are consecutive slots in itagSequence order, so the
 * occurrence number is a slot's position within its column's run. Starting
 * from a record copies the record into the arena once and points the slots
 * at its values. A set writes the new bytes at the arena's end (the old ones
 * become garbage); when the arena is full it is rebuilt with only the live
 * bytes at twice their size, so a sequence of sets costs amortized O(cb) and
 * no allocation per call in the common case. The slot array starts inline
 * in the edit and moves to the heap only past REC_EDIT_INLINE_SLOTS.
 */
#include "record.h"

#define REC_HDR 4
#define REC_VAR_NULL 0x8000u
#define REC_VAR_MASK 0x7FFFu
#define REC_TAG_HDR 8
#define REC_TAG_ZEROLEN 0x1u
#define REC_LONG_MAX 0x7FFFFFFFu
#define REC_SHORT_MAX 255u
#define REC_EDIT_INLINE_SLOTS 32
#define REC_EDIT_INLINE_CHANGED 16
#define REC_ARENA_MIN 256

uint32_t rec_coltyp_fixed_size(JET_COLTYP coltyp)
{
	switch (coltyp) {
	case JET_coltypBit:
	case JET_coltypUnsignedByte:
		return 1;
	case JET_coltypShort:
	case JET_coltypUnsignedShort:
		return 2;
	case JET_coltypLong:
	case JET_coltypIEEESingle:
	case JET_coltypUnsignedLong:
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
		return 0;
	}
}

size_t rec_max_size(uint32_t page_size)
{
	if (page_size < 512)
		return 0;
	return JET_MIN((size_t)page_size / 2 - 128, (size_t)REC_VAR_MASK);
}

static inline bool rec_is_long(JET_COLTYP coltyp)
{
	return coltyp == JET_coltypLongText || coltyp == JET_coltypLongBinary;
}

/* Largest value a column takes (a fixed-size type takes exactly this). */
static uint32_t rec_col_limit(const rec_column *c)
{
	uint32_t cbType;

	if (c->columnid <= REC_FIXED_LAST)
		return c->cbFixed;
	cbType = rec_coltyp_fixed_size(c->coltyp);
	if (cbType)
		return cbType;
	if (rec_is_long(c->coltyp))
		return c->cbMax ? JET_MIN(c->cbMax, REC_LONG_MAX) : REC_LONG_MAX;
	return c->cbMax ? JET_MIN(c->cbMax, REC_SHORT_MAX) : REC_SHORT_MAX;
}

static inline bool rec_col_is_fixed_size(const rec_column *c)
{
	return c->columnid <= REC_FIXED_LAST || rec_coltyp_fixed_size(c->coltyp) != 0;
}

/* Finds a column of the schema. Catalogs number fixed columns densely from
 * 1, so cols[id-1] is tried first: O(1) for the fixed columns on the read
 * path; otherwise a binary search. */
static const rec_column *rec_find_col(const rec_schema *s, JET_COLUMNID id)
{
	uint32_t lo = 0, hi = s->ccols;

	if (JET_LIKELY(id >= 1 && id <= s->ccols && s->cols[id - 1].columnid == id))
		return &s->cols[id - 1];
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->cols[mid].columnid < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->ccols && s->cols[lo].columnid == id)
		return &s->cols[lo];
	return NULL;
}

/* Size of the fixed data of a record whose last fixed column is lastFixed. */
static JET_ERR rec_fixed_end(const rec_schema *s, uint32_t lastFixed, size_t *pcb)
{
	const rec_column *c;

	if (lastFixed == 0) {
		*pcb = 0;
		return JET_errSuccess;
	}
	c = rec_find_col(s, lastFixed);
	if (!c)
		return JET_errDatabaseCorrupted;
	*pcb = (size_t)c->ibFixed + c->cbFixed;
	return JET_errSuccess;
}

/* The pieces of an encoded record's header, bounds-checked. */
typedef struct rec_view {
	uint32_t lastFixed;
	uint32_t cVar;
	size_t ibVarTab;  /* the u16 end offsets */
	size_t ibVarData; /* start of the variable data */
	size_t ibTagged;
} rec_view;

static JET_ERR rec_view_var(const rec_schema *s, const uint8_t *rec, size_t cbRec, rec_view *v)
{
	size_t cbFixed;

	if (JET_UNLIKELY(cbRec < REC_HDR))
		return JET_errDatabaseCorrupted;
	v->lastFixed = rec[0];
	v->cVar = rec[1];
	v->ibTagged = get_le16(rec + 2);
	CallR(rec_fixed_end(s, v->lastFixed, &cbFixed));
	v->ibVarTab = REC_HDR + (v->lastFixed + 7) / 8 + cbFixed;
	v->ibVarData = v->ibVarTab + 2 * (size_t)v->cVar;
	if (JET_UNLIKELY(v->ibVarData > v->ibTagged || v->ibTagged > cbRec))
		return JET_errDatabaseCorrupted;
	return JET_errSuccess;
}

static JET_ERR rec_null(const void **ppv, size_t *pcb)
{
	*ppv = NULL;
	*pcb = 0;
	return JET_wrnColumnNull;
}

/* A separated value's reference read as a value: its first bytes. */
static void rec_lvref_prefix(const void **ppv, size_t *pcb)
{
	if (*pcb < REC_LVREF_HDR) {
		*pcb = 0;
		return;
	}
	*ppv = (const uint8_t *)*ppv + REC_LVREF_HDR;
	*pcb -= REC_LVREF_HDR;
}

JET_ERR rec_retrieve(const rec_schema *s, const uint8_t *rec, size_t cbRec, JET_COLUMNID columnid,
		     unsigned long itagSequence, const void **ppv, size_t *pcb)
{
	return rec_retrieve_ex(s, rec, cbRec, columnid, itagSequence, ppv, pcb, NULL);
}

JET_ERR rec_retrieve_ex(const rec_schema *s, const uint8_t *rec, size_t cbRec,
			JET_COLUMNID columnid, unsigned long itagSequence, const void **ppv,
			size_t *pcb, uint32_t *pflags)
{
	const rec_column *c = rec_find_col(s, columnid);
	rec_view v;

	if (pflags)
		*pflags = 0;

	if (JET_UNLIKELY(!c))
		return JET_errColumnNotFound;
	if (JET_UNLIKELY(cbRec < REC_HDR))
		return JET_errDatabaseCorrupted;

	if (columnid <= REC_FIXED_LAST) {
		uint32_t lastFixed = rec[0];
		size_t ib;

		if (itagSequence > 1 || columnid > lastFixed)
			return rec_null(ppv, pcb);
		/* The bitmap lies before the data, so one check covers both. */
		ib = REC_HDR + (lastFixed + 7) / 8 + c->ibFixed;
		if (JET_UNLIKELY(ib + c->cbFixed > cbRec))
			return JET_errDatabaseCorrupted;
		if (rec[REC_HDR + (columnid - 1) / 8] & (1u << ((columnid - 1) % 8)))
			return rec_null(ppv, pcb);
		*ppv = rec + ib;
		*pcb = c->cbFixed;
		return JET_errSuccess;
	}

	if (columnid <= REC_VAR_LAST) {
		uint32_t k = (uint32_t)columnid - REC_VAR_FIRST;
		uint32_t end, start = 0;

		if (itagSequence > 1 || k >= rec[1])
			return rec_null(ppv, pcb);
		CallR(rec_view_var(s, rec, cbRec, &v));
		end = get_le16(rec + v.ibVarTab + 2 * k);
		if (end & REC_VAR_NULL)
			return rec_null(ppv, pcb);
		if (k > 0)
			start = get_le16(rec + v.ibVarTab + 2 * (k - 1)) & REC_VAR_MASK;
		if (JET_UNLIKELY(start > end || v.ibVarData + end > v.ibTagged))
			return JET_errDatabaseCorrupted;
		*ppv = rec + v.ibVarData + start;
		*pcb = end - start;
		return JET_errSuccess;
	}

	/* Tagged: a scan of the (sorted) entries, stopping past the column. */
	{
		size_t ib = get_le16(rec + 2);
		unsigned long itag = itagSequence ? itagSequence : 1;

		if (JET_UNLIKELY(ib > cbRec))
			return JET_errDatabaseCorrupted;
		while (ib < cbRec) {
			uint32_t id, cb;

			if (JET_UNLIKELY(cbRec - ib < REC_TAG_HDR))
				return JET_errDatabaseCorrupted;
			id = get_le16(rec + ib);
			cb = get_le32(rec + ib + 4);
			if (JET_UNLIKELY(cb > cbRec - ib - REC_TAG_HDR))
				return JET_errDatabaseCorrupted;
			if (id > columnid)
				break;
			if (id == columnid && --itag == 0) {
				*ppv = rec + ib + REC_TAG_HDR;
				*pcb = cb;
				if (pflags)
					*pflags = get_le16(rec + ib + 2) & REC_TAG_LVREF;
				else if (get_le16(rec + ib + 2) & REC_TAG_LVREF)
					rec_lvref_prefix(ppv, pcb);
				return JET_errSuccess;
			}
			ib += REC_TAG_HDR + cb;
		}
		return rec_null(ppv, pcb);
	}
}

JET_ERR rec_count_values(const rec_schema *s, const uint8_t *rec, size_t cbRec,
			 JET_COLUMNID columnid, unsigned long *pcValues)
{
	const void *pv;
	size_t cb, ib;
	unsigned long n = 0;
	JET_ERR err;

	if (columnid < REC_TAGGED_FIRST) {
		err = rec_retrieve(s, rec, cbRec, columnid, 1, &pv, &cb);
		if (err < 0)
			return err;
		*pcValues = err == JET_wrnColumnNull ? 0 : 1;
		return JET_errSuccess;
	}
	if (!rec_find_col(s, columnid))
		return JET_errColumnNotFound;
	if (cbRec < REC_HDR || (ib = get_le16(rec + 2)) > cbRec)
		return JET_errDatabaseCorrupted;
	while (ib < cbRec) {
		uint32_t id, cbv;

		if (cbRec - ib < REC_TAG_HDR)
			return JET_errDatabaseCorrupted;
		id = get_le16(rec + ib);
		cbv = get_le32(rec + ib + 4);
		if (cbv > cbRec - ib - REC_TAG_HDR)
			return JET_errDatabaseCorrupted;
		if (id > columnid)
			break;
		n += id == columnid;
		ib += REC_TAG_HDR + cbv;
	}
	*pcValues = n;
	return JET_errSuccess;
}

/* A value of cb bytes is acceptable for column c (size and type limits). */
static bool rec_value_size_ok(const rec_column *c, size_t cb)
{
	if (rec_col_is_fixed_size(c))
		return cb == rec_col_limit(c);
	return cb <= rec_col_limit(c);
}

JET_ERR rec_validate(const rec_schema *s, const uint8_t *rec, size_t cbRec)
{
	rec_view v;
	size_t ib, cbFixedArea, ibFixed;
	uint32_t id, k, prevEnd = 0;
	uint32_t prevTag = 0;
	const rec_column *c;

	if (cbRec < REC_HDR || cbRec > rec_max_size(s->page_size))
		return JET_errDatabaseCorrupted;
	CallR(rec_view_var(s, rec, cbRec, &v));
	if (v.lastFixed > REC_FIXED_LAST || v.cVar > REC_VAR_LAST - REC_VAR_FIRST + 1)
		return JET_errDatabaseCorrupted;

	/* Fixed: bitmap bits and data agree with the schema and canonical form. */
	ibFixed = REC_HDR + (v.lastFixed + 7) / 8;
	cbFixedArea = v.ibVarTab - ibFixed;
	for (id = 1; id <= ((v.lastFixed + 7) / 8) * 8; id++) {
		bool fNull = rec[REC_HDR + (id - 1) / 8] & (1u << ((id - 1) % 8));

		if (id > v.lastFixed) {
			if (fNull)
				return JET_errDatabaseCorrupted;
			continue;
		}
		c = rec_find_col(s, id);
		if (!c) {
			if (!fNull)
				return JET_errDatabaseCorrupted;
			continue;
		}
		if (c->ibFixed + (size_t)c->cbFixed > cbFixedArea)
			return JET_errDatabaseCorrupted;
		if (id == v.lastFixed && fNull)
			return JET_errDatabaseCorrupted;
		if (fNull) {
			for (k = 0; k < c->cbFixed; k++)
				if (rec[ibFixed + c->ibFixed + k])
					return JET_errDatabaseCorrupted;
		}
	}

	/* Variable: monotone ends, NULLs and unknown ids empty, last non-NULL. */
	for (k = 0; k < v.cVar; k++) {
		uint32_t raw = get_le16(rec + v.ibVarTab + 2 * k), end = raw & REC_VAR_MASK;

		c = rec_find_col(s, REC_VAR_FIRST + k);
		if (end < prevEnd || v.ibVarData + end > v.ibTagged)
			return JET_errDatabaseCorrupted;
		if ((raw & REC_VAR_NULL) || !c) {
			if (end != prevEnd || !(raw & REC_VAR_NULL))
				return JET_errDatabaseCorrupted;
			if (k == v.cVar - 1)
				return JET_errDatabaseCorrupted;
		} else if (!rec_value_size_ok(c, end - prevEnd)) {
			return JET_errDatabaseCorrupted;
		}
		prevEnd = end;
	}
	if (v.ibVarData + prevEnd != v.ibTagged)
		return JET_errDatabaseCorrupted;

	/* Tagged: sorted, known, sized, filling the record exactly. */
	for (ib = v.ibTagged; ib < cbRec;) {
		uint32_t flags, cb;

		if (cbRec - ib < REC_TAG_HDR)
			return JET_errDatabaseCorrupted;
		id = get_le16(rec + ib);
		flags = get_le16(rec + ib + 2);
		cb = get_le32(rec + ib + 4);
		if (cb > cbRec - ib - REC_TAG_HDR || id < REC_TAGGED_FIRST)
			return JET_errDatabaseCorrupted;
		c = rec_find_col(s, id);
		if (!c || id < prevTag)
			return JET_errDatabaseCorrupted;
		if (flags == REC_TAG_LVREF) {
			/* u64 id, u64 size > REC_LV_INLINE_MAX, the first bytes. */
			uint64_t cbLv;

			if (!rec_is_long(c->coltyp) || cb < REC_LVREF_HDR)
				return JET_errDatabaseCorrupted;
			cbLv = get_le64(rec + ib + REC_TAG_HDR + 8);
			if (cbLv > rec_col_limit(c) ||
			    cb - REC_LVREF_HDR != JET_MIN(cbLv, (uint64_t)REC_LV_PREFIX))
				return JET_errDatabaseCorrupted;
		} else if (flags != (cb == 0 ? REC_TAG_ZEROLEN : 0) || !rec_value_size_ok(c, cb)) {
			return JET_errDatabaseCorrupted;
		}
		if (id == prevTag && !(c->grbit & JET_bitColumnMultiValued))
			return JET_errDatabaseCorrupted;
		prevTag = id;
		ib += REC_TAG_HDR + cb;
	}
	return JET_errSuccess;
}

/* ---- editing ---------------------------------------------------------- */

typedef struct rec_slot {
	uint32_t columnid;
	uint32_t cb;
	size_t off;     /* into the arena */
	uint32_t flags; /* REC_TAG_LVREF: the bytes are a reference */
} rec_slot;

struct rec_edit {
	rec_schema s;
	rec_slot *slots;
	uint32_t cslots, capSlots;
	uint8_t *arena;
	size_t cbArena, capArena, cbGarbage;
	uint8_t *enc;
	size_t capEnc;
	uint32_t changedFixVar[(REC_VAR_LAST + 1) / 32]; /* bitmap, ids 0..255 */
	uint16_t *changedTagged;                         /* unordered, no duplicates */
	uint32_t cChangedTagged, capChangedTagged;
	uint16_t changedTaggedInline[REC_EDIT_INLINE_CHANGED];
	rec_slot slotsInline[REC_EDIT_INLINE_SLOTS];
};

/* First slot with columnid >= id; *pn = how many slots have exactly id. */
static uint32_t rec_edit_run(const rec_edit *e, JET_COLUMNID id, uint32_t *pn)
{
	uint32_t lo = 0, hi = e->cslots, end;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (e->slots[mid].columnid < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < e->cslots && e->slots[end].columnid == id; end++)
		;
	*pn = end - lo;
	return lo;
}

/* Makes room for cb more bytes at the arena's end. When the arena is full it
 * is rebuilt holding only live bytes (slot offsets are rewritten), unless
 * fKeepOffsets: then it is only enlarged, because the caller holds a
 * pointer into it (a value being copied from one column to another). */
static JET_ERR rec_arena_reserve(rec_edit *e, size_t cb, bool fKeepOffsets)
{
	size_t live = e->cbArena - e->cbGarbage, cap;
	uint8_t *p;
	uint32_t i;

	if (e->capArena - e->cbArena >= cb)
		return JET_errSuccess;
	if (fKeepOffsets) {
		cap = JET_MAX(2 * (e->cbArena + cb), (size_t)REC_ARENA_MIN);
		p = jet_realloc(e->arena, cap);
		if (!p)
			return JET_errOutOfMemory;
		e->arena = p;
		e->capArena = cap;
		return JET_errSuccess;
	}
	cap = JET_MAX(2 * (live + cb), (size_t)REC_ARENA_MIN);
	p = jet_malloc(cap);
	if (!p)
		return JET_errOutOfMemory;
	live = 0;
	for (i = 0; i < e->cslots; i++) {
		memcpy(p + live, e->arena + e->slots[i].off, e->slots[i].cb);
		e->slots[i].off = live;
		live += e->slots[i].cb;
	}
	jet_free(e->arena);
	e->arena = p;
	e->capArena = cap;
	e->cbArena = live;
	e->cbGarbage = 0;
	return JET_errSuccess;
}

static JET_ERR rec_slot_insert(rec_edit *e, uint32_t pos, JET_COLUMNID id, size_t off, uint32_t cb)
{
	if (e->cslots == e->capSlots) {
		uint32_t cap = e->capSlots * 2;
		rec_slot *p;

		if (e->slots == e->slotsInline) {
			p = jet_malloc(cap * sizeof(*p));
			if (p)
				memcpy(p, e->slots, e->cslots * sizeof(*p));
		} else {
			p = jet_realloc(e->slots, cap * sizeof(*p));
		}
		if (!p)
			return JET_errOutOfMemory;
		e->slots = p;
		e->capSlots = cap;
	}
	memmove(&e->slots[pos + 1], &e->slots[pos], (e->cslots - pos) * sizeof(rec_slot));
	e->slots[pos].columnid = (uint32_t)id;
	e->slots[pos].off = off;
	e->slots[pos].cb = cb;
	e->slots[pos].flags = 0;
	e->cslots++;
	return JET_errSuccess;
}

static void rec_slot_remove(rec_edit *e, uint32_t pos)
{
	e->cbGarbage += e->slots[pos].cb;
	memmove(&e->slots[pos], &e->slots[pos + 1], (e->cslots - pos - 1) * sizeof(rec_slot));
	e->cslots--;
}

static JET_ERR rec_mark_changed(rec_edit *e, JET_COLUMNID id)
{
	uint32_t i;

	if (id <= REC_VAR_LAST) {
		e->changedFixVar[id / 32] |= 1u << (id % 32);
		return JET_errSuccess;
	}
	for (i = 0; i < e->cChangedTagged; i++)
		if (e->changedTagged[i] == id)
			return JET_errSuccess;
	if (e->cChangedTagged == e->capChangedTagged) {
		uint32_t cap = e->capChangedTagged * 2;
		uint16_t *p;

		if (e->changedTagged == e->changedTaggedInline) {
			p = jet_malloc(cap * sizeof(*p));
			if (p)
				memcpy(p, e->changedTagged, e->cChangedTagged * sizeof(*p));
		} else {
			p = jet_realloc(e->changedTagged, cap * sizeof(*p));
		}
		if (!p)
			return JET_errOutOfMemory;
		e->changedTagged = p;
		e->capChangedTagged = cap;
	}
	e->changedTagged[e->cChangedTagged++] = (uint16_t)id;
	return JET_errSuccess;
}

bool rec_edit_column_changed(const rec_edit *e, JET_COLUMNID columnid)
{
	uint32_t i;

	if (columnid <= REC_VAR_LAST)
		return e->changedFixVar[columnid / 32] & (1u << (columnid % 32));
	for (i = 0; i < e->cChangedTagged; i++)
		if (e->changedTagged[i] == columnid)
			return true;
	return false;
}

JET_ERR rec_edit_begin(const rec_schema *s, const uint8_t *rec, size_t cbRec, rec_edit **out)
{
	JET_ERR err = JET_errSuccess;
	rec_edit *e = NULL;
	rec_view v;
	uint32_t id, k;
	size_t ib;

	*out = NULL;
	if (rec)
		CallR(rec_validate(s, rec, cbRec));
	e = jet_calloc(1, sizeof(*e));
	if (!e)
		return JET_errOutOfMemory;
	e->s = *s;
	e->slots = e->slotsInline;
	e->capSlots = REC_EDIT_INLINE_SLOTS;
	e->changedTagged = e->changedTaggedInline;
	e->capChangedTagged = REC_EDIT_INLINE_CHANGED;
	e->capArena = JET_MAX(2 * (rec ? cbRec : 0), (size_t)REC_ARENA_MIN);
	e->arena = jet_malloc(e->capArena);
	if (!e->arena)
		Error(JET_errOutOfMemory);
	if (!rec) {
		*out = e;
		return JET_errSuccess;
	}

	/* The whole record goes into the arena; slots point at its values and
	 * the structure bytes count as garbage. */
	memcpy(e->arena, rec, cbRec);
	e->cbArena = e->cbGarbage = cbRec;
	Call(rec_view_var(s, rec, cbRec, &v));
	for (id = 1; id <= v.lastFixed; id++) {
		const rec_column *c;

		if (rec[REC_HDR + (id - 1) / 8] & (1u << ((id - 1) % 8)))
			continue;
		c = rec_find_col(s, id);
		Call(rec_slot_insert(e, e->cslots, id, REC_HDR + (v.lastFixed + 7) / 8 + c->ibFixed,
				     c->cbFixed));
	}
	for (k = 0; k < v.cVar; k++) {
		uint32_t end = get_le16(rec + v.ibVarTab + 2 * k);
		uint32_t start = k ? get_le16(rec + v.ibVarTab + 2 * (k - 1)) & REC_VAR_MASK : 0;

		if (end & REC_VAR_NULL)
			continue;
		Call(rec_slot_insert(e, e->cslots, REC_VAR_FIRST + k, v.ibVarData + start, end - start));
	}
	for (ib = v.ibTagged; ib < cbRec;) {
		uint32_t cb = get_le32(rec + ib + 4);

		Call(rec_slot_insert(e, e->cslots, get_le16(rec + ib), ib + REC_TAG_HDR, cb));
		e->slots[e->cslots - 1].flags = get_le16(rec + ib + 2) & REC_TAG_LVREF;
		ib += REC_TAG_HDR + cb;
	}
	for (k = 0; k < e->cslots; k++)
		e->cbGarbage -= e->slots[k].cb;
	*out = e;
	return JET_errSuccess;

HandleError:
	rec_edit_free(e);
	return err;
}

void rec_edit_free(rec_edit *e)
{
	if (!e)
		return;
	if (e->slots != e->slotsInline)
		jet_free(e->slots);
	if (e->changedTagged != e->changedTaggedInline)
		jet_free(e->changedTagged);
	jet_free(e->arena);
	jet_free(e->enc);
	jet_free(e);
}

/* Which slot a (column, itagSequence) names. *pfExists false: none, and
 * *ppos is where a new value goes. */
static JET_ERR rec_edit_locate(const rec_edit *e, const rec_column *c, unsigned long itag,
			       uint32_t *ppos, bool *pfExists, uint32_t *pfirst, uint32_t *pn)
{
	uint32_t n, first = rec_edit_run(e, c->columnid, &n);
	bool fMulti = c->columnid >= REC_TAGGED_FIRST && (c->grbit & JET_bitColumnMultiValued);

	*pfirst = first;
	*pn = n;
	if (!fMulti) {
		if (itag > 1)
			return JET_errBadItagSequence;
		*ppos = first;
		*pfExists = n > 0;
	} else if (itag == 0 || itag > n) {
		*ppos = first + n;
		*pfExists = false;
	} else {
		*ppos = first + (uint32_t)itag - 1;
		*pfExists = true;
	}
	return JET_errSuccess;
}

/* Is the value at slot pos (cb bytes at p) equal to another of its run? */
static bool rec_edit_is_duplicate(const rec_edit *e, uint32_t first, uint32_t n, uint32_t pos,
				  const uint8_t *p, size_t cb)
{
	uint32_t i;

	for (i = first; i < first + n; i++) {
		if (i == pos || e->slots[i].cb != cb)
			continue;
		if (memcmp(e->arena + e->slots[i].off, p, cb) == 0)
			return true;
	}
	return false;
}

JET_ERR rec_edit_set(rec_edit *e, JET_COLUMNID columnid, unsigned long itagSequence,
		     const void *pv, size_t cb, JET_GRBIT grbit, unsigned long ibLongValue)
{
	return rec_edit_set_ex(e, columnid, itagSequence, pv, cb, grbit, ibLongValue, 0);
}

JET_ERR rec_edit_set_ex(rec_edit *e, JET_COLUMNID columnid, unsigned long itagSequence,
			const void *pv, size_t cb, JET_GRBIT grbit, unsigned long ibLongValue,
			uint32_t flags)
{
	const bool fLvRef = flags & REC_TAG_LVREF;
	const rec_column *c = rec_find_col(&e->s, columnid);
	const JET_GRBIT lvops = grbit & (JET_bitSetAppendLV | JET_bitSetOverwriteLV | JET_bitSetSizeLV);
	const bool fZeroLength = grbit & JET_bitSetZeroLength;
	const bool fUnique = grbit & JET_bitSetUniqueMultiValues;
	const uint8_t *src = pv;
	uint32_t pos, first, n, limit;
	size_t cbCur = 0, cbNew, ibWrite, cbWrite, srcOff = 0, off;
	bool fExists, fAlias, fInPlace = false;

	if (!c)
		return JET_errColumnNotFound;
	if (lvops & (lvops - 1))
		return JET_errInvalidGrbit;
	if (lvops && rec_col_is_fixed_size(c))
		return JET_errInvalidGrbit;
	if (!src && cb && !(lvops & JET_bitSetSizeLV))
		return JET_errInvalidParameter;
	CallR(rec_edit_locate(e, c, itagSequence, &pos, &fExists, &first, &n));
	if (fExists && (e->slots[pos].flags & REC_TAG_LVREF) && lvops)
		return JET_errInvalidParameter; /* separated values are lv.c's business */
	if (fExists)
		cbCur = e->slots[pos].cb;
	limit = rec_col_limit(c);

	/* The new value is the current one (ibWrite bytes of it kept, grown or
	 * cut to cbNew) with cbWrite bytes of src written at ibWrite. */
	switch (lvops) {
	case JET_bitSetAppendLV:
		if (cb == 0 && (fExists || !fZeroLength))
			return rec_mark_changed(e, columnid);
		ibWrite = cbCur;
		cbWrite = cb;
		cbNew = cbCur + cb;
		break;
	case JET_bitSetOverwriteLV:
		if (ibLongValue >= cbCur)
			return JET_errColumnNoChunk;
		ibWrite = ibLongValue;
		cbWrite = cb;
		cbNew = JET_MAX(cbCur, ibWrite + cb);
		break;
	case JET_bitSetSizeLV:
		ibWrite = JET_MIN(cbCur, cb);
		cbWrite = 0;
		cbNew = cb;
		break;
	default:
		ibWrite = 0;
		cbWrite = cb;
		cbNew = cb;
		break;
	}

	if (cbNew == 0 && !fZeroLength && lvops != JET_bitSetOverwriteLV) {
		/* NULL: removes the value (later occurrences shift down). */
		if (fExists)
			rec_slot_remove(e, pos);
		return rec_mark_changed(e, columnid);
	}
	if (fLvRef) {
		if (!rec_is_long(c->coltyp) || lvops || cb < REC_LVREF_HDR ||
		    cb > REC_LVREF_HDR + REC_LV_PREFIX)
			return JET_errInvalidParameter;
	} else if (rec_col_is_fixed_size(c) ? cbNew != limit : cbNew > limit) {
		/* As ESE: the wrong size for a fixed-size type, or longer than
		 * a variable column's cbMax. */
		return rec_col_is_fixed_size(c) ? JET_errInvalidBufferSize : JET_errColumnTooBig;
	}

	/* Build the new bytes at the arena's end. A caller may pass bytes that
	 * live in the arena (from rec_edit_get); keep their offset valid. */
	fAlias = src && src >= e->arena && src < e->arena + e->capArena;
	if (fAlias)
		srcOff = (size_t)(src - e->arena);
	if (fExists && lvops && !fUnique) {
		/* An LV operation edits the value where it lies when it is the
		 * arena's last (and there is room) or does not grow. */
		size_t offCur = e->slots[pos].off;

		if (offCur + cbCur == e->cbArena && e->capArena - offCur >= cbNew) {
			fInPlace = true;
			e->cbArena = offCur + cbNew;
		} else if (cbNew <= cbCur) {
			fInPlace = true;
			e->cbGarbage += cbCur - cbNew;
		}
	}
	if (fInPlace) {
		off = e->slots[pos].off;
	} else {
		CallR(rec_arena_reserve(e, cbNew, fAlias));
		if (fAlias)
			src = e->arena + srcOff;
		off = e->cbArena;
		e->cbArena += cbNew;
		if (ibWrite)
			memcpy(e->arena + off, e->arena + e->slots[pos].off, ibWrite);
		if (lvops == JET_bitSetOverwriteLV && cbNew > ibWrite + cbWrite)
			memcpy(e->arena + off + ibWrite + cbWrite,
			       e->arena + e->slots[pos].off + ibWrite + cbWrite, cbNew - ibWrite - cbWrite);
		if (fExists)
			e->cbGarbage += cbCur;
	}
	if (cbWrite)
		memmove(e->arena + off + ibWrite, src, cbWrite);
	if (ibWrite + cbWrite < cbNew && lvops != JET_bitSetOverwriteLV)
		memset(e->arena + off + ibWrite + cbWrite, 0, cbNew - ibWrite - cbWrite);

	if (fUnique && rec_edit_is_duplicate(e, first, n, fExists ? pos : UINT32_MAX, e->arena + off,
					     cbNew)) {
		/* Leave the old value; the new bytes are garbage. */
		if (fExists)
			e->cbGarbage -= cbCur;
		e->cbGarbage += cbNew;
		return JET_errMultiValuedDuplicate;
	}
	if (fExists) {
		e->slots[pos].off = off;
		e->slots[pos].cb = (uint32_t)cbNew;
	} else {
		CallR(rec_slot_insert(e, pos, columnid, off, (uint32_t)cbNew));
	}
	e->slots[pos].flags = flags & REC_TAG_LVREF;
	return rec_mark_changed(e, columnid);
}

JET_ERR rec_edit_get(rec_edit *e, JET_COLUMNID columnid, unsigned long itagSequence,
		     const void **ppv, size_t *pcb)
{
	return rec_edit_get_ex(e, columnid, itagSequence, ppv, pcb, NULL);
}

JET_ERR rec_edit_get_ex(rec_edit *e, JET_COLUMNID columnid, unsigned long itagSequence,
			const void **ppv, size_t *pcb, uint32_t *pflags)
{
	const rec_column *c = rec_find_col(&e->s, columnid);
	uint32_t n, first;
	const rec_slot *sl;

	if (pflags)
		*pflags = 0;
	if (!c)
		return JET_errColumnNotFound;
	first = rec_edit_run(e, columnid, &n);
	if (itagSequence == 0)
		itagSequence = 1;
	if (itagSequence > n)
		return rec_null(ppv, pcb);
	sl = &e->slots[first + itagSequence - 1];
	*ppv = e->arena + sl->off;
	*pcb = sl->cb;
	if (pflags)
		*pflags = sl->flags;
	else if (sl->flags & REC_TAG_LVREF)
		rec_lvref_prefix(ppv, pcb);
	return JET_errSuccess;
}

JET_ERR rec_edit_slot(const rec_edit *e, uint32_t i, JET_COLUMNID *pcolumnid, const void **ppv,
		      size_t *pcb, uint32_t *pflags)
{
	if (i >= e->cslots)
		return JET_errNoCurrentRecord;
	*pcolumnid = e->slots[i].columnid;
	*ppv = e->arena + e->slots[i].off;
	*pcb = e->slots[i].cb;
	*pflags = e->slots[i].flags;
	return JET_errSuccess;
}

JET_ERR rec_next_tagged(const uint8_t *rec, size_t cbRec, size_t *pib, JET_COLUMNID *pcolumnid,
			const void **ppv, size_t *pcb, uint32_t *pflags)
{
	size_t ib = *pib;
	uint32_t cb;

	if (cbRec < REC_HDR)
		return JET_errDatabaseCorrupted;
	if (ib == 0)
		ib = get_le16(rec + 2);
	if (ib >= cbRec)
		return JET_errNoCurrentRecord;
	if (cbRec - ib < REC_TAG_HDR)
		return JET_errDatabaseCorrupted;
	cb = get_le32(rec + ib + 4);
	if (cb > cbRec - ib - REC_TAG_HDR)
		return JET_errDatabaseCorrupted;
	*pcolumnid = get_le16(rec + ib);
	*pflags = get_le16(rec + ib + 2) & REC_TAG_LVREF;
	*ppv = rec + ib + REC_TAG_HDR;
	*pcb = cb;
	*pib = ib + REC_TAG_HDR + cb;
	return JET_errSuccess;
}

JET_ERR rec_edit_count_values(rec_edit *e, JET_COLUMNID columnid, unsigned long *pcValues)
{
	uint32_t n;

	if (!rec_find_col(&e->s, columnid))
		return JET_errColumnNotFound;
	(void)rec_edit_run(e, columnid, &n);
	*pcValues = n;
	return JET_errSuccess;
}

JET_ERR rec_edit_encode(rec_edit *e, const uint8_t **prec, size_t *pcbRec)
{
	uint32_t lastFixed = 0, cVar = 0, i, k, cbBitmap;
	size_t cbFixed, cbVar = 0, cbTagged = 0, cb, ibVarTab, ibVarData, ib, end;
	uint8_t *p;

	for (i = 0; i < e->cslots; i++) {
		uint32_t id = e->slots[i].columnid;

		if (id <= REC_FIXED_LAST)
			lastFixed = id;
		else if (id <= REC_VAR_LAST) {
			cVar = id - REC_VAR_FIRST + 1;
			cbVar += e->slots[i].cb;
		} else {
			cbTagged += REC_TAG_HDR + (size_t)e->slots[i].cb;
		}
	}
	CallR(rec_fixed_end(&e->s, lastFixed, &cbFixed));
	cbBitmap = (lastFixed + 7) / 8;
	ibVarTab = REC_HDR + cbBitmap + cbFixed;
	ibVarData = ibVarTab + 2 * (size_t)cVar;
	cb = ibVarData + cbVar + cbTagged;
	if (cb > rec_max_size(e->s.page_size))
		return JET_errRecordTooBig;
	if (e->capEnc < cb) {
		p = jet_realloc(e->enc, cb);
		if (!p)
			return JET_errOutOfMemory;
		e->enc = p;
		e->capEnc = cb;
	}
	p = e->enc;

	p[0] = (uint8_t)lastFixed;
	p[1] = (uint8_t)cVar;
	put_le16(p + 2, (uint16_t)(ibVarData + cbVar));
	/* Every fixed column starts NULL (bit set, zero data); stored ones
	 * clear their bit. Bits past lastFixed stay zero. */
	memset(p + REC_HDR, 0, cbBitmap + cbFixed);
	for (k = 0; k < lastFixed; k++)
		p[REC_HDR + k / 8] |= (uint8_t)(1u << (k % 8));
	i = 0;
	for (; i < e->cslots && e->slots[i].columnid <= REC_FIXED_LAST; i++) {
		uint32_t id = e->slots[i].columnid;
		const rec_column *c = rec_find_col(&e->s, id);

		p[REC_HDR + (id - 1) / 8] &= (uint8_t)~(1u << ((id - 1) % 8));
		memcpy(p + REC_HDR + cbBitmap + c->ibFixed, e->arena + e->slots[i].off, e->slots[i].cb);
	}
	end = 0;
	for (k = 0; k < cVar; k++) {
		if (i < e->cslots && e->slots[i].columnid == REC_VAR_FIRST + k) {
			memcpy(p + ibVarData + end, e->arena + e->slots[i].off, e->slots[i].cb);
			end += e->slots[i].cb;
			put_le16(p + ibVarTab + 2 * k, (uint16_t)end);
			i++;
		} else {
			put_le16(p + ibVarTab + 2 * k, (uint16_t)(end | REC_VAR_NULL));
		}
	}
	ib = ibVarData + end;
	for (; i < e->cslots; i++) {
		put_le16(p + ib, (uint16_t)e->slots[i].columnid);
		put_le16(p + ib + 2, (e->slots[i].flags & REC_TAG_LVREF) ? REC_TAG_LVREF
				     : e->slots[i].cb                 ? 0
								      : REC_TAG_ZEROLEN);
		put_le32(p + ib + 4, e->slots[i].cb);
		memcpy(p + ib + REC_TAG_HDR, e->arena + e->slots[i].off, e->slots[i].cb);
		ib += REC_TAG_HDR + e->slots[i].cb;
	}
	assert(ib == cb);
	*prec = p;
	*pcbRec = cb;
	return JET_errSuccess;
}
