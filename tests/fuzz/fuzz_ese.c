/*
 * fuzz_ese.c - libFuzzer target: the reader of Microsoft ESE files
 * (src/esefmt.c) over a hostile file.
 *
 * Input: 1 mode byte, then the file's bytes (the seeds are real databases
 * written by Windows, cut after their last used page). Mode bits:
 *   0x01  recompute every page's checksum before opening (the page size is
 *         taken from the header, 4 KiB if it says nothing sensible), in the
 *         form the page's flags ask for, so that mutations reach the tags,
 *         nodes, catalog and records behind the checksums;
 *   0x02  also recompute the header's checksum.
 *
 * Per input the file is written to the scratch folder and opened with
 * ese_open; every page is verified; every table is walked forwards (at most
 * MAX_MOVES records) retrieving every value of every column, then backwards
 * a few steps, and a seek is made on each key seen.
 *
 * Properties: no crash, no hang, no leak (sanitizers), and every error is
 * one of JET_errReadVerifyFailure, JET_errDatabaseCorrupted,
 * JET_errInvalidDatabase, JET_errRecordNotFound / JET_errNoCurrentRecord
 * where they belong, or JET_errOutOfMemory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esefmt.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MOVES 3000
#define FUZZ_ESE_MAX_INPUT (4u << 20)

static void expect_err(JET_ERR err, const char *what)
{
	if (err >= 0 || err == JET_errReadVerifyFailure || err == JET_errDatabaseCorrupted ||
	    err == JET_errInvalidDatabase || err == JET_errOutOfMemory ||
	    err == JET_errNoCurrentRecord || err == JET_errRecordNotFound)
		return;
	FUZZ_FAIL("%s returned %ld", what, (long)err);
}

static void put_checksum(uint8_t *pg, uint32_t cb, uint32_t pgno)
{
	if (get_le32(pg + 36) & 0x2000) {
		if (cb <= 8192) {
			put_le64(pg, ese_checksum_ecc(pg, cb, pgno, true));
			return;
		}
		uint32_t block = cb <= 16384 ? 4096 : 8192;
		for (uint32_t i = 1; i < 4; i++)
			put_le64(pg + 40 + 8 * (i - 1),
				 ese_checksum_ecc(pg + i * block, block, pgno, false));
		put_le64(pg, ese_checksum_ecc(pg, block, pgno, true));
	} else {
		put_le32(pg + 4, pgno);
		put_le32(pg, ese_checksum_xor(pg, cb));
	}
}

static void walk_table(ese_db *db, const ese_table *t)
{
	ese_cursor *c = NULL;
	JET_ERR err = ese_cursor_open(db, t, &c);
	expect_err(err, "ese_cursor_open");
	if (err < 0)
		return;
	uint8_t key[256];
	size_t cbKey = 0;
	int moves = 0;
	for (err = ese_cursor_first(c); err >= 0 && moves < MAX_MOVES;
	     err = ese_cursor_next(c), moves++) {
		const void *pv;
		size_t cb;
		if (ese_cursor_key(c, &pv, &cb) >= 0) {
			cbKey = cb < sizeof(key) ? cb : sizeof(key);
			memcpy(key, pv, cbKey);
		}
		for (uint32_t k = 0; k < t->ncols; k++) {
			uint32_t n = 0;
			JET_ERR e = ese_cursor_value_count(c, t->cols[k].id, &n);
			expect_err(e, "ese_cursor_value_count");
			for (uint32_t it = 1; e >= 0 && it <= n && it <= 16; it++)
				expect_err(ese_cursor_value(c, t->cols[k].id, it, &pv, &cb),
					   "ese_cursor_value");
		}
	}
	expect_err(err, "ese_cursor_next");
	for (err = ese_cursor_last(c), moves = 0; err >= 0 && moves < 50;
	     err = ese_cursor_prev(c), moves++)
		;
	expect_err(err, "ese_cursor_prev");
	if (cbKey)
		expect_err(ese_cursor_seek(c, key, cbKey), "ese_cursor_seek");
	ese_cursor_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > FUZZ_ESE_MAX_INPUT)
		return 0;
	uint8_t mode = data[0];
	size_t cb = size - 1;
	uint8_t *file = malloc(cb ? cb : 1);
	if (!file)
		abort();
	if (cb)
		memcpy(file, data + 1, cb);
	uint32_t ps = cb >= 240 ? get_le32(file + 236) : 0;
	if (ps != 4096 && ps != 8192 && ps != 16384 && ps != 32768)
		ps = 4096;
	if (mode & 0x01)
		for (size_t off = 2 * (size_t)ps; off + ps <= cb; off += ps)
			put_checksum(file + off, ps, (uint32_t)(off / ps - 1));
	if ((mode & 0x02) && cb >= ps)
		put_le32(file, ese_checksum_xor(file, ps));
	char path[512];
	snprintf(path, sizeof(path), "%s/in.edb", fuzz_dir());
	fuzz_write_file(path, file, cb);
	free(file);

	ese_db *db = NULL;
	JET_ERR err = ese_open(os_vfs_posix(), path, &db);
	expect_err(err, "ese_open");
	if (err >= 0) {
		uint32_t np = 0, bad = 0, first = 0;
		expect_err(ese_verify_all(db, &np, &bad, &first), "ese_verify_all");
		for (uint32_t i = 0; i < ese_table_count(db) && i < 64; i++)
			walk_table(db, ese_table_at(db, i));
		ese_close(db);
	}
	fuzz_dir_clear();
	return 0;
}
