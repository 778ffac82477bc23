/*
 * crash.c - named crash points.
 *
 * Engine code marks the places where dying is interesting with
 * JET_CRASH_POINT("commit.after_flush"). A test arms one point by name with a
 * countdown; the countdown-th time that point is reached it fires:
 *  - CRASH_EXIT: _exit(99) on the spot. No atexit handlers, no stdio flush,
 *    no destructors: as close to kill -9 as a process can do to itself. Used
 *    in a forked or spawned child (JET_CRASH_POINT=name:countdown in its
 *    environment, read by crash_arm_from_env()).
 *  - CRASH_POWER_OFF: the fault vfs loses power (os_fault_power_off), the
 *    point disarms and returns true so the caller fails with JET_errDiskIO;
 *    every later I/O fails too until the test powers the vfs back on.
 *
 * Unarmed cost: JET_CRASH_POINT reads the volatile crash_armed and branches.
 * Armed, hits from several threads are counted under one mutex so exactly one
 * hit fires.
 */
#include "os.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

const char *const crash_point_names[] = {
    "commit.before_log",
    "commit.before_commit_record",
    "commit.after_log_append",
    "commit.after_flush",
    "commit.after_publish",
    "checkpoint.after_pages",
    "checkpoint.before_header",
    "checkpoint.after_header",
    "log.switch",
    "btree.split",
    "recovery.mid_redo",
    "recovery.before_checkpoint",
    NULL,
};

volatile int crash_armed;

#define CRASH_NAME_MAX 64

static pthread_mutex_t crash_mutex = PTHREAD_MUTEX_INITIALIZER;
static char crash_name[CRASH_NAME_MAX];
static uint64_t crash_countdown;
static crash_action crash_act;
static os_vfs *crash_vfs;

static bool crash_name_known(const char *name)
{
	for (size_t i = 0; crash_point_names[i]; i++)
		if (strcmp(crash_point_names[i], name) == 0)
			return true;
	return false;
}

/* Arming an unregistered name is a test bug (a typo would never fire and the
 * test would pass vacuously), hence the assert; a countdown of 0 disarms. */
void crash_arm(const char *name, uint64_t countdown, crash_action action, os_vfs *fault_vfs)
{
	assert(name == NULL || crash_name_known(name));
	assert(action == CRASH_EXIT || action == CRASH_POWER_OFF);
	pthread_mutex_lock(&crash_mutex);
	crash_armed = 0;
	if (name != NULL && countdown > 0 && strlen(name) < CRASH_NAME_MAX &&
	    (action == CRASH_EXIT || action == CRASH_POWER_OFF)) {
		strcpy(crash_name, name);
		crash_countdown = countdown;
		crash_act = action;
		crash_vfs = fault_vfs;
		crash_armed = 1;
	}
	pthread_mutex_unlock(&crash_mutex);
}

void crash_disarm(void)
{
	pthread_mutex_lock(&crash_mutex);
	crash_armed = 0;
	crash_vfs = NULL;
	pthread_mutex_unlock(&crash_mutex);
}

bool crash_point_hit(const char *name)
{
	if (!crash_armed || name == NULL)
		return false;
	bool fire = false;
	os_vfs *vfs = NULL;
	pthread_mutex_lock(&crash_mutex);
	if (crash_armed && strcmp(name, crash_name) == 0 && --crash_countdown == 0) {
		if (crash_act == CRASH_EXIT)
			_exit(99);
		fire = true;
		vfs = crash_vfs;
		crash_armed = 0;
		crash_vfs = NULL;
	}
	pthread_mutex_unlock(&crash_mutex);
	/* Outside crash_mutex: the fault vfs takes its own lock. */
	if (fire && vfs != NULL)
		os_fault_power_off(vfs);
	return fire;
}

static pthread_once_t crash_env_once = PTHREAD_ONCE_INIT;
static JET_ERR crash_env_err = JET_errSuccess;

/* JET_CRASH_POINT=name:countdown. A malformed value or unknown name is an
 * error, not silence: the child would otherwise run to completion and the
 * crash test would pass without crashing anything. */
static void crash_env_read(void)
{
	const char *v = getenv("JET_CRASH_POINT");
	if (v == NULL || *v == '\0')
		return;
	const char *colon = strrchr(v, ':');
	char name[CRASH_NAME_MAX];
	size_t len = colon ? (size_t)(colon - v) : 0;
	if (colon == NULL || len == 0 || len >= sizeof name || colon[1] < '0' || colon[1] > '9') {
		crash_env_err = JET_errInvalidParameter;
		return;
	}
	memcpy(name, v, len);
	name[len] = '\0';
	char *end;
	unsigned long long countdown = strtoull(colon + 1, &end, 10);
	if (*end != '\0' || countdown == 0 || !crash_name_known(name)) {
		crash_env_err = JET_errInvalidParameter;
		return;
	}
	crash_arm(name, countdown, CRASH_EXIT, NULL);
}

JET_ERR crash_arm_from_env(void)
{
	pthread_once(&crash_env_once, crash_env_read);
	return crash_env_err;
}
