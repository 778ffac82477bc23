/*
 * os_posix.c - the POSIX vfs: the only file in libjet that calls open(2),
 * pread(2), pwrite(2), fdatasync(2) and friends.
 *
 * Rules this file keeps:
 *  1. errno becomes a JET_ERR in exactly one place, os_posix_err().
 *  2. Reads and writes loop until the whole transfer is done: EINTR is
 *     retried and a partial transfer continues where it stopped. A read stops
 *     early only at end of file, which is not an error.
 *  3. Every descriptor is opened with O_CLOEXEC, so a fork+exec elsewhere in
 *     the process (jetutil, tests) never inherits a database file or its lock.
 *  4. A failed fdatasync is reported, never retried: after a writeback error
 *     Linux may already have dropped the dirty pages and marked them clean,
 *     so a second fsync that "succeeds" would be a lie (PostgreSQL's
 *     fsyncgate). Only EINTR, which means nothing was attempted, is retried.
 *  5. Locks are flock(2) locks: they belong to the open file description, so
 *     two opens of one file in one process exclude each other just as two
 *     processes do, and the lock goes away with the descriptor.
 */
#include "os.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct posix_file {
	os_file base; /* first: an os_file * is a posix_file * */
	int fd;
} posix_file;

/* The one errno -> JET_ERR mapping (rule 1); os.h lists it. */
static JET_ERR os_posix_err(int e)
{
	switch (e) {
	case 0:
		return JET_errSuccess;
	case ENOSPC:
	case EDQUOT:
		return JET_errDiskFull;
	case ENOENT:
		return JET_errFileNotFound;
	case EACCES:
	case EPERM:
		return JET_errFileAccessDenied;
	case EROFS:
		return JET_errDatabaseFileReadOnly;
	case EEXIST:
		/* Only O_EXCL opens see this; os.h lets the caller remap it. */
		return JET_errDatabaseDuplicate;
	case ENOMEM:
		return JET_errOutOfMemory;
#if EAGAIN != EWOULDBLOCK
	case EWOULDBLOCK:
#endif
	case EAGAIN:
		return JET_errDatabaseLocked;
	default:
		return JET_errDiskIO;
	}
}

static bool os_posix_range_ok(uint64_t off, size_t cb)
{
	return off <= (uint64_t)INT64_MAX && (uint64_t)cb <= (uint64_t)INT64_MAX - off;
}

static JET_ERR os_posix_open(os_vfs *vfs, const char *path, int flags, os_file **out)
{
	if (out)
		*out = NULL;
	if (vfs == NULL || path == NULL || *path == '\0' || out == NULL ||
	    (flags & ~(OS_OPEN_READONLY | OS_OPEN_CREATE | OS_OPEN_EXCL | OS_OPEN_TRUNCATE)) ||
	    ((flags & OS_OPEN_EXCL) && !(flags & OS_OPEN_CREATE)) ||
	    ((flags & OS_OPEN_READONLY) && (flags & OS_OPEN_TRUNCATE)))
		return JET_errInvalidParameter;

	int oflags = O_CLOEXEC | ((flags & OS_OPEN_READONLY) ? O_RDONLY : O_RDWR);
	if (flags & OS_OPEN_CREATE)
		oflags |= O_CREAT;
	if (flags & OS_OPEN_EXCL)
		oflags |= O_EXCL;
	if (flags & OS_OPEN_TRUNCATE)
		oflags |= O_TRUNC;

	posix_file *pf = jet_malloc(sizeof *pf);
	if (pf == NULL)
		return JET_errOutOfMemory;
	int fd;
	do
		fd = open(path, oflags, 0644);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		JET_ERR err = os_posix_err(errno);
		jet_free(pf);
		return err;
	}
	pf->base.vfs = vfs;
	pf->fd = fd;
	*out = &pf->base;
	return JET_errSuccess;
}

static JET_ERR os_posix_close(os_file *f)
{
	if (f == NULL)
		return JET_errInvalidParameter;
	posix_file *pf = (posix_file *)f;
	/* On Linux the descriptor is gone even when close fails (EINTR too), so
	 * never retry; an EIO here is a late writeback error worth reporting. */
	int rc = close(pf->fd);
	JET_ERR err = rc < 0 && errno != EINTR ? os_posix_err(errno) : JET_errSuccess;
	jet_free(pf);
	return err;
}

static JET_ERR os_posix_read(os_file *f, uint64_t offset, void *buf, size_t cb, size_t *pcbRead)
{
	if (pcbRead)
		*pcbRead = 0;
	if (f == NULL || (buf == NULL && cb) || pcbRead == NULL || !os_posix_range_ok(offset, cb))
		return JET_errInvalidParameter;
	posix_file *pf = (posix_file *)f;
	size_t done = 0;
	while (done < cb) {
		ssize_t n = pread(pf->fd, (char *)buf + done, cb - done, (off_t)(offset + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return os_posix_err(errno);
		}
		if (n == 0)
			break; /* end of file */
		done += (size_t)n;
	}
	*pcbRead = done;
	return JET_errSuccess;
}

static JET_ERR os_posix_write(os_file *f, uint64_t offset, const void *buf, size_t cb)
{
	if (f == NULL || (buf == NULL && cb) || !os_posix_range_ok(offset, cb))
		return JET_errInvalidParameter;
	posix_file *pf = (posix_file *)f;
	size_t done = 0;
	while (done < cb) {
		ssize_t n =
		    pwrite(pf->fd, (const char *)buf + done, cb - done, (off_t)(offset + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return os_posix_err(errno);
		}
		if (n == 0)
			return JET_errDiskIO; /* no progress and no errno: do not spin */
		done += (size_t)n;
	}
	return JET_errSuccess;
}

static JET_ERR os_posix_sync(os_file *f)
{
	if (f == NULL)
		return JET_errInvalidParameter;
	posix_file *pf = (posix_file *)f;
	int rc;
	do
		rc = fdatasync(pf->fd);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? os_posix_err(errno) : JET_errSuccess;
}

static JET_ERR os_posix_size(os_file *f, uint64_t *pcb)
{
	if (pcb)
		*pcb = 0;
	if (f == NULL || pcb == NULL)
		return JET_errInvalidParameter;
	struct stat st;
	if (fstat(((posix_file *)f)->fd, &st) < 0)
		return os_posix_err(errno);
	*pcb = (uint64_t)st.st_size;
	return JET_errSuccess;
}

static JET_ERR os_posix_truncate(os_file *f, uint64_t cb)
{
	if (f == NULL || cb > (uint64_t)INT64_MAX)
		return JET_errInvalidParameter;
	const int fd = ((posix_file *)f)->fd;
	struct stat st;
	int rc;
	if (fstat(fd, &st) < 0)
		return os_posix_err(errno);
	/* Growth takes real blocks now, not a hole: a database or log file
	 * that is sparse meets a full disk later, when a checkpoint or a
	 * recovery writes pages of transactions that already committed. Here
	 * the full disk fails the extension, in the transaction that asked. */
	if ((off_t)cb > st.st_size) {
		do
			rc = fallocate(fd, 0, st.st_size, (off_t)cb - st.st_size);
		while (rc < 0 && errno == EINTR);
		if (rc == 0)
			return JET_errSuccess;
		if (errno != EOPNOTSUPP && errno != ENOSYS)
			return os_posix_err(errno);
		/* A file system without fallocate: a hole it is. */
	}
	do
		rc = ftruncate(fd, (off_t)cb);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? os_posix_err(errno) : JET_errSuccess;
}

static JET_ERR os_posix_lock(os_file *f, bool exclusive)
{
	if (f == NULL)
		return JET_errInvalidParameter;
	int rc;
	do
		rc = flock(((posix_file *)f)->fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? os_posix_err(errno) : JET_errSuccess;
}

static JET_ERR os_posix_rename(os_vfs *vfs, const char *from, const char *to)
{
	if (vfs == NULL || from == NULL || to == NULL || !*from || !*to)
		return JET_errInvalidParameter;
	return rename(from, to) < 0 ? os_posix_err(errno) : JET_errSuccess;
}

static JET_ERR os_posix_unlink(os_vfs *vfs, const char *path)
{
	if (vfs == NULL || path == NULL || !*path)
		return JET_errInvalidParameter;
	return unlink(path) < 0 ? os_posix_err(errno) : JET_errSuccess;
}

/* A rename, create or unlink is durable only once the directory holding the
 * name is fsynced; fdatasync of the file itself does not cover its name. */
static JET_ERR os_posix_sync_dir(os_vfs *vfs, const char *dirpath)
{
	if (vfs == NULL || dirpath == NULL || !*dirpath)
		return JET_errInvalidParameter;
	int fd;
	do
		fd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return os_posix_err(errno);
	int rc;
	do
		rc = fsync(fd);
	while (rc < 0 && errno == EINTR);
	JET_ERR err = rc < 0 ? os_posix_err(errno) : JET_errSuccess;
	close(fd); /* read-only directory descriptor: nothing to report */
	return err;
}

static JET_ERR os_posix_mkdir(os_vfs *vfs, const char *path)
{
	if (vfs == NULL || path == NULL || !*path)
		return JET_errInvalidParameter;
	if (mkdir(path, 0755) == 0)
		return JET_errSuccess;
	int e = errno;
	if (e == EEXIST) {
		/* "Exists already" means as a directory; a file of that name is not
		 * a directory we could use. */
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return JET_errSuccess;
		return JET_errInvalidPath;
	}
	return os_posix_err(e);
}

static JET_ERR os_posix_exists(os_vfs *vfs, const char *path, bool *pfExists)
{
	if (pfExists)
		*pfExists = false;
	if (vfs == NULL || path == NULL || !*path || pfExists == NULL)
		return JET_errInvalidParameter;
	struct stat st;
	if (stat(path, &st) == 0) {
		*pfExists = true;
		return JET_errSuccess;
	}
	/* ENOTDIR: a prefix of the path is a file, so the name cannot exist. */
	if (errno == ENOENT || errno == ENOTDIR)
		return JET_errSuccess;
	return os_posix_err(errno);
}

static JET_ERR os_posix_list_dir(os_vfs *vfs, const char *dirpath,
				 JET_ERR (*fn)(void *ctx, const char *name), void *ctx)
{
	if (vfs == NULL || dirpath == NULL || !*dirpath || fn == NULL)
		return JET_errInvalidParameter;
	JET_ERR err = JET_errSuccess;
	DIR *d = NULL;
	int fd;
	/* open+fdopendir rather than opendir so the O_CLOEXEC is ours to see. */
	do
		fd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return os_posix_err(errno);
	d = fdopendir(fd);
	if (d == NULL) {
		err = os_posix_err(errno);
		close(fd);
		return err;
	}
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				Error(os_posix_err(errno));
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		Call(fn(ctx, de->d_name));
	}
	err = JET_errSuccess; /* a callback's warning does not outlive its entry */
HandleError:
	closedir(d); /* also closes fd */
	return err;
}

static os_vfs os_posix_vfs = {
    .name = "posix",
    .open = os_posix_open,
    .close = os_posix_close,
    .read = os_posix_read,
    .write = os_posix_write,
    .sync = os_posix_sync,
    .size = os_posix_size,
    .truncate = os_posix_truncate,
    .lock = os_posix_lock,
    .rename = os_posix_rename,
    .unlink = os_posix_unlink,
    .sync_dir = os_posix_sync_dir,
    .mkdir = os_posix_mkdir,
    .exists = os_posix_exists,
    .list_dir = os_posix_list_dir,
};

os_vfs *os_vfs_posix(void)
{
	return &os_posix_vfs;
}

JET_ERR os_read_exact(os_file *f, uint64_t off, void *buf, size_t cb)
{
	if (f == NULL || f->vfs == NULL || (buf == NULL && cb))
		return JET_errInvalidParameter;
	size_t done = 0;
	/* The vfs read already loops; looping here too costs nothing and keeps
	 * this right for a vfs that stops short, since only a read that brings
	 * nothing proves the end of the file. */
	while (done < cb) {
		size_t got = 0;
		CallR(os_read(f, off + done, (char *)buf + done, cb - done, &got));
		if (got == 0)
			return JET_errFileIOBeyondEOF;
		done += got;
	}
	return JET_errSuccess;
}
