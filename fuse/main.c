/*
 * main.c - jetfs [options] DATABASE MOUNTPOINT
 *
 * Layout: the database file is DATABASE; its logs (edbXXXXXXXX.log), the
 * checkpoint (edb.chk), the staging files and the lock file live in the
 * directory DATABASE.jetlog/, created when missing. The lock file holds an
 * exclusive flock(2) for the life of the mount and the pid of the jetfs
 * that holds it, so a second jetfs on the same database is refused.
 *
 * Life: (fork to the background unless -f) lock, JetInit (which recovers a
 * database left dirty), attach or create the database, mount, the
 * multi-threaded FUSE loop; when it ends (fusermount3 -u, SIGTERM, SIGINT,
 * SIGHUP), every session is ended (rolling back what is uncommitted),
 * JetTerm writes a clean shutdown, exit 0. In the background the parent
 * waits until the mount is up, so its exit status says whether it is.
 */
#define FUSE_USE_VERSION 314
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs_int.h"

#define JETFS_VERSION "0.1.0"
#define CACHE_BYTES_MAX ((unsigned long)128 << 20)
#define PAGE_SIZE_DEFAULT 8192ul

struct options {
	char *database;
	int nonopt;
	int create;
	int ro;
};

#define OPT(t, p)                                                                                  \
	{                                                                                          \
		t, offsetof(struct options, p), 1                                                  \
	}
static const struct fuse_opt g_opts[] = {
    OPT("create", create),
    OPT("ro", ro),
    FUSE_OPT_END,
};

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct options *o = data;
	(void)outargs;
	if (key == FUSE_OPT_KEY_NONOPT) {
		if (o->nonopt++ == 0) {
			o->database = strdup(arg);
			return 0; /* ours */
		}
		return 1; /* the mount point: fuse_parse_cmdline's */
	}
	if (key == FUSE_OPT_KEY_OPT && strcmp(arg, "ro") == 0) {
		o->ro = 1;
		return 1; /* the kernel's too */
	}
	return 1;
}

static void usage(const char *prog)
{
	printf("usage: %s [options] DATABASE MOUNTPOINT\n\n"
	       "Mounts a libjet database as a folder: tables as CSV files, schemas in\n"
	       ".schema/, sessions as directories in .sessions/, a physical backup in\n"
	       ".backup/ (see jetfs(1)).\n\n"
	       "jetfs options:\n"
	       "    -o create              create DATABASE if it does not exist\n"
	       "    -o ro                  read-only: every write fails with EROFS\n\n"
	       "Logs, checkpoint and lock live in DATABASE.jetlog/.\n\n",
	       prog);
}

static int mkdir_p(const char *dir)
{
	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

/* Absolute form of path (its directory must exist). */
static char *abspath(const char *path)
{
	char dir[PATH_MAX], *slash, *out;
	const char *base;
	char rdir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		base = path + (slash - dir) + 1;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	} else {
		strcpy(dir, ".");
		base = path;
	}
	if (!*base || !realpath(dir, rdir))
		return NULL;
	size_t n = strlen(rdir) + strlen(base) + 2;
	if (!(out = malloc(n)))
		return NULL;
	snprintf(out, n, "%s%s%s", rdir, strcmp(rdir, "/") ? "/" : "", base);
	return out;
}

/* Takes DATABASE.jetlog/lock; -1 (message printed) if another jetfs has it. */
static int take_lock(const char *log_dir, const char *db)
{
	char path[PATH_MAX], buf[32];
	int fd;

	snprintf(path, sizeof(path), "%s/lock", log_dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		fprintf(stderr, "jetfs: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		fprintf(stderr, "jetfs: %s is in use by another jetfs (pid %s)\n", db,
			*buf ? buf : "?");
		close(fd);
		return -1;
	}
	int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len)
		fprintf(stderr, "jetfs: %s: cannot write the pid: %s\n", path, strerror(errno));
	return fd;
}

static void jet_fail(const char *what, const char *db, JET_ERR err)
{
	fprintf(stderr, "jetfs: %s: %s: %s (%s)\n", db, what, JetErrorDescription(err),
		JetErrorName(err));
}

/* The engine: params, JetInit (recovery), the database attached. */
static JET_ERR start_engine(jfs *fs, bool create)
{
	JET_ERR err;
	JET_SESID ses = 0;
	char dirslash[PATH_MAX];
	struct stat sb;

	snprintf(dirslash, sizeof(dirslash), "%s/", fs->log_dir);
	if ((err = JetCreateInstance(&fs->inst, "jetfs")) < 0) {
		jet_fail("JetCreateInstance", fs->db_path, err);
		return err;
	}
	struct {
		unsigned long id;
		JET_API_PTR l;
		const char *sz;
	} params[] = {
	    {JET_paramSystemPath, 0, dirslash},
	    {JET_paramLogFilePath, 0, dirslash},
	    {JET_paramTempPath, 0, dirslash},
	    {JET_paramBaseName, 0, "edb"},
	    {JET_paramMaxSessions, 8192, NULL},
	    {JET_paramMaxVerPages, 262144, NULL},
	    {JET_paramCacheSizeMax, CACHE_BYTES_MAX / PAGE_SIZE_DEFAULT, NULL},
	    {JET_paramCircularLog, 1, NULL},
	};
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		err = JetSetSystemParameter(&fs->inst, 0, params[i].id, params[i].l, params[i].sz);
		if (err < 0 && params[i].id != JET_paramMaxVerPages &&
		    params[i].id != JET_paramCircularLog) {
			jet_fail("JetSetSystemParameter", fs->db_path, err);
			return err;
		}
	}
	if ((err = JetInit(&fs->inst)) < 0) {
		jet_fail("JetInit (recovery)", fs->db_path, err);
		return err;
	}
	if ((err = JetBeginSession(fs->inst, &ses, "", "")) < 0) {
		jet_fail("JetBeginSession", fs->db_path, err);
		return err;
	}
	if (stat(fs->db_path, &sb) < 0) {
		if (!create) {
			fprintf(stderr, "jetfs: %s: no such database (-o create makes one)\n",
				fs->db_path);
			err = JET_errFileNotFound;
		} else if (fs->readonly) {
			fprintf(stderr, "jetfs: %s: -o create and -o ro together\n", fs->db_path);
			err = JET_errInvalidParameter;
		} else {
			JET_DBID dbid;
			err = JetCreateDatabase(ses, fs->db_path, NULL, &dbid, 0);
			if (err < 0)
				jet_fail("JetCreateDatabase", fs->db_path, err);
			else
				JetCloseDatabase(ses, dbid, 0);
		}
	} else {
		err = JetAttachDatabase(ses, fs->db_path, fs->readonly ? JET_bitDbReadOnly : 0);
		if (err == JET_wrnDatabaseAttached)
			err = JET_errSuccess;
		if (err < 0)
			jet_fail("JetAttachDatabase", fs->db_path, err);
	}
	JetEndSession(ses, 0);
	return err;
}

/* Tables another program changed have sizes found by rendering; recount
 * them now, so that every st_size is exact without rendering (an error
 * only leaves those sizes to be rendered, so the mount goes on). */
static void repair_sizes(jfs *fs)
{
	jfs_sess *s;
	unsigned long fixed = 0;
	JET_ERR err = jfs_sess_new(fs, false, &s);

	if (err >= 0) {
		err = jfs_sizes_repair(fs, s, &fixed);
		jfs_sess_free(s);
	}
	if (err < 0)
		fprintf(stderr, "jetfs: %s: recounting table sizes: %s\n", fs->db_path,
			JetErrorDescription(err));
	if (fixed)
		fprintf(stderr, "jetfs: %s: recounted the sizes of %lu table%s changed outside jetfs\n",
			fs->db_path, fixed, fixed == 1 ? "" : "s");
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts cl;
	struct options o;
	struct fuse_session *se = NULL;
	jfs fs;
	int ret = 1, lockfd = -1, statusfd = -1;
	char *mountpoint = NULL;
	bool engine = false, mounted = false;

	memset(&o, 0, sizeof(o));
	memset(&fs, 0, sizeof(fs));
	memset(&cl, 0, sizeof(cl));
	if (fuse_opt_parse(&args, &o, g_opts, opt_proc) < 0)
		return 1;
	if (fuse_parse_cmdline(&args, &cl) != 0)
		return 1;
	if (cl.show_help) {
		usage(argv[0]);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		ret = 0;
		goto out_args;
	}
	if (cl.show_version) {
		printf("jetfs version %s\n", JETFS_VERSION);
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (!o.database || !cl.mountpoint) {
		fprintf(stderr,
			"usage: %s [options] DATABASE MOUNTPOINT\n"
			"       %s --help\n",
			argv[0], argv[0]);
		goto out_args;
	}
	if (!(fs.db_path = abspath(o.database))) {
		fprintf(stderr, "jetfs: %s: %s\n", o.database, strerror(errno ? errno : EINVAL));
		goto out_args;
	}
	if (asprintf(&fs.log_dir, "%s.jetlog", fs.db_path) < 0)
		goto out_args;
	mountpoint = cl.mountpoint;
	fs.readonly = o.ro != 0;
	fs.foreground = cl.foreground != 0;
	fs.uid = getuid();
	fs.gid = getgid();
	fs.file_mode = fs.readonly ? 0444 : 0644;
	fs.dir_mode = fs.readonly ? 0555 : 0755;
	clock_gettime(CLOCK_REALTIME, &fs.mount_time);

	/* Requests of up to 1 MiB; the kernel checks permissions by mode. */
	fuse_opt_add_arg(&args, "-omax_read=1048576");
	fuse_opt_add_arg(&args, "-odefault_permissions");
	{
		char *fsname;
		if (asprintf(&fsname, "-ofsname=jetfs:%s,subtype=jetfs", fs.db_path) >= 0) {
			/* commas in the path would split the option */
			if (!strchr(fs.db_path, ','))
				fuse_opt_add_arg(&args, fsname);
			free(fsname);
		}
	}

	/* Into the background first: the engine's threads must be the
	 * daemon's. The parent waits for the child's word on the mount. */
	if (!cl.foreground) {
		int pfd[2];
		if (pipe(pfd) < 0) {
			perror("jetfs: pipe");
			goto out_args;
		}
		pid_t pid = fork();
		if (pid < 0) {
			perror("jetfs: fork");
			goto out_args;
		}
		if (pid > 0) {
			char c = 1;
			close(pfd[1]);
			if (read(pfd[0], &c, 1) != 1)
				c = 1;
			_exit(c);
		}
		close(pfd[0]);
		statusfd = pfd[1];
		setsid();
	}

	if (mkdir_p(fs.log_dir) < 0) {
		fprintf(stderr, "jetfs: %s: %s\n", fs.log_dir, strerror(errno));
		goto out;
	}
	if ((lockfd = take_lock(fs.log_dir, fs.db_path)) < 0)
		goto out;
	engine = true;
	if (start_engine(&fs, o.create != 0) < 0)
		goto out;
	if (!fs.readonly)
		repair_sizes(&fs);
	if (!(se = jfs_fs_new(&fs, &args))) {
		fprintf(stderr, "jetfs: cannot start the FUSE session\n");
		goto out;
	}
	if (fuse_set_signal_handlers(se) != 0)
		goto out;
	if (fuse_session_mount(se, mountpoint) != 0)
		goto out_signals;
	mounted = true;
	if (statusfd >= 0) {
		char c = 0;
		int nullfd = open("/dev/null", O_RDWR);
		if (write(statusfd, &c, 1) != 1)
			perror("jetfs: status pipe");
		close(statusfd);
		statusfd = -1;
		if (nullfd >= 0) {
			dup2(nullfd, 0);
			dup2(nullfd, 1);
			dup2(nullfd, 2);
			if (nullfd > 2)
				close(nullfd);
		}
		if (chdir("/") < 0) {
			/* nothing to report to: stderr is gone */
		}
	}
	if (cl.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		struct fuse_loop_config *lc = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(lc, cl.clone_fd);
		fuse_loop_cfg_set_max_threads(
		    lc, cl.max_threads > 0 && cl.max_threads <= 100000 ? cl.max_threads : 64);
		if (cl.max_idle_threads != UINT_MAX)
			fuse_loop_cfg_set_idle_threads(lc, cl.max_idle_threads);
		ret = fuse_session_loop_mt(se, lc);
		fuse_loop_cfg_destroy(lc);
	}
	ret = ret < 0 ? 1 : 0;
	fuse_session_unmount(se);
	mounted = false;
out_signals:
	fuse_remove_signal_handlers(se);
out:
	if (mounted)
		fuse_session_unmount(se);
	if (se)
		jfs_fs_shutdown(&fs);
	if (engine && fs.inst) {
		JET_ERR err = JetTerm(fs.inst);
		if (err < 0) {
			jet_fail("JetTerm", fs.db_path, err);
			ret = 1;
		}
	}
	if (se)
		jfs_fs_destroy(&fs);
	if (lockfd >= 0) {
		if (ftruncate(lockfd, 0) < 0) {
			/* a stale pid is only informative */
		}
		close(lockfd);
	}
	if (statusfd >= 0) {
		char c = 1;
		if (write(statusfd, &c, 1) != 1) {
			/* the parent sees EOF: failure either way */
		}
		close(statusfd);
	}
out_args:
	free(cl.mountpoint);
	free(o.database);
	free(fs.db_path);
	free(fs.log_dir);
	fuse_opt_free_args(&args);
	return ret;
}
