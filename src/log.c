/*
 * log.c - the write-ahead log: buffered appends, group commit, generation
 * files, and the reader that tells a torn tail from corruption.
 *
 * ON DISK
 *
 *   A generation file is file_size bytes, preallocated with os_truncate (real blocks, not a hole; a
 *   zero region reads as "no record": its lsn field, 0, never matches a
 *   position). Bytes [0,512) are the file header:
 *
 *       0  "JETLOG01"         8  u32 generation     12  signature[16]
 *      28  u64 create time   36  u32 crc32c of bytes [0,36)    rest zero
 *
 *   Records follow (log.h gives their 20-byte header). The log writes PAD
 *   records (type LOG_REC_PAD) itself; their payload is
 *
 *       0  u64 flush start: the LSN at which the flush holding this PAD began
 *       8  u32 flags: PAD_END_OF_GEN when the generation ends here
 *      12  zeros up to the next 512-byte boundary
 *
 * INVARIANTS
 *
 *   1. Every flush writes one contiguous region [S, E) of one generation
 *      file, S and E multiples of 512, and the region ends with a PAD record
 *      (the "flush marker") that names S. Its write is followed by fdatasync
 *      before the next flush's write begins, so at most one region of the
 *      log is unsynced at any time: the last one.
 *   2. durable only advances after a successful fdatasync, and only to the
 *      end of what that sync covered. A failed write or sync sets `dead`
 *      and nothing ever becomes durable again (JET_errLogWriteFail).
 *   3. Each generation ends with a PAD flagged PAD_END_OF_GEN, synced before
 *      the next generation's file is created. So every generation but the
 *      newest ends with that marker, and a bad record in an older one is
 *      corruption, never a torn tail.
 *   4. A new generation's header is written, the file and its directory
 *      synced, before any flush writes records into it (the leader that
 *      ends generation g creates g+1 before it gives up leadership).
 *   5. Records never span files: a record is placed at off only when
 *      off + record + PAD_MIN <= limit, limit being the file size less 512.
 *      The last 512 bytes are kept so the end-of-generation PAD always fits,
 *      even after jlog_open rounds a torn end up to a 512-byte boundary.
 *   6. The active buffer holds bytes of exactly one generation, at file
 *      offsets [buf_off, off), buf_off a multiple of 512; a flush always
 *      swaps the whole active buffer out, so the next starts on a boundary.
 *   7. jlog_open zeroes the file from the reader's end to the file's end
 *      (and syncs) before appending: the remains of a torn flush past the
 *      end can then never reappear as records behind newer ones.
 *
 * TORN TAIL OR CORRUPTION (the reader)
 *
 *   Reading the newest generation, the first invalid record at X ends the
 *   log unless some later flush exists: a valid record at a 512-byte
 *   boundary B > X (crc good, lsn == B) whose chain of valid records reaches
 *   a flush marker naming a start S' > X. By invariant 1 a flush that began
 *   after X was written only after X's flush was synced, so X should be
 *   intact: JET_errLogFileCorrupt. Valid records after X whose flush began
 *   at or before X are remains of the one unsynced flush (a power loss tears
 *   a write sector by sector, so such survivors are expected) and vanish
 *   with it. Hence damage inside the last flush is indistinguishable from a
 *   torn write of it and is treated as one: records from X on are lost.
 *   jlog_reader_end is X itself, the first byte not holding a valid record;
 *   jlog_open(X) zeroes from X, bridges X to the next 512-byte boundary with
 *   a PAD (or, when under PAD_MIN bytes remain, leaves zeros, which the
 *   reader skips when a valid record starts at the boundary), syncs, and
 *   appends from that boundary.
 *
 * A FLUSH (group commit)
 *
 *   Everything below `mu` is protected by it except the file handle, which
 *   only the leader touches.
 *
 *        jlog_flush(upto)
 *             |
 *             v
 *     +--> [check] -- dead ------------------------------> LogWriteFail
 *     |       |------ durable >= upto -------------------> success
 *     |       |------ writing: a leader is busy --> [wait on cv] --+
 *     |       v                                                    |
 *     |   [lead] log_lead_locked(), mu held:                       |
 *     |       append the flush marker (END_OF_GEN if closing),     |
 *     |       swap buffers, writing = true, drop mu                |
 *     |       |                                                    |
 *     |       v   (appenders keep filling the other buffer)        |
 *     |   [io] pwrite region; fdatasync; if closing: create g+1    |
 *     |       |   (header, fdatasync, sync_dir)                    |
 *     |       v                                                    |
 *     |   [done] take mu; durable = region end or dead = error;    |
 *     |       writing = false; broadcast cv -----------------------+
 *     +-------+
 *
 *   Before [lead], a would-be leader waits (once, at most half the last
 *   sync's duration) for the committers the previous flush released to
 *   append again (nreleased), so all of them share the next sync instead
 *   of splitting into two cohorts that take turns.
 *   Waiters do not wake until the leader is done; each then re-checks, so
 *   one whose LSN the leader's region did not cover becomes the next leader
 *   and takes everything appended meanwhile in one write and one sync.
 *   An append that does not fit the active buffer or the generation runs
 *   the same loop (as a flusher of the current end) and retries.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "crc32c.h"
#include "log.h"

#define LOG_MAGIC "JETLOG01"
#define LFH_MAGIC 0
#define LFH_GEN 8
#define LFH_SIG 12
#define LFH_TIME 28
#define LFH_CRC 36

#define REC_CRC 0
#define REC_LEN 4
#define REC_LSN 8
#define REC_TYPE 16

#define PAD_PAYLOAD 12u
#define PAD_MIN (LOG_REC_HEADER_SIZE + PAD_PAYLOAD)
#define PAD_END_OF_GEN 0x1u

/* Each of the two buffers: big enough that a bulk load makes few flushes,
 * never bigger than a generation since a buffer holds one generation. */
#define LOG_BUF_MAX (2u << 20)
#define LOG_FILE_MIN (64u << 10)

static inline uint64_t round_up_sector(uint64_t x)
{
	return (x + LOG_SECTOR - 1) & ~(uint64_t)(LOG_SECTOR - 1);
}

struct jlog {
	os_vfs *vfs;
	char *dir;
	char *base;
	uint32_t file_size; /* for new generations */
	uint8_t signature[16];
	uint32_t buf_size;
	size_t max_payload;

	pthread_mutex_t mu;
	pthread_cond_t cv; /* a leader finished (durable moved or dead set) */
	uint32_t gen;      /* the generation appends go to */
	uint32_t off;      /* where the next record goes */
	uint32_t limit;    /* records and their flush marker end by this */
	uint32_t buf_off;  /* file offset of the active buffer's first byte */
	uint8_t *buf[2];
	int act;           /* index of the active buffer */
	bool closing;      /* the next flush ends the generation */
	bool writing;      /* a leader is doing I/O without mu */
	jet_lsn durable;
	uint32_t nbatch;           /* records appended since the last swap */
	uint32_t nreleased;        /* committers a leader released, not yet back */
	pthread_cond_t cv_gather;  /* one of them appended */
	uint64_t sync_ns;          /* how long the last write+sync took */
	JET_ERR dead;      /* sticky LogWriteFail (LogDiskFull) once I/O failed */
	jlog_stats stats;

	os_file *file; /* current generation; only the leader uses it */
};

/* ------------------------------------------------------------------ names */

void jlog_file_name(const jlog_params *p, uint32_t gen, char *buf, size_t cb)
{
	snprintf(buf, cb, "%s/%s%08X.log", p->dir, p->base ? p->base : "edb", gen);
}

typedef struct gen_scan {
	const char *base;
	size_t cbBase;
	uint32_t first, last;
} gen_scan;

/* list_dir callback: BASE + 8 upper-case hex digits + ".log". */
static JET_ERR log_gen_scan_one(void *ctx, const char *name)
{
	gen_scan *s = ctx;
	size_t cb = strlen(name);
	uint32_t gen = 0;

	if (cb != s->cbBase + 12 || memcmp(name, s->base, s->cbBase) != 0 ||
	    strcmp(name + s->cbBase + 8, ".log") != 0)
		return JET_errSuccess;
	for (size_t i = s->cbBase; i < s->cbBase + 8; i++) {
		char c = name[i];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return JET_errSuccess;
		gen = gen << 4 | d;
	}
	if (gen == 0)
		return JET_errSuccess;
	if (s->first == 0 || gen < s->first)
		s->first = gen;
	if (gen > s->last)
		s->last = gen;
	return JET_errSuccess;
}

JET_ERR jlog_generations(const jlog_params *p, uint32_t *pfirst, uint32_t *plast)
{
	JET_ERR err = JET_errSuccess;
	gen_scan s = {.base = p->base ? p->base : "edb", .first = 0, .last = 0};

	s.cbBase = strlen(s.base);
	*pfirst = *plast = 0;
	err = p->vfs->list_dir(p->vfs, p->dir, log_gen_scan_one, &s);
	if (err == JET_errFileNotFound)
		return JET_errSuccess; /* no folder: no generations */
	CallR(err);
	*pfirst = s.first;
	*plast = s.last;
	return JET_errSuccess;
}

/* --------------------------------------------------------------- records */

/* Fills a record header at rec (payload already in place after it) and
 * stamps its crc. */
static void log_rec_seal(uint8_t *rec, jet_lsn lsn, uint8_t type, uint32_t cb)
{
	put_le32(rec + REC_LEN, cb);
	put_le64(rec + REC_LSN, lsn);
	rec[REC_TYPE] = type;
	rec[REC_TYPE + 1] = rec[REC_TYPE + 2] = rec[REC_TYPE + 3] = 0;
	put_le32(rec + REC_CRC, crc32c(rec + REC_LEN, LOG_REC_HEADER_SIZE - REC_LEN + (size_t)cb));
}

/* The size of the valid record at data[pos] of generation gen, or 0 when
 * there is none: too short, lsn not its own position, nonzero reserved
 * bytes, a PAD too small to carry its payload, or a bad crc. */
static uint64_t log_rec_check(const uint8_t *data, uint64_t len, uint32_t gen, uint64_t pos)
{
	if (pos > len || len - pos < LOG_REC_HEADER_SIZE)
		return 0;
	const uint8_t *rec = data + pos;
	uint64_t cb = get_le32(rec + REC_LEN);
	if (cb > len - pos - LOG_REC_HEADER_SIZE)
		return 0;
	if (get_le64(rec + REC_LSN) != LSN_MAKE(gen, pos))
		return 0;
	if (rec[REC_TYPE + 1] | rec[REC_TYPE + 2] | rec[REC_TYPE + 3])
		return 0;
	if (rec[REC_TYPE] == LOG_REC_PAD && cb < PAD_PAYLOAD)
		return 0;
	if (crc32c(rec + REC_LEN, LOG_REC_HEADER_SIZE - REC_LEN + cb) != get_le32(rec + REC_CRC))
		return 0;
	return LOG_REC_HEADER_SIZE + cb;
}

/* Writes a PAD at file offset `off` into dst (dst[0] is that offset) that
 * ends at the next 512-byte boundary leaving room for its payload; returns
 * its size. */
static uint32_t log_pad_build(uint8_t *dst, uint32_t gen, uint32_t off, jet_lsn flush_start,
			      uint32_t flags)
{
	uint32_t total = (uint32_t)(round_up_sector((uint64_t)off + PAD_MIN) - off);
	uint32_t cb = total - LOG_REC_HEADER_SIZE;

	memset(dst + LOG_REC_HEADER_SIZE, 0, cb);
	put_le64(dst + LOG_REC_HEADER_SIZE, flush_start);
	put_le32(dst + LOG_REC_HEADER_SIZE + 8, flags);
	log_rec_seal(dst, LSN_MAKE(gen, off), LOG_REC_PAD, cb);
	return total;
}

/* ---------------------------------------------------------- file header */

static void log_header_build(uint8_t *hdr, uint32_t gen, const uint8_t sig[16])
{
	memset(hdr, 0, LOG_FILE_HEADER_SIZE);
	memcpy(hdr + LFH_MAGIC, LOG_MAGIC, 8);
	put_le32(hdr + LFH_GEN, gen);
	memcpy(hdr + LFH_SIG, sig, 16);
	put_le64(hdr + LFH_TIME, (uint64_t)time(NULL));
	put_le32(hdr + LFH_CRC, crc32c(hdr, LFH_CRC));
}

/* JET_errLogFileCorrupt for a damaged header, JET_errInvalidLogSequence for
 * a sound one that belongs to another database or another generation. */
static JET_ERR log_header_check(const uint8_t *hdr, uint64_t len, uint32_t gen, const uint8_t sig[16])
{
	if (len < LOG_FILE_HEADER_SIZE || memcmp(hdr + LFH_MAGIC, LOG_MAGIC, 8) != 0 ||
	    crc32c(hdr, LFH_CRC) != get_le32(hdr + LFH_CRC))
		return JET_errLogFileCorrupt;
	if (get_le32(hdr + LFH_GEN) != gen || memcmp(hdr + LFH_SIG, sig, 16) != 0)
		return JET_errInvalidLogSequence;
	return JET_errSuccess;
}

/* Creates (or recreates) generation gen: preallocated with zeros, header
 * written, file and directory synced, so a record acknowledged in it can
 * never lose its file (invariant 4). */
static JET_ERR log_gen_create(jlog *l, uint32_t gen, os_file **out)
{
	JET_ERR err = JET_errSuccess;
	jlog_params p = {.vfs = l->vfs, .dir = l->dir, .base = l->base};
	char name[4096];
	uint8_t hdr[LOG_FILE_HEADER_SIZE];
	os_file *f = NULL;

	jlog_file_name(&p, gen, name, sizeof(name));
	log_header_build(hdr, gen, l->signature);
	Call(os_open(l->vfs, name, OS_OPEN_CREATE | OS_OPEN_TRUNCATE, &f));
	Call(os_truncate(f, l->file_size));
	Call(os_write(f, 0, hdr, sizeof(hdr)));
	Call(os_sync(f));
	Call(l->vfs->sync_dir(l->vfs, l->dir));
	*out = f;
	return JET_errSuccess;

HandleError:
	if (f)
		os_close(f);
	return err;
}

/* ----------------------------------------------------------- the writer */

/* Leads one flush (mu held on entry and on return, !writing): seals the
 * active buffer with the flush marker, swaps, does the I/O without mu, then
 * publishes the outcome. See the diagram at the top. */
static JET_ERR log_lead_locked(jlog *l)
{
	JET_ERR err = JET_errSuccess;
	const uint32_t gen = l->gen;
	const uint32_t woff = l->buf_off;
	const bool eog = l->closing;
	uint8_t *wbuf = l->buf[l->act];
	uint32_t wlen;
	jet_lsn target;
	os_file *fNew = NULL;

	assert(!l->writing && l->dead == JET_errSuccess);
	if (l->off == l->buf_off && !eog)
		return JET_errSuccess; /* nothing buffered */

	l->off += log_pad_build(wbuf + (l->off - l->buf_off), gen, l->off, LSN_MAKE(gen, woff),
				eog ? PAD_END_OF_GEN : 0);
	wlen = l->off - woff;
	l->act ^= 1;
	if (eog) {
		l->gen = gen + 1;
		l->off = LOG_FILE_HEADER_SIZE;
		l->limit = l->file_size - LOG_SECTOR;
		l->closing = false;
	}
	l->buf_off = l->off;
	target = LSN_MAKE(l->gen, l->off);
	l->writing = true;
	l->stats.flushes++;
	const uint32_t nServed = l->nbatch;
	l->nbatch = 0;
	pthread_mutex_unlock(&l->mu);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = os_write(l->file, woff, wbuf, wlen);
	if (err >= 0)
		err = os_sync(l->file);
	if (err >= 0 && eog && JET_CRASH_POINT("log.switch"))
		err = JET_errDiskIO;
	if (err >= 0 && eog)
		err = log_gen_create(l, gen + 1, &fNew);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_mutex_lock(&l->mu);
	l->sync_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
	l->writing = false;
	l->stats.syncs++;
	if (err < 0) {
		/* Invariant 2: whatever the disk now holds, we cannot vouch for it.
		 * A full disk says so (as ESE's LogDiskFull), so that a program
		 * can tell it from an I/O error; either way the log is dead. */
		l->dead = err == JET_errDiskFull || err == JET_errLogDiskFull ? JET_errLogDiskFull
									    : JET_errLogWriteFail;
	} else {
		l->stats.bytes_written += wlen;
		l->durable = target;
		/* Each record's committer may come straight back with another:
		 * the next leader waits a little for them (log_flush_locked). */
		l->nreleased = nServed;
		if (eog) {
			os_close(l->file);
			l->file = fNew;
			l->stats.current_gen = gen + 1;
			l->stats.syncs += 2; /* the new file and its folder */
		}
	}
	pthread_cond_broadcast(&l->cv);
	return l->dead;
}

/* The flush loop (mu held): returns once durable >= upto, or the log is
 * dead, or nothing more is buffered (upto beyond the end). */
static JET_ERR log_flush_locked(jlog *l, jet_lsn upto)
{
	bool fGathered = false;

	for (;;) {
		if (l->dead)
			return l->dead;
		if (l->durable >= upto)
			return JET_errSuccess;
		if (l->writing) {
			pthread_cond_wait(&l->cv, &l->mu);
			continue;
		}
		if (l->off == l->buf_off && !l->closing)
			return JET_errSuccess;
		if (!fGathered && l->nreleased > 0) {
			/* The committers the last leader released are about to
			 * append their next records. Give them a moment (bounded
			 * by half a sync, so a fast disk pays little) to join
			 * this flush; otherwise they form a second cohort, the
			 * two take turns, and each sync serves half of them. */
			struct timespec ts;
			uint64_t ns = JET_MIN(l->sync_ns / 2, 500000u);
			fGathered = true;
			clock_gettime(CLOCK_REALTIME, &ts);
			ns += (uint64_t)ts.tv_nsec;
			ts.tv_sec += (time_t)(ns / 1000000000u);
			ts.tv_nsec = (long)(ns % 1000000000u);
			while (l->nreleased > 0 && !l->writing &&
			       pthread_cond_timedwait(&l->cv_gather, &l->mu, &ts) == 0)
				;
			continue;
		}
		l->nreleased = 0;
		CallR(log_lead_locked(l));
	}
}

/* Zeroes [from, size) of f where it is not zero already (invariant 7);
 * *pfWrote says whether a sync is owed. Reads first: a clean tail, the
 * usual case, costs reads only. */
static JET_ERR log_scrub_tail(os_file *f, uint64_t from, uint64_t size, bool *pfWrote)
{
	JET_ERR err = JET_errSuccess;
	uint8_t *chunk = NULL;
	const size_t cbChunk = 256u << 10;

	chunk = jet_malloc(cbChunk);
	if (!chunk)
		return JET_errOutOfMemory;
	for (uint64_t pos = from; pos < size;) {
		size_t cb = (size_t)JET_MIN((uint64_t)cbChunk, size - pos), got = 0;
		bool fZero = true;
		Call(os_read(f, pos, chunk, cb, &got));
		for (size_t i = 0; i < got && fZero; i++)
			fZero = chunk[i] == 0;
		if (!fZero) {
			memset(chunk, 0, cb);
			Call(os_write(f, pos, chunk, cb));
			*pfWrote = true;
		}
		if (got < cb)
			break; /* short file: the rest reads as zeros anyway */
		pos += cb;
	}

HandleError:
	jet_free(chunk);
	return err;
}

/* Opens generation gen for appending at off: checks its header (or creates
 * the file when the reader found it missing or headerless at offset 512),
 * and scrubs what lies past off. */
static JET_ERR log_open_gen(jlog *l, uint32_t gen, uint32_t off)
{
	JET_ERR err = JET_errSuccess;
	jlog_params p = {.vfs = l->vfs, .dir = l->dir, .base = l->base};
	char name[4096];
	uint8_t hdr[LOG_FILE_HEADER_SIZE];
	os_file *f = NULL;
	uint64_t size = 0;
	size_t got = 0;
	bool fWrote = false;

	jlog_file_name(&p, gen, name, sizeof(name));
	err = os_open(l->vfs, name, 0, &f);
	if (err == JET_errFileNotFound) {
		if (off != LOG_FILE_HEADER_SIZE)
			return JET_errMissingLogFile;
		CallR(log_gen_create(l, gen, &l->file));
		l->limit = l->file_size - LOG_SECTOR;
		return JET_errSuccess;
	}
	CallR(err);
	Call(os_size(f, &size));
	Call(os_read(f, 0, hdr, sizeof(hdr), &got));
	err = log_header_check(hdr, got, gen, l->signature);
	if (err == JET_errLogFileCorrupt && off == LOG_FILE_HEADER_SIZE) {
		/* The reader found no header and no record here: a creation
		 * that never completed. Do it again. */
		os_close(f);
		f = NULL;
		CallR(log_gen_create(l, gen, &l->file));
		l->limit = l->file_size - LOG_SECTOR;
		return JET_errSuccess;
	}
	Call(err);
	if (size < l->file_size) {
		/* Cut short (a crash before the preallocation was synced, or
		 * a copy): extend it again, with zeros. */
		Call(os_truncate(f, l->file_size));
		size = l->file_size;
		fWrote = true;
	}
	size &= ~(uint64_t)(LOG_SECTOR - 1);
	if (size < LOG_FILE_MIN || size > UINT32_MAX || round_up_sector(off) + PAD_MIN > size)
		Error(JET_errLogFileCorrupt);
	Call(log_scrub_tail(f, off, size, &fWrote));
	if (round_up_sector(off) - off >= PAD_MIN) {
		/* Bridge the torn end to the boundary appends resume at, so the
		 * reader walks on to them (a gap under PAD_MIN stays zeros; the
		 * reader skips those). The PAD names off as its flush start: a
		 * flush that began at off and ended here. */
		uint8_t pad[LOG_SECTOR];
		uint32_t cbPad = log_pad_build(pad, gen, off, LSN_MAKE(gen, off), 0);
		Call(os_write(f, off, pad, cbPad));
		fWrote = true;
	}
	if (fWrote) {
		Call(os_sync(f));
		l->stats.syncs++;
	}
	l->limit = (uint32_t)size - LOG_SECTOR;
	l->file = f;
	return JET_errSuccess;

HandleError:
	if (f)
		os_close(f);
	return err;
}

JET_ERR jlog_open(const jlog_params *p, jet_lsn end, jlog **out)
{
	JET_ERR err = JET_errSuccess;
	jlog *l = NULL;
	uint32_t gen = LSN_GEN(end), off = LSN_OFF(end);

	*out = NULL;
	if (!p || !p->vfs || !p->dir || p->file_size < LOG_FILE_MIN || p->file_size % LOG_SECTOR ||
	    gen == 0 || off < LOG_FILE_HEADER_SIZE || off > p->file_size)
		return JET_errInvalidParameter;
	l = jet_calloc(1, sizeof(*l));
	if (!l)
		return JET_errOutOfMemory;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	pthread_cond_init(&l->cv_gather, NULL);
	l->vfs = p->vfs;
	l->file_size = p->file_size;
	memcpy(l->signature, p->signature, sizeof(l->signature));
	l->dir = jet_strdup(p->dir);
	l->base = jet_strdup(p->base ? p->base : "edb");
	l->buf_size = JET_MIN(LOG_BUF_MAX, p->file_size);
	/* A maximal record must fit an empty buffer and an empty generation,
	 * each with its flush marker (invariants 5 and 6). */
	l->max_payload = JET_MIN(l->buf_size - LOG_SECTOR, p->file_size - LOG_FILE_HEADER_SIZE - LOG_SECTOR) -
			 LOG_REC_HEADER_SIZE - PAD_MIN;
	l->buf[0] = jet_malloc(l->buf_size);
	l->buf[1] = jet_malloc(l->buf_size);
	if (!l->dir || !l->base || !l->buf[0] || !l->buf[1])
		Error(JET_errOutOfMemory);
	Call(p->vfs->mkdir(p->vfs, p->dir));
	Call(log_open_gen(l, gen, off));
	l->gen = gen;
	l->off = (uint32_t)round_up_sector(off);
	l->buf_off = l->off;
	l->durable = LSN_MAKE(gen, l->off);
	l->stats.current_gen = gen;
	*out = l;
	return JET_errSuccess;

HandleError:
	jlog_close(l);
	return err;
}

void jlog_close(jlog *l)
{
	if (!l)
		return;
	if (l->file)
		os_close(l->file);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	pthread_cond_destroy(&l->cv_gather);
	jet_free(l->buf[0]);
	jet_free(l->buf[1]);
	jet_free(l->dir);
	jet_free(l->base);
	jet_free(l);
}

size_t jlog_max_payload(const jlog *l) { return l->max_payload; }

JET_ERR jlog_append(jlog *l, uint8_t type, const jlog_piece *pieces, int n, jet_lsn *plsn)
{
	JET_ERR err = JET_errSuccess;
	size_t cb = 0;
	uint32_t total;
	uint8_t *rec;
	uint32_t crc;

	if (type == LOG_REC_PAD || n < 0 || (n > 0 && !pieces))
		return JET_errInvalidParameter;
	for (int i = 0; i < n; i++) {
		cb += pieces[i].cb;
		if (cb > l->max_payload)
			return JET_errInvalidParameter;
	}
	total = (uint32_t)(LOG_REC_HEADER_SIZE + cb);

	pthread_mutex_lock(&l->mu);
	for (;;) {
		if (l->dead)
			Error(l->dead);
		if (l->closing) {
			/* Someone ended the generation; the flush that writes
			 * its end marker opens the next one. */
			Call(log_flush_locked(l, LSN_MAKE(l->gen + 1, LOG_FILE_HEADER_SIZE)));
			continue;
		}
		if ((uint64_t)l->off + total + PAD_MIN > l->limit) {
			l->closing = true; /* invariant 5: the record goes to the next */
			continue;
		}
		if (round_up_sector((uint64_t)l->off + total + PAD_MIN) - l->buf_off > l->buf_size) {
			Call(log_flush_locked(l, LSN_MAKE(l->gen, l->off)));
			continue;
		}
		break;
	}

	rec = l->buf[l->act] + (l->off - l->buf_off);
	put_le32(rec + REC_LEN, (uint32_t)cb);
	put_le64(rec + REC_LSN, LSN_MAKE(l->gen, l->off));
	rec[REC_TYPE] = type;
	rec[REC_TYPE + 1] = rec[REC_TYPE + 2] = rec[REC_TYPE + 3] = 0;
	crc = crc32c(rec + REC_LEN, LOG_REC_HEADER_SIZE - REC_LEN);
	uint8_t *at = rec + LOG_REC_HEADER_SIZE;
	for (int i = 0; i < n; i++) {
		if (!pieces[i].cb)
			continue;
		memcpy(at, pieces[i].pv, pieces[i].cb);
		crc = crc32c_extend(crc, pieces[i].pv, pieces[i].cb);
		at += pieces[i].cb;
	}
	put_le32(rec + REC_CRC, crc);
	if (plsn)
		*plsn = LSN_MAKE(l->gen, l->off);
	l->off += total;
	l->stats.appends++;
	l->nbatch++;
	if (l->nreleased > 0 && --l->nreleased == 0)
		pthread_cond_signal(&l->cv_gather);

HandleError:
	pthread_mutex_unlock(&l->mu);
	return err;
}

JET_ERR jlog_flush(jlog *l, jet_lsn upto)
{
	JET_ERR err;

	pthread_mutex_lock(&l->mu);
	err = log_flush_locked(l, upto);
	pthread_mutex_unlock(&l->mu);
	return err;
}

jet_lsn jlog_end(jlog *l)
{
	jet_lsn lsn;

	pthread_mutex_lock(&l->mu);
	lsn = LSN_MAKE(l->gen, l->off);
	pthread_mutex_unlock(&l->mu);
	return lsn;
}

jet_lsn jlog_durable(jlog *l)
{
	jet_lsn lsn;

	pthread_mutex_lock(&l->mu);
	lsn = l->durable;
	pthread_mutex_unlock(&l->mu);
	return lsn;
}

JET_ERR jlog_switch(jlog *l)
{
	JET_ERR err;

	pthread_mutex_lock(&l->mu);
	if (l->dead) {
		err = l->dead;
	} else {
		l->closing = true;
		err = log_flush_locked(l, LSN_MAKE(l->gen + 1, LOG_FILE_HEADER_SIZE));
	}
	pthread_mutex_unlock(&l->mu);
	return err;
}

JET_ERR jlog_truncate_before(jlog *l, jet_lsn lsn)
{
	JET_ERR err = JET_errSuccess;
	jlog_params p = {.vfs = l->vfs, .dir = l->dir, .base = l->base};
	uint32_t first, last, stop, cur;
	char name[4096];
	bool fDeleted = false;

	pthread_mutex_lock(&l->mu);
	cur = l->gen;
	pthread_mutex_unlock(&l->mu);
	stop = JET_MIN(LSN_GEN(lsn), cur); /* never the current generation */
	CallR(jlog_generations(&p, &first, &last));
	/* Oldest first, so a crash midway still leaves a contiguous range. */
	for (uint32_t g = first; g != 0 && g < stop; g++) {
		jlog_file_name(&p, g, name, sizeof(name));
		err = l->vfs->unlink(l->vfs, name);
		if (err == JET_errFileNotFound)
			err = JET_errSuccess;
		CallR(err);
		fDeleted = true;
	}
	if (fDeleted)
		CallR(l->vfs->sync_dir(l->vfs, l->dir));
	return JET_errSuccess;
}

void jlog_stats_get(jlog *l, jlog_stats *out)
{
	pthread_mutex_lock(&l->mu);
	*out = l->stats;
	pthread_mutex_unlock(&l->mu);
}

/* ----------------------------------------------------------- the reader */

struct jlog_reader {
	jlog_params p; /* dir and base point at our copies */
	char *dir;
	char *base;
	uint32_t first, last; /* generations present when opened */
	uint32_t gen;         /* generation being read */
	uint64_t pos;         /* next record's offset in it */
	uint8_t *data;        /* the whole generation file */
	uint64_t len;
	uint64_t cbData;      /* allocated */
	bool loaded;
	bool done;
	jet_lsn end;
	JET_ERR err; /* sticky */
};

/* Whether some valid record at a 512-byte boundary past x starts a chain
 * that reaches a flush marker naming a flush start after x: proof that the
 * flush holding x was synced, so x is corruption, not a torn tail. */
static bool log_later_flush_exists(const uint8_t *data, uint64_t len, uint32_t gen, uint64_t x)
{
	for (uint64_t b = round_up_sector(x + 1); b + LOG_REC_HEADER_SIZE <= len;) {
		uint64_t p = b, t;
		while ((t = log_rec_check(data, len, gen, p)) != 0) {
			if (data[p + REC_TYPE] == LOG_REC_PAD &&
			    get_le64(data + p + LOG_REC_HEADER_SIZE) > LSN_MAKE(gen, x))
				return true;
			p += t;
		}
		b = JET_MAX(b + LOG_SECTOR, round_up_sector(p));
	}
	return false;
}

/* Whether any valid record of gen starts at a 512-byte boundary at or past
 * 512: tells a generation whose creation never completed (none) from one
 * whose header was damaged (some). */
static bool log_any_record(const uint8_t *data, uint64_t len, uint32_t gen)
{
	for (uint64_t b = LOG_FILE_HEADER_SIZE; b + LOG_REC_HEADER_SIZE <= len; b += LOG_SECTOR)
		if (log_rec_check(data, len, gen, b))
			return true;
	return false;
}

/* Reads generation r->gen whole; sets done/end when the log ends before it. */
static JET_ERR log_reader_load(jlog_reader *r)
{
	JET_ERR err = JET_errSuccess;
	char name[4096];
	os_file *f = NULL;
	uint64_t size = 0;
	size_t got = 0;

	jlog_file_name(&r->p, r->gen, name, sizeof(name));
	err = os_open(r->p.vfs, name, OS_OPEN_READONLY, &f);
	if (err == JET_errFileNotFound) {
		if (r->gen <= r->last)
			return JET_errMissingLogFile;
		/* Past the newest: the previous generation ended cleanly. */
		r->done = true;
		r->end = LSN_MAKE(r->gen, LOG_FILE_HEADER_SIZE);
		return JET_errSuccess;
	}
	CallR(err);
	Call(os_size(f, &size));
	if (size > UINT32_MAX)
		Error(JET_errLogFileCorrupt);
	if (size > r->cbData || !r->data) {
		uint8_t *pb = jet_realloc(r->data, size ? size : 1);
		if (!pb)
			Error(JET_errOutOfMemory);
		r->data = pb;
		r->cbData = size;
	}
	Call(os_read(f, 0, r->data, size, &got));
	r->len = got;
	err = log_header_check(r->data, r->len, r->gen, r->p.signature);
	if (err == JET_errLogFileCorrupt && r->gen >= r->last && r->pos == LOG_FILE_HEADER_SIZE &&
	    !log_any_record(r->data, r->len, r->gen)) {
		/* The newest generation, created but its header never made it
		 * and no record could have been acknowledged in it. */
		r->done = true;
		r->end = LSN_MAKE(r->gen, LOG_FILE_HEADER_SIZE);
		err = JET_errSuccess;
	}
	Call(err);
	r->loaded = true;

HandleError:
	os_close(f);
	return err;
}

JET_ERR jlog_reader_open(const jlog_params *p, jet_lsn from, jlog_reader **out)
{
	JET_ERR err = JET_errSuccess;
	jlog_reader *r = NULL;

	*out = NULL;
	if (!p || !p->vfs || !p->dir || LSN_GEN(from) == 0 || LSN_OFF(from) < LOG_FILE_HEADER_SIZE)
		return JET_errInvalidParameter;
	r = jet_calloc(1, sizeof(*r));
	if (!r)
		return JET_errOutOfMemory;
	r->p = *p;
	r->dir = jet_strdup(p->dir);
	r->base = jet_strdup(p->base ? p->base : "edb");
	if (!r->dir || !r->base)
		Error(JET_errOutOfMemory);
	r->p.dir = r->dir;
	r->p.base = r->base;
	Call(jlog_generations(&r->p, &r->first, &r->last));
	r->gen = LSN_GEN(from);
	r->pos = LSN_OFF(from);
	if (r->last == 0) {
		/* An empty log ends where the caller meant to start. */
		r->done = true;
		r->end = from;
	} else if (r->gen < r->first || r->gen > r->last + 1) {
		Error(JET_errMissingLogFile);
	}
	*out = r;
	return JET_errSuccess;

HandleError:
	jlog_reader_close(r);
	return err;
}

JET_ERR jlog_reader_next(jlog_reader *r, jlog_record *rec)
{
	JET_ERR err = JET_errSuccess;

	for (;;) {
		if (r->err)
			return r->err;
		if (r->done)
			return JET_errNoCurrentRecord;
		if (!r->loaded) {
			Call(log_reader_load(r));
			continue;
		}
		uint64_t t = log_rec_check(r->data, r->len, r->gen, r->pos);
		if (t) {
			const uint8_t *pb = r->data + r->pos;
			if (pb[REC_TYPE] == LOG_REC_PAD) {
				if (get_le32(pb + LOG_REC_HEADER_SIZE + 8) & PAD_END_OF_GEN) {
					r->gen++;
					r->pos = LOG_FILE_HEADER_SIZE;
					r->loaded = false;
				} else {
					r->pos += t;
				}
				continue;
			}
			rec->lsn = LSN_MAKE(r->gen, r->pos);
			rec->type = pb[REC_TYPE];
			rec->payload = pb + LOG_REC_HEADER_SIZE;
			rec->cb = (uint32_t)(t - LOG_REC_HEADER_SIZE);
			r->pos += t;
			return JET_errSuccess;
		}
		/* Zeros short of a PAD up to the boundary: jlog_open's bridge
		 * over a torn end too small to hold a PAD. */
		uint64_t b = round_up_sector(r->pos);
		if (b - r->pos < PAD_MIN && b + LOG_REC_HEADER_SIZE <= r->len && r->pos < r->len) {
			bool fZero = true;
			for (uint64_t i = r->pos; i < b && fZero; i++)
				fZero = r->data[i] == 0;
			if (fZero && log_rec_check(r->data, r->len, r->gen, b)) {
				r->pos = b;
				continue;
			}
		}
		/* No record at pos: the end, or damage (see the top comment). */
		if (r->gen < r->last || log_later_flush_exists(r->data, r->len, r->gen, r->pos))
			Error(JET_errLogFileCorrupt);
		r->done = true;
		r->end = LSN_MAKE(r->gen, r->pos);
	}

HandleError:
	r->err = err;
	return err;
}

jet_lsn jlog_reader_end(jlog_reader *r)
{
	return r->done ? r->end : LSN_MAKE(r->gen, r->pos);
}

void jlog_reader_close(jlog_reader *r)
{
	if (!r)
		return;
	jet_free(r->data);
	jet_free(r->dir);
	jet_free(r->base);
	jet_free(r);
}
