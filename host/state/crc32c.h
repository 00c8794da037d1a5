/* CRC-32C (Castagnoli, the iSCSI/ext4 check sum: reflected polynomial 0x82F63B78, initial
 * value and final xor 0xFFFFFFFF), the intent log's check sum. On x86-64 with SSE4.2 the
 * CPU's crc32 instruction computes it, 8 bytes per instruction and no table, which matters
 * on the order path: zlib's CRC-32 reads up to 16 KiB of tables, and on a cold cache those
 * misses cost a fill turn ~2 µs. Elsewhere a 1 KiB table, one byte a step; both give the
 * same value, so a file written on one machine reads on another. */
#ifndef SQT_CRC32C_H
#define SQT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32C of p[0..n) continued from crc (0 to start; the result of one call is the
 * crc of the next: crc(a then b) == sqt_crc32c(sqt_crc32c(0, a), b)). */
uint32_t sqt_crc32c(uint32_t crc, const void *p, size_t n);

/* The same by the table alone, whatever the CPU (tests check one against the other). */
uint32_t sqt_crc32c_sw(uint32_t crc, const void *p, size_t n);

/* 1 when sqt_crc32c uses the CPU's instruction. */
int sqt_crc32c_hw(void);

#endif
