/* Metrics server and Prometheus text writer. See metrics.h. */
#include "metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <http_parser.h>

#define SQT_M_MAX_CONNS 16
#define SQT_M_MAX_HEAD 8192            /* request line and headers */
#define SQT_M_MAX_URL 256
#define SQT_M_MAX_BODY (16u << 20)     /* an exposition larger than this is a bug */
#define SQT_M_TIMEOUT_MS 5000

/* ---- the writer ------------------------------------------------------------------- */

static int mbuf_reserve(sqt_mbuf *b, size_t more)
{
    char *p;
    size_t cap;
    if (b->failed)
        return SQT_ENOMEM;
    if (b->len + more + 1 <= b->cap)
        return SQT_OK;
    if (b->len + more + 1 > SQT_M_MAX_BODY) {
        b->failed = 1;
        return SQT_ERANGE;
    }
    cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1)
        cap *= 2;
    p = realloc(b->p, cap);
    if (p == NULL) {
        b->failed = 1;
        return SQT_ENOMEM;
    }
    b->p = p;
    b->cap = cap;
    return SQT_OK;
}

static int mbuf_put(sqt_mbuf *b, const char *s, size_t n)
{
    if (mbuf_reserve(b, n) != SQT_OK)
        return SQT_ENOMEM;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return SQT_OK;
}

static int mbuf_str(sqt_mbuf *b, const char *s)
{
    return mbuf_put(b, s, strlen(s));
}

static int name_ok(const char *s, int colon_ok)
{
    size_t i;
    if (s == NULL || s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (i = 0; s[i]; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || (colon_ok && c == ':')))
            return 0;
    }
    return 1;
}

/* HELP text escapes \ and newline; a label value also escapes ". */
static int mbuf_escaped(sqt_mbuf *b, const char *s, int quote)
{
    for (; s != NULL && *s; s++) {
        int rc;
        if (*s == '\\')
            rc = mbuf_put(b, "\\\\", 2);
        else if (*s == '\n')
            rc = mbuf_put(b, "\\n", 2);
        else if (quote && *s == '"')
            rc = mbuf_put(b, "\\\"", 2);
        else
            rc = mbuf_put(b, s, 1);
        if (rc != SQT_OK)
            return rc;
    }
    return SQT_OK;
}

int sqt_metrics_family(sqt_mbuf *b, const char *name, const char *type, const char *help)
{
    if (b == NULL || !name_ok(name, 1) || type == NULL)
        return SQT_EINVAL;
    mbuf_str(b, "# HELP ");
    mbuf_str(b, name);
    mbuf_put(b, " ", 1);
    mbuf_escaped(b, help ? help : "", 0);
    mbuf_str(b, "\n# TYPE ");
    mbuf_str(b, name);
    mbuf_put(b, " ", 1);
    mbuf_str(b, type);
    return mbuf_put(b, "\n", 1);
}

/* name{a="x",b="y"} then a space; `extra` is one more label (the histogram's le). */
static int sample_head(sqt_mbuf *b, const char *name, const char *suffix,
                       const sqt_metric_label *labels, size_t n, const sqt_metric_label *extra)
{
    size_t i;
    if (b == NULL || !name_ok(name, 1) || (n > 0 && labels == NULL))
        return SQT_EINVAL;
    for (i = 0; i < n; i++)
        if (!name_ok(labels[i].name, 0))
            return SQT_EINVAL;
    mbuf_str(b, name);
    if (suffix != NULL)
        mbuf_str(b, suffix);
    if (n > 0 || extra != NULL) {
        mbuf_put(b, "{", 1);
        for (i = 0; i < n + (extra != NULL); i++) {
            const sqt_metric_label *l = i < n ? &labels[i] : extra;
            if (i > 0)
                mbuf_put(b, ",", 1);
            mbuf_str(b, l->name);
            mbuf_put(b, "=\"", 2);
            mbuf_escaped(b, l->value ? l->value : "", 1);
            mbuf_put(b, "\"", 1);
        }
        mbuf_put(b, "}", 1);
    }
    return mbuf_put(b, " ", 1);
}

/* Shortest text that reads back as the same double; Prometheus' names for the rest. */
static void fmt_f64(double v, char *out, size_t cap)
{
    if (isnan(v))
        snprintf(out, cap, "NaN");
    else if (isinf(v))
        snprintf(out, cap, v > 0 ? "+Inf" : "-Inf");
    else {
        snprintf(out, cap, "%.15g", v);
        if (strtod(out, NULL) != v)
            snprintf(out, cap, "%.17g", v);
    }
}

static int sample_tail(sqt_mbuf *b, const char *value)
{
    mbuf_str(b, value);
    return b->failed ? SQT_ENOMEM : mbuf_put(b, "\n", 1);
}

static int sample_text(sqt_mbuf *b, const char *name, const sqt_metric_label *labels,
                       size_t n_labels, const char *value)
{
    int rc = sample_head(b, name, NULL, labels, n_labels, NULL);
    return rc != SQT_OK ? rc : sample_tail(b, value);
}

int sqt_metrics_sample_i64(sqt_mbuf *b, const char *name, const sqt_metric_label *labels,
                           size_t n_labels, int64_t v)
{
    char num[32];
    snprintf(num, sizeof(num), "%lld", (long long)v);
    return sample_text(b, name, labels, n_labels, num);
}

int sqt_metrics_sample_dec(sqt_mbuf *b, const char *name, const sqt_metric_label *labels,
                           size_t n_labels, sqt_dec v)
{
    char num[48];
    if (sqt_dec_format(v, num, sizeof(num)) < 0)
        return SQT_EINVAL;
    return sample_text(b, name, labels, n_labels, num);
}

int sqt_metrics_sample_f64(sqt_mbuf *b, const char *name, const sqt_metric_label *labels,
                           size_t n_labels, double v)
{
    char num[40];
    fmt_f64(v, num, sizeof(num));
    return sample_text(b, name, labels, n_labels, num);
}

int sqt_metrics_counter(sqt_mbuf *b, const char *name, const char *help, int64_t v)
{
    int rc = sqt_metrics_family(b, name, "counter", help);
    return rc != SQT_OK ? rc : sqt_metrics_sample_i64(b, name, NULL, 0, v);
}

int sqt_metrics_gauge_i64(sqt_mbuf *b, const char *name, const char *help, int64_t v)
{
    int rc = sqt_metrics_family(b, name, "gauge", help);
    return rc != SQT_OK ? rc : sqt_metrics_sample_i64(b, name, NULL, 0, v);
}

int sqt_metrics_gauge_dec(sqt_mbuf *b, const char *name, const char *help, sqt_dec v)
{
    int rc = sqt_metrics_family(b, name, "gauge", help);
    return rc != SQT_OK ? rc : sqt_metrics_sample_dec(b, name, NULL, 0, v);
}

int sqt_histogram_init(sqt_histogram *h, const double *le, size_t n)
{
    size_t i;
    if (h == NULL || (n > 0 && le == NULL) || n > SQT_HIST_MAX_BUCKETS)
        return SQT_EINVAL;
    for (i = 0; i < n; i++)
        if (!isfinite(le[i]) || (i > 0 && !(le[i] > le[i - 1])))
            return SQT_EINVAL;
    memset(h, 0, sizeof(*h));
    memcpy(h->le, le, n * sizeof(le[0]));
    h->n = n;
    return SQT_OK;
}

void sqt_histogram_observe(sqt_histogram *h, double v)
{
    size_t i;
    if (h == NULL || isnan(v))
        return;
    for (i = 0; i < h->n && v > h->le[i]; i++)
        ;
    h->count[i]++;
    h->total++;
    h->sum += v;
}

int sqt_metrics_histogram(sqt_mbuf *b, const char *name, const sqt_metric_label *labels,
                          size_t n_labels, const sqt_histogram *h)
{
    char num[40], le[40];
    uint64_t cum = 0;
    size_t i;
    int rc;
    if (h == NULL)
        return SQT_EINVAL;
    for (i = 0; i <= h->n; i++) {
        sqt_metric_label l = {"le", le};
        cum += h->count[i];
        if (i < h->n)
            fmt_f64(h->le[i], le, sizeof(le));
        else
            snprintf(le, sizeof(le), "+Inf");
        rc = sample_head(b, name, "_bucket", labels, n_labels, &l);
        if (rc != SQT_OK)
            return rc;
        snprintf(num, sizeof(num), "%llu", (unsigned long long)cum);
        sample_tail(b, num);
    }
    if ((rc = sample_head(b, name, "_sum", labels, n_labels, NULL)) != SQT_OK)
        return rc;
    fmt_f64(h->sum, num, sizeof(num));
    sample_tail(b, num);
    if ((rc = sample_head(b, name, "_count", labels, n_labels, NULL)) != SQT_OK)
        return rc;
    snprintf(num, sizeof(num), "%llu", (unsigned long long)h->total);
    return sample_tail(b, num);
}

/* ---- the server ------------------------------------------------------------------- */

typedef struct mconn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_write_t wr;
    http_parser hp;
    sqt_metrics *m;
    struct mconn *next, *prev;
    char in[4096];
    char url[SQT_M_MAX_URL + 1];
    size_t url_len;
    size_t head_bytes;
    char *out;
    int url_too_long;
    int answered;
    int closing;
    int open_handles;
} mconn;

static void maybe_closed(sqt_metrics *m)
{
    if (m->closing && !m->listening && m->n_conns == 0 && m->close_cb != NULL) {
        sqt_metrics_close_cb cb = m->close_cb;
        m->close_cb = NULL;
        cb(m);
    }
}

static void conn_handle_closed(uv_handle_t *h)
{
    mconn *c = h->data;
    sqt_metrics *m = c->m;
    if (--c->open_handles > 0)
        return;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        m->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    free(c->out);
    free(c);
    m->n_conns--;
    maybe_closed(m);
}

static void conn_close(mconn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
    uv_close((uv_handle_t *)&c->timer, conn_handle_closed);
}

static void wrote(uv_write_t *req, int status)
{
    (void)status;
    conn_close(req->data);
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    default: return "Service Unavailable";
    }
}

/* The whole answer in one write, then the connection closes. */
static void respond(mconn *c, int status, const char *ctype, const char *body, size_t len,
                    int head_only)
{
    char head[320];
    uv_buf_t buf;
    int n;
    if (c->answered || c->closing)
        return;
    c->answered = 1;
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_timer_stop(&c->timer);
    n = snprintf(head, sizeof(head),
                 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                 "Cache-Control: no-store\r\n%sConnection: close\r\n\r\n",
                 status, reason(status), ctype, len, status == 405 ? "Allow: GET, HEAD\r\n" : "");
    c->out = malloc((size_t)n + (head_only ? 0 : len));
    if (c->out == NULL) {
        conn_close(c);
        return;
    }
    memcpy(c->out, head, (size_t)n);
    if (!head_only && len > 0)
        memcpy(c->out + n, body, len);
    buf = uv_buf_init(c->out, (unsigned)((size_t)n + (head_only ? 0 : len)));
    c->wr.data = c;
    if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &buf, 1, wrote) != 0)
        conn_close(c);
    else
        c->m->served++;
}

static void respond_text(mconn *c, int status, const char *text)
{
    respond(c, status, "text/plain; charset=utf-8", text, strlen(text), 0);
}

static void serve(mconn *c)
{
    sqt_metrics *m = c->m;
    int head = c->hp.method == HTTP_HEAD;
    size_t plen = strcspn(c->url, "?#");
    if (c->hp.method != HTTP_GET && !head) {
        respond_text(c, 405, "only GET and HEAD\n");
        return;
    }
    if (plen == 8 && memcmp(c->url, "/metrics", 8) == 0) {
        sqt_mbuf b;
        memset(&b, 0, sizeof(b));
        m->opts.render(m->opts.ud, &b);
        if (b.failed)
            respond_text(c, 500, "the metrics could not be rendered\n");
        else
            respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", b.p ? b.p : "", b.len,
                    head);
        free(b.p);
    } else if (plen == 8 && memcmp(c->url, "/healthz", 8) == 0) {
        char why[240], body[256];
        int ok = 1;
        why[0] = '\0';
        if (m->opts.health != NULL)
            ok = m->opts.health(m->opts.ud, why, sizeof(why)) == 1;
        snprintf(body, sizeof(body), "%s\n", ok ? "ok" : (why[0] ? why : "unhealthy"));
        respond(c, ok ? 200 : 503, "text/plain; charset=utf-8", body, strlen(body), head);
    } else {
        respond_text(c, 404, "not found: try /metrics or /healthz\n");
    }
}

static int hp_url(http_parser *p, const char *at, size_t len)
{
    mconn *c = p->data;
    if (c->url_len + len > SQT_M_MAX_URL) {
        c->url_too_long = 1;
        return 1;
    }
    memcpy(c->url + c->url_len, at, len);
    c->url_len += len;
    c->url[c->url_len] = '\0';
    return 0;
}

static int hp_done(http_parser *p)
{
    serve(p->data);
    return 1; /* one request per connection: stop here */
}

static const http_parser_settings hp_settings = {
    .on_url = hp_url,
    .on_message_complete = hp_done,
};

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    mconn *c = h->data;
    (void)suggested;
    *buf = uv_buf_init(c->in, sizeof(c->in));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    mconn *c = s->data;
    size_t used;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    if (nread == 0 || c->answered)
        return;
    c->head_bytes += (size_t)nread;
    used = http_parser_execute(&c->hp, &hp_settings, buf->base, (size_t)nread);
    if (c->answered)
        return;
    if (c->url_too_long)
        respond_text(c, 414, "URI too long\n");
    else if (HTTP_PARSER_ERRNO(&c->hp) != HPE_OK || used != (size_t)nread)
        respond_text(c, 400, "bad request\n");
    else if (c->head_bytes > SQT_M_MAX_HEAD)
        respond_text(c, 431, "request too large\n");
}

/* Slow or silent clients (slowloris) get a bounded time for the whole request. */
static void on_timeout(uv_timer_t *t)
{
    respond_text(t->data, 408, "request timeout\n");
}

static void on_connection(uv_stream_t *server, int status)
{
    sqt_metrics *m = server->data;
    mconn *c;
    if (status < 0 || m->closing)
        return;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return;
    c->m = m;
    uv_tcp_init(m->loop, &c->tcp);
    uv_timer_init(m->loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->open_handles = 2;
    c->next = m->conns;
    if (c->next != NULL)
        c->next->prev = c;
    m->conns = c;
    m->n_conns++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c);
        return;
    }
    if (m->n_conns > SQT_M_MAX_CONNS) {
        m->refused++;
        conn_close(c);
        return;
    }
    http_parser_init(&c->hp, HTTP_REQUEST);
    c->hp.data = c;
    uv_timer_start(&c->timer, on_timeout,
                   m->opts.request_timeout_ms ? m->opts.request_timeout_ms : SQT_M_TIMEOUT_MS, 0);
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
        conn_close(c);
}

int sqt_metrics_init(sqt_metrics *m, uv_loop_t *loop, const sqt_metrics_opts *opts)
{
    if (m == NULL || loop == NULL || opts == NULL || opts->render == NULL ||
        opts->host == NULL || opts->port < 0 || opts->port > 65535)
        return SQT_EINVAL;
    memset(m, 0, sizeof(*m));
    m->loop = loop;
    m->opts = *opts;
    m->opts.host = strdup(opts->host);
    if (m->opts.host == NULL)
        return SQT_ENOMEM;
    if (uv_tcp_init(loop, &m->server) != 0) {
        free((char *)m->opts.host);
        m->opts.host = NULL;
        return SQT_ENOMEM;
    }
    m->server.data = m;
    m->listening = 1; /* the handle is open until sqt_metrics_close() */
    return SQT_OK;
}

int sqt_metrics_start(sqt_metrics *m, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    const char *host;
    int rc, loopback;
    if (m == NULL || m->closing)
        return SQT_ESTATE;
    host = strcmp(m->opts.host, "localhost") == 0 ? "127.0.0.1" : m->opts.host;
    if (uv_ip4_addr(host, m->opts.port, (struct sockaddr_in *)&ss) == 0) {
        loopback = ((const unsigned char *)&((struct sockaddr_in *)&ss)->sin_addr)[0] == 127;
    } else if (uv_ip6_addr(host, m->opts.port, (struct sockaddr_in6 *)&ss) == 0) {
        static const unsigned char one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        loopback = memcmp(&((struct sockaddr_in6 *)&ss)->sin6_addr, one, 16) == 0;
    } else {
        snprintf(err, errlen, "metrics: '%s' is not a numeric address or localhost",
                 m->opts.host);
        return SQT_EINVAL;
    }
    if (!loopback && !m->opts.allow_non_loopback) {
        snprintf(err, errlen, "metrics: %s is not a loopback address (set "
                 "metrics.allow_non_loopback: true to serve it)", m->opts.host);
        return SQT_EINVAL;
    }
    rc = uv_tcp_bind(&m->server, (const struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&m->server, 16, on_connection);
    if (rc != 0) {
        snprintf(err, errlen, "metrics: cannot listen on %s:%d: %s", m->opts.host,
                 m->opts.port, uv_strerror(rc));
        return SQT_ENETWORK;
    }
    return SQT_OK;
}

int sqt_metrics_port(const sqt_metrics *m)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (m == NULL || uv_tcp_getsockname(&m->server, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}

static void server_closed(uv_handle_t *h)
{
    sqt_metrics *m = h->data;
    m->listening = 0;
    free((char *)m->opts.host);
    m->opts.host = NULL;
    maybe_closed(m);
}

void sqt_metrics_close(sqt_metrics *m, sqt_metrics_close_cb cb)
{
    mconn *c, *next;
    if (m == NULL || m->closing)
        return;
    m->closing = 1;
    m->close_cb = cb;
    for (c = m->conns; c != NULL; c = next) {
        next = c->next;
        conn_close(c);
    }
    uv_close((uv_handle_t *)&m->server, server_closed);
}
