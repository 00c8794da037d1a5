/* Helpers for end-to-end tests that run the real binaries as processes: the emulator
 * (opensqt-emulator) and the host (opensqt run), so a test can kill -9 the host at any
 * instant, restart it and compare what it kept with the exchange's ground truth. */
#ifndef SQT_E2E_PROC_H
#define SQT_E2E_PROC_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct e2e_emu {
    pid_t pid;
    int port;
} e2e_emu;

/* Start the emulator with extra arguments (NULL-terminated), stderr to log. 0 or -1. */
int e2e_emu_start(e2e_emu *e, const char *bin, const char *const *args, const char *log);
/* SIGTERM and wait; 0 when it exited 0. */
int e2e_emu_stop(e2e_emu *e);
/* POST /_emu/line with one faults-file line; 0 when the emulator said ok. */
int e2e_emu_line(const e2e_emu *e, const char *line);
/* One blocking request to 127.0.0.1:port (any thread): GET, or POST when post is set.
 * The HTTP status and the body (free it), or -1 with nothing in *out. */
long e2e_http(int port, const char *path, const char *post, char **out);
/* GET /_emu/state (NULL on failure; json_decref it). */
json_t *e2e_emu_state(const e2e_emu *e);

/* Start `opensqt run -c cfg` (+ extra args), stdout and stderr appended to log. */
pid_t e2e_host_start(const char *bin, const char *cfg, const char *const *extra, const char *log);
/* Wait for the host to exit, at most ms; its exit status (>= 0), 128+signal, or -1 on
 * time-out (it is then killed). */
int e2e_host_wait(pid_t pid, unsigned ms);
/* SIGTERM, then wait as e2e_host_wait. */
int e2e_host_stop(pid_t pid, unsigned ms);
/* SIGKILL and reap. */
void e2e_host_kill9(pid_t pid);
/* 1 when the file contains the text (e.g. a log line); polls until ms elapsed. */
int e2e_file_wait_for(const char *path, const char *text, unsigned ms);

/* A check that also marks the run failed, so its files are kept; cond is evaluated
 * once (it may be a call with effects). */
#define E2E_CHECK(failed, cond, ...)                                                       \
    do {                                                                                   \
        int e2e_ok_ = (cond) ? 1 : 0;                                                      \
        if (!e2e_ok_) {                                                                    \
            fprintf(stderr, "    %s:%d: ", __FILE__, __LINE__);                            \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fprintf(stderr, "\n");                                                         \
            (failed) = 1;                                                                  \
        }                                                                                  \
        CU_ASSERT_TRUE(e2e_ok_);                                                           \
    } while (0)

/* The opensqt binary under test: $SQT_BIN, else "opensqt" from PATH. */
const char *e2e_host_bin(void);
/* A test's temp dir: removed, unless the run failed or SQT_E2E_KEEP is set (then its
 * path is printed). */
void e2e_dir_done(const char *dir, int failed);

uint64_t e2e_now_ms(void);
void e2e_sleep_ms(unsigned ms);
/* Decimal string -> integer at scale; INT64_MIN when absent or not exact. */
int64_t e2e_units(const char *s, int scale);

/* Our open orders (client id starting with prefix) of a state: count; the largest
 * number on one (side, price) in *max_dup. */
size_t e2e_our_open(json_t *st, const char *prefix, int *max_dup);

#endif
