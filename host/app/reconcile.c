/* Reconciliation: the exchange's open orders and position of ONE moment, compared with
 * the engine's. A snapshot reads the open orders, the position, then the open orders
 * again; when the two lists differ (a fill or an order change happened in between) it
 * reads again, so the position always matches the list it is compared with. */
#include <stdlib.h>
#include <string.h>

#include "app_internal.h"

#define SNAPSHOT_TRIES 4

void app_snapshot_free(app_snapshot *s)
{
    free(s->orders);
    memset(s, 0, sizeof *s);
}

sqt_dec app_position_of(const app *a, const sqt_position *pos, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(pos[i].symbol, a->cfg->symbol) == 0)
            return pos[i].size;
    return sqt_dec_make(0, 0); /* no entry: flat */
}

static int cmp_order(const void *x, const void *y)
{
    const sqt_order *a = x, *b = y;
    int c = strcmp(a->client_id, b->client_id);
    return c != 0 ? c : strcmp(a->order_id, b->order_id);
}

/* The same orders in the same state with the same fills. */
static int same_orders(sqt_order *a, size_t na, sqt_order *b, size_t nb)
{
    size_t i;
    if (na != nb)
        return 0;
    if (na == 0) /* two empty lists (NULL arrays): qsort must not see them */
        return 1;
    qsort(a, na, sizeof *a, cmp_order);
    qsort(b, nb, sizeof *b, cmp_order);
    for (i = 0; i < na; i++) {
        int ok = 1;
        if (cmp_order(&a[i], &b[i]) != 0 || a[i].status != b[i].status ||
            sqt_dec_cmp(a[i].filled_qty, b[i].filled_qty, &ok) != 0 || !ok)
            return 0;
    }
    return 1;
}

static void snap_done(app *a, int status, const sqt_error *err, app_snapshot *s)
{
    app_snapshot_cb cb = a->snap_cb;
    a->snap_busy = 0;
    a->snap_cb = NULL;
    cb(a, status, err, s);
}

static void snap_fail(app *a, const sqt_error *err)
{
    free(a->snap_first);
    a->snap_first = NULL;
    snap_done(a, err ? err->code : SQT_EEXCHANGE, err, NULL);
}

static void snap_positions(void *ud, const sqt_error *err, const sqt_position *pos, size_t n);

static void snap_second_orders(void *ud, const sqt_error *err, const sqt_order *o, size_t n)
{
    app *a = ud;
    app_snapshot s;
    if (a->state == ST_DONE || (err && err->code != SQT_OK)) {
        snap_fail(a, err);
        return;
    }
    memset(&s, 0, sizeof s);
    s.orders = n ? malloc(n * sizeof *o) : NULL;
    if (n && s.orders == NULL) {
        sqt_error e;
        memset(&e, 0, sizeof e);
        e.code = SQT_ENOMEM;
        snap_fail(a, &e);
        return;
    }
    if (n)
        memcpy(s.orders, o, n * sizeof *o);
    s.n = n;
    s.position = a->snap_pos;
    s.have_position = a->snap_have_pos;
    if (!same_orders(a->snap_first, a->snap_first_n, s.orders, n) && ++a->snap_tries < SNAPSHOT_TRIES) {
        /* something changed between the reads: the position may belong to either list */
        int rc;
        free(a->snap_first);
        a->snap_first = s.orders;
        a->snap_first_n = n;
        rc = a->x->positions(a->ex, snap_positions, a);
        if (rc < 0) {
            sqt_error e;
            memset(&e, 0, sizeof e);
            e.code = rc;
            snap_fail(a, &e);
        }
        return;
    }
    if (a->snap_tries >= SNAPSHOT_TRIES)
        sqt_logf(a->log, SQT_LV_WARN,
                 "open orders kept changing while the position was read (%d tries); using the "
                 "last reading, the next reconcile checks again",
                 SNAPSHOT_TRIES);
    free(a->snap_first);
    a->snap_first = NULL;
    snap_done(a, 0, NULL, &s);
}

static void snap_positions(void *ud, const sqt_error *err, const sqt_position *pos, size_t n)
{
    app *a = ud;
    int rc;
    if (a->state == ST_DONE || (err && err->code != SQT_OK)) {
        snap_fail(a, err);
        return;
    }
    a->snap_pos = app_position_of(a, pos, n);
    a->snap_have_pos = 1;
    rc = a->x->open_orders(a->ex, snap_second_orders, a);
    if (rc < 0) {
        sqt_error e;
        memset(&e, 0, sizeof e);
        e.code = rc;
        snap_fail(a, &e);
    }
}

static void snap_first_orders(void *ud, const sqt_error *err, const sqt_order *o, size_t n)
{
    app *a = ud;
    int rc;
    if (a->state == ST_DONE || (err && err->code != SQT_OK)) {
        snap_fail(a, err);
        return;
    }
    free(a->snap_first);
    a->snap_first = n ? malloc(n * sizeof *o) : NULL;
    if (n && a->snap_first == NULL) {
        sqt_error e;
        memset(&e, 0, sizeof e);
        e.code = SQT_ENOMEM;
        snap_fail(a, &e);
        return;
    }
    if (n)
        memcpy(a->snap_first, o, n * sizeof *o);
    a->snap_first_n = n;
    rc = a->x->positions(a->ex, snap_positions, a);
    if (rc < 0) {
        sqt_error e;
        memset(&e, 0, sizeof e);
        e.code = rc;
        snap_fail(a, &e);
    }
}

int app_snapshot_take(app *a, app_snapshot_cb cb)
{
    int rc;
    if (a->snap_busy)
        return SQT_ESTATE;
    a->snap_busy = 1;
    a->snap_cb = cb;
    a->snap_tries = 0;
    a->snap_have_pos = 0;
    rc = a->x->open_orders(a->ex, snap_first_orders, a);
    if (rc < 0) {
        a->snap_busy = 0;
        a->snap_cb = NULL;
    }
    return rc;
}

/* ---- the periodic reconcile --------------------------------------------------- */

static void rec_done(app *a, int status, const sqt_error *err, app_snapshot *s)
{
    a->reconciling = 0;
    if (a->state != ST_TRADING || a->grid == NULL) {
        if (s)
            app_snapshot_free(s);
        return;
    }
    if (status != 0) {
        /* one failed round is retried at the next interval: a warning; a run of them
         * means the books are not being checked, which is an error */
        if (status != SQT_ECANCELLED)
            app_log_err_at(a, ++a->rec_fails >= 3 ? SQT_LV_ERROR : SQT_LV_WARN, "reconcile", err);
    } else {
        a->rec_fails = 0;
        sqt_grid_reconcile(a->grid, s->orders, s->n, s->have_position ? &s->position : NULL,
                           (int64_t)uv_now(&a->loop));
        app_snapshot_free(s);
        app_drain(a);
    }
    if (a->reconcile_again) {
        a->reconcile_again = 0;
        app_start_reconcile(a);
    }
}

void app_start_reconcile(app *a)
{
    int rc;
    if (a->grid == NULL || a->state != ST_TRADING)
        return;
    if (a->reconciling) {
        a->reconcile_again = 1;
        return;
    }
    a->reconciling = 1;
    a->last_rec_start_ms = uv_now(&a->loop);
    sqt_grid_reconcile_begin(a->grid);
    rc = app_snapshot_take(a, rec_done);
    if (rc < 0) {
        a->reconciling = 0;
        sqt_logf(a->log, SQT_LV_ERROR, "reconcile: open orders: %s", sqt_strerror(rc));
    }
}

void app_reconcile_timer_cb(uv_timer_t *t)
{
    app_start_reconcile(t->data);
}
