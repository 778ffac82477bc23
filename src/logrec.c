/*
 * logrec.c - encoding and decoding of the records of logrec.h. The table in
 * logrec.h is the single definition; this file, recovery and `jetutil dump
 * log` all follow it.
 */
#include "logrec.h"

const char *logrec_name(uint8_t type)
{
	switch (type) {
#define LOGREC_NAME(num, name, text)                                           \
	case num:                                                              \
		return text;
		LOGREC_TYPES(LOGREC_NAME)
#undef LOGREC_NAME
	default:
		return NULL;
	}
}

JET_ERR logrec_decode(uint8_t type, const uint8_t *p, size_t cb, logrec *out)
{
	memset(out, 0, sizeof(*out));
	out->type = type;
	switch (type) {
	case LOGREC_PUT:
	case LOGREC_DEL:
		if (cb < 7)
			return JET_errLogFileCorrupt;
		out->slot = p[0];
		out->objid = get_le32(p + 1);
		out->cbKey = get_le16(p + 5);
		if (cb < 7u + out->cbKey)
			return JET_errLogFileCorrupt;
		out->key = p + 7;
		if (type == LOGREC_DEL) {
			if (cb != 7u + out->cbKey)
				return JET_errLogFileCorrupt;
		} else {
			out->val = p + 7 + out->cbKey;
			out->cbVal = (uint32_t)(cb - 7 - out->cbKey);
		}
		return JET_errSuccess;
	case LOGREC_CREATE:
	case LOGREC_DROP:
		if (cb != 5)
			return JET_errLogFileCorrupt;
		out->slot = p[0];
		out->objid = get_le32(p + 1);
		return JET_errSuccess;
	case LOGREC_COMMIT:
		if (cb < 9)
			return JET_errLogFileCorrupt;
		out->time_ns = get_le64(p);
		out->ndbs = p[8];
		if (out->ndbs > LOGREC_MAX_COMMIT_DBS || cb != 9u + 9u * out->ndbs)
			return JET_errLogFileCorrupt;
		for (unsigned i = 0; i < out->ndbs; i++) {
			out->dbs[i].slot = p[9 + 9 * i];
			out->dbs[i].version = get_le64(p + 10 + 9 * i);
		}
		return JET_errSuccess;
	case LOGREC_ABORT:
		return cb == 0 ? JET_errSuccess : JET_errLogFileCorrupt;
	case LOGREC_TREEINFO:
		if (cb != 37)
			return JET_errLogFileCorrupt;
		out->slot = p[0];
		out->objid = get_le32(p + 1);
		out->counter[0] = (int64_t)get_le64(p + 5);
		out->counter[1] = (int64_t)get_le64(p + 13);
		out->changed_ns = get_le64(p + 21);
		out->modifications = get_le64(p + 29);
		return JET_errSuccess;
	default:
		return JET_errLogFileCorrupt;
	}
}

static void put_head(uint8_t *h, uint8_t slot, uint32_t objid, size_t cbKey)
{
	h[0] = slot;
	put_le32(h + 1, objid);
	put_le16(h + 5, (uint16_t)cbKey);
}

JET_ERR logrec_put(jlog *l, uint8_t slot, uint32_t objid, const void *key, size_t cbKey,
		   const void *val, size_t cbVal)
{
	uint8_t h[7];
	if (cbKey > UINT16_MAX)
		return JET_errInvalidParameter;
	put_head(h, slot, objid, cbKey);
	jlog_piece pieces[3] = {{h, sizeof(h)}, {key, cbKey}, {val, cbVal}};
	return jlog_append(l, LOGREC_PUT, pieces, 3, NULL);
}

JET_ERR logrec_del(jlog *l, uint8_t slot, uint32_t objid, const void *key, size_t cbKey)
{
	uint8_t h[7];
	if (cbKey > UINT16_MAX)
		return JET_errInvalidParameter;
	put_head(h, slot, objid, cbKey);
	jlog_piece pieces[2] = {{h, sizeof(h)}, {key, cbKey}};
	return jlog_append(l, LOGREC_DEL, pieces, 2, NULL);
}

JET_ERR logrec_tree(jlog *l, uint8_t type, uint8_t slot, uint32_t objid)
{
	uint8_t h[5];
	h[0] = slot;
	put_le32(h + 1, objid);
	jlog_piece piece = {h, sizeof(h)};
	return jlog_append(l, type, &piece, 1, NULL);
}

JET_ERR logrec_commit(jlog *l, uint64_t time_ns, uint8_t ndbs, const uint8_t *slots,
		      const uint64_t *versions, jet_lsn *plsn)
{
	uint8_t buf[9 + 9 * LOGREC_MAX_COMMIT_DBS];
	if (ndbs > LOGREC_MAX_COMMIT_DBS)
		return JET_errInvalidParameter;
	put_le64(buf, time_ns);
	buf[8] = ndbs;
	for (unsigned i = 0; i < ndbs; i++) {
		buf[9 + 9 * i] = slots[i];
		put_le64(buf + 10 + 9 * i, versions[i]);
	}
	jlog_piece piece = {buf, 9u + 9u * ndbs};
	return jlog_append(l, LOGREC_COMMIT, &piece, 1, plsn);
}

JET_ERR logrec_abort(jlog *l)
{
	jlog_piece piece = {NULL, 0};
	return jlog_append(l, LOGREC_ABORT, &piece, 1, NULL);
}

JET_ERR logrec_treeinfo(jlog *l, uint8_t slot, uint32_t objid, const int64_t counter[2],
			uint64_t changed_ns, uint64_t modifications)
{
	uint8_t buf[37];
	buf[0] = slot;
	put_le32(buf + 1, objid);
	put_le64(buf + 5, (uint64_t)counter[0]);
	put_le64(buf + 13, (uint64_t)counter[1]);
	put_le64(buf + 21, changed_ns);
	put_le64(buf + 29, modifications);
	jlog_piece piece = {buf, sizeof(buf)};
	return jlog_append(l, LOGREC_TREEINFO, &piece, 1, NULL);
}
