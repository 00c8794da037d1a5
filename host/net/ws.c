/* WebSocket client (see ws.h).
 *
 * Two objects. `struct sqt_ws` is the client the caller holds: options, timers and the
 * reconnect state machine
 *
 *     BACKOFF -> CONNECTING (DNS, TCP) -> HANDSHAKE (TLS, upgrade) -> OPEN
 *        ^                                                             |
 *        +----------- lost (error, timeout) / DRAINING (close frames) -+
 *
 * and a `ws_conn` per attempt: socket, TLS, parser, wslay context, buffers. A conn is
 * detached from its client the moment it is given up and freed when its uv handles are
 * closed, so late callbacks of an old connection never touch the client's state.
 *
 * Re-entrancy: every loop callback runs between enter() and leave(); failures found
 * inside are only recorded (conn->err_code) and acted on in settle(), when the outermost
 * callback leaves. User callbacks (on_open/on_message/on_down) therefore never see a
 * half-updated client, and may call sqt_ws_send/sqt_ws_close, which only queue work.
 *
 * Market data last (SQT_WS_MARKET_DATA): such a conn's plaintext is appended to its rx
 * buffer as always, but wslay is not run on it in the read callback: the conn joins the
 * loop's deferred list instead, and is decoded in sqt_ws_run_deferred() or its client's
 * uv_check, both after the poll phase. The list is per thread (libuv gives a loop no
 * slot of ours, and a loop lives on one thread) and holds each conn at most once, in
 * the order of its first read of the turn. A conn leaves it before it is given up:
 * settle() decodes what waits before it reports a failure, conn_abort() drops it.
 *
 * A burst is decoded in slices (MARKET_SLICE bytes): after each, when a connection that
 * is not market data (an order push) has bytes waiting in its socket, the rest of the
 * burst waits for the next loop turn, whose poll phase reads and handles that push first
 * (one zero-timeout poll() over those sockets per slice; an idle handle keeps that turn
 * from sleeping). Each conn gets one slice per pass of sqt_ws_run_deferred, so a pass
 * always ends. More than MARKET_BACKLOG undecoded bytes are decoded whole: the buffer
 * never grows without bound under a flood. A failure decodes whole (as before). */
#include "net/ws.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <wslay/wslay.h>

#include "net/tls.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define TX_HIGH ((size_t)256 << 10) /* stop feeding wslay above this many unwritten bytes */
#define READ_BUF 65536
#define MARKET_SLICE ((size_t)8 << 10)     /* market bytes decoded between two looks */
#define MARKET_BACKLOG ((size_t)1 << 20)   /* beyond this much undecoded: decode it all */

enum ws_state {
    WS_BACKOFF = 0,
    WS_CONNECTING,
    WS_HANDSHAKE,
    WS_OPEN,
    WS_DRAINING,               /* close frames being exchanged, then TCP shutdown */
    WS_CLOSED
};

typedef struct ws_conn ws_conn;

struct sqt_ws {
    uv_loop_t *loop;
    sqt_ws_callbacks cbs;
    void *ud;

    /* target */
    int use_tls;
    char *host;                /* for DNS and TLS verification (no brackets) */
    char port[8];
    char *request_head;        /* "GET ... Host ... Version: 13\r\n" + user headers */
    sqt_tls_ctx *tls_ctx;

    /* timing and limits */
    uint32_t connect_ms, handshake_ms, close_ms, ping_ms, pong_wait_ms, app_ms, stale_ms;
    uint32_t base_ms, cap_ms, max_msg;
    size_t max_sendq;
    char *app_text;
    size_t app_len;

    /* state */
    int state;
    int closing;               /* sqt_ws_close() called */
    int finalizing;            /* handles closing, on_closed pending */
    int down_reported;         /* on_down already ran for the current attempt */
    int depth;                 /* nesting of enter()/leave() */
    unsigned fails;            /* failures since the last successful open */
    ws_conn *conn;
    uv_timer_t t_state;        /* backoff / connect / handshake / close deadline */
    uv_timer_t t_ping, t_app, t_stale;
    uv_timer_t t_kick;         /* runs settle() after a public call */
    int open_handles;
    int market;                /* SQT_WS_MARKET_DATA: decode after the poll phase */
    uv_check_t chk;            /* market only: decodes a turn's bytes if nobody else did */
    uv_idle_t idle;            /* market only: a burst's rest waits, the loop must not sleep */
    uint64_t last_msg_ms;      /* last data message (stale watchdog) */
    sqt_ws_stats stats;
};

struct ws_conn {
    sqt_ws *ws;                /* NULL once detached */
    sqt_ws *owner;             /* for the live count; outlives the conn */
    uv_getaddrinfo_t gai;
    int gai_busy;
    struct addrinfo *ai, *ai_next;
    uv_tcp_t tcp;
    int tcp_live;              /* initialised and its close callback not yet run */
    int retry_next;            /* tcp closing to try the next address */
    uv_connect_t creq;
    uv_shutdown_t sreq;
    int shutting;
    int finished;              /* ended normally (close handshake done or peer EOF) */
    sqt_tls *tls;
    int upgrade_sent;

    /* upgrade response */
    http_parser hp;
    char accept[32];           /* expected Sec-WebSocket-Accept */
    char hname[32];
    size_t hname_len;
    char hval[256];
    size_t hval_len;
    int hval_over, in_value;
    int ok_upgrade, ok_connection, ok_accept, bad_ext;
    int hs_done;
    char hs_err[96];

    /* open connection */
    wslay_event_context_ptr wsl;
    char *rx;                  /* plaintext waiting for wslay */
    size_t rx_len, rx_off, rx_cap;
    char *obuf;                /* frames produced by wslay in this pump */
    size_t obuf_len, obuf_cap;
    size_t tx_pending;         /* handed to uv_write, not yet written */
    uint64_t last_rx_ms;
    uint16_t close_code;
    char close_reason[64];
    int deferred;              /* on the loop's deferred list */
    size_t rx_stop;            /* market: wslay is fed up to here (0: all of rx) */
    unsigned pass;             /* market: the run_deferred pass that decoded its last slice */
    int prio;                  /* not market and reading: on the priority list */
    ws_conn *prio_prev, *prio_next;
    int late_ok;               /* decoding bytes read before the recorded failure */
    ws_conn *def_next;

    int err_code;              /* first failure, acted on in settle() */
    char err_msg[200];
    char rbuf[READ_BUF];
};

typedef struct ws_write {
    uv_write_t req;
    ws_conn *c;
    size_t len;
    char data[];
} ws_write;

static void settle(sqt_ws *ws);
static void finalize(sqt_ws *ws);
static void conn_run_deferred(ws_conn *c, int late, unsigned pass);
static void on_idle(uv_idle_t *h);
static void on_state_timer(uv_timer_t *t);

/* ---------------------------------------------------------------- helpers */

static uint64_t now_ms(const sqt_ws *ws)
{
    return uv_now(ws->loop);
}

static void enter(sqt_ws *ws)
{
    ws->depth++;
}

static void leave(sqt_ws *ws)
{
    if (ws->depth == 1)
        settle(ws);
    ws->depth--;
}

static void on_kick(uv_timer_t *t)
{
    sqt_ws *ws = t->data;
    enter(ws);
    leave(ws);
}

/* After a public call outside any callback: let settle() run on the next loop turn. */
static void kick(sqt_ws *ws)
{
    if (!ws->finalizing)
        uv_timer_start(&ws->t_kick, on_kick, 0, 0);
}

static void conn_fail(ws_conn *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void conn_fail(ws_conn *c, int code, const char *fmt, ...)
{
    va_list ap;
    if (c->err_code != 0)
        return;
    c->err_code = code;
    va_start(ap, fmt);
    vsnprintf(c->err_msg, sizeof(c->err_msg), fmt, ap);
    va_end(ap);
}

static int grow(char **buf, size_t *cap, size_t need)
{
    size_t n = *cap ? *cap : 4096;
    char *p;
    if (need <= *cap)
        return 0;
    while (n < need)
        n *= 2;
    p = realloc(*buf, n);
    if (p == NULL)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

/* ---------------------------------------------------------------- deferred list */

static _Thread_local ws_conn *def_head, *def_tail;

static void on_check(uv_check_t *h);

static void defer_push(ws_conn *c)
{
    if (c->deferred)
        return;
    c->deferred = 1;
    c->def_next = NULL;
    if (def_tail != NULL)
        def_tail->def_next = c;
    else
        def_head = c;
    def_tail = c;
    if (!uv_is_active((uv_handle_t *)&c->ws->chk))
        uv_check_start(&c->ws->chk, on_check);
}

static void defer_remove(ws_conn *c)
{
    ws_conn **pp, *prev = NULL;
    if (!c->deferred)
        return;
    for (pp = &def_head; *pp != NULL; prev = *pp, pp = &(*pp)->def_next)
        if (*pp == c) {
            *pp = c->def_next;
            if (def_tail == c)
                def_tail = prev;
            break;
        }
    c->deferred = 0;
    c->def_next = NULL;
    /* a client has at most one conn on the list (the old one leaves before it is
     * detached): its check (and idle, a burst's rest waiting) has nothing left to do */
    if (c->ws != NULL) {
        uv_check_stop(&c->ws->chk);
        uv_idle_stop(&c->ws->idle);
    }
}

/* The first conn of this loop waiting on the list that this pass has not decoded yet,
 * NULL when none. */
static ws_conn *defer_first(const uv_loop_t *loop, unsigned pass)
{
    ws_conn *c;
    for (c = def_head; c != NULL; c = c->def_next)
        if (c->owner->loop == loop && c->pass != pass)
            return c;
    return NULL;
}

/* ---------------------------------------------------------------- priority list */

/* The reading conns that are not market data (order pushes), per thread as the
 * deferred list: a burst's decode looks at their sockets between slices. */
static _Thread_local ws_conn *prio_head;

static void prio_add(ws_conn *c)
{
    if (c->prio)
        return;
    c->prio = 1;
    c->prio_prev = NULL;
    c->prio_next = prio_head;
    if (prio_head != NULL)
        prio_head->prio_prev = c;
    prio_head = c;
}

static void prio_remove(ws_conn *c)
{
    if (!c->prio)
        return;
    if (c->prio_prev != NULL)
        c->prio_prev->prio_next = c->prio_next;
    else
        prio_head = c->prio_next;
    if (c->prio_next != NULL)
        c->prio_next->prio_prev = c->prio_prev;
    c->prio = 0;
    c->prio_prev = c->prio_next = NULL;
}

/* 1 when a priority conn of this loop has bytes waiting in its socket. */
static int prio_waiting(const uv_loop_t *loop)
{
    struct pollfd pf[16];
    nfds_t n = 0;
    ws_conn *c;
    uv_os_fd_t fd;
    int i, ready;
    for (c = prio_head; c != NULL && n < 16; c = c->prio_next)
        if (c->owner->loop == loop && c->tcp_live && uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0) {
            pf[n].fd = fd;
            pf[n].events = POLLIN;
            pf[n].revents = 0;
            n++;
        }
    if (n == 0)
        return 0;
    do
        ready = poll(pf, n, 0);
    while (ready < 0 && errno == EINTR);
    for (i = 0; ready > 0 && i < (int)n; i++)
        if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
            return 1;
    return 0;
}

static void check_free(sqt_ws *ws)
{
    if (!ws->finalizing || ws->open_handles > 0 || ws->stats.live_conns > 0)
        return;
    if (ws->cbs.on_closed != NULL)
        ws->cbs.on_closed(ws->ud, ws);
    sqt_tls_ctx_free(ws->tls_ctx);
    free(ws->host);
    free(ws->request_head);
    free(ws->app_text);
    free(ws);
}

/* ---------------------------------------------------------------- conn life */

static void conn_maybe_free(ws_conn *c)
{
    sqt_ws *owner = c->owner;
    if (c->ws != NULL || c->tcp_live || c->gai_busy)
        return;
    defer_remove(c);           /* already off the list (conn_abort): kept for safety */
    prio_remove(c);
    if (c->ai != NULL)
        uv_freeaddrinfo(c->ai);
    sqt_tls_free(c->tls);
    if (c->wsl != NULL)
        wslay_event_context_free(c->wsl);
    free(c->rx);
    free(c->obuf);
    free(c);
    owner->stats.live_conns--;
    check_free(owner);
}

static void conn_try_next(ws_conn *c);

static void on_tcp_closed(uv_handle_t *h)
{
    ws_conn *c = h->data;
    c->tcp_live = 0;
    if (c->ws != NULL && c->retry_next) {
        sqt_ws *ws = c->ws;
        c->retry_next = 0;
        enter(ws);
        conn_try_next(c);
        leave(ws);
        return;
    }
    conn_maybe_free(c);
}

/* Give the connection up: detach it and close what it holds. Memory goes in the close
 * callbacks; nothing it does afterwards reaches the client. */
static void conn_abort(ws_conn *c)
{
    sqt_ws *ws = c->ws;
    if (ws != NULL && ws->conn == c)
        ws->conn = NULL;
    defer_remove(c);           /* only sqt_ws_close gets here with bytes waiting: dropped
                                * as bytes read after a close always were */
    prio_remove(c);
    c->ws = NULL;
    if (c->gai_busy)
        uv_cancel((uv_req_t *)&c->gai);
    if (c->tcp_live && !uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_tcp_closed);
    conn_maybe_free(c);
}

/* ---------------------------------------------------------------- writing */

static void on_written(uv_write_t *req, int status)
{
    ws_write *w = req->data;
    ws_conn *c = w->c;
    sqt_ws *ws = c->ws;
    c->tx_pending -= w->len;
    free(w);
    if (ws == NULL)
        return;
    enter(ws);
    if (status < 0) {
        conn_run_deferred(c, 0, 0); /* what was read before the failure goes first */
        conn_fail(c, SQT_ENETWORK, "write: %s", uv_strerror(status));
    }
    leave(ws);               /* settle() pumps wslay again: room was made */
}

static void conn_write_raw(ws_conn *c, const char *data, size_t len)
{
    ws_write *w;
    uv_buf_t b;
    int rc;
    if (c->err_code != 0 || !c->tcp_live || len == 0)
        return;
    w = malloc(sizeof(*w) + len);
    if (w == NULL) {
        conn_fail(c, SQT_ENOMEM, "out of memory");
        return;
    }
    w->c = c;
    w->len = len;
    w->req.data = w;
    memcpy(w->data, data, len);
    b = uv_buf_init(w->data, (unsigned)len);
    rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written);
    if (rc < 0) {
        free(w);
        conn_fail(c, SQT_ENETWORK, "write: %s", uv_strerror(rc));
        return;
    }
    c->tx_pending += len;
}

static void conn_write(ws_conn *c, const char *data, size_t len)
{
    if (c->tls == NULL) {
        conn_write_raw(c, data, len);
        return;
    }
    if (c->err_code == 0 && sqt_tls_write(c->tls, data, len) != SQT_OK)
        conn_fail(c, SQT_ENETWORK, "%s", sqt_tls_error(c->tls));
}

static void tls_out(void *ud, const char *data, size_t len)
{
    conn_write_raw(ud, data, len);
}

/* ---------------------------------------------------------------- wslay glue */

SQT_HOT static ssize_t wsl_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
                        void *ud)
{
    ws_conn *c = ud;
    size_t end = c->rx_stop != 0 && c->rx_stop < c->rx_len ? c->rx_stop : c->rx_len;
    size_t n = end - c->rx_off;
    (void)flags;
    if (n == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (n > len)
        n = len;
    memcpy(buf, c->rx + c->rx_off, n);
    c->rx_off += n;
    if (c->rx_off == c->rx_len)
        c->rx_off = c->rx_len = c->rx_stop = 0;
    return (ssize_t)n;
}

/* Frames collect in obuf and go out in one write per pump (one TLS record stream). */
static ssize_t wsl_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                        void *ud)
{
    ws_conn *c = ud;
    (void)flags;
    if (c->tx_pending + c->obuf_len >= TX_HIGH) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (grow(&c->obuf, &c->obuf_cap, c->obuf_len + len) != 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    memcpy(c->obuf + c->obuf_len, data, len);
    c->obuf_len += len;
    return (ssize_t)len;
}

static int wsl_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *ud)
{
    (void)ctx;
    (void)ud;
    return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

SQT_HOT static void wsl_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *a,
                    void *ud)
{
    ws_conn *c = ud;
    sqt_ws *ws = c->ws;
    size_t i, n;
    (void)ctx;
    if (ws == NULL)
        return;
    switch (a->opcode) {
    case WSLAY_TEXT_FRAME:
    case WSLAY_BINARY_FRAME:
        ws->stats.msgs_in++;
        ws->last_msg_ms = now_ms(ws);
        if (!ws->closing && ws->state == WS_OPEN && (c->err_code == 0 || c->late_ok) &&
            ws->cbs.on_message)
            ws->cbs.on_message(ws->ud, ws, (const char *)a->msg, a->msg_length,
                               a->opcode == WSLAY_BINARY_FRAME);
        break;
    case WSLAY_PONG:
        ws->stats.pongs_in++;
        break;
    case WSLAY_PING:
        ws->stats.pings_in++; /* wslay has queued the pong */
        break;
    case WSLAY_CONNECTION_CLOSE:
        c->close_code = a->status_code;
        n = a->msg_length > 2 ? a->msg_length - 2 : 0;
        if (n > sizeof(c->close_reason) - 1)
            n = sizeof(c->close_reason) - 1;
        for (i = 0; i < n; i++) { /* printable ASCII only: it goes to a log line */
            char ch = (char)a->msg[2 + i];
            c->close_reason[i] = ch >= 0x20 && ch < 0x7f ? ch : '?';
        }
        c->close_reason[n] = '\0';
        break;
    default:
        break;
    }
}

SQT_HOT static void pump(ws_conn *c)
{
    if (c->wsl != NULL && c->err_code == 0 && wslay_event_want_write(c->wsl) &&
        wslay_event_send(c->wsl) != 0)
        conn_fail(c, SQT_ENETWORK, "send failed");
    if (c->obuf_len > 0) {
        size_t n = c->obuf_len;
        c->obuf_len = 0;
        conn_write(c, c->obuf, n);
    }
}

/* Run wslay over the plaintext waiting in rx (its message callbacks run here). */
static void conn_decode(ws_conn *c)
{
    if (c->wsl == NULL || !wslay_event_get_read_enabled(c->wsl)) {
        c->rx_off = c->rx_len = c->rx_stop = 0; /* after a close: the rest is ignored */
        return;
    }
    if (wslay_event_recv(c->wsl) != 0)
        conn_fail(c, SQT_ENETWORK, "receive failed");
}

/* Decode what c read earlier in this turn, now. late: a failure was recorded after the
 * bytes were read; their messages are still delivered, as they were read first. pass:
 * sqt_ws_run_deferred's, which decodes in slices and may leave the rest for the next
 * turn; 0: everything now (an end or a failure comes next). */
SQT_HOT static void conn_run_deferred(ws_conn *c, int late, unsigned pass)
{
    if (!c->deferred)
        return;
    defer_remove(c);
    c->late_ok = late;
    for (;;) {
        size_t left = c->rx_len - c->rx_off;
        /* whole, or a backlog past the bound: the rest at once */
        c->rx_stop = pass == 0 || left > MARKET_BACKLOG ? 0 : c->rx_off + MARKET_SLICE;
        conn_decode(c);
        c->rx_stop = 0;
        if (c->rx_off >= c->rx_len || c->ws == NULL || c->ws->closing || c->err_code != 0 ||
            c->wsl == NULL || !wslay_event_get_read_enabled(c->wsl))
            break;
        if (prio_waiting(c->owner->loop)) {
            /* an order push waits: the rest after the next poll phase, which reads it */
            c->pass = pass;
            defer_push(c);
            uv_idle_start(&c->ws->idle, on_idle);
            break;
        }
    }
    c->late_ok = 0;
}

static void conn_recv(ws_conn *c, const char *data, size_t len)
{
    if (c->wsl == NULL || !wslay_event_get_read_enabled(c->wsl))
        return;                /* after a close: the rest is ignored */
    if (c->rx_off > 0) {       /* a burst's undecoded rest (market): to the front */
        memmove(c->rx, c->rx + c->rx_off, c->rx_len - c->rx_off);
        c->rx_len -= c->rx_off;
        c->rx_off = 0;
    }
    if (grow(&c->rx, &c->rx_cap, c->rx_len + len) != 0) {
        conn_fail(c, SQT_ENOMEM, "out of memory");
        return;
    }
    memcpy(c->rx + c->rx_len, data, len);
    c->rx_len += len;
    if (c->ws->market)
        defer_push(c);         /* decoded after the poll phase, from this same buffer */
    else
        conn_decode(c);
}

/* ---------------------------------------------------------------- upgrade */

static int b64(const unsigned char *in, size_t n, char *out, size_t cap)
{
    if (cap < 4 * ((n + 2) / 3) + 1)
        return -1;
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    return 0;
}

/* Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)). */
static int accept_for(const char *key, char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char buf[128];
    int n = snprintf(buf, sizeof(buf), "%s%s", key, WS_GUID);
    if (n < 0 || (size_t)n >= sizeof(buf) ||
        EVP_Digest(buf, (size_t)n, md, &mdlen, EVP_sha1(), NULL) != 1)
        return -1;
    return b64(md, mdlen, out, cap);
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

/* Does the comma-separated list hold `tok` (case-insensitive)? */
static int has_token(const char *v, size_t len, const char *tok)
{
    size_t tl = strlen(tok), i = 0;
    while (i < len) {
        size_t j = i;
        const char *s;
        size_t n;
        while (j < len && v[j] != ',')
            j++;
        s = v + i;
        n = j - i;
        trim(&s, &n);
        if (n == tl && strncasecmp(s, tok, tl) == 0)
            return 1;
        i = j + 1;
    }
    return 0;
}

static void header_done(ws_conn *c)
{
    const char *v = c->hval;
    size_t n = c->hval_len;
    if (c->hname_len == 0)
        return;
    c->hname[c->hname_len] = '\0';
    trim(&v, &n);
    if (strcasecmp(c->hname, "upgrade") == 0)
        c->ok_upgrade = !c->hval_over && n == 9 && strncasecmp(v, "websocket", 9) == 0;
    else if (strcasecmp(c->hname, "connection") == 0)
        c->ok_connection = !c->hval_over && has_token(v, n, "upgrade");
    else if (strcasecmp(c->hname, "sec-websocket-accept") == 0)
        c->ok_accept = !c->hval_over && n == strlen(c->accept) && memcmp(v, c->accept, n) == 0;
    else if (strcasecmp(c->hname, "sec-websocket-extensions") == 0 && n > 0)
        c->bad_ext = 1;        /* we offered none */
    c->hname_len = 0;
    c->hval_len = 0;
    c->hval_over = 0;
}

static int hp_field(http_parser *p, const char *at, size_t len)
{
    ws_conn *c = p->data;
    if (c->in_value) {
        header_done(c);
        c->in_value = 0;
    }
    if (c->hname_len + len >= sizeof(c->hname)) {
        c->hname_len = sizeof(c->hname) - 1; /* long names: none we care about */
        memset(c->hname, '-', c->hname_len);
        return 0;
    }
    memcpy(c->hname + c->hname_len, at, len);
    c->hname_len += len;
    return 0;
}

static int hp_value(http_parser *p, const char *at, size_t len)
{
    ws_conn *c = p->data;
    c->in_value = 1;
    if (c->hval_len + len > sizeof(c->hval)) {
        c->hval_over = 1;
        return 0;
    }
    memcpy(c->hval + c->hval_len, at, len);
    c->hval_len += len;
    return 0;
}

static int hp_headers_complete(http_parser *p)
{
    ws_conn *c = p->data;
    if (c->in_value)
        header_done(c);
    c->in_value = 0;
    if (p->status_code != 101)
        snprintf(c->hs_err, sizeof(c->hs_err), "handshake: HTTP status %u", p->status_code);
    else if (!c->ok_upgrade)
        snprintf(c->hs_err, sizeof(c->hs_err), "handshake: no 'Upgrade: websocket'");
    else if (!c->ok_connection)
        snprintf(c->hs_err, sizeof(c->hs_err), "handshake: no 'Connection: Upgrade'");
    else if (!c->ok_accept)
        snprintf(c->hs_err, sizeof(c->hs_err), "handshake: wrong Sec-WebSocket-Accept");
    else if (c->bad_ext)
        snprintf(c->hs_err, sizeof(c->hs_err), "handshake: extension we did not offer");
    else
        return 0;
    return -1;
}

static int hp_message_complete(http_parser *p)
{
    ws_conn *c = p->data;
    c->hs_done = 1;
    return 0;
}

static const http_parser_settings hp_settings = {
    .on_header_field = hp_field,
    .on_header_value = hp_value,
    .on_headers_complete = hp_headers_complete,
    .on_message_complete = hp_message_complete,
};

static void send_upgrade(ws_conn *c)
{
    sqt_ws *ws = c->ws;
    unsigned char raw[16];
    char key[32], *req;
    size_t n;
    if (RAND_bytes(raw, sizeof(raw)) != 1 || b64(raw, sizeof(raw), key, sizeof(key)) != 0 ||
        accept_for(key, c->accept, sizeof(c->accept)) != 0) {
        conn_fail(c, SQT_ENOMEM, "cannot make a WebSocket key");
        return;
    }
    n = strlen(ws->request_head) + strlen(key) + 64;
    req = malloc(n);
    if (req == NULL) {
        conn_fail(c, SQT_ENOMEM, "out of memory");
        return;
    }
    n = (size_t)snprintf(req, n, "%sSec-WebSocket-Key: %s\r\n\r\n", ws->request_head, key);
    http_parser_init(&c->hp, HTTP_RESPONSE);
    c->hp.data = c;
    c->upgrade_sent = 1;
    conn_write(c, req, n);
    free(req);
}

/* ---------------------------------------------------------------- open / drain / lost */

static void stop_open_timers(sqt_ws *ws)
{
    uv_timer_stop(&ws->t_ping);
    uv_timer_stop(&ws->t_app);
    uv_timer_stop(&ws->t_stale);
}

static void report_down(sqt_ws *ws, int code, const char *msg)
{
    sqt_error e;
    if (ws->down_reported || ws->closing)
        return;
    ws->down_reported = 1;
    ws->stats.downs++;
    memset(&e, 0, sizeof(e));
    e.code = code;
    snprintf(e.message, sizeof(e.message), "%s", msg);
    if (ws->cbs.on_down != NULL)
        ws->cbs.on_down(ws->ud, ws, &e);
}

static uint32_t backoff_ms(sqt_ws *ws)
{
    uint64_t d = ws->base_ms;
    uint32_t r = 0;
    unsigned i;
    for (i = 1; i < ws->fails && d < ws->cap_ms; i++)
        d *= 2;
    if (d > ws->cap_ms)
        d = ws->cap_ms;
    if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
        r = (uint32_t)now_ms(ws);
    /* uniform in [d/2, d]: spreads reconnect storms, keeps the growth */
    return (uint32_t)(d / 2 + (d / 2 > 0 ? r % (d / 2 + 1) : 0));
}

static void schedule_reconnect(sqt_ws *ws)
{
    ws->state = WS_BACKOFF;
    if (ws->closing)
        return;
    ws->fails++;
    uv_timer_start(&ws->t_state, on_state_timer, backoff_ms(ws), 0);
}

/* The current connection is gone: report (once) and retry, unless closing. */
static void lost(sqt_ws *ws, int code, const char *msg)
{
    if (ws->conn != NULL)
        conn_abort(ws->conn);
    stop_open_timers(ws);
    uv_timer_stop(&ws->t_state);
    ws->state = WS_BACKOFF;
    report_down(ws, code, msg);
    schedule_reconnect(ws);
}

static void on_ping_timer(uv_timer_t *t)
{
    sqt_ws *ws = t->data;
    ws_conn *c = ws->conn;
    struct wslay_event_msg m = {WSLAY_PING, NULL, 0};
    if (c == NULL || ws->state != WS_OPEN)
        return;
    enter(ws);
    if (now_ms(ws) - c->last_rx_ms >= ws->pong_wait_ms)
        conn_fail(c, SQT_ETIMEOUT, "nothing received for %u ms (no pong)", ws->pong_wait_ms);
    else if (wslay_event_queue_msg(c->wsl, &m) == 0)
        ws->stats.pings_out++;
    leave(ws);
}

static void on_app_timer(uv_timer_t *t)
{
    sqt_ws *ws = t->data;
    ws_conn *c = ws->conn;
    struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)ws->app_text, ws->app_len};
    if (c == NULL || ws->state != WS_OPEN)
        return;
    enter(ws);
    if (wslay_event_queue_msg(c->wsl, &m) == 0)
        ws->stats.app_pings_out++;
    leave(ws);
}

static void on_stale_timer(uv_timer_t *t)
{
    sqt_ws *ws = t->data;
    uint64_t idle;
    if (ws->conn == NULL || ws->state != WS_OPEN)
        return;
    idle = now_ms(ws) - ws->last_msg_ms;
    if (idle < ws->stale_ms) {
        uv_timer_start(&ws->t_stale, on_stale_timer, ws->stale_ms - idle, 0);
        return;
    }
    enter(ws);
    conn_fail(ws->conn, SQT_ETIMEOUT, "no message for %u ms (stale stream)", ws->stale_ms);
    leave(ws);
}

static void conn_open(ws_conn *c)
{
    static const struct wslay_event_callbacks cbs = {
        wsl_recv, wsl_send, wsl_genmask, NULL, NULL, NULL, wsl_msg,
    };
    sqt_ws *ws = c->ws;
    if (wslay_event_context_client_init(&c->wsl, &cbs, c) != 0) {
        c->wsl = NULL;
        conn_fail(c, SQT_ENOMEM, "out of memory");
        return;
    }
    wslay_event_config_set_max_recv_msg_length(c->wsl, ws->max_msg);
    uv_timer_stop(&ws->t_state);
    ws->state = WS_OPEN;
    ws->fails = 0;
    ws->stats.opens++;
    ws->last_msg_ms = now_ms(ws);
    c->last_rx_ms = now_ms(ws);
    uv_timer_start(&ws->t_ping, on_ping_timer, ws->ping_ms, ws->ping_ms);
    if (ws->app_text != NULL)
        uv_timer_start(&ws->t_app, on_app_timer, ws->app_ms, ws->app_ms);
    if (ws->stale_ms > 0)
        uv_timer_start(&ws->t_stale, on_stale_timer, ws->stale_ms, 0);
    if (!ws->closing && ws->cbs.on_open != NULL)
        ws->cbs.on_open(ws->ud, ws);
}

/* wslay stopped reading while we were open: the peer sent a close frame, or wslay
 * queued one itself (message over the cap, protocol error). Report it, then let the
 * close frames go out. */
static void drain_for_peer(sqt_ws *ws, ws_conn *c)
{
    char msg[160];
    int code;
    uint16_t sent = wslay_event_get_status_code_sent(c->wsl);
    if (wslay_event_get_close_received(c->wsl)) {
        code = SQT_ENETWORK;
        snprintf(msg, sizeof(msg), "closed by server: %u%s%s", (unsigned)c->close_code,
                 c->close_reason[0] ? " " : "", c->close_reason);
    } else if (sent == WSLAY_CODE_MESSAGE_TOO_BIG) {
        code = SQT_ERANGE;
        snprintf(msg, sizeof(msg), "message over %u bytes: closed with 1009", ws->max_msg);
    } else {
        code = SQT_EPROTO;
        snprintf(msg, sizeof(msg), "protocol error from server: closed with %u", (unsigned)sent);
    }
    ws->state = WS_DRAINING;
    stop_open_timers(ws);
    uv_timer_start(&ws->t_state, on_state_timer, ws->close_ms, 0);
    report_down(ws, code, msg);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    ws_conn *c = req->data;
    sqt_ws *ws = c->ws;
    (void)status;
    if (ws == NULL)
        return;
    enter(ws);
    c->finished = 1;
    leave(ws);
}

/* Close frames are out: close_notify, FIN once every write went out, then close. */
static void conn_shutdown(ws_conn *c)
{
    c->shutting = 1;
    if (c->tls != NULL)
        sqt_tls_close_notify(c->tls);
    c->sreq.data = c;
    if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
        c->finished = 1;
}

/* Act on what the callbacks recorded. Runs only at the outermost leave(). */
SQT_HOT static void settle(sqt_ws *ws)
{
    for (;;) {
        ws_conn *c = ws->conn;
        if (c == NULL)
            break;
        if (c->deferred && (c->err_code != 0 || c->finished)) {
            conn_run_deferred(c, 1, 0); /* bytes read before the failure go first */
            continue;
        }
        if (c->err_code != 0) {
            char msg[sizeof(c->err_msg)];
            memcpy(msg, c->err_msg, sizeof(msg));
            lost(ws, c->err_code, msg);
            continue;
        }
        if (c->wsl != NULL && (ws->state == WS_OPEN || ws->state == WS_DRAINING)) {
            pump(c);
            if (c->err_code != 0)
                continue;
            if (ws->state == WS_OPEN && !wslay_event_get_read_enabled(c->wsl)) {
                drain_for_peer(ws, c);
                continue;
            }
            if (ws->state == WS_DRAINING && !c->shutting && !c->finished &&
                wslay_event_get_close_sent(c->wsl) && !wslay_event_get_read_enabled(c->wsl))
                conn_shutdown(c);
        }
        if (c->finished) {
            conn_abort(c);
            stop_open_timers(ws);
            uv_timer_stop(&ws->t_state);
            schedule_reconnect(ws);
            continue;
        }
        break;
    }
    if (ws->closing && ws->conn == NULL && !ws->finalizing)
        finalize(ws);
}

/* ---------------------------------------------------------------- connecting */

static int tls_plain(void *ud, const char *data, size_t len);

/* The wake hook (sqt_ws_set_wake_hook), per thread as the lists above. */
static _Thread_local sqt_ws_wake_fn wake_fn;
static _Thread_local void *wake_ud;
static _Thread_local uint64_t wake_last_ms;
static _Thread_local int wake_seen;

void sqt_ws_set_wake_hook(sqt_ws_wake_fn fn, void *ud)
{
    wake_fn = fn;
    wake_ud = ud;
    wake_seen = 0;
}

/* libuv asks for the buffer right before its read: prefetches the hook issues here
 * complete while the read's system call runs. */
SQT_HOT static void on_read_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    ws_conn *c = h->data;
    (void)hint;
    if (wake_fn != NULL) {
        uint64_t now = uv_now(h->loop);
        if (!wake_seen || now - wake_last_ms >= SQT_WS_WAKE_IDLE_MS)
            wake_fn(wake_ud);
        wake_seen = 1;
        wake_last_ms = now;
    }
    *buf = uv_buf_init(c->rbuf, sizeof(c->rbuf));
}

/* Plaintext from the peer: the upgrade response, then frames. */
SQT_HOT static void conn_plain(ws_conn *c, const char *data, size_t len)
{
    sqt_ws *ws = c->ws;
    if (ws == NULL || c->err_code != 0 || c->finished)
        return;
    if (ws->state == WS_HANDSHAKE) {
        size_t used;
        if (!c->upgrade_sent) {
            conn_fail(c, SQT_EPROTO, "handshake: server spoke first");
            return;
        }
        used = http_parser_execute(&c->hp, &hp_settings, data, len);
        if (c->hs_err[0] != '\0') {
            conn_fail(c, SQT_EPROTO, "%s", c->hs_err);
            return;
        }
        if (HTTP_PARSER_ERRNO(&c->hp) != HPE_OK) {
            conn_fail(c, SQT_EPROTO, "handshake: malformed response (%s)",
                      http_errno_description(HTTP_PARSER_ERRNO(&c->hp)));
            return;
        }
        if (!c->hs_done)
            return;            /* need more bytes */
        if (!c->hp.upgrade) {
            conn_fail(c, SQT_EPROTO, "handshake: response is not an upgrade");
            return;
        }
        conn_open(c);
        if (c->ws == NULL || c->err_code != 0 || used >= len)
            return;
        data += used;          /* frames sent right behind the 101 */
        len -= used;
    }
    if (ws->state == WS_OPEN || ws->state == WS_DRAINING)
        conn_recv(c, data, len);
}

static int tls_plain(void *ud, const char *data, size_t len)
{
    ws_conn *c = ud;
    conn_plain(c, data, len);
    return c->ws == NULL || c->err_code != 0 || c->finished;
}

static void conn_eof(ws_conn *c)
{
    sqt_ws *ws = c->ws;
    if (ws->state == WS_DRAINING)
        c->finished = 1;       /* the close handshake ended with the server's FIN */
    else if (ws->state == WS_HANDSHAKE)
        conn_fail(c, SQT_EPROTO, "handshake: connection closed before the response ended");
    else
        conn_fail(c, SQT_ENETWORK, "connection closed by server without a close frame");
}

SQT_HOT static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    ws_conn *c = s->data;
    sqt_ws *ws = c->ws;
    if (ws == NULL || nread == 0)
        return;
    if (nread < 0 && c->deferred) {
        /* the bytes before the end are handled (and settled) first, as if undeferred */
        enter(ws);
        conn_run_deferred(c, 0, 0);
        leave(ws);
        if (c->ws == NULL)
            return;
    }
    enter(ws);
    if (nread < 0) {
        if (nread == UV_EOF)
            conn_eof(c);
        else
            conn_fail(c, SQT_ENETWORK, "read: %s", uv_strerror((int)nread));
    } else if (c->tls != NULL) {
        int r;
        c->last_rx_ms = now_ms(ws);
        r = sqt_tls_feed(c->tls, buf->base, (size_t)nread);
        if (r < 0 || r == SQT_TLS_EOF)
            conn_run_deferred(c, 0, 0); /* the plaintext before the end goes first */
        if (r < 0)
            conn_fail(c, r, "%s", sqt_tls_error(c->tls));
        else if (c->ws != NULL && c->err_code == 0 && !c->upgrade_sent && sqt_tls_ready(c->tls))
            send_upgrade(c);
        if (r == SQT_TLS_EOF && c->ws != NULL && c->err_code == 0 && !c->finished)
            conn_eof(c);
    } else {
        c->last_rx_ms = now_ms(ws);
        conn_plain(c, buf->base, (size_t)nread);
    }
    leave(ws);
}

static void on_connect(uv_connect_t *req, int status)
{
    ws_conn *c = req->data;
    sqt_ws *ws = c->ws;
    int rc;
    if (ws == NULL)
        return;
    enter(ws);
    if (status < 0) {
        if (c->ai_next != NULL) {
            c->retry_next = 1;
            uv_close((uv_handle_t *)&c->tcp, on_tcp_closed);
        } else {
            conn_fail(c, SQT_ENETWORK, "connect %s:%s: %s", ws->host, ws->port,
                      uv_strerror(status));
        }
        leave(ws);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    rc = uv_read_start((uv_stream_t *)&c->tcp, on_read_alloc, on_read);
    if (rc < 0) {
        conn_fail(c, SQT_ENETWORK, "read: %s", uv_strerror(rc));
        leave(ws);
        return;
    }
    if (!ws->market)
        prio_add(c); /* a market burst's decode looks at this socket between slices */
    ws->state = WS_HANDSHAKE;
    uv_timer_start(&ws->t_state, on_state_timer, ws->handshake_ms, 0);
    if (ws->use_tls) {
        rc = sqt_tls_new(ws->tls_ctx, ws->host, tls_out, tls_plain, c, &c->tls);
        if (rc != SQT_OK)
            conn_fail(c, rc, "TLS: cannot set up the connection");
        else if (sqt_tls_start(c->tls) != SQT_OK)
            conn_fail(c, SQT_ENETWORK, "%s", sqt_tls_error(c->tls));
    } else {
        send_upgrade(c);
    }
    leave(ws);
}

static void conn_try_next(ws_conn *c)
{
    sqt_ws *ws = c->ws;
    int rc = UV_EAI_NONAME;
    while (c->ai_next != NULL) {
        struct addrinfo *ai = c->ai_next;
        c->ai_next = ai->ai_next;
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        rc = uv_tcp_init(ws->loop, &c->tcp);
        if (rc < 0)
            break;
        c->tcp.data = c;
        c->tcp_live = 1;
        c->creq.data = c;
        rc = uv_tcp_connect(&c->creq, &c->tcp, ai->ai_addr, on_connect);
        if (rc == 0)
            return;
        /* this address cannot even be tried: close, then the next one */
        c->retry_next = c->ai_next != NULL;
        uv_close((uv_handle_t *)&c->tcp, on_tcp_closed);
        if (c->retry_next)
            return;
        break;
    }
    conn_fail(c, SQT_ENETWORK, "connect %s:%s: %s", ws->host, ws->port, uv_strerror(rc));
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    ws_conn *c = req->data;
    sqt_ws *ws = c->ws;
    c->gai_busy = 0;
    if (ws == NULL) {
        if (res != NULL)
            uv_freeaddrinfo(res);
        conn_maybe_free(c);
        return;
    }
    enter(ws);
    if (status < 0) {
        conn_fail(c, SQT_ENETWORK, "resolve %s: %s", ws->host, uv_strerror(status));
    } else {
        c->ai = res;
        c->ai_next = res;
        conn_try_next(c);
    }
    leave(ws);
}

static void start_attempt(sqt_ws *ws)
{
    struct addrinfo hints;
    ws_conn *c = calloc(1, sizeof(*c));
    int rc;
    ws->down_reported = 0;
    ws->stats.attempts++;
    if (c == NULL) {
        report_down(ws, SQT_ENOMEM, "out of memory");
        schedule_reconnect(ws);
        return;
    }
    c->ws = ws;
    c->owner = ws;
    ws->conn = c;
    ws->stats.live_conns++;
    ws->state = WS_CONNECTING;
    uv_timer_start(&ws->t_state, on_state_timer, ws->connect_ms, 0);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    c->gai.data = c;
    rc = uv_getaddrinfo(ws->loop, &c->gai, on_resolved, ws->host, ws->port, &hints);
    if (rc < 0)
        conn_fail(c, SQT_ENETWORK, "resolve %s: %s", ws->host, uv_strerror(rc));
    else
        c->gai_busy = 1;
}

static void on_state_timer(uv_timer_t *t)
{
    sqt_ws *ws = t->data;
    ws_conn *c = ws->conn;
    enter(ws);
    switch (ws->state) {
    case WS_BACKOFF:
        if (!ws->closing)
            start_attempt(ws);
        break;
    case WS_CONNECTING:
        if (c != NULL)
            conn_fail(c, SQT_ETIMEOUT, "connect %s:%s: timed out after %u ms", ws->host,
                      ws->port, ws->connect_ms);
        break;
    case WS_HANDSHAKE:
        if (c != NULL)
            conn_fail(c, SQT_ETIMEOUT, "handshake timed out after %u ms", ws->handshake_ms);
        break;
    case WS_DRAINING:
        if (c != NULL)
            conn_fail(c, SQT_ETIMEOUT, "close handshake timed out after %u ms", ws->close_ms);
        break;
    default:
        break;
    }
    leave(ws);
}

/* ---------------------------------------------------------------- deferred decode */

static _Thread_local unsigned def_pass;

SQT_HOT int sqt_ws_run_deferred(uv_loop_t *loop)
{
    ws_conn *c;
    int n = 0;
    unsigned pass = ++def_pass;
    if (pass == 0)
        pass = ++def_pass; /* 0 is "whole" (conn_run_deferred) */
    while ((c = defer_first(loop, pass)) != NULL) {
        sqt_ws *ws = c->ws;    /* non-NULL: a conn leaves the list before it is detached */
        enter(ws);
        conn_run_deferred(c, 0, pass);
        leave(ws);
        n++;
    }
    return n;
}

/* The backstop for loops whose owner does not call sqt_ws_run_deferred(): the whole
 * loop's list, so the read order holds across connections here too. */
SQT_HOT static void on_check(uv_check_t *h)
{
    sqt_ws *ws = h->data;
    uv_check_stop(h);
    sqt_ws_run_deferred(ws->loop);
}

/* Active while a burst's rest waits: only keeps the next poll from sleeping. */
static void on_idle(uv_idle_t *h)
{
    (void)h;
}

/* ---------------------------------------------------------------- close */

static void on_handle_closed(uv_handle_t *h)
{
    sqt_ws *ws = h->data;
    ws->open_handles--;
    check_free(ws);
}

static void finalize(sqt_ws *ws)
{
    uv_timer_t *t[] = {&ws->t_state, &ws->t_ping, &ws->t_app, &ws->t_stale, &ws->t_kick};
    size_t i;
    ws->finalizing = 1;
    ws->state = WS_CLOSED;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        uv_close((uv_handle_t *)t[i], on_handle_closed);
    if (ws->market) {
        uv_close((uv_handle_t *)&ws->chk, on_handle_closed);
        uv_close((uv_handle_t *)&ws->idle, on_handle_closed);
    }
}

int sqt_ws_close(sqt_ws *ws)
{
    if (ws == NULL)
        return SQT_EINVAL;
    if (ws->closing)
        return SQT_ESTATE;
    enter(ws);
    ws->closing = 1;
    switch (ws->state) {
    case WS_OPEN:
        stop_open_timers(ws);
        ws->state = WS_DRAINING;
        uv_timer_start(&ws->t_state, on_state_timer, ws->close_ms, 0);
        wslay_event_queue_close(ws->conn->wsl, WSLAY_CODE_NORMAL_CLOSURE, NULL, 0);
        break;
    case WS_DRAINING:
        break;                 /* the close handshake is already under way */
    default:
        if (ws->conn != NULL)
            conn_abort(ws->conn);
        uv_timer_stop(&ws->t_state);
        ws->state = WS_BACKOFF;
        break;
    }
    if (ws->depth == 1 && ws->conn != NULL)
        pump(ws->conn);
    ws->depth--;               /* no settle() here: it may finish the close */
    kick(ws);
    return SQT_OK;
}

/* ---------------------------------------------------------------- public */

int sqt_ws_send(sqt_ws *ws, const char *data, size_t len, int is_binary)
{
    ws_conn *c;
    struct wslay_event_msg m;
    size_t queued;
    if (ws == NULL || (data == NULL && len > 0))
        return SQT_EINVAL;
    c = ws->conn;
    if (ws->closing || ws->state != WS_OPEN || c == NULL || c->wsl == NULL || c->err_code != 0)
        return SQT_ESTATE;
    queued = wslay_event_get_queued_msg_length(c->wsl) + c->tx_pending + c->obuf_len;
    if (len > ws->max_sendq || queued > ws->max_sendq - len)
        return SQT_ERANGE;
    m.opcode = is_binary ? WSLAY_BINARY_FRAME : WSLAY_TEXT_FRAME;
    m.msg = (const uint8_t *)data;
    m.msg_length = len;
    if (wslay_event_queue_msg(c->wsl, &m) != 0)
        return SQT_ESTATE;
    ws->stats.msgs_out++;
    if (ws->depth == 0) {
        /* outside any callback: write now, act on errors on the next loop turn */
        pump(c);
        if (c->err_code != 0)
            kick(ws);
    }
    return SQT_OK;
}

int sqt_ws_is_open(const sqt_ws *ws)
{
    return ws != NULL && !ws->closing && ws->state == WS_OPEN;
}

void sqt_ws_get_stats(const sqt_ws *ws, sqt_ws_stats *out)
{
    if (ws != NULL && out != NULL)
        *out = ws->stats;
}

static int header_ok(const sqt_header *h)
{
    static const char *const reserved[] = {"host", "upgrade", "connection",
                                           "sec-websocket-key", "sec-websocket-version",
                                           "sec-websocket-extensions"};
    const char *p;
    size_t i;
    if (h->name == NULL || h->name[0] == '\0' || h->value == NULL)
        return 0;
    for (p = h->name; *p; p++)
        if (*p <= ' ' || *p == ':' || *p == 0x7f)
            return 0;
    for (p = h->value; *p; p++)
        if (*p == '\r' || *p == '\n')
            return 0;
    for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strcasecmp(h->name, reserved[i]) == 0)
            return 0;
    return 1;
}

static char *slice(const char *url, const struct http_parser_url *u, int field)
{
    size_t n = u->field_data[field].len;
    char *s = malloc(n + 1);
    if (s != NULL) {
        memcpy(s, url + u->field_data[field].off, n);
        s[n] = '\0';
    }
    return s;
}

/* Parse the URL and prebuild the request head (all but the per-attempt key). */
static int build_target(sqt_ws *ws, const sqt_ws_options *o)
{
    struct http_parser_url u;
    const char *url = o->url;
    size_t len, i, cap;
    char *scheme, *p;
    int v6, def_port, port, has_ua = 0, n;
    if (url == NULL)
        return SQT_EINVAL;
    len = strlen(url);
    for (i = 0; i < len; i++)
        if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
            return SQT_EINVAL;
    http_parser_url_init(&u);
    if (http_parser_parse_url(url, len, 0, &u) != 0 || !(u.field_set & (1 << UF_SCHEMA)) ||
        !(u.field_set & (1 << UF_HOST)) || (u.field_set & (1 << UF_USERINFO)))
        return SQT_EINVAL;
    scheme = slice(url, &u, UF_SCHEMA);
    if (scheme == NULL)
        return SQT_ENOMEM;
    if (strcasecmp(scheme, "ws") == 0)
        ws->use_tls = 0;
    else if (strcasecmp(scheme, "wss") == 0)
        ws->use_tls = 1;
    else {
        free(scheme);
        return SQT_EINVAL;
    }
    free(scheme);
    ws->host = slice(url, &u, UF_HOST);
    if (ws->host == NULL)
        return SQT_ENOMEM;
    if (ws->host[0] == '\0')
        return SQT_EINVAL;
    def_port = ws->use_tls ? 443 : 80;
    port = (u.field_set & (1 << UF_PORT)) ? u.port : def_port;
    if (port <= 0)
        return SQT_EINVAL;
    snprintf(ws->port, sizeof(ws->port), "%d", port);
    v6 = strchr(ws->host, ':') != NULL;

    for (i = 0; i < o->n_headers; i++) {
        if (!header_ok(&o->headers[i]))
            return SQT_EINVAL;
        if (strcasecmp(o->headers[i].name, "user-agent") == 0)
            has_ua = 1;
    }
    cap = len + strlen(ws->host) + 256;
    for (i = 0; i < o->n_headers; i++)
        cap += strlen(o->headers[i].name) + strlen(o->headers[i].value) + 4;
    ws->request_head = p = malloc(cap);
    if (p == NULL)
        return SQT_ENOMEM;
    n = snprintf(p, cap, "GET ");
    p += n, cap -= (size_t)n;
    if (u.field_set & (1 << UF_PATH))
        n = snprintf(p, cap, "%.*s", (int)u.field_data[UF_PATH].len, url + u.field_data[UF_PATH].off);
    else
        n = snprintf(p, cap, "/");
    p += n, cap -= (size_t)n;
    if (u.field_set & (1 << UF_QUERY)) {
        n = snprintf(p, cap, "?%.*s", (int)u.field_data[UF_QUERY].len,
                     url + u.field_data[UF_QUERY].off);
        p += n, cap -= (size_t)n;
    }
    n = snprintf(p, cap, " HTTP/1.1\r\nHost: %s%s%s", v6 ? "[" : "", ws->host, v6 ? "]" : "");
    p += n, cap -= (size_t)n;
    if (port != def_port) {
        n = snprintf(p, cap, ":%d", port);
        p += n, cap -= (size_t)n;
    }
    n = snprintf(p, cap,
                 "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n%s",
                 has_ua ? "" : "User-Agent: opensqt\r\n");
    p += n, cap -= (size_t)n;
    for (i = 0; i < o->n_headers; i++) {
        n = snprintf(p, cap, "%s: %s\r\n", o->headers[i].name, o->headers[i].value);
        p += n, cap -= (size_t)n;
    }
    return SQT_OK;
}

static uint32_t pick(uint32_t v, uint32_t def, uint32_t fallback)
{
    return v ? v : def ? def : fallback;
}

static int ws_setup(sqt_ws *ws, const sqt_ws_net_opts *net, const sqt_ws_options *o)
{
    int rc;
    ws->connect_ms = pick(net->connect_timeout_ms, 0, 10000);
    ws->handshake_ms = pick(net->handshake_timeout_ms, 0, 10000);
    ws->close_ms = pick(net->close_timeout_ms, 0, 3000);
    ws->ping_ms = pick(o->ping_interval_ms, net->ping_interval_ms, 20000);
    ws->pong_wait_ms = pick(net->pong_wait_ms, 0,
                            ws->ping_ms > UINT32_MAX / 3 ? UINT32_MAX : ws->ping_ms * 3);
    ws->app_ms = pick(o->app_ping_interval_ms, net->app_ping_interval_ms, 30000);
    ws->stale_ms = pick(o->stale_timeout_ms, net->stale_timeout_ms, 0);
    ws->max_msg = pick(o->max_message_bytes, net->max_message_bytes, 16u << 20);
    ws->base_ms = pick(o->reconnect_base_ms, net->reconnect_base_ms, 5000);
    ws->cap_ms = pick(net->reconnect_cap_ms, 0, 60000);
    if (ws->cap_ms < ws->base_ms)
        ws->cap_ms = ws->base_ms;
    ws->max_sendq = net->max_send_queue_bytes ? net->max_send_queue_bytes : (size_t)4 << 20;
    ws->market = (o->flags & SQT_WS_MARKET_DATA) != 0;
    if (o->app_ping_text != NULL && o->app_ping_text[0] != '\0') {
        ws->app_text = strdup(o->app_ping_text);
        if (ws->app_text == NULL)
            return SQT_ENOMEM;
        ws->app_len = strlen(ws->app_text);
    }
    if (o->n_headers > 0 && o->headers == NULL)
        return SQT_EINVAL;
    rc = build_target(ws, o);
    if (rc != SQT_OK)
        return rc;
    if (ws->use_tls)
        rc = sqt_tls_ctx_client(net->extra_ca_file, &ws->tls_ctx, NULL, 0);
    return rc;
}

sqt_ws *sqt_ws_open(uv_loop_t *loop, const sqt_ws_net_opts *net_in, const sqt_ws_options *opt,
                    const sqt_ws_callbacks *cbs, void *ud, int *err)
{
    uv_timer_t *t[5];
    sqt_ws_net_opts net;
    sqt_ws_options o;
    sqt_ws *ws;
    size_t i;
    int rc;
    if (err != NULL)
        *err = SQT_EINVAL;
    if (loop == NULL || opt == NULL || cbs == NULL || opt->struct_size == 0 ||
        cbs->struct_size == 0)
        return NULL;
    memset(&net, 0, sizeof(net));
    if (net_in != NULL)
        net = *net_in;
    /* older SDK minors: members past struct_size read as zero */
    memset(&o, 0, sizeof(o));
    memcpy(&o, opt, opt->struct_size < sizeof(o) ? opt->struct_size : sizeof(o));
    ws = calloc(1, sizeof(*ws));
    if (ws == NULL) {
        if (err != NULL)
            *err = SQT_ENOMEM;
        return NULL;
    }
    memcpy(&ws->cbs, cbs, cbs->struct_size < sizeof(ws->cbs) ? cbs->struct_size : sizeof(ws->cbs));
    ws->loop = loop;
    ws->ud = ud;
    rc = ws_setup(ws, &net, &o);
    if (rc != SQT_OK) {
        sqt_tls_ctx_free(ws->tls_ctx);
        free(ws->host);
        free(ws->request_head);
        free(ws->app_text);
        free(ws);
        if (err != NULL)
            *err = rc;
        return NULL;
    }
    t[0] = &ws->t_state;
    t[1] = &ws->t_ping;
    t[2] = &ws->t_app;
    t[3] = &ws->t_stale;
    t[4] = &ws->t_kick;
    for (i = 0; i < 5; i++) {
        uv_timer_init(loop, t[i]);
        t[i]->data = ws;
    }
    ws->open_handles = 5;
    /* only a market connection has the check, and it runs only in a turn that read */
    if (ws->market) {
        uv_check_init(loop, &ws->chk);
        ws->chk.data = ws;
        uv_idle_init(loop, &ws->idle);
        ws->idle.data = ws;
        ws->open_handles += 2;
    }
    ws->state = WS_BACKOFF;
    /* the first attempt starts on the next loop turn */
    uv_timer_start(&ws->t_state, on_state_timer, 0, 0);
    if (err != NULL)
        *err = SQT_OK;
    return ws;
}
