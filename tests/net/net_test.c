/* Helpers for the network tests (see net_test.h). */
#include "net_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static void on_guard(uv_timer_t *t)
{
    net_guard *g = t->data;
    g->expired = 1;
}

void net_guard_start(uv_loop_t *loop, net_guard *g, uint64_t ms)
{
    g->expired = 0;
    uv_timer_init(loop, &g->t);
    g->t.data = g;
    uv_timer_start(&g->t, on_guard, ms, 0);
}

static void on_guard_closed(uv_handle_t *h)
{
    net_guard *g = h->data;
    g->expired = 2;
}

void net_guard_stop(net_guard *g)
{
    uv_close((uv_handle_t *)&g->t, on_guard_closed);
    while (g->expired != 2)
        uv_run(g->t.loop, UV_RUN_NOWAIT);
}

int net_loop_finish(uv_loop_t *loop, uint64_t ms)
{
    net_guard g;
    net_guard_start(loop, &g, ms);
    uv_unref((uv_handle_t *)&g.t); /* the guard alone does not keep the loop alive */
    while (uv_loop_alive(loop) && !g.expired)
        uv_run(loop, UV_RUN_ONCE);
    if (g.expired) {
        fprintf(stderr, "    loop still busy after %llu ms:\n", (unsigned long long)ms);
        uv_print_all_handles(loop, stderr);
    }
    net_guard_stop(&g);
    return uv_loop_close(loop);
}

int net_count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1;              /* the directory's own fd */
}

/* ---------------------------------------------------------------- PKI */

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    int ok;
    if (e == NULL)
        return -1;
    ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok == 1 ? 0 : -1;
}

/* issuer == NULL: self-signed CA. */
static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn,
                       const char *san, long serial)
{
    X509 *x = X509_new();
    X509V3_CTX ctx;
    X509_NAME *name;
    int ca = issuer == NULL, bad = 0;
    if (x == NULL)
        return NULL;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 2 * 86400);
    X509_set_pubkey(x, key);
    name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, ca ? name : X509_get_subject_name(issuer));
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, ca ? x : issuer, x, NULL, NULL, 0);
    bad |= add_ext(x, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    bad |= add_ext(x, &ctx, NID_key_usage,
                   ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    bad |= add_ext(x, &ctx, NID_subject_key_identifier, "hash");
    if (!ca) {
        bad |= add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
        bad |= add_ext(x, &ctx, NID_ext_key_usage, "serverAuth");
        bad |= add_ext(x, &ctx, NID_subject_alt_name, san);
    }
    if (bad || X509_sign(x, signer, EVP_sha256()) == 0) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static int write_pem(const char *path, X509 *x, EVP_PKEY *k)
{
    FILE *f = fopen(path, "w");
    int ok;
    if (f == NULL)
        return -1;
    ok = x ? PEM_write_X509(f, x) : PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    return fclose(f) == 0 && ok == 1 ? 0 : -1;
}

int net_pki_make(net_pki *p)
{
    EVP_PKEY *cak = NULL, *k1 = NULL, *k2 = NULL;
    X509 *ca = NULL, *c1 = NULL, *c2 = NULL;
    int rc = -1;
    memset(p, 0, sizeof(*p));
    snprintf(p->dir, sizeof(p->dir), "/tmp/sqt-net-XXXXXX");
    if (mkdtemp(p->dir) == NULL)
        return -1;
    snprintf(p->ca, sizeof(p->ca), "%s/ca.pem", p->dir);
    snprintf(p->cert, sizeof(p->cert), "%s/server.pem", p->dir);
    snprintf(p->key, sizeof(p->key), "%s/server.key", p->dir);
    snprintf(p->wrong_cert, sizeof(p->wrong_cert), "%s/wrong.pem", p->dir);
    snprintf(p->wrong_key, sizeof(p->wrong_key), "%s/wrong.key", p->dir);
    cak = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    k2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (cak == NULL || k1 == NULL || k2 == NULL)
        goto out;
    ca = make_cert(cak, cak, NULL, "OpenSQT test CA", NULL, 1);
    if (ca == NULL)
        goto out;
    c1 = make_cert(k1, cak, ca, "localhost", "DNS:localhost,IP:127.0.0.1", 2);
    c2 = make_cert(k2, cak, ca, "wrong.example", "DNS:wrong.example", 3);
    if (c1 == NULL || c2 == NULL)
        goto out;
    if (write_pem(p->ca, ca, NULL) || write_pem(p->cert, c1, NULL) || write_pem(p->key, NULL, k1) ||
        write_pem(p->wrong_cert, c2, NULL) || write_pem(p->wrong_key, NULL, k2))
        goto out;
    rc = 0;
out:
    X509_free(ca);
    X509_free(c1);
    X509_free(c2);
    EVP_PKEY_free(cak);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
    if (rc != 0)
        net_pki_remove(p);
    return rc;
}

void net_pki_remove(const net_pki *p)
{
    const char *files[] = {p->ca, p->cert, p->key, p->wrong_cert, p->wrong_key};
    size_t i;
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        if (files[i][0] != '\0')
            unlink(files[i]);
    if (p->dir[0] != '\0')
        rmdir(p->dir);
}
