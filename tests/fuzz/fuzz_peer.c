/* Raw loopback peer for the network fuzz targets (see fuzz_peer.h). */
#include "fuzz_peer.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#define HEAD_MAX 16384

typedef struct fz_conn {
    uv_tcp_t tcp;
    fz_peer *peer;
    struct fz_conn *next;
    char head[HEAD_MAX];
    size_t head_len;
    int answered;
    int closing;
    uv_write_t wreq;
    uv_shutdown_t sreq;
    char *out;
    char rbuf[4096];
} fz_conn;

static void conn_closed(uv_handle_t *h)
{
    fz_conn *c = h->data;
    fz_peer *p = c->peer;
    fz_conn **pp;
    for (pp = &p->conns; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    free(c->out);
    free(c);
    p->live--;
    uv_stop(p->loop);
}

static void conn_close(fz_conn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)req;
    (void)status;              /* keep reading until the client's EOF either way */
}

static void on_written(uv_write_t *req, int status)
{
    fz_conn *c = req->data;
    free(c->out);
    c->out = NULL;
    if (c->closing)
        return;
    if (status < 0 ||
        uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
        conn_close(c);
}

static void answer(fz_conn *c)
{
    size_t n = 0;
    c->answered = 1;
    c->out = c->peer->answer(c->peer->ud, c->head, c->head_len, &n);
    if (c->out != NULL && n > 0) {
        uv_buf_t b = uv_buf_init(c->out, (unsigned)n);
        c->wreq.data = c;
        if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0)
            conn_close(c);
        return;
    }
    free(c->out);
    c->out = NULL;
    if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
        conn_close(c);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    fz_conn *c = h->data;
    (void)hint;
    *buf = uv_buf_init(c->rbuf, sizeof(c->rbuf));
}

static int head_complete(const char *h, size_t n)
{
    size_t i;
    for (i = 0; i + 4 <= n; i++)
        if (memcmp(h + i, "\r\n\r\n", 4) == 0)
            return 1;
    return 0;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    fz_conn *c = s->data;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    if (c->answered || nread == 0)
        return;                /* after the answer: discard */
    if (c->head_len + (size_t)nread > sizeof(c->head))
        nread = (ssize_t)(sizeof(c->head) - c->head_len);
    memcpy(c->head + c->head_len, buf->base, (size_t)nread);
    c->head_len += (size_t)nread;
    if (c->head_len == sizeof(c->head) || head_complete(c->head, c->head_len))
        answer(c);
}

static void on_connection(uv_stream_t *server, int status)
{
    fz_peer *p = server->data;
    fz_conn *c;
    if (status < 0 || p->closing)
        return;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        abort();
    c->peer = p;
    uv_tcp_init(p->loop, &c->tcp);
    c->tcp.data = c;
    c->next = p->conns;
    p->conns = c;
    p->live++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 ||
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
        conn_close(c);
}

static void listener_closed(uv_handle_t *h)
{
    fz_peer *p = h->data;
    p->live--;
    uv_stop(p->loop);
}

int fz_peer_start(uv_loop_t *loop, fz_peer *p, fz_peer_answer_fn answer_fn, void *ud)
{
    static unsigned next_host;
    struct sockaddr_in addr;
    struct sockaddr_storage bound;
    int len = sizeof(bound), rc;
    memset(p, 0, sizeof(*p));
    snprintf(p->host, sizeof(p->host), "127.0.1.%u", next_host++ % 254 + 1);
    p->loop = loop;
    p->answer = answer_fn;
    p->ud = ud;
    uv_tcp_init(loop, &p->listener);
    p->listener.data = p;
    p->live = 1;
    uv_ip4_addr(p->host, 0, &addr);
    if ((rc = uv_tcp_bind(&p->listener, (const struct sockaddr *)&addr, 0)) != 0 ||
        (rc = uv_listen((uv_stream_t *)&p->listener, 16, on_connection)) != 0 ||
        (rc = uv_tcp_getsockname(&p->listener, (struct sockaddr *)&bound, &len)) != 0) {
        p->closing = 1;
        uv_close((uv_handle_t *)&p->listener, listener_closed);
        return rc;
    }
    p->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
    return 0;
}

void fz_peer_close(fz_peer *p)
{
    fz_conn *c;
    if (p->closing)
        return;
    p->closing = 1;
    uv_close((uv_handle_t *)&p->listener, listener_closed);
    for (c = p->conns; c != NULL; c = c->next)
        conn_close(c);
}

int fz_peer_done(const fz_peer *p)
{
    return p->live == 0;
}

int fz_peer_ws_accept(const char *head, size_t len, char *out, size_t cap)
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    static const char name[] = "\r\nSec-WebSocket-Key:";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char buf[128];
    const char *k, *end;
    size_t i, kl;
    for (i = 0; i + sizeof(name) - 1 <= len; i++)
        if (strncasecmp(head + i, name, sizeof(name) - 1) == 0)
            break;
    if (i + sizeof(name) - 1 > len)
        return -1;
    k = head + i + sizeof(name) - 1;
    end = head + len;
    while (k < end && *k == ' ')
        k++;
    for (kl = 0; k + kl < end && k[kl] != '\r'; kl++)
        ;
    if (kl == 0 || kl + sizeof(guid) > sizeof(buf))
        return -1;
    memcpy(buf, k, kl);
    memcpy(buf + kl, guid, sizeof(guid) - 1);
    if (EVP_Digest(buf, kl + sizeof(guid) - 1, md, &mdlen, EVP_sha1(), NULL) != 1 ||
        cap < 4 * ((mdlen + 2) / 3) + 1)
        return -1;
    EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
    return 0;
}
