/* Plugin loader. See plugin.h. */
#include "plugin.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "build_config.h"

#define SQT_PLUGIN_NAME_MAX 32
/* A descriptor or table claiming more than this is garbage, not a future version. */
#define SQT_PLUGIN_SANE_SIZE 4096u

typedef void (*sqt_any_fn)(void);

/* What the host reads of the descriptor: everything up to the exchange table. */
#define SQT_PLUGIN_DESC_MIN (offsetof(sqt_plugin, exchange) + sizeof(const void *))
/* The exchange table of ABI 1.0 ends with subscribe_klines; later minors append. */
#define SQT_EXCHANGE_API_V1_0_SIZE \
    (offsetof(sqt_exchange_api, subscribe_klines) + sizeof(sqt_any_fn))

/* Every function of the 1.0 table is mandatory: a plugin that cannot do something
 * returns SQT_ENOTSUP, so the host never has to test for NULL. */
static const struct {
    const char *name;
    size_t off;
} sqt_plugin_mandatory[] = {
#define SQT_FN(m) {#m, offsetof(sqt_exchange_api, m)}
    SQT_FN(create),          SQT_FN(shutdown),         SQT_FN(destroy),
    SQT_FN(symbol_info),     SQT_FN(account),          SQT_FN(positions),
    SQT_FN(open_orders),     SQT_FN(query_order),      SQT_FN(place_orders),
    SQT_FN(cancel_orders),   SQT_FN(cancel_own),       SQT_FN(klines),
    SQT_FN(subscribe_price), SQT_FN(subscribe_orders), SQT_FN(subscribe_klines),
#undef SQT_FN
};

int sqt_plugin_name_valid(const char *name)
{
    size_t i;
    if (name == NULL || !(name[0] >= 'a' && name[0] <= 'z'))
        return 0;
    for (i = 1; name[i] != '\0'; i++) {
        char c = name[i];
        if (i >= SQT_PLUGIN_NAME_MAX)
            return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

int sqt_plugin_abi_compatible_with(uint32_t host_maj, uint32_t host_min, uint32_t maj,
                                   uint32_t min, char *why, size_t cap)
{
    if (maj == host_maj && min <= host_min)
        return 1;
    if (why != NULL && cap > 0)
        snprintf(why, cap, "SDK ABI %u.%u, this host supports %u.%u (same major, minor <= %u)",
                 (unsigned)maj, (unsigned)min, (unsigned)host_maj, (unsigned)host_min,
                 (unsigned)host_min);
    return 0;
}

int sqt_plugin_abi_compatible(uint32_t maj, uint32_t min, char *why, size_t cap)
{
    return sqt_plugin_abi_compatible_with(SQT_PLUGIN_ABI_MAJOR, SQT_PLUGIN_ABI_MINOR, maj,
                                          min, why, cap);
}

/* ---- directory resolution --------------------------------------------------------- */

static int copy_out(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s);
    if (n + 1 > cap)
        return -1;
    memcpy(out, s, n + 1);
    return 0;
}

int sqt_plugin_resolve_dir(const char *cli_dir, const char *cfg_dir, char *out, size_t cap)
{
    const char *env = getenv("OPENSQT_PLUGIN_DIR");
    char exe[PATH_MAX], joined[PATH_MAX + 64], real[PATH_MAX];
    size_t n = sizeof(exe);
    char *slash;
    int len;

    if (out == NULL || cap == 0)
        return -1;
    if (cli_dir != NULL && cli_dir[0] != '\0')
        return copy_out(cli_dir, out, cap);
    if (env != NULL && env[0] != '\0')
        return copy_out(env, out, cap);
    if (cfg_dir != NULL && cfg_dir[0] != '\0')
        return copy_out(cfg_dir, out, cap);
    if (SQT_DEFAULT_PLUGIN_DIR[0] != '\0')
        return copy_out(SQT_DEFAULT_PLUGIN_DIR, out, cap);

    if (uv_exepath(exe, &n) != 0 || n == 0)
        return -1;
    slash = strrchr(exe, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0';
    len = snprintf(joined, sizeof(joined), "%s/%s", exe, SQT_REL_PLUGIN_DIR);
    if (len < 0 || (size_t)len >= sizeof(joined))
        return -1;
    /* Fold the "../lib/..." for readable messages; keep the raw join if it is absent. */
    if (realpath(joined, real) != NULL)
        return copy_out(real, out, cap);
    return copy_out(joined, out, cap);
}

/* ---- directory scan ---------------------------------------------------------------- */

static int is_so_entry(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 3 && strcmp(d->d_name + n - 3, ".so") == 0;
}

/* Byte order, not the locale's collation: the listing is the same everywhere. */
static int cmp_entry(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int scan_dir(const char *dir, struct dirent ***out)
{
    int n = scandir(dir, out, is_so_entry, cmp_entry);
    return n < 0 ? -errno : n;
}

static void free_scan(struct dirent **ents, int n)
{
    int i;
    for (i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
}

/* "plugin 'x' not found in DIR (available: a, b)" */
static void not_found(const char *dir, const char *name, char *err, size_t errlen)
{
    struct dirent **ents = NULL;
    char names[512];
    size_t used = 0;
    int n = scan_dir(dir, &ents), i, listed = 0;

    if (n < 0) {
        snprintf(err, errlen, "plugin '%s' not found: plugin directory %s cannot be read: %s",
                 name, dir, strerror(-n));
        return;
    }
    names[0] = '\0';
    for (i = 0; i < n; i++) {
        char base[NAME_MAX + 1];
        size_t len = strlen(ents[i]->d_name) - 3;
        int w;
        memcpy(base, ents[i]->d_name, len);
        base[len] = '\0';
        if (!sqt_plugin_name_valid(base))
            continue;
        w = snprintf(names + used, sizeof(names) - used, "%s%s", listed ? ", " : "", base);
        if (w < 0 || used + (size_t)w + sizeof(", ...") > sizeof(names)) {
            /* keep the message one readable line; room for the marker is reserved */
            memcpy(names + used, ", ...", sizeof(", ..."));
            break;
        }
        used += (size_t)w;
        listed++;
    }
    free_scan(ents, n);
    if (listed == 0)
        snprintf(err, errlen, "plugin '%s' not found: no plugins in %s", name, dir);
    else
        snprintf(err, errlen, "plugin '%s' not found in %s (available: %s)", name, dir, names);
}

/* ---- loading ----------------------------------------------------------------------- */

/* A string that came from a plugin, made printable and short for a one-line message. */
static const char *printable(const char *s, char *buf, size_t cap)
{
    size_t i;
    if (s == NULL)
        return "(null)";
    for (i = 0; i + 1 < cap && s[i] != '\0'; i++)
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    buf[i] = '\0';
    return buf;
}

static int check_exchange(const char *name, const sqt_exchange_api *ex, char *err,
                          size_t errlen)
{
    size_t i;
    if (ex == NULL) {
        snprintf(err, errlen, "plugin '%s' has no exchange table", name);
        return -1;
    }
    if (ex->struct_size < SQT_EXCHANGE_API_V1_0_SIZE || ex->struct_size > SQT_PLUGIN_SANE_SIZE) {
        snprintf(err, errlen,
                 "plugin '%s': exchange table struct_size %zu is invalid (ABI 1.0 needs %zu..%u)",
                 name, ex->struct_size, (size_t)SQT_EXCHANGE_API_V1_0_SIZE,
                 SQT_PLUGIN_SANE_SIZE);
        return -1;
    }
    for (i = 0; i < sizeof(sqt_plugin_mandatory) / sizeof(sqt_plugin_mandatory[0]); i++) {
        sqt_any_fn fn;
        memcpy(&fn, (const char *)ex + sqt_plugin_mandatory[i].off, sizeof(fn));
        if (fn == NULL) {
            snprintf(err, errlen,
                     "plugin '%s': exchange table lacks the mandatory function %s() "
                     "(return SQT_ENOTSUP instead)",
                     name, sqt_plugin_mandatory[i].name);
            return -1;
        }
    }
    return 0;
}

/* The descriptor, field by field in the order the SDK guarantees them. */
static int check_desc(const char *name, const sqt_plugin *d, char *err, size_t errlen)
{
    char why[160], a[72];

    if (!sqt_plugin_abi_compatible(d->abi_major, d->abi_minor, why, sizeof(why))) {
        snprintf(err, errlen, "plugin '%s' was built for %s", name, why);
        return -1;
    }
    if (d->struct_size < SQT_PLUGIN_DESC_MIN || d->struct_size > SQT_PLUGIN_SANE_SIZE) {
        snprintf(err, errlen, "plugin '%s': descriptor struct_size %zu is invalid (%zu..%u)",
                 name, d->struct_size, (size_t)SQT_PLUGIN_DESC_MIN, SQT_PLUGIN_SANE_SIZE);
        return -1;
    }
    if (d->build_signature == NULL || strcmp(d->build_signature, SQT_BUILD_SIGNATURE) != 0) {
        snprintf(err, errlen,
                 "plugin '%s' has build signature '%s', this host has '%s' "
                 "(rebuild the plugin against this SDK)",
                 name, printable(d->build_signature, a, sizeof(a)), SQT_BUILD_SIGNATURE);
        return -1;
    }
    if (d->name == NULL || strcmp(d->name, name) != 0) {
        snprintf(err, errlen, "plugin file '%s.so' declares the name '%s' (they must match)",
                 name, printable(d->name, a, sizeof(a)));
        return -1;
    }
    if (d->version == NULL || d->version[0] == '\0') {
        snprintf(err, errlen, "plugin '%s' declares no version", name);
        return -1;
    }
    return check_exchange(name, d->exchange, err, errlen);
}

/* ---- trust ------------------------------------------------------------------------- */

/* One file or directory: owned by us or root, not writable by group or others. A
 * world-writable directory with the sticky bit (/tmp) is still refused: anyone may
 * add a file there. */
static int trust_one(const char *what, const char *path, char *err, size_t errlen)
{
    struct stat st;
    uid_t me = geteuid();
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "cannot check the %s %s: %s", what, path, strerror(errno));
        return -1;
    }
    if (st.st_uid != me && st.st_uid != 0) {
        snprintf(err, errlen,
                 "refusing to load a plugin: the %s %s is owned by uid %u, not by this user "
                 "(uid %u) or root; it would be handed the API secret (fix: chown %u %s)",
                 what, path, (unsigned)st.st_uid, (unsigned)me, (unsigned)me, path);
        return -1;
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        snprintf(err, errlen,
                 "refusing to load a plugin: the %s %s is writable by %s (mode %04o); it "
                 "would be handed the API secret (fix: chmod go-w %s)",
                 what, path,
                 (st.st_mode & S_IWOTH) ? ((st.st_mode & S_IWGRP) ? "group and others" : "others")
                                        : "group",
                 (unsigned)(st.st_mode & 07777), path);
        return -1;
    }
    return 0;
}

int sqt_plugin_check_trust(const char *dir, const char *path, char *err, size_t errlen)
{
    char real[PATH_MAX], rdir[PATH_MAX], *slash;
    if (trust_one("plugin directory", dir, err, errlen) != 0)
        return -1;
    /* A symlink is judged by what it points to, and so is that file's directory. */
    if (realpath(path, real) == NULL) {
        snprintf(err, errlen, "cannot check the plugin file %s: %s", path, strerror(errno));
        return -1;
    }
    if (trust_one("plugin file", real, err, errlen) != 0)
        return -1;
    memcpy(rdir, real, sizeof(rdir));
    slash = strrchr(rdir, '/');
    if (slash != NULL && slash != rdir) {
        *slash = '\0';
        if (realpath(dir, real) == NULL || strcmp(real, rdir) != 0)
            return trust_one("plugin directory", rdir, err, errlen);
    }
    return 0;
}

int sqt_plugin_load(const char *dir, const char *name, sqt_loaded_plugin *out, char *err,
                    size_t errlen)
{
    char path[PATH_MAX], shown[72];
    struct stat st;
    sqt_plugin_entry_fn entry;
    const sqt_plugin *desc;
    void *dl, *sym;
    const char *dlerr;
    int n;

    if (out == NULL || err == NULL || errlen == 0)
        return -1;
    memset(out, 0, sizeof(*out));
    err[0] = '\0';
    /* Before any filesystem access: a name like "../x" must never become a path. */
    if (!sqt_plugin_name_valid(name)) {
        snprintf(err, errlen, "invalid plugin name '%s' (expected [a-z][a-z0-9_]{0,31})",
                 printable(name, shown, sizeof(shown)));
        return -1;
    }
    if (dir == NULL || dir[0] == '\0') {
        snprintf(err, errlen, "plugin '%s': no plugin directory", name);
        return -1;
    }
    n = snprintf(path, sizeof(path), "%s/%s.so", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        snprintf(err, errlen, "plugin '%s': plugin directory path too long", name);
        return -1;
    }
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            not_found(dir, name, err, errlen);
        else
            snprintf(err, errlen, "plugin '%s': cannot access %s: %s", name, path,
                     strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "plugin '%s': %s is not a regular file", name, path);
        return -1;
    }
    if (sqt_plugin_check_trust(dir, path, err, errlen) != 0)
        return -1;

    dlerror();
    dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL) {
        dlerr = dlerror();
        snprintf(err, errlen, "cannot load plugin '%s': %s", name,
                 dlerr ? dlerr : "dlopen failed");
        return -1;
    }
    dlerror();
    sym = dlsym(dl, SQT_PLUGIN_ENTRY_SYMBOL);
    if (sym == NULL) {
        snprintf(err, errlen, "%s is not an OpenSQT plugin (no '%s' symbol)", path,
                 SQT_PLUGIN_ENTRY_SYMBOL);
        dlclose(dl);
        return -1;
    }
    /* POSIX guarantees data and function pointers convert; memcpy keeps -Wpedantic quiet */
    memcpy(&entry, &sym, sizeof(entry));
    desc = entry();
    if (desc == NULL) {
        snprintf(err, errlen, "plugin '%s': %s() returned no descriptor", name,
                 SQT_PLUGIN_ENTRY_SYMBOL);
        dlclose(dl);
        return -1;
    }
    if (check_desc(name, desc, err, errlen) != 0) {
        dlclose(dl);
        return -1;
    }

    out->path = strdup(path);
    out->name = strdup(name);
    if (out->path == NULL || out->name == NULL) {
        free(out->path);
        free(out->name);
        memset(out, 0, sizeof(*out));
        dlclose(dl);
        snprintf(err, errlen, "plugin '%s': out of memory", name);
        return -1;
    }
    out->dl = dl;
    out->desc = desc;
    return 0;
}

void sqt_plugin_unload(sqt_loaded_plugin *p)
{
    if (p == NULL)
        return;
    if (p->dl != NULL)
        dlclose(p->dl);
    free(p->path);
    free(p->name);
    memset(p, 0, sizeof(*p));
}

void sqt_plugin_describe(const sqt_loaded_plugin *p, char *buf, size_t cap)
{
    char v[40];
    if (buf == NULL || cap == 0)
        return;
    if (p == NULL || p->desc == NULL) {
        snprintf(buf, cap, "(no plugin)");
        return;
    }
    snprintf(buf, cap, "%s %s (ABI %u.%u) %s", p->name, printable(p->desc->version, v, sizeof(v)),
             (unsigned)p->desc->abi_major, (unsigned)p->desc->abi_minor,
             p->path ? p->path : "");
}

int sqt_plugin_list(const char *dir, sqt_plugin_list_cb cb, void *ud)
{
    struct dirent **ents = NULL;
    int n, i;

    if (dir == NULL || cb == NULL)
        return -EINVAL;
    n = scan_dir(dir, &ents);
    if (n < 0)
        return n;
    for (i = 0; i < n; i++) {
        char base[NAME_MAX + 1], path[PATH_MAX], err[512], shown[72];
        size_t len = strlen(ents[i]->d_name) - 3;
        sqt_loaded_plugin p;

        memcpy(base, ents[i]->d_name, len);
        base[len] = '\0';
        snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
        if (!sqt_plugin_name_valid(base)) {
            snprintf(err, sizeof(err),
                     "file name '%s' is not a valid plugin name ([a-z][a-z0-9_]{0,31})",
                     printable(base, shown, sizeof(shown)));
            cb(ud, path, NULL, err);
            continue;
        }
        if (sqt_plugin_load(dir, base, &p, err, sizeof(err)) != 0) {
            cb(ud, path, NULL, err);
            continue;
        }
        cb(ud, path, &p, NULL);
        sqt_plugin_unload(&p);
    }
    free_scan(ents, n);
    return n;
}
