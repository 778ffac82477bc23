/*
 * fuzz_csv.c - libFuzzer target: the CSV codec of jetfs (fuse/csv.h).
 *
 * Input: 4 control bytes, then the CSV text.
 *   byte 0: chunking seed (the text is fed in pieces of 1..256 bytes whose
 *           sizes follow from it; 0 feeds it whole)
 *   byte 1: field_max  = byte * 64 (0: the default, 64 MiB)
 *   byte 2: fields_max = byte (0: the default, 65536)
 *   byte 3: code page: 0 default, 1 UTF-16 (1200), 2 1252, 3 ASCII, else UTF-8
 *
 * Properties (a violation aborts):
 *   - feed/finish return success or a documented error (csv.h), and an
 *     error sticks: a later feed returns the same one;
 *   - no row has more fields than fields_max, no field more than field_max
 *     bytes;
 *   - for every field and every column type, csv_parse_value either fails
 *     cleanly (out unchanged) or gives bytes v with parse(render(v)) == v;
 *     csv_parse_field (multi-valued literals) fails cleanly or succeeds;
 *   - every row, written back by csv_write_row as text, is csv_row_length
 *     bytes long and parses to the same fields, NULL and empty kept apart;
 *   - chunking does not matter: the rows are the same as with one feed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fuzz_util.h"
#include "jet_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const JET_COLTYP g_types[] = {
    JET_coltypBit,          JET_coltypUnsignedByte, JET_coltypShort,
    JET_coltypLong,         JET_coltypCurrency,     JET_coltypIEEESingle,
    JET_coltypIEEEDouble,   JET_coltypDateTime,     JET_coltypBinary,
    JET_coltypText,         JET_coltypLongBinary,   JET_coltypLongText,
    JET_coltypUnsignedLong, JET_coltypLongLong,     JET_coltypGUID,
    JET_coltypUnsignedShort, JET_coltypUnsignedLongLong, JET_coltypNil,
    JET_coltypSLV,          JET_coltypMax,
};

static bool csv_err_ok(JET_ERR err)
{
	return err == JET_errInvalidParameter || err == JET_errColumnTooBig ||
	       err == JET_errTooManyColumns || err == JET_errInvalidBufferSize ||
	       err == JET_errInvalidColumnType || err == JET_errOutOfMemory;
}

/* A digest of every row the parser delivers, to compare two parses. */
typedef struct rows_digest {
	uint64_t h;
	uint64_t rows;
	size_t field_max, fields_max;
	unsigned cp;
	bool check_values; /* run the per-value and round-trip checks */
	size_t last_nfields;
	uint64_t last_row_hash; /* row_hash of the last row */
} rows_digest;

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

/* One field through every type's parser and back through its renderer. */
static void check_value(const rows_digest *d, const csv_ftext *f)
{
	for (size_t t = 0; t < sizeof(g_types) / sizeof(g_types[0]); t++) {
		csv_buf out, text, again;
		csv_buf_init(&out);
		csv_buf_init(&text);
		csv_buf_init(&again);
		const char *reason = NULL;
		JET_ERR err = csv_parse_value(g_types[t], d->cp, f->p, f->len, &out, &reason);
		if (err < 0) {
			if (!csv_err_ok(err))
				FUZZ_FAIL("csv_parse_value(type %ld) gave %ld", (long)g_types[t],
					  (long)err);
			if (out.len != 0)
				FUZZ_FAIL("csv_parse_value(type %ld) failed but appended %zu bytes",
					  (long)g_types[t], out.len);
		} else {
			err = csv_render_value(g_types[t], d->cp, out.p, out.len, &text);
			if (err < 0)
				FUZZ_FAIL("type %ld cp %u: parsed %zu bytes that do not render: %ld",
					  (long)g_types[t], d->cp, out.len, (long)err);
			err = csv_parse_value(g_types[t], d->cp, text.p, text.len, &again, &reason);
			if (err < 0)
				FUZZ_FAIL("type %ld cp %u: rendered text \"%.*s\" does not parse: %ld "
					  "(%s)",
					  (long)g_types[t], d->cp, (int)text.len, text.p, (long)err,
					  reason ? reason : "");
			if (again.len != out.len || (out.len && memcmp(again.p, out.p, out.len) != 0))
				FUZZ_FAIL("type %ld cp %u: parse(render(v)) != v for \"%.*s\"",
					  (long)g_types[t], d->cp, (int)f->len, f->p);
		}
		csv_buf_free(&out);
		csv_buf_free(&text);
		csv_buf_free(&again);

		csv_values vals;
		csv_values_init(&vals);
		err = csv_parse_field(g_types[t], d->cp, t % 2 == 0, f->p, f->len, f->quoted, &vals,
				      &reason);
		if (err < 0 && !csv_err_ok(err))
			FUZZ_FAIL("csv_parse_field(type %ld) gave %ld", (long)g_types[t], (long)err);
		if (err >= 0)
			for (size_t i = 0; i < vals.n; i++)
				if (vals.v[i].off + vals.v[i].cb > vals.data.len)
					FUZZ_FAIL("csv_parse_field: value %zu out of its buffer", i);
		csv_values_free(&vals);
	}
}

static JET_ERR digest_row(void *ctx, uint64_t line, const csv_ftext *fields, size_t nfields);

/* The row as values: per field NULL or its bytes (quoting aside). */
static uint64_t row_hash(const csv_ftext *fields, size_t nfields)
{
	uint64_t h = mix(1, nfields);
	for (size_t i = 0; i < nfields; i++) {
		bool null = fields[i].len == 0 && !fields[i].quoted;
		h = mix(h, null ? UINT64_MAX : fields[i].len);
		for (size_t k = 0; k < fields[i].len; k++)
			h = mix(h, (uint8_t)fields[i].p[k]);
	}
	return h;
}

/* Writes the row back as text (LongText, bytes as they are) and parses it
 * again: the same fields must come out. */
static void check_row_roundtrip(const rows_digest *d, const csv_ftext *fields, size_t nfields)
{
	csv_field *cf = calloc(nfields ? nfields : 1, sizeof(*cf));
	csv_value *cv = calloc(nfields ? nfields : 1, sizeof(*cv));
	if (!cf || !cv)
		abort();
	for (size_t i = 0; i < nfields; i++) {
		cf[i].coltyp = JET_coltypLongText;
		cf[i].cp = CSV_CP_UTF8;
		cv[i].pv = fields[i].p;
		cv[i].cb = fields[i].len;
		/* NULL is an unquoted empty field; anything else one value */
		cf[i].nvalues = fields[i].len == 0 && !fields[i].quoted ? 0 : 1;
		cf[i].values = &cv[i];
	}
	csv_buf out;
	csv_buf_init(&out);
	size_t cb = 0;
	uint64_t cbl = 0;
	JET_ERR err = csv_write_row(&out, cf, nfields, &cb);
	JET_ERR errl = csv_row_length(cf, nfields, &cbl);
	if ((err < 0) != (errl < 0))
		FUZZ_FAIL("csv_write_row gave %ld but csv_row_length %ld", (long)err, (long)errl);
	if (err >= 0) {
		if (cb != out.len || cbl != out.len)
			FUZZ_FAIL("row of %zu bytes: csv_write_row said %zu, csv_row_length %llu",
				  out.len, cb, (unsigned long long)cbl);
		/* UTF-8 text renders as its bytes: parsing the row back must give
		 * the same values. */
		rows_digest d2 = {0, 0, 0, 0, d->cp, false, 0, 0};
		csv_parser *p = NULL;
		if (csv_parser_create(&p, NULL, digest_row, &d2) < 0)
			abort();
		err = csv_parser_feed(p, out.p, out.len);
		if (err >= 0)
			err = csv_parser_finish(p);
		if (err < 0)
			FUZZ_FAIL("a row csv_write_row wrote does not parse: %ld (%s)", (long)err,
				  csv_parser_error(p, NULL));
		if (csv_parser_rows(p) != 1)
			FUZZ_FAIL("one written row parsed as %llu rows",
				  (unsigned long long)csv_parser_rows(p));
		if (d2.last_nfields != nfields)
			FUZZ_FAIL("a row of %zu fields parsed back with %zu", nfields,
				  d2.last_nfields);
		if (d2.last_row_hash != row_hash(fields, nfields))
			FUZZ_FAIL("a row written by csv_write_row parses back to other values");
		csv_parser_destroy(p);
	}
	csv_buf_free(&out);
	free(cf);
	free(cv);
}

static JET_ERR digest_row(void *ctx, uint64_t line, const csv_ftext *fields, size_t nfields)
{
	rows_digest *d = ctx;
	d->rows++;
	d->h = mix(d->h, line);
	d->h = mix(d->h, nfields);
	d->last_nfields = nfields;
	d->last_row_hash = row_hash(fields, nfields);
	if (d->fields_max && nfields > d->fields_max)
		FUZZ_FAIL("a row of %zu fields passed fields_max %zu", nfields, d->fields_max);
	for (size_t i = 0; i < nfields; i++) {
		if (d->field_max && fields[i].len > d->field_max)
			FUZZ_FAIL("a field of %zu bytes passed field_max %zu", fields[i].len,
				  d->field_max);
		d->h = mix(d->h, fields[i].len * 2 + fields[i].quoted);
		for (size_t k = 0; k < fields[i].len; k++)
			d->h = mix(d->h, (uint8_t)fields[i].p[k]);
		if (d->check_values && d->rows <= 4 && i < 8)
			check_value(d, &fields[i]);
	}
	if (d->check_values && d->rows <= 8)
		check_row_roundtrip(d, fields, nfields);
	return JET_errSuccess;
}

/* Parses text in chunks; returns the final error, fills *d. */
static JET_ERR parse_all(const uint8_t *text, size_t n, uint8_t chunk_seed,
			 const csv_limits *lim, rows_digest *d)
{
	csv_parser *p = NULL;
	JET_ERR err = csv_parser_create(&p, lim, digest_row, d);
	if (err < 0)
		return err;
	uint32_t st = chunk_seed;
	size_t pos = 0;
	while (pos < n) {
		size_t k = n - pos;
		if (chunk_seed) {
			st = st * 1103515245u + 12345u;
			k = JET_MIN(k, (size_t)((st >> 16) % 256) + 1);
		}
		err = csv_parser_feed(p, text + pos, k);
		if (err < 0)
			break;
		pos += k;
	}
	if (err >= 0)
		err = csv_parser_finish(p);
	if (err < 0) {
		uint64_t line = 0;
		const char *reason = csv_parser_error(p, &line);
		if (!csv_err_ok(err))
			FUZZ_FAIL("csv parser gave %ld (%s)", (long)err, reason ? reason : "");
		if (!reason)
			FUZZ_FAIL("csv parser failed with %ld but gives no reason", (long)err);
		JET_ERR again = csv_parser_feed(p, "x", 1);
		if (again != err)
			FUZZ_FAIL("the parser's error %ld did not stick: next feed gave %ld",
				  (long)err, (long)again);
	}
	csv_parser_destroy(p);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	static const unsigned cps[] = {CSV_CP_DEFAULT, CSV_CP_UNICODE, CSV_CP_WIN1252,
				       CSV_CP_ASCII, CSV_CP_UTF8};
	csv_limits lim = {(size_t)data[1] * 64, data[2]};
	rows_digest d1 = {0, 0, lim.field_max, lim.fields_max, cps[JET_MIN(data[3], 4)], true, 0, 0};
	rows_digest d2 = d1;
	d2.check_values = false;
	JET_ERR e1 = parse_all(data + 4, size - 4, data[0], &lim, &d1);
	JET_ERR e2 = parse_all(data + 4, size - 4, 0, &lim, &d2);
	if (e1 != e2 || d1.rows != d2.rows || (e1 >= 0 && d1.h != d2.h))
		FUZZ_FAIL("chunked parse (seed %u) gave %ld and %llu rows, whole %ld and %llu rows",
			  data[0], (long)e1, (unsigned long long)d1.rows, (long)e2,
			  (unsigned long long)d2.rows);
	return 0;
}
