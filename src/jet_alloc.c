/*
 * jet_alloc.c - the allocation wrappers every libjet module uses, with a
 * countdown that makes the Nth allocation fail (the OOM tests).
 *
 * Disarmed (the normal case) the cost over malloc is one relaxed atomic
 * load. Armed, each allocation decrements the countdown; the one that
 * brings it to zero fails, and while `sticky` every later one fails too,
 * until jet_alloc_fail_after(0, false) disarms. jet_free and a realloc to
 * size 0 are not allocations and never fail. Thread-safe: the countdown is
 * one atomic; with several threads allocating, exactly one of them gets
 * the first failure.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "jet_common.h"

/* 0 = disarmed; n > 0 = the n-th allocation from now fails. */
static _Atomic uint64_t jet_alloc_countdown;
/* Set once the countdown fired with sticky: every allocation fails. */
static atomic_bool jet_alloc_sticky;
static atomic_bool jet_alloc_failing;

void jet_alloc_fail_after(uint64_t countdown, bool sticky)
{
	atomic_store(&jet_alloc_failing, false);
	atomic_store(&jet_alloc_sticky, sticky);
	atomic_store(&jet_alloc_countdown, countdown);
}

/* True when this allocation must fail. */
static bool jet_alloc_should_fail(void)
{
	if (JET_LIKELY(atomic_load_explicit(&jet_alloc_countdown, memory_order_relaxed) == 0))
		return atomic_load_explicit(&jet_alloc_failing, memory_order_relaxed);
	uint64_t cur = atomic_load(&jet_alloc_countdown);
	while (cur != 0) {
		if (atomic_compare_exchange_weak(&jet_alloc_countdown, &cur, cur - 1)) {
			if (cur != 1)
				return false;
			if (atomic_load(&jet_alloc_sticky))
				atomic_store(&jet_alloc_failing, true);
			return true;
		}
	}
	return atomic_load(&jet_alloc_failing);
}

void *jet_malloc(size_t n)
{
	if (JET_UNLIKELY(jet_alloc_should_fail()))
		return NULL;
	return malloc(n);
}

void *jet_calloc(size_t count, size_t n)
{
	if (JET_UNLIKELY(jet_alloc_should_fail()))
		return NULL;
	return calloc(count, n);
}

void *jet_realloc(void *p, size_t n)
{
	if (n != 0 && JET_UNLIKELY(jet_alloc_should_fail()))
		return NULL;
	return realloc(p, n);
}

void jet_free(void *p)
{
	free(p);
}

char *jet_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = jet_malloc(n);
	if (copy != NULL)
		memcpy(copy, s, n);
	return copy;
}

void jet_hint_hugepages(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	uintptr_t lo = ((uintptr_t)p + JET_HUGEPAGE_SIZE - 1) & ~(uintptr_t)(JET_HUGEPAGE_SIZE - 1);
	uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)(JET_HUGEPAGE_SIZE - 1);
	/* Only a hint: with THP off, or on a kernel without it, pages stay 4 KiB. */
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}
