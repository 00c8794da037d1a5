/* CRC-32C (crc32c.h). */
#include "crc32c.h"

#include <opensqt/plugin.h> /* SQT_HOT */

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define SQT_CRC32C_X86 1
#endif

#define POLY UINT32_C(0x82F63B78) /* Castagnoli, reflected */

/* The byte table, made at the first software call. */
static uint32_t table[256];
static int table_ready;

static void make_table(void)
{
    uint32_t i, k, c;
    for (i = 0; i < 256; i++) {
        c = i;
        for (k = 0; k < 8; k++)
            c = (c >> 1) ^ (POLY & (0u - (c & 1u)));
        table[i] = c;
    }
    __atomic_store_n(&table_ready, 1, __ATOMIC_RELEASE);
}

uint32_t sqt_crc32c_sw(uint32_t crc, const void *p, size_t n)
{
    const unsigned char *b = p;
    uint32_t c = ~crc;
    if (!__atomic_load_n(&table_ready, __ATOMIC_ACQUIRE))
        make_table(); /* idempotent: two threads racing write the same values */
    while (n-- > 0)
        c = table[(c ^ *b++) & 0xFFu] ^ (c >> 8);
    return ~c;
}

#ifdef SQT_CRC32C_X86
SQT_HOT __attribute__((target("sse4.2"))) static uint32_t crc_x86(uint32_t crc, const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t c = ~crc;
    uint64_t w;
    for (; n >= 8; n -= 8, b += 8) {
        memcpy(&w, b, 8);
        c = _mm_crc32_u64(c, w);
    }
    while (n-- > 0)
        c = _mm_crc32_u8((uint32_t)c, *b++);
    return ~(uint32_t)c;
}
#endif

int sqt_crc32c_hw(void)
{
#ifdef SQT_CRC32C_X86
    static int hw = -1;
    int v = __atomic_load_n(&hw, __ATOMIC_RELAXED);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("sse4.2") ? 1 : 0;
        __atomic_store_n(&hw, v, __ATOMIC_RELAXED);
    }
    return v;
#else
    return 0;
#endif
}

SQT_HOT uint32_t sqt_crc32c(uint32_t crc, const void *p, size_t n)
{
#ifdef SQT_CRC32C_X86
    if (sqt_crc32c_hw())
        return crc_x86(crc, p, n);
#endif
    return sqt_crc32c_sw(crc, p, n);
}
