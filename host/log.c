/* Logging: one formatted line per call, redacted and neutralised before it is written
 * to the console, the file and the test sink. */
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Longest message kept in one line; longer ones are cut with a marker. */
#define SQT_LOG_MSG_MAX 2048
/* Timestamp (23) + tag (up to 8) + separators. */
#define SQT_LOG_PREFIX_MAX 48
#define SQT_LOG_TRUNC_MARK " [truncated]"

static const char *const sqt_level_names[] = {"DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"};
/* Console colours per level: grey, green, cyan, yellow, red, bold red. */
static const char *const sqt_level_colors[] = {"\033[90m", "\033[32m", "\033[36m",
                                               "\033[33m", "\033[31m", "\033[1;31m"};

void sqt_log_init(sqt_log *log)
{
    memset(log, 0, sizeof(*log));
    log->level = SQT_LV_INFO;
    log->err = stderr;
    log->color = isatty(fileno(stderr)) ? 1 : 0;
}

void sqt_log_close(sqt_log *log)
{
    size_t i;
    if (log == NULL)
        return;
    if (log->file != NULL) {
        fclose(log->file);
        log->file = NULL;
    }
    for (i = 0; i < log->n_secrets; i++) {
        /* wipe before free: the copy is the last place the host holds it in the log */
        size_t n = strlen(log->secrets[i]);
        volatile char *p = log->secrets[i];
        while (n-- > 0)
            *p++ = 0;
        free(log->secrets[i]);
    }
    free(log->secrets);
    log->secrets = NULL;
    log->n_secrets = 0;
    log->cap_secrets = 0;
}

int sqt_log_open_file(sqt_log *log, const char *path)
{
    int fd;
    FILE *f;
    if (log == NULL || path == NULL || path[0] == '\0')
        return -EINVAL;
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    f = fdopen(fd, "a");
    if (f == NULL) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (log->file != NULL)
        fclose(log->file);
    log->file = f;
    return 0;
}

int sqt_log_level_parse(const char *s)
{
    size_t b = 0, e;
    int i;
    if (s == NULL)
        return -1;
    e = strlen(s);
    while (b < e && isspace((unsigned char)s[b]))
        b++;
    while (e > b && isspace((unsigned char)s[e - 1]))
        e--;
    for (i = SQT_LV_DEBUG; i <= SQT_LV_FATAL; i++) {
        const char *n = sqt_level_names[i];
        if (strlen(n) == e - b && strncasecmp(s + b, n, e - b) == 0)
            return i;
    }
    if (e - b == 7 && strncasecmp(s + b, "WARNING", 7) == 0)
        return SQT_LV_WARN;
    return -1;
}

const char *sqt_log_level_name(int level)
{
    if (level < SQT_LV_DEBUG || level > SQT_LV_FATAL)
        return "?";
    return sqt_level_names[level];
}

void sqt_log_add_secret(sqt_log *log, const char *secret)
{
    size_t i, len;
    char *copy;
    if (log == NULL || secret == NULL || (len = strlen(secret)) < 4)
        return;
    for (i = 0; i < log->n_secrets; i++)
        if (strcmp(log->secrets[i], secret) == 0)
            return;
    if (log->n_secrets == log->cap_secrets) {
        size_t cap = log->cap_secrets ? log->cap_secrets * 2 : 8;
        char **v = realloc(log->secrets, cap * sizeof(*v));
        if (v == NULL)
            goto oom;
        log->secrets = v;
        log->cap_secrets = cap;
    }
    copy = strdup(secret);
    if (copy == NULL)
        goto oom;
    /* Kept longest first, so a secret that contains another is removed whole. */
    for (i = log->n_secrets; i > 0 && strlen(log->secrets[i - 1]) < len; i--)
        log->secrets[i] = log->secrets[i - 1];
    log->secrets[i] = copy;
    log->n_secrets++;
    return;
oom:
    /* Say so (without the value): a secret we cannot redact is worth knowing. */
    sqt_logf(log, SQT_LV_ERROR, "log: out of memory registering a secret; it is not redacted");
}

void sqt_log_redact(const sqt_log *log, char *buf, size_t cap)
{
    size_t i;
    if (log == NULL || buf == NULL || cap == 0)
        return;
    buf[cap - 1] = '\0';
    for (i = 0; i < log->n_secrets; i++) {
        const char *sec = log->secrets[i];
        size_t sl = strlen(sec);
        char *p = buf;
        while ((p = strstr(p, sec)) != NULL) {
            memcpy(p, "***", 3);
            memmove(p + 3, p + sl, strlen(p + sl) + 1);
            p += 3;
        }
    }
}

/* Replace bytes a terminal would act on (C0 controls, DEL, UTF-8 encoded C1 controls)
 * so exchange text cannot forge lines or send escape sequences. */
static void sqt_log_neutralise(char *s)
{
    unsigned char *p = (unsigned char *)s;
    for (; *p != '\0'; p++) {
        if (*p == '\t')
            *p = ' ';
        else if (*p < 0x20 || *p == 0x7f)
            *p = '?';
        else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            p[0] = '?';
            p[1] = '?';
            p++;
        }
    }
}

/* Cut s (length len) to at most max bytes on a UTF-8 boundary, ending with the mark. */
static void sqt_log_truncate(char *s, size_t len, size_t max)
{
    size_t mark = sizeof(SQT_LOG_TRUNC_MARK) - 1, cut;
    if (len <= max)
        return;
    cut = max - mark;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    memcpy(s + cut, SQT_LOG_TRUNC_MARK, mark + 1);
}

static void sqt_log_stamp(char *buf, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    size_t n;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    n = strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%03ld", (long)(ts.tv_nsec / 1000000));
}

static void sqt_log_emit(sqt_log *log, int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

int sqt_log_wants(const sqt_log *log, int level)
{
    if (log == NULL)
        return 0;
    /* NOTICE ranks between INFO and WARN, yet a WARN console keeps the lifecycle and
     * the status: only ERROR and above silence them */
    if (level == SQT_LV_NOTICE && log->level == SQT_LV_WARN)
        return 1;
    return level >= log->level;
}

/* The header leaves the attribute off; it lets compilers check the forwarding. */
void sqt_vlogf(sqt_log *log, int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

void sqt_vlogf(sqt_log *log, int level, const char *fmt, va_list ap)
{
    if (fmt == NULL || !sqt_log_wants(log, level))
        return;
    sqt_log_emit(log, level, fmt, ap);
}

/* A status or lifecycle line: the NOTICE level (one level, whoever logs it). */
void sqt_log_note(sqt_log *log, const char *fmt, ...)
{
    va_list ap;
    if (fmt == NULL || !sqt_log_wants(log, SQT_LV_NOTICE))
        return;
    va_start(ap, fmt);
    sqt_log_emit(log, SQT_LV_NOTICE, fmt, ap);
    va_end(ap);
}

/* One line, tagged by its level. */
static void sqt_log_emit(sqt_log *log, int level, const char *fmt, va_list ap)
{
    char small[SQT_LOG_MSG_MAX + 1];
    char *msg = small, *heap = NULL;
    char stamp[32];
    char line[SQT_LOG_PREFIX_MAX + SQT_LOG_MSG_MAX + 2];
    const char *name;
    va_list cp;
    int n, partial = 0;

    if (level < SQT_LV_DEBUG)
        level = SQT_LV_DEBUG;
    if (level > SQT_LV_FATAL)
        level = SQT_LV_FATAL;

    va_copy(cp, ap);
    n = vsnprintf(small, sizeof(small), fmt, cp);
    va_end(cp);
    if (n < 0) {
        snprintf(small, sizeof(small), "(unformattable log message)");
        n = (int)strlen(small);
    } else if ((size_t)n >= sizeof(small)) {
        /* Format whole before cutting, so a secret that straddles the cut is still
         * recognised and removed. */
        heap = malloc((size_t)n + 1);
        if (heap != NULL) {
            va_copy(cp, ap);
            vsnprintf(heap, (size_t)n + 1, fmt, cp);
            va_end(cp);
            msg = heap;
        } else {
            partial = 1;
        }
    }
    sqt_log_redact(log, msg, (msg == heap) ? (size_t)n + 1 : sizeof(small));
    if (partial) {
        /* Only the head of the text is known: drop the bytes where the start of a
         * cut-off secret could sit. */
        size_t keep = strlen(msg), longest = 0, i;
        for (i = 0; i < log->n_secrets; i++)
            if (strlen(log->secrets[i]) > longest)
                longest = strlen(log->secrets[i]);
        if (longest < sizeof(SQT_LOG_TRUNC_MARK))
            longest = sizeof(SQT_LOG_TRUNC_MARK); /* room for the mark */
        msg[keep > longest ? keep - longest : 0] = '\0';
        strcat(msg, SQT_LOG_TRUNC_MARK);
    }
    sqt_log_neutralise(msg);
    sqt_log_truncate(msg, strlen(msg), SQT_LOG_MSG_MAX);

    sqt_log_stamp(stamp, sizeof(stamp));
    name = sqt_level_names[level];
    n = snprintf(line, sizeof(line), "%s [%s] %s", stamp, name, msg);
    free(heap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(line) - 2) /* room for the newline */
        n = (int)(sizeof(line) - 2);

    /* each destination gets the whole line, newline included, in one write: stderr is
     * unbuffered, and a line in two syscalls costs twice on the order path */
    if (log->err != NULL) {
        if (log->color) {
            char col[SQT_LOG_PREFIX_MAX + SQT_LOG_MSG_MAX + 24];
            int m = snprintf(col, sizeof(col), "%s %s[%s]\033[0m %s\n", stamp,
                             sqt_level_colors[level], name,
                             line + strlen(stamp) + strlen(name) + 4);
            if (m > 0)
                fwrite(col, 1, (size_t)m < sizeof(col) ? (size_t)m : sizeof(col) - 1, log->err);
        } else {
            line[n] = '\n';
            fwrite(line, 1, (size_t)n + 1, log->err);
            line[n] = '\0';
        }
        fflush(log->err);
    }
    if (log->file != NULL) {
        line[n] = '\n';
        fwrite(line, 1, (size_t)n + 1, log->file);
        line[n] = '\0';
        fflush(log->file);
    }
    if (log->sink != NULL)
        log->sink(log->sink_ud, level, line);
}

void sqt_logf(sqt_log *log, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqt_vlogf(log, level, fmt, ap);
    va_end(ap);
}
