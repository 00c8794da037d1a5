/* Small helpers every part of the app uses. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "app_internal.h"

const char *app_fmt_dec(sqt_dec d, char *buf, size_t cap)
{
    if (sqt_dec_format(d, buf, cap) < 0)
        snprintf(buf, cap, "?");
    return buf;
}

void app_log_err_at(app *a, int level, const char *what, const sqt_error *err)
{
    char msg[512];
    snprintf(msg, sizeof(msg), "%s: %s%s%s%s", what, sqt_strerror(err ? err->code : SQT_EEXCHANGE),
             err && err->exch_code[0] ? " [" : "", err ? err->exch_code : "",
             err && err->exch_code[0] ? "]" : "");
    if (err && err->message[0]) {
        size_t l = strlen(msg);
        snprintf(msg + l, sizeof(msg) - l, ": %s", err->message);
    }
    sqt_log_redact(a->log, msg, sizeof(msg));
    sqt_logf(a->log, level, "%s", msg);
}

void app_log_err(app *a, const char *what, const sqt_error *err)
{
    app_log_err_at(a, SQT_LV_ERROR, what, err);
}

void app_init_timer(app *a, uv_timer_t *t)
{
    uv_timer_init(&a->loop, t);
    t->data = a;
    a->handles_open++;
}

void app_note(app *a, int level, const char *kind, const char *fmt, ...)
{
    char text[400];
    sqt_audit_event ae;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    sqt_log_redact(a->log, text, sizeof text);
    sqt_logf(a->log, level, "%s: %s", kind, text);
    memset(&ae, 0, sizeof ae);
    ae.ts_ms = sqt_wall_ms();
    ae.event = kind;
    ae.reason = text;
    sqt_eventlog_write(&a->ev, &ae);
    if (a->journal != NULL && !a->journal_failed) {
        if (sqt_journal_begin(a->journal) != 0 ||
            sqt_journal_note(a->journal, ae.ts_ms, kind, text) != 0 ||
            sqt_journal_commit(a->journal) != 0) {
            sqt_journal_rollback(a->journal);
            sqt_logf(a->log, SQT_LV_WARN, "journal: the note could not be written: %s",
                     sqt_journal_errmsg(a->journal));
        }
    }
}
