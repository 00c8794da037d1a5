/* Helpers every dialect needs the same way (emulator.h, "dialect helpers"): headers by
 * name, the URL decoding and query values their signatures and parameters are read
 * from, digit checks, JSON fields and decimals, a JSON message on a socket, the socket
 * walks and cuts, the state blocks' frees. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emulator.h"

const char *sqt_emu_header(const sqt_header *h, size_t n, const char *name)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcasecmp(h[i].name, name) == 0)
            return h[i].value;
    return NULL;
}

const char *sqt_emu_req_header(const sqt_emu_req *r, const char *name)
{
    return sqt_emu_header(r->headers, r->n_headers, name);
}

static int hexv(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *sqt_emu_url_decode(const char *s, size_t n)
{
    char *o = malloc(n + 1), *w = o;
    size_t i;
    if (o == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        if (s[i] == '+') {
            *w++ = ' ';
        } else if (s[i] == '%' && i + 2 < n && hexv((unsigned char)s[i + 1]) >= 0 &&
                   hexv((unsigned char)s[i + 2]) >= 0) {
            *w++ = (char)(hexv((unsigned char)s[i + 1]) * 16 + hexv((unsigned char)s[i + 2]));
            i += 2;
        } else {
            *w++ = s[i];
        }
    }
    *w = '\0';
    return o;
}

char *sqt_emu_query_get(const char *q, const char *key)
{
    size_t kl = strlen(key);
    while (q != NULL && *q != '\0') {
        size_t n = strcspn(q, "&");
        if (n > kl && strncmp(q, key, kl) == 0 && q[kl] == '=')
            return sqt_emu_url_decode(q + kl + 1, n - kl - 1);
        q += n;
        if (*q == '&')
            q++;
    }
    return NULL;
}

int sqt_emu_all_digits(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 18)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

const char *sqt_emu_jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *sqt_emu_jdec(sqt_dec d)
{
    char b[48];
    return json_string(sqt_emu_fmt(d, b, sizeof(b)));
}

void sqt_emu_ws_json(sqt_emu_ws *w, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(v);
    if (text != NULL)
        sqt_emu_ws_text(w, text);
    free(text);
}

sqt_emu_ws *sqt_emu_market_next(sqt_emu *e, sqt_emu_ws *w)
{
    for (w = w == NULL ? sqt_emu_ws_list(e) : w->next; w != NULL; w = w->next)
        if (w->open && w->kind == SQT_EMU_WS_MARKET && w->dstate != NULL)
            return w;
    return NULL;
}

int sqt_emu_user_ws_cut(sqt_emu *e, const char *notice, const char *reason, const char *what)
{
    sqt_emu_ws *w;
    int n = 0;
    for (w = sqt_emu_ws_list(e); w != NULL; w = w->next)
        if ((w->kind & SQT_EMU_WS_USER) && w->open) {
            if (notice != NULL)
                sqt_emu_ws_text(w, notice);
            sqt_srv_ws_close(w->conn, 1000, reason);
            n++;
        }
    sqt_emu_logf(e, "private connections closed (%s): %d", what, n);
    return n > 0 ? SQT_OK : SQT_ESTATE;
}

sqt_dec sqt_emu_bid_below(const sqt_emu *e, sqt_dec price)
{
    const sqt_symbol_info *in = sqt_emu_info(e);
    return sqt_dec_make(price.mant > in->tick_size.mant ? price.mant - in->tick_size.mant
                                                         : price.mant,
                        price.scale);
}

void sqt_emu_dstate_free(void *st)
{
    free(st);
}

void sqt_emu_ws_dstate_free(void *st, sqt_emu_ws *w)
{
    (void)st;
    free(w->dstate);
    w->dstate = NULL;
}
