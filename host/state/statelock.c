/* The book lock (statelock.h). */
#include "statelock.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

static size_t put_safe(char *out, size_t n, size_t cap, const char *s)
{
    for (; s != NULL && *s && n + 1 < cap; s++)
        out[n++] = isalnum((unsigned char)*s) || *s == '_' ? *s : '_';
    return n;
}

void sqt_state_book_name(const char *exchange, const char *account, const char *symbol,
                         const char *tag, char *out, size_t cap)
{
    size_t n = 0;
    const char *parts[4] = {exchange, account, symbol, tag};
    int i;
    if (cap == 0)
        return;
    for (i = 0; i < 4; i++) {
        if (i > 0 && n + 1 < cap)
            out[n++] = '-';
        n = put_safe(out, n, cap, parts[i]);
    }
    out[n] = '\0';
}

void sqt_state_account_id(const char *api_key, char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0, i;
    size_t n;
    if (api_key == NULL || api_key[0] == '\0' ||
        EVP_Digest(api_key, strlen(api_key), md, &len, EVP_sha256(), NULL) != 1 || len < 6) {
        snprintf(out, cap, "nokey");
        return;
    }
    n = (size_t)snprintf(out, cap, "k");
    for (i = 0; i < 6 && n + 2 < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%02x", md[i]);
    OPENSSL_cleanse(md, sizeof md);
}

int sqt_state_dir_make(const char *dir, char *err, size_t cap)
{
    char buf[4096];
    size_t i, n = strlen(dir);
    struct stat sb;
    if (n == 0 || n >= sizeof buf) {
        snprintf(err, cap, "system.state_dir: '%s' is not a usable directory name", dir);
        return -EINVAL;
    }
    memcpy(buf, dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        buf[i] = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
            int e = errno;
            snprintf(err, cap, "cannot create the state directory %s: %s", buf, strerror(e));
            return -e;
        }
        buf[i] = i < n ? '/' : '\0';
    }
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, cap, "the state directory %s is not a directory", dir);
        return -ENOTDIR;
    }
    return 0;
}

int sqt_state_lock(const char *dir, const char *book, long *holder, char *err, size_t cap)
{
    char path[4200], pid[32];
    int fd, n;
    *holder = 0;
    snprintf(path, sizeof path, "%s/%s.lock", dir, book);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int e = errno;
        snprintf(err, cap, "cannot open the lock file %s: %s", path, strerror(e));
        return -e;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            n = (int)pread(fd, pid, sizeof pid - 1, 0);
            if (n > 0) {
                pid[n] = '\0';
                *holder = strtol(pid, NULL, 10);
            }
            snprintf(err, cap, "another opensqt (PID %ld) is running this book (%s); one book, one "
                     "instance. To run two grids on one symbol give each config its own app.instance",
                     *holder, book);
        } else {
            snprintf(err, cap, "cannot lock %s: %s", path, strerror(e));
        }
        close(fd);
        return -e;
    }
    n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        /* the PID is only informative: the lock itself holds */
    }
    return fd;
}

void sqt_state_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}
