/* Audit trail writer: see eventlog.h. */
#include "eventlog.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sqt_eventlog_open(sqt_eventlog *el, const char *path)
{
    int fd;
    memset(el, 0, sizeof(*el));
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    el->f = fdopen(fd, "a");
    if (el->f == NULL) {
        int e = errno;
        close(fd);
        return -e;
    }
    /* full buffering: lines reach the file at sqt_eventlog_flush, once per loop turn */
    setvbuf(el->f, NULL, _IOFBF, SQT_EVENTLOG_BUF);
    return 0;
}

int sqt_eventlog_flush(sqt_eventlog *el)
{
    if (el->f == NULL || el->unflushed == 0)
        return 0;
    el->unflushed = 0;
    if (fflush(el->f) != 0) {
        el->failed = 1;
        return -1;
    }
    return 0;
}

static int put_dec(json_t *o, const char *key, sqt_dec d)
{
    char buf[48];
    if (sqt_dec_format(d, buf, sizeof(buf)) < 0)
        return -1;
    return json_object_set_new(o, key, json_string(buf));
}

static int put_str(json_t *o, const char *key, const char *v)
{
    if (v == NULL || v[0] == '\0')
        return 0;
    return json_object_set_new(o, key, json_string(v));
}

int sqt_eventlog_write(sqt_eventlog *el, const sqt_audit_event *ev)
{
    json_t *o;
    char *line;
    int rc = 0;
    if (el->f == NULL)
        return 0;
    o = json_object();
    if (o == NULL)
        return -1;
    json_object_set_new(o, "ts", json_integer(ev->ts_ms));
    put_str(o, "event", ev->event);
    put_str(o, "client_id", ev->client_id);
    put_str(o, "order_id", ev->order_id);
    if (ev->side != SQT_SIDE_NONE)
        json_object_set_new(o, "side", json_string(ev->side == SQT_SIDE_BUY ? "BUY" : "SELL"));
    put_dec(o, "price", ev->price);
    put_dec(o, "qty", ev->qty);
    json_object_set_new(o, "slot", json_integer(ev->slot));
    if (ev->has_filled)
        put_dec(o, "filled_qty", ev->filled_qty);
    if (ev->has_fill) {
        put_dec(o, "fill_qty", ev->fill_qty);
        put_dec(o, "fill_price", ev->fill_price);
    }
    if (ev->has_fee) {
        put_dec(o, "fee", ev->fee);
        put_str(o, "fee_asset", ev->fee_asset);
    }
    if (ev->has_pnl)
        put_dec(o, "pnl", ev->pnl);
    put_str(o, "reason", ev->reason);
    line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(o);
    if (line == NULL)
        return -1;
    if (fprintf(el->f, "%s\n", line) < 0)
        rc = -1;
    free(line);
    if (rc == 0) {
        el->lines++;
        el->unflushed++;
    } else {
        el->failed = 1;
    }
    return rc;
}

void sqt_eventlog_close(sqt_eventlog *el)
{
    if (el->f != NULL)
        fclose(el->f);
    el->f = NULL;
}
