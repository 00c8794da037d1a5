/* The wall clock for timestamps (signing, journal, audit). */
#ifndef SQT_HOST_CLOCK_H
#define SQT_HOST_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds since the epoch (CLOCK_REALTIME), 0 when it cannot be read. The same vDSO
 * read as uv_gettimeofday, through the libc call curl's send already makes: a request's
 * timestamp costs no code page of its own on the order path. */
static inline int64_t sqt_wall_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
