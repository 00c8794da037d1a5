/* The plugin kit: the exchange-independent machinery of an exchange plugin, written once.
 *
 * A static, position-independent library (libopensqt-pluginkit.a, pkg-config
 * opensqt-pluginkit) that a plugin links into its .so: the plugin still exports only
 * sqt_plugin_entry and reaches the host only through the services table. It needs
 * Jansson and OpenSSL (pkg-config pulls them in). Names: sqt_kit_<noun>_<verb>; errors
 * are negative SQT_E* codes; the caller owns every struct.
 *
 *   query / form strings with percent-encoding      sqt_kit_query_*
 *   HMAC-SHA256 / -SHA512 in hex and base64         sqt_kit_hmac_*
 *   JSON field readers whose errors name the path   sqt_kit_json_*
 *   typed readers for the plugin's config block     sqt_kit_cfg_*
 *   response headers, Retry-After, ban state        sqt_kit_header*, sqt_kit_ban_*
 *   the registry of requests in flight              sqt_kit_reqs_*
 *   the signed-REST engine (clock, parking, bans)   sqt_kit_rest_*, sqt_kit_wire_*
 *   operation skeletons over the engine              sqt_kit_op_*, sqt_kit_*_fetch
 *   placing orders: results, the answer spread        sqt_kit_placing_*
 *   an order's fee charged in several coins          sqt_kit_fees_*
 *   the fee of REST answers from trade lists         sqt_kit_fee_*
 *   cancel our own orders: list, filter, batches    sqt_kit_own_*
 *   open orders page by page                        sqt_kit_pager_*
 *   prices/sizes on their grid, order verdicts      sqt_kit_dec_on_grid, sqt_kit_item_level
 *   the end of a shutdown, on a clean stack         sqt_kit_shut_*
 *   the set of stream connections                   sqt_kit_conn*
 *   the plugin's record and life cycle              sqt_kit_plugin_*
 *   around the streams: names, warnings, klines     sqt_kit_stream_name, sqt_kit_klines_*
 */
#ifndef OPENSQT_PLUGINKIT_H
#define OPENSQT_PLUGINKIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <opensqt/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ------------------------------------------------------------------------ */

/* e->code = code, e->message = the formatted text (e may be NULL); returns code. */
int sqt_kit_fail(sqt_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- query / form strings ---------------------------------------------------------- */

/* A growing "k=v&k=v" string. Values are percent-encoded except A-Z a-z 0-9 - _ . ~, so
 * what is signed is exactly what is sent. The first failure (out of memory, a NULL key or
 * value) sticks in `err` and later adds are ignored. */
typedef struct sqt_kit_query {
    char *buf;
    size_t len;
    size_t cap;
    int err;                   /* 0, SQT_ENOMEM or SQT_EINVAL */
    int borrowed;              /* buf is the caller's (sqt_kit_query_init_on) */
} sqt_kit_query;

void sqt_kit_query_init(sqt_kit_query *q);
/* Start in the caller's buffer (a stack array on a hot path: no allocation while the
 * text fits); the text moves to the heap by itself if it outgrows it. free() then frees
 * only what the query allocated. */
void sqt_kit_query_init_on(sqt_kit_query *q, char *buf, size_t cap);
void sqt_kit_query_free(sqt_kit_query *q);
/* Append key=pct(value), with a leading '&' unless first. */
void sqt_kit_query_add(sqt_kit_query *q, const char *key, const char *value);
void sqt_kit_query_add_int(sqt_kit_query *q, const char *key, long long value);
/* value in decimal into out (NUL-terminated; 21 bytes hold any long long), as
 * snprintf("%lld") writes it without its format machinery (a signed request's timestamp);
 * returns the length. */
size_t sqt_kit_int_text(long long value, char out[21]);
/* Append raw (already encoded) text, no separator. */
void sqt_kit_query_raw(sqt_kit_query *q, const char *text, size_t len);
/* The string ("" when empty); valid until the next add or free. */
const char *sqt_kit_query_str(const sqt_kit_query *q);
/* Percent-encode s into out (cap >= 3 * strlen(s) + 1). SQT_ERANGE when it does not fit. */
int sqt_kit_pct_encode(const char *s, char *out, size_t cap);

/* ---- signing ------------------------------------------------------------------------ */

typedef enum sqt_kit_hash { SQT_KIT_SHA256 = 1, SQT_KIT_SHA512 = 2 } sqt_kit_hash;

#define SQT_KIT_HMAC_MAX 64    /* SHA-512 */

/* mac = HMAC-<hash>(key, msg); *mac_len its length (32 or 64). SQT_EINVAL on bad
 * arguments or a crypto failure. */
int sqt_kit_hmac(sqt_kit_hash hash, const char *key, size_t key_len, const char *msg,
                 size_t msg_len, unsigned char mac[SQT_KIT_HMAC_MAX], size_t *mac_len);
/* The same as lower-case hex (cap >= 2 * mac_len + 1: 65 / 129). */
int sqt_kit_hmac_hex(sqt_kit_hash hash, const char *key, const char *msg, size_t msg_len,
                     char *out, size_t cap);
/* The same as standard base64 with padding (cap >= 45 / 89). */
int sqt_kit_hmac_base64(sqt_kit_hash hash, const char *key, const char *msg, size_t msg_len,
                        char *out, size_t cap);

/* A prepared key: the HMAC's inner and outer states keyed with the secret once, restarted
 * for each signature (no key schedule per request, no allocation per signature).
 * Make one per secret at create time, free it at destroy. Thread-compatible: one key may
 * sign from one thread at a time. SQT_EINVAL on bad arguments or a crypto failure,
 * SQT_ENOMEM when out of memory. */
typedef struct sqt_kit_hmac_key sqt_kit_hmac_key;
int sqt_kit_hmac_key_new(sqt_kit_hash hash, const char *key, size_t key_len,
                         sqt_kit_hmac_key **out);
void sqt_kit_hmac_key_free(sqt_kit_hmac_key *k);
/* The same three outputs as above, with a prepared key. */
int sqt_kit_hmac_with(const sqt_kit_hmac_key *k, const char *msg, size_t msg_len,
                      unsigned char mac[SQT_KIT_HMAC_MAX], size_t *mac_len);
int sqt_kit_hmac_hex_with(const sqt_kit_hmac_key *k, const char *msg, size_t msg_len,
                          char *out, size_t cap);
int sqt_kit_hmac_base64_with(const sqt_kit_hmac_key *k, const char *msg, size_t msg_len,
                             char *out, size_t cap);
/* One path for both key kinds, so a dialect's recipe is written once: with the prepared
 * key k when set (its hash is then its own), else HMAC-<hash> keyed with `secret`
 * (one-shot); hex, or base64 when `base64`. SQT_EINVAL when neither key is given. */
int sqt_kit_hmac_text(const sqt_kit_hmac_key *k, sqt_kit_hash hash, const char *secret,
                      int base64, const char *msg, size_t msg_len, char *out, size_t cap);
/* A piece of a message: len bytes at text (text may be NULL when len is 0). */
typedef struct sqt_kit_span {
    const char *text;
    size_t len;
} sqt_kit_span;
/* sqt_kit_hmac_text over the concatenation of parts[0..n), fed to the HMAC in turn: a
 * recipe that signs "timestamp + method + path + body" needs no joined copy. */
int sqt_kit_hmac_text_parts(const sqt_kit_hmac_key *k, sqt_kit_hash hash, const char *secret,
                            int base64, const sqt_kit_span *parts, size_t n, char *out,
                            size_t cap);

/* ---- JSON readers ----------------------------------------------------------------- */

/* Every reader takes the object, the member and `path`, the place of the object in the
 * answer ("account.assets[0]"); a failure is SQT_EPROTO with "<path>: field '<key>' ..."
 * in e. Decimals come from JSON strings or integers, never floats (their text is gone);
 * integers from JSON integers or strings of digits. */
json_t *sqt_kit_json_load(const char *text, size_t len, const char *path, sqt_error *e);
/* Room for the elements of arr, elem_size each, zeroed (calloc'd, the caller frees it; at
 * least one element's, so NULL is always a failure: "<path>: not an array" or out of
 * memory in e). */
void *sqt_kit_json_array_new(json_t *arr, size_t elem_size, const char *path, sqt_error *e);
int sqt_kit_json_str(json_t *obj, const char *key, const char **out, const char *path,
                     sqt_error *e);
/* Absent or null: dflt. */
int sqt_kit_json_opt_str(json_t *obj, const char *key, const char **out, const char *dflt,
                         const char *path, sqt_error *e);
/* src into dst[cap], or "field too long". */
int sqt_kit_json_copy(char *dst, size_t cap, const char *src, const char *key,
                      const char *path, sqt_error *e);
int sqt_kit_json_dec_of(json_t *v, sqt_dec *out, const char *key, const char *path,
                        sqt_error *e);
int sqt_kit_json_dec(json_t *obj, const char *key, sqt_dec *out, const char *path,
                     sqt_error *e);
/* Absent, null or "": 0. */
int sqt_kit_json_opt_dec(json_t *obj, const char *key, sqt_dec *out, const char *path,
                         sqt_error *e);
int sqt_kit_json_i64_of(json_t *v, int64_t *out, const char *key, const char *path,
                        sqt_error *e);
int sqt_kit_json_i64(json_t *obj, const char *key, int64_t *out, const char *path,
                     sqt_error *e);
int sqt_kit_json_opt_i64(json_t *obj, const char *key, int64_t *out, int64_t dflt,
                         const char *path, sqt_error *e);
/* true/false or "true"/"false"; absent or null: 0. */
int sqt_kit_json_opt_bool(json_t *obj, const char *key, int *out, const char *path,
                          sqt_error *e);

/* ---- orders ----------------------------------------------------------------------- */

/* v on the grid of `unit` (a tick or a step, > 0), formatted into buf with exactly unit's
 * decimals. SQT_ERULES ("<name> 1.23 is not a multiple of the <unit_name> 0.05", "must
 * be > 0"), SQT_EINVAL or SQT_ERANGE with the reason in e. */
int sqt_kit_dec_on_grid(sqt_dec v, sqt_dec unit, const char *name, const char *unit_name,
                        char *buf, size_t cap, sqt_error *e);
/* 1 when a single-order request's failure is that order's own verdict (the exchange
 * answered with a code of its own) rather than the whole request's (rate limit, ban,
 * auth, clock, unknown outcome). */
int sqt_kit_item_level(const sqt_error *e);
/* dst = an unknown outcome: the answer reached us but could not be read (perr says why);
 * the order may exist, so the caller verifies instead of retrying. */
void sqt_kit_unreadable(sqt_error *dst, const sqt_error *perr);

/* ---- the plugin's config block ------------------------------------------------------ */

/* Where the keys come from: the services table's config lookup for the block `block`
 * (the exchange's name, for messages: "exchanges.<block>.<key>: ..."). */
typedef struct sqt_kit_cfg {
    const sqt_host_api *api;
    sqt_host *host;
    const char *block;
} sqt_kit_cfg;

/* Each reader returns 1 (found, *out set), 0 (absent, *out untouched) or a negative
 * SQT_E* code with the key and the expectation in e. */
int sqt_kit_cfg_str(const sqt_kit_cfg *c, const char *key, char *buf, size_t cap,
                    sqt_error *e);
int sqt_kit_cfg_int(const sqt_kit_cfg *c, const char *key, int64_t lo, int64_t hi,
                    int64_t *out, sqt_error *e);
int sqt_kit_cfg_dec(const sqt_kit_cfg *c, const char *key, sqt_dec *out, sqt_error *e);
int sqt_kit_cfg_dbl(const sqt_kit_cfg *c, const char *key, double lo, double hi, double *out,
                    sqt_error *e);
/* true/yes/1, false/no/0. */
int sqt_kit_cfg_bool(const sqt_kit_cfg *c, const char *key, int *out, sqt_error *e);
/* One of the words in `choices` (NULL-terminated): *out its index. */
int sqt_kit_cfg_enum(const sqt_kit_cfg *c, const char *key, const char *const *choices,
                     int *out, sqt_error *e);
/* scheme://host[:port][/path] with one of the two schemes ("https://", "http://"), no
 * query, no blanks; trailing '/' dropped. */
int sqt_kit_cfg_url(const sqt_kit_cfg *c, const char *key, const char *scheme1,
                    const char *scheme2, char *buf, size_t cap, sqt_error *e);
/* The same, with dflt copied to buf when the key is absent: SQT_OK or the error. */
int sqt_kit_cfg_url_or(const sqt_kit_cfg *c, const char *key, const char *dflt,
                       const char *scheme1, const char *scheme2, char *buf, size_t cap,
                       sqt_error *e);
/* A secret (api_key, secret_key, passphrase) for a header or an HMAC: present, printable,
 * no blanks. Its value never appears in a message. 0 or a negative code. */
int sqt_kit_cfg_secret(const sqt_kit_cfg *c, const char *name, char *buf, size_t cap,
                       sqt_error *e);

/* ---- response headers, Retry-After, bans -------------------------------------------- */

/* The first header of that name (any case), or NULL. */
const char *sqt_kit_header(const sqt_header *h, size_t n, const char *name);
/* A header's leading non-negative integer (at most 9 digits), or -1. */
int32_t sqt_kit_header_int(const char *value);
/* Retry-After in seconds as ms; 0 when absent or not a number. */
int64_t sqt_kit_retry_after_ms(const char *value);

/* The exchange banned us (HTTP 418 and alike): every request is refused locally until
 * `until_ms` (wall clock). */
typedef struct sqt_kit_ban {
    int64_t until_ms;
    int64_t last_log_ms;       /* for sqt_kit_ban_check's bounded log */
} sqt_kit_ban;

/* Extend the ban to now + ms; 1 when it grew (log it loudly), 0 when it was longer. */
int sqt_kit_ban_extend(sqt_kit_ban *b, int64_t now_ms, int64_t ms);
/* 0 when not banned; else SQT_EBANNED, and *log_now = 1 at most once a second. */
int sqt_kit_ban_check(sqt_kit_ban *b, int64_t now_ms, int *log_now);

/* ---- requests in flight ------------------------------------------------------------- */

/* Embed one in each request the plugin keeps until it completes; the registry is what
 * shutdown cancels and what the destroy rule asks ("is anything still pending"). */
typedef struct sqt_kit_req {
    struct sqt_kit_req *prev, *next;
    sqt_http_call *call;       /* at the host; NULL while parked inside the plugin */
    int cancel_sent;
} sqt_kit_req;

typedef struct sqt_kit_reqs {
    sqt_kit_req *head;
} sqt_kit_reqs;

void sqt_kit_reqs_add(sqt_kit_reqs *rs, sqt_kit_req *r);
void sqt_kit_reqs_remove(sqt_kit_reqs *rs, sqt_kit_req *r);
size_t sqt_kit_reqs_pending(const sqt_kit_reqs *rs);
/* Cancel each once: one at the host gets http_cancel (its callback then completes it),
 * a parked one goes to parked(r, ud), which must complete and remove it. Safe when a
 * callback completes others synchronously. */
void sqt_kit_reqs_cancel_all(sqt_kit_reqs *rs, const sqt_host_api *api, sqt_host *host,
                             void (*parked)(sqt_kit_req *r, void *ud), void *ud);

/* ---- the signed-REST engine --------------------------------------------------------- */

/* What every exchange's REST side shares, with the exchange's part in a dialect table:
 * the engine keeps the requests in flight (an sqt_kit_reqs), the server-time offset
 * (measured with the dialect's time endpoint before the first signed call; signed calls
 * park until it is known), one re-measure + retry of a call the exchange refused for our
 * clock, the ban (every call refused locally until it ends) and the outcome of each
 * call: transport errors, a timed-out mutating call as an unknown outcome, the
 * dialect's verdict on the answer. Each call is built and signed at the moment it is
 * sent (again on the retry), so its timestamp is always fresh.
 *
 * Timestamps pass through the engine in ms of the server's clock; a dialect that signs
 * seconds (Gate) formats server_ms / 1000 in its prepare hook. */

enum {
    SQT_KIT_AUTH_NONE = 0,     /* public data */
    SQT_KIT_AUTH_KEY = 1,      /* the API key only (Binance's listenKey calls) */
    SQT_KIT_AUTH_SIGNED = 2    /* signed with a timestamp: parks until the clock is known */
};

typedef struct sqt_kit_rest sqt_kit_rest;
typedef struct sqt_kit_call sqt_kit_call;

/* A call's outcome as its operation sees it. err.code SQT_OK: the dialect found the
 * answer a success, body/len are its payload (valid during the callback only). */
typedef struct sqt_kit_answer {
    int status;                /* HTTP status; 0 when no answer came */
    const char *body;
    size_t len;
    sqt_error err;
} sqt_kit_answer;

typedef void (*sqt_kit_answer_fn)(sqt_kit_call *c, const sqt_kit_answer *a);

/* What an operation asks for; the strings are copied except method and path, which
 * must be static. */
typedef struct sqt_kit_rest_req {
    const char *method;        /* "GET", "POST", "PUT", "DELETE" */
    const char *path;          /* "/fapi/v1/order"; the engine puts the base URL before */
    const char *query;         /* encoded, without '?'; NULL or "" none */
    const char *body;          /* the body text as signed; NULL or "" none */
    int auth;                  /* SQT_KIT_AUTH_* */
    int mutating;              /* places / cancels: a timeout leaves the outcome unknown */
    int at_shutdown;           /* allowed after sqt_kit_rest_cancel_all (unsigned only) */
    sqt_kit_answer_fn done;    /* exactly once, later, unless the send fails */
    void *ctx;                 /* the operation's; done frees it (a flat malloc'd block:
                                * sqt_kit_rest_free_all frees it with free()) */
} sqt_kit_rest_req;

/* A call in flight (the engine allocates and frees it). */
struct sqt_kit_call {
    sqt_kit_req link;          /* first: in rest->reqs until completed */
    sqt_kit_rest *rest;
    void *owner;               /* the engine's owner (the plugin), for callbacks */
    const char *method;
    const char *path;
    const char *query;         /* NULL none */
    const char *body;          /* NULL none */
    int auth;
    int mutating;
    int parked;                /* waiting for the server-time offset */
    int clock_retried;         /* the one retry after a clock refusal is spent */
    int64_t sent_wall_ms;      /* local wall clock at the last send */
    sqt_kit_answer_fn done;
    void *ctx;
};

/* What goes on the wire, filled by the dialect's prepare hook: it starts as the call's
 * query and body; the dialect adds its parameters, signature and headers. Header names
 * must be static strings; values are copied into `store`. */
#define SQT_KIT_WIRE_HEADERS 12
#define SQT_KIT_WIRE_STORE 1536

typedef struct sqt_kit_wire {
    sqt_kit_query query;       /* sent after '?' when not empty */
    sqt_kit_query body;        /* sent when not empty */
    sqt_header headers[SQT_KIT_WIRE_HEADERS];
    size_t n_headers;
    char store[SQT_KIT_WIRE_STORE];
    size_t store_len;
} sqt_kit_wire;

/* Add a header (value copied). SQT_ERANGE when the wire is full. */
int sqt_kit_wire_header(sqt_kit_wire *w, const char *name, const char *value);
/* Add h[0..n) in order, skipping those whose value is NULL (a header only some calls
 * carry); the first failure stops it. */
int sqt_kit_wire_headers(sqt_kit_wire *w, const sqt_header *h, size_t n);

/* The exchange's part. Every hook gets the engine's owner. */
typedef struct sqt_kit_rest_dialect {
    const char *name;          /* "Binance": for log lines ("BANNED by Binance ...") */
    const char *time_path;     /* the server-time endpoint (GET, unsigned) */
    /* The server's clock in ms from the time endpoint's answer. */
    int (*parse_time)(const char *body, size_t len, int64_t *server_ms, sqt_error *e);
    /* Sign / decorate c for sending at server time server_ms (every call, signed or not:
     * common headers go here too). 0 or a negative code (the call is not sent). */
    int (*prepare)(void *owner, const sqt_kit_call *c, int64_t server_ms, sqt_kit_wire *w);
    /* An HTTP answer (status + headers + body) to the SDK's error classes, the exchange
     * code and message kept; e->code SQT_OK for a success. SQT_EBANNED with
     * e->retry_after_ms bans every call locally for that long. e is zeroed before. */
    void (*classify)(void *owner, const sqt_kit_call *c, const sqt_http_response *resp,
                     int64_t now_ms, sqt_error *e);
    /* 1 when an SQT_ETIMESTAMP answer means our clock is off (re-measure and retry the
     * call once). NULL: every SQT_ETIMESTAMP. */
    int (*clock_refusal)(void *owner, const sqt_error *e);
    /* After each classified answer (ban state already updated): rate headers, logs. May
     * be NULL. */
    void (*on_answer)(void *owner, const sqt_kit_call *c, const sqt_http_response *resp,
                      const sqt_error *e);
    /* A call completed (shutdown may be drained now). May be NULL. */
    void (*on_finish)(void *owner);
} sqt_kit_rest_dialect;

enum { SQT_KIT_CLOCK_UNKNOWN = 0, SQT_KIT_CLOCK_SYNCING = 1, SQT_KIT_CLOCK_KNOWN = 2 };

struct sqt_kit_rest {
    const sqt_host_api *api;
    sqt_host *host;
    const sqt_kit_rest_dialect *d;
    void *owner;
    const char *base_url;      /* "https://fapi.binance.com", the owner's string */
    sqt_kit_reqs reqs;
    int clock;                 /* SQT_KIT_CLOCK_* */
    int64_t offset_ms;         /* server - local */
    sqt_kit_ban ban;
    int closing;               /* after cancel_all: only at_shutdown calls */
    /* scratch of call_issue, reused by every request (the host copies a request, so
     * nothing here outlives the send): no allocation per request once warm; freed by
     * sqt_kit_rest_free_all */
    sqt_kit_wire wire;
    sqt_kit_query url;
};

void sqt_kit_rest_init(sqt_kit_rest *r, const sqt_host_api *api, sqt_host *host,
                       const sqt_kit_rest_dialect *d, void *owner, const char *base_url);
/* Start a call. SQT_OK: q->done runs exactly once later. Else nothing runs and the
 * error is returned (SQT_EBANNED while banned, SQT_ECANCELLED once closing). */
int sqt_kit_rest_send(sqt_kit_rest *r, const sqt_kit_rest_req *q);
/* For a plugin's warm (sqt_exchange_api.warm): q's request built and signed the way
 * sqt_kit_rest_send would put it on the wire now, then thrown away. Nothing is sent or
 * recorded, no callback runs (q->done may be NULL), the scratch is wiped as after a
 * send. Nothing once closing. */
void sqt_kit_rest_warm(sqt_kit_rest *r, const sqt_kit_rest_req *q);
/* sqt_kit_rest_warm of a signed, mutating POST of `body` (an order's). */
void sqt_kit_rest_warm_post(sqt_kit_rest *r, const char *path, const char *body);
/* A warm's canned push: fmt's text into buf, its length; 0 when it does not fit. */
size_t sqt_kit_warm_text(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The server's clock by the last measurement (the local one before any). */
int64_t sqt_kit_rest_server_now(sqt_kit_rest *r);
/* SQT_EBANNED (logged at most once a second, naming `what`) while banned, else 0. */
int sqt_kit_rest_ban_check(sqt_kit_rest *r, const char *what);
/* 1 while any call is in flight or parked. */
int sqt_kit_rest_busy(const sqt_kit_rest *r);
/* Shutdown: refuse new calls (but at_shutdown ones) and cancel every call; each
 * completes with SQT_ECANCELLED (or its real answer, if it had arrived). */
void sqt_kit_rest_cancel_all(sqt_kit_rest *r);
/* Destroy: free what is left without callbacks (contexts with free()) and the scratch. */
void sqt_kit_rest_free_all(sqt_kit_rest *r);

/* ---- operation skeletons over the engine -------------------------------------------- */

/* A request with these fields set, the rest zero (done and ctx: the fetch's). */
sqt_kit_rest_req sqt_kit_rest_req_of(const char *method, const char *path, const char *query,
                                     const char *body, int auth);
/* SQT_EINVAL without a callback, SQT_ESTATE once the plugin is closing, else 0: the
 * first check of every operation of the exchange table. */
int sqt_kit_op_usable(int closing, int have_cb);
/* A symbol as every exchange writes it: [A-Z0-9]{1,SQT_SYMBOL_MAX-1}. */
int sqt_kit_symbol_ok(const char *s);
/* An exchange order id: 1..max decimal digits. */
int sqt_kit_digits_ok(const char *s, size_t max);
/* A client id (or a part of one): 1..max characters, letters, digits and `extra`. */
int sqt_kit_id_ok(const char *s, size_t max, const char *extra);

/* The symbol's rules from one answer. The parser may keep what the plugin needs of it
 * (limits, "info known"); the caller's callback gets *out. */
typedef int (*sqt_kit_info_parse)(void *owner, const char *body, size_t len,
                                  sqt_symbol_info *out, sqt_error *e);
/* Historical klines from one answer (*out malloc'd, the kit frees it after the
 * callback); server_now_ms decides whether the newest row is closed. */
typedef int (*sqt_kit_klines_parse)(const char *body, size_t len, const char *symbol,
                                    const char *interval, int64_t server_now_ms,
                                    sqt_kline **out, size_t *n, sqt_error *e);

/* Send rq (its done and ctx are the kit's) and hand the parsed answer, or the error, to
 * cb exactly once. SQT_OK, or the send's error with nothing called. */
int sqt_kit_info_fetch(sqt_kit_rest *r, const sqt_kit_rest_req *rq, sqt_kit_info_parse parse,
                       sqt_symbol_info_cb cb, void *ud);
int sqt_kit_klines_fetch(sqt_kit_rest *r, const sqt_kit_rest_req *rq, const char *symbol,
                         const char *interval, sqt_kit_klines_parse parse, sqt_klines_cb cb,
                         void *ud);

/* ---- cancel our own orders ----------------------------------------------------------- */

/* The cancel_own operation without its exchange calls: the plugin lists the symbol's
 * open orders and hands them to sqt_kit_own_listed(); the kit keeps those whose raw
 * client id starts with `match` (exchange prefix + the engine's prefix), and asks the
 * plugin to cancel them one batch at a time; the plugin reports each batch's answer with
 * sqt_kit_own_batch_done(). At the end the caller's sqt_cancel_cb runs once with every
 * result so far and the object frees itself (one malloc'd block: a plugin that frees a
 * request's context with free() may do so with this one). */
typedef struct sqt_kit_own sqt_kit_own;

typedef struct sqt_kit_own_ops {
    /* Send the cancels of res[0..n) (client_id with the exchange prefix stripped and
     * order_id set). 0: the answer comes later through sqt_kit_own_batch_done(o, ..);
     * < 0: not sent, nothing will come. */
    int (*send_batch)(void *plugin, sqt_kit_own *o, sqt_cancel_result *res, size_t n);
    /* 1 while the plugin shuts down: what is not sent yet ends with SQT_ECANCELLED.
     * NULL: the plugin is an sqt_kit_plugin record and its `closing` says. */
    int (*closing)(void *plugin);
} sqt_kit_own_ops;

/* NULL when out of memory. `strip`: leading characters of a raw client id not to report
 * (the exchange-side prefix); batch_max >= 1. */
sqt_kit_own *sqt_kit_own_new(const sqt_kit_own_ops *ops, void *plugin, const char *match,
                             size_t strip, size_t batch_max, sqt_cancel_cb cb, void *ud);
/* The listing failed before it started (the request was not sent): free, no callback. */
void sqt_kit_own_free(sqt_kit_own *o);
/* The listing's outcome: status SQT_OK with the orders (raw client ids), or an error
 * (the callback runs with it). */
void sqt_kit_own_listed(sqt_kit_own *o, int status, const sqt_order *orders, size_t n);
/* The batch in flight (what send_batch was given), for filling in its answer. */
sqt_cancel_result *sqt_kit_own_batch(sqt_kit_own *o, size_t *n);
/* The batch in flight was answered: its res[] entries carry their own errors; status is
 * the first failure among them (SQT_OK: all cancelled), which stops the rest. */
void sqt_kit_own_batch_done(sqt_kit_own *o, int status);

/* ---- open orders, page by page ------------------------------------------------------ */

/* The listing of a symbol's open orders over as many pages as the exchange needs, for
 * open_orders() (cb) or cancel_own's listing (own: it gets the orders with their raw
 * client ids). The plugin sends each page with the pager as the request's ctx (a flat
 * malloc'd block but for `orders`) and hands each answer to sqt_kit_pager_page(); the
 * kit decides whether another page is needed, caps their number and ends the listing
 * exactly once (then the pager is freed). */
typedef struct sqt_kit_pager sqt_kit_pager;

typedef struct sqt_kit_pager_ops {
    /* Send page number p->pages (0-based; after p->cursor for an exchange that pages by
     * cursor). 0: its answer comes to sqt_kit_pager_page() later; < 0: not sent. */
    int (*send)(void *plugin, sqt_kit_pager *p);
    /* open_orders()'s success (the plugin may complete the orders first, then calls
     * cb); it must not keep `o`. NULL: cb(ud, ok, o, n). */
    void (*deliver)(void *plugin, sqt_orders_cb cb, void *ud, const sqt_order *o, size_t n);
    /* 1 while the plugin shuts down. NULL: the plugin is an sqt_kit_plugin record. */
    int (*closing)(void *plugin);
    size_t page_size;          /* a page this full may have a next one */
    int pages_max;             /* more pages than this: an error, not a loop */
} sqt_kit_pager_ops;

struct sqt_kit_pager {
    const sqt_kit_pager_ops *ops;
    void *plugin;
    sqt_orders_cb cb;          /* open_orders; or */
    sqt_kit_own *own;          /* cancel_own */
    void *ud;
    sqt_order *orders;         /* every page so far (malloc'd; the plugin's parser grows it) */
    size_t n;
    int pages;                 /* pages sent */
    char cursor[SQT_ORDER_ID_MAX]; /* the last page's cursor ("" before the first) */
};

/* open_orders() itself (cb), or cancel_own's listing (own). SQT_EINVAL unless exactly one
 * of them, SQT_ESTATE while closing; SQT_OK: the first page is sent; else nothing runs
 * (own stays the caller's to free). */
int sqt_kit_pager_start(const sqt_kit_pager_ops *ops, void *plugin, sqt_orders_cb cb,
                        sqt_kit_own *own, void *ud);
/* cancel_own() over the pager: the listing of every page goes to an sqt_kit_own
 * (sqt_kit_own_new's arguments), which cancels ours in batches. SQT_EINVAL (no cb, an
 * empty match), SQT_ENOMEM, or sqt_kit_pager_start's code with nothing run. */
int sqt_kit_pager_cancel_own(const sqt_kit_pager_ops *ops, const sqt_kit_own_ops *own_ops,
                             void *plugin, const char *match, size_t strip, size_t batch_max,
                             sqt_cancel_cb cb, void *ud);
/* The answer of the page in flight: e SQT_OK when it was read into orders/n; raw: how
 * many orders it held (all symbols); next: its cursor for the next page, NULL for an
 * exchange that pages by offset. Ends the listing or sends the next page. */
void sqt_kit_pager_page(sqt_kit_pager *p, const sqt_error *e, size_t raw, const char *next);

/* ---- the end of a shutdown ------------------------------------------------------------ */

/* shutdown()'s callback, run once from a timer of its own once drained(owner) says
 * nothing is left in flight: never inside shutdown() itself, never inside the plugin's
 * loops. Begin in shutdown() (its timer checks once on a clean stack), call check
 * whenever something finished, end_call as shutdown() returns, free at destroy. */
typedef struct sqt_kit_shut {
    const sqt_host_api *api;
    sqt_host *host;
    int (*drained)(void *owner);
    void *owner;
    sqt_done_cb cb;            /* NULL until begun */
    void *ud;
    int in_call;               /* inside shutdown(): completion waits */
    int done;                  /* cb ran */
    sqt_timer *timer;
} sqt_kit_shut;

void sqt_kit_shut_begin(sqt_kit_shut *s, const sqt_host_api *api, sqt_host *host,
                        int (*drained)(void *owner), void *owner, sqt_done_cb cb, void *ud);
void sqt_kit_shut_check(sqt_kit_shut *s);
void sqt_kit_shut_end_call(sqt_kit_shut *s);
void sqt_kit_shut_free(sqt_kit_shut *s);

/* ---- the set of stream connections ------------------------------------------------ */

/* Every WebSocket a plugin holds, with what all exchanges need of them: the stream state
 * the sinks hear (UP once the plugin confirms the subscription, DOWN when it drops,
 * FAILED when the host gives up), resubscription on every reconnect (the plugin's
 * on_open hook), and make-before-break rotation at a maximum age (Binance ends a
 * connection at 24 h, Bitget at 24 h too): at max_age_ms a successor opens on the same
 * URL, takes over once UP, and the old one closes (after `overlap_ms` of its kind, so a
 * push in flight there is still read); a successor not UP within switch_ms is dropped
 * and tried again after retry_ms. The sinks never hear of a rotation.
 *
 * A plugin's connection record starts with an sqt_kit_conn (hooks.conn_size is the
 * record's size; the kit allocates and frees it). `kind` (0..SQT_KIT_CONN_KINDS-1) names
 * what the connection carries (price, klines, user data...): the set keeps the current
 * connection of each kind. */
#define SQT_KIT_CONN_KINDS 8

typedef struct sqt_kit_conns sqt_kit_conns;

typedef struct sqt_kit_conn {
    struct sqt_kit_conn *prev, *next; /* in the set until the host's on_closed */
    sqt_kit_conns *set;
    int kind;
    sqt_ws *ws;
    char *url;                 /* what it was opened with, for its successor */
    uint32_t stale_ms;
    int closing;               /* ws_close called */
    int connected;             /* on_open seen, no on_down since */
    int up;                    /* UP reported for it */
    int opens;                 /* on_open count */
    size_t acks;               /* sqt_kit_conn_ack since on_open */
    unsigned drops;            /* on_down count, until a RESYNC reports the gap */
    int64_t opened_ms;         /* wall clock at the last on_open */
    sqt_timer *age_timer;
    sqt_timer *switch_timer;   /* successor: its deadline; an old one: its overlap */
    struct sqt_kit_conn *successor, *replaces;
} sqt_kit_conn;

typedef struct sqt_kit_conn_hooks {
    size_t conn_size;          /* >= sizeof(sqt_kit_conn); the record starts with one */
    /* Open (again): subscribe, ask for a confirmation; sqt_kit_conn_up() when confirmed. */
    void (*on_open)(void *owner, sqt_kit_conn *c);
    void (*on_message)(void *owner, sqt_kit_conn *c, const char *data, size_t len);
    /* Dropped (DOWN already reported if it was UP); the host reconnects by itself. */
    void (*on_down)(void *owner, sqt_kit_conn *c);
    /* Tell the kind's sink (never called once the set is closing). */
    void (*on_state)(void *owner, int kind, sqt_stream_state st, const sqt_error *err);
    /* At max age: 1 = open the successor now; 0 = the plugin calls sqt_kit_conn_rotate()
     * itself later (after proving its session alive). NULL: always 1. */
    int (*on_age)(void *owner, sqt_kit_conn *c);
    /* A successor's record: copy what the plugin keeps from `from` (0 or SQT_ENOMEM);
     * release frees it again. Both may be NULL. */
    int (*dup)(void *owner, const sqt_kit_conn *from, sqt_kit_conn *to);
    void (*release)(void *owner, sqt_kit_conn *c);
    /* A connection is gone for good (shutdown may be complete now). */
    void (*on_gone)(void *owner);
    const char *(*name)(int kind);
    void (*log)(void *owner, int level, const char *msg);
} sqt_kit_conn_hooks;

struct sqt_kit_conns {
    const sqt_host_api *api;
    sqt_host *host;
    const sqt_kit_conn_hooks *hooks;
    void *owner;
    sqt_kit_conn *head;
    sqt_kit_conn *current[SQT_KIT_CONN_KINDS];
    int closing;               /* no sink calls, no new connections */
    uint64_t max_age_ms, switch_ms, retry_ms;
    uint64_t overlap_ms[SQT_KIT_CONN_KINDS];
    /* A text keep-alive every connection sends (Bitget's "ping" every 30 s; its "pong"
     * feeds the stale watchdog). NULL / 0: none. Set after init. */
    const char *app_ping_text;
    uint32_t app_ping_ms;
    /* Headers every connection's handshake carries (Gate's X-Gate-Size-Decimal: 1), the
     * owner's array. NULL / 0: none. Set after init. */
    const sqt_header *ws_headers;
    size_t n_ws_headers;
    /* sqt_ws_options.flags of each kind's connections: SQT_WS_MARKET_DATA on the kinds
     * that carry market data (never the user stream), so a host handles an order push
     * read in the same loop turn first. 0 by init. Set after init. */
    uint32_t ws_flags[SQT_KIT_CONN_KINDS];
};

void sqt_kit_conns_init(sqt_kit_conns *s, const sqt_host_api *api, sqt_host *host,
                        const sqt_kit_conn_hooks *hooks, void *owner, uint64_t max_age_ms,
                        uint64_t switch_ms, uint64_t retry_ms);
/* Open a connection of `kind` on url (it becomes the kind's current one). */
int sqt_kit_conn_open(sqt_kit_conns *s, int kind, const char *url, uint32_t stale_ms,
                      sqt_kit_conn **out);
/* Close it (its successor too); idempotent. */
void sqt_kit_conn_close(sqt_kit_conn *c);
/* The subscription is confirmed: UP (or, for a successor, the takeover). */
void sqt_kit_conn_up(sqt_kit_conn *c);
/* Report a state for a kind (nothing while closing). */
void sqt_kit_conns_state(sqt_kit_conns *s, int kind, sqt_stream_state st,
                         const sqt_error *err);
/* Open c's successor now (after on_age returned 0). */
void sqt_kit_conn_rotate(sqt_kit_conn *c);
/* Shutdown: no more sink calls, every connection closed. */
void sqt_kit_conns_close_all(sqt_kit_conns *s);
/* Destroy: free what is left without the host. */
void sqt_kit_conns_free_all(sqt_kit_conns *s);

/* ---- the plugin's record and life cycle ------------------------------------------------ */

#define SQT_KIT_SECRET_MAX 160

/* The stream kinds (sqt_kit_conn.kind) that feed the host's three sinks; a plugin's own
 * kinds (a second price feed...) take other numbers below SQT_KIT_CONN_KINDS. */
enum { SQT_KIT_STREAM_PRICE = 1, SQT_KIT_STREAM_KLINES = 2, SQT_KIT_STREAM_ORDERS = 3 };

/* The sinks the host subscribed; *_on once the subscription was accepted. */
typedef struct sqt_kit_sinks {
    int price_on, kline_on, order_on;
    sqt_price_sink price;
    sqt_kline_sink kline;
    sqt_order_sink order;
} sqt_kit_sinks;

/* What every plugin record holds: the host, the keys, the REST engine, the stream set,
 * the end of the shutdown. A plugin's sqt_exchange starts with one (member `kit`). */
typedef struct sqt_kit_plugin {
    const sqt_host_api *api;
    sqt_host *host;
    const char *name;          /* "binance": for messages */
    char api_key[SQT_KIT_SECRET_MAX];
    char secret[SQT_KIT_SECRET_MAX];
    char passphrase[SQT_KIT_SECRET_MAX]; /* "" unless the exchange has one */
    sqt_kit_hmac_key *mac;     /* the secret's prepared HMAC key (sqt_kit_plugin_sign_key) */
    sqt_kit_rest rest;
    sqt_kit_conns streams;
    sqt_kit_sinks sinks;
    sqt_kit_shut shut;
    int closing;               /* shutdown() was called */
    int64_t warn_ms;           /* the last "message ignored" warning (wall clock) */
    unsigned warn_dropped;     /* warnings held back since */
} sqt_kit_plugin;

/* create()'s first step: check the services table and allocate a zeroed record of
 * `size` bytes (>= sizeof(sqt_kit_plugin), starting with one) with api, host and name
 * set. NULL with the reason in err ("<name>: ..."). */
void *sqt_kit_plugin_new(const sqt_host_api *api, sqt_host *host, size_t size,
                         const char *name, sqt_error *err);
/* The plugin's create(): the record allocated (sqt_kit_plugin_new), setup() reads the
 * config and starts the plugin's parts; on its failure the record is wiped and freed.
 * NULL with the reason in err (never NULL here). */
typedef struct sqt_kit_plugin_desc {
    const char *name;
    size_t size;               /* the plugin's record */
    int (*setup)(void *plugin, const sqt_create_args *args, sqt_error *err);
} sqt_kit_plugin_desc;

void *sqt_kit_plugin_create(const sqt_kit_plugin_desc *d, const sqt_host_api *api,
                            sqt_host *host, const sqt_create_args *args, sqt_error *err);
/* Prepare the secret's HMAC key once (no MAC fetch and key schedule per request);
 * freed with the record. Call after sqt_kit_plugin_secrets. */
int sqt_kit_plugin_sign_key(sqt_kit_plugin *p, sqt_kit_hash hash, sqt_error *err);
/* The keys from the config block: api_key and secret_key, and passphrase when asked. */
int sqt_kit_plugin_secrets(sqt_kit_plugin *p, const sqt_kit_cfg *c, int with_passphrase,
                           sqt_error *err);
/* The keys wiped, the record freed (after release, or when create fails). */
void sqt_kit_plugin_free(sqt_kit_plugin *p);
/* 1 when no REST call and no connection is left. */
int sqt_kit_plugin_drained(const sqt_kit_plugin *p);
/* Something finished: completes a shutdown once drained (the engine's on_finish and the
 * stream set's on_gone hooks call this). */
void sqt_kit_plugin_check(sqt_kit_plugin *p);
/* Ready-made hooks for a plugin record (owner = the sqt_exchange starting with `kit`):
 * sqt_kit_plugin_check as an on_finish / on_gone hook, the host's log as a log hook. */
void sqt_kit_plugin_hook_check(void *plugin);
void sqt_kit_plugin_hook_log(void *plugin, int level, const char *msg);
/* sqt_kit_plugin_stream_state as a stream set's on_state hook. */
void sqt_kit_plugin_hook_state(void *plugin, int kind, sqt_stream_state st,
                               const sqt_error *err);
/* The record's REST engine and stream set, owned by the record (their hooks get it). */
void sqt_kit_plugin_rest_init(sqt_kit_plugin *p, const sqt_kit_rest_dialect *d,
                              const char *base_url);
void sqt_kit_plugin_streams_init(sqt_kit_plugin *p, const sqt_kit_conn_hooks *hooks,
                                 uint64_t max_age_ms, uint64_t switch_ms, uint64_t retry_ms);
/* An operation's call on the record's engine (sqt_kit_rest_send with these fields):
 * SQT_ECANCELLED once shutdown began. SQT_OK: done runs exactly once later. */
int sqt_kit_plugin_call(sqt_kit_plugin *p, const char *method, const char *path,
                        const char *query, const char *body, int auth, int mutating,
                        sqt_kit_answer_fn done, void *ctx);
/* shutdown(): SQT_EINVAL without cb, SQT_ESTATE when already closing; else closing, the
 * end of the shutdown begun, every call cancelled and every connection closed. The
 * plugin then adds its own last steps and calls sqt_kit_shut_end_call(&p->shut). */
int sqt_kit_plugin_shutdown(sqt_kit_plugin *p, sqt_done_cb cb, void *ud);
/* destroy(): a loud log if not drained, then everything the kit holds is freed without
 * the host; the plugin wipes its secrets and frees the record. */
void sqt_kit_plugin_release(sqt_kit_plugin *p);
/* subscribe_*()'s checks, then the sink is kept (its *_on is the plugin's to set once
 * the stream is opened): SQT_EINVAL without the sink's data callback, SQT_ESTATE while
 * closing or when already subscribed. */
int sqt_kit_plugin_take_price(sqt_kit_plugin *p, const sqt_price_sink *sink);
int sqt_kit_plugin_take_klines(sqt_kit_plugin *p, const sqt_kline_sink *sink);
int sqt_kit_plugin_take_orders(sqt_kit_plugin *p, const sqt_order_sink *sink);
/* The stream set's on_state hook: the state of SQT_KIT_STREAM_<kind> to its sink
 * (nothing once closing; other kinds are the plugin's). */
void sqt_kit_plugin_stream_state(sqt_kit_plugin *p, int kind, sqt_stream_state st,
                                 const sqt_error *err);
/* Send a JSON message (consumed) as text on c, compact, keys in insertion order. */
int sqt_kit_conn_send_json(sqt_kit_conn *c, json_t *msg);
void sqt_kit_plugin_vlogf(sqt_kit_plugin *p, int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
void sqt_kit_plugin_logf(sqt_kit_plugin *p, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- around the streams ---------------------------------------------------------------- */

/* A sink's stream kind for messages: "price stream", "kline stream", "order stream";
 * "stream" for a plugin's own kinds. */
const char *sqt_kit_stream_name(int kind);
/* subscribe_*()'s open (after sqt_kit_plugin_take_*): the kind's connection on url, and
 * for a sink's kind its *_on set once it is opened. The sqt_kit_conn_open codes. */
int sqt_kit_plugin_stream_open(sqt_kit_plugin *p, int kind, const char *url, uint32_t stale_ms,
                               sqt_kit_conn **out);
/* A stream message that cannot be read: "<what>: message ignored: <why> (N more held
 * back)" as a warning, at most one each SQT_KIT_WARN_EVERY_MS (a broken feed must not
 * flood the log); the ones held back are counted in the next. */
#define SQT_KIT_WARN_EVERY_MS 5000
void sqt_kit_plugin_warn_bad(sqt_kit_plugin *p, const char *what, const char *why);
/* One subscription acknowledged on c: 1 when that makes `need` since the last on_open and
 * c is not UP yet (confirm it now), else 0. */
int sqt_kit_conn_ack(sqt_kit_conn *c, size_t need);
/* c's subscription is confirmed (sqt_kit_conn_up). With `resync` (a kind whose gap loses
 * data: the orders), when c dropped since (c->drops > 0) and is not a make-before-break
 * successor, RESYNC comes first - the pushes of the gap are lost, the host reconciles -
 * and the drops are forgotten. */
void sqt_kit_conn_up_resync(sqt_kit_conn *c, int resync);

/* The kline subscription: its symbols and interval, and per symbol the newest row, for
 * exchanges whose pushes carry no (reliable) closed flag: a row is final once a later
 * candle of its symbol arrives, and is then delivered once more with closed = 1. */
#define SQT_KIT_KLINE_SYMBOLS 4    /* the risk monitor's symbols */

typedef struct sqt_kit_klines {
    char interval[SQT_INTERVAL_MAX];
    char symbols[SQT_KIT_KLINE_SYMBOLS][SQT_SYMBOL_MAX];
    size_t n;
    sqt_kline last[SQT_KIT_KLINE_SYMBOLS];
    int have[SQT_KIT_KLINE_SYMBOLS];
} sqt_kit_klines;

/* subscribe_klines()'s checks (1..SQT_KIT_KLINE_SYMBOLS symbols, each symbol_ok, NULL:
 * sqt_kit_symbol_ok; the plugin checks the interval), sqt_kit_plugin_take_klines, then k
 * set. SQT_EINVAL / SQT_ESTATE, k untouched. */
int sqt_kit_klines_take(sqt_kit_plugin *p, sqt_kit_klines *k, const char *const *symbols,
                        size_t n, const char *interval, int (*symbol_ok)(const char *),
                        const sqt_kline_sink *sink);
/* The symbol's index in k, or -1. */
int sqt_kit_klines_find(const sqt_kit_klines *k, const char *symbol);
/* A pushed row to the kline sink: not a subscribed symbol, older than the newest, or the
 * newest already delivered closed: dropped; a later candle first closes the newest.
 * Nothing once closing. */
void sqt_kit_klines_push(sqt_kit_plugin *p, sqt_kit_klines *k, const sqt_kline *row);

/* ---- placing orders: the results and the answer spread over them ---------------------- */

/* One item of a batch answer: the order (err.code SQT_OK) or the item's own error
 * (SQT_EPROTO: the item could not be read - its outcome is unknown). */
typedef struct sqt_kit_item {
    sqt_error err;
    sqt_order order;
} sqt_kit_item;

typedef struct sqt_kit_placing sqt_kit_placing;

/* The exchange's readers of a place answer (owner: the plugin). */
typedef struct sqt_kit_placing_parse {
    /* The single order's answer (the order sent is p->reqs[0]). */
    int (*one)(void *owner, const sqt_kit_placing *p, const char *body, size_t len,
               sqt_order *out, sqt_error *e);
    /* A batch answer: items[0..p->n_sent) in the order sent; a failure is the whole
     * answer unreadable. */
    int (*batch)(void *owner, const sqt_kit_placing *p, const char *body, size_t len,
                 sqt_kit_item *items, sqt_error *e);
} sqt_kit_placing_parse;

/* A place_orders() call: every request's result (client id copied, struct_size set),
 * and which of them went on the wire. One malloc'd block (free() frees it). */
struct sqt_kit_placing {
    sqt_place_cb cb;
    void *ud;
    const sqt_kit_placing_parse *parse;
    size_t n;                  /* requests = results */
    sqt_place_result *res;     /* [n] */
    size_t n_sent;             /* sent, in order: */
    size_t *sent;              /* [n] their request index */
    sqt_order_req *reqs;       /* [n] the requests sent */
};

/* NULL when out of memory (or n == 0). */
sqt_kit_placing *sqt_kit_placing_new(const sqt_order_req *reqs, size_t n,
                                     const sqt_kit_placing_parse *parse, sqt_place_cb cb,
                                     void *ud);
/* Request i goes on the wire (next in the call). */
void sqt_kit_placing_send(sqt_kit_placing *p, size_t i, const sqt_order_req *q);
/* Request i was refused before sending (its result's err says why, logged as a warning
 * through the plugin); *first_err keeps the first refusal. */
void sqt_kit_placing_refuse(sqt_kit_placing *p, sqt_kit_plugin *k, size_t i, int *first_err);
/* The call's answer (an sqt_kit_answer_fn: the request's ctx is the placing): a failed
 * call is a single order's own verdict when item-level, else every sent order's and the
 * status; an unreadable answer is an unknown outcome. Then cb(ud, status, res, n) and
 * the placing is freed. */
void sqt_kit_placing_done(sqt_kit_call *c, const sqt_kit_answer *a);
/* For a plugin's warm (sqt_exchange_api.warm): the smallest order the symbol's rules
 * allow, a post-only buy of min_qty (else one step) at one tick, with a client id every
 * exchange accepts. A plugin with a price floor of its own raises the price to it. */
void sqt_kit_warm_order(const sqt_symbol_info *info, sqt_order_req *r);
/* cancel_orders()'s results: ids copied from the requests, no error yet. */
void sqt_kit_cancel_results(sqt_cancel_result *res, const sqt_cancel_req *reqs, size_t n);

/* ---- an order's fee charged in several coins ---------------------------------------- */

/* Exchanges report an order's cumulative fee per coin (Bitget's feeDetail): part in the
 * quote coin, part in a discount coin (BGB, GT, points). No exact rate between the coins
 * exists at the plugin boundary, so the rule is:
 *   - every non-zero part in the quote coin: cum_fee = their sum, in the quote coin, and
 *     has_cum_fee = 1 - if the fill's own record (fee, fee_asset) is in the quote coin too
 *     (or names no coin: then fee_asset becomes the quote coin);
 *   - any non-zero part in another coin: cum_fee stays unset (has_cum_fee = 0). The host
 *     then books each fill's own fee record (fee in fee_asset) as it comes - the quote
 *     coin's into the PnL, another coin's as a fee record in that coin - and a lost
 *     push's fee is not recovered from REST (it cannot be told apart by coin there).
 * Amounts are added as given: the caller passes them positive = paid. */
typedef struct sqt_kit_fees {
    char quote[SQT_ASSET_MAX];
    sqt_dec sum;               /* of the quote coin's parts */
    int parts;                 /* quote-coin parts seen */
    int other;                 /* a non-zero part in another coin was seen */
    int err;                   /* SQT_ERANGE: the sum overflowed (then nothing is set) */
} sqt_kit_fees;

void sqt_kit_fees_init(sqt_kit_fees *f, const char *quote);
void sqt_kit_fees_add(sqt_kit_fees *f, const char *coin, sqt_dec paid);
/* Apply the rule to o: 1 when o->cum_fee was set, 0 when it stays unset. */
int sqt_kit_fees_apply(const sqt_kit_fees *f, sqt_order *o);
/* a + b exactly (at the larger scale); SQT_ERANGE when it does not fit. */
int sqt_kit_dec_add(sqt_dec a, sqt_dec b, sqt_dec *out);

/* ---- the fee of REST answers from the orders' trade lists ------------------------------ */

/* Some exchanges answer an order query without its fee. For each order of the answer
 * with fills (filled_qty > 0, an order id) the filler asks the exchange for the order's
 * trade list, one after the other (at most lists_max per answer), and takes the sum as
 * cum_fee / has_cum_fee / fee_asset only when it covers filled_qty exactly (a lagging
 * list must not understate the fee) in one asset. The orders are handed on exactly
 * once: ECANCELLED (an answer's, or shutdown begun) as the error without orders; any
 * other failure is logged and the orders go without the fees not yet known. */
typedef struct sqt_kit_fee_sum {
    sqt_dec qty;               /* the trades' quantity, as filled_qty counts it */
    sqt_dec fee;               /* their fee, positive = paid */
    char asset[SQT_ASSET_MAX];
    int one_asset;             /* 1: every trade paid in `asset` */
} sqt_kit_fee_sum;

/* The exchange's part (plugin: the record starting with its sqt_kit_plugin). */
typedef struct sqt_kit_fee_hooks {
    /* Start the trade list call of order_id with done = sqt_kit_fee_done and ctx = ctx
     * (sqt_kit_plugin_call). SQT_OK: the answer comes later; else nothing runs. */
    int (*ask)(void *plugin, void *ctx, const char *order_id);
    /* Sum the trades of o in a successful answer; SQT_OK or an error in e. */
    int (*sum)(void *plugin, const sqt_order *o, const sqt_kit_answer *a, sqt_kit_fee_sum *s,
               sqt_error *e);
    /* An order id the trade list accepts; NULL: any non-empty one. */
    int (*id_ok)(const char *order_id);
    int lists_max;             /* trade lists per answer (the call's weight) */
} sqt_kit_fee_hooks;

/* Hand orders[0..n) (copied) to cb exactly once: at once when none wants a fee, else
 * after their trade lists. Call it from a REST completion, never inside the operation's
 * own call (cb would run before the operation returns). h must outlive the lists. */
void sqt_kit_fee_fill(sqt_kit_plugin *p, const sqt_kit_fee_hooks *h, const char *what,
                      sqt_orders_cb cb, void *ud, const sqt_order *orders, size_t n);
/* The trade list calls' done (ask passes it with the ctx it got). */
void sqt_kit_fee_done(sqt_kit_call *c, const sqt_kit_answer *a);
/* The sum as o's cumulative fee when it covers filled_qty in one asset: 1, else a
 * warning naming `what` and o, and 0 (o untouched). */
int sqt_kit_fee_take(sqt_kit_plugin *p, const char *what, sqt_order *o,
                     const sqt_kit_fee_sum *s);

#ifdef __cplusplus
}
#endif

#endif
