/* The journal's intent log (intentlog.h). */
#define _GNU_SOURCE
#include "intentlog.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "crc32c.h"

/* The file is a run of chunks, each a header and its records: the turn's first write
 * puts its chunk at offset 0, each later write of the same turn appends one behind the
 * last. header: magic, uid, turn, n, crc (of uid, turn, n and the records). A chunk
 * belongs to the turn of the chunk at offset 0 (same turn number); the first one that
 * does not (an older, longer turn's leftover) or is torn ends the run: a write cut short
 * by a kill or a power cut loses only its own orders, whose requests had not left yet,
 * never those of the turn's earlier writes. Version 1 files (one record set, no turn)
 * are still read. */
#define IL_MAGIC "SQTINT03"
#define IL_MAGIC_V2 "SQTINT02"
#define IL_MAGIC_V1 "SQTINT01"
#define IL_HEAD (8 + 8 + 8 + 4 + 4)
#define IL_HEAD_V1 (8 + 8 + 4 + 4)
/* record: cid, then k, price, qty, base_qty, then side, tif */
#define IL_REC (SQT_CLIENT_ID_MAX + 4 * 8 + 2 * 4)
#define IL_MAX_RECORDS 65536 /* far above any turn; a bigger n is a damaged file */
#define IL_MAX_BYTES ((off_t)64 << 20)
/* The mapped window at the file's start: 630 records, more than a grid places in one turn
 * (a chunk that does not fit goes by pwrite, behind or over the window alike). */
#define IL_WINDOW ((size_t)64 << 10)

struct sqt_intentlog {
    int fd;
    int sync_full;
    uint64_t uid;
    uint64_t turn;             /* the current turn's number (its chunks carry it) */
    off_t end;                 /* where the turn's next chunk goes */
    char *path;
    unsigned char *buf;
    size_t cap;
    unsigned char *map;        /* the window, shared with the file; NULL: pwrite only */
    int map_tried;
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
    {
        /* turn numbers never met in the file: above the last turn's (at offset 0) and
         * above the clock's nanoseconds, should that chunk be unreadable */
        struct timespec ts;
        unsigned char h[IL_HEAD];
        uint64_t last = 0;
        clock_gettime(CLOCK_REALTIME, &ts);
        l->turn = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        if (pread(l->fd, h, sizeof h, 0) == (ssize_t)sizeof h &&
            (memcmp(h, IL_MAGIC, 8) == 0 || memcmp(h, IL_MAGIC_V2, 8) == 0)) {
            memcpy(&last, h + 16, 8);
            if (last >= l->turn)
                l->turn = last;
        }
    }
    *out = l;
    return 0;
}

void sqt_intentlog_close(sqt_intentlog *l)
{
    if (l == NULL)
        return;
    if (l->map != NULL)
        munmap(l->map, IL_WINDOW);
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

/* A chunk's check sum: of uid, turn and n (head, the header's bytes 8..27), then the
 * records; CRC-32C, or zlib's CRC-32 for a version 2 chunk. */
static uint32_t crc_of(int v2, const unsigned char *head, const unsigned char *records,
                       size_t n_records)
{
    if (v2)
        return (uint32_t)crc32(crc32(0L, head, 20), records, (uInt)(n_records * IL_REC));
    return sqt_crc32c(sqt_crc32c(0, head, 20), records, n_records * IL_REC);
}

/* The window, mapped at the turn's first write once (after start-up read the file): the
 * file is made at least the window's size with its blocks allocated, so a store into it
 * needs neither a system call nor free space later (a full disk or RLIMIT_FSIZE cannot fail
 * it), and the pages are locked in memory when the limit allows. A store lands in the page
 * cache as a pwrite's copy does: it outlives the process (kill -9), not the machine (the
 * same as pwrite without journal_sync: full, which syncs either way). Anything refused
 * (no fallocate, a limit, no memory) leaves the pwrite path, which always works. */
static void map_window(sqt_intentlog *l)
{
    struct stat sb;
    void *m;
    l->map_tried = 1;
    if (fstat(l->fd, &sb) != 0)
        return;
    if ((size_t)sb.st_size < IL_WINDOW && ftruncate(l->fd, (off_t)IL_WINDOW) != 0)
        return;
    if (posix_fallocate(l->fd, 0, (off_t)IL_WINDOW) != 0)
        return;
    m = mmap(NULL, IL_WINDOW, PROT_READ | PROT_WRITE, MAP_SHARED, l->fd, 0);
    if (m == MAP_FAILED)
        return;
    (void)mlock(m, IL_WINDOW); /* a page out would bring a fault back onto the order path */
    l->map = m;
}

/* One chunk of n records at l->end (0 for a new turn): a copy into the window when it fits,
 * else one pwrite. The header goes last, so a store cut short by a kill leaves the chunk's
 * check sum unmatched, never an older header over newer records that match. */
SQT_HOT static int write_chunk(sqt_intentlog *l, const sqt_grid_saved_intent *v, size_t n, char *err,
                       size_t cap)
{
    size_t i, len = IL_HEAD + n * IL_REC;
    uint32_t n32 = (uint32_t)n, crc;
    unsigned char *c;
    int mapped;
    ssize_t w;
    if (n > IL_MAX_RECORDS || l->end + (off_t)len > IL_MAX_BYTES)
        return sqt_state_fail(err, cap, SQT_EINVAL, "%s: %zu orders in one turn", l->path, n);
    if (!l->map_tried)
        map_window(l);
    mapped = l->map != NULL && (size_t)l->end + len <= IL_WINDOW;
    if (!mapped && grow(l, len) != 0)
        return sqt_state_fail(err, cap, SQT_ENOMEM, "out of memory");
    c = mapped ? l->map + l->end : l->buf;
    for (i = 0; i < n; i++) {
        unsigned char *r = c + IL_HEAD + i * IL_REC;
        const sqt_grid_saved_order *o = &v[i].o;
        int32_t side = (int32_t)o->side, tif = (int32_t)o->tif;
        size_t cl = strnlen(o->cid, SQT_CLIENT_ID_MAX - 1);
        memcpy(r, o->cid, cl);
        memset(r + cl, 0, SQT_CLIENT_ID_MAX - cl);
        r += SQT_CLIENT_ID_MAX;
        memcpy(r, &v[i].k, 8);
        memcpy(r + 8, &o->price, 8);
        memcpy(r + 16, &o->qty, 8);
        memcpy(r + 24, &o->base_qty, 8);
        memcpy(r + 32, &side, 4);
        memcpy(r + 36, &tif, 4);
    }
    {
        unsigned char h[IL_HEAD];
        memcpy(h, IL_MAGIC, 8);
        memcpy(h + 8, &l->uid, 8);
        memcpy(h + 16, &l->turn, 8);
        memcpy(h + 24, &n32, 4);
        crc = crc_of(0, h + 8, c + IL_HEAD, n);
        memcpy(h + 28, &crc, 4);
        /* the records are in place before the header that vouches for them */
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        memcpy(c, h, IL_HEAD);
    }
    if (!mapped) {
        do
            w = pwrite(l->fd, l->buf, len, l->end);
        while (w < 0 && errno == EINTR);
        if (w != (ssize_t)len)
            return sqt_state_fail(err, cap, SQT_EINVAL, "cannot write %s: %s", l->path,
                                  w < 0 ? strerror(errno) : "short write (disk full?)");
    }
    /* fdatasync writes back the window's pages as well as pwrite's */
    if (l->sync_full && fdatasync(l->fd) != 0)
        return sqt_state_fail(err, cap, SQT_EINVAL, "cannot sync %s: %s", l->path, strerror(errno));
    l->end += (off_t)len;
    return 0;
}

SQT_HOT int sqt_intentlog_write(sqt_intentlog *l, const sqt_grid_saved_intent *v, size_t n, char *err,
                        size_t cap)
{
    l->turn++;
    l->end = 0;
    return write_chunk(l, v, n, err, cap);
}

int sqt_intentlog_append(sqt_intentlog *l, const sqt_grid_saved_intent *v, size_t n, char *err,
                         size_t cap)
{
    if (l->end == 0) /* no turn written by this process yet */
        return sqt_intentlog_write(l, v, n, err, cap);
    return write_chunk(l, v, n, err, cap);
}

static void record_to_intent(const unsigned char *r, sqt_grid_saved_intent *it)
{
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

int sqt_intentlog_read(sqt_intentlog *l, sqt_grid_saved_intent **out, size_t *n, char *why,
                       size_t cap)
{
    struct stat sb;
    uint64_t uid, turn0 = 0, turn;
    uint32_t n32, crc;
    size_t i, len, off, total = 0, k = 0;
    ssize_t got;
    int v2;
    *out = NULL;
    *n = 0;
    if (fstat(l->fd, &sb) != 0)
        return sqt_state_fail(why, cap, SQT_EINVAL, "%s: %s", l->path, strerror(errno));
    if (sb.st_size == 0)
        return 0; /* new: no turn written yet */
    if (sb.st_size < IL_HEAD_V1 || sb.st_size > IL_MAX_BYTES)
        return sqt_state_fail(why, cap, 1, "%s: %lld bytes is not an intent log", l->path,
                       (long long)sb.st_size);
    len = (size_t)sb.st_size;
    if (grow(l, len) != 0)
        return sqt_state_fail(why, cap, SQT_ENOMEM, "out of memory");
    got = pread(l->fd, l->buf, len, 0);
    if (got != (ssize_t)len)
        return sqt_state_fail(why, cap, SQT_EINVAL, "cannot read %s: %s", l->path,
                       got < 0 ? strerror(errno) : "short read");
    if (memcmp(l->buf, IL_MAGIC_V1, 8) == 0) {
        /* version 1: one record set; its crc covers uid, n and the records */
        memcpy(&uid, l->buf + 8, 8);
        memcpy(&n32, l->buf + 16, 4);
        memcpy(&crc, l->buf + 20, 4);
        if (uid != l->uid)
            return sqt_state_fail(why, cap, 1, "%s belongs to another journal", l->path);
        if (n32 > IL_MAX_RECORDS || IL_HEAD_V1 + (size_t)n32 * IL_REC > len ||
            (uint32_t)crc32(crc32(0L, l->buf + 8, 12), l->buf + IL_HEAD_V1,
                            (uInt)((size_t)n32 * IL_REC)) != crc)
            return sqt_state_fail(why, cap, 1, "%s is torn (its check sum does not match)",
                           l->path);
        if (n32 > 0 && (*out = calloc(n32, sizeof **out)) == NULL)
            return sqt_state_fail(why, cap, SQT_ENOMEM, "out of memory");
        for (i = 0; i < n32; i++)
            record_to_intent(l->buf + IL_HEAD_V1 + i * IL_REC, &(*out)[i]);
        *n = n32;
        return 0;
    }
    /* the run of chunks of the turn at offset 0, all of its version (a version 2 file:
     * the last turn of the release before; same layout, zlib's CRC-32): counted, then
     * copied */
    v2 = memcmp(l->buf, IL_MAGIC_V2, 8) == 0;
    for (off = 0; off + IL_HEAD <= len; off += IL_HEAD + (size_t)n32 * IL_REC) {
        const unsigned char *c = l->buf + off;
        int ok;
        memcpy(&uid, c + 8, 8);
        memcpy(&turn, c + 16, 8);
        memcpy(&n32, c + 24, 4);
        memcpy(&crc, c + 28, 4);
        ok = memcmp(c, v2 ? IL_MAGIC_V2 : IL_MAGIC, 8) == 0 && uid == l->uid &&
             n32 <= IL_MAX_RECORDS && off + IL_HEAD + (size_t)n32 * IL_REC <= len &&
             crc_of(v2, c + 8, c + IL_HEAD, n32) == crc;
        if (off == 0) {
            static const unsigned char zero[IL_HEAD];
            /* the window made, its first chunk not yet stored (or cut short before its
             * header): no turn written, as in a new file */
            if (memcmp(c, zero, IL_HEAD) == 0)
                return 0;
            if (!v2 && memcmp(c, IL_MAGIC, 8) != 0)
                return sqt_state_fail(why, cap, 1, "%s is not an intent log of this version",
                               l->path);
            if (uid != l->uid)
                return sqt_state_fail(why, cap, 1, "%s belongs to another journal", l->path);
            if (!ok)
                return sqt_state_fail(why, cap, 1, "%s is torn (its check sum does not match)",
                               l->path);
            turn0 = turn;
        } else if (!ok || turn != turn0) {
            break; /* a write cut short, or what an older turn left behind */
        }
        total += n32;
    }
    if (total == 0)
        return 0;
    if ((*out = calloc(total, sizeof **out)) == NULL)
        return sqt_state_fail(why, cap, SQT_ENOMEM, "out of memory");
    for (off = 0; k < total; off += IL_HEAD + (size_t)n32 * IL_REC) {
        memcpy(&n32, l->buf + off + 24, 4);
        for (i = 0; i < n32; i++)
            record_to_intent(l->buf + off + IL_HEAD + i * IL_REC, &(*out)[k++]);
    }
    *n = total;
    return 0;
}
