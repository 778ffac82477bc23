/*
 * api_handle.c - handle tables: JET_INSTANCE, JET_SESID and JET_TABLEID
 * values that can be checked before they are used.
 *
 * A handle is ((kind << 30) | (generation << 20) | slot) + 1. A slot's
 * generation grows each time the slot is freed, so a stale handle never
 * matches a new object in the same slot (until the 10-bit generation wraps);
 * the kind (0 instance, 1 session, 2 table) keeps a handle of one table from
 * naming a live object of another: the first instance, session and cursor
 * would otherwise all be handle 1. Lookups take one mutex; the object is
 * used only by the thread that validated it (api_enter marks the session
 * busy under the same mutex), so a concurrent free cannot pull it away.
 */
#include <pthread.h>

#include "api_int.h"

#define SLOT_BITS 20
#define SLOT_MAX (1u << SLOT_BITS)
#define GEN_MASK 0x3ffu
#define KIND_SHIFT 30

typedef struct handle_slot {
	void *obj;
	uint32_t gen;
} handle_slot;

struct handle_table {
	pthread_mutex_t mu;
	handle_slot *slots;
	uint32_t n, cap;
	uint32_t free_hint;
	uint32_t kind; /* in the handle's top bits */
};

handle_table api_instances = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0, 0};
handle_table api_sessions = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0, 1};
handle_table api_tables = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0, 2};

void handle_lock(handle_table *t) { pthread_mutex_lock(&t->mu); }
void handle_unlock(handle_table *t) { pthread_mutex_unlock(&t->mu); }

JET_ERR handle_new(handle_table *t, void *obj, JET_API_PTR *out)
{
	JET_ERR err = JET_errSuccess;
	pthread_mutex_lock(&t->mu);
	uint32_t i;
	for (i = t->free_hint; i < t->n; i++)
		if (!t->slots[i].obj)
			break;
	if (i == t->n) {
		if (t->n == t->cap) {
			uint32_t ncap = t->cap ? t->cap * 2 : 64;
			if (ncap > SLOT_MAX)
				Error(JET_errOutOfMemory);
			handle_slot *ns = jet_realloc(t->slots, ncap * sizeof(*ns));
			if (!ns)
				Error(JET_errOutOfMemory);
			memset(ns + t->cap, 0, (ncap - t->cap) * sizeof(*ns));
			t->slots = ns;
			t->cap = ncap;
		}
		i = t->n++;
	}
	t->slots[i].obj = obj;
	t->free_hint = i + 1;
	uint32_t gen = t->slots[i].gen & GEN_MASK;
	*out = ((JET_API_PTR)t->kind << KIND_SHIFT | (JET_API_PTR)gen << SLOT_BITS | i) + 1;
HandleError:
	pthread_mutex_unlock(&t->mu);
	return err;
}

void *handle_get_locked(handle_table *t, JET_API_PTR h)
{
	if (h == 0 || h - 1 > 0xffffffffu || (uint32_t)((h - 1) >> KIND_SHIFT) != t->kind)
		return NULL;
	uint32_t i = (uint32_t)((h - 1) & (SLOT_MAX - 1));
	uint32_t gen = (uint32_t)((h - 1) >> SLOT_BITS) & GEN_MASK;
	if (i >= t->n || (t->slots[i].gen & GEN_MASK) != gen)
		return NULL;
	return t->slots[i].obj;
}

void *handle_get(handle_table *t, JET_API_PTR h)
{
	pthread_mutex_lock(&t->mu);
	void *obj = handle_get_locked(t, h);
	pthread_mutex_unlock(&t->mu);
	return obj;
}

void handle_free(handle_table *t, JET_API_PTR h)
{
	pthread_mutex_lock(&t->mu);
	if (handle_get_locked(t, h)) {
		uint32_t i = (uint32_t)((h - 1) & (SLOT_MAX - 1));
		t->slots[i].obj = NULL;
		t->slots[i].gen++;
		if (i < t->free_hint)
			t->free_hint = i;
	}
	pthread_mutex_unlock(&t->mu);
}

/* Calls fn for every live object (under the table's lock). */
void handle_foreach(handle_table *t, void (*fn)(void *obj, void *ctx), void *ctx)
{
	pthread_mutex_lock(&t->mu);
	for (uint32_t i = 0; i < t->n; i++)
		if (t->slots[i].obj)
			fn(t->slots[i].obj, ctx);
	pthread_mutex_unlock(&t->mu);
}
