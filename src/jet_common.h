/*
 * jet_common.h - what every libjet module includes: the public types, the
 * error-propagation macros, fixed-width little-endian helpers.
 *
 * Error convention (ESE's own): every internal function returns JET_ERR;
 * negative is an error, positive a warning, zero success. A function that
 * calls others declares `JET_ERR err = JET_errSuccess;`, wraps each call in
 * Call(...), and ends with a `HandleError:` label that releases what it holds
 * and returns err. Warnings pass through Call() untouched.
 */
#ifndef JET_COMMON_H
#define JET_COMMON_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jet.h"

/* Jump to HandleError when expr is an error; keep warnings in err. */
#define Call(expr)                                                             \
	do {                                                                   \
		err = (expr);                                                  \
		if (err < 0)                                                   \
			goto HandleError;                                      \
	} while (0)

/* Set err and jump to HandleError. */
#define Error(e)                                                               \
	do {                                                                   \
		err = (e);                                                     \
		goto HandleError;                                              \
	} while (0)

/* Return at once when expr is an error (no cleanup needed). */
#define CallR(expr)                                                            \
	do {                                                                   \
		JET_ERR err_r_ = (expr);                                       \
		if (err_r_ < 0)                                                \
			return err_r_;                                         \
	} while (0)

/* During cleanup: remember the first error, run the call anyway. */
#define CallS(expr)                                                            \
	do {                                                                   \
		JET_ERR err_s_ = (expr);                                       \
		if (err_s_ < 0 && err >= 0)                                    \
			err = err_s_;                                          \
	} while (0)

#define JET_MIN(a, b) ((a) < (b) ? (a) : (b))
#define JET_MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__)
#define JET_LIKELY(x) __builtin_expect(!!(x), 1)
#define JET_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define JET_LIKELY(x) (x)
#define JET_UNLIKELY(x) (x)
#endif

/* On-disk integers are little-endian; these compile to plain loads on x86. */
static inline uint16_t get_le16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] | (b[1] << 8));
}
static inline uint32_t get_le32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
	       ((uint32_t)b[3] << 24);
}
static inline uint64_t get_le64(const void *p)
{
	return (uint64_t)get_le32(p) | ((uint64_t)get_le32((const uint8_t *)p + 4) << 32);
}
static inline void put_le16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}
static inline void put_le32(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}
static inline void put_le64(void *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}
/* Big-endian, for normalized keys whose byte order must equal value order. */
static inline void put_be32(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}
static inline uint32_t get_be32(const void *p)
{
	const uint8_t *b = p;
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}
static inline void put_be64(void *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32((uint8_t *)p + 4, (uint32_t)v);
}
static inline uint64_t get_be64(const void *p)
{
	return ((uint64_t)get_be32(p) << 32) | get_be32((const uint8_t *)p + 4);
}

/* Allocation goes through these so the OOM-countdown test can fail the Nth. */
void *jet_malloc(size_t n);
void *jet_calloc(size_t count, size_t n);
void *jet_realloc(void *p, size_t n);
void jet_free(void *p);
char *jet_strdup(const char *s);
/* A hint for a large block read at random (the buffer cache's frames, the
 * lock table): back it with huge pages where the kernel allows it, so that
 * touching it costs fewer TLB misses and page faults. Only the 2 MiB-aligned
 * part inside [p, p+n) is advised; refusal changes nothing. */
void jet_hint_hugepages(void *p, size_t n);
#define JET_HUGEPAGE_SIZE ((size_t)2 << 20)

/* Test hook (jet_alloc.c): the countdown-th allocation from now fails and
 * every later one too while sticky; 0 disarms. */
void jet_alloc_fail_after(uint64_t countdown, bool sticky);

#endif
