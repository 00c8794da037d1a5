/* The fault engine: which requests a fault hits, the user-push pipeline (drop,
 * duplicate, reorder) and what is done to WebSocket connections. The control commands
 * (control.c) set it; the request path (emulator.c) asks it. */
#include "core.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int emu_target_hit(const emu_target *t, const char *method, const char *path)
{
    if (strncmp(path, t->path, strlen(t->path)) != 0)
        return 0;
    return t->method[0] == '\0' || strcasecmp(method, t->method) == 0;
}

int emu_rfault_hit(rfault *f, const char *method, const char *path)
{
    if (f->count <= 0 || !emu_target_hit(&f->t, method, path))
        return 0;
    f->count--;
    return 1;
}

void sqt_emu_ws_text(sqt_emu_ws *w, const char *text)
{
    if (w != NULL && w->open)
        sqt_srv_ws_send(w->conn, SQT_SRV_OP_TEXT, text, strlen(text));
}

static void deliver(sqt_emu *e, const char *event, const char *json)
{
    sqt_emu_ws *w;
    e->pushes_sent++;
    for (w = e->ws; w != NULL; w = w->next)
        if (w->open && (w->kind & SQT_EMU_WS_USER) && e->d->user_send)
            e->d->user_send(e, e->dst, w, event, json);
}

void emu_held_release(sqt_emu *e)
{
    char *ev = e->held_event, *js = e->held_json;
    if (ev == NULL)
        return;
    e->held_event = e->held_json = NULL;
    deliver(e, ev, js);
    free(ev);
    free(js);
}

void sqt_emu_user_push(sqt_emu *e, const char *event, const char *json)
{
    if (e->drop_pushes > 0) {
        e->drop_pushes--;
        e->pushes_dropped++;
        sqt_emu_logf(e, "fault: %s push dropped", event);
        return;
    }
    if (e->reorder_pushes > 0 && e->held_event == NULL) {
        e->held_event = strdup(event);
        e->held_json = strdup(json);
        if (e->held_event != NULL && e->held_json != NULL) {
            e->reorder_pushes--;
            e->held_since = emu_mono(e);
            sqt_emu_logf(e, "fault: %s push held back to go after the next one", event);
            return;
        }
        free(e->held_event);
        free(e->held_json);
        e->held_event = e->held_json = NULL;
    }
    deliver(e, event, json);
    if (e->dup_pushes > 0) {
        e->dup_pushes--;
        sqt_emu_logf(e, "fault: %s push sent twice", event);
        deliver(e, event, json);
    }
    emu_held_release(e);
}

/* ------------------------------------------------------------------------------------
 * WebSocket registry
 * ---------------------------------------------------------------------------------- */

/* ------------------------------------------------------------------------------------
 * connections
 * ---------------------------------------------------------------------------------- */

int emu_ws_act(sqt_emu *e, int which, int act)
{
    sqt_emu_ws *w, *next;
    int n = 0;
    for (w = e->ws; w != NULL; w = next) {
        next = w->next; /* dropping closes later, but be safe */
        if (which != WHICH_ALL && !(w->kind & which))
            continue;
        n++;
        switch (act) {
        case WS_DROP:
            sqt_srv_conn_drop(w->conn);
            break;
        case WS_CLOSE:
            sqt_srv_ws_close(w->conn, 1000, "emulator closes");
            break;
        case WS_STALL:
            w->stalled = 1;
            sqt_srv_conn_stall(w->conn, 1);
            break;
        default:
            w->stalled = 0;
            sqt_srv_conn_stall(w->conn, 0);
            break;
        }
    }
    return n;
}

/* Every fault off, every scheduled command gone; a held push goes out. */
void emu_clear_faults(sqt_emu *e)
{
    memset(&e->f429, 0, sizeof(e->f429));
    memset(&e->f503, 0, sizeof(e->f503));
    memset(&e->ftimeout, 0, sizeof(e->ftimeout));
    e->delay_ms = 0;
    memset(&e->delay_t, 0, sizeof(e->delay_t));
    e->ban_until = 0;
    e->force_post_only = e->force_margin = 0;
    e->drop_pushes = e->dup_pushes = e->reorder_pushes = 0;
    emu_held_release(e);
    while (e->scheds != NULL) {
        sched *s = e->scheds;
        e->scheds = s->next;
        json_decref(s->args);
        free(s);
    }
}
