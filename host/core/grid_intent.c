/* Orders the previous run sent in a turn its journal does not hold whole (grid.h,
 * sqt_grid_restore_intents). The journal writes a turn's new orders before their
 * requests leave and the rest of the turn after: a process killed in between leaves a
 * slot that still holds the order its lost turn ended (a buy whose fill made the sell)
 * and an intent for the order that followed. The intent waits until the slot's old
 * order has ended (the start-up query books that fill), then becomes the slot's order
 * before anything else may be placed there: never two orders for one holding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid_internal.h"

int sqt_grid__intent_waits(const sqt_grid *g, const char *cid)
{
    size_t i;
    for (i = 0; i < g->n_intents; i++)
        if (strcmp(g->intents[i].o.cid, cid) == 0)
            return 1;
    return 0;
}

int64_t sqt_grid__intents_qty(const sqt_grid *g, sqt_side side)
{
    int64_t sum = 0;
    size_t i;
    for (i = 0; i < g->n_intents; i++)
        if (g->intents[i].o.side == side && g->intents[i].o.qty > 0 &&
            g->intents[i].o.qty <= INT64_MAX - sum)
            sum += g->intents[i].o.qty;
    return sum;
}

static void anomaly(sqt_grid *g, const sqt_grid_saved_intent *it, const char *why, int64_t now)
{
    sqt_grid_event *e = sqt_grid__ev_new(g, SQT_GRID_EV_ANOMALY, now);
    if (e == NULL)
        return;
    e->slot = it->k;
    e->side = it->o.side;
    sqt_clientid_copy(e->client_id, sizeof e->client_id, it->o.cid);
    sqt_grid__ev_text(e, "order of the previous run's unsaved turn: %s", why);
}

/* Take one intent into its slot. 1 when it is done with (bound, or cancelled as not
 * fitting), 0 when its slot still has another order, negative on SQT_ENOMEM. */
static int bind_one(sqt_grid *g, const sqt_grid_saved_intent *it, int64_t now)
{
    grid_slot *s = sqt_grid__slot(g, it->k);
    sqt_grid_saved_slot r;
    sqt_grid_event *e;
    sqt_i128 cost;
    char why[160];
    int rc;
    if (s != NULL && s->has_order)
        return strcmp(s->o.cid, it->o.cid) == 0; /* the slot's own, or wait for it to end */
    /* the slot as it would be with this order: the same checks as a restored slot */
    memset(&r, 0, sizeof r);
    r.k = it->k;
    r.qty = s != NULL ? s->qty : 0;
    snprintf(r.cost, sizeof r.cost, "0");
    snprintf(r.rt_gross, sizeof r.rt_gross, "0");
    snprintf(r.rt_fees, sizeof r.rt_fees, "0");
    r.has_order = 1;
    r.o = it->o;
    r.o.state = SQT_GRID_ORD_PENDING;
    r.o.filled = 0;
    if (sqt_grid__check_saved(g, &r, &cost, why, sizeof why) != 0) {
        /* it cannot be this slot's order (a sell of other than what the slot holds now):
         * off the exchange with it; what it traded, the position check finds */
        anomaly(g, it, why, now);
        rc = sqt_grid__cancel_untracked(g, it->o.cid, it->o.oid, it->k, SQT_GRID_WHY_ORPHAN, now);
        return rc != 0 ? rc : 1;
    }
    if (s == NULL && sqt_grid__slot_create(g, it->k, &s) != 0)
        return SQT_ENOMEM;
    s->parked = 0;
    sqt_grid__order_load(g, s, &r.o, now);
    sqt_grid__slot_refresh(g, s); /* has an order: never pruned */
    e = sqt_grid__ev_order(g, SQT_GRID_EV_ADOPTED, now, s);
    sqt_grid__ev_text(e, "sent just before the previous run stopped, its turn unsaved: taken "
                         "over, its state asked");
    /* what became of it: the answer books its fills or frees the slot */
    return (rc = sqt_grid__query(g, s, SQT_GRID_WHY_UNKNOWN, now)) != 0 ? rc : 1;
}

int sqt_grid__intents_bind(sqt_grid *g, int64_t now)
{
    size_t i = 0;
    while (i < g->n_intents) {
        int rc = bind_one(g, &g->intents[i], now);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            i++;
            continue;
        }
        g->intents[i] = g->intents[--g->n_intents];
    }
    if (g->n_intents == 0) {
        free(g->intents);
        g->intents = NULL;
    }
    return 0;
}

int sqt_grid_restore_intents(sqt_grid *g, const sqt_grid_saved_intent *v, size_t n, int64_t now_ms)
{
    size_t i;
    int rc;
    g->oom = 0;
    if (!g->started || !g->restored || g->reconciled || (n > 0 && v == NULL) || g->n_intents > 0)
        return SQT_EINVAL;
    if (n == 0)
        return 0;
    if ((g->intents = calloc(n, sizeof *g->intents)) == NULL)
        return SQT_ENOMEM;
    for (i = 0; i < n; i++) {
        const sqt_grid_saved_intent *it = &v[i];
        sqt_clientid id;
        if (memchr(it->o.cid, '\0', sizeof it->o.cid) == NULL ||
            memchr(it->o.oid, '\0', sizeof it->o.oid) == NULL ||
            sqt_clientid_decode(g->tag, it->o.cid, &id) != 0 ||
            sqt_grid__intent_waits(g, it->o.cid) || sqt_grid__slot_by_cid(g, it->o.cid) != NULL) {
            /* not this grid's id, or one the journal already holds */
            anomaly(g, it, "unreadable or already known: ignored", now_ms);
            continue;
        }
        g->intents[g->n_intents++] = *it;
        if (id.seq >= g->seq && id.seq < UINT64_MAX)
            g->seq = id.seq + 1; /* its id is never issued again */
    }
    rc = sqt_grid__intents_bind(g, now_ms);
    return rc ? rc : g->oom ? SQT_ENOMEM : 0;
}

size_t sqt_grid_intents_waiting(const sqt_grid *g)
{
    return g->n_intents;
}
