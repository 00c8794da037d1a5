/* TLS over memory BIOs: OpenSSL does the protocol, the caller moves the bytes.
 *
 * The caller feeds ciphertext read from its socket with sqt_tls_feed() and gets the
 * plaintext through the `plain` callback; every byte OpenSSL wants to send (handshake,
 * records, alerts, TLS 1.3 tickets and key updates produced during reads) is handed to
 * the `out` callback right after the SSL call that produced it. No socket, no loop:
 * the WebSocket client and the test server both sit on uv_tcp and use this.
 *
 * A client context always verifies the peer: system CA store, optionally plus one extra
 * CA file (added, never replacing), host name or IP checked, SNI sent for names. There
 * is no way to turn verification off. */
#ifndef SQT_NET_TLS_H
#define SQT_NET_TLS_H

#include <stddef.h>

typedef struct sqt_tls_ctx sqt_tls_ctx;
typedef struct sqt_tls sqt_tls;

/* Ciphertext to write to the socket; the data is valid only during the call. */
typedef void (*sqt_tls_out_cb)(void *ud, const char *data, size_t len);
/* Decrypted application data. Return non-zero to stop delivering (the caller is
 * tearing the connection down); the rest stays buffered inside OpenSSL. */
typedef int (*sqt_tls_plain_cb)(void *ud, const char *data, size_t len);

/* Client context: TLS >= 1.2, peer verification on. extra_ca_file may be NULL.
 * Returns 0 or a negative SQT_E* code; on failure err (may be NULL) says why. */
int sqt_tls_ctx_client(const char *extra_ca_file, sqt_tls_ctx **out, char *err, size_t errcap);
/* Server context from PEM certificate (chain) and key files. */
int sqt_tls_ctx_server(const char *cert_file, const char *key_file, sqt_tls_ctx **out,
                       char *err, size_t errcap);
void sqt_tls_ctx_free(sqt_tls_ctx *ctx);

/* One connection. For a client context `peer` is the host name or IP literal to verify
 * (and the SNI for names); for a server context pass NULL. No I/O happens here. */
int sqt_tls_new(sqt_tls_ctx *ctx, const char *peer, sqt_tls_out_cb out, sqt_tls_plain_cb plain,
                void *ud, sqt_tls **res);
void sqt_tls_free(sqt_tls *t);

/* Client: send the ClientHello (through `out`). */
int sqt_tls_start(sqt_tls *t);

enum {
    SQT_TLS_OK = 0,     /* fed; more may come */
    SQT_TLS_EOF = 1     /* the peer sent close_notify */
};
/* Feed ciphertext. Drives the handshake, then delivers plaintext. Returns SQT_TLS_OK,
 * SQT_TLS_EOF, or a negative SQT_E* code (SQT_ENETWORK for a TLS failure; the reason is
 * in sqt_tls_error()). */
int sqt_tls_feed(sqt_tls *t, const char *data, size_t len);
/* 1 once the handshake finished (peer verified). */
int sqt_tls_ready(const sqt_tls *t);
/* Encrypt application data (only when ready). 0 or a negative SQT_E* code. */
int sqt_tls_write(sqt_tls *t, const char *data, size_t len);
/* Queue our close_notify. */
void sqt_tls_close_notify(sqt_tls *t);
/* Text of the last failure ("" when none): OpenSSL's reason, with the certificate
 * verification result when that is what failed. */
const char *sqt_tls_error(const sqt_tls *t);

#endif
