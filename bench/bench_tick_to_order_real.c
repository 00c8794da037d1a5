/* bench_tick_to_order_real: the whole product's tick -> first order request, against the
 * loopback floor, in the same run.
 *
 * The product is the real `opensqt run` process with binance.so (WebSocket reader, the
 * plugin's parse, price gate and monitor, engine, journal, executor, the request built
 * and signed, the host's HTTP client writing it). Its exchange is the emulator (Binance
 * dialect, manual price) running in this process on a peer thread, reached through a
 * byte relay on the same thread. The stamps are taken on the loopback wire between the
 * relay and the product:
 *   t0  the packet of the relay's chunk holding an aggTrade frame, to the product;
 *   t1  the packet with the first bytes of an order request (POST or DELETE of
 *       /fapi/v1/order or /fapi/v1/batchOrders) from the product.
 * By default the stamps are the kernel's, as tcpdump takes them: an AF_PACKET socket on
 * `lo` with SO_TIMESTAMPNS, whose stamp is taken when the sender's transmit hands the
 * packet to the loopback device, in the sender's context. The relay thread's own reads
 * are not used for the interval: on a 2-vCPU guest the relay is often woken onto the CPU
 * the product still holds after its send (its read lagged the kernel stamp by 57-166 us
 * at p99 here, up to 455 us in a perf sched trace). The
 * relay's read of each request is still stamped, and its delay after the kernel stamp is
 * printed. Without CAP_NET_RAW, or with SQT_BENCH_STAMPS=relay, the stamps are the
 * relay thread's (CLOCK_MONOTONIC just before it writes the aggTrade chunk, and when it
 * reads the request), and the output says so. The relay's own forwarding to the emulator
 * is outside the interval either way.
 *
 * The floor is the project's own WebSocket client (host/net/ws.c) and HTTP client
 * (host/net/http.c) on this process's main loop, answering each frame with one POST of
 * the size of the product's order request to the same path: no parser, no engine. Its
 * peer is a loopback server on the peer thread behind the same relay, stamped the same
 * way. Rounds alternate: M product ticks, then M floor ticks, R times; every tick waits
 * the same gap after the previous request (the emulator enforces Binance's order and
 * weight limits, so the product cannot be driven faster for long).
 *
 * A product tick moves the price one grid step (2998 <-> 3000 with price_interval 2):
 * the grid's buy or sell at the new price fills and the engine places its counterpart.
 *
 * Knobs: SQT_BENCH_ROUNDS (default 2), SQT_BENCH_TICKS (per round and side, default
 * 100), SQT_BENCH_GAP_MS (default 60), SQT_BENCH_KEEP=1 (keep the run's directory:
 * config, host log, event log, journal), SQT_BENCH_OPENSQT (another opensqt binary,
 * e.g. a baseline build, its plugins next to it), SQT_BENCH_STAMPS=relay (the relay
 * thread's stamps even with CAP_NET_RAW, to compare), SQT_BENCH_BLOCK (timed ticks per
 * side before the other side's turn, default 10, each block led by an untimed warm-up
 * tick; 0: a side's whole round in one block, no warm-up, as before session 11),
 * SQT_BENCH_FLOOR_WRAP=PROG (with SQT_BENCH_FLOOR_PROCESS=1: the floor's process is
 * started as PROG with the floor's command line behind it, e.g. a script that runs it
 * under valgrind). SQT_BENCH_LONG=1: 5 rounds x 600 ticks, gap
 * 110 ms (about 11 minutes; slower would exceed the emulator's 1200 orders/min). */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "bench_util.h"
#include "emulator.h"
#include "net/http.h"
#include "net/ws.h"
#include "server.h"

extern char **environ;

#define PRICE_HI "3000.00"
#define PRICE_LO "2998.00"
#define TICK_TIMEOUT_MS 1000
#define START_TIMEOUT_MS 30000

enum { SIDE_PRODUCT = 0, SIDE_FLOOR = 1 };

/* ---- the relay ------------------------------------------------------------------- */

typedef struct peer peer;

typedef struct relay_listener {
    uv_tcp_t tcp;
    peer *p;
    int up_port;
    int port;
} relay_listener;

typedef struct pending_buf {
    struct pending_buf *next;
    size_t len;
    char data[];
} pending_buf;

typedef struct relay_pair {
    struct relay_pair *next, *prev;
    peer *p;
    uv_tcp_t down;             /* the client (product or floor) */
    uv_tcp_t up;               /* the emulator or the floor server */
    uv_connect_t conn;
    int up_ready;
    int closing;
    int open_handles;
    pending_buf *held, **held_tail; /* client bytes before upstream is connected */
} relay_pair;

typedef struct write_req {
    uv_write_t w;
    uv_buf_t b;
    char data[];
} write_req;

/* ---- the peer thread ------------------------------------------------------------- */

/* The kernel's packet stamps of one tick (CLOCK_REALTIME ns; 0 = not seen yet). */
typedef struct tick_pkts {
    uint64_t t0;               /* relay -> client: the chunk holding the aggTrade frame */
    uint64_t fill;             /* relay -> product: the fill's ORDER_TRADE_UPDATE */
    uint64_t t1;               /* client -> relay: the order request's first bytes */
} tick_pkts;

struct peer {
    uv_loop_t loop;
    uv_thread_t thread;
    uv_sem_t ready;
    uv_async_t stop;
    uv_timer_t drive;
    sqt_emu *emu;
    sqt_srv *floor_srv;
    sqt_srv_conn *floor_ws;
    relay_listener rl_emu, rl_floor;
    relay_pair *pairs;         /* every open relay pair */
    int rc;
    char err[256];

    /* the run */
    long rounds, ticks, gap_ms;
    long burst;                /* SQT_BENCH_BURST: extra aggTrade frames before each tick's */
    int started;               /* the product trades; ticks may begin */
    uint64_t start_ns;
    int side;
    long block;                /* SQT_BENCH_BLOCK: timed ticks per side's block; 0: a round */
    long tick;                 /* ticks fired in the side's block, its warm-up included */
    int ticking;               /* the first tick was fired */
    int warm;                  /* this tick leads its block: sent, answered, not timed */
    long timed[2];             /* ticks fired per side, warm-ups not counted */
    int armed;                 /* a tick was sent; t0/t1 are being looked for */
    uint64_t t0, t1, t_trigger;
    uint64_t t_fill;           /* the fill's user push written to the product */
    int high;                  /* the product's price is at PRICE_HI */
    char agg_text[512];        /* the floor's frame: an aggTrade as the emulator writes it */
    size_t agg_len;
    bench_samples lat[2];
    bench_samples fill_lat;    /* product: fill push written -> order request */
    bench_samples fill_by[2];  /* the same by the order filled: [0] the buy, [1] the sell */
    bench_samples fill_gap;    /* product: aggTrade written -> fill push written */
    long missed[2];
    long no_frame[2];

    /* the kernel's stamps (kernel), else the relay's */
    const char *stamps_why;    /* the reason the relay's stamps are used */
    char stamps_err[96];
    int kernel;                /* the stamps are the kernel's */
    int pkt_fd;                /* AF_PACKET socket on lo, drained by the drive timer only:
                                * in the loop's poll set every packet (acknowledgements
                                * too) woke this thread onto the product's CPU during the
                                * tick, and the product's figure rose to the relay's */
    int closing_tick;          /* the relay saw the request; the tick's stamps are read at
                                * the next turn of the drive timer */
    uint64_t trigger_rt;       /* CLOCK_REALTIME at the tick's start: older packets are not
                                * the tick's */
    uint64_t t1_relay_rt;      /* CLOCK_REALTIME when the relay read the request */
    tick_pkts k;
    long unseen[2];            /* ticks with a request whose packets were not all seen */
    bench_samples relay_delay[2]; /* relay's read of the request - its kernel stamp */
    long pkt_seen, pkt_kernel_drops, pkt_bad_stamp;
    unsigned char pkt_buf[65536 + 256];
    atomic_int done;           /* read by the main thread */
    atomic_int fail;
};

static uint64_t now_ns(void)
{
    return bench_now_ns();
}

/* CLOCK_REALTIME in ns: the clock of the kernel's packet stamps (SO_TIMESTAMPNS). */
static uint64_t rt_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int is_order_request(const char *b, size_t n)
{
    static const char *const heads[] = {"POST /fapi/v1/order", "POST /fapi/v1/batchOrders",
                                        "DELETE /fapi/v1/order", "DELETE /fapi/v1/batchOrders"};
    size_t i;
    for (i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        size_t l = strlen(heads[i]);
        if (n >= l && memcmp(b, heads[i], l) == 0)
            return 1;
    }
    return 0;
}

static void alloc_cb(uv_handle_t *h, size_t sz, uv_buf_t *b)
{
    (void)h;
    b->base = malloc(sz);
    b->len = b->base != NULL ? sz : 0;
}

static void pair_handle_closed(uv_handle_t *h)
{
    relay_pair *rp = h->data;
    if (--rp->open_handles > 0)
        return;
    while (rp->held != NULL) {
        pending_buf *nx = rp->held->next;
        free(rp->held);
        rp->held = nx;
    }
    free(rp);
}

static void pair_close(relay_pair *rp)
{
    if (rp->closing)
        return;
    rp->closing = 1;
    if (rp->prev != NULL)
        rp->prev->next = rp->next;
    else
        rp->p->pairs = rp->next;
    if (rp->next != NULL)
        rp->next->prev = rp->prev;
    uv_close((uv_handle_t *)&rp->down, pair_handle_closed);
    uv_close((uv_handle_t *)&rp->up, pair_handle_closed);
}

static void write_done(uv_write_t *w, int status)
{
    (void)status;
    free(w->data);
}

/* Write now if the socket takes it all, else queue the rest. */
static void relay_write(relay_pair *rp, uv_tcp_t *to, const char *data, size_t n)
{
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)n);
    int w = uv_try_write((uv_stream_t *)to, &b, 1);
    write_req *wr;
    if (w == (int)n)
        return;
    if (w < 0 && w != UV_EAGAIN) {
        pair_close(rp);
        return;
    }
    if (w < 0)
        w = 0;
    wr = malloc(sizeof(*wr) + n - (size_t)w);
    if (wr == NULL) {
        pair_close(rp);
        return;
    }
    memcpy(wr->data, data + w, n - (size_t)w);
    wr->b = uv_buf_init(wr->data, (unsigned)(n - (size_t)w));
    wr->w.data = wr;
    if (uv_write(&wr->w, (uv_stream_t *)to, &wr->b, 1, write_done) != 0) {
        free(wr);
        pair_close(rp);
    }
}

static void peer_after_request(peer *p);

/* product -> upstream: the order request's arrival is t1 */
static void down_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    relay_pair *rp = s->data;
    peer *p = rp->p;
    if (n > 0 && p->armed && p->t0 != 0 && p->t1 == 0 && is_order_request(b->base, (size_t)n)) {
        p->t1 = now_ns();
        p->t1_relay_rt = rt_ns();
        peer_after_request(p);
    }
    if (n > 0 && !rp->closing) {
        if (rp->up_ready) {
            relay_write(rp, &rp->up, b->base, (size_t)n);
        } else {
            pending_buf *pb = malloc(sizeof(*pb) + (size_t)n);
            if (pb != NULL) {
                pb->next = NULL;
                pb->len = (size_t)n;
                memcpy(pb->data, b->base, (size_t)n);
                *rp->held_tail = pb;
                rp->held_tail = &pb->next;
            }
        }
    } else if (n < 0) {
        pair_close(rp);
    }
    free(b->base);
}

/* upstream -> product: an aggTrade frame written is t0 */
/* 1 when the chunk is exactly one whole unmasked text frame (a server's), so copies of
 * it are whole frames too. */
static int one_text_frame(const char *b, ssize_t n)
{
    const unsigned char *u = (const unsigned char *)b;
    size_t len;
    if (n < 2 || u[0] != 0x81 || (u[1] & 0x80) != 0)
        return 0;
    len = u[1] & 0x7f;
    if (len < 126)
        return (size_t)n == 2 + len;
    if (len == 126 && n >= 4)
        return (size_t)n == 4 + (((size_t)u[2] << 8) | u[3]);
    return 0;
}

/* SQT_BENCH_BURST: the tick's trade print arrives behind `extra` copies of itself (a
 * burst of market data read in the same wake as the fill push), in one write. */
static void write_burst(relay_pair *rp, const char *frame, size_t n, long extra)
{
    size_t i, k = (size_t)extra + 1;
    char *buf = malloc(n * k);
    if (buf == NULL) {
        relay_write(rp, &rp->down, frame, n);
        return;
    }
    for (i = 0; i < k; i++)
        memcpy(buf + i * n, frame, n);
    relay_write(rp, &rp->down, buf, n * k);
    free(buf);
}

static void up_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    relay_pair *rp = s->data;
    peer *p = rp->p;
    if (n > 0 && !rp->closing) {
        if (p->armed && p->t0 == 0 && memmem(b->base, (size_t)n, "aggTrade", 8) != NULL)
            p->t0 = now_ns();
        if (p->armed && p->t_fill == 0 && memmem(b->base, (size_t)n, "ORDER_TRADE_UPDATE", 18) != NULL)
            p->t_fill = now_ns();
        if (p->burst > 0 && p->armed && p->side == SIDE_PRODUCT && one_text_frame(b->base, n) &&
            memmem(b->base, (size_t)n, "aggTrade", 8) != NULL)
            write_burst(rp, b->base, (size_t)n, p->burst);
        else
            relay_write(rp, &rp->down, b->base, (size_t)n);
    } else if (n < 0) {
        pair_close(rp);
    }
    free(b->base);
}

static void up_connected(uv_connect_t *c, int status)
{
    relay_pair *rp = c->data;
    if (status != 0 || rp->closing) {
        pair_close(rp);
        return;
    }
    rp->up_ready = 1;
    uv_tcp_nodelay(&rp->up, 1);
    while (rp->held != NULL) {
        pending_buf *pb = rp->held;
        rp->held = pb->next;
        relay_write(rp, &rp->up, pb->data, pb->len);
        free(pb);
    }
    rp->held_tail = &rp->held;
    uv_read_start((uv_stream_t *)&rp->up, alloc_cb, up_read);
}

static void relay_accept(uv_stream_t *srv, int status)
{
    relay_listener *rl = srv->data;
    relay_pair *rp;
    struct sockaddr_in addr;
    if (status != 0)
        return;
    rp = calloc(1, sizeof(*rp));
    if (rp == NULL)
        return;
    rp->p = rl->p;
    rp->held_tail = &rp->held;
    rp->next = rl->p->pairs;
    if (rp->next != NULL)
        rp->next->prev = rp;
    rl->p->pairs = rp;
    uv_tcp_init(&rl->p->loop, &rp->down);
    uv_tcp_init(&rl->p->loop, &rp->up);
    rp->down.data = rp->up.data = rp->conn.data = rp;
    rp->open_handles = 2;
    if (uv_accept(srv, (uv_stream_t *)&rp->down) != 0) {
        pair_close(rp);
        return;
    }
    uv_tcp_nodelay(&rp->down, 1);
    uv_ip4_addr("127.0.0.1", rl->up_port, &addr);
    if (uv_tcp_connect(&rp->conn, &rp->up, (const struct sockaddr *)&addr, up_connected) != 0) {
        pair_close(rp);
        return;
    }
    uv_read_start((uv_stream_t *)&rp->down, alloc_cb, down_read);
}

static int relay_listen(peer *p, relay_listener *rl, int up_port)
{
    struct sockaddr_in addr;
    struct sockaddr_storage got;
    int len = sizeof(got), rc;
    rl->p = p;
    rl->up_port = up_port;
    uv_tcp_init(&p->loop, &rl->tcp);
    rl->tcp.data = rl;
    uv_ip4_addr("127.0.0.1", 0, &addr);
    rc = uv_tcp_bind(&rl->tcp, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&rl->tcp, 64, relay_accept);
    if (rc == 0)
        rc = uv_tcp_getsockname(&rl->tcp, (struct sockaddr *)&got, &len);
    if (rc == 0)
        rl->port = ntohs(((struct sockaddr_in *)&got)->sin_port);
    return rc;
}

/* ---- the floor's server ---------------------------------------------------------- */

static void floor_request(void *ud, sqt_srv_conn *c, const sqt_srv_request *req)
{
    (void)ud;
    (void)req;
    sqt_srv_respond(c, 200, NULL, 0, "{}", 2);
}

static void floor_open(void *ud, sqt_srv_conn *c)
{
    peer *p = ud;
    p->floor_ws = c;
}

static void floor_closed(void *ud, sqt_srv_conn *c)
{
    peer *p = ud;
    if (p->floor_ws == c)
        p->floor_ws = NULL;
}

/* ---- driving the ticks ----------------------------------------------------------- */

static void drive_cb(uv_timer_t *t);

static void schedule(peer *p, uint64_t ms)
{
    uv_timer_start(&p->drive, drive_cb, ms, 0);
}

/* One tick's interval from its stamps (the kernel's or the relay's: one clock each). */
static void tick_record(peer *p, uint64_t t0, uint64_t t_fill, uint64_t t1)
{
    if (p->warm)
        return;
    bench_samples_add(&p->lat[p->side], t1 - t0);
    if (p->side == SIDE_PRODUCT && t_fill != 0 && t_fill < t1) {
        bench_samples_add(&p->fill_lat, t1 - t_fill);
        bench_samples_add(&p->fill_by[p->high], t1 - t_fill); /* up to PRICE_HI: the sell */
        if (t_fill >= t0)
            bench_samples_add(&p->fill_gap, t_fill - t0);
    }
}

static void peer_after_request(peer *p)
{
    p->armed = 0;
    if (p->kernel)
        p->closing_tick = 1; /* its packets are read before the next tick: tick_close */
    else
        tick_record(p, p->t0, p->t_fill, p->t1);
    schedule(p, (uint64_t)p->gap_ms);
}

/* ---- the kernel's packet stamps ---------------------------------------------------- */

/* A packet between a client and the relay, by the relay's listening ports (every
 * connection a client opens to the relay has one of them as its relay end; the relay's
 * own connections upstream do not): the tick's t0, fill and t1 are its first aggTrade
 * chunk to the client, its first fill push to the product, and the first order request
 * from the client after t0. ts is the kernel's stamp. */
static void pkt_take(peer *p, const unsigned char *b, size_t n, uint64_t ts)
{
    struct iphdr ip;
    struct tcphdr th;
    const unsigned char *pay;
    size_t ihl, doff, plen;
    int relay_port = p->side == SIDE_PRODUCT ? p->rl_emu.port : p->rl_floor.port;
    uint16_t sport, dport;
    if (n < sizeof ip)
        return;
    memcpy(&ip, b, sizeof ip);
    ihl = (size_t)ip.ihl * 4u;
    if (ip.version != 4 || ip.protocol != IPPROTO_TCP || ihl < sizeof ip)
        return;
    if (ntohs(ip.tot_len) < n)
        n = ntohs(ip.tot_len);
    if (n < ihl + sizeof th)
        return;
    memcpy(&th, b + ihl, sizeof th);
    doff = (size_t)th.doff * 4u;
    if (doff < sizeof th || n <= ihl + doff)
        return; /* no payload: a handshake or an acknowledgement */
    pay = b + ihl + doff;
    plen = n - ihl - doff;
    sport = ntohs(th.source);
    dport = ntohs(th.dest);
    if (!(p->armed || p->closing_tick) || ts < p->trigger_rt)
        return; /* between ticks, or before this one began */
    if (sport == relay_port) {
        if (p->k.t0 == 0 && memmem(pay, plen, "aggTrade", 8) != NULL)
            p->k.t0 = ts;
        if (p->k.fill == 0 && memmem(pay, plen, "ORDER_TRADE_UPDATE", 18) != NULL)
            p->k.fill = ts;
    } else if (dport == relay_port) {
        if (p->k.t0 != 0 && p->k.t1 == 0 && is_order_request((const char *)pay, plen))
            p->k.t1 = ts;
    }
}

/* Everything the socket holds now, non-blocking; a packet's stamp counts, not when it is
 * read. */
static void pkt_drain(peer *p)
{
    for (;;) {
        char ctl[CMSG_SPACE(sizeof(struct timespec)) + 64];
        struct sockaddr_ll from;
        struct iovec iov = {p->pkt_buf, sizeof p->pkt_buf};
        struct msghdr mh;
        struct cmsghdr *c;
        uint64_t ts = 0;
        ssize_t n;
        memset(&mh, 0, sizeof mh);
        mh.msg_name = &from;
        mh.msg_namelen = sizeof from;
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl;
        mh.msg_controllen = sizeof ctl;
        n = recvmsg(p->pkt_fd, &mh, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return;
        p->pkt_seen++;
        for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec t;
                memcpy(&t, CMSG_DATA(c), sizeof t);
                ts = (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
            }
        }
        if (from.sll_pkttype != PACKET_OUTGOING)
            continue; /* lo shows each packet twice: the transmit copy is the one */
        if (ts == 0) {
            p->pkt_bad_stamp++;
            continue;
        }
        pkt_take(p, p->pkt_buf, (size_t)n, ts);
    }
}

/* The tick the relay saw answered: its interval from the packets' stamps, or counted as
 * unseen when one of them is missing (never timed from another clock). */
static void tick_close(peer *p)
{
    pkt_drain(p); /* while closing_tick is set: the packets are still the tick's */
    p->closing_tick = 0;
    if (p->k.t0 == 0 || p->k.t1 < p->k.t0) {
        p->unseen[p->side]++;
        return;
    }
    tick_record(p, p->k.t0, p->k.fill, p->k.t1);
    if (p->t1_relay_rt >= p->k.t1 && !p->warm)
        bench_samples_add(&p->relay_delay[p->side], p->t1_relay_rt - p->k.t1);
}

/* An AF_PACKET socket on lo with the kernel's receive stamps and a classic BPF filter
 * that passes only TCP to or from the relay's two listening ports. 0, or -errno. */
static int pkt_open(peer *p)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 13),
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 11),
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9), /* IPv4 protocol */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 9),
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6), /* a fragment has no TCP header */
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 7, 0),
        BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), /* X = IP header length */
        BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0),  /* source port */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)p->rl_emu.port, 5, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)p->rl_floor.port, 4, 0),
        BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2), /* destination port */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)p->rl_emu.port, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)p->rl_floor.port, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, 0),
        BPF_STMT(BPF_RET | BPF_K, 0x40000),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof code / sizeof code[0]), code};
    struct sockaddr_ll sll;
    int one = 1, buf = 8 << 20, err;
    /* protocol 0: nothing is queued before the filter is on and the socket bound */
    int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL); /* the transmit copies reach ETH_P_ALL taps only */
    sll.sll_ifindex = (int)if_nametoindex("lo");
    if (sll.sll_ifindex == 0 ||
        setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0 ||
        (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0 &&
         setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf) != 0) ||
        bind(fd, (struct sockaddr *)&sll, sizeof sll) != 0) {
        err = errno != 0 ? -errno : -EINVAL;
        close(fd);
        return err;
    }
    p->pkt_fd = fd;
    return 0;
}

/* Kernel stamps when the socket opens, else the relay's; stamps_why says why. */
static void pkt_start(peer *p)
{
    const char *want = getenv("SQT_BENCH_STAMPS");
    int rc;
    p->pkt_fd = -1;
    if (want != NULL && strcmp(want, "relay") == 0) {
        p->stamps_why = "SQT_BENCH_STAMPS=relay";
        return;
    }
    rc = pkt_open(p);
    if (rc == -EPERM || rc == -EACCES) {
        p->stamps_why = "no CAP_NET_RAW";
        return;
    }
    if (rc != 0) {
        snprintf(p->stamps_err, sizeof p->stamps_err, "AF_PACKET on lo: %s", strerror(-rc));
        p->stamps_why = p->stamps_err;
        return;
    }
    p->kernel = 1;
}

static void pkt_stop(peer *p)
{
    struct tpacket_stats st;
    socklen_t len = sizeof st;
    if (p->pkt_fd < 0)
        return;
    if (getsockopt(p->pkt_fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
        p->pkt_kernel_drops = (long)st.tp_drops;
    close(p->pkt_fd);
    p->pkt_fd = -1;
}

static size_t our_open_orders(peer *p)
{
    json_t *st = sqt_emu_state(p->emu);
    size_t n = st != NULL ? json_array_size(json_object_get(st, "open_orders")) : 0;
    json_decref(st);
    return n;
}

static void fire(peer *p)
{
    p->t0 = p->t1 = p->t_fill = 0;
    memset(&p->k, 0, sizeof p->k);
    p->trigger_rt = rt_ns();
    p->armed = 1;
    p->t_trigger = now_ns();
    if (p->side == SIDE_PRODUCT) {
        char line[96];
        p->high = !p->high;
        snprintf(line, sizeof line, "price {\"price\":\"%s\"}", p->high ? PRICE_HI : PRICE_LO);
        if (sqt_emu_command(p->emu, line, NULL) != 0) {
            fprintf(stderr, "bench: emulator refused '%s'\n", line);
            p->fail = 1;
        }
    } else {
        if (p->floor_ws == NULL || sqt_srv_ws_send(p->floor_ws, SQT_SRV_OP_TEXT, p->agg_text,
                                                   p->agg_len) != 0)
            p->fail = 1;
    }
    schedule(p, TICK_TIMEOUT_MS);
}

/* The sides take turns in blocks of SQT_BENCH_BLOCK timed ticks (default 10), each block
 * led by one warm-up tick that is sent and answered but not timed: a block's first tick
 * comes after the other side's ticks, and the product's work after each send (journal,
 * audit, answers) would be paid by the floor's first tick, the floor's quiet gaps by the
 * product's. Short blocks let both sides sample the same moments of the machine: this
 * guest switches between a quick and a slow mode every few seconds, and with a side's
 * whole round in one block (SQT_BENCH_BLOCK=0, as before session 11) one side could get
 * the quick mode and the other the slow one (ratios from 0.9x to 2.6x between
 * back-to-back runs of one build). Done when each side has rounds x ticks timed. */
static void next_tick(peer *p)
{
    long total = p->rounds * p->ticks;
    long len = p->block > 0 ? p->block : p->ticks;
    if (p->tick < 0) {
        p->side = SIDE_PRODUCT;
        p->tick = 0;
    } else {
        if (!p->warm)
            p->timed[p->side]++;
        p->tick++;
        if (p->tick >= (p->block > 0 ? 1 : 0) + len || p->timed[p->side] >= total) {
            p->tick = 0;
            if (p->side == SIDE_FLOOR) {
                p->side = SIDE_PRODUCT;
                if (p->timed[SIDE_FLOOR] >= total) {
                    p->done = 1;
                    return;
                }
            } else {
                p->side = SIDE_FLOOR;
            }
        }
    }
    p->warm = p->block > 0 && p->tick == 0;
    fire(p);
}

static void drive_cb(uv_timer_t *t)
{
    peer *p = t->data;
    if (p->done || p->fail)
        return;
    if (p->closing_tick)
        tick_close(p);
    else if (p->kernel)
        pkt_drain(p); /* between ticks: nothing to take, the queue kept short */
    if (!p->started) {
        /* the product is up once its grid rests on the emulator and the floor's socket is
         * open; then one second more for the start-up to settle */
        if (our_open_orders(p) >= 3 && p->floor_ws != NULL) {
            p->started = 1;
            schedule(p, 1000);
            return;
        }
        /* a manual-price emulator trades only when told: the product's first price */
        if (sqt_emu_command(p->emu, "price {\"price\":\"" PRICE_HI "\"}", NULL) != 0)
            p->fail = 1;
        if (now_ns() - p->start_ns > (uint64_t)START_TIMEOUT_MS * 1000000u) {
            fprintf(stderr, "bench: the product did not start trading (see its log)\n");
            p->fail = 1;
            return;
        }
        schedule(p, 200);
        return;
    }
    if (p->armed) { /* the time-out of a tick: no request came */
        if (p->t0 == 0)
            p->no_frame[p->side]++;
        else
            p->missed[p->side]++;
        p->armed = 0;
        schedule(p, (uint64_t)p->gap_ms);
        return;
    }
    if (!p->ticking) { /* the first tick */
        p->ticking = 1;
        p->tick = -1;
    }
    next_tick(p);
}

static void peer_closed_srv(void *ud)
{
    (void)ud;
}

static void stop_cb(uv_async_t *a)
{
    peer *p = a->data;
    uv_close((uv_handle_t *)&p->stop, NULL);
    uv_close((uv_handle_t *)&p->drive, NULL);
    uv_close((uv_handle_t *)&p->rl_emu.tcp, NULL);
    uv_close((uv_handle_t *)&p->rl_floor.tcp, NULL);
    pkt_stop(p);
    if (p->floor_srv != NULL)
        sqt_srv_close(p->floor_srv, peer_closed_srv, p);
    if (p->emu != NULL)
        sqt_emu_close(p->emu, NULL, NULL);
    while (p->pairs != NULL)
        pair_close(p->pairs);
}

static void peer_main(void *arg)
{
    peer *p = arg;
    sqt_emu_opts eo;
    sqt_srv_opts so;
    sqt_emu_opts_default(&eo);
    eo.dialect = "binance";
    eo.manual_price = 1;
    eo.ping_ms = 0;
    p->rc = sqt_emu_start(&p->loop, &eo, &p->emu, p->err, sizeof p->err);
    if (p->rc == 0) {
        memset(&so, 0, sizeof so);
        so.handlers.on_request = floor_request;
        so.handlers.on_ws_open = floor_open;
        so.handlers.on_conn_closed = floor_closed;
        so.ud = p;
        p->rc = sqt_srv_start(&p->loop, &so, &p->floor_srv);
        if (p->rc != 0)
            snprintf(p->err, sizeof p->err, "floor server: %s", sqt_strerror(p->rc));
    }
    if (p->rc == 0)
        p->rc = relay_listen(p, &p->rl_emu, sqt_emu_port(p->emu));
    if (p->rc == 0)
        p->rc = relay_listen(p, &p->rl_floor, sqt_srv_port(p->floor_srv));
    if (p->rc == 0)
        pkt_start(p);
    else
        p->pkt_fd = -1;
    uv_async_init(&p->loop, &p->stop, stop_cb);
    p->stop.data = p;
    uv_timer_init(&p->loop, &p->drive);
    p->drive.data = p;
    p->start_ns = now_ns();
    if (p->rc == 0)
        schedule(p, 50); /* wait for the product to trade, then tick */
    uv_sem_post(&p->ready);
    uv_run(&p->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&p->loop) != 0)
        fprintf(stderr, "bench: the peer loop closed with open handles\n");
}

/* ---- the floor's client (main thread) -------------------------------------------- */

typedef struct floor_client {
    uv_loop_t *loop;
    sqt_ws *ws;
    sqt_http *http;
    char url[128];
    char body[400];
    sqt_header hdr[2];
    int closed;
    long answers, errors;
    uv_timer_t watch;          /* polls the peer's end and the product's life */
    pid_t pid;
    peer *p;
    const char *dir;
    int failed;
} floor_client;

static void fc_answer(void *ud, const sqt_http_response *r)
{
    floor_client *fc = ud;
    if (r->err.code == SQT_OK)
        fc->answers++;
    else
        fc->errors++;
}

static void fc_message(void *ud, sqt_ws *ws, const char *data, size_t len, int bin)
{
    floor_client *fc = ud;
    sqt_http_request rq;
    (void)ws;
    (void)data;
    (void)len;
    (void)bin;
    memset(&rq, 0, sizeof rq);
    rq.struct_size = sizeof rq;
    rq.method = "POST";
    rq.url = fc->url;
    rq.headers = fc->hdr;
    rq.n_headers = 2;
    rq.body = fc->body;
    rq.body_len = strlen(fc->body);
    if (sqt_http_send(fc->http, &rq, fc_answer, fc, NULL) != 0)
        fc->errors++;
}

static void fc_closed(void *ud, sqt_ws *ws)
{
    floor_client *fc = ud;
    (void)ws;
    fc->closed = 1;
}

static void fc_watch(uv_timer_t *t)
{
    floor_client *fc = t->data;
    int over = atomic_load(&fc->p->done) || atomic_load(&fc->p->fail);
    if (!over && waitpid(fc->pid, NULL, WNOHANG) == fc->pid) {
        fprintf(stderr, "bench: the product exited early (see %s/host.log)\n", fc->dir);
        fc->pid = -1;
        fc->failed = 1;
        over = 1;
    }
    if (!over)
        return;
    uv_close((uv_handle_t *)&fc->watch, NULL);
    if (fc->ws != NULL)
        sqt_ws_close(fc->ws);
    if (fc->http != NULL)
        sqt_http_close(fc->http, NULL, NULL);
    fc->ws = NULL;
    fc->http = NULL;
}

/* The floor's client on loop, against the relay's floor port: a WebSocket that reads the
 * frames and an HTTP client that answers each with one POST of a signed order's size.
 * 0, or an SQT_E* code. */
static int fc_open(floor_client *fc, uv_loop_t *loop, int port)
{
    sqt_ws_options wo;
    sqt_ws_callbacks wc;
    sqt_ws_net_opts wn;
    char wsurl[128];
    int err = 0;
    memset(fc, 0, sizeof *fc);
    fc->loop = loop;
    fc->http = sqt_http_new(loop, NULL);
    snprintf(fc->url, sizeof fc->url, "http://127.0.0.1:%d/fapi/v1/order", port);
    /* a signed Binance order's size: form body and the key header */
    snprintf(fc->body, sizeof fc->body,
             "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2990.00"
             "&newClientOrderId=sqt-bench-b-000000001-x&newOrderRespType=RESULT"
             "&recvWindow=5000&timestamp=1765000000000"
             "&signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    fc->hdr[0].name = "X-MBX-APIKEY";
    fc->hdr[0].value = "emulator-key-0123456789abcdef0123456789abcdef0123456789abcdef012";
    fc->hdr[1].name = "Content-Type";
    fc->hdr[1].value = "application/x-www-form-urlencoded";
    snprintf(wsurl, sizeof wsurl, "ws://127.0.0.1:%d/market", port);
    memset(&wo, 0, sizeof wo);
    wo.struct_size = sizeof wo;
    wo.url = wsurl;
    memset(&wc, 0, sizeof wc);
    wc.struct_size = sizeof wc;
    wc.on_message = fc_message;
    wc.on_closed = fc_closed;
    memset(&wn, 0, sizeof wn);
    fc->ws = sqt_ws_open(loop, &wn, &wo, &wc, fc, &err);
    return fc->http == NULL || fc->ws == NULL ? (err ? err : SQT_ENOMEM) : 0;
}

/* SQT_BENCH_FLOOR_PROCESS: the floor's client in a process of its own (this binary run
 * with --floor-client PORT), like the product: it sleeps and wakes as the product does.
 * It runs until the bench ends it. */
static void floor_spin_cb(uv_idle_t *h)
{
    (void)h;
}

/* SQT_BENCH_FLOOR_BUSY_POLL: the floor's loop never sleeps either (an active, unref'ed
 * idle handle, as the product's system.busy_poll), for a like-for-like comparison. */
static void floor_spin(uv_loop_t *loop, uv_idle_t *spin)
{
    if (!bench_env_flag("SQT_BENCH_FLOOR_BUSY_POLL"))
        return;
    uv_idle_init(loop, spin);
    uv_idle_start(spin, floor_spin_cb);
    uv_unref((uv_handle_t *)spin);
}

/* SQT_BENCH_FLOOR_WARM=MS: the floor's HTTP client runs its request path dry every MS
 * ms (sqt_http_warm, the host's part of the product's system.keep_warm_ms), for a
 * like-for-like comparison of the part both share. */
static void floor_warm_cb(uv_timer_t *t)
{
    floor_client *fc = t->data;
    sqt_http_warm(fc->http);
}

static long floor_warm_ms(void)
{
    const char *v = getenv("SQT_BENCH_FLOOR_WARM");
    return v != NULL ? strtol(v, NULL, 10) : 0;
}

static void floor_warm(uv_loop_t *loop, uv_timer_t *t, floor_client *fc)
{
    long ms = floor_warm_ms();
    if (ms <= 0)
        return;
    uv_timer_init(loop, t);
    t->data = fc;
    uv_timer_start(t, floor_warm_cb, (uint64_t)ms, (uint64_t)ms);
    uv_unref((uv_handle_t *)t);
}

static int floor_client_main(int port)
{
    uv_loop_t loop;
    uv_idle_t spin;
    uv_timer_t warm;
    floor_client fc;
    int rc;
    uv_loop_init(&loop);
    rc = fc_open(&fc, &loop, port);
    if (rc != 0) {
        fprintf(stderr, "bench: floor client: %s\n", sqt_strerror(rc));
        return 1;
    }
    floor_spin(&loop, &spin);
    floor_warm(&loop, &warm, &fc);
    uv_run(&loop, UV_RUN_DEFAULT);
    return 0;
}

static pid_t start_floor_process(int port)
{
    char self[600], portarg[16];
    char *argv[] = {self, "--floor-client", portarg, NULL};
    const char *wrap = getenv("SQT_BENCH_FLOOR_WRAP");
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    pid_t pid = -1;
    if (n <= 0)
        return -1;
    self[n] = '\0';
    snprintf(portarg, sizeof portarg, "%d", port);
    /* SQT_BENCH_FLOOR_WRAP: PROG self --floor-client PORT (a profiler's wrapper) */
    if (wrap != NULL && wrap[0] != '\0') {
        char *wargv[] = {(char *)wrap, self, "--floor-client", portarg, NULL};
        if (posix_spawn(&pid, wrap, NULL, NULL, wargv, environ) != 0)
            return -1;
    } else if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0) {
        return -1;
    }
    return pid;
}

/* ---- the product process --------------------------------------------------------- */

/* SQT_BENCH_KEEP_WARM=MS: the product's system.keep_warm_ms (unset: its default). */
static const char *keep_warm_line(char *buf, size_t cap)
{
    const char *v = getenv("SQT_BENCH_KEEP_WARM");
    buf[0] = '\0';
    if (v != NULL && v[0] != '\0')
        snprintf(buf, cap, "  keep_warm_ms: %ld\n", strtol(v, NULL, 10));
    return buf;
}

static int write_config(const char *dir, int port)
{
    char path[600], warm[64];
    FILE *f;
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f,
            "app:\n  current_exchange: binance\n  instance: bench\n"
            "exchanges:\n  binance:\n"
            "    api_key: %s\n    secret_key: %s\n    fee_rate: 0.0002\n"
            "    rest_url: http://127.0.0.1:%d\n"
            "    ws_market_url: ws://127.0.0.1:%d/market\n"
            "    ws_private_url: ws://127.0.0.1:%d/private\n"
            "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n  order_quantity: 30\n"
            "  min_order_value: 20\n  buy_window_size: 4\n  sell_window_size: 4\n"
            "  reconcile_interval: 3600\n  rate_limit_per_sec: 1000\n  rate_limit_burst: 1000\n"
            "system:\n  log_level: INFO\n  cancel_on_exit: false\n  event_log: %s/events.jsonl\n"
            "  state_dir: %s/state\n%s%s"
            "risk_control:\n  enabled: false\n"
            "safety:\n  market_data_max_age_seconds: 0\n"
            "timing:\n  websocket_reconnect_delay: 1\n  status_print_interval: 60\n",
            SQT_EMU_DEFAULT_KEY, SQT_EMU_DEFAULT_SECRET, port, port, port, dir, dir,
            bench_env_flag("SQT_BENCH_BUSY_POLL") ? "  busy_poll: true\n" : "",
            keep_warm_line(warm, sizeof warm));
    fclose(f);
    chmod(path, 0600);
    return 0;
}

/* The product's binary: SQT_BENCH_OPENSQT (another build, e.g. a baseline, with its
 * plugins next to it), else the one built with this benchmark. */
static const char *product_bin(void)
{
    const char *b = getenv("SQT_BENCH_OPENSQT");
    return b != NULL && b[0] ? b : OPENSQT_BIN;
}

/* SQT_BENCH_PIN: online CPUs (at least 2, else pinning is off). */
static int pin_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 2 && n <= CPU_SETSIZE ? (int)n : 0;
}

/* This process (and the threads it starts after) on every CPU but the last. */
static void pin_self(void)
{
    cpu_set_t set;
    int i, n = pin_cpus();
    if (n == 0) {
        fprintf(stderr, "bench: SQT_BENCH_PIN needs 2 CPUs; not pinned\n");
        return;
    }
    CPU_ZERO(&set);
    for (i = 0; i < n - 1; i++)
        CPU_SET(i, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        perror("bench: sched_setaffinity");
}

static pid_t start_product(const char *dir)
{
    char cfg[600], logp[600];
    char *argv[] = {(char *)product_bin(), "run", "-c", cfg, NULL};
    posix_spawn_file_actions_t fa;
    pid_t pid = -1;
    snprintf(cfg, sizeof cfg, "%s/config.yaml", dir);
    snprintf(logp, sizeof logp, "%s/host.log", dir);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, logp, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (posix_spawn(&pid, product_bin(), &fa, NULL, argv, environ) != 0)
        pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    if (pid > 0 && bench_env_flag("SQT_BENCH_PIN")) {
        /* the product on the last CPU, alone (this process keeps the others) */
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(pin_cpus() - 1, &set);
        if (sched_setaffinity(pid, sizeof set, &set) != 0)
            perror("bench: sched_setaffinity (product)");
    }
    return pid;
}

static void stop_product(pid_t pid)
{
    int st, i;
    kill(pid, SIGTERM);
    for (i = 0; i < 200; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return;
        usleep(50000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
}

/* ---- results --------------------------------------------------------------------- */

/* unseen < 0: the relay's stamps (every answered tick is timed) */
static void print_side(const char *label, bench_samples *s, long missed, long no_frame,
                       long unseen)
{
    char un[48] = "";
    if (unseen >= 0)
        snprintf(un, sizeof un, ", packets unseen %ld", unseen);
    printf("  %-34s n=%-5zu p50 %8.1f us  p99 %8.1f us  p99.9 %8.1f us  (no request %ld, "
           "no frame %ld%s)\n",
           label, s->n, (double)bench_samples_pct(s, 0.50) / 1e3,
           (double)bench_samples_pct(s, 0.99) / 1e3, (double)bench_samples_pct(s, 0.999) / 1e3,
           missed, no_frame, un);
}

static double ratio(bench_samples *a, bench_samples *b, double q)
{
    uint64_t d = bench_samples_pct(b, q);
    return d == 0 ? 0.0 : (double)bench_samples_pct(a, q) / (double)d;
}

static void make_agg(peer *p)
{
    /* the shape and size of the emulator's aggTrade push (emulator/dialects/binance.c) */
    int n = snprintf(p->agg_text, sizeof p->agg_text,
                     "{\"e\":\"aggTrade\",\"E\":1765000000000,\"a\":1000,\"s\":\"ETHUSDT\","
                     "\"p\":\"2998.00\",\"q\":\"0.001\",\"nq\":\"0.001\",\"f\":3000,\"l\":3002,"
                     "\"T\":1765000000000,\"m\":false}");
    p->agg_len = n > 0 ? (size_t)n : 0;
}

int main(int argc, char **argv)
{
    static peer p;
    floor_client fc;
    uv_loop_t loop;
    char tmpl[] = "/tmp/bench_t2o_XXXXXX";
    char *dir;
    pid_t pid, floor_pid = -1;
    int err = 0, failed = 0, kernel;
    char stamps_line[160];
    if (argc == 3 && strcmp(argv[1], "--floor-client") == 0)
        return floor_client_main(atoi(argv[2]));
    size_t i;
    int keep = bench_env_flag("SQT_BENCH_KEEP");

    bench_banner("bench_tick_to_order_real",
                 "opensqt + binance.so vs ws.c + http.c: aggTrade frame -> first order request");
    memset(&p, 0, sizeof p);
    p.block = bench_env_long("SQT_BENCH_BLOCK", 10);
    p.rounds = bench_env_long("SQT_BENCH_ROUNDS", bench_env_flag("SQT_BENCH_LONG") ? 5 : 2);
    p.ticks = bench_env_long("SQT_BENCH_TICKS", bench_env_flag("SQT_BENCH_LONG") ? 600 : 100);
    p.gap_ms = bench_env_long("SQT_BENCH_GAP_MS", bench_env_flag("SQT_BENCH_LONG") ? 110 : 60);
    p.burst = bench_env_long("SQT_BENCH_BURST", 0);
    if (p.burst < 0 || p.burst > 10000) {
        fprintf(stderr, "bench: SQT_BENCH_BURST is 0-10000\n");
        return 1;
    }
    if (p.burst > 0)
        printf("  burst: each product tick's aggTrade frame comes behind %ld copies of itself\n",
               p.burst);
    if (p.rounds < 1 || p.ticks < 1 || p.gap_ms < 1 || p.block < 0) {
        fprintf(stderr, "bench: rounds, ticks and gap must be positive, the block 0 or more\n");
        return 1;
    }
    bench_samples_init(&p.lat[0], (size_t)(p.rounds * p.ticks));
    bench_samples_init(&p.lat[1], (size_t)(p.rounds * p.ticks));
    bench_samples_init(&p.fill_lat, (size_t)(p.rounds * p.ticks));
    bench_samples_init(&p.fill_gap, (size_t)(p.rounds * p.ticks));
    bench_samples_init(&p.fill_by[0], (size_t)(p.rounds * p.ticks));
    bench_samples_init(&p.fill_by[1], (size_t)(p.rounds * p.ticks));
    for (i = 0; i < 2; i++)
        bench_samples_init(&p.relay_delay[i], (size_t)(p.rounds * p.ticks));
    make_agg(&p);
    p.high = 1; /* the emulator starts at 3000.00: the first tick goes down */

    dir = mkdtemp(tmpl);
    if (dir == NULL) {
        perror("mkdtemp");
        return 1;
    }
    if (bench_env_flag("SQT_BENCH_PIN"))
        pin_self(); /* before the peer thread: it inherits the mask */
    uv_sem_init(&p.ready, 0);
    if (uv_loop_init(&p.loop) != 0 || uv_thread_create(&p.thread, peer_main, &p) != 0) {
        fprintf(stderr, "bench: cannot start the peer thread\n");
        return 1;
    }
    uv_sem_wait(&p.ready);
    if (p.rc != 0) {
        fprintf(stderr, "bench: peer: %s\n", p.err[0] ? p.err : uv_strerror(p.rc));
        uv_async_send(&p.stop);
        uv_thread_join(&p.thread);
        return 1;
    }
    if (p.block > 0)
        printf("  the sides alternate in blocks of %ld timed ticks, each led by a warm-up tick\n",
               p.block);
    else
        printf("  the sides alternate in blocks of a round each (SQT_BENCH_BLOCK=0)\n");
    printf("  rounds %ld x %ld ticks per side, gap %ld ms; relay ports %d (emulator) %d (floor); "
           "dir %s\n  product: %s%s%s (system.keep_warm_ms: %s)\n",
           p.rounds, p.ticks, p.gap_ms, p.rl_emu.port, p.rl_floor.port, dir, product_bin(),
           bench_env_flag("SQT_BENCH_BUSY_POLL") ? " (system.busy_poll: true)" : "",
           bench_env_flag("SQT_BENCH_PIN") ? " (pinned to the last CPU, the bench to the others)" : "",
           getenv("SQT_BENCH_KEEP_WARM") != NULL ? getenv("SQT_BENCH_KEEP_WARM")
                                                 : "its default");
    if (bench_env_flag("SQT_BENCH_FLOOR_PROCESS"))
        printf("  floor: its client in a process of its own, its loop %s%s\n",
               bench_env_flag("SQT_BENCH_FLOOR_BUSY_POLL") ? "never sleeping (busy poll)"
                                                            : "sleeping between frames",
               floor_warm_ms() > 0 ? ", its HTTP request path run dry every SQT_BENCH_FLOOR_WARM ms"
                                   : "");
    else if (bench_env_flag("SQT_BENCH_FLOOR_BUSY_POLL") || floor_warm_ms() > 0)
        printf("  floor: SQT_BENCH_FLOOR_BUSY_POLL and _WARM need SQT_BENCH_FLOOR_PROCESS=1: "
               "ignored\n");
    if (p.kernel)
        snprintf(stamps_line, sizeof stamps_line,
                 "kernel packet stamps on lo (AF_PACKET, SO_TIMESTAMPNS)");
    else
        snprintf(stamps_line, sizeof stamps_line, "relay thread (%s)", p.stamps_why);
    printf("  stamps: %s\n", stamps_line);
    if (write_config(dir, p.rl_emu.port) != 0 || (pid = start_product(dir)) < 0) {
        fprintf(stderr, "bench: cannot start %s\n", product_bin());
        uv_async_send(&p.stop);
        uv_thread_join(&p.thread);
        return 1;
    }

    /* the floor's client: on this thread's loop, or in a process of its own */
    uv_loop_init(&loop);
    if (bench_env_flag("SQT_BENCH_FLOOR_PROCESS")) {
        memset(&fc, 0, sizeof fc);
        floor_pid = start_floor_process(p.rl_floor.port);
        if (floor_pid < 0) {
            fprintf(stderr, "bench: cannot start the floor's process\n");
            failed = 1;
        }
    } else if ((err = fc_open(&fc, &loop, p.rl_floor.port)) != 0) {
        fprintf(stderr, "bench: floor client: %s\n", sqt_strerror(err));
        failed = 1;
    }

    /* the main loop serves the floor's client until the peer says the run is over */
    if (!failed) {
        fc.pid = pid;
        fc.p = &p;
        fc.dir = dir;
        uv_timer_init(&loop, &fc.watch);
        fc.watch.data = &fc;
        uv_timer_start(&fc.watch, fc_watch, 50, 50);
        uv_run(&loop, UV_RUN_DEFAULT);
        pid = fc.pid;
        failed = fc.failed || atomic_load(&p.fail);
    }
    if (pid > 0)
        stop_product(pid);
    if (floor_pid > 0) {
        kill(floor_pid, SIGKILL);
        waitpid(floor_pid, NULL, 0);
    }
    if (failed) {
        if (fc.ws != NULL)
            sqt_ws_close(fc.ws);
        if (fc.http != NULL)
            sqt_http_close(fc.http, NULL, NULL);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0)
        fprintf(stderr, "bench: the client loop closed with open handles\n");
    uv_async_send(&p.stop);
    uv_thread_join(&p.thread);

    kernel = p.kernel;
    print_side("product: aggTrade -> order request", &p.lat[SIDE_PRODUCT], p.missed[0],
               p.no_frame[0], kernel ? p.unseen[0] : -1);
    print_side("floor: ws.c + http.c, one POST", &p.lat[SIDE_FLOOR], p.missed[1], p.no_frame[1],
               kernel ? p.unseen[1] : -1);
    printf("  of the product's time:\n");
    print_side("  emulator: aggTrade -> fill push", &p.fill_gap, 0, 0, -1);
    print_side("  host: fill push -> order request", &p.fill_lat, 0, 0, -1);
    print_side("    of which a buy filled", &p.fill_by[0], 0, 0, -1);
    print_side("    of which a sell filled", &p.fill_by[1], 0, 0, -1);
    printf("  host share / floor                 p50 %.2fx  p99 %.2fx  p99.9 %.2fx\n",
           ratio(&p.fill_lat, &p.lat[1], 0.5), ratio(&p.fill_lat, &p.lat[1], 0.99),
           ratio(&p.fill_lat, &p.lat[1], 0.999));
    printf("  product / floor                    p50 %.2fx  p99 %.2fx  p99.9 %.2fx\n",
           ratio(&p.lat[0], &p.lat[1], 0.5), ratio(&p.lat[0], &p.lat[1], 0.99),
           ratio(&p.lat[0], &p.lat[1], 0.999));
    printf("  product - floor                    p50 %.1f us\n",
           ((double)bench_samples_pct(&p.lat[0], 0.5) - (double)bench_samples_pct(&p.lat[1], 0.5)) /
               1e3);
    if (kernel) {
        /* what the relay thread's stamp of the same request added: its read came late */
        printf("  relay's read of the request - its kernel stamp (the delay the relay's stamps "
               "included):\n");
        print_side("  product", &p.relay_delay[SIDE_PRODUCT], 0, 0, -1);
        print_side("  floor", &p.relay_delay[SIDE_FLOOR], 0, 0, -1);
        printf("  packets read %ld, dropped by the kernel %ld, without a stamp %ld\n",
               p.pkt_seen, p.pkt_kernel_drops, p.pkt_bad_stamp);
    }
    printf("  stamps: %s\n", stamps_line);
    for (i = 0; i < 2; i++) {
        bench_samples_free(&p.lat[i]);
        bench_samples_free(&p.relay_delay[i]);
    }
    bench_samples_free(&p.fill_lat);
    bench_samples_free(&p.fill_gap);
    bench_samples_free(&p.fill_by[0]);
    bench_samples_free(&p.fill_by[1]);
    if (!keep && !failed) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench: could not remove %s\n", dir);
    } else {
        printf("  kept %s\n", dir);
    }
    return failed;
}
