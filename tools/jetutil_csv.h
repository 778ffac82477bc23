/*
 * jetutil_csv.h - writing a folder of CSV tables and schema files, the
 * layout jetfs shows (docs/fs.md):
 *
 *   DIR/escape(T).csv       table T: header row, one row per record
 *   DIR/.schema/escape(T)   T's columns and indexes (docs/csv.md)
 *
 * The bytes come from jetfs's own modules (fuse/csv.c renders values and
 * rows, fuse/schema.c renders a definition), so an exported folder equals
 * what `cp -r MOUNTPOINT/. DIR` would give and imports back exactly.
 * `jetutil export` writes a libjet database this way; an exporter of
 * another source (a Windows ESE file) fills a jfs_table and csv_field rows
 * and uses the same calls.
 */
#ifndef JETUTIL_CSV_H
#define JETUTIL_CSV_H

#include <limits.h>
#include <stdint.h>

#include "csv.h"
#include "jetfs.h"

/* Creates DIR (if missing) and DIR/.schema; DIR must be empty. */
JET_ERR ju_out_dir_create(const char *dir);

/* One table file being written: rows go into buf and reach the file in
 * large writes; the file appears under its name only at ju_csv_out_close
 * (written as DIR/.NAME.csv.tmp, fsynced, renamed). */
typedef struct ju_csv_out {
	int fd;
	char path[PATH_MAX];
	char tmp[PATH_MAX + 8];
	csv_buf buf;    /* append rows here (csv_write_row), then ju_csv_out_flush */
	uint64_t bytes; /* written to the file so far */
	uint64_t rows;  /* the caller's count, for messages */
} ju_csv_out;

JET_ERR ju_csv_out_open(ju_csv_out *o, const char *dir, const char *table);
/* Writes buf out once it holds at least a megabyte (force: whatever it holds). */
JET_ERR ju_csv_out_flush(ju_csv_out *o, bool force);
/* keep: flush, sync and rename into place; else drop the temporary file. */
JET_ERR ju_csv_out_close(ju_csv_out *o, bool keep);

/* Writes DIR/.schema/escape(t->name) (jfs_schema_render). */
JET_ERR ju_schema_out(const char *dir, const jfs_table *t);

#endif
