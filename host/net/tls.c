/* TLS over memory BIOs (see tls.h). */
#include "net/tls.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <opensqt/plugin.h>

struct sqt_tls_ctx {
    SSL_CTX *ssl;
    int server;
};

struct sqt_tls {
    SSL *ssl;
    BIO *rbio;                 /* ciphertext from the peer (owned by ssl) */
    BIO *wbio;                 /* ciphertext for the peer (owned by ssl) */
    sqt_tls_out_cb out;
    sqt_tls_plain_cb plain;
    void *ud;
    int ready;
    int failed;
    char err[256];
};

static void errf(char *err, size_t cap, const char *what, const char *file)
{
    char reason[160] = "";
    unsigned long e = ERR_get_error();
    if (err == NULL || cap == 0)
        return;
    if (e != 0)
        ERR_error_string_n(e, reason, sizeof(reason));
    snprintf(err, cap, "%s%s%s%s%s", what, file ? " " : "", file ? file : "",
             reason[0] ? ": " : "", reason);
    ERR_clear_error();
}

int sqt_tls_ctx_client(const char *extra_ca_file, sqt_tls_ctx **out, char *err, size_t errcap)
{
    static const unsigned char alpn[] = "\x08http/1.1";
    sqt_tls_ctx *c;
    if (out == NULL)
        return SQT_EINVAL;
    *out = NULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return SQT_ENOMEM;
    ERR_clear_error();
    c->ssl = SSL_CTX_new(TLS_client_method());
    if (c->ssl == NULL) {
        errf(err, errcap, "TLS: cannot create context", NULL);
        free(c);
        return SQT_ENOMEM;
    }
    SSL_CTX_set_min_proto_version(c->ssl, TLS1_2_VERSION);
    SSL_CTX_set_verify(c->ssl, SSL_VERIFY_PEER, NULL);
    /* WebSocket upgrades are HTTP/1.1: say so, a server speaking h2 must not pick it. */
    SSL_CTX_set_alpn_protos(c->ssl, alpn, sizeof(alpn) - 1);
    if (SSL_CTX_set_default_verify_paths(c->ssl) != 1) {
        errf(err, errcap, "TLS: cannot load the system CA store", NULL);
        sqt_tls_ctx_free(c);
        return SQT_ENOENT;
    }
    /* Adds to the store loaded above; it never replaces the system CAs. */
    if (extra_ca_file != NULL && extra_ca_file[0] != '\0' &&
        SSL_CTX_load_verify_locations(c->ssl, extra_ca_file, NULL) != 1) {
        errf(err, errcap, "TLS: cannot load CA file", extra_ca_file);
        sqt_tls_ctx_free(c);
        return SQT_ENOENT;
    }
    *out = c;
    return SQT_OK;
}

int sqt_tls_ctx_server(const char *cert_file, const char *key_file, sqt_tls_ctx **out,
                       char *err, size_t errcap)
{
    sqt_tls_ctx *c;
    if (out == NULL || cert_file == NULL || key_file == NULL)
        return SQT_EINVAL;
    *out = NULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return SQT_ENOMEM;
    c->server = 1;
    ERR_clear_error();
    c->ssl = SSL_CTX_new(TLS_server_method());
    if (c->ssl == NULL) {
        errf(err, errcap, "TLS: cannot create context", NULL);
        free(c);
        return SQT_ENOMEM;
    }
    SSL_CTX_set_min_proto_version(c->ssl, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(c->ssl, cert_file) != 1) {
        errf(err, errcap, "TLS: cannot load certificate", cert_file);
        sqt_tls_ctx_free(c);
        return SQT_ENOENT;
    }
    if (SSL_CTX_use_PrivateKey_file(c->ssl, key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(c->ssl) != 1) {
        errf(err, errcap, "TLS: cannot load key", key_file);
        sqt_tls_ctx_free(c);
        return SQT_ENOENT;
    }
    *out = c;
    return SQT_OK;
}

void sqt_tls_ctx_free(sqt_tls_ctx *ctx)
{
    if (ctx == NULL)
        return;
    SSL_CTX_free(ctx->ssl);
    free(ctx);
}

static int is_ip_literal(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int sqt_tls_new(sqt_tls_ctx *ctx, const char *peer, sqt_tls_out_cb out, sqt_tls_plain_cb plain,
                void *ud, sqt_tls **res)
{
    sqt_tls *t;
    if (ctx == NULL || out == NULL || plain == NULL || res == NULL)
        return SQT_EINVAL;
    if (!ctx->server && (peer == NULL || peer[0] == '\0'))
        return SQT_EINVAL;
    *res = NULL;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return SQT_ENOMEM;
    t->out = out;
    t->plain = plain;
    t->ud = ud;
    ERR_clear_error();
    t->ssl = SSL_new(ctx->ssl);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (t->ssl == NULL || t->rbio == NULL || t->wbio == NULL) {
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        SSL_free(t->ssl);
        free(t);
        ERR_clear_error();
        return SQT_ENOMEM;
    }
    /* An empty read BIO means "no data yet", not end of stream. */
    BIO_set_mem_eof_return(t->rbio, -1);
    BIO_set_mem_eof_return(t->wbio, -1);
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    if (ctx->server) {
        SSL_set_accept_state(t->ssl);
    } else {
        int ok;
        SSL_set_connect_state(t->ssl);
        if (is_ip_literal(peer)) {
            ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), peer) == 1;
        } else {
            SSL_set_hostflags(t->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            ok = SSL_set_tlsext_host_name(t->ssl, peer) == 1 && SSL_set1_host(t->ssl, peer) == 1;
        }
        if (!ok) {
            sqt_tls_free(t);
            ERR_clear_error();
            return SQT_EINVAL;
        }
    }
    *res = t;
    return SQT_OK;
}

void sqt_tls_free(sqt_tls *t)
{
    if (t == NULL)
        return;
    SSL_free(t->ssl);
    free(t);
}

/* Hand everything OpenSSL wrote to the caller. Called after every SSL call, since
 * TLS 1.3 may produce output during a read (tickets, key updates, alerts). */
static void flush_out(sqt_tls *t)
{
    char buf[16384];
    int n;
    while ((n = BIO_read(t->wbio, buf, (int)sizeof(buf))) > 0)
        t->out(t->ud, buf, (size_t)n);
}

static int fail(sqt_tls *t, int sslerr)
{
    long vr = SSL_get_verify_result(t->ssl);
    unsigned long e = ERR_peek_error();
    char reason[160] = "";
    if (e != 0)
        ERR_error_string_n(e, reason, sizeof(reason));
    if (vr != X509_V_OK)
        snprintf(t->err, sizeof(t->err), "TLS: certificate verify failed: %s",
                 X509_verify_cert_error_string(vr));
    else if (reason[0] != '\0')
        snprintf(t->err, sizeof(t->err), "TLS: %s", reason);
    else
        snprintf(t->err, sizeof(t->err), "TLS: error %d", sslerr);
    ERR_clear_error();
    t->failed = 1;
    return SQT_ENETWORK;
}

int sqt_tls_start(sqt_tls *t)
{
    int r, e;
    if (t == NULL || t->failed)
        return SQT_ESTATE;
    ERR_clear_error();
    r = SSL_do_handshake(t->ssl);
    flush_out(t);
    if (r == 1) {
        t->ready = 1;
        return SQT_OK;
    }
    e = SSL_get_error(t->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return SQT_OK;
    return fail(t, e);
}

int sqt_tls_feed(sqt_tls *t, const char *data, size_t len)
{
    char buf[16384];
    if (t == NULL || t->failed)
        return SQT_ESTATE;
    ERR_clear_error();
    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        int w = BIO_write(t->rbio, data, chunk);
        if (w <= 0) {
            ERR_clear_error();
            return SQT_ENOMEM;
        }
        data += w;
        len -= (size_t)w;
    }
    if (!t->ready) {
        int r = SSL_do_handshake(t->ssl);
        flush_out(t);
        if (r != 1) {
            int e = SSL_get_error(t->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                return SQT_TLS_OK;
            return fail(t, e);
        }
        t->ready = 1;
    }
    for (;;) {
        int n = SSL_read(t->ssl, buf, (int)sizeof(buf));
        flush_out(t);
        if (n > 0) {
            if (t->plain(t->ud, buf, (size_t)n) != 0)
                return SQT_TLS_OK;
            continue;
        }
        switch (SSL_get_error(t->ssl, n)) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return SQT_TLS_OK;
        case SSL_ERROR_ZERO_RETURN:
            return SQT_TLS_EOF;
        default:
            return fail(t, SSL_get_error(t->ssl, n));
        }
    }
}

int sqt_tls_ready(const sqt_tls *t)
{
    return t != NULL && t->ready && !t->failed;
}

int sqt_tls_write(sqt_tls *t, const char *data, size_t len)
{
    if (t == NULL || !t->ready || t->failed)
        return SQT_ESTATE;
    ERR_clear_error();
    while (len > 0) {
        int chunk = len > (1u << 30) ? (int)(1u << 30) : (int)len;
        /* A memory BIO never blocks, so SSL_write takes the whole chunk or fails. */
        int n = SSL_write(t->ssl, data, chunk);
        flush_out(t);
        if (n <= 0)
            return fail(t, SSL_get_error(t->ssl, n));
        data += n;
        len -= (size_t)n;
    }
    return SQT_OK;
}

void sqt_tls_close_notify(sqt_tls *t)
{
    if (t == NULL || !t->ready || t->failed)
        return;
    ERR_clear_error();
    SSL_shutdown(t->ssl);
    flush_out(t);
    ERR_clear_error();
}

const char *sqt_tls_error(const sqt_tls *t)
{
    return t != NULL ? t->err : "";
}
