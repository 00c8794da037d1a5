/* Plugin loader: finds, dlopens and checks exchange plugins. A plugin's descriptor is
 * checked (ABI, build signature, name, exchange table) before any of its functions is
 * called; create() is the app's business, not the loader's. Every refusal is one line
 * naming what was expected and what was found. */
#ifndef SQT_HOST_PLUGIN_H
#define SQT_HOST_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

typedef struct sqt_loaded_plugin {
    void *dl;                          /* dlopen handle */
    const sqt_plugin *desc;            /* checked descriptor, lives in the plugin */
    char *path;                        /* <dir>/<name>.so as opened (owned) */
    char *name;                        /* owned copy of the name */
} sqt_loaded_plugin;

/* 1 when `name` matches [a-z][a-z0-9_]{0,31}, else 0. */
int sqt_plugin_name_valid(const char *name);

/* 1 when a plugin built for ABI maj.min may be loaded by this host (same major, minor
 * <= the host's); else 0 with `why` = "SDK ABI 2.0, this host supports 1.0 (same major,
 * minor <= 0)". */
int sqt_plugin_abi_compatible(uint32_t maj, uint32_t min, char *why, size_t cap);
/* The same rule against any host version (lets tests cover an older minor). */
int sqt_plugin_abi_compatible_with(uint32_t host_maj, uint32_t host_min, uint32_t maj,
                                   uint32_t min, char *why, size_t cap);

/* The plugin directory, first set of: cli_dir (--plugin-dir), $OPENSQT_PLUGIN_DIR,
 * cfg_dir (app.plugin_dir), the compiled default (SQT_DEFAULT_PLUGIN_DIR, else the
 * directory of the running executable joined with SQT_REL_PLUGIN_DIR). Empty strings
 * count as unset. Returns 0, or -1 when it does not fit in `cap` or the executable's
 * path is unknown. */
int sqt_plugin_resolve_dir(const char *cli_dir, const char *cfg_dir, char *out, size_t cap);

/* Before a plugin is loaded (it is handed the API secret): `dir`, the file `path` (a
 * symlink judged by its target) and the target's directory must each be owned by this
 * user or root and not writable by group or others, as ssh demands of key files.
 * Returns 0, or -1 with a line naming the path and the fix (chmod go-w / chown). */
int sqt_plugin_check_trust(const char *dir, const char *path, char *err, size_t errlen);

/* Check trust (above), dlopen <dir>/<name>.so (RTLD_NOW | RTLD_LOCAL) and check its
 * descriptor. Returns 0
 * with *out filled, or -1 with a one-line reason in err and *out zeroed. */
int sqt_plugin_load(const char *dir, const char *name, sqt_loaded_plugin *out, char *err,
                    size_t errlen);

/* dlclose and free; safe on a zeroed or already unloaded struct. Only after every
 * instance the plugin created has been destroyed. */
void sqt_plugin_unload(sqt_loaded_plugin *p);

/* "name version (ABI x.y) path". */
void sqt_plugin_describe(const sqt_loaded_plugin *p, char *buf, size_t cap);

/* For each *.so in dir, sorted by file name: ok != NULL (loaded and checked; unloaded
 * after the callback returns) or why_bad = the one-line refusal. Returns the number of
 * files reported, or -errno when the directory cannot be read. */
typedef void (*sqt_plugin_list_cb)(void *ud, const char *path, const sqt_loaded_plugin *ok,
                                   const char *why_bad);
int sqt_plugin_list(const char *dir, sqt_plugin_list_cb cb, void *ud);

#endif
