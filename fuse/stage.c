/*
 * stage.c - the text written to an open table file, kept until it is
 * applied (see jetfs.h, "stage.c + apply.c").
 *
 * A stage is a byte string that writes, reads and truncates address by
 * offset, like a file. It lives in memory while it is at most
 * JFS_STAGE_MEM_MAX bytes; the first operation that would make it longer
 * moves it to an unlinked temporary file in fs->log_dir (O_TMPFILE, or
 * mkstemp + unlink where the file system lacks it) and from then on every
 * byte is in that file, so a stage of any size holds at most
 * JFS_STAGE_MEM_MAX bytes of memory. The file disappears with the stage (or
 * with the process).
 *
 * Rules:
 *  - A write may start anywhere in [0, size]; one starting past the end
 *    would leave a hole and is refused (JET_errInvalidParameter, EINVAL).
 *  - Truncating to a larger size appends zero bytes (as ftruncate does).
 *  - I/O errors are JET_errDiskFull for ENOSPC/EDQUOT, JET_errDiskIO
 *    otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jet_common.h"
#include "jetfs.h"

#define JFS_STAGE_MEM_MAX ((uint64_t)8 << 20)

struct jfs_stage {
	const jfs *fs;
	char *mem;     /* the bytes while fd < 0 */
	size_t cap;    /* allocated bytes of mem */
	uint64_t size; /* bytes staged */
	int fd;        /* the spill file, or -1 */
};

static JET_ERR stage_io_err(int e)
{
	return (e == ENOSPC || e == EDQUOT) ? JET_errDiskFull : JET_errDiskIO;
}

JET_ERR jfs_stage_create(jfs *fs, jfs_stage **out)
{
	jfs_stage *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (!st)
		return JET_errOutOfMemory;
	st->fs = fs;
	st->fd = -1;
	*out = st;
	return JET_errSuccess;
}

/* Opens the unlinked spill file in fs->log_dir (or $TMPDIR, /tmp when the
 * mount has none). */
static JET_ERR stage_open_file(jfs_stage *st, int *pfd)
{
	const char *dir = st->fs && st->fs->log_dir ? st->fs->log_dir : NULL;
	char path[4096];
	int fd = -1;

	if (!dir)
		dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
	if (fd < 0) {
		if (snprintf(path, sizeof(path), "%s/.jetfs-stage-XXXXXX", dir) >=
		    (int)sizeof(path))
			return JET_errInvalidPath;
		fd = mkostemp(path, O_CLOEXEC);
		if (fd < 0)
			return stage_io_err(errno);
		(void)unlink(path);
	}
	*pfd = fd;
	return JET_errSuccess;
}

static JET_ERR stage_pwrite(int fd, const char *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return stage_io_err(errno);
		}
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return JET_errSuccess;
}

/* Moves the bytes in memory to the spill file. */
static JET_ERR stage_spill(jfs_stage *st)
{
	JET_ERR err;
	int fd;

	CallR(stage_open_file(st, &fd));
	err = stage_pwrite(fd, st->mem, (size_t)st->size, 0);
	if (err < 0) {
		close(fd);
		return err;
	}
	free(st->mem);
	st->mem = NULL;
	st->cap = 0;
	st->fd = fd;
	return JET_errSuccess;
}

/* Makes room for size `need` in memory, or spills. */
static JET_ERR stage_reserve(jfs_stage *st, uint64_t need)
{
	size_t cap;
	char *p;

	if (st->fd >= 0)
		return JET_errSuccess;
	if (need > JFS_STAGE_MEM_MAX)
		return stage_spill(st);
	if (need <= st->cap)
		return JET_errSuccess;
	cap = st->cap ? st->cap : 4096;
	while (cap < need)
		cap *= 2;
	if (cap > JFS_STAGE_MEM_MAX)
		cap = (size_t)JFS_STAGE_MEM_MAX;
	p = realloc(st->mem, cap);
	if (!p)
		return JET_errOutOfMemory;
	st->mem = p;
	st->cap = cap;
	return JET_errSuccess;
}

JET_ERR jfs_stage_write(jfs_stage *st, uint64_t off, const char *buf, size_t size)
{
	if (!st || (!buf && size))
		return JET_errInvalidParameter;
	if (off > st->size || size > UINT64_MAX - off)
		return JET_errInvalidParameter;
	if (size == 0)
		return JET_errSuccess;
	CallR(stage_reserve(st, off + size));
	if (st->fd >= 0)
		CallR(stage_pwrite(st->fd, buf, size, off));
	else
		memcpy(st->mem + off, buf, size);
	if (off + size > st->size)
		st->size = off + size;
	return JET_errSuccess;
}

JET_ERR jfs_stage_read(jfs_stage *st, uint64_t off, char *buf, size_t size, size_t *pgot)
{
	size_t n, got = 0;

	if (!st || (!buf && size) || !pgot)
		return JET_errInvalidParameter;
	*pgot = 0;
	if (off >= st->size)
		return JET_errSuccess;
	n = st->size - off < size ? (size_t)(st->size - off) : size;
	if (st->fd < 0) {
		memcpy(buf, st->mem + off, n);
		*pgot = n;
		return JET_errSuccess;
	}
	while (got < n) {
		ssize_t r = pread(st->fd, buf + got, n - got, (off_t)(off + got));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return JET_errDiskIO;
		}
		if (r == 0)
			return JET_errDiskIO; /* the file lost bytes we wrote */
		got += (size_t)r;
	}
	*pgot = got;
	return JET_errSuccess;
}

JET_ERR jfs_stage_truncate(jfs_stage *st, uint64_t size)
{
	if (!st)
		return JET_errInvalidParameter;
	if (size > st->size) {
		CallR(stage_reserve(st, size));
		if (st->fd < 0)
			memset(st->mem + st->size, 0, (size_t)(size - st->size));
	}
	if (st->fd >= 0 && ftruncate(st->fd, (off_t)size) < 0)
		return stage_io_err(errno);
	st->size = size;
	return JET_errSuccess;
}

uint64_t jfs_stage_size(const jfs_stage *st)
{
	return st ? st->size : 0;
}

void jfs_stage_destroy(jfs_stage *st)
{
	if (!st)
		return;
	if (st->fd >= 0)
		close(st->fd);
	free(st->mem);
	free(st);
}
