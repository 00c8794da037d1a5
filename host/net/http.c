/* HTTP client on curl multi + libuv (see http.h).
 *
 * Shape: curl owns the connections; we give it a uv_poll_t per socket it asks us to
 * watch and one uv_timer_t, and call curl_multi_socket_action() from their callbacks.
 * Finished transfers move from the `active` list to the `done` list; callbacks are only
 * ever run by drain(), one at a time, from a loop callback (never inside curl, never
 * inside the caller's sqt_http_send/cancel/close), so a callback may freely start,
 * cancel or close. */
#include "net/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define DEF_CONNECT_MS 5000u
#define DEF_TIMEOUT_MS 10000u
#define DEF_MAX_BODY ((size_t)16 << 20)
#define MAX_HEADER_BYTES ((size_t)64 << 10)

typedef struct http_sock {
    uv_poll_t poll;
    struct sqt_http *h;
    curl_socket_t fd;
    int closing;
    int idle;                  /* curl stopped watching; the socket is in its cache */
    int events;                /* what the uv_poll_t watches now */
    struct http_sock *prev, *next;
} http_sock;

/* Finished easy handles kept for the next requests (curl_easy_reset keeps nothing of a
 * request; the connections live in the multi's cache either way). */
#define HTTP_EASY_POOL 8

enum call_where { CALL_ACTIVE = 1, CALL_DONE = 2 };

struct sqt_http_call {
    struct sqt_http *h;
    CURL *easy;
    sqt_http_cb cb;
    void *ud;
    struct curl_slist *req_headers;
    char *body;
    int where;
    struct sqt_http_call *prev, *next;

    /* response being collected */
    char *rbody;
    size_t rlen, rcap;
    int over_cap;
    char *hbuf;                /* "name\0value\0" pairs of the final response */
    size_t hlen, hcap, n_hdr;
    int status;
    sqt_error err;
    char errbuf[CURL_ERROR_SIZE];
};

typedef struct call_list {
    struct sqt_http_call *head, *tail;
    size_t n;
} call_list;

struct sqt_http {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    uv_idle_t idle;
    char *extra_ca;
    char *user_agent;
    uint32_t connect_ms, timeout_ms;
    size_t max_body;

    call_list active;          /* added to curl */
    call_list done;            /* finished, callback not yet run */
    http_sock *socks;
    int live_handles;          /* uv handles not yet through their close callback */
    int draining;
    int closing;
    int finalizing;
    void (*closed)(void *ud);
    void *closed_ud;
    CURL *pool[HTTP_EASY_POOL];
    int npool;
    int kicking;               /* inside sqt_http_send's curl_multi_socket_action */
    CURL *warm;                /* sqt_http_warm's own handle, never added to the multi */
    sqt_http_stats st;
};

/* ---------------------------------------------------------------- lists */

static void list_push(call_list *l, struct sqt_http_call *c)
{
    c->next = NULL;
    c->prev = l->tail;
    if (l->tail)
        l->tail->next = c;
    else
        l->head = c;
    l->tail = c;
    l->n++;
}

static void list_remove(call_list *l, struct sqt_http_call *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        l->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        l->tail = c->prev;
    c->prev = c->next = NULL;
    l->n--;
}

static int list_has(const call_list *l, const struct sqt_http_call *c)
{
    const struct sqt_http_call *p;
    for (p = l->head; p != NULL; p = p->next)
        if (p == c)
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- call life */

static void easy_defaults(struct sqt_http *h, CURL *e);

static void call_free(struct sqt_http_call *c)
{
    struct sqt_http *h = c->h;
    if (c->easy != NULL && h != NULL && !h->finalizing && !h->closing &&
        h->npool < HTTP_EASY_POOL) {
        curl_easy_reset(c->easy);
        easy_defaults(h, c->easy);
        h->pool[h->npool++] = c->easy;
    } else if (c->easy != NULL) {
        curl_easy_cleanup(c->easy);
    }
    curl_slist_free_all(c->req_headers);
    free(c->body);
    free(c->rbody);
    free(c->hbuf);
    free(c);
}

static void set_err(struct sqt_http_call *c, int code, const char *msg)
{
    c->err.code = code;
    snprintf(c->err.message, sizeof(c->err.message), "%s", msg);
}

static void schedule_drain(struct sqt_http *h);
static void drain(struct sqt_http *h);

/* Take an active call out of curl with an outcome decided by us. */
static void call_abort(struct sqt_http *h, struct sqt_http_call *c, int code, const char *msg)
{
    list_remove(&h->active, c);
    curl_multi_remove_handle(h->multi, c->easy);
    c->status = 0;
    c->n_hdr = 0;
    c->hlen = 0;
    c->rlen = 0;
    set_err(c, code, msg);
    c->where = CALL_DONE;
    list_push(&h->done, c);
}

/* ---------------------------------------------------------------- curl callbacks */

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct sqt_http_call *c = ud;
    size_t len = size * n;
    if (len > c->h->max_body - c->rlen) {
        c->over_cap = 1;
        return 0;              /* makes curl stop with CURLE_WRITE_ERROR */
    }
    if (c->rlen + len + 1 > c->rcap) {
        size_t cap = c->rcap ? c->rcap : 4096;
        char *p;
        while (cap < c->rlen + len + 1)
            cap *= 2;
        p = realloc(c->rbody, cap);
        if (p == NULL)
            return 0;
        c->rbody = p;
        c->rcap = cap;
    }
    memcpy(c->rbody + c->rlen, data, len);
    c->rlen += len;
    c->rbody[c->rlen] = '\0';
    return len;
}

static int hbuf_append(struct sqt_http_call *c, const char *s, size_t len)
{
    if (c->hlen + len + 1 > c->hcap) {
        size_t cap = c->hcap ? c->hcap : 512;
        char *p;
        while (cap < c->hlen + len + 1)
            cap *= 2;
        p = realloc(c->hbuf, cap);
        if (p == NULL)
            return -1;
        c->hbuf = p;
        c->hcap = cap;
    }
    memcpy(c->hbuf + c->hlen, s, len);
    c->hlen += len;
    c->hbuf[c->hlen++] = '\0';
    return 0;
}

/* One header line at a time; a status line starts a new response (100-continue,
 * proxies), so only the final response's headers remain. */
static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    struct sqt_http_call *c = ud;
    size_t len = size * n, nl, vs, ve;
    const char *colon;
    while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == '\n'))
        len--;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        c->hlen = 0;
        c->n_hdr = 0;
        return size * n;
    }
    colon = len ? memchr(data, ':', len) : NULL;
    if (colon == NULL || colon == data || c->hlen + len + 2 > MAX_HEADER_BYTES)
        return size * n;       /* blank line, folded or oversized: skip */
    nl = (size_t)(colon - data);
    vs = nl + 1;
    while (vs < len && (data[vs] == ' ' || data[vs] == '\t'))
        vs++;
    ve = len;
    while (ve > vs && (data[ve - 1] == ' ' || data[ve - 1] == '\t'))
        ve--;
    if (hbuf_append(c, data, nl) != 0 || hbuf_append(c, data + vs, ve - vs) != 0)
        return 0;
    c->n_hdr++;
    return size * n;
}

/* Extra CA: loaded into the store curl already filled from the system bundle. */
static CURLcode on_ssl_ctx(CURL *easy, void *sslctx, void *ud)
{
    struct sqt_http *h = ud;
    (void)easy;
    if (h->extra_ca != NULL &&
        SSL_CTX_load_verify_locations((SSL_CTX *)sslctx, h->extra_ca, NULL) != 1) {
        ERR_clear_error();
        return CURLE_SSL_CACERT_BADFILE;
    }
    return CURLE_OK;
}

static void sock_closed(uv_handle_t *hd);

static void sock_close(http_sock *s)
{
    if (s->closing)
        return;
    s->closing = 1;
    uv_close((uv_handle_t *)&s->poll, sock_closed);
}

static void collect(struct sqt_http *h);

static void on_poll(uv_poll_t *p, int status, int events)
{
    http_sock *s = p->data;
    struct sqt_http *h = s->h;
    int flags = 0, running = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    curl_multi_socket_action(h->multi, s->fd, flags, &running);
    collect(h);
    drain(h);
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct sqt_http *h = userp;
    http_sock *s = socketp;
    int events = 0;
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        /* A kept-alive connection goes idle here after every request: its poll handle
         * is only stopped and kept for the next request on that socket (a new handle
         * would mean registering the socket with the loop again). It is closed when
         * curl closes the socket (on_close_socket). */
        if (s != NULL) {
            curl_multi_assign(h->multi, fd, NULL);
            uv_poll_stop(&s->poll);
            s->idle = 1;
            s->events = 0;
        }
        return 0;
    }
    if (s == NULL) {
        for (s = h->socks; s != NULL; s = s->next)
            if (s->fd == fd && s->idle && !s->closing)
                break;
        if (s != NULL) {
            s->idle = 0;
            curl_multi_assign(h->multi, fd, s);
        }
    }
    if (s == NULL) {
        s = calloc(1, sizeof(*s));
        if (s == NULL)
            return -1;
        if (uv_poll_init_socket(h->loop, &s->poll, fd) != 0) {
            free(s);
            return -1;
        }
        s->h = h;
        s->fd = fd;
        s->poll.data = s;
        h->st.polls_created++;
        s->next = h->socks;
        if (h->socks)
            h->socks->prev = s;
        h->socks = s;
        h->live_handles++;
        curl_multi_assign(h->multi, fd, s);
    }
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        events |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        events |= UV_WRITABLE;
    /* curl repeats its wish for a kept-alive socket on every request: only a change
     * touches the poll */
    if (events != s->events || !uv_is_active((uv_handle_t *)&s->poll)) {
        s->events = events;
        uv_poll_start(&s->poll, events, on_poll);
    }
    return 0;
}

/* curl closes a socket (a connection dropped, expired from its cache, or the multi
 * cleaned up): its poll handle goes first, then the socket. */
static int on_close_socket(void *ud, curl_socket_t fd)
{
    struct sqt_http *h = ud;
    http_sock *s;
    for (s = h->socks; s != NULL; s = s->next)
        if (s->fd == fd && !s->closing)
            sock_close(s);
    return close(fd);
}

static void on_timer(uv_timer_t *t)
{
    struct sqt_http *h = t->data;
    int running = 0;
    if (h->multi == NULL)
        return;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    collect(h);
    drain(h);
}

SQT_HOT static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct sqt_http *h = userp;
    (void)multi;
    if (h->finalizing)
        return 0;
    if (timeout_ms < 0)
        uv_timer_stop(&h->timer);
    else  /* 0 means "now": the uv timer fires on the next loop turn, outside curl */
        uv_timer_start(&h->timer, on_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

/* ---------------------------------------------------------------- completion */

static void classify(struct sqt_http_call *c, CURLcode rc)
{
    long code = 0;
    const char *why = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &code);
    c->status = (int)code;
    c->err.http_status = (int)code;
    if (rc == CURLE_OK && (code < 100 || code > 999)) {
        /* curl took bytes without a valid status line for an answer ("HTTP/200 OK"):
         * no HTTP answer, so the caller must not read it as one with status 0 */
        c->status = 0;
        c->err.http_status = 0;
        c->err.code = SQT_ENETWORK;
        snprintf(c->err.message, sizeof(c->err.message), "malformed HTTP response: no status");
        return;
    }
    if (rc == CURLE_OK) {
        c->err.code = SQT_OK;
        return;
    }
    if (c->over_cap) {
        c->err.code = SQT_ERANGE;
        snprintf(c->err.message, sizeof(c->err.message), "response body over %zu bytes",
                 c->h->max_body);
        return;
    }
    c->err.code = rc == CURLE_OPERATION_TIMEDOUT ? SQT_ETIMEOUT : SQT_ENETWORK;
    snprintf(c->err.message, sizeof(c->err.message), "%s", why);
}

static void collect(struct sqt_http *h)
{
    CURLMsg *m;
    int left;
    while (h->multi != NULL && (m = curl_multi_info_read(h->multi, &left)) != NULL) {
        struct sqt_http_call *c = NULL;
        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
        if (c == NULL || c->where != CALL_ACTIVE)
            continue;
        classify(c, m->data.result);
        list_remove(&h->active, c);
        curl_multi_remove_handle(h->multi, c->easy);
        c->where = CALL_DONE;
        list_push(&h->done, c);
    }
}

static void deliver(struct sqt_http_call *c)
{
    sqt_http_response r;
    sqt_header *hv = NULL;
    size_t i, off = 0;
    memset(&r, 0, sizeof(r));
    if (c->n_hdr > 0) {
        hv = calloc(c->n_hdr, sizeof(*hv));
        if (hv == NULL && c->err.code == SQT_OK)
            set_err(c, SQT_ENOMEM, "out of memory for response headers");
    }
    if (hv != NULL) {
        for (i = 0; i < c->n_hdr; i++) {
            hv[i].name = c->hbuf + off;
            off += strlen(c->hbuf + off) + 1;
            hv[i].value = c->hbuf + off;
            off += strlen(c->hbuf + off) + 1;
        }
        r.headers = hv;
        r.n_headers = c->n_hdr;
    }
    r.status = c->status;
    r.body = c->rbody != NULL && c->rlen > 0 ? c->rbody : "";
    r.body_len = c->rlen;
    if (c->err.code != SQT_OK) {
        r.body = "";
        r.body_len = 0;
    }
    r.err = c->err;
    c->cb(c->ud, &r);
    free(hv);
}

static void finalize(struct sqt_http *h);

/* Run every pending callback, one at a time, from a loop callback. */
static void drain(struct sqt_http *h)
{
    struct sqt_http_call *c;
    if (h->draining)
        return;
    h->draining = 1;
    while ((c = h->done.head) != NULL) {
        list_remove(&h->done, c);
        c->where = 0;
        deliver(c);
        call_free(c);
    }
    h->draining = 0;
    uv_idle_stop(&h->idle);
    if (h->closing && h->active.n == 0 && !h->finalizing)
        finalize(h);
}

static void on_idle(uv_idle_t *i)
{
    drain(i->data);
}

static void schedule_drain(struct sqt_http *h)
{
    if (!h->draining)
        uv_idle_start(&h->idle, on_idle);
}

/* ---------------------------------------------------------------- close */

static void handle_closed(struct sqt_http *h)
{
    void (*cb)(void *);
    void *ud;
    if (--h->live_handles > 0 || !h->finalizing)
        return;
    cb = h->closed;
    ud = h->closed_ud;
    free(h->extra_ca);
    free(h->user_agent);
    free(h);
    curl_global_cleanup();
    if (cb)
        cb(ud);
}

static void sock_closed(uv_handle_t *hd)
{
    http_sock *s = hd->data;
    struct sqt_http *h = s->h;
    if (s->prev)
        s->prev->next = s->next;
    else
        h->socks = s->next;
    if (s->next)
        s->next->prev = s->prev;
    free(s);
    handle_closed(h);
}

static void own_closed(uv_handle_t *hd)
{
    handle_closed(hd->data);
}

static void finalize(struct sqt_http *h)
{
    http_sock *s;
    h->finalizing = 1;
    /* Closes cached connections; curl may report their sockets as removed. */
    curl_multi_cleanup(h->multi);
    h->multi = NULL;
    while (h->npool > 0)
        curl_easy_cleanup(h->pool[--h->npool]);
    if (h->warm != NULL)
        curl_easy_cleanup(h->warm);
    h->warm = NULL;
    for (s = h->socks; s != NULL; s = s->next)
        sock_close(s);
    uv_close((uv_handle_t *)&h->timer, own_closed);
    uv_close((uv_handle_t *)&h->idle, own_closed);
}

void sqt_http_close(sqt_http *h, void (*closed)(void *ud), void *ud)
{
    if (h == NULL || h->closing)
        return;
    h->closing = 1;
    h->closed = closed;
    h->closed_ud = ud;
    while (h->active.head != NULL)
        call_abort(h, h->active.head, SQT_ECANCELLED, "cancelled: HTTP client shutting down");
    uv_timer_stop(&h->timer);
    /* drain() runs the callbacks, then finalize() closes the handles */
    uv_idle_start(&h->idle, on_idle);
}

/* ---------------------------------------------------------------- public */

static char *dup_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

sqt_http *sqt_http_new(uv_loop_t *loop, const sqt_http_opts *opts)
{
    struct sqt_http *h;
    sqt_http_opts o;
    if (loop == NULL)
        return NULL;
    memset(&o, 0, sizeof(o));
    if (opts != NULL)
        o = *opts;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return NULL;
    h = calloc(1, sizeof(*h));
    if (h == NULL) {
        curl_global_cleanup();
        return NULL;
    }
    h->loop = loop;
    h->connect_ms = o.connect_timeout_ms ? o.connect_timeout_ms : DEF_CONNECT_MS;
    h->timeout_ms = o.timeout_ms ? o.timeout_ms : DEF_TIMEOUT_MS;
    h->max_body = o.max_body_bytes ? o.max_body_bytes : DEF_MAX_BODY;
    h->extra_ca = dup_or_null(o.extra_ca_file);
    h->user_agent = strdup(o.user_agent ? o.user_agent : "opensqt");
    h->multi = curl_multi_init();
    if (h->multi == NULL || h->user_agent == NULL ||
        (o.extra_ca_file != NULL && o.extra_ca_file[0] != '\0' && h->extra_ca == NULL)) {
        if (h->multi)
            curl_multi_cleanup(h->multi);
        free(h->extra_ca);
        free(h->user_agent);
        free(h);
        curl_global_cleanup();
        return NULL;
    }
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    uv_timer_init(loop, &h->timer);
    uv_idle_init(loop, &h->idle);
    h->timer.data = h;
    h->idle.data = h;
    h->live_handles = 2;
    return h;
}

static int valid_method(const char *m)
{
    size_t i;
    if (m == NULL || m[0] == '\0')
        return 0;
    for (i = 0; m[i] != '\0'; i++)
        if (i >= 16 || m[i] < 'A' || m[i] > 'Z')
            return 0;
    return 1;
}

static int valid_url(const char *u)
{
    const unsigned char *p;
    if (u == NULL)
        return 0;
    if (strncasecmp(u, "http://", 7) != 0 && strncasecmp(u, "https://", 8) != 0)
        return 0;
    for (p = (const unsigned char *)u; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

static int valid_header(const sqt_header *hd)
{
    const char *p;
    if (hd->name == NULL || hd->name[0] == '\0' || hd->value == NULL)
        return 0;
    for (p = hd->name; *p; p++)
        if (*p == ':' || *p == '\r' || *p == '\n' || *p == ' ' || *p == '\t')
            return 0;
    for (p = hd->value; *p; p++)
        if (*p == '\r' || *p == '\n')
            return 0;
    return 1;
}

/* Copy a request built against an older SDK minor: missing members read as zero. */
static void req_copy(sqt_http_request *dst, const sqt_http_request *src)
{
    size_t n = src->struct_size < sizeof(*dst) ? src->struct_size : sizeof(*dst);
    memset(dst, 0, sizeof(*dst));
    memcpy(dst, src, n);
}

/* One "Name: value" line onto the call's list (curl copies it): built on the stack,
 * the heap only for a line longer than any header an exchange needs. */
static int add_header(struct sqt_http_call *c, const char *name, const char *value)
{
    char small[512], *line = small;
    size_t nl = strlen(name), vl = strlen(value), len = nl + vl + 3;
    struct curl_slist *l;
    if (len > sizeof(small) && (line = malloc(len)) == NULL)
        return SQT_ENOMEM;
    memcpy(line, name, nl);
    /* "Name;" is curl's way to send a header with an empty value */
    if (vl == 0) {
        line[nl] = ';';
        line[nl + 1] = '\0';
    } else {
        line[nl] = ':';
        line[nl + 1] = ' ';
        memcpy(line + nl + 2, value, vl + 1);
    }
    l = curl_slist_append(c->req_headers, line);
    if (line != small)
        free(line);
    if (l == NULL)
        return SQT_ENOMEM;
    c->req_headers = l;
    return SQT_OK;
}

/* The options every request has, set on a fresh or freshly reset handle when it enters
 * the pool (after the previous answer was delivered), so a request's own turn sets only
 * what is its own. */
static void easy_defaults(struct sqt_http *h, CURL *e)
{
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, h);
    /* Verification is on, always: these are libcurl's defaults, set anyway so no
     * change elsewhere can turn them off. */
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (h->extra_ca != NULL) {
        curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
        curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, h);
    }
    curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
}

static int setup_easy(struct sqt_http *h, struct sqt_http_call *c, const sqt_http_request *r)
{
    CURL *e = c->easy;
    int body_method = strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 ||
                      strcmp(r->method, "PATCH") == 0;
    size_t i;
    int rc = SQT_OK;
    for (i = 0; i < r->n_headers && rc == SQT_OK; i++)
        rc = add_header(c, r->headers[i].name, r->headers[i].value);
    /* No "Expect: 100-continue" round trip before a body, and no Expect header at all:
     * "Expect:" (colon, no value) removes curl's own; "Expect;" would send an empty one,
     * which a server without 100-continue answers with 417. */
    if (rc == SQT_OK) {
        struct curl_slist *l = curl_slist_append(c->req_headers, "Expect:");
        if (l == NULL)
            rc = SQT_ENOMEM;
        else
            c->req_headers = l;
    }
    if (rc == SQT_OK && (c->req_headers == NULL))
        rc = SQT_ENOMEM;
    if (rc != SQT_OK)
        return rc;
    if (r->body != NULL && r->body_len > 0) {
        c->body = malloc(r->body_len);
        if (c->body == NULL)
            return SQT_ENOMEM;
        memcpy(c->body, r->body, r->body_len);
    }
    curl_easy_setopt(e, CURLOPT_PRIVATE, c);
    if (curl_easy_setopt(e, CURLOPT_URL, r->url) != CURLE_OK) /* curl keeps its own copy */
        return SQT_ENOMEM;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->req_headers);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(r->connect_timeout_ms ? r->connect_timeout_ms : h->connect_ms));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(r->timeout_ms ? r->timeout_ms : h->timeout_ms));
    if (strcmp(r->method, "GET") == 0) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        if (strcmp(r->method, "POST") == 0)
            curl_easy_setopt(e, CURLOPT_POST, 1L);
        else
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
        /* PUT/POST/PATCH always carry a Content-Length, even 0 (some servers want it) */
        if (c->body != NULL || body_method) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(c->body ? r->body_len : 0));
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body ? c->body : "");
        }
    }
    return SQT_OK;
}

SQT_HOT int sqt_http_send(sqt_http *h, const sqt_http_request *req_in, sqt_http_cb cb, void *ud,
                     sqt_http_call **out)
{
    struct sqt_http_call *c;
    sqt_http_request r;
    size_t i;
    int rc;
    if (out != NULL)
        *out = NULL;
    if (h == NULL || req_in == NULL || cb == NULL || req_in->struct_size == 0)
        return SQT_EINVAL;
    if (h->closing)
        return SQT_ESTATE;
    req_copy(&r, req_in);
    if (!valid_method(r.method) || !valid_url(r.url) || (r.n_headers > 0 && r.headers == NULL) ||
        (r.body_len > 0 && r.body == NULL))
        return SQT_EINVAL;
    for (i = 0; i < r.n_headers; i++)
        if (!valid_header(&r.headers[i]))
            return SQT_EINVAL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return SQT_ENOMEM;
    c->h = h;
    c->cb = cb;
    c->ud = ud;
    if (h->npool > 0) {
        c->easy = h->pool[--h->npool];
    } else if ((c->easy = curl_easy_init()) != NULL) {
        easy_defaults(h, c->easy);
        h->st.easy_created++;
    }
    if (c->easy == NULL) {
        call_free(c);
        return SQT_ENOMEM;
    }
    rc = setup_easy(h, c, &r);
    if (rc != SQT_OK) {
        call_free(c);
        return rc;
    }
    if (curl_multi_add_handle(h->multi, c->easy) != CURLM_OK) {
        call_free(c);
        return SQT_ENOMEM;
    }
    c->where = CALL_ACTIVE;
    list_push(&h->active, c);
    if (out != NULL)
        *out = c;
    /* Start it now, in the caller's loop turn: on a kept-alive connection curl writes
     * the request here instead of from its timer on the next turn. A transfer that ends
     * inside is only collected; its callback runs from the idle, never in this call. */
    if (!h->kicking) {
        int running = 0;
        h->kicking = 1;
        curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        h->kicking = 0;
        collect(h);
        if (h->done.n > 0)
            schedule_drain(h);
    }
    return SQT_OK;
}

/* A signed order's shape: its two headers and a form body of an order's size. */
static const char warm_body[] =
    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.001&price=50000.0"
    "&newClientOrderId=x-00000000000000001_B_1765101259001&recvWindow=5000"
    "&timestamp=1765101261000&signature=0000000000000000000000000000000000000000000000000000"
    "000000000000";

SQT_HOT void sqt_http_warm(sqt_http *h)
{
    const sqt_header hd[2] = {
        {"X-MBX-APIKEY", "0000000000000000000000000000000000000000000000000000000000000000"},
        {"Content-Type", "application/x-www-form-urlencoded"}};
    struct sqt_http_call c;
    sqt_http_request r;
    if (h == NULL || h->closing)
        return;
    if (h->warm == NULL) {
        if ((h->warm = curl_easy_init()) == NULL)
            return;
        easy_defaults(h, h->warm);
    }
    memset(&r, 0, sizeof(r));
    r.struct_size = sizeof(r);
    r.method = "POST";
    r.url = "https://warm.invalid/fapi/v1/order"; /* copied by curl, never resolved */
    r.headers = hd;
    r.n_headers = 2;
    r.body = warm_body;
    r.body_len = sizeof(warm_body) - 1;
    /* what sqt_http_send checks and sets up, on the handle of its own */
    if (!valid_method(r.method) || !valid_url(r.url) || !valid_header(&hd[0]) ||
        !valid_header(&hd[1]))
        return;
    memset(&c, 0, sizeof(c));
    c.h = h;
    c.easy = h->warm;
    (void)setup_easy(h, &c, &r);
    /* the handle keeps no pointer into what is freed here */
    curl_easy_setopt(h->warm, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h->warm, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(h->warm, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(h->warm, CURLOPT_PRIVATE, NULL);
    curl_easy_setopt(h->warm, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(h->warm, CURLOPT_HEADERDATA, NULL);
    curl_slist_free_all(c.req_headers);
    free(c.body);
}

void sqt_http_get_stats(const sqt_http *h, sqt_http_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (h != NULL)
        *out = h->st;
}

void sqt_http_cancel(sqt_http *h, sqt_http_call *c)
{
    if (h == NULL || c == NULL)
        return;
    /* membership first: a pointer whose callback already ran must not be read */
    if (list_has(&h->active, c)) {
        call_abort(h, c, SQT_ECANCELLED, "cancelled");
        schedule_drain(h);
    }
    /* A call already in `done` keeps its real outcome: when an answer arrived in full
     * (an order accepted, say) the caller must learn it rather than "cancelled". */
}

size_t sqt_http_in_flight(const sqt_http *h)
{
    return h ? h->active.n + h->done.n : 0;
}
