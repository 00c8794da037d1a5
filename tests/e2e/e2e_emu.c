/* Helpers of the end-to-end tests (e2e_emu.h). */
#define _GNU_SOURCE
#include "e2e_emu.h"
#include "e2e_proc.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The clock, the sleep and the request are e2e_proc's (one of each for every e2e test). */
uint64_t mono_ms(void)
{
    return e2e_now_ms();
}

void sleep_ms(unsigned ms)
{
    e2e_sleep_ms(ms);
}

long emu_http(int port, const char *path, const char *post, char **out)
{
    return e2e_http(port, path, post, out);
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
