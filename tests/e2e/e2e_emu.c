/* Helpers of the end-to-end tests (e2e_emu.h). */
#define _GNU_SOURCE
#include "e2e_emu.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
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

long emu_http(int port, const char *path, const char *post, char **out)
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

int file_line(const char *path, const char *needle, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int found = 0;
    if (out != NULL && cap > 0)
        out[0] = '\0';
    if (f == NULL)
        return 0;
    while (!found && fgets(line, sizeof line, f))
        if (strstr(line, needle) != NULL) {
            if (out != NULL && cap > 0)
                snprintf(out, cap, "%s", line);
            found = 1;
        }
    fclose(f);
    return found;
}

int file_has(const char *path, const char *needle)
{
    return file_line(path, needle, NULL, 0);
}
