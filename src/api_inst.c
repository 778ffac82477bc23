/*
 * api_inst.c - JetCreateInstance(2), JetSetSystemParameter,
 * JetGetSystemParameter, JetInit(2), JetTerm(2), JetStopService(Instance),
 * JetGetVersion.
 *
 * Parameters are described once, in param_table: which eng_params field,
 * of what kind, within what bounds, and whether it may change after
 * JetInit. JetSetSystemParameter with no instance (NULL or a zero handle)
 * sets the process-wide defaults that later instances start from, as ESE's
 * global parameters do; JetInit on a zero handle creates an instance from
 * them (ESE's legacy single-instance mode).
 */
#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>

#include "api_ese.h"
#include "api_int.h"
#include "cursor.h"

_Atomic int api_running_instances;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static eng_params g_defaults;
static bool g_defaults_set;

static eng_params *defaults_locked(void)
{
	if (!g_defaults_set) {
		eng_params_default(&g_defaults);
		g_defaults_set = true;
	}
	return &g_defaults;
}

enum param_kind { P_ULONG, P_BOOL, P_PATH, P_BASENAME, P_PAGESIZE, P_RECOVERY, P_VIRTUAL };

typedef struct param_desc {
	unsigned long id;
	int kind;
	size_t off; /* into eng_params */
	unsigned long min, max;
	bool after_init; /* may change once the instance runs */
} param_desc;

#define F(field) offsetof(eng_params, field)
static const param_desc param_table[] = {
	{JET_paramSystemPath, P_PATH, F(system_path), 0, 0, false},
	{JET_paramTempPath, P_PATH, F(temp_path), 0, 0, false},
	{JET_paramLogFilePath, P_PATH, F(log_path), 0, 0, false},
	{JET_paramBaseName, P_BASENAME, F(base_name), 0, 0, false},
	{JET_paramMaxSessions, P_ULONG, F(max_sessions), 1, 30000, false},
	{JET_paramMaxOpenTables, P_ULONG, F(max_open_tables), 1, 1u << 20, false},
	{JET_paramMaxCursors, P_ULONG, F(max_cursors), 1, 1u << 20, false},
	{JET_paramMaxVerPages, P_ULONG, F(max_ver_pages), 1, 1u << 24, false},
	{JET_paramMaxTemporaryTables, P_ULONG, F(max_temp_tables), 0, 1u << 16, false},
	{JET_paramLogFileSize, P_ULONG, F(log_file_size_kb), 64, 1u << 20, false},
	{JET_paramLogBuffers, P_ULONG, F(log_buffers), 1, 1u << 20, false},
	{JET_paramCommitDefault, P_ULONG, F(commit_default), 0, JET_bitCommitLazyFlush, true},
	{JET_paramCircularLog, P_BOOL, F(circular_log), 0, 1, true},
	{JET_paramDbExtensionSize, P_ULONG, F(db_extension_size), 1, 1u << 20, true},
	{JET_paramCacheSizeMax, P_ULONG, F(cache_size_max), 16, 1u << 30, true},
	{JET_paramCacheSizeMin, P_ULONG, F(cache_size_min), 1, 1u << 30, true},
	{JET_paramCacheSize, P_ULONG, F(cache_size_max), 16, 1u << 30, true},
	{JET_paramCheckpointDepthMax, P_ULONG, F(checkpoint_depth_max), 64 * 1024, ULONG_MAX, true},
	{JET_paramRecovery, P_RECOVERY, F(recovery), 0, 0, false},
	{JET_paramDatabasePageSize, P_PAGESIZE, F(page_size), 4096, 32768, false},
	{JET_paramCreatePathIfNotExist, P_BOOL, F(create_path_if_not_exist), 0, 1, false},
	{JET_paramErrorToString, P_VIRTUAL, 0, 0, 0, true},
	{JET_paramMaxInstances, P_VIRTUAL, 0, 0, 0, false},
	{JET_paramEnableFileCache, P_VIRTUAL, 0, 0, 0, true},
	{JET_paramLegacyFileNames, P_VIRTUAL, 0, 0, 0, false},
};
#undef F

static const param_desc *param_find(unsigned long id)
{
	for (size_t i = 0; i < sizeof(param_table) / sizeof(param_table[0]); i++)
		if (param_table[i].id == id)
			return &param_table[i];
	return NULL;
}

static JET_ERR param_set(eng_params *p, const param_desc *d, JET_API_PTR l, const char *sz)
{
	char *base = (char *)p + d->off;
	switch (d->kind) {
	case P_ULONG:
		if (l < d->min || l > d->max)
			return JET_errInvalidParameter;
		*(unsigned long *)base = (unsigned long)l;
		return JET_errSuccess;
	case P_BOOL:
		*(bool *)base = l != 0;
		return JET_errSuccess;
	case P_PATH: {
		if (!sz || !*sz)
			return JET_errInvalidParameter;
		size_t n = strlen(sz);
		if (n + 2 > 1024)
			return JET_errInvalidPath;
		/* Folders end with a slash (ESE's rule); add one if missing. */
		snprintf(base, 1024, "%s%s", sz, sz[n - 1] == '/' ? "" : "/");
		return JET_errSuccess;
	}
	case P_BASENAME:
		if (!sz || strlen(sz) != 3)
			return JET_errInvalidParameter;
		for (int i = 0; i < 3; i++)
			if (!((sz[i] >= 'a' && sz[i] <= 'z') || (sz[i] >= 'A' && sz[i] <= 'Z') ||
			      (sz[i] >= '0' && sz[i] <= '9')))
				return JET_errInvalidParameter;
		memcpy(base, sz, 4);
		return JET_errSuccess;
	case P_PAGESIZE:
		if (l < 4096 || l > 32768 || (l & (l - 1)))
			return JET_errInvalidParameter;
		*(unsigned long *)base = (unsigned long)l;
		return JET_errSuccess;
	case P_RECOVERY:
		if (!sz)
			return JET_errInvalidParameter;
		if (strcasecmp(sz, "on") == 0)
			*(bool *)base = true;
		else if (strcasecmp(sz, "off") == 0)
			*(bool *)base = false;
		else
			return JET_errInvalidParameter;
		return JET_errSuccess;
	default:
		return JET_errSuccess; /* accepted and without effect here */
	}
}

JET_ERR api_inst_get(JET_INSTANCE instance, api_inst **out)
{
	api_inst *i = handle_get(&api_instances, instance);
	if (!i)
		return JET_errInvalidInstance;
	*out = i;
	return JET_errSuccess;
}

static JET_ERR inst_new(const char *name, api_inst **out)
{
	JET_ERR err = JET_errSuccess;
	api_inst *i = jet_calloc(1, sizeof(*i));
	if (!i)
		return JET_errOutOfMemory;
	pthread_mutex_init(&i->lock, NULL);
	TAILQ_INIT(&i->sessions);
	Call(eng_inst_create(name, &i->eng));
	pthread_mutex_lock(&g_mu);
	*eng_inst_params(i->eng) = *defaults_locked();
	pthread_mutex_unlock(&g_mu);
	JET_API_PTR h;
	Call(handle_new(&api_instances, i, &h));
	i->handle = (uint32_t)h;
	*out = i;
	return JET_errSuccess;
HandleError:
	if (i->eng)
		eng_inst_destroy(i->eng);
	pthread_mutex_destroy(&i->lock);
	jet_free(i);
	return err;
}

static void inst_free(api_inst *i)
{
	api_ese_release_all(i);
	handle_free(&api_instances, i->handle);
	eng_inst_destroy(i->eng);
	pthread_mutex_destroy(&i->lock);
	jet_free(i);
}

JET_ERR JET_API JetCreateInstance2A(JET_INSTANCE *pinstance, const char *szInstanceName,
				    const char *szDisplayName, JET_GRBIT grbit)
{
	(void)szDisplayName;
	if (!pinstance)
		return JET_errInvalidParameter;
	if (grbit)
		return JET_errInvalidGrbit;
	if (szInstanceName && strlen(szInstanceName) > JET_cbNameMost)
		return JET_errInvalidName;
	api_inst *i;
	CallR(inst_new(szInstanceName, &i));
	*pinstance = i->handle;
	return JET_errSuccess;
}

JET_ERR JET_API JetCreateInstanceA(JET_INSTANCE *pinstance, const char *szInstanceName)
{
	return JetCreateInstance2A(pinstance, szInstanceName, NULL, 0);
}

JET_ERR JET_API JetSetSystemParameterA(JET_INSTANCE *pinstance, JET_SESID sesid,
				       unsigned long paramid, JET_API_PTR lParam, JET_PCSTR szParam)
{
	(void)sesid;
	const param_desc *d = param_find(paramid);
	if (!d)
		return JET_errInvalidParameter;
	if (!pinstance || *pinstance == 0) {
		pthread_mutex_lock(&g_mu);
		JET_ERR err = param_set(defaults_locked(), d, lParam, szParam);
		pthread_mutex_unlock(&g_mu);
		return err;
	}
	api_inst *i;
	CallR(api_inst_get(*pinstance, &i));
	pthread_mutex_lock(&i->lock);
	JET_ERR err;
	if (i->state != API_INST_CREATED && !d->after_init)
		err = JET_errAlreadyInitialized;
	else
		err = param_set(eng_inst_params(i->eng), d, lParam, szParam);
	pthread_mutex_unlock(&i->lock);
	return err;
}

JET_ERR JET_API JetGetSystemParameterA(JET_INSTANCE instance, JET_SESID sesid,
				       unsigned long paramid, JET_API_PTR *plParam, JET_PSTR szParam,
				       unsigned long cbMax)
{
	(void)sesid;
	const param_desc *d = param_find(paramid);
	if (!d)
		return JET_errInvalidParameter;
	if (paramid == JET_paramErrorToString) {
		if (!plParam || !szParam || cbMax == 0)
			return JET_errInvalidParameter;
		JET_ERR code = (JET_ERR)(long)*plParam;
		int n = snprintf(szParam, cbMax, "%s, %s", JetErrorName(code),
				 JetErrorDescription(code));
		return (n < 0 || (unsigned long)n >= cbMax) ? JET_wrnBufferTruncated : JET_errSuccess;
	}
	eng_params p;
	if (instance == 0) {
		pthread_mutex_lock(&g_mu);
		p = *defaults_locked();
		pthread_mutex_unlock(&g_mu);
	} else {
		api_inst *i;
		CallR(api_inst_get(instance, &i));
		pthread_mutex_lock(&i->lock);
		p = *eng_inst_params(i->eng);
		pthread_mutex_unlock(&i->lock);
	}
	const char *base = (const char *)&p + d->off;
	switch (d->kind) {
	case P_ULONG:
	case P_PAGESIZE:
		if (!plParam)
			return JET_errInvalidParameter;
		*plParam = *(const unsigned long *)base;
		return JET_errSuccess;
	case P_BOOL:
		if (!plParam)
			return JET_errInvalidParameter;
		*plParam = *(const bool *)base;
		return JET_errSuccess;
	case P_RECOVERY:
	case P_PATH:
	case P_BASENAME: {
		const char *s = d->kind == P_RECOVERY ? (*(const bool *)base ? "On" : "Off") : base;
		if (!szParam || cbMax == 0)
			return JET_errInvalidParameter;
		size_t n = strlen(s);
		if (n + 1 > cbMax)
			return JET_errBufferTooSmall;
		memcpy(szParam, s, n + 1);
		return JET_errSuccess;
	}
	default:
		if (plParam)
			*plParam = 0;
		return JET_errSuccess;
	}
}

JET_ERR JET_API JetInit2(JET_INSTANCE *pinstance, JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	api_inst *i = NULL;
	bool created = false;
	if (pinstance && *pinstance) {
		CallR(api_inst_get(*pinstance, &i));
	} else {
		CallR(inst_new(NULL, &i));
		created = true;
	}
	pthread_mutex_lock(&i->lock);
	if (i->state != API_INST_CREATED) {
		pthread_mutex_unlock(&i->lock);
		return JET_errAlreadyInitialized;
	}
	err = eng_init(i->eng, grbit);
	if (err >= 0) {
		__atomic_store_n(&i->state, API_INST_RUNNING, __ATOMIC_RELEASE);
		api_running_instances++;
	}
	pthread_mutex_unlock(&i->lock);
	if (err < 0) {
		if (created)
			inst_free(i);
		return err;
	}
	if (pinstance)
		*pinstance = i->handle;
	return err;
}

JET_ERR JET_API JetInit(JET_INSTANCE *pinstance) { return JetInit2(pinstance, 0); }

JET_ERR JET_API JetTerm2(JET_INSTANCE instance, JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	api_inst *i;
	if (grbit & ~(JET_GRBIT)(JET_bitTermComplete | JET_bitTermAbrupt | JET_bitTermStopBackup |
				 JET_bitTermDirty))
		return JET_errInvalidGrbit;
	CallR(api_inst_get(instance, &i));
	pthread_mutex_lock(&i->lock);
	if (i->state == API_INST_CREATED) {
		/* Never initialized: just free it. */
		pthread_mutex_unlock(&i->lock);
		inst_free(i);
		return JET_errSuccess;
	}
	if (i->state == API_INST_TERMINATING) {
		pthread_mutex_unlock(&i->lock);
		return JET_errTermInProgress;
	}
	/* Stored atomically: api_enter reads it without i->lock. */
	__atomic_store_n(&i->state, API_INST_TERMINATING, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&i->lock);
	/* Sessions the program left open are ended (rolled back). A session
	 * another thread is inside a call on is waited for: new calls are
	 * refused now (JET_errTermInProgress), the one running finishes, and
	 * only then may the session go. The busy mark is taken under i->lock,
	 * which a JetEndSession racing with us needs to unlink the session,
	 * so s cannot be freed under us. */
	for (;;) {
		pthread_mutex_lock(&i->lock);
		api_sess *s = TAILQ_FIRST(&i->sessions);
		unsigned long idle = 0;
		bool taken = s && atomic_compare_exchange_strong(&s->in_call, &idle, 1ul);
		pthread_mutex_unlock(&i->lock);
		if (!s)
			break;
		if (!taken) {
			nanosleep(&(struct timespec){0, 1000000}, NULL);
			continue;
		}
		CallS(api_sess_destroy(s));
	}
	CallS(eng_term(i->eng, grbit));
	api_running_instances--;
	inst_free(i);
	return err;
}

JET_ERR JET_API JetTerm(JET_INSTANCE instance) { return JetTerm2(instance, 0); }

static void stop_one(void *obj, void *ctx)
{
	(void)ctx;
	api_inst *i = obj;
	pthread_mutex_lock(&i->lock);
	if (i->state == API_INST_RUNNING)
		__atomic_store_n(&i->state, API_INST_STOPPED, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&i->lock);
}

JET_ERR JET_API JetStopService(void)
{
	handle_foreach(&api_instances, stop_one, NULL);
	return JET_errSuccess;
}

JET_ERR JET_API JetStopServiceInstance(JET_INSTANCE instance)
{
	api_inst *i;
	CallR(api_inst_get(instance, &i));
	stop_one(i, NULL);
	return JET_errSuccess;
}

JET_ERR JET_API JetGetVersion(JET_SESID sesid, unsigned long *pwVersion)
{
	(void)sesid;
	if (!pwVersion)
		return JET_errInvalidParameter;
	*pwVersion = (0u << 16) | 1u; /* libjet 0.1 */
	return JET_errSuccess;
}
