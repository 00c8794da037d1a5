/* Response headers, Retry-After and the ban state (pluginkit.h). */
#include <opensqt/pluginkit.h>

#include <strings.h>

const char *sqt_kit_header(const sqt_header *h, size_t n, const char *name)
{
    size_t i;
    for (i = 0; h != NULL && i < n; i++)
        if (h[i].name != NULL && strcasecmp(h[i].name, name) == 0)
            return h[i].value;
    return NULL;
}

int32_t sqt_kit_header_int(const char *v)
{
    int64_t n = 0;
    int digits = 0;
    if (v == NULL)
        return -1;
    while (*v == ' ')
        v++;
    for (; *v >= '0' && *v <= '9'; v++) {
        if (++digits > 9)
            return -1;
        n = n * 10 + (*v - '0');
    }
    return digits > 0 ? (int32_t)n : -1;
}

int64_t sqt_kit_retry_after_ms(const char *v)
{
    int32_t s = sqt_kit_header_int(v);
    return s > 0 ? (int64_t)s * 1000 : 0;
}

int sqt_kit_ban_extend(sqt_kit_ban *b, int64_t now_ms, int64_t ms)
{
    int64_t until = now_ms + (ms > 0 ? ms : 0);
    if (until <= b->until_ms)
        return 0;
    b->until_ms = until;
    return 1;
}

int sqt_kit_ban_check(sqt_kit_ban *b, int64_t now_ms, int *log_now)
{
    if (log_now != NULL)
        *log_now = 0;
    if (now_ms >= b->until_ms)
        return SQT_OK;
    /* loud, but once a second at most: every refused request would flood the log */
    if (b->last_log_ms == 0 || now_ms - b->last_log_ms >= 1000) {
        b->last_log_ms = now_ms;
        if (log_now != NULL)
            *log_now = 1;
    }
    return SQT_EBANNED;
}
