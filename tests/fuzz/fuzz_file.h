/* Scratch file for fuzz targets whose parser reads a file: one per process, rewritten
 * for every input, removed at exit. Each target includes this once. */
#ifndef SQT_FUZZ_FILE_H
#define SQT_FUZZ_FILE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char g_path[64];

static void remove_file(void)
{
    if (g_path[0] != '\0')
        unlink(g_path);
}

/* Write data to the scratch file (created from `tmpl`, a mkstemp template, on first
 * use). 0 or -1. */
static int fz_write_file(const char *tmpl, const void *data, size_t size)
{
    FILE *f;
    if (g_path[0] == '\0') {
        int fd;
        snprintf(g_path, sizeof(g_path), "%s", tmpl);
        fd = mkstemp(g_path);
        if (fd < 0) {
            g_path[0] = '\0';
            return -1;
        }
        close(fd);
        atexit(remove_file);
    }
    f = fopen(g_path, "wb");
    if (f == NULL)
        return -1;
    if (size > 0 && fwrite(data, 1, size, f) != size) {
        fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

#endif
