/* Metrics: an opt-in HTTP server on the libuv loop (metrics.listen) that answers
 *   GET /metrics  with the Prometheus text format (version 0.0.4), and
 *   GET /healthz  with 200 "ok" or 503 and the reason, as a health callback says.
 * The module knows no product numbers: on each scrape it calls the app's render
 * callback, which writes families and samples with the writer functions below.
 *
 * One request per connection (the answer says Connection: close). A request must
 * arrive whole within request_timeout_ms with a head of at most 8 KiB, or the
 * connection is answered 4xx / closed; at most 16 connections are served at once. */
#ifndef SQT_APP_METRICS_H
#define SQT_APP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include <opensqt/plugin.h>

/* ---- the writer ------------------------------------------------------------------- */

/* The exposition being written. Growable; a failed allocation marks it `failed` and
 * every later write is a no-op (the scrape then answers 500). */
typedef struct sqt_mbuf {
    char *p;
    size_t len, cap;
    int failed;
} sqt_mbuf;

typedef struct sqt_metric_label {
    const char *name;                  /* [a-zA-Z_][a-zA-Z0-9_]* */
    const char *value;                 /* any UTF-8; \ " and newline are escaped */
} sqt_metric_label;

/* # HELP and # TYPE of one family (type: "counter", "gauge", "histogram"); once per
 * family, before its samples. SQT_EINVAL for a name that is not a metric name. */
int sqt_metrics_family(sqt_mbuf *b, const char *name, const char *type, const char *help);

/* One sample line `name{labels} value`. */
int sqt_metrics_sample_i64(sqt_mbuf *b, const char *name, const sqt_metric_label *labels,
                           size_t n_labels, int64_t v);
/* Money and quantities: the exact decimal, never through a double. */
int sqt_metrics_sample_dec(sqt_mbuf *b, const char *name, const sqt_metric_label *labels,
                           size_t n_labels, sqt_dec v);
/* Durations and ratios; NaN and infinities as Prometheus spells them. */
int sqt_metrics_sample_f64(sqt_mbuf *b, const char *name, const sqt_metric_label *labels,
                           size_t n_labels, double v);

/* A family with its single unlabelled sample. */
int sqt_metrics_counter(sqt_mbuf *b, const char *name, const char *help, int64_t v);
int sqt_metrics_gauge_dec(sqt_mbuf *b, const char *name, const char *help, sqt_dec v);
int sqt_metrics_gauge_i64(sqt_mbuf *b, const char *name, const char *help, int64_t v);

#define SQT_HIST_MAX_BUCKETS 24

/* A histogram the app keeps (e.g. tick-to-order latency in seconds). */
typedef struct sqt_histogram {
    double le[SQT_HIST_MAX_BUCKETS];   /* upper bounds, ascending; +Inf is implied */
    uint64_t count[SQT_HIST_MAX_BUCKETS + 1]; /* per bucket (not cumulative), last = +Inf */
    size_t n;
    uint64_t total;
    double sum;
} sqt_histogram;

/* Copy the bounds (ascending, finite, at most SQT_HIST_MAX_BUCKETS). SQT_EINVAL else. */
int sqt_histogram_init(sqt_histogram *h, const double *le, size_t n);
void sqt_histogram_observe(sqt_histogram *h, double v);
/* The family's samples: cumulative name_bucket{...,le="x"} lines ending with
 * le="+Inf", then name_sum and name_count (the family line is the caller's, type
 * "histogram"). `labels` are added to every line. */
int sqt_metrics_histogram(sqt_mbuf *b, const char *name, const sqt_metric_label *labels,
                          size_t n_labels, const sqt_histogram *h);

/* ---- the server ------------------------------------------------------------------- */

/* Write the whole exposition into b. */
typedef void (*sqt_metrics_render_cb)(void *ud, sqt_mbuf *b);
/* 1 healthy; 0 unhealthy with a one-line reason in why. */
typedef int (*sqt_metrics_health_cb)(void *ud, char *why, size_t cap);

typedef struct sqt_metrics_opts {
    const char *host;                  /* numeric address or "localhost" */
    int port;                          /* 0: the kernel chooses (see sqt_metrics_port) */
    int allow_non_loopback;            /* else a non-loopback host is refused */
    uint32_t request_timeout_ms;       /* whole request within this; 0 = 5000 */
    sqt_metrics_render_cb render;
    sqt_metrics_health_cb health;      /* NULL: always healthy */
    void *ud;
} sqt_metrics_opts;

typedef struct sqt_metrics sqt_metrics;
typedef void (*sqt_metrics_close_cb)(sqt_metrics *m);

struct sqt_metrics {
    void *data;                        /* the user's */
    uv_loop_t *loop;
    sqt_metrics_opts opts;
    uv_tcp_t server;
    int listening;                     /* the server handle is open */
    int closing;
    size_t n_conns;                    /* connections open */
    void *conns;                       /* internal list */
    uint64_t served, refused;          /* answered requests, connections turned away */
    sqt_metrics_close_cb close_cb;
};

/* No I/O; opts copied (host copied too). SQT_EINVAL without a render callback. */
int sqt_metrics_init(sqt_metrics *m, uv_loop_t *loop, const sqt_metrics_opts *opts);

/* Bind and listen. 0, or SQT_EINVAL (bad address, or non-loopback not allowed) /
 * SQT_ENETWORK (bind or listen failed) with a one-line reason in err. */
int sqt_metrics_start(sqt_metrics *m, char *err, size_t errlen);

/* The port listened on (after a successful start), else 0. */
int sqt_metrics_port(const sqt_metrics *m);

/* Stop listening, close every connection; cb (may be NULL) runs once on the loop when
 * all handles are closed. The struct must stay valid until then. */
void sqt_metrics_close(sqt_metrics *m, sqt_metrics_close_cb cb);

#endif
