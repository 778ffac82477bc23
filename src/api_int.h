/*
 * api_int.h - shared by the API layer's own files (api_handle.c,
 * api_inst.c, api_sess.c, api_db.c): the handle tables and the process-wide
 * state. The table layer uses only api.h.
 */
#ifndef JET_API_INT_H
#define JET_API_INT_H

#include "api.h"

typedef struct handle_table handle_table;
extern handle_table api_instances, api_sessions, api_tables;

JET_ERR handle_new(handle_table *t, void *obj, JET_API_PTR *out);
/* With owner: the slot also records a tag (non-zero) that handle_peek
 * can require. */
JET_ERR handle_new_owned(handle_table *t, void *obj, uint32_t owner, JET_API_PTR *out);
void *handle_get(handle_table *t, JET_API_PTR h);
/* Lock-free lookup (rules in api_handle.c); owner 0: any. */
void *handle_peek(handle_table *t, JET_API_PTR h, uint32_t owner);
void *handle_get_locked(handle_table *t, JET_API_PTR h);
void handle_free(handle_table *t, JET_API_PTR h);
void handle_lock(handle_table *t);
void handle_unlock(handle_table *t);
void handle_foreach(handle_table *t, void (*fn)(void *obj, void *ctx), void *ctx);

/* Instances (api_inst.c). */
JET_ERR api_inst_get(JET_INSTANCE instance, api_inst **out);
/* Instances running, for JET_errNotInitialized. */
extern _Atomic int api_running_instances;

enum api_enter_flags {
	API_ENTER_ALLOW_STOPPED = 0x1, /* JetEndSession works after JetStopService */
	API_ENTER_END_SESSION = 0x2,   /* busy -> SessionInUse rather than SharingViolation */
};
JET_ERR api_enter_ex(JET_SESID sesid, int flags, api_sess **out);

/* Ends a session (api_sess.c), used by JetTerm for sessions left open. */
JET_ERR api_sess_destroy(api_sess *s);

#endif
