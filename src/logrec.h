/*
 * logrec.h - the engine's log records, defined once.
 *
 * A commit is logged as a batch: the changes it made to each tree (PUT,
 * DEL, CREATE, DROP records, in the order they were applied to the committed
 * trees) and then one COMMIT record. Batches are appended under the
 * instance's commit lock, so they never interleave and log order is commit
 * order. A batch that a failed commit started is closed by ABORT; a batch
 * with no COMMIT at the end of the log never committed. Recovery replays
 * complete batches only — there is nothing to undo, because uncommitted
 * changes never reach a committed version (engine.h).
 *
 * Payloads (little-endian):
 *   PUT    u8 slot, u32 objid, u16 cbKey, key bytes, value bytes (the rest)
 *   DEL    u8 slot, u32 objid, u16 cbKey, key bytes
 *   CREATE u8 slot, u32 objid
 *   DROP   u8 slot, u32 objid
 *   COMMIT u64 unix time in ns, u8 n, n x (u8 slot, u64 new version)
 *   ABORT  (nothing)
 *   TREEINFO u8 slot, u32 objid, i64 counters[ENG_TREE_COUNTERS], u64
 *          changed_ns, u64 modifications: the tree's directory values after
 *          this commit
 *          (absolute, so replay needs no arithmetic)
 * slot is the database's attachment slot, recorded in the checkpoint file.
 */
#ifndef JET_LOGREC_H
#define JET_LOGREC_H

#include "log.h"

#define LOGREC_TYPES(X)                                                        \
	X(1, PUT, "put")                                                       \
	X(2, DEL, "del")                                                       \
	X(3, CREATE, "create")                                                 \
	X(4, DROP, "drop")                                                     \
	X(5, COMMIT, "commit")                                                 \
	X(6, ABORT, "abort")                                                   \
	X(7, TREEINFO, "treeinfo")

enum logrec_type {
#define LOGREC_ENUM(num, name, text) LOGREC_##name = num,
	LOGREC_TYPES(LOGREC_ENUM)
#undef LOGREC_ENUM
};

#define LOGREC_MAX_COMMIT_DBS 16

/* A decoded record; pointers point into the record's payload. */
typedef struct logrec {
	uint8_t type;
	uint8_t slot;
	uint32_t objid;
	const uint8_t *key;
	uint16_t cbKey;
	const uint8_t *val;
	uint32_t cbVal;
	uint64_t time_ns;
	int64_t counter[2];
	uint64_t changed_ns;
	uint64_t modifications;
	uint8_t ndbs;
	struct {
		uint8_t slot;
		uint64_t version;
	} dbs[LOGREC_MAX_COMMIT_DBS];
} logrec;

/* Name of a record type ("put"), NULL if unknown. */
const char *logrec_name(uint8_t type);
/* Decodes and validates lengths: a malformed payload is JET_errLogFileCorrupt. */
JET_ERR logrec_decode(uint8_t type, const uint8_t *payload, size_t cb, logrec *out);

/* Appenders. */
JET_ERR logrec_put(jlog *l, uint8_t slot, uint32_t objid, const void *key, size_t cbKey,
		   const void *val, size_t cbVal);
JET_ERR logrec_del(jlog *l, uint8_t slot, uint32_t objid, const void *key, size_t cbKey);
JET_ERR logrec_tree(jlog *l, uint8_t type, uint8_t slot, uint32_t objid);
JET_ERR logrec_commit(jlog *l, uint64_t time_ns, uint8_t ndbs, const uint8_t *slots,
		      const uint64_t *versions, jet_lsn *plsn);
JET_ERR logrec_abort(jlog *l);
JET_ERR logrec_treeinfo(jlog *l, uint8_t slot, uint32_t objid, const int64_t counter[2],
			uint64_t changed_ns, uint64_t modifications);

#endif
