/* Loopback HTTP + WebSocket server core (see server.h).
 *
 * Per connection: bytes in -> (TLS) -> http-parser, or wslay once upgraded; bytes out
 * -> (TLS) -> an output buffer flushed with uv_write, unless the connection is stalled
 * (kept) or trickling (one byte per loop turn from a uv_idle). Parsing of the next
 * request resumes from the idle handle too, so a callback that answers synchronously
 * never re-enters the parser. */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>
#include <openssl/evp.h>
#include <wslay/wslay.h>

#include "net/tls.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define MAX_BODY ((size_t)16 << 20)

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

typedef struct frag_src {
    struct frag_src *next;
    char *data;
    size_t len, off, frag;
} frag_src;

struct sqt_srv_conn {
    sqt_srv *srv;
    sqt_srv_conn *prev, *next;
    uint64_t id;
    void *user;
    uv_tcp_t tcp;
    uv_idle_t idle;
    int handles;               /* uv handles not yet through their close callback */
    int closing;
    int stalled;
    int trickle;
    int resume;                /* parse buffered input on the next idle turn */
    int close_after_write;
    size_t writes;             /* uv_write requests in flight */
    sqt_tls *tls;
    buf out;                   /* ciphertext (or plaintext without TLS) not yet written */
    size_t out_off;

    /* HTTP */
    http_parser hp;
    buf in;                    /* plaintext not yet parsed */
    buf url, hdrs, name, value, body;
    size_t n_hdrs;
    int last_was_value;
    int msg_done, keep_alive, body_over;
    int awaiting;              /* a request is waiting for sqt_srv_respond() */

    /* WebSocket */
    int is_ws;
    wslay_event_context_ptr wsl;
    buf rx;
    size_t rx_off;
    frag_src *frags;
    unsigned close_code;
};

struct sqt_srv {
    uv_loop_t *loop;
    uv_tcp_t listener;
    int port;
    sqt_tls_ctx *tls;
    sqt_srv_handlers h;
    void *ud;
    sqt_srv_conn *conns;
    int closing;
    int listener_open;
    uint64_t next_id;
    sqt_srv_stats stats;
    void (*done)(void *);
    void *done_ud;
};

static int buf_add(buf *b, const char *d, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;
        while (cap < b->len + n + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (p == NULL)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->len, d, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static void buf_free(buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* ---------------------------------------------------------------- life */

static void srv_maybe_done(sqt_srv *s)
{
    void (*done)(void *);
    void *ud;
    if (!s->closing || s->listener_open || s->conns != NULL)
        return;
    done = s->done;
    ud = s->done_ud;
    sqt_tls_ctx_free(s->tls);
    free(s);
    if (done)
        done(ud);
}

static void conn_handle_closed(uv_handle_t *h)
{
    sqt_srv_conn *c = h->data;
    sqt_srv *s = c->srv;
    frag_src *f;
    if (--c->handles > 0)
        return;
    if (s->h.on_conn_closed)
        s->h.on_conn_closed(s->ud, c);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->stats.live--;
    sqt_tls_free(c->tls);
    if (c->wsl)
        wslay_event_context_free(c->wsl);
    while ((f = c->frags) != NULL) {
        c->frags = f->next;
        free(f->data);
        free(f);
    }
    buf_free(&c->out);
    buf_free(&c->in);
    buf_free(&c->url);
    buf_free(&c->hdrs);
    buf_free(&c->name);
    buf_free(&c->value);
    buf_free(&c->body);
    buf_free(&c->rx);
    free(c);
    srv_maybe_done(s);
}

static void conn_close(sqt_srv_conn *c, int reset)
{
    if (c->closing)
        return;
    c->closing = 1;
    if (reset)
        uv_tcp_close_reset(&c->tcp, conn_handle_closed);
    else
        uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
    uv_close((uv_handle_t *)&c->idle, conn_handle_closed);
}

/* ---------------------------------------------------------------- output */

typedef struct srv_write {
    uv_write_t req;
    sqt_srv_conn *c;
    char data[];
} srv_write;

static void flush(sqt_srv_conn *c);

static void on_written(uv_write_t *req, int status)
{
    srv_write *w = req->data;
    sqt_srv_conn *c = w->c;
    free(w);
    c->writes--;
    if (c->closing)
        return;
    if (status < 0) {
        conn_close(c, 0);
        return;
    }
    flush(c);
}

static int write_now(sqt_srv_conn *c, const char *data, size_t n)
{
    srv_write *w = malloc(sizeof(*w) + n);
    uv_buf_t b;
    if (w == NULL)
        return -1;
    w->c = c;
    w->req.data = w;
    memcpy(w->data, data, n);
    b = uv_buf_init(w->data, (unsigned)n);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
        free(w);
        return -1;
    }
    c->writes++;
    return 0;
}

static void on_idle(uv_idle_t *i);

static void flush(sqt_srv_conn *c)
{
    size_t n = c->out.len - c->out_off;
    if (c->closing || c->stalled)
        return;
    if (n > 0 && c->trickle) {
        uv_idle_start(&c->idle, on_idle);
        return;
    }
    if (n > 0) {
        if (write_now(c, c->out.p + c->out_off, n) != 0) {
            conn_close(c, 0);
            return;
        }
        c->out.len = c->out_off = 0;
    }
    if (c->close_after_write && c->writes == 0)
        conn_close(c, 0);
}

static void out_raw(void *ud, const char *data, size_t len)
{
    sqt_srv_conn *c = ud;
    if (c->out_off > 0 && c->out_off == c->out.len)
        c->out.len = c->out_off = 0;
    if (buf_add(&c->out, data, len) != 0)
        conn_close(c, 0);
}

static int send_plain(sqt_srv_conn *c, const char *data, size_t len)
{
    if (c->closing)
        return SQT_ESTATE;
    if (c->tls != NULL) {
        if (sqt_tls_write(c->tls, data, len) != SQT_OK)
            return SQT_ENETWORK;
    } else {
        out_raw(c, data, len);
    }
    return SQT_OK;
}

/* ---------------------------------------------------------------- WebSocket */

static ssize_t wsl_recv(wslay_event_context_ptr ctx, uint8_t *b, size_t len, int flags, void *ud)
{
    sqt_srv_conn *c = ud;
    size_t n = c->rx.len - c->rx_off;
    (void)flags;
    if (n == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (n > len)
        n = len;
    memcpy(b, c->rx.p + c->rx_off, n);
    c->rx_off += n;
    if (c->rx_off == c->rx.len)
        c->rx.len = c->rx_off = 0;
    return (ssize_t)n;
}

static ssize_t wsl_send(wslay_event_context_ptr ctx, const uint8_t *d, size_t len, int flags,
                        void *ud)
{
    sqt_srv_conn *c = ud;
    (void)flags;
    if (send_plain(c, (const char *)d, len) != SQT_OK) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)len;
}

static void wsl_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *a,
                    void *ud)
{
    sqt_srv_conn *c = ud;
    sqt_srv *s = c->srv;
    (void)ctx;
    if (a->opcode == WSLAY_CONNECTION_CLOSE)
        c->close_code = a->status_code ? a->status_code : 1005;
    if (s->h.on_ws_message && !c->closing)
        s->h.on_ws_message(s->ud, c, a->opcode, (const char *)a->msg, a->msg_length);
}

/* Push queued frames out; once both close frames went, the server closes TCP first. */
static void ws_pump(sqt_srv_conn *c)
{
    if (c->closing || c->wsl == NULL)
        return;
    if (wslay_event_want_write(c->wsl) && wslay_event_send(c->wsl) != 0) {
        conn_close(c, 0);
        return;
    }
    if (wslay_event_get_close_sent(c->wsl) && !wslay_event_get_read_enabled(c->wsl))
        c->close_after_write = 1;
    flush(c);
}

static void ws_input(sqt_srv_conn *c, const char *data, size_t len)
{
    if (!wslay_event_get_read_enabled(c->wsl))
        return;
    if (buf_add(&c->rx, data, len) != 0 || wslay_event_recv(c->wsl) != 0) {
        conn_close(c, 0);
        return;
    }
    ws_pump(c);
}

static int accept_for(const char *key, char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char tmp[160];
    int n = snprintf(tmp, sizeof(tmp), "%s%s", key, WS_GUID);
    if (n < 0 || (size_t)n >= sizeof(tmp) || cap < 29 ||
        EVP_Digest(tmp, (size_t)n, md, &mdlen, EVP_sha1(), NULL) != 1)
        return -1;
    EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
    return 0;
}

/* ---------------------------------------------------------------- HTTP parsing */

static int push_header(sqt_srv_conn *c)
{
    if (c->name.len == 0)
        return 0;
    if (buf_add(&c->hdrs, c->name.p, c->name.len + 1) != 0 ||
        buf_add(&c->hdrs, c->value.p ? c->value.p : "", c->value.len + 1) != 0)
        return -1;
    c->n_hdrs++;
    c->name.len = c->value.len = 0;
    return 0;
}

static int hp_begin(http_parser *p)
{
    sqt_srv_conn *c = p->data;
    c->url.len = c->hdrs.len = c->name.len = c->value.len = c->body.len = 0;
    c->n_hdrs = 0;
    c->last_was_value = 0;
    c->body_over = 0;
    return 0;
}

static int hp_url(http_parser *p, const char *at, size_t n)
{
    sqt_srv_conn *c = p->data;
    return buf_add(&c->url, at, n);
}

static int hp_field(http_parser *p, const char *at, size_t n)
{
    sqt_srv_conn *c = p->data;
    if (c->last_was_value && push_header(c) != 0)
        return -1;
    c->last_was_value = 0;
    return buf_add(&c->name, at, n);
}

static int hp_value(http_parser *p, const char *at, size_t n)
{
    sqt_srv_conn *c = p->data;
    c->last_was_value = 1;
    return buf_add(&c->value, at, n);
}

static int hp_headers_done(http_parser *p)
{
    sqt_srv_conn *c = p->data;
    return push_header(c);
}

static int hp_body(http_parser *p, const char *at, size_t n)
{
    sqt_srv_conn *c = p->data;
    if (c->body.len + n > MAX_BODY) {
        c->body_over = 1;
        return 0;
    }
    return buf_add(&c->body, at, n);
}

static int hp_complete(http_parser *p)
{
    sqt_srv_conn *c = p->data;
    c->msg_done = 1;
    c->keep_alive = http_should_keep_alive(p);
    http_parser_pause(p, 1); /* one request at a time */
    return 0;
}

static const http_parser_settings hp_settings = {
    .on_message_begin = hp_begin,
    .on_url = hp_url,
    .on_header_field = hp_field,
    .on_header_value = hp_value,
    .on_headers_complete = hp_headers_done,
    .on_body = hp_body,
    .on_message_complete = hp_complete,
};

static const char *header_get(const sqt_header *h, size_t n, const char *name)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcasecmp(h[i].name, name) == 0)
            return h[i].value;
    return NULL;
}

static void raw_text(sqt_srv_conn *c, const char *text)
{
    send_plain(c, text, strlen(text));
}

static void do_upgrade(sqt_srv_conn *c, const sqt_srv_request *req, const char *rest, size_t n)
{
    static const struct wslay_event_callbacks cbs = {
        wsl_recv, wsl_send, NULL, NULL, NULL, NULL, wsl_msg,
    };
    sqt_srv *s = c->srv;
    const char *key = header_get(req->headers, req->n_headers, "Sec-WebSocket-Key");
    int mode = s->h.on_upgrade ? s->h.on_upgrade(s->ud, c, req) : SQT_SRV_UPGRADE_ACCEPT;
    char acc[64], resp[256];
    if (c->closing)
        return;
    if (key == NULL || strlen(key) > 64 || accept_for(key, acc, sizeof(acc)) != 0) {
        raw_text(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        c->close_after_write = 1;
        flush(c);
        return;
    }
    switch (mode) {
    case SQT_SRV_UPGRADE_REJECT:
        raw_text(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\nConnection: close\r\n\r\n"
                    "forbidden");
        c->close_after_write = 1;
        flush(c);
        return;
    case SQT_SRV_UPGRADE_SILENT:
        return;
    case SQT_SRV_UPGRADE_BAD_ACCEPT:
        acc[0] = acc[0] == 'A' ? 'B' : 'A';
        break;
    default:
        break;
    }
    snprintf(resp, sizeof(resp),
             "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
    if (mode == SQT_SRV_UPGRADE_TRUNCATE) {
        send_plain(c, resp, 30);
        c->close_after_write = 1;
        flush(c);
        return;
    }
    raw_text(c, resp);
    if (wslay_event_context_server_init(&c->wsl, &cbs, c) != 0) {
        c->wsl = NULL;
        conn_close(c, 0);
        return;
    }
    c->is_ws = 1;
    s->stats.ws_opens++;
    flush(c);
    if (s->h.on_ws_open)
        s->h.on_ws_open(s->ud, c);
    if (!c->closing && n > 0)
        ws_input(c, rest, n);
}

/* Parse buffered input until a request waits for its answer. */
static void process_http(sqt_srv_conn *c)
{
    sqt_srv *s = c->srv;
    while (!c->closing && !c->is_ws && !c->awaiting && c->in.len > 0) {
        size_t used = http_parser_execute(&c->hp, &hp_settings, c->in.p, c->in.len);
        enum http_errno e = HTTP_PARSER_ERRNO(&c->hp);
        sqt_header *hv = NULL;
        sqt_srv_request req;
        size_t i, off = 0;
        if (e != HPE_OK && e != HPE_PAUSED) {
            raw_text(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            c->close_after_write = 1;
            flush(c);
            return;
        }
        if (e == HPE_PAUSED)
            http_parser_pause(&c->hp, 0);
        memmove(c->in.p, c->in.p + used, c->in.len - used);
        c->in.len -= used;
        if (!c->msg_done)
            return;            /* need more bytes */
        c->msg_done = 0;
        if (c->n_hdrs > 0 && (hv = calloc(c->n_hdrs, sizeof(*hv))) == NULL) {
            conn_close(c, 0);
            return;
        }
        for (i = 0; i < c->n_hdrs; i++) {
            hv[i].name = c->hdrs.p + off;
            off += strlen(c->hdrs.p + off) + 1;
            hv[i].value = c->hdrs.p + off;
            off += strlen(c->hdrs.p + off) + 1;
        }
        memset(&req, 0, sizeof(req));
        req.method = http_method_str((enum http_method)c->hp.method);
        req.target = c->url.p ? c->url.p : "/";
        req.headers = hv;
        req.n_headers = c->n_hdrs;
        req.body = c->body.p ? c->body.p : "";
        req.body_len = c->body.len;
        req.keep_alive = c->keep_alive;
        s->stats.requests++;
        if (c->hp.upgrade) {
            char *rest = c->in.len ? malloc(c->in.len) : NULL;
            size_t n = c->in.len;
            if (rest)
                memcpy(rest, c->in.p, n);
            c->in.len = 0;
            do_upgrade(c, &req, rest, rest ? n : 0);
            free(rest);
            free(hv);
            return;
        }
        if (c->body_over) {
            free(hv);
            raw_text(c, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            c->close_after_write = 1;
            flush(c);
            return;
        }
        c->awaiting = 1;
        if (s->h.on_request)
            s->h.on_request(s->ud, c, &req);
        else
            sqt_srv_respond(c, 404, NULL, 0, "not found", 9);
        free(hv);
    }
}

static void on_idle(uv_idle_t *i)
{
    sqt_srv_conn *c = i->data;
    if (c->resume) {
        c->resume = 0;
        process_http(c);
    }
    if (c->closing)
        return;
    if (c->trickle && !c->stalled && c->out_off < c->out.len) {
        if (write_now(c, c->out.p + c->out_off, 1) != 0) {
            conn_close(c, 0);
            return;
        }
        c->out_off++;
        if (c->out_off == c->out.len)
            c->out.len = c->out_off = 0;
        return;                /* next byte on the next turn */
    }
    uv_idle_stop(&c->idle);
    if (c->close_after_write && c->writes == 0 && c->out.len == c->out_off)
        conn_close(c, 0);
}

/* ---------------------------------------------------------------- input */

static void plain_in(sqt_srv_conn *c, const char *data, size_t len)
{
    if (c->closing)
        return;
    if (c->is_ws) {
        ws_input(c, data, len);
        return;
    }
    if (buf_add(&c->in, data, len) != 0) {
        conn_close(c, 0);
        return;
    }
    process_http(c);
}

static int tls_plain(void *ud, const char *data, size_t len)
{
    sqt_srv_conn *c = ud;
    plain_in(c, data, len);
    return c->closing;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    (void)h;
    (void)hint;
    b->base = malloc(65536);
    b->len = b->base ? 65536 : 0;
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
    sqt_srv_conn *c = st->data;
    if (n < 0) {
        free(b->base);
        conn_close(c, 0);
        return;
    }
    if (n > 0 && !c->closing) {
        if (c->tls != NULL) {
            int r = sqt_tls_feed(c->tls, b->base, (size_t)n);
            if (r < 0) {
                if (!sqt_tls_ready(c->tls))
                    c->srv->stats.tls_failures++;
                flush(c);      /* the alert */
                c->close_after_write = 1;
            } else if (r == SQT_TLS_EOF) {
                c->close_after_write = 1;
            }
        } else {
            plain_in(c, b->base, (size_t)n);
        }
        flush(c);
    }
    free(b->base);
}

static void on_connection(uv_stream_t *l, int status)
{
    sqt_srv *s = l->data;
    sqt_srv_conn *c;
    if (status < 0 || s->closing)
        return;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return;
    c->srv = s;
    c->id = ++s->next_id;
    uv_tcp_init(s->loop, &c->tcp);
    uv_idle_init(s->loop, &c->idle);
    c->tcp.data = c;
    c->idle.data = c;
    c->handles = 2;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->stats.accepted++;
    s->stats.live++;
    http_parser_init(&c->hp, HTTP_REQUEST);
    c->hp.data = c;
    if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c, 0);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    if (s->tls != NULL && sqt_tls_new(s->tls, NULL, out_raw, tls_plain, c, &c->tls) != SQT_OK) {
        conn_close(c, 0);
        return;
    }
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

/* ---------------------------------------------------------------- public */

/* bind/listen failed after the handle was initialised: free in its close callback */
static void start_failed(uv_handle_t *h)
{
    sqt_srv *s = h->data;
    sqt_tls_ctx_free(s->tls);
    free(s);
}

int sqt_srv_start(uv_loop_t *loop, const sqt_srv_opts *o, sqt_srv **out)
{
    struct sockaddr_storage ss;
    struct sockaddr_in addr;
    int len = sizeof(ss), rc;
    sqt_srv *s;
    if (loop == NULL || o == NULL || out == NULL)
        return SQT_EINVAL;
    *out = NULL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return SQT_ENOMEM;
    s->loop = loop;
    s->h = o->handlers;
    s->ud = o->ud;
    if (o->cert_file != NULL && o->key_file != NULL) {
        rc = sqt_tls_ctx_server(o->cert_file, o->key_file, &s->tls, NULL, 0);
        if (rc != SQT_OK) {
            free(s);
            return rc;
        }
    }
    rc = uv_ip4_addr(o->host ? o->host : "127.0.0.1", o->port, &addr);
    if (rc == 0)
        rc = uv_tcp_init(loop, &s->listener);
    if (rc != 0) {
        sqt_tls_ctx_free(s->tls);
        free(s);
        return rc;
    }
    s->listener.data = s;
    s->listener_open = 1;
    rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->listener, 128, on_connection);
    if (rc == 0)
        rc = uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &len);
    if (rc != 0) {
        uv_close((uv_handle_t *)&s->listener, start_failed);
        return rc;
    }
    s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    *out = s;
    return 0;
}

int sqt_srv_port(const sqt_srv *s)
{
    return s ? s->port : 0;
}

void sqt_srv_get_stats(const sqt_srv *s, sqt_srv_stats *out)
{
    if (s && out)
        *out = s->stats;
}

static void listener_closed(uv_handle_t *h)
{
    sqt_srv *s = h->data;
    s->listener_open = 0;
    srv_maybe_done(s);
}

void sqt_srv_close(sqt_srv *s, void (*done)(void *ud), void *ud)
{
    sqt_srv_conn *c;
    if (s == NULL || s->closing)
        return;
    s->closing = 1;
    s->done = done;
    s->done_ud = ud;
    uv_close((uv_handle_t *)&s->listener, listener_closed);
    for (c = s->conns; c != NULL; c = c->next)
        conn_close(c, 0);
}

int sqt_srv_respond(sqt_srv_conn *c, int status, const sqt_header *h, size_t n, const char *body,
                    size_t len)
{
    char line[512];
    size_t i;
    if (c == NULL || c->closing || !c->awaiting)
        return SQT_ESTATE;
    snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s", status,
             http_status_str((enum http_status)status), len,
             c->keep_alive ? "" : "Connection: close\r\n");
    raw_text(c, line);
    for (i = 0; i < n; i++) {
        snprintf(line, sizeof(line), "%s: %s\r\n", h[i].name, h[i].value);
        raw_text(c, line);
    }
    raw_text(c, "\r\n");
    if (len > 0)
        send_plain(c, body, len);
    c->awaiting = 0;
    if (!c->keep_alive)
        c->close_after_write = 1;
    else if (c->in.len > 0) {
        c->resume = 1;         /* the next request, from the idle handle */
        uv_idle_start(&c->idle, on_idle);
    }
    flush(c);
    return SQT_OK;
}

int sqt_srv_ws_send(sqt_srv_conn *c, int opcode, const char *data, size_t len)
{
    struct wslay_event_msg m;
    if (c == NULL || c->closing || !c->is_ws)
        return SQT_ESTATE;
    m.opcode = (uint8_t)opcode;
    m.msg = (const uint8_t *)data;
    m.msg_length = len;
    if (wslay_event_queue_msg(c->wsl, &m) != 0)
        return SQT_ESTATE;
    ws_pump(c);
    return SQT_OK;
}

static ssize_t frag_read(wslay_event_context_ptr ctx, uint8_t *b, size_t len,
                         const union wslay_event_msg_source *src, int *eof, void *ud)
{
    frag_src *f = src->data;
    size_t n = f->len - f->off;
    (void)ctx;
    (void)ud;
    if (n > f->frag)
        n = f->frag;
    if (n > len)
        n = len;
    memcpy(b, f->data + f->off, n);
    f->off += n;
    if (f->off == f->len)
        *eof = 1;
    return (ssize_t)n;
}

int sqt_srv_ws_send_fragmented(sqt_srv_conn *c, int opcode, const char *data, size_t len,
                               size_t frag)
{
    struct wslay_event_fragmented_msg m;
    frag_src *f;
    if (c == NULL || c->closing || !c->is_ws || len == 0 || frag == 0)
        return c == NULL || c->closing || !c->is_ws ? SQT_ESTATE : SQT_EINVAL;
    f = calloc(1, sizeof(*f));
    if (f == NULL || (f->data = malloc(len)) == NULL) {
        free(f);
        return SQT_ENOMEM;
    }
    memcpy(f->data, data, len);
    f->len = len;
    f->frag = frag;
    f->next = c->frags;        /* freed with the connection */
    c->frags = f;
    m.opcode = (uint8_t)opcode;
    m.source.data = f;
    m.read_callback = frag_read;
    if (wslay_event_queue_fragmented_msg(c->wsl, &m) != 0)
        return SQT_ESTATE;
    ws_pump(c);
    return SQT_OK;
}

int sqt_srv_ws_ping(sqt_srv_conn *c, const char *data, size_t len)
{
    struct wslay_event_msg m;
    if (c == NULL || c->closing || !c->is_ws)
        return SQT_ESTATE;
    m.opcode = WSLAY_PING;
    m.msg = (const uint8_t *)data;
    m.msg_length = len;
    if (wslay_event_queue_msg(c->wsl, &m) != 0)
        return SQT_EINVAL;
    ws_pump(c);
    return SQT_OK;
}

int sqt_srv_ws_close(sqt_srv_conn *c, uint16_t code, const char *reason)
{
    if (c == NULL || c->closing || !c->is_ws)
        return SQT_ESTATE;
    if (wslay_event_queue_close(c->wsl, code, (const uint8_t *)reason,
                                reason ? strlen(reason) : 0) != 0)
        return SQT_ESTATE;
    ws_pump(c);
    return SQT_OK;
}

void sqt_srv_conn_drop(sqt_srv_conn *c)
{
    if (c != NULL)
        conn_close(c, 1);
}

void sqt_srv_conn_close(sqt_srv_conn *c)
{
    if (c == NULL || c->closing)
        return;
    c->close_after_write = 1;
    flush(c);
}

void sqt_srv_conn_stall(sqt_srv_conn *c, int on)
{
    if (c == NULL || c->closing)
        return;
    c->stalled = on;
    if (on) {
        uv_read_stop((uv_stream_t *)&c->tcp);
    } else {
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
        flush(c);
    }
}

void sqt_srv_conn_trickle(sqt_srv_conn *c, int on)
{
    if (c == NULL || c->closing)
        return;
    c->trickle = on;
    flush(c);
}

int sqt_srv_conn_write_raw(sqt_srv_conn *c, const char *data, size_t len)
{
    int rc;
    if (c == NULL)
        return SQT_EINVAL;
    rc = send_plain(c, data, len);
    if (rc == SQT_OK)
        flush(c);
    return rc;
}

int sqt_srv_conn_is_ws(const sqt_srv_conn *c)
{
    return c != NULL && c->is_ws;
}

uint64_t sqt_srv_conn_id(const sqt_srv_conn *c)
{
    return c ? c->id : 0;
}

void sqt_srv_conn_set_ud(sqt_srv_conn *c, void *ud)
{
    if (c)
        c->user = ud;
}

void *sqt_srv_conn_ud(const sqt_srv_conn *c)
{
    return c ? c->user : NULL;
}

unsigned sqt_srv_conn_close_code(const sqt_srv_conn *c)
{
    return c ? c->close_code : 0;
}
