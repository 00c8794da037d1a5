/*
 * OpenSQT plugin SDK, ABI 1.
 *
 * The one public header of OpenSQT-C. An exchange plugin is a shared object built
 * against this header alone; it exports exactly one symbol, sqt_plugin_entry(), which
 * returns a constant descriptor. The host checks the descriptor's ABI fields before it
 * calls anything else in the plugin.
 *
 * Rules of the boundary (see docs/plugin-guide.md):
 *  - Everything is asynchronous and single-threaded: the host runs one event loop and
 *    calls the plugin only from it. An operation that returns 0 calls its callback
 *    exactly once, later, on the loop, never from inside the call that started it; one
 *    that returns a negative SQT_E* code never calls it.
 *  - Whoever allocates frees. Data handed to a callback is valid only during the call.
 *  - Money is fixed point (sqt_dec): no floating point between plugin and order request.
 *  - Tables start with struct_size and only ever grow at the end; a member past the
 *    other side's struct_size is absent (the feature is unsupported).
 *  - The plugin never opens sockets: it reaches the network through the host services
 *    table (HTTP, WebSocket, timers).
 *
 * Self-contained C11: needs only <stddef.h> and <stdint.h>.
 */
#ifndef OPENSQT_PLUGIN_H
#define OPENSQT_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------
 * ABI version and build signature
 * ---------------------------------------------------------------------------------- */

#define SQT_PLUGIN_ABI_MAJOR 1
#define SQT_PLUGIN_ABI_MINOR 1

/* 1 when the table `p` (its first member struct_size) is long enough to hold `member`:
 * how one side reads a member the other side's minor may not have. */
#define SQT_HAS_MEMBER(p, type, member)                                                   \
    ((p)->struct_size >= offsetof(type, member) + sizeof(((type *)0)->member))

#define SQT__STR2(x) #x
#define SQT__STR(x) SQT__STR2(x)

#if UINTPTR_MAX == 0xffffffffffffffffu
#define SQT__PTRBITS "p64"
#else
#define SQT__PTRBITS "p32"
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define SQT__ENDIAN "be"
#else
#define SQT__ENDIAN "le"
#endif

/* Facts of the build that must match between host and plugin even when the ABI
 * version does: pointer width, byte order, decimal representation, ABI major. */
#define SQT_BUILD_SIGNATURE \
    "sqt" SQT__STR(SQT_PLUGIN_ABI_MAJOR) "," SQT__PTRBITS "," SQT__ENDIAN ",dec=i64s10"

#if defined(_WIN32)
#define SQT_EXPORT __declspec(dllexport)
#else
#define SQT_EXPORT __attribute__((visibility("default")))
#endif

/* SQT_HOT marks a function that runs on the way from a push (price or order) to the
 * order request it causes. GCC and Clang place such functions together, in an ELF
 * section of their own named sqt_hot, so a turn that starts cold after the process
 * slept touches a few code pages instead of dozens spread over the binary, and the host
 * can prefetch that section (the host's own and a loaded plugin's, found by its name)
 * into the CPU's cache when its loop wakes from idle. Layout only: it changes no
 * behaviour. Put it on definitions; a declaration without it is fine. */
#if defined(__GNUC__) && defined(__ELF__)
#define SQT_HOT __attribute__((hot, section("sqt_hot")))
#elif defined(__GNUC__)
#define SQT_HOT __attribute__((hot))
#else
#define SQT_HOT
#endif

/* ------------------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------------------- */

enum {
    SQT_OK = 0,
    SQT_EINVAL = -1,           /* bad argument or malformed input */
    SQT_ENOMEM = -2,           /* out of memory */
    SQT_ENOTSUP = -3,          /* operation not supported by this plugin */
    SQT_ESTATE = -4,           /* not allowed in the current state */
    SQT_ENOENT = -5,           /* no such item (config key, secret, symbol) */
    SQT_ERANGE = -6,           /* value does not fit (decimal overflow, buffer) */
    SQT_EPROTO = -7,           /* exchange answered something we cannot parse */

    /* trading classes: the executor's policy depends only on these */
    SQT_ERATE_LIMITED = -20,   /* slow down; sqt_error.retry_after_ms says how long */
    SQT_EBANNED = -21,         /* IP/key banned until sqt_error.retry_after_ms */
    SQT_EPOST_ONLY = -22,      /* post-only order would have taken liquidity */
    SQT_EMARGIN = -23,         /* insufficient margin or balance */
    SQT_EUNKNOWN_ORDER = -24,  /* no such order, or already finished */
    SQT_EDUP_CLIENT_ID = -25,  /* client order id already used by an open order */
    SQT_EAUTH = -26,           /* bad key, signature, permission or IP */
    SQT_ETIMESTAMP = -27,      /* request timestamp outside the exchange's window */
    SQT_ERULES = -28,          /* price/qty off tick or step, below min qty/notional */
    SQT_EPOSITION_MODE = -29,  /* account in the wrong position mode (hedge/one-way) */
    SQT_ENETWORK = -30,        /* connection failed or dropped */
    SQT_ETIMEOUT = -31,        /* no answer in time */
    SQT_ECANCELLED = -32,      /* the request was cancelled (shutdown) */
    SQT_EEXCHANGE = -33,       /* any other error the exchange reported */
    SQT_EUNKNOWN_STATUS = -34  /* outcome unknown (5xx, timeout after send): verify, don't blindly retry */
};

/* Static text for an SQT_E* code; never NULL. */
static inline const char *sqt_strerror(int code)
{
    switch (code) {
    case SQT_OK: return "ok";
    case SQT_EINVAL: return "invalid argument";
    case SQT_ENOMEM: return "out of memory";
    case SQT_ENOTSUP: return "not supported by this plugin";
    case SQT_ESTATE: return "not allowed in the current state";
    case SQT_ENOENT: return "not found";
    case SQT_ERANGE: return "value out of range";
    case SQT_EPROTO: return "malformed exchange response";
    case SQT_ERATE_LIMITED: return "rate limited";
    case SQT_EBANNED: return "banned by the exchange";
    case SQT_EPOST_ONLY: return "post-only order would take liquidity";
    case SQT_EMARGIN: return "insufficient margin";
    case SQT_EUNKNOWN_ORDER: return "unknown order";
    case SQT_EDUP_CLIENT_ID: return "duplicate client order id";
    case SQT_EAUTH: return "authentication failed";
    case SQT_ETIMESTAMP: return "timestamp outside the receive window";
    case SQT_ERULES: return "order violates the symbol's trading rules";
    case SQT_EPOSITION_MODE: return "wrong position mode";
    case SQT_ENETWORK: return "network error";
    case SQT_ETIMEOUT: return "timed out";
    case SQT_ECANCELLED: return "cancelled";
    case SQT_EEXCHANGE: return "exchange error";
    case SQT_EUNKNOWN_STATUS: return "outcome unknown";
    default: return "unknown error";
    }
}

/* The detail of a failure. `code` is the SQT_E* class the host acts on; the rest is
 * for the log: the exchange's own code ("-2019", "40762", "ORDER_POC_IMMEDIATE") and
 * message text. Never put a secret into it. */
typedef struct sqt_error {
    int code;                  /* SQT_E*; SQT_OK when no error */
    int http_status;           /* 0 when not an HTTP answer */
    int64_t retry_after_ms;    /* RATE_LIMITED / BANNED: wait at least this long; 0 unknown */
    char exch_code[32];        /* exchange's own error code as text, "" when none */
    char message[256];         /* exchange's message, or the plugin's description */
} sqt_error;

/* ------------------------------------------------------------------------------------
 * Fixed-point decimals
 *
 * value = mant * 10^-scale, 0 <= scale <= SQT_DEC_MAX_SCALE. Exact: "0.010" parses to
 * {10, 3}. Prices and quantities cross the boundary only as sqt_dec.
 * ---------------------------------------------------------------------------------- */

#define SQT_DEC_MAX_SCALE 18

typedef struct sqt_dec {
    int64_t mant;
    int32_t scale;
    int32_t reserved_;         /* keep zero */
} sqt_dec;

static inline sqt_dec sqt_dec_make(int64_t mant, int32_t scale)
{
    sqt_dec d;
    d.mant = mant;
    d.scale = scale;
    d.reserved_ = 0;
    return d;
}

/* Parse `len` bytes of a plain decimal ("-12.340", "5", ".5"; no exponent, no spaces).
 * Returns SQT_OK, SQT_EINVAL on syntax, SQT_ERANGE when it does not fit. Trailing zeros
 * after the point are dropped when more than SQT_DEC_MAX_SCALE digits follow it. */
static inline int sqt_dec_parse(const char *s, size_t len, sqt_dec *out)
{
    size_t i = 0;
    int neg = 0, digits = 0, point = 0;
    int32_t scale = 0;
    uint64_t m = 0;
    if (s == NULL || out == NULL || len == 0)
        return SQT_EINVAL;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    for (; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            if (point)
                return SQT_EINVAL;
            point = 1;
            continue;
        }
        if (c < '0' || c > '9')
            return SQT_EINVAL;
        digits++;
        if (point) {
            if (scale == SQT_DEC_MAX_SCALE) {
                if (c != '0')
                    return SQT_ERANGE;
                continue;
            }
            scale++;
        }
        if (m > (UINT64_C(9223372036854775807) - (uint64_t)(c - '0')) / 10u)
            return SQT_ERANGE;
        m = m * 10u + (uint64_t)(c - '0');
    }
    if (digits == 0)
        return SQT_EINVAL;
    *out = sqt_dec_make(neg ? -(int64_t)m : (int64_t)m, scale);
    return SQT_OK;
}

/* Write d as a plain decimal with exactly d.scale fraction digits. Returns the length
 * (excluding the NUL), or SQT_ERANGE when `cap` is too small. */
static inline int sqt_dec_format(sqt_dec d, char *buf, size_t cap)
{
    char tmp[48];
    size_t n = 0, k = 0;
    uint64_t m;
    int32_t sc = d.scale;
    if (buf == NULL || sc < 0 || sc > SQT_DEC_MAX_SCALE)
        return SQT_EINVAL;
    m = d.mant < 0 ? (uint64_t)0 - (uint64_t)d.mant : (uint64_t)d.mant;
    do { /* digits in reverse, with the point after `scale` of them */
        tmp[n++] = (char)('0' + (int)(m % 10u));
        m /= 10u;
        if ((int32_t)n == sc)
            tmp[n++] = '.';
    } while (m != 0 || (int32_t)n <= sc);
    if (tmp[n - 1] == '.')
        tmp[n++] = '0';
    if (d.mant < 0)
        tmp[n++] = '-';
    if (n + 1 > cap)
        return SQT_ERANGE;
    for (k = 0; k < n; k++)
        buf[k] = tmp[n - 1 - k];
    buf[n] = '\0';
    return (int)n;
}

/* Exactly re-express d with `scale` fraction digits. SQT_ERANGE when digits would be
 * lost or the mantissa overflows. */
static inline int sqt_dec_rescale(sqt_dec d, int32_t scale, sqt_dec *out)
{
    int64_t m = d.mant;
    int32_t s = d.scale;
    if (scale < 0 || scale > SQT_DEC_MAX_SCALE || s < 0 || s > SQT_DEC_MAX_SCALE)
        return SQT_EINVAL;
    while (s < scale) {
        if (m > INT64_MAX / 10 || m < INT64_MIN / 10)
            return SQT_ERANGE;
        m *= 10;
        s++;
    }
    while (s > scale) {
        if (m % 10 != 0)
            return SQT_ERANGE;
        m /= 10;
        s--;
    }
    *out = sqt_dec_make(m, s);
    return SQT_OK;
}

/* Drop trailing fraction zeros: {1000, 3} -> {1, 0}. */
static inline sqt_dec sqt_dec_normalize(sqt_dec d)
{
    while (d.scale > 0 && d.mant % 10 == 0) {
        d.mant /= 10;
        d.scale--;
    }
    return d;
}

/* -1, 0, 1, exact for every pair of valid decimals (no overflow: integer and fraction
 * parts are compared separately). *ok (when not NULL) is 0 only for a scale outside
 * 0..SQT_DEC_MAX_SCALE. */
static inline int sqt_dec_cmp(sqt_dec a, sqt_dec b, int *ok)
{
    static const int64_t p10[SQT_DEC_MAX_SCALE + 1] = {
        1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
        10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000,
        1000000000000000, 10000000000000000, 100000000000000000, 1000000000000000000};
    int64_t ia, ib, fa, fb;
    int32_t s;
    if (a.scale < 0 || a.scale > SQT_DEC_MAX_SCALE || b.scale < 0 || b.scale > SQT_DEC_MAX_SCALE) {
        if (ok)
            *ok = 0;
        return 0;
    }
    if (ok)
        *ok = 1;
    ia = a.mant / p10[a.scale]; /* both parts carry the sign of the value */
    ib = b.mant / p10[b.scale];
    if (ia != ib)
        return (ia > ib) - (ia < ib);
    /* |fraction| < 10^scale, so bringing it to s <= 18 digits cannot overflow */
    s = a.scale > b.scale ? a.scale : b.scale;
    fa = (a.mant % p10[a.scale]) * p10[s - a.scale];
    fb = (b.mant % p10[b.scale]) * p10[s - b.scale];
    return (fa > fb) - (fa < fb);
}

/* ------------------------------------------------------------------------------------
 * Trading data
 * ---------------------------------------------------------------------------------- */

#define SQT_SYMBOL_MAX 32      /* includes the NUL */
#define SQT_ASSET_MAX 16
#define SQT_CLIENT_ID_MAX 64
#define SQT_ORDER_ID_MAX 48
#define SQT_INTERVAL_MAX 8

typedef enum sqt_side { SQT_SIDE_NONE = 0, SQT_SIDE_BUY = 1, SQT_SIDE_SELL = 2 } sqt_side;

typedef enum sqt_tif {
    SQT_TIF_GTC = 1,           /* plain limit order */
    SQT_TIF_POST_ONLY = 2      /* maker only: rejected with SQT_EPOST_ONLY if it would take */
} sqt_tif;

/* Normalised order status; the numeric order is the life order (a status only moves
 * forward). */
typedef enum sqt_order_status {
    SQT_ORDER_UNKNOWN = 0,
    SQT_ORDER_NEW = 1,
    SQT_ORDER_PARTIALLY_FILLED = 2,
    SQT_ORDER_FILLED = 3,
    SQT_ORDER_CANCELED = 4,
    SQT_ORDER_EXPIRED = 5,
    SQT_ORDER_REJECTED = 6
} sqt_order_status;

typedef enum sqt_position_mode {
    SQT_POSMODE_UNKNOWN = 0,
    SQT_POSMODE_ONE_WAY = 1,
    SQT_POSMODE_HEDGE = 2
} sqt_position_mode;

/* Contract rules of one symbol. Quantities are in base coin, prices in quote. */
typedef struct sqt_symbol_info {
    size_t struct_size;
    char symbol[SQT_SYMBOL_MAX];       /* config spelling, e.g. "ETHUSDT" */
    char base_asset[SQT_ASSET_MAX];
    char quote_asset[SQT_ASSET_MAX];
    sqt_dec tick_size;                 /* price step, > 0 */
    sqt_dec step_size;                 /* quantity step in base coin, > 0 */
    sqt_dec min_qty;                   /* minimum order quantity, base coin */
    sqt_dec min_notional;              /* minimum price*qty in quote; 0 = none */
    sqt_dec contract_multiplier;       /* base coin per contract; 1 when orders are in coin */
    int32_t max_open_orders;           /* exchange cap for this symbol; 0 = unknown */
    int32_t max_batch_place;           /* orders per place request, >= 1 */
    int32_t max_batch_cancel;          /* orders per cancel request, >= 1 */
    int32_t client_id_max_len;         /* usable client id length (after any prefix the plugin adds) */
    uint64_t reserved_[8];
} sqt_symbol_info;

typedef struct sqt_account {
    size_t struct_size;
    char asset[SQT_ASSET_MAX];         /* margin asset, e.g. "USDT" */
    sqt_dec balance;                   /* wallet balance */
    sqt_dec available;                 /* available for new orders */
    int32_t leverage;                  /* account-level leverage for the symbol; 0 = unknown */
    sqt_position_mode position_mode;
    uint64_t reserved_[8];
} sqt_account;

typedef struct sqt_position {
    size_t struct_size;
    char symbol[SQT_SYMBOL_MAX];
    sqt_dec size;                      /* signed, base coin: > 0 long, < 0 short */
    sqt_dec entry_price;
    sqt_dec unrealized_pnl;
    int32_t leverage;                  /* 0 = unknown */
    int32_t reserved0_;
    uint64_t reserved_[8];
} sqt_position;

/* A new order. Type is always LIMIT. */
typedef struct sqt_order_req {
    size_t struct_size;
    char client_id[SQT_CLIENT_ID_MAX]; /* the engine's id, without any exchange prefix */
    sqt_side side;
    sqt_tif tif;
    int32_t reduce_only;               /* 1 = may only reduce the position */
    int32_t reserved0_;
    sqt_dec price;                     /* on the tick */
    sqt_dec qty;                       /* base coin, on the step */
    uint64_t reserved_[4];
} sqt_order_req;

/* An order as the exchange reports it: REST results, open orders, query, and pushes on
 * the order stream. Client ids are handed to the host with any exchange prefix
 * stripped. */
typedef struct sqt_order {
    size_t struct_size;
    char symbol[SQT_SYMBOL_MAX];
    char client_id[SQT_CLIENT_ID_MAX];
    char order_id[SQT_ORDER_ID_MAX];   /* exchange order id as text */
    sqt_side side;
    sqt_order_status status;
    sqt_tif tif;
    int32_t reduce_only;
    sqt_dec price;
    sqt_dec qty;                       /* original quantity, base coin */
    sqt_dec filled_qty;                /* cumulative executed quantity, base coin */
    sqt_dec avg_price;                 /* 0 when nothing filled or unknown */
    sqt_dec last_fill_qty;             /* pushes: quantity of the fill that caused it; 0 none */
    sqt_dec last_fill_price;
    sqt_dec fee;                       /* fee of that fill, positive = paid; 0 none */
    char fee_asset[SQT_ASSET_MAX];
    sqt_dec realized_pnl;              /* as reported; 0 unknown */
    int64_t update_time_ms;            /* exchange time of this state */
    int64_t seq;                       /* exchange sequence for ordering, 0 = none */
    /* ABI 1.1, carved from reserved words (a 1.0 plugin leaves them zero). A plugin that
     * knows the order's total fee (e.g. from a trade list, when a REST answer reports
     * fills whose pushes were missed) sets has_cum_fee = 1 and cum_fee = the sum over
     * every fill of the order so far, all in fee_asset. The host then books the part it
     * has not seen yet, so no fee is lost or counted twice. */
    sqt_dec cum_fee;
    int32_t has_cum_fee;
    int32_t reserved1_;
    uint64_t reserved_[5];
} sqt_order;

/* The outcome of one order of a place request. */
typedef struct sqt_place_result {
    char client_id[SQT_CLIENT_ID_MAX]; /* as requested (prefix stripped) */
    sqt_error err;                     /* err.code == SQT_OK: accepted, `order` is valid */
    sqt_order order;
} sqt_place_result;

/* A cancel names the order by client id, exchange id, or both. */
typedef struct sqt_cancel_req {
    char client_id[SQT_CLIENT_ID_MAX];
    char order_id[SQT_ORDER_ID_MAX];
} sqt_cancel_req;

typedef struct sqt_cancel_result {
    char client_id[SQT_CLIENT_ID_MAX];
    char order_id[SQT_ORDER_ID_MAX];
    sqt_error err;                     /* SQT_OK cancelled; SQT_EUNKNOWN_ORDER already gone */
} sqt_cancel_result;

typedef struct sqt_kline {
    char symbol[SQT_SYMBOL_MAX];
    char interval[SQT_INTERVAL_MAX];   /* "1m", "5m", ... */
    int64_t open_time_ms;
    int64_t close_time_ms;
    sqt_dec open, high, low, close;
    sqt_dec volume;                    /* base coin */
    int32_t closed;                    /* 1 = final, 0 = still forming */
    int32_t reserved0_;
} sqt_kline;

typedef struct sqt_price_tick {
    char symbol[SQT_SYMBOL_MAX];
    sqt_dec price;                     /* last trade (or mid) price */
    int64_t time_ms;                   /* exchange event time */
    int64_t seq;                       /* exchange sequence, 0 = none */
} sqt_price_tick;

/* ------------------------------------------------------------------------------------
 * Host services: what the host lends the plugin. Passed at create time; valid until the
 * instance is destroyed. Every function takes the sqt_host pointer it came with.
 * ---------------------------------------------------------------------------------- */

typedef struct sqt_host sqt_host;           /* opaque host context */
typedef struct sqt_timer sqt_timer;         /* opaque timer handle */
typedef struct sqt_http_call sqt_http_call; /* opaque in-flight HTTP request */
typedef struct sqt_ws sqt_ws;               /* opaque WebSocket connection */

enum sqt_log_level {
    SQT_LOG_DEBUG = 0,
    SQT_LOG_INFO = 1,
    SQT_LOG_WARN = 2,
    SQT_LOG_ERROR = 3
};

typedef void (*sqt_timer_cb)(void *ud);

typedef struct sqt_header {
    const char *name;
    const char *value;
} sqt_header;

typedef struct sqt_http_request {
    size_t struct_size;
    const char *method;                /* "GET", "POST", "PUT", "DELETE" */
    const char *url;                   /* absolute http:// or https:// URL */
    const sqt_header *headers;
    size_t n_headers;
    const char *body;                  /* may be NULL */
    size_t body_len;
    uint32_t timeout_ms;               /* total; 0 = host default */
    uint32_t connect_timeout_ms;       /* 0 = host default */
} sqt_http_request;

typedef struct sqt_http_response {
    int status;                        /* HTTP status; 0 when no answer (see err) */
    const sqt_header *headers;         /* response headers, names as sent */
    size_t n_headers;
    const char *body;                  /* NUL-terminated for convenience */
    size_t body_len;
    sqt_error err;                     /* transport failure: NETWORK, TIMEOUT, CANCELLED */
} sqt_http_response;

typedef void (*sqt_http_cb)(void *ud, const sqt_http_response *resp);

typedef struct sqt_ws_options {
    size_t struct_size;
    const char *url;                   /* ws:// or wss:// */
    const sqt_header *headers;
    size_t n_headers;
    uint32_t ping_interval_ms;         /* protocol pings we send; 0 = host default */
    const char *app_ping_text;         /* text keep-alive such as "ping"; NULL = none */
    uint32_t app_ping_interval_ms;
    uint32_t stale_timeout_ms;         /* no message this long -> reconnect; 0 = default */
    uint32_t max_message_bytes;        /* 0 = host default */
    uint32_t reconnect_base_ms;        /* 0 = from timing.websocket_reconnect_delay */
    /* SQT_WS_* flags. Added within ABI 1.1 without moving the minor: a host reads it only
     * when struct_size covers it (a shorter struct means 0), and every flag is advisory:
     * a host that ignores it (an older 1.1 host) is still correct, so a plugin that sets
     * it relies on nothing the host may lack, and the minor check need not refuse it. */
    uint32_t flags;
} sqt_ws_options;

/* This connection carries market data (trades, tickers, candles): in a loop turn that
 * reads several connections, the host handles its messages after the others' (an order
 * push read in the same turn goes first), still within that turn. Never on a private or
 * user stream. */
#define SQT_WS_MARKET_DATA 0x1u

typedef struct sqt_ws_callbacks {
    size_t struct_size;
    /* Connected (first time and after every reconnect): log in, subscribe here. */
    void (*on_open)(void *ud, sqt_ws *ws);
    /* One whole message (fragments reassembled). */
    void (*on_message)(void *ud, sqt_ws *ws, const char *data, size_t len, int is_binary);
    /* Connection lost; the host reconnects unless closing. */
    void (*on_down)(void *ud, sqt_ws *ws, const sqt_error *why);
    /* Final: after ws_close(), or when the host gave up. No call for ws after it. */
    void (*on_closed)(void *ud, sqt_ws *ws);
} sqt_ws_callbacks;

/* What a stream subscription reports besides its data. */
typedef enum sqt_stream_state {
    SQT_STREAM_UP = 1,                 /* subscribed and confirmed (also after a reconnect) */
    SQT_STREAM_DOWN = 2,               /* gap: data may have been missed */
    SQT_STREAM_RESYNC = 3,             /* data was certainly missed (e.g. listenKey expired) */
    SQT_STREAM_FAILED = 4              /* gave up; no more data */
} sqt_stream_state;

/* Rate-limit facts a plugin learned from response headers. */
typedef struct sqt_rate_usage {
    int32_t used_weight;               /* e.g. X-MBX-USED-WEIGHT-1M; -1 unknown */
    int32_t weight_limit;              /* -1 unknown */
    int32_t order_count;               /* orders in the current window; -1 unknown */
    int32_t order_limit;               /* -1 unknown */
    int64_t banned_until_ms;           /* wall clock; 0 = not banned */
} sqt_rate_usage;

typedef struct sqt_host_api {
    size_t struct_size;

    void (*log)(sqt_host *h, int level, const char *msg);
    int64_t (*wall_ms)(sqt_host *h);   /* Unix time in ms */
    uint64_t (*mono_ns)(sqt_host *h);  /* monotonic clock */

    /* One-shot (repeat_ms 0) or repeating timer; *out may be NULL.
     * A repeating timer lives until timer_stop(). A ONE-SHOT timer is released by the
     * host right after its callback returns (setTimeout semantics): *out is valid only
     * until then, so stop it only before it fires (and forget the pointer in its
     * callback). */
    int (*timer_start)(sqt_host *h, uint64_t timeout_ms, uint64_t repeat_ms,
                       sqt_timer_cb cb, void *ud, sqt_timer **out);
    /* After this the callback is never called again; the handle is gone. */
    void (*timer_stop)(sqt_host *h, sqt_timer *t);

    /* Asynchronous HTTP(S). The request is copied; cb runs exactly once. *out (may be
     * NULL) lets the plugin cancel while cb has not run: cb then runs later (never inside
     * http_cancel) with err.code SQT_ECANCELLED - or with the real answer if it had
     * already arrived, so an accepted order is never hidden. */
    int (*http_request)(sqt_host *h, const sqt_http_request *req, sqt_http_cb cb,
                        void *ud, sqt_http_call **out);
    void (*http_cancel)(sqt_host *h, sqt_http_call *call);

    /* WebSocket with host-side reconnect, pings and watchdog. */
    int (*ws_open)(sqt_host *h, const sqt_ws_options *opt, const sqt_ws_callbacks *cbs,
                   void *ud, sqt_ws **out);
    int (*ws_send)(sqt_host *h, sqt_ws *ws, const char *data, size_t len, int is_binary);
    /* Asynchronous: on_closed follows. */
    int (*ws_close)(sqt_host *h, sqt_ws *ws);

    /* Secrets of this exchange's config block: "api_key", "secret_key", "passphrase".
     * Copies into buf (NUL-terminated), returns the length, SQT_ENOENT or SQT_ERANGE.
     * Never log the result. */
    int (*secret)(sqt_host *h, const char *name, char *buf, size_t cap);
    /* Any other scalar key of this exchange's config block (e.g. "rest_url").
     * Same return convention as secret(). */
    int (*config)(sqt_host *h, const char *key, char *buf, size_t cap);

    /* Rate-limit facts learned from a response. */
    void (*rate_usage)(sqt_host *h, const sqt_rate_usage *u);
} sqt_host_api;

/* ------------------------------------------------------------------------------------
 * The exchange function table
 * ---------------------------------------------------------------------------------- */

typedef struct sqt_exchange sqt_exchange;   /* the plugin's opaque instance */

typedef void (*sqt_done_cb)(void *ud, const sqt_error *err);
typedef void (*sqt_symbol_info_cb)(void *ud, const sqt_error *err, const sqt_symbol_info *info);
typedef void (*sqt_account_cb)(void *ud, const sqt_error *err, const sqt_account *acct);
typedef void (*sqt_positions_cb)(void *ud, const sqt_error *err, const sqt_position *pos, size_t n);
typedef void (*sqt_orders_cb)(void *ud, const sqt_error *err, const sqt_order *orders, size_t n);
typedef void (*sqt_klines_cb)(void *ud, const sqt_error *err, const sqt_kline *k, size_t n);
/* `status` is SQT_OK when the request reached the exchange (each item then carries its
 * own err), negative when the whole request failed (every item carries that error).
 * n always equals the number of orders requested, in request order. */
typedef void (*sqt_place_cb)(void *ud, int status, const sqt_place_result *res, size_t n);
typedef void (*sqt_cancel_cb)(void *ud, int status, const sqt_cancel_result *res, size_t n);

/* Stream sinks: `on_*` may be called many times; `on_state` reports UP/DOWN/... */
typedef struct sqt_price_sink {
    void *ud;
    void (*on_price)(void *ud, const sqt_price_tick *tick);
    void (*on_state)(void *ud, sqt_stream_state st, const sqt_error *err);
} sqt_price_sink;

typedef struct sqt_order_sink {
    void *ud;
    void (*on_order)(void *ud, const sqt_order *update);
    void (*on_state)(void *ud, sqt_stream_state st, const sqt_error *err);
} sqt_order_sink;

typedef struct sqt_kline_sink {
    void *ud;
    void (*on_kline)(void *ud, const sqt_kline *k);
    void (*on_state)(void *ud, sqt_stream_state st, const sqt_error *err);
} sqt_kline_sink;

/* What the host tells the plugin at create time. */
typedef struct sqt_create_args {
    size_t struct_size;
    const char *symbol;                /* trading symbol, config spelling */
    const char *exchange_name;         /* the config block name */
    /* ABI 1.1: host settings a plugin follows instead of keys of its own (check with
     * SQT_HAS_MEMBER: a 1.0 host passes a shorter struct) */
    int32_t allow_hedge_mode;          /* trading.allow_hedge_mode: 1 = a hedge-mode account
                                        * is traded on its LONG side */
    int32_t reserved0_;
    int64_t user_stream_keepalive_ms;  /* timing.listen_key_keepalive_interval, for
                                        * exchanges whose private stream needs renewing;
                                        * 0 = the plugin's default */
} sqt_create_args;

#define SQT_EXF_NEEDS_API_KEY 0x1u     /* host refuses to start without api_key+secret_key */
#define SQT_EXF_NEEDS_PASSPHRASE 0x2u
#define SQT_EXF_SIMULATED 0x4u         /* no real money: paper trading */

typedef struct sqt_exchange_api {
    size_t struct_size;
    uint32_t flags;                    /* SQT_EXF_* */

    /* Synchronous, no I/O: read config and secrets, allocate. On failure fill *err. */
    int (*create)(const sqt_host_api *api, sqt_host *host, const sqt_create_args *args,
                  sqt_exchange **out, sqt_error *err);
    /* Asynchronous: stop streams, cancel in-flight requests (their callbacks run with
     * SQT_ECANCELLED), then call cb once. No callback of any kind after cb. */
    int (*shutdown)(sqt_exchange *ex, sqt_done_cb cb, void *ud);
    /* Free the instance. Only after shutdown's cb (or if nothing was ever started). */
    void (*destroy)(sqt_exchange *ex);

    int (*symbol_info)(sqt_exchange *ex, sqt_symbol_info_cb cb, void *ud);
    int (*account)(sqt_exchange *ex, sqt_account_cb cb, void *ud);
    /* Positions of the instance's symbol. */
    int (*positions)(sqt_exchange *ex, sqt_positions_cb cb, void *ud);
    /* All open orders of the instance's symbol. */
    int (*open_orders)(sqt_exchange *ex, sqt_orders_cb cb, void *ud);
    /* One order by client id (preferred) or order id; n == 1 on success. */
    int (*query_order)(sqt_exchange *ex, const char *client_id, const char *order_id,
                       sqt_orders_cb cb, void *ud);
    /* n <= symbol_info.max_batch_place. */
    int (*place_orders)(sqt_exchange *ex, const sqt_order_req *reqs, size_t n,
                        sqt_place_cb cb, void *ud);
    /* n <= symbol_info.max_batch_cancel. */
    int (*cancel_orders)(sqt_exchange *ex, const sqt_cancel_req *reqs, size_t n,
                         sqt_cancel_cb cb, void *ud);
    /* Cancel every open order of the symbol whose client id starts with `prefix` (never
     * anyone else's); results list what was cancelled. */
    int (*cancel_own)(sqt_exchange *ex, const char *prefix, sqt_cancel_cb cb, void *ud);
    /* Historical klines of any symbol, oldest first. */
    int (*klines)(sqt_exchange *ex, const char *symbol, const char *interval, int limit,
                  sqt_klines_cb cb, void *ud);

    /* Streams. The sink is copied; data flows until shutdown. Only one of each. */
    int (*subscribe_price)(sqt_exchange *ex, const sqt_price_sink *sink);
    /* The account's order updates, filtered to the instance's symbol. */
    int (*subscribe_orders)(sqt_exchange *ex, const sqt_order_sink *sink);
    int (*subscribe_klines)(sqt_exchange *ex, const char *const *symbols, size_t n,
                            const char *interval, const sqt_kline_sink *sink);

    /* Added within ABI 1.1 without moving the minor, like sqt_ws_options.flags: it is
     * advisory (latency only), a host that predates it never calls it, and a host reads
     * it only when SQT_HAS_MEMBER says the plugin's table has it. Optional: NULL = none.
     * Runs the plugin's own part of the way from an order push to an order request dry,
     * on canned input: a push like the user stream's parsed, an order like the engine's
     * built and signed, and the results thrown away. No I/O, no callback, no request,
     * nothing anyone can observe changes. The host calls it on its loop every
     * system.keep_warm_ms while it trades, so that this code, its data and their page
     * translations are still in the CPU's caches when a fill comes after a quiet spell.
     * Callable any time between create and destroy (also before symbol_info answered);
     * keep it to a few microseconds of work. */
    void (*warm)(sqt_exchange *ex);
} sqt_exchange_api;

/* ------------------------------------------------------------------------------------
 * The plugin descriptor and the one exported symbol
 * ---------------------------------------------------------------------------------- */

/* The first four members never move: the host reads them before anything else. */
typedef struct sqt_plugin {
    uint32_t abi_major;
    uint32_t abi_minor;
    size_t struct_size;                /* sizeof(sqt_plugin) the plugin was built with */
    const char *build_signature;       /* SQT_BUILD_SIGNATURE */
    const char *name;                  /* [a-z][a-z0-9_]{0,31}, equals the file name */
    const char *version;               /* plugin's own version */
    const char *description;
    const sqt_exchange_api *exchange;
    const void *reserved_[4];
} sqt_plugin;

#define SQT_PLUGIN_ENTRY_SYMBOL "sqt_plugin_entry"

typedef const sqt_plugin *(*sqt_plugin_entry_fn)(void);

/* Fill the descriptor and define the exported entry function. Use once per plugin:
 *   SQT_PLUGIN_DEFINE("paper", "1.0.0", "Simulated exchange", &paper_api)
 */
#define SQT_PLUGIN_DEFINE(name_, version_, description_, exchange_api_ptr)        \
    static const sqt_plugin sqt_plugin_descriptor_ = {                          \
        SQT_PLUGIN_ABI_MAJOR, SQT_PLUGIN_ABI_MINOR, sizeof(sqt_plugin),         \
        SQT_BUILD_SIGNATURE, (name_), (version_), (description_),               \
        (exchange_api_ptr), {0, 0, 0, 0}};                                      \
    SQT_EXPORT const sqt_plugin *sqt_plugin_entry(void);                        \
    SQT_EXPORT const sqt_plugin *sqt_plugin_entry(void)                         \
    {                                                                           \
        return &sqt_plugin_descriptor_;                                         \
    }

#ifdef __cplusplus
}
#endif

#endif /* OPENSQT_PLUGIN_H */
