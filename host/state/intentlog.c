/* The journal's intent log (intentlog.h). */
#define _GNU_SOURCE
#include "intentlog.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

/* header: magic, uid, n, crc (of uid, n and the records) */
#define IL_MAGIC "SQTINT01"
#define IL_HEAD (8 + 8 + 4 + 4)
/* record: cid, then k, price, qty, base_qty, then side, tif */
#define IL_REC (SQT_CLIENT_ID_MAX + 4 * 8 + 2 * 4)
#define IL_MAX_RECORDS 65536 /* far above any turn; a bigger n is a damaged file */

struct sqt_intentlog {
    int fd;
    int sync_full;
    uint64_t uid;
    char *path;
    unsigned char *buf;
    size_t cap;
};

int sqt_state_fail(char *err, size_t cap, int code, const char *fmt, ...)
{
    va_list ap;
    if (err != NULL && cap > 0) {
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return code;
}

int sqt_intentlog_open(const char *path, uint64_t uid, int sync_full, sqt_intentlog **out,
                       char *err, size_t cap)
{
    sqt_intentlog *l = calloc(1, sizeof *l);
    *out = NULL;
    if (l == NULL || (l->path = strdup(path)) == NULL) {
        free(l);
        return sqt_state_fail(err, cap, SQT_ENOMEM, "out of memory");
    }
    l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (l->fd < 0) {
        int e = errno;
        free(l->path);
        free(l);
        return sqt_state_fail(err, cap, SQT_EINVAL, "cannot open %s: %s", path, strerror(e));
    }
    l->uid = uid;
    l->sync_full = sync_full;
    *out = l;
    return 0;
}

void sqt_intentlog_close(sqt_intentlog *l)
{
    if (l == NULL)
        return;
    close(l->fd);
    free(l->buf);
    free(l->path);
    free(l);
}

static int grow(sqt_intentlog *l, size_t need)
{
    unsigned char *p;
    if (need <= l->cap)
        return 0;
    if ((p = realloc(l->buf, need)) == NULL)
        return SQT_ENOMEM;
    l->buf = p;
    l->cap = need;
    return 0;
}

static uint32_t crc_of(const unsigned char *buf, size_t n_records)
{
    /* uid and n (header bytes 8..19), then the records */
    uLong c = crc32(0L, buf + 8, 12);
    return (uint32_t)crc32(c, buf + IL_HEAD, (uInt)(n_records * IL_REC));
}

int sqt_intentlog_write(sqt_intentlog *l, const sqt_grid_saved_intent *v, size_t n, char *err,
                        size_t cap)
{
    size_t i, len = IL_HEAD + n * IL_REC;
    uint32_t n32 = (uint32_t)n, crc;
    ssize_t w;
    if (n > IL_MAX_RECORDS)
        return sqt_state_fail(err, cap, SQT_EINVAL, "%s: %zu orders in one turn", l->path, n);
    if (grow(l, len) != 0)
        return sqt_state_fail(err, cap, SQT_ENOMEM, "out of memory");
    memcpy(l->buf, IL_MAGIC, 8);
    memcpy(l->buf + 8, &l->uid, 8);
    memcpy(l->buf + 16, &n32, 4);
    for (i = 0; i < n; i++) {
        unsigned char *r = l->buf + IL_HEAD + i * IL_REC;
        const sqt_grid_saved_order *o = &v[i].o;
        int32_t side = (int32_t)o->side, tif = (int32_t)o->tif;
        memset(r, 0, SQT_CLIENT_ID_MAX);
        memcpy(r, o->cid, strnlen(o->cid, SQT_CLIENT_ID_MAX - 1));
        r += SQT_CLIENT_ID_MAX;
        memcpy(r, &v[i].k, 8);
        memcpy(r + 8, &o->price, 8);
        memcpy(r + 16, &o->qty, 8);
        memcpy(r + 24, &o->base_qty, 8);
        memcpy(r + 32, &side, 4);
        memcpy(r + 36, &tif, 4);
    }
    crc = crc_of(l->buf, n);
    memcpy(l->buf + 20, &crc, 4);
    do
        w = pwrite(l->fd, l->buf, len, 0);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)len)
        return sqt_state_fail(err, cap, SQT_EINVAL, "cannot write %s: %s", l->path,
                       w < 0 ? strerror(errno) : "short write (disk full?)");
    if (l->sync_full && fdatasync(l->fd) != 0)
        return sqt_state_fail(err, cap, SQT_EINVAL, "cannot sync %s: %s", l->path, strerror(errno));
    return 0;
}

int sqt_intentlog_read(sqt_intentlog *l, sqt_grid_saved_intent **out, size_t *n, char *why,
                       size_t cap)
{
    struct stat sb;
    uint64_t uid;
    uint32_t n32, crc;
    size_t i, len;
    ssize_t got;
    *out = NULL;
    *n = 0;
    if (fstat(l->fd, &sb) != 0)
        return sqt_state_fail(why, cap, SQT_EINVAL, "%s: %s", l->path, strerror(errno));
    if (sb.st_size == 0)
        return 0; /* new: no turn written yet */
    if (sb.st_size < IL_HEAD || sb.st_size > IL_HEAD + (off_t)IL_MAX_RECORDS * IL_REC)
        return sqt_state_fail(why, cap, 1, "%s: %lld bytes is not an intent log", l->path,
                       (long long)sb.st_size);
    len = (size_t)sb.st_size;
    if (grow(l, len) != 0)
        return sqt_state_fail(why, cap, SQT_ENOMEM, "out of memory");
    got = pread(l->fd, l->buf, len, 0);
    if (got != (ssize_t)len)
        return sqt_state_fail(why, cap, SQT_EINVAL, "cannot read %s: %s", l->path,
                       got < 0 ? strerror(errno) : "short read");
    memcpy(&uid, l->buf + 8, 8);
    memcpy(&n32, l->buf + 16, 4);
    memcpy(&crc, l->buf + 20, 4);
    if (memcmp(l->buf, IL_MAGIC, 8) != 0)
        return sqt_state_fail(why, cap, 1, "%s is not an intent log of this version", l->path);
    if (uid != l->uid)
        return sqt_state_fail(why, cap, 1, "%s belongs to another journal", l->path);
    if (n32 > IL_MAX_RECORDS || IL_HEAD + (size_t)n32 * IL_REC > len || crc_of(l->buf, n32) != crc)
        return sqt_state_fail(why, cap, 1, "%s is torn (its check sum does not match)", l->path);
    if (n32 == 0)
        return 0;
    if ((*out = calloc(n32, sizeof **out)) == NULL)
        return sqt_state_fail(why, cap, SQT_ENOMEM, "out of memory");
    for (i = 0; i < n32; i++) {
        const unsigned char *r = l->buf + IL_HEAD + i * IL_REC;
        sqt_grid_saved_intent *it = &(*out)[i];
        sqt_grid_saved_order *o = &it->o;
        int32_t side, tif;
        memcpy(o->cid, r, SQT_CLIENT_ID_MAX);
        o->cid[sizeof o->cid - 1] = '\0';
        r += SQT_CLIENT_ID_MAX;
        memcpy(&it->k, r, 8);
        memcpy(&o->price, r + 8, 8);
        memcpy(&o->qty, r + 16, 8);
        memcpy(&o->base_qty, r + 24, 8);
        memcpy(&side, r + 32, 4);
        memcpy(&tif, r + 36, 4);
        o->side = (sqt_side)side;
        o->tif = (sqt_tif)tif;
        o->state = SQT_GRID_ORD_PENDING;
        o->unknown = 1;
        snprintf(o->fee_seen, sizeof o->fee_seen, "0");
        snprintf(o->notional, sizeof o->notional, "0");
    }
    *n = n32;
    return 0;
}
