/* Process helpers for end-to-end tests (e2e_proc.h). */
#define _GNU_SOURCE
#include "e2e_proc.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <opensqt/plugin.h>

const char *e2e_host_bin(void)
{
    const char *b = getenv("SQT_BIN");
    return b != NULL ? b : "opensqt";
}

void e2e_dir_done(const char *dir, int failed)
{
    char cmd[600];
    if (failed || getenv("SQT_E2E_KEEP") != NULL) {
        fprintf(stderr, "    files kept in %s\n", dir);
        return;
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "    could not remove %s\n", dir);
}

uint64_t e2e_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void e2e_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int64_t e2e_units(const char *s, int scale)
{
    sqt_dec d, r;
    if (s == NULL || sqt_dec_parse(s, strlen(s), &d) != SQT_OK || sqt_dec_rescale(d, scale, &r) != SQT_OK)
        return INT64_MIN;
    return r.mant;
}

static pid_t spawn(const char *bin, const char *const *argv, const char *log, int out_fd)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
        if (out_fd >= 0)
            dup2(out_fd, 1);
        else if (fd >= 0)
            dup2(fd, 1);
        if (fd >= 0)
            dup2(fd, 2);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
}

int e2e_emu_start(e2e_emu *e, const char *bin, const char *const *args, const char *log)
{
    const char *argv[40] = {"opensqt-emulator", "--dialect", "binance", "--port", "0", "--verbose"};
    size_t n = 6, i;
    int out[2];
    FILE *f;
    char line[160] = "";
    for (i = 0; args != NULL && args[i] != NULL && n < 38; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    memset(e, 0, sizeof *e);
    if (pipe2(out, O_CLOEXEC) != 0)
        return -1;
    e->pid = spawn(bin, argv, log, out[1]);
    close(out[1]);
    if (e->pid < 0) {
        close(out[0]);
        return -1;
    }
    f = fdopen(out[0], "r");
    if (f == NULL || fgets(line, sizeof line, f) == NULL ||
        sscanf(line, "listening on 127.0.0.1:%d", &e->port) != 1 || e->port <= 0) {
        fprintf(stderr, "    emulator did not start: '%s' (see %s)\n", line, log);
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

int e2e_host_wait(pid_t pid, unsigned ms)
{
    uint64_t end = e2e_now_ms() + ms;
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0)
            return -1;
        if (e2e_now_ms() >= end) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        e2e_sleep_ms(20);
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

int e2e_emu_stop(e2e_emu *e)
{
    int rc;
    if (e->pid <= 0)
        return -1;
    kill(e->pid, SIGTERM);
    rc = e2e_host_wait(e->pid, 5000);
    e->pid = 0;
    return rc == 0 ? 0 : -1;
}

pid_t e2e_host_start(const char *bin, const char *cfg, const char *const *extra, const char *log)
{
    const char *argv[24] = {"opensqt", "run", "-c", cfg};
    size_t n = 4, i;
    for (i = 0; extra != NULL && extra[i] != NULL && n < 22; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    return spawn(bin, argv, log, -1);
}

int e2e_host_stop(pid_t pid, unsigned ms)
{
    kill(pid, SIGTERM);
    return e2e_host_wait(pid, ms);
}

void e2e_host_kill9(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

typedef struct body {
    char *p;
    size_t n;
} body;

static size_t on_body(char *d, size_t sz, size_t nm, void *ud)
{
    body *b = ud;
    size_t add = sz * nm;
    char *p = realloc(b->p, b->n + add + 1);
    if (p == NULL)
        return 0;
    memcpy(p + b->n, d, add);
    b->n += add;
    p[b->n] = '\0';
    b->p = p;
    return add;
}

long e2e_http(int port, const char *path, const char *post, char **out)
{
    CURL *c = curl_easy_init();
    body b = {NULL, 0};
    char url[256];
    long status = -1;
    *out = NULL;
    if (c == NULL)
        return -1;
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    if (post != NULL)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (status < 0)
        free(b.p);
    else
        *out = b.p;
    return status;
}

int e2e_emu_line(const e2e_emu *e, const char *line)
{
    char *out = NULL;
    long st = e2e_http(e->port, "/_emu/line", line, &out);
    int ok = st == 200 && out != NULL && strstr(out, "\"ok\":true") != NULL;
    if (!ok)
        fprintf(stderr, "    emulator refused '%s': %ld %s\n", line, st, out ? out : "");
    free(out);
    return ok ? 0 : -1;
}

json_t *e2e_emu_state(const e2e_emu *e)
{
    char *out = NULL;
    json_t *j = NULL;
    if (e2e_http(e->port, "/_emu/state", NULL, &out) == 200 && out != NULL)
        j = json_loads(out, 0, NULL);
    free(out);
    return j;
}

int e2e_file_wait_for(const char *path, const char *text, unsigned ms)
{
    uint64_t end = e2e_now_ms() + ms;
    do {
        FILE *f = fopen(path, "r");
        char line[2048];
        int hit = 0;
        if (f != NULL) {
            while (!hit && fgets(line, sizeof line, f) != NULL)
                hit = strstr(line, text) != NULL;
            fclose(f);
        }
        if (hit)
            return 1;
        e2e_sleep_ms(25);
    } while (e2e_now_ms() < end);
    return 0;
}

size_t e2e_our_open(json_t *st, const char *prefix, int *max_dup)
{
    json_t *oo = json_object_get(st, "open_orders"), *o;
    size_t i, j, n = 0, plen = strlen(prefix);
    if (max_dup)
        *max_dup = 0;
    json_array_foreach(oo, i, o) {
        const char *cid = json_string_value(json_object_get(o, "client_id"));
        int same = 0;
        if (cid == NULL || strncmp(cid, prefix, plen) != 0)
            continue;
        n++;
        for (j = 0; j < json_array_size(oo); j++) {
            json_t *p = json_array_get(oo, j);
            const char *c2 = json_string_value(json_object_get(p, "client_id"));
            if (c2 != NULL && strncmp(c2, prefix, plen) == 0 &&
                json_equal(json_object_get(p, "side"), json_object_get(o, "side")) &&
                json_equal(json_object_get(p, "price"), json_object_get(o, "price")))
                same++;
        }
        if (max_dup && same > *max_dup)
            *max_dup = same;
    }
    return n;
}
