/*
 * tread.c - reading a table as CSV at any offset, in bounded memory.
 *
 * The reader keeps a window: the rendered bytes [win_off, win_off + len)
 * of the file, always starting and ending on row boundaries (the header
 * counts as row 0), and a cursor of its own on the table, in the session's
 * snapshot. It works in one of two directions:
 *
 *   forward   the cursor is on the last record rendered into the window
 *             (or before the first, or on the next one to render after a
 *             switch from backward); reads past the window render the
 *             following rows, keeping at most KEEP_BEHIND bytes before the
 *             offset asked for.
 *   backward  the cursor is on the record that begins at win_off; reads
 *             before the window render preceding records (MovePrevious) in
 *             batches and prepend them. The window's tail is trimmed at row
 *             boundaries beyond what was asked for, remembering the bookmark
 *             of the first record dropped, so reading on forward from there
 *             continues with a JetGotoBookmark instead of a restart.
 *
 * For a read outside the window the cheapest of: go on in the current
 * direction, restart forward from the header, restart backward from the end
 * (the size is exact: jfs_table_stat, in the same snapshot), measured in
 * bytes to render. tail's read of the last bytes therefore renders only the
 * last rows, and cat streams forward rendering up to a read's worth of rows
 * per call, with no allocation per row.
 *
 * The caller serializes calls on one reader (it holds the session's mutex).
 */
#include <stdlib.h>
#include <string.h>

#include "fs_int.h"

/* bytes kept before a forward read: the kernel's readahead and parallel
 * reads arrive slightly out of order */
#define KEEP_BEHIND ((size_t)4 << 20)
#define BACK_BATCH_BYTES ((size_t)64 << 10)
#define BACK_BATCH_ROWS 512
#define WIN_SLACK ((size_t)4 << 20) /* backward: window bytes kept past a read */

enum fwd_state {
	FWD_FIRST, /* next: JET_MoveFirst */
	FWD_ON,    /* next: the record the cursor is on */
	FWD_NEXT,  /* next: JET_MoveNext */
	FWD_EOF,   /* every row rendered up to the end */
};

struct jfs_reader {
	jfs *fs;
	jfs_sess *s;
	jfs_table *t;
	JET_TABLEID cur;
	jfs_rowbuf rb;
	uint64_t size;
	csv_buf win;
	uint64_t win_off;
	int dir; /* 0 nothing rendered, 1 forward, -1 backward */
	enum fwd_state fwd;
	/* backward: the record at win_off is the cursor's; the first row after
	 * the window (when the window ends before size) has bookmark fbm */
	unsigned char fbm[JET_cbBookmarkMost];
	unsigned long cbfbm;
	bool have_fbm;
	/* backward batches */
	csv_buf tmp;
	size_t *blen;
	unsigned char *bbm; /* BACK_BATCH_ROWS bookmarks */
	unsigned long *cbbm;
};

JET_ERR jfs_reader_open(jfs *fs, jfs_sess *s, jfs_table *t, jfs_reader **out)
{
	jfs_reader *r;
	JET_ERR err;
	jfs_stat st;

	*out = NULL;
	if (!(r = calloc(1, sizeof(*r))))
		return JET_errOutOfMemory;
	r->fs = fs;
	r->s = s;
	r->t = t;
	csv_buf_init(&r->win);
	csv_buf_init(&r->tmp);
	r->blen = calloc(BACK_BATCH_ROWS, sizeof(*r->blen));
	r->cbbm = calloc(BACK_BATCH_ROWS, sizeof(*r->cbbm));
	r->bbm = malloc((size_t)BACK_BATCH_ROWS * JET_cbBookmarkMost);
	if (!r->blen || !r->cbbm || !r->bbm) {
		err = JET_errOutOfMemory;
		goto fail;
	}
	if ((err = jfs_rowbuf_init(&r->rb, t)) < 0)
		goto fail;
	err = JetOpenTable(s->sesid, s->dbid, t->name, NULL, 0,
			   JET_bitTableReadOnly | JET_bitTableSequential, &r->cur);
	if (err < 0) {
		r->cur = 0;
		goto fail;
	}
	if ((err = jfs_table_stat(fs, s, t, r->cur, &st)) < 0)
		goto fail;
	r->size = st.size;
	__atomic_add_fetch(&t->refs, 1, __ATOMIC_ACQ_REL);
	*out = r;
	return JET_errSuccess;
fail:
	r->t = NULL;
	jfs_reader_close(r);
	return err;
}

uint64_t jfs_reader_size(const jfs_reader *r)
{
	return r->size;
}

void jfs_reader_close(jfs_reader *r)
{
	if (!r)
		return;
	if (r->cur)
		JetCloseTable(r->s->sesid, r->cur);
	if (r->rb.fields)
		jfs_rowbuf_free(&r->rb);
	csv_buf_free(&r->win);
	csv_buf_free(&r->tmp);
	free(r->blen);
	free(r->cbbm);
	free(r->bbm);
	if (r->t)
		jfs_table_put(r->t);
	free(r);
}

static uint64_t win_end(const jfs_reader *r)
{
	return r->win_off + r->win.len;
}

/* Empties the window and starts forward rendering at the header. */
static void restart_forward(jfs_reader *r)
{
	r->win.len = 0;
	r->win_off = 0;
	r->dir = 1;
	r->fwd = FWD_FIRST;
	r->have_fbm = false;
}

/* Empties the window and starts backward rendering at the end. */
static void restart_backward(jfs_reader *r)
{
	r->win.len = 0;
	r->win_off = r->size;
	r->dir = -1;
	r->fwd = FWD_EOF;
	r->have_fbm = false;
}

/* Forward: drops the window's bytes before off - KEEP_BEHIND (forward
 * rendering never needs the window to start on a row boundary). */
static void trim_front(jfs_reader *r, uint64_t off)
{
	uint64_t keep_from = off > KEEP_BEHIND ? off - KEEP_BEHIND : 0;
	if (keep_from <= r->win_off)
		return;
	if (keep_from >= win_end(r)) {
		r->win_off = win_end(r);
		r->win.len = 0;
		return;
	}
	size_t drop = (size_t)(keep_from - r->win_off);
	if (r->win.len > drop)
		memmove(r->win.p, r->win.p + drop, r->win.len - drop);
	r->win.len -= drop;
	r->win_off += drop;
}

/* Forward: renders rows until the window reaches want_end or the table
 * ends. */
static JET_ERR render_forward(jfs_reader *r, uint64_t off, uint64_t want_end)
{
	JET_SESID ses = r->s->sesid;
	JET_ERR err;

	trim_front(r, off);
	if (r->fwd == FWD_FIRST && r->win_off == 0 && r->win.len == 0) {
		if ((err = jfs_render_header(r->t, &r->win)) < 0)
			return err;
	}
	while (win_end(r) < want_end && r->fwd != FWD_EOF) {
		switch (r->fwd) {
		case FWD_FIRST:
			err = JetMove(ses, r->cur, JET_MoveFirst, 0);
			break;
		case FWD_NEXT:
			err = JetMove(ses, r->cur, JET_MoveNext, 0);
			break;
		default:
			err = JET_errSuccess;
			break;
		}
		if (err == JET_errNoCurrentRecord) {
			r->fwd = FWD_EOF;
			break;
		}
		if (err < 0)
			return err;
		r->fwd = FWD_NEXT;
		/* rows wholly before off - KEEP_BEHIND are not kept */
		if (win_end(r) + KEEP_BEHIND < off && r->win.len > 0) {
			r->win_off = win_end(r);
			r->win.len = 0;
		}
		if ((err = jfs_rowbuf_render(&r->rb, ses, r->cur, &r->win, NULL)) < 0)
			return err;
	}
	if (r->fwd == FWD_EOF && win_end(r) != r->size) {
		jfs_log(r->fs, r->t->name, 0,
			"rendering ends at byte %llu but the size is %llu (snapshot inconsistent)",
			(unsigned long long)win_end(r), (unsigned long long)r->size);
		return JET_errDatabaseCorrupted;
	}
	return JET_errSuccess;
}

/* Backward: renders batches of preceding rows until win_off <= off. The
 * window's tail beyond want_end is dropped at row boundaries. */
static JET_ERR render_backward(jfs_reader *r, uint64_t off, uint64_t want_end)
{
	JET_SESID ses = r->s->sesid;
	JET_ERR err;

	while (r->win_off > off) {
		size_t n = 0, total = 0;
		bool bof = false;
		unsigned char cur_bm[JET_cbBookmarkMost];
		unsigned long cb_cur_bm = 0;
		bool fresh = r->win_off == r->size && r->win.len == 0;

		if (!fresh && r->win.len > 0) {
			/* the record at win_off: needed if the old window is dropped */
			if ((err = JetGetBookmark(ses, r->cur, cur_bm, sizeof(cur_bm),
						  &cb_cur_bm)) < 0)
				return err;
		}
		r->tmp.len = 0;
		while (n < BACK_BATCH_ROWS && total < BACK_BATCH_BYTES &&
		       r->win_off - total > off) {
			err = JetMove(ses, r->cur,
				      (fresh && n == 0) ? JET_MoveLast : JET_MovePrevious, 0);
			if (err == JET_errNoCurrentRecord) {
				bof = true;
				break;
			}
			if (err < 0)
				return err;
			if ((err = jfs_rowbuf_render(&r->rb, ses, r->cur, &r->tmp, &r->blen[n])) <
			    0)
				return err;
			if ((err = JetGetBookmark(ses, r->cur, r->bbm + n * JET_cbBookmarkMost,
						  JET_cbBookmarkMost, &r->cbbm[n])) < 0)
				return err;
			total += r->blen[n];
			n++;
		}
		if (total > r->win_off || (bof && r->win_off - total != r->t->header_len)) {
			jfs_log(r->fs, r->t->name, 0,
				"backward rendering does not meet the header (size %llu)",
				(unsigned long long)r->size);
			return JET_errDatabaseCorrupted;
		}
		uint64_t old_off = r->win_off;
		uint64_t new_off = old_off - total;
		/* drop the old window when none of it is wanted */
		if (r->win.len > 0 && old_off >= want_end) {
			r->win.len = 0;
			memcpy(r->fbm, cur_bm, cb_cur_bm);
			r->cbfbm = cb_cur_bm;
			r->have_fbm = true;
		}
		/* a kept window (reading backward in small steps) stays bounded:
		 * its tail beyond want_end goes, and with it the way forward */
		if (r->win.len > 0 && old_off + r->win.len > want_end + WIN_SLACK) {
			r->win.len = (size_t)(want_end - old_off);
			r->have_fbm = false;
		}
		/* drop the batch's rows that start at or after want_end (rows 0..m-1) */
		size_t m = 0;
		uint64_t start = old_off;
		if (r->win.len == 0) {
			while (m < n && start - r->blen[m] >= want_end &&
			       start - r->blen[m] > off) {
				start -= r->blen[m];
				m++;
			}
			if (m > 0) {
				memcpy(r->fbm, r->bbm + (m - 1) * JET_cbBookmarkMost,
				       r->cbbm[m - 1]);
				r->cbfbm = r->cbbm[m - 1];
				r->have_fbm = true;
			}
		}
		/* the new window: rows n-1 .. m (ascending), then what is kept */
		size_t keep = (size_t)(start - new_off);
		if ((err = csv_buf_reserve(&r->win, keep)) < 0)
			return err;
		if (r->win.len)
			memmove(r->win.p + keep, r->win.p, r->win.len);
		/* tmp holds rows 0..n-1 in that order (descending positions) */
		size_t pos = 0, src_off = 0;
		for (size_t i = 0; i < n; i++)
			src_off += r->blen[i];
		for (size_t i = n; i-- > 0;) {
			src_off -= r->blen[i];
			if (i >= m) {
				memcpy(r->win.p + pos, r->tmp.p + src_off, r->blen[i]);
				pos += r->blen[i];
			}
		}
		r->win.len += keep;
		r->win_off = new_off;
		if (bof) {
			/* prepend the header */
			r->tmp.len = 0;
			if ((err = jfs_render_header(r->t, &r->tmp)) < 0)
				return err;
			if ((err = csv_buf_reserve(&r->win, r->tmp.len)) < 0)
				return err;
			if (r->win.len)
				memmove(r->win.p + r->tmp.len, r->win.p, r->win.len);
			memcpy(r->win.p, r->tmp.p, r->tmp.len);
			r->win.len += r->tmp.len;
			r->win_off = 0;
			/* the cursor is before the first record: going forward from the
			 * window's end takes fbm */
		}
	}
	return JET_errSuccess;
}

/* Makes the window hold off (and as much as possible up to want_end). */
static JET_ERR ensure(jfs_reader *r, uint64_t off, uint64_t want_end)
{
	JET_ERR err;
	uint64_t we = win_end(r);

	if (r->dir != 0 && off >= r->win_off && off < we)
		return JET_errSuccess;
	/* costs in bytes to render */
	uint64_t c_start = off, c_end = r->size - off, c_fwd = UINT64_MAX, c_back = UINT64_MAX;
	if (r->dir == 1 && off >= we && r->fwd != FWD_EOF)
		c_fwd = off - we;
	if (r->dir == -1 && off >= we && r->have_fbm)
		c_fwd = off - we;
	if (r->dir == -1 && off < r->win_off)
		c_back = r->win_off - off;

	if (c_back <= c_fwd && c_back <= c_start && c_back <= c_end) {
		/* go on backward */
	} else if (c_fwd <= c_start && c_fwd <= c_end) {
		if (r->dir == -1) {
			if ((err = JetGotoBookmark(r->s->sesid, r->cur, r->fbm, r->cbfbm)) < 0)
				return err;
			r->dir = 1;
			r->fwd = FWD_ON;
			r->have_fbm = false;
		}
	} else if (c_start <= c_end) {
		restart_forward(r);
	} else {
		restart_backward(r);
	}
	if (r->dir == 1)
		return render_forward(r, off, want_end);
	return render_backward(r, off, want_end);
}

JET_ERR jfs_reader_read(jfs_reader *r, uint64_t off, char *buf, size_t size, size_t *pgot)
{
	size_t got = 0;
	JET_ERR err;

	*pgot = 0;
	if (off >= r->size)
		return JET_errSuccess;
	if (size > r->size - off)
		size = (size_t)(r->size - off);
	while (got < size) {
		uint64_t o = off + got;
		uint64_t we;
		if ((err = ensure(r, o, off + size)) < 0)
			return err;
		we = win_end(r);
		if (o < r->win_off || o >= we)
			break; /* cannot happen with an exact size */
		size_t n = (size_t)(we - o);
		if (n > size - got)
			n = size - got;
		memcpy(buf + got, r->win.p + (o - r->win_off), n);
		got += n;
	}
	*pgot = got;
	return JET_errSuccess;
}
