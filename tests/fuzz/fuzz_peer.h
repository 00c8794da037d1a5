/* A raw loopback peer for the network fuzz targets: listens on a 127.0.1.x address
 * (ephemeral port), reads each client's request head (up to the blank line), writes whatever the
 * target's answer hook returns, byte for byte, then half-closes (FIN) and reads and
 * discards until the client closes. No HTTP or WebSocket logic of its own, so every
 * byte the client parses comes from the fuzz input, and the FIN-then-drain close never
 * turns into a reset that would make a run depend on timing.
 *
 * Each peer takes the next of 254 loopback addresses: the peer closes first, so every
 * run leaves a TIME_WAIT socket for 60 s, and at a few hundred runs a second one
 * address would run out of ports (bind or connect then fails, a false crash).
 * Every close callback of the peer calls uv_stop(), so a caller running the loop with
 * UV_RUN_ONCE until fz_peer_done() does not sit in a blocking poll. */
#ifndef SQT_FUZZ_PEER_H
#define SQT_FUZZ_PEER_H

#include <stddef.h>

#include <uv.h>

typedef struct fz_peer fz_peer;

/* The bytes to send for a request head (not NUL-terminated); malloc'ed, or NULL to
 * send nothing. */
typedef char *(*fz_peer_answer_fn)(void *ud, const char *head, size_t head_len,
                                   size_t *out_len);

struct fz_peer {
    uv_loop_t *loop;
    uv_tcp_t listener;
    char host[16];             /* "127.0.1.x": put it in the client's URL */
    int port;
    int live;                  /* handles not yet closed (listener + connections) */
    int closing;
    fz_peer_answer_fn answer;
    void *ud;
    struct fz_conn *conns;
};

/* 0, or a libuv error. */
int fz_peer_start(uv_loop_t *loop, fz_peer *p, fz_peer_answer_fn answer, void *ud);
/* Close the listener and every connection; run the loop until fz_peer_done(). */
void fz_peer_close(fz_peer *p);
int fz_peer_done(const fz_peer *p);

/* Sec-WebSocket-Accept for the Sec-WebSocket-Key in a request head; -1 if none. */
int fz_peer_ws_accept(const char *head, size_t len, char *out, size_t cap);

#endif
