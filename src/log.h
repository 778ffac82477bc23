/*
 * log.h - the write-ahead log: an append-only sequence of checksummed
 * records in generation files.
 *
 * Files: DIR/BASEXXXXXXXX.log, XXXXXXXX the generation in upper-case hex
 * (1, 2, ...). A generation file is params.file_size bytes long
 * (preallocated); it begins with a 512-byte file header (magic, generation,
 * database signature, creation time, checksum), then records.
 *
 * LSN: (generation << 32) | byte offset within that file. LSNs increase
 * along the log; a record's LSN is where it starts.
 *
 * Record: u32 crc32c (of everything after this field, payload included),
 * u32 payload length, u64 lsn (its own; catches stale bytes of an older
 * use), u8 type, 3 bytes zero, then the payload. The log module does not
 * interpret type or payload (see logrec.h for the engine's records), except
 * LOG_REC_PAD which it uses itself. A record never spans two files: when it
 * does not fit, the rest of the file is padded and the next generation
 * starts.
 *
 * Durability: jlog_append only buffers. jlog_flush(upto) returns once every
 * record before `upto` is on disk (written and fdatasync'ed). Concurrent
 * flushers share one write+sync (group commit): one becomes the leader and
 * writes everything buffered so far, the others wait for it. Each flush
 * starts at a 512-byte boundary (the previous flush's tail is padded), so a
 * torn sector can only hold records that were never acknowledged. A failed
 * write or sync is final: the log refuses every later append and flush with
 * JET_errLogWriteFail (a failed fsync cannot be retried honestly).
 *
 * Reading (recovery, dumps, backup): records are returned in order; the end
 * of the log is the first position holding no valid record in the newest
 * generation, provided no valid record follows it in that file (a torn
 * tail); a bad record followed by valid ones, or a bad record in an older
 * generation, is JET_errLogFileCorrupt; a missing generation between the
 * start and the newest is JET_errMissingLogFile.
 */
#ifndef JET_LOG_H
#define JET_LOG_H

#include "jet_common.h"
#include "os.h"

typedef uint64_t jet_lsn;
#define LSN_GEN(lsn) ((uint32_t)((lsn) >> 32))
#define LSN_OFF(lsn) ((uint32_t)(lsn))
#define LSN_MAKE(gen, off) (((uint64_t)(gen) << 32) | (uint32_t)(off))
#define LOG_SECTOR 512u /* flushes start and end on such a boundary */
#define LOG_FILE_HEADER_SIZE 512
#define LOG_REC_HEADER_SIZE 20
#define LOG_REC_PAD 0 /* reserved for the log's own padding */

typedef struct jlog_params {
	os_vfs *vfs;
	const char *dir;       /* folder of the log files */
	const char *base;      /* three letters, "edb" by default */
	uint32_t file_size;    /* bytes per generation file, >= 64 KiB */
	uint8_t signature[16]; /* stamped in each file header; files with another one are refused */
} jlog_params;

typedef struct jlog jlog;

/* Opens the log for appending at `end` (the LSN the reader reported as end
 * of log, or LSN_MAKE(1, LOG_FILE_HEADER_SIZE) for a new log, creating
 * generation 1). */
JET_ERR jlog_open(const jlog_params *p, jet_lsn end, jlog **out);
/* Flushes nothing: call jlog_flush(jlog_end()) first for a clean close. */
void jlog_close(jlog *l);

/* Appends one record built from n pieces (concatenated as the payload).
 * *plsn (may be NULL) receives the record's LSN. Thread-safe. */
typedef struct jlog_piece {
	const void *pv;
	size_t cb;
} jlog_piece;
JET_ERR jlog_append(jlog *l, uint8_t type, const jlog_piece *pieces, int n, jet_lsn *plsn);
/* Largest payload one record may carry. */
size_t jlog_max_payload(const jlog *l);
/* Durable up to `upto` (exclusive) when it returns success. */
JET_ERR jlog_flush(jlog *l, jet_lsn upto);
jet_lsn jlog_end(jlog *l);     /* LSN the next record will get (or past) */
jet_lsn jlog_durable(jlog *l); /* everything before this is on disk */
/* Deletes every generation file that lies wholly before lsn. */
JET_ERR jlog_truncate_before(jlog *l, jet_lsn lsn);
/* Closes the current generation and starts the next (backup, log switch). */
JET_ERR jlog_switch(jlog *l);

typedef struct jlog_stats {
	uint64_t appends, flushes, syncs, bytes_written;
	uint32_t current_gen;
} jlog_stats;
void jlog_stats_get(jlog *l, jlog_stats *out);

/* Reading. */
typedef struct jlog_reader jlog_reader;
typedef struct jlog_record {
	jet_lsn lsn;
	uint8_t type;
	const uint8_t *payload; /* valid until the next jlog_reader_next */
	uint32_t cb;
} jlog_record;

/* Starts at `from` (an LSN previously returned, or LSN_MAKE(g, LOG_FILE_HEADER_SIZE)). */
JET_ERR jlog_reader_open(const jlog_params *p, jet_lsn from, jlog_reader **out);
/* Next record (PAD records are skipped). The end: JET_errNoCurrentRecord. */
JET_ERR jlog_reader_next(jlog_reader *r, jlog_record *rec);
/* After the end was reached: where appending should continue. */
jet_lsn jlog_reader_end(jlog_reader *r);
void jlog_reader_close(jlog_reader *r);

/* The generations present in dir: *pfirst..*plast (0, 0 when none). */
JET_ERR jlog_generations(const jlog_params *p, uint32_t *pfirst, uint32_t *plast);
/* The file name of a generation (for backup and dumps). */
void jlog_file_name(const jlog_params *p, uint32_t gen, char *buf, size_t cb);

#endif
