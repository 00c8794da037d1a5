/* Helpers for the network tests: run a loop until a condition or a deadline, drain a
 * loop at the end of a test, count open fds, and a throwaway PKI made at test time. */
#ifndef SQT_NET_TEST_H
#define SQT_NET_TEST_H

#include <stdint.h>

#include <uv.h>

typedef struct net_guard {
    uv_timer_t t;
    int expired;
} net_guard;

void net_guard_start(uv_loop_t *loop, net_guard *g, uint64_t ms);
void net_guard_stop(net_guard *g);

/* Run the loop until `cond` holds or `ms` passed (check cond afterwards). */
#define NET_RUN_UNTIL(loop, cond, ms)                                        \
    do {                                                                     \
        net_guard g_;                                                        \
        net_guard_start((loop), &g_, (ms));                                  \
        while (!(cond) && !g_.expired)                                       \
            uv_run((loop), UV_RUN_ONCE);                                     \
        net_guard_stop(&g_);                                                 \
    } while (0)

/* Run until nothing is left on the loop (at most ms), then close it: returns
 * uv_loop_close()'s result, 0 when everything was closed. */
int net_loop_finish(uv_loop_t *loop, uint64_t ms);

/* Open file descriptors of this process (/proc/self/fd). */
int net_count_fds(void);

/* A CA and two server certificates signed by it, in a temporary directory:
 * cert/key for DNS:localhost + IP:127.0.0.1, wrong_cert/wrong_key for wrong.example. */
typedef struct net_pki {
    char dir[64];
    char ca[128];
    char cert[128], key[128];
    char wrong_cert[128], wrong_key[128];
} net_pki;

int net_pki_make(net_pki *p);
void net_pki_remove(const net_pki *p);

#endif
