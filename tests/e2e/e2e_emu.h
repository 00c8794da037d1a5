/* What the end-to-end tests share: a monotonic clock, a sleep that survives signals,
 * one blocking request to the emulator's control endpoint on 127.0.0.1, and a look
 * into the log files a run leaves. */
#ifndef SQT_E2E_EMU_H
#define SQT_E2E_EMU_H

#include <stddef.h>
#include <stdint.h>

uint64_t mono_ms(void);
void sleep_ms(unsigned ms);
/* GET (post == NULL) or POST `path` on 127.0.0.1:port, 5 s at most. Returns the HTTP
 * status with the body in *out (malloc'd, caller frees), or -1 with nothing in *out.
 * Any thread (libcurl easy handle, no signals). */
long emu_http(int port, const char *path, const char *post, char **out);

/* 1 when a line of the file holds `needle`; with out, that (first) line is copied
 * there (empty when none). */
int file_line(const char *path, const char *needle, char *out, size_t cap);
int file_has(const char *path, const char *needle);

#endif
