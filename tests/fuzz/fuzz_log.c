/*
 * fuzz_log.c - libFuzzer target: reading a hostile write-ahead log.
 *
 * Input: 3 control bytes, then the bytes of generation 1 (the seeds are
 * real generation files that gen_corpus.c wrote, cut after their last
 * nonzero sector).
 *   byte 0, mode bits:
 *     0x01  repair the file header (magic, generation, signature, crc), so
 *           mutations reach the records;
 *     0x02  repair the record chain from offset 512: each record's own LSN,
 *           its reserved bytes and its crc (mutations reach lengths, types
 *           and payloads);
 *     0x04  split the bytes into generations 1 and 2 at byte 1 * 512 (the
 *           second gets a repaired header of its own);
 *     0x08  after a clean end: reopen the log for appending there
 *           (jlog_open), append and flush one record, read everything again;
 *   byte 1: the split point, in sectors;
 *   byte 2: reserved.
 *
 * Properties: no crash, no hang, no leak; jlog_reader_next returns records,
 * the end (JET_errNoCurrentRecord) or a documented error, and an error
 * sticks; every record's LSN increases; logrec_decode accepts or refuses
 * each payload with JET_errLogFileCorrupt; after jlog_open at the reader's
 * end and one appended record, reading again gives the same records and
 * then exactly that one (the torn tail is gone for good).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "fuzz_util.h"
#include "logrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FILE_SIZE (64u << 10)
#define MAX_RECORDS 100000

static const uint8_t g_sig[16] = "jetfuzzsignature";

static void fix_header(uint8_t *f, size_t n, uint32_t gen)
{
	if (n < LOG_FILE_HEADER_SIZE)
		return;
	memcpy(f, "JETLOG01", 8);
	put_le32(f + 8, gen);
	memcpy(f + 12, g_sig, 16);
	put_le32(f + 36, crc32c(f, 36));
}

static void fix_records(uint8_t *f, size_t n, uint32_t gen)
{
	size_t pos = LOG_FILE_HEADER_SIZE;
	while (pos + LOG_REC_HEADER_SIZE <= n) {
		uint32_t cb = get_le32(f + pos + 4);
		if (cb == 0 && f[pos + 16] == 0)
			break; /* zeros: the end */
		if (cb > n - pos - LOG_REC_HEADER_SIZE)
			break;
		put_le64(f + pos + 8, LSN_MAKE(gen, pos));
		f[pos + 17] = f[pos + 18] = f[pos + 19] = 0;
		put_le32(f + pos, crc32c(f + pos + 4, LOG_REC_HEADER_SIZE - 4 + (size_t)cb));
		pos += LOG_REC_HEADER_SIZE + cb;
	}
}

typedef struct read_result {
	JET_ERR err; /* JET_errNoCurrentRecord at a clean end */
	uint64_t n;
	uint64_t hash;
	jet_lsn end;
} read_result;

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static void read_log(const jlog_params *p, read_result *rr, uint64_t stop_after)
{
	jlog_reader *r = NULL;
	memset(rr, 0, sizeof(*rr));
	rr->err = jlog_reader_open(p, LSN_MAKE(1, LOG_FILE_HEADER_SIZE), &r);
	fuzz_check_err(rr->err, "jlog_reader_open");
	if (rr->err < 0)
		return;
	jet_lsn last = 0;
	jlog_record rec;
	JET_ERR err = JET_errSuccess;
	while (rr->n < stop_after && rr->n < MAX_RECORDS &&
	       (err = jlog_reader_next(r, &rec)) == JET_errSuccess) {
		if (rec.lsn <= last)
			FUZZ_FAIL("record LSN %llx after %llx", (unsigned long long)rec.lsn,
				  (unsigned long long)last);
		last = rec.lsn;
		logrec lr;
		JET_ERR de = logrec_decode(rec.type, rec.payload, rec.cb, &lr);
		if (de != JET_errSuccess && de != JET_errLogFileCorrupt)
			FUZZ_FAIL("logrec_decode gave %ld", (long)de);
		if (de == 0 && lr.cbKey && (lr.key < rec.payload || lr.key + lr.cbKey > rec.payload + rec.cb))
			FUZZ_FAIL("logrec_decode: key outside the payload");
		if (de == 0 && lr.cbVal && (lr.val < rec.payload || lr.val + lr.cbVal > rec.payload + rec.cb))
			FUZZ_FAIL("logrec_decode: value outside the payload");
		rr->hash = mix(rr->hash, rec.lsn);
		rr->hash = mix(rr->hash, rec.type);
		for (uint32_t i = 0; i < rec.cb; i++)
			rr->hash = mix(rr->hash, rec.payload[i]);
		rr->n++;
	}
	fuzz_check_err(err, "jlog_reader_next");
	rr->err = err;
	if (err == JET_errNoCurrentRecord) {
		rr->end = jlog_reader_end(r);
		if (rr->end < last)
			FUZZ_FAIL("reader end %llx before the last record %llx",
				  (unsigned long long)rr->end, (unsigned long long)last);
	} else if (err < 0) {
		JET_ERR again = jlog_reader_next(r, &rec);
		if (again != err)
			FUZZ_FAIL("reader error %ld did not stick: then %ld", (long)err, (long)again);
	}
	jlog_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3 || size - 3 > FILE_SIZE)
		return 0;
	uint8_t mode = data[0];
	size_t n = size - 3;
	uint8_t *f = calloc(1, n + 1);
	if (!f)
		abort();
	memcpy(f, data + 3, n);
	size_t split = n;
	if (mode & 0x04) {
		split = (size_t)data[1] * 512;
		if (split < LOG_FILE_HEADER_SIZE || split > n)
			split = n;
	}
	size_t n2 = n - split;
	uint8_t *f2 = f + split;
	if (mode & 0x01) {
		fix_header(f, split, 1);
		if (n2)
			fix_header(f2, n2, 2);
	}
	if (mode & 0x02) {
		fix_records(f, split, 1);
		if (n2)
			fix_records(f2, n2, 2);
	}
	char dir[300], path[400];
	snprintf(dir, sizeof(dir), "%s", fuzz_dir());
	jlog_params p = {os_vfs_posix(), dir, "edb", FILE_SIZE, {0}};
	/* the signature the file carries (refusal of another one is tested by
	 * the unit tests; here the records are the point) */
	if (split >= 28)
		memcpy(p.signature, f + 12, 16);
	jlog_file_name(&p, 1, path, sizeof(path));
	fuzz_write_file(path, f, split);
	if (n2) {
		jlog_file_name(&p, 2, path, sizeof(path));
		fuzz_write_file(path, f2, n2);
	}
	free(f);

	read_result r1;
	read_log(&p, &r1, UINT64_MAX);
	if ((mode & 0x08) && r1.err == JET_errNoCurrentRecord) {
		jlog *l = NULL;
		JET_ERR err = jlog_open(&p, r1.end, &l);
		fuzz_check_err(err, "jlog_open");
		if (err >= 0) {
			static const char payload[] = "fuzz";
			jlog_piece pc = {payload, 4};
			jet_lsn lsn = 0;
			err = jlog_append(l, LOGREC_ABORT + 100, &pc, 1, &lsn);
			fuzz_check_err(err, "jlog_append");
			if (err >= 0) {
				err = jlog_flush(l, jlog_end(l));
				fuzz_check_err(err, "jlog_flush");
			}
			jlog_close(l);
			if (err >= 0) {
				read_result r2;
				read_log(&p, &r2, r1.n);
				if (r2.n != r1.n || r2.hash != r1.hash)
					FUZZ_FAIL("after jlog_open at the end and one append the first "
						  "%llu records differ (now %llu, err %ld)",
						  (unsigned long long)r1.n, (unsigned long long)r2.n,
						  (long)r2.err);
				read_result r3;
				read_log(&p, &r3, UINT64_MAX);
				if (r3.err != JET_errNoCurrentRecord || r3.n != r1.n + 1)
					FUZZ_FAIL("after jlog_open at the end and one append: %llu "
						  "records then %ld, expected %llu then the end",
						  (unsigned long long)r3.n, (long)r3.err,
						  (unsigned long long)r1.n + 1);
			}
		}
	}
	fuzz_dir_clear();
	return 0;
}
