/* Logging: levels, timestamps, stderr by default, optional file. Secrets registered
 * with sqt_log_add_secret() are replaced by "***" in every line, whatever the caller
 * passes, so no code path can print one. */
#ifndef SQT_LOG_H
#define SQT_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum sqt_level {
    SQT_LV_DEBUG = 0,
    SQT_LV_INFO = 1,
    /* lifecycle (starting, trading, stopping, stopped) and the status line: the default
     * level, and still printed at WARN (docs/operations.md) */
    SQT_LV_NOTICE = 2,
    SQT_LV_WARN = 3,
    SQT_LV_ERROR = 4,
    SQT_LV_FATAL = 5
};

typedef struct sqt_log {
    int level;                 /* minimum level printed */
    FILE *err;                 /* console stream, stderr by default; NULL = none */
    FILE *file;                /* optional log file (owned), NULL = none */
    int color;                 /* colour level tags (only when err is a terminal) */
    char **secrets;            /* owned copies, longest first, redacted from every line */
    size_t n_secrets;
    size_t cap_secrets;
    /* test hook: every finished line is also passed here when set */
    void (*sink)(void *ud, int level, const char *line);
    void *sink_ud;
} sqt_log;

/* stderr, INFO, colour only if stderr is a terminal. */
void sqt_log_init(sqt_log *log);
/* Close the file and free the secret copies. */
void sqt_log_close(sqt_log *log);
/* Append to `path` (created 0640). Returns 0 or -errno. */
int sqt_log_open_file(sqt_log *log, const char *path);
/* "DEBUG", "info", "NOTICE", " Warn ", "WARNING", "ERROR", "FATAL" -> level; -1 if unknown. */
int sqt_log_level_parse(const char *s);
const char *sqt_log_level_name(int level);
/* Register a secret (copied; ignored when shorter than 4 bytes or already known). The
 * table grows as needed: every registered secret is redacted, whatever the count. */
void sqt_log_add_secret(sqt_log *log, const char *secret);

/* 1 when a line of `level` is printed: at or above the log's level, and NOTICE lines
 * also at WARN. */
int sqt_log_wants(const sqt_log *log, int level);

void sqt_logf(sqt_log *log, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sqt_vlogf(sqt_log *log, int level, const char *fmt, va_list ap);

/* A status or lifecycle line ("started", the periodic status, "stopped (exit N)") at
 * the NOTICE level: shown at every level up to WARN so `--log-level WARN` still says
 * what the bot is doing; only ERROR and above silence it. Redacted like any line. */
void sqt_log_note(sqt_log *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Replace every registered secret in buf (NUL-terminated, capacity cap) by "***". */
void sqt_log_redact(const sqt_log *log, char *buf, size_t cap);

#define SQT_DEBUG(l, ...) sqt_logf((l), SQT_LV_DEBUG, __VA_ARGS__)
#define SQT_INFO(l, ...) sqt_logf((l), SQT_LV_INFO, __VA_ARGS__)
#define SQT_WARN(l, ...) sqt_logf((l), SQT_LV_WARN, __VA_ARGS__)
#define SQT_ERROR(l, ...) sqt_logf((l), SQT_LV_ERROR, __VA_ARGS__)
#define SQT_NOTE(l, ...) sqt_log_note((l), __VA_ARGS__)

#endif
