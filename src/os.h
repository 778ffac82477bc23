/*
 * os.h - the only place libjet touches the operating system's files.
 *
 * Every read, write, sync, rename, unlink and directory sync of the engine
 * goes through an os_vfs. Two implementations exist: the POSIX one
 * (os_posix.c), used by default, and the fault-injecting twin (os_fault.c)
 * that tests wrap around it to fail the Nth call or to simulate a power
 * loss. Nothing above this layer calls open(2), pread(2), fsync(2), ...
 *
 * Errors are mapped once, here: ENOSPC/EDQUOT -> JET_errDiskFull,
 * ENOENT -> JET_errFileNotFound, EACCES/EPERM -> JET_errFileAccessDenied,
 * EROFS -> JET_errDatabaseFileReadOnly (on open for write), EAGAIN/EWOULDBLOCK
 * on a lock -> JET_errDatabaseLocked, anything else -> JET_errDiskIO.
 * A short read at end of file is not an error: *pcbRead says how much came.
 */
#ifndef JET_OS_H
#define JET_OS_H

#include "jet_common.h"

typedef struct os_vfs os_vfs;
typedef struct os_file os_file;

enum os_open_flags {
	OS_OPEN_READONLY = 0x1, /* O_RDONLY instead of O_RDWR */
	OS_OPEN_CREATE = 0x2,   /* create if missing */
	OS_OPEN_EXCL = 0x4,     /* with CREATE: fail (JET_errDatabaseDuplicate... caller maps) if it exists */
	OS_OPEN_TRUNCATE = 0x8,
};

/* The operations a vfs provides. Every function pointer is mandatory. */
struct os_vfs {
	const char *name;
	JET_ERR (*open)(os_vfs *vfs, const char *path, int flags, os_file **out);
	JET_ERR (*close)(os_file *f);
	JET_ERR (*read)(os_file *f, uint64_t offset, void *buf, size_t cb, size_t *pcbRead);
	JET_ERR (*write)(os_file *f, uint64_t offset, const void *buf, size_t cb);
	JET_ERR (*sync)(os_file *f); /* fdatasync: data and size durable */
	JET_ERR (*size)(os_file *f, uint64_t *pcb);
	JET_ERR (*truncate)(os_file *f, uint64_t cb);
	/* Advisory whole-file lock (flock). exclusive=false gives a shared lock.
	 * Held until close. Already held elsewhere: JET_errDatabaseLocked. */
	JET_ERR (*lock)(os_file *f, bool exclusive);
	JET_ERR (*rename)(os_vfs *vfs, const char *from, const char *to);
	JET_ERR (*unlink)(os_vfs *vfs, const char *path); /* missing: JET_errFileNotFound */
	JET_ERR (*sync_dir)(os_vfs *vfs, const char *dirpath);
	JET_ERR (*mkdir)(os_vfs *vfs, const char *path); /* exists already: success */
	JET_ERR (*exists)(os_vfs *vfs, const char *path, bool *pfExists);
	/* Calls fn for each entry name in dir (not "." or ".."); fn's error stops
	 * the walk and is returned. */
	JET_ERR (*list_dir)(os_vfs *vfs, const char *dirpath,
			    JET_ERR (*fn)(void *ctx, const char *name), void *ctx);
};

/* Every os_file starts with this so the helpers below can dispatch. */
struct os_file {
	os_vfs *vfs;
};

/* The process-wide POSIX vfs. */
os_vfs *os_vfs_posix(void);

/* Thin dispatchers, so callers write os_read(f, ...) whatever the vfs. */
static inline JET_ERR os_open(os_vfs *v, const char *path, int flags, os_file **out)
{
	return v->open(v, path, flags, out);
}
static inline JET_ERR os_close(os_file *f) { return f->vfs->close(f); }
static inline JET_ERR os_read(os_file *f, uint64_t off, void *buf, size_t cb, size_t *got)
{
	return f->vfs->read(f, off, buf, cb, got);
}
static inline JET_ERR os_write(os_file *f, uint64_t off, const void *buf, size_t cb)
{
	return f->vfs->write(f, off, buf, cb);
}
static inline JET_ERR os_sync(os_file *f) { return f->vfs->sync(f); }
static inline JET_ERR os_size(os_file *f, uint64_t *pcb) { return f->vfs->size(f, pcb); }
static inline JET_ERR os_truncate(os_file *f, uint64_t cb) { return f->vfs->truncate(f, cb); }
static inline JET_ERR os_lock(os_file *f, bool excl) { return f->vfs->lock(f, excl); }

/* Reads exactly cb bytes or fails: a short read is JET_errFileIOBeyondEOF. */
JET_ERR os_read_exact(os_file *f, uint64_t off, void *buf, size_t cb);

/*
 * The fault-injecting vfs (os_fault.c). It wraps another vfs and counts
 * every call. Configure it, run a workload, inspect the counters.
 *
 * Failures: the call numbered fail_at (1-based, counting only the kinds in
 * fail_kinds) fails with fail_err; with fail_sticky, every later call of
 * those kinds fails too. A short write writes the first half (rounded down
 * to 512 bytes) and then fails with fail_err.
 *
 * Power loss: at the powerloss_at-th sync (1-based, file or directory), the
 * sync does not happen; instead every write since each file's last sync is,
 * per 512-byte sector and by the seeded PRNG, kept, dropped (old bytes put
 * back), or replaced with garbage (a write wider than a sector may thus be
 * torn), according to powerloss_mode; creates and renames not followed by a
 * sync of their directory are undone. From then on every call fails with
 * JET_errDiskIO (the machine is "off") until os_fault_reset.
 */
enum os_fault_kind {
	OS_FAULT_READ = 0x1,
	OS_FAULT_WRITE = 0x2,
	OS_FAULT_SYNC = 0x4, /* file syncs and directory syncs */
	OS_FAULT_OPEN = 0x8,
	OS_FAULT_META = 0x10, /* rename, unlink, mkdir, truncate */
	OS_FAULT_ALL = 0x1f,
};

enum os_powerloss_mode {
	OS_POWERLOSS_DROP_ALL = 0, /* every unsynced write is lost */
	OS_POWERLOSS_KEEP_ALL = 1, /* every unsynced write survived */
	OS_POWERLOSS_RANDOM = 2,   /* per sector: keep, drop or garbage */
};

typedef struct os_fault_config {
	uint64_t fail_at;      /* 0: no failure */
	int fail_kinds;        /* OS_FAULT_* mask */
	JET_ERR fail_err;      /* JET_errDiskIO or JET_errDiskFull */
	bool fail_sticky;
	bool fail_short_write; /* a failing write first writes half */
	uint64_t powerloss_at; /* 0: none */
	int powerloss_mode;    /* enum os_powerloss_mode */
	uint64_t seed;
} os_fault_config;

typedef struct os_fault_stats {
	uint64_t reads, writes, syncs, opens, metas;
	uint64_t failures_injected;
	bool powered_off;
} os_fault_stats;

/* A new fault vfs over `base` (normally os_vfs_posix()). */
JET_ERR os_fault_create(os_vfs *base, os_vfs **out);
void os_fault_destroy(os_vfs *fault);
void os_fault_configure(os_vfs *fault, const os_fault_config *cfg); /* also resets counters */
void os_fault_stats_get(os_vfs *fault, os_fault_stats *out);
/* Power the machine back on: forget unsynced-write tracking, clear failures. */
void os_fault_reset(os_vfs *fault);
/* Simulate the power loss now (as if at the next sync). */
void os_fault_power_off(os_vfs *fault);

/* Named crash points (crash.c): code calls JET_CRASH_POINT("commit.after_log")
 * at interesting places; a test arms one by name with a countdown and the
 * process then dies by _exit(99) (or, in-process, the point returns
 * JET_errDiskIO and powers the fault vfs off). Unarmed, a point costs one
 * load and a branch. */
typedef enum { CRASH_EXIT = 0, CRASH_POWER_OFF = 1 } crash_action;
void crash_arm(const char *name, uint64_t countdown, crash_action action, os_vfs *fault_vfs);
void crash_disarm(void);
bool crash_point_hit(const char *name); /* returns true when the armed point fires (CRASH_POWER_OFF) */
/* Arms CRASH_EXIT from the environment, JET_CRASH_POINT=name:countdown, for
 * child-process crash tests. Reads the variable once per process; later calls
 * return the first result. Unset: success, nothing armed. Malformed value or
 * unknown name: JET_errInvalidParameter. */
JET_ERR crash_arm_from_env(void);
extern volatile int crash_armed;
#define JET_CRASH_POINT(name) (JET_UNLIKELY(crash_armed) && crash_point_hit(name))

/* Every crash point name, NULL-terminated, for the test that runs each. */
extern const char *const crash_point_names[];

#endif
