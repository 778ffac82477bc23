/*
 * crc32c.h - CRC-32C (Castagnoli), the checksum of pages and log records.
 * Debian 12 packages no C library for it, so it is ours: SSE4.2's crc32
 * instruction when the CPU has it (checked once), a slicing-by-8 table
 * otherwise. Both give identical results (tested).
 */
#ifndef JET_CRC32C_H
#define JET_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: crc32c_extend(0, ...) starts one. */
uint32_t crc32c_extend(uint32_t crc, const void *data, size_t len);
static inline uint32_t crc32c(const void *data, size_t len) { return crc32c_extend(0, data, len); }
/* The portable implementation, exposed for the test that compares them. */
uint32_t crc32c_extend_sw(uint32_t crc, const void *data, size_t len);

#endif
