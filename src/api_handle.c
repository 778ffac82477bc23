/*
 * api_handle.c - handle tables: JET_INSTANCE, JET_SESID and JET_TABLEID
 * values that can be checked before they are used.
 *
 * A handle is ((kind << 30) | (generation << 20) | slot) + 1. A slot's
 * generation grows each time the slot is freed, so a stale handle never
 * matches a new object in the same slot (until the 10-bit generation wraps);
 * the kind (0 instance, 1 session, 2 table) keeps a handle of one table from
 * naming a live object of another: the first instance, session and cursor
 * would otherwise all be handle 1.
 *
 * Rules:
 *  1. handle_new, handle_free and handle_foreach take the table's mutex;
 *     handle_get (instances) too.
 *  2. handle_peek looks up without any lock (every Jet* call on a session
 *     or cursor does it). The slot array is reserved once at its full size
 *     (SLOT_MAX slots, calloc'd, so untouched pages cost nothing) and never
 *     moves; obj, gen and owner are atomics. A free sets obj to NULL, then
 *     bumps gen; handle_peek reads gen, obj and owner, then gen again, and
 *     trusts obj only if both reads match the handle: like a seqlock, a
 *     free or reuse in between is seen.
 *  3. What handle_peek returns may be freed right after by another thread,
 *     so its callers must keep such objects mapped (api_sess.c recycles
 *     sessions, never frees them) and re-check with handle_peek once they
 *     hold the object (the session's busy mark), or only use an object
 *     whose owner (checked in the slot, before dereferencing) they hold.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "api_int.h"

#define SLOT_BITS 20
#define SLOT_MAX (1u << SLOT_BITS)
#define GEN_MASK 0x3ffu
#define KIND_SHIFT 30

typedef struct handle_slot {
	_Atomic(void *) obj;
	_Atomic uint32_t gen;
	_Atomic uint32_t owner; /* caller's tag (a cursor's session handle), 0 none */
} handle_slot;

struct handle_table {
	pthread_mutex_t mu;
	_Atomic(handle_slot *) slots; /* SLOT_MAX slots, allocated on first use */
	_Atomic uint32_t n;           /* slots ever used */
	uint32_t free_hint;
	uint32_t kind; /* in the handle's top bits */
};

handle_table api_instances = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0};
handle_table api_sessions = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 1};
handle_table api_tables = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 2};

void handle_lock(handle_table *t) { pthread_mutex_lock(&t->mu); }
void handle_unlock(handle_table *t) { pthread_mutex_unlock(&t->mu); }

JET_ERR handle_new_owned(handle_table *t, void *obj, uint32_t owner, JET_API_PTR *out)
{
	JET_ERR err = JET_errSuccess;
	pthread_mutex_lock(&t->mu);
	handle_slot *slots = atomic_load(&t->slots);
	uint32_t n = atomic_load(&t->n);
	uint32_t i;
	if (!slots) {
		slots = jet_calloc(SLOT_MAX, sizeof(*slots));
		if (!slots)
			Error(JET_errOutOfMemory);
		atomic_store(&t->slots, slots);
	}
	for (i = t->free_hint; i < n; i++)
		if (!atomic_load_explicit(&slots[i].obj, memory_order_relaxed))
			break;
	if (i == n) {
		if (n == SLOT_MAX)
			Error(JET_errOutOfMemory);
		atomic_store(&t->n, n + 1);
	}
	atomic_store(&slots[i].owner, owner);
	atomic_store(&slots[i].obj, obj);
	t->free_hint = i + 1;
	uint32_t gen = atomic_load(&slots[i].gen) & GEN_MASK;
	*out = ((JET_API_PTR)t->kind << KIND_SHIFT | (JET_API_PTR)gen << SLOT_BITS | i) + 1;
HandleError:
	pthread_mutex_unlock(&t->mu);
	return err;
}

JET_ERR handle_new(handle_table *t, void *obj, JET_API_PTR *out)
{
	return handle_new_owned(t, obj, 0, out);
}

/* The slot of h, or NULL for a malformed handle or one never handed out. */
static handle_slot *slot_of(handle_table *t, JET_API_PTR h, uint32_t *pgen)
{
	if (h == 0 || h - 1 > 0xffffffffu || (uint32_t)((h - 1) >> KIND_SHIFT) != t->kind)
		return NULL;
	uint32_t i = (uint32_t)((h - 1) & (SLOT_MAX - 1));
	handle_slot *slots = atomic_load(&t->slots);
	if (!slots || i >= atomic_load(&t->n))
		return NULL;
	*pgen = (uint32_t)((h - 1) >> SLOT_BITS) & GEN_MASK;
	return &slots[i];
}

void *handle_get_locked(handle_table *t, JET_API_PTR h)
{
	uint32_t gen;
	handle_slot *sl = slot_of(t, h, &gen);
	if (!sl || (atomic_load(&sl->gen) & GEN_MASK) != gen)
		return NULL;
	return atomic_load(&sl->obj);
}

void *handle_get(handle_table *t, JET_API_PTR h)
{
	pthread_mutex_lock(&t->mu);
	void *obj = handle_get_locked(t, h);
	pthread_mutex_unlock(&t->mu);
	return obj;
}

void *handle_peek(handle_table *t, JET_API_PTR h, uint32_t owner)
{
	uint32_t gen;
	handle_slot *sl = slot_of(t, h, &gen);
	if (!sl)
		return NULL;
	uint32_t g1 = atomic_load(&sl->gen);
	void *obj = atomic_load(&sl->obj);
	uint32_t o = atomic_load(&sl->owner);
	uint32_t g2 = atomic_load(&sl->gen);
	if (g1 != g2 || (g1 & GEN_MASK) != gen || (owner && o != owner))
		return NULL;
	return obj;
}

void handle_free(handle_table *t, JET_API_PTR h)
{
	pthread_mutex_lock(&t->mu);
	if (handle_get_locked(t, h)) {
		uint32_t i = (uint32_t)((h - 1) & (SLOT_MAX - 1));
		handle_slot *slots = atomic_load(&t->slots);
		atomic_store(&slots[i].obj, NULL);
		atomic_store(&slots[i].gen, atomic_load(&slots[i].gen) + 1);
		if (i < t->free_hint)
			t->free_hint = i;
	}
	pthread_mutex_unlock(&t->mu);
}

/* Calls fn for every live object (under the table's lock). */
void handle_foreach(handle_table *t, void (*fn)(void *obj, void *ctx), void *ctx)
{
	pthread_mutex_lock(&t->mu);
	handle_slot *slots = atomic_load(&t->slots);
	uint32_t n = atomic_load(&t->n);
	for (uint32_t i = 0; i < n; i++) {
		void *obj = atomic_load(&slots[i].obj);
		if (obj)
			fn(obj, ctx);
	}
	pthread_mutex_unlock(&t->mu);
}
