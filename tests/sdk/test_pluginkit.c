/* The plugin kit (sdk/kit, pluginkit.h): each piece against known answers, the config
 * readers and the request registry through the fake host. */
#include <stdlib.h>
#include <string.h>

#include <opensqt/fakehost.h>
#include <opensqt/pluginkit.h>

#include "sqt_test.h"

static const char JEFE_MSG[] = "what do ya want for nothing?"; /* RFC 4231, case 2 */

static void test_hmac(void)
{
    char hex[129], b64[89];
    unsigned char mac[SQT_KIT_HMAC_MAX];
    size_t n = 0;
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex(SQT_KIT_SHA256, "Jefe", JEFE_MSG, strlen(JEFE_MSG), hex,
                                       sizeof(hex)),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex(SQT_KIT_SHA512, "Jefe", JEFE_MSG, strlen(JEFE_MSG), hex,
                                       sizeof(hex)),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(hex, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                           "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_base64(SQT_KIT_SHA256, "Jefe", JEFE_MSG, strlen(JEFE_MSG),
                                          b64, sizeof(b64)),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(b64, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_base64(SQT_KIT_SHA512, "Jefe", JEFE_MSG, strlen(JEFE_MSG),
                                          b64, sizeof(b64)),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(b64, "Fkt6e/z4GeLjlfvnO1bgo4e9ZCIugx/WECcM1+olBVSXWL91wFqZSm0DT2X48Ob9"
                           "yuqxo01Ka0tjbgcKOLznNw==");
    /* the empty key and message are legal */
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex(SQT_KIT_SHA256, "", "", 0, hex, sizeof(hex)), SQT_OK);
    SQT_ASSERT_STR_EQ(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    SQT_ASSERT_INT_EQ(sqt_kit_hmac(SQT_KIT_SHA512, "k", 1, "m", 1, mac, &n), SQT_OK);
    SQT_ASSERT_INT_EQ(n, 64);
    /* refusals: too small a buffer, bad arguments, an unknown hash */
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex(SQT_KIT_SHA256, "k", "m", 1, hex, 64), SQT_ERANGE);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_base64(SQT_KIT_SHA512, "k", "m", 1, b64, 88), SQT_ERANGE);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex(SQT_KIT_SHA256, NULL, "m", 1, hex, sizeof(hex)),
                      SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex(SQT_KIT_SHA256, "k", NULL, 3, hex, sizeof(hex)),
                      SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac((sqt_kit_hash)9, "k", 1, "m", 1, mac, &n), SQT_EINVAL);
}

/* Prepared keys: RFC 4231 cases 1, 2 and 6 (a key longer than the block), a key that
 * signs many times over (its context is copied, never used up), the one-shot functions
 * giving the same answers, and the refusals. */
static void test_hmac_prepared(void)
{
    static const char C6_MSG[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    char k1[20], k6[131], hex[129], hex2[129], b64[89], msg[64];
    sqt_kit_hmac_key *k = NULL, *k512 = NULL;
    unsigned char mac[SQT_KIT_HMAC_MAX];
    size_t n = 0;
    int i;
    memset(k1, 0x0b, sizeof(k1));
    memset(k6, 0xaa, sizeof(k6));
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(SQT_KIT_SHA256, k1, sizeof(k1), &k), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(SQT_KIT_SHA512, k1, sizeof(k1), &k512), SQT_OK);
    for (i = 0; i < 3; i++) { /* the same answer every time */
        SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex_with(k, "Hi There", 8, hex, sizeof(hex)), SQT_OK);
        SQT_ASSERT_STR_EQ(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex_with(k512, "Hi There", 8, hex, sizeof(hex)), SQT_OK);
        SQT_ASSERT_STR_EQ(hex, "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                               "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
    }
    sqt_kit_hmac_key_free(k);
    sqt_kit_hmac_key_free(k512);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(SQT_KIT_SHA256, k6, sizeof(k6), &k), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(SQT_KIT_SHA512, k6, sizeof(k6), &k512), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex_with(k, C6_MSG, strlen(C6_MSG), hex, sizeof(hex)), SQT_OK);
    SQT_ASSERT_STR_EQ(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex_with(k512, C6_MSG, strlen(C6_MSG), hex, sizeof(hex)),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(hex, "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
                           "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
    sqt_kit_hmac_key_free(k);
    sqt_kit_hmac_key_free(k512);
    /* case 2 in base64, and prepared == one-shot over messages of every length */
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(SQT_KIT_SHA256, "Jefe", 4, &k), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_base64_with(k, JEFE_MSG, strlen(JEFE_MSG), b64, sizeof(b64)),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(b64, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    for (i = 0; i < (int)sizeof(msg); i++) {
        msg[i] = (char)('a' + i % 26);
        SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex_with(k, msg, (size_t)i, hex, sizeof(hex)), SQT_OK);
        SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex(SQT_KIT_SHA256, "Jefe", msg, (size_t)i, hex2,
                                           sizeof(hex2)), SQT_OK);
        SQT_ASSERT_STR_EQ(hex, hex2);
    }
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_with(k, "m", 1, mac, &n), SQT_OK);
    SQT_ASSERT_INT_EQ(n, 32);
    /* one path for both key kinds: the key when given, else the secret */
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_text(NULL, SQT_KIT_SHA256, "Jefe", 1, JEFE_MSG,
                                        strlen(JEFE_MSG), b64, sizeof(b64)), SQT_OK);
    SQT_ASSERT_STR_EQ(b64, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_text(k, SQT_KIT_SHA512, "other", 0, "abc", 3, hex,
                                        sizeof(hex)), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex(SQT_KIT_SHA256, "Jefe", "abc", 3, hex2, sizeof(hex2)),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(hex, hex2);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_text(NULL, SQT_KIT_SHA256, NULL, 0, "abc", 3, hex,
                                        sizeof(hex)), SQT_EINVAL);
    /* refusals */
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex_with(k, "m", 1, hex, 64), SQT_ERANGE);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_base64_with(k, "m", 1, b64, 44), SQT_ERANGE);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex_with(k, NULL, 3, hex, sizeof(hex)), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex_with(NULL, "m", 1, hex, sizeof(hex)), SQT_EINVAL);
    sqt_kit_hmac_key_free(k);
    k = (sqt_kit_hmac_key *)&n;
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new((sqt_kit_hash)9, "k", 1, &k), SQT_EINVAL);
    CU_ASSERT_PTR_NULL(k);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(SQT_KIT_SHA256, NULL, 0, &k), SQT_EINVAL);
    sqt_kit_hmac_key_free(NULL);
}

/* A prepared key's working context is re-initialised for every signature: keys of both
 * hashes, an empty one and one longer than the block, used in turn over messages of
 * every length from 0 to 300 bytes (a failed call between two), each signature equal to
 * the one-shot's for the same secret. */
static void test_hmac_prepared_reuse(void)
{
    static const struct {
        sqt_kit_hash hash;
        const char *secret;
    } K[] = {{SQT_KIT_SHA256, "emulator-secret"}, {SQT_KIT_SHA512, "other secret"},
             {SQT_KIT_SHA256, ""},
             {SQT_KIT_SHA256, "a secret longer than the sixty-four bytes of SHA-256's block, "
                              "so the key is hashed first"}};
    sqt_kit_hmac_key *k[4];
    char msg[301], hex[129], hex2[129];
    size_t i, j;
    for (i = 0; i < 4; i++)
        SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(K[i].hash, K[i].secret, strlen(K[i].secret), &k[i]),
                          SQT_OK);
    for (i = 0; i < sizeof(msg); i++) {
        msg[i] = (char)('0' + (i * 7) % 75);
        for (j = 0; j < 4; j++) {
            SQT_ASSERT_INT_EQ(sqt_kit_hmac_text(k[j], K[j].hash, NULL, 0, msg, i, hex, sizeof(hex)),
                              SQT_OK);
            SQT_ASSERT_INT_EQ(sqt_kit_hmac_text(NULL, K[j].hash, K[j].secret, 0, msg, i, hex2,
                                                sizeof(hex2)), SQT_OK);
            SQT_ASSERT_STR_EQ(hex, hex2);
        }
        if (i % 50 == 0) /* a refused call leaves the next signature whole */
            SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex_with(k[1], msg, i, hex, 64), SQT_ERANGE);
    }
    for (i = 0; i < 4; i++)
        sqt_kit_hmac_key_free(k[i]);
}

static void test_query(void)
{
    sqt_kit_query q;
    char out[64];
    sqt_kit_query_init(&q);
    SQT_ASSERT_STR_EQ(sqt_kit_query_str(&q), "");
    sqt_kit_query_add(&q, "symbol", "ETHUSDT");
    sqt_kit_query_add(&q, "ids", "[\"a b\",1]");
    sqt_kit_query_add_int(&q, "n", -5);
    sqt_kit_query_add(&q, "safe", "A-z_0.9~");
    SQT_ASSERT_STR_EQ(sqt_kit_query_str(&q),
                      "symbol=ETHUSDT&ids=%5B%22a%20b%22%2C1%5D&n=-5&safe=A-z_0.9~");
    sqt_kit_query_raw(&q, "&x=%2F", 6);
    SQT_ASSERT_STR_EQ(sqt_kit_query_str(&q) + q.len - 6, "&x=%2F");
    SQT_ASSERT_INT_EQ(q.err, 0);
    sqt_kit_query_add(&q, "bad", NULL); /* sticks, later adds are ignored */
    SQT_ASSERT_INT_EQ(q.err, SQT_EINVAL);
    sqt_kit_query_add(&q, "late", "1");
    CU_ASSERT_PTR_NULL(strstr(sqt_kit_query_str(&q), "late"));
    sqt_kit_query_free(&q);
    SQT_ASSERT_INT_EQ(sqt_kit_pct_encode("a/b c", out, sizeof(out)), SQT_OK);
    SQT_ASSERT_STR_EQ(out, "a%2Fb%20c");
    SQT_ASSERT_INT_EQ(sqt_kit_pct_encode("a/b c", out, 9), SQT_ERANGE);
    SQT_ASSERT_INT_EQ(sqt_kit_pct_encode("a/b c", out, 10), SQT_OK);
}

static void test_json(void)
{
    static const char doc[] = "{\"s\":\"x\",\"n\":\"0.010\",\"i\":\"12\",\"j\":7,\"b\":\"true\","
                              "\"f\":1.5,\"neg\":\"-3\",\"big\":\"99999999999999999999\"}";
    sqt_error e;
    json_t *o;
    const char *s;
    sqt_dec d;
    int64_t v;
    int b;
    char small[2];
    memset(&e, 0, sizeof(e));
    CU_ASSERT_PTR_NULL(sqt_kit_json_load("{", 1, "order", &e));
    SQT_ASSERT_INT_EQ(e.code, SQT_EPROTO);
    CU_ASSERT_TRUE(strncmp(e.message, "order: not JSON", 15) == 0);
    CU_ASSERT_PTR_NULL(sqt_kit_json_load("{\"a\":1,\"a\":2}", 13, "order", &e));
    o = sqt_kit_json_load(doc, strlen(doc), "account.assets[0]", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    SQT_ASSERT_INT_EQ(sqt_kit_json_str(o, "s", &s, "p", &e), SQT_OK);
    SQT_ASSERT_STR_EQ(s, "x");
    SQT_ASSERT_INT_EQ(sqt_kit_json_dec(o, "n", &d, "p", &e), SQT_OK);
    SQT_ASSERT_INT_EQ(d.mant, 10);
    SQT_ASSERT_INT_EQ(d.scale, 3);
    SQT_ASSERT_INT_EQ(sqt_kit_json_i64(o, "i", &v, "p", &e), SQT_OK);
    SQT_ASSERT_INT_EQ(v, 12);
    SQT_ASSERT_INT_EQ(sqt_kit_json_i64(o, "neg", &v, "p", &e), SQT_OK);
    SQT_ASSERT_INT_EQ(v, -3);
    SQT_ASSERT_INT_EQ(sqt_kit_json_opt_bool(o, "b", &b, "p", &e), SQT_OK);
    SQT_ASSERT_INT_EQ(b, 1);
    SQT_ASSERT_INT_EQ(sqt_kit_json_opt_i64(o, "none", &v, 42, "p", &e), SQT_OK);
    SQT_ASSERT_INT_EQ(v, 42);
    SQT_ASSERT_INT_EQ(sqt_kit_json_opt_dec(o, "none", &d, "p", &e), SQT_OK);
    SQT_ASSERT_INT_EQ(d.mant, 0);
    SQT_ASSERT_INT_EQ(sqt_kit_json_opt_str(o, "none", &s, "dflt", "p", &e), SQT_OK);
    SQT_ASSERT_STR_EQ(s, "dflt");
    /* every failure names the path and the field */
    SQT_ASSERT_INT_EQ(sqt_kit_json_str(o, "gone", &s, "account.assets[0]", &e), SQT_EPROTO);
    SQT_ASSERT_STR_EQ(e.message, "account.assets[0]: field 'gone' missing");
    SQT_ASSERT_INT_EQ(sqt_kit_json_dec(o, "f", &d, "order", &e), SQT_EPROTO);
    SQT_ASSERT_STR_EQ(e.message, "order: field 'f' is not a decimal string");
    SQT_ASSERT_INT_EQ(sqt_kit_json_i64(o, "s", &v, "order", &e), SQT_EPROTO);
    SQT_ASSERT_STR_EQ(e.message, "order: field 's' is not an integer");
    SQT_ASSERT_INT_EQ(sqt_kit_json_i64(o, "big", &v, "order", &e), SQT_EPROTO);
    SQT_ASSERT_STR_EQ(e.message, "order: field 'big' out of range");
    SQT_ASSERT_INT_EQ(sqt_kit_json_str(o, "j", &s, "order", &e), SQT_EPROTO);
    SQT_ASSERT_STR_EQ(e.message, "order: field 'j' is not a string");
    SQT_ASSERT_INT_EQ(sqt_kit_json_opt_bool(o, "s", &b, "order", &e), SQT_EPROTO);
    SQT_ASSERT_INT_EQ(sqt_kit_json_copy(small, sizeof(small), "xy", "c", "order", &e),
                      SQT_EPROTO);
    SQT_ASSERT_STR_EQ(e.message, "order: field 'c' too long (2 bytes)");
    json_decref(o);
    /* room for an array's elements: zeroed, never NULL for an empty one */
    {
        json_t *a = json_loads("[1,2,3]", 0, NULL), *none = json_array(), *obj = json_object();
        int64_t *room = sqt_kit_json_array_new(a, sizeof(int64_t), "klines", &e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(room);
        SQT_ASSERT_INT_EQ(room[2], 0);
        free(room);
        room = sqt_kit_json_array_new(none, sizeof(int64_t), "klines", &e);
        CU_ASSERT_PTR_NOT_NULL(room);
        free(room);
        CU_ASSERT_PTR_NULL(sqt_kit_json_array_new(obj, sizeof(int64_t), "candles.data", &e));
        SQT_ASSERT_INT_EQ(e.code, SQT_EPROTO);
        SQT_ASSERT_STR_EQ(e.message, "candles.data: not an array");
        json_decref(a);
        json_decref(none);
        json_decref(obj);
    }
}

static void test_config(void)
{
    static const char *const modes[] = {"routed", "legacy", "auto", NULL};
    fake_host *fh = fake_host_new();
    sqt_kit_cfg c;
    sqt_error e;
    char buf[64];
    int64_t v = -1;
    sqt_dec d;
    double x;
    int b, m;
    c.api = fake_host_api();
    c.host = fake_host_handle(fh);
    c.block = "myex";
    memset(&e, 0, sizeof(e));
    /* absent: 0 and *out untouched */
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_int(&c, "recv_window", 1, 60000, &v, &e), 0);
    SQT_ASSERT_INT_EQ(v, -1);
    fake_host_set_config(fh, "recv_window", "5000");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_int(&c, "recv_window", 1, 60000, &v, &e), 1);
    SQT_ASSERT_INT_EQ(v, 5000);
    fake_host_set_config(fh, "recv_window", "70000");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_int(&c, "recv_window", 1, 60000, &v, &e), SQT_EINVAL);
    SQT_ASSERT_STR_EQ(e.message,
                      "exchanges.myex.recv_window: expected an integer 1..60000, got \"70000\"");
    fake_host_set_config(fh, "fee", "0.0002");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_dec(&c, "fee", &d, &e), 1);
    SQT_ASSERT_INT_EQ(d.mant, 2);
    fake_host_set_config(fh, "fee", "2e-4");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_dec(&c, "fee", &d, &e), SQT_EINVAL);
    fake_host_set_config(fh, "vol", "0.3");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_dbl(&c, "vol", 0, 0.5, &x, &e), 1);
    fake_host_set_config(fh, "vol", "nan");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_dbl(&c, "vol", 0, 0.5, &x, &e), SQT_EINVAL);
    fake_host_set_config(fh, "loop", "yes");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_bool(&c, "loop", &b, &e), 1);
    SQT_ASSERT_INT_EQ(b, 1);
    fake_host_set_config(fh, "loop", "0");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_bool(&c, "loop", &b, &e), 1);
    SQT_ASSERT_INT_EQ(b, 0);
    fake_host_set_config(fh, "loop", "maybe");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_bool(&c, "loop", &b, &e), SQT_EINVAL);
    fake_host_set_config(fh, "routing", "legacy");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_enum(&c, "routing", modes, &m, &e), 1);
    SQT_ASSERT_INT_EQ(m, 1);
    fake_host_set_config(fh, "routing", "x");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_enum(&c, "routing", modes, &m, &e), SQT_EINVAL);
    SQT_ASSERT_STR_EQ(e.message,
                      "exchanges.myex.routing: expected routed, legacy or auto, got \"x\"");
    fake_host_set_config(fh, "rest_url", "https://api.x.test/");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_url(&c, "rest_url", "https://", "http://", buf, sizeof(buf),
                                      &e),
                      1);
    SQT_ASSERT_STR_EQ(buf, "https://api.x.test");
    fake_host_set_config(fh, "rest_url", "https://api.x.test/?a=1");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_url(&c, "rest_url", "https://", "http://", buf, sizeof(buf),
                                      &e),
                      SQT_EINVAL);
    fake_host_set_config(fh, "rest_url", "ftp://x");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_url(&c, "rest_url", "https://", "http://", buf, sizeof(buf),
                                      &e),
                      SQT_EINVAL);
    /* absent: the default; present: read; bad: the error, the default not taken */
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_url_or(&c, "ws_url", "wss://d.x.test", "wss://", "ws://", buf,
                                         sizeof(buf), &e),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(buf, "wss://d.x.test");
    fake_host_set_config(fh, "ws_url", "ws://127.0.0.1:9/ws/");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_url_or(&c, "ws_url", "wss://d.x.test", "wss://", "ws://", buf,
                                         sizeof(buf), &e),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(buf, "ws://127.0.0.1:9/ws");
    fake_host_set_config(fh, "ws_url", "https://x");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_url_or(&c, "ws_url", "wss://d.x.test", "wss://", "ws://", buf,
                                         sizeof(buf), &e),
                      SQT_EINVAL);
    fake_host_set_config(fh, "name", "0123456789");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_str(&c, "name", buf, 4, &e), SQT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "exchanges.myex.name"));
    /* secrets: present, printable, never in a message */
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_secret(&c, "api_key", buf, sizeof(buf), &e), SQT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "api_key"));
    fake_host_set_secret(fh, "api_key", "s3cr3t value");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_secret(&c, "api_key", buf, sizeof(buf), &e), SQT_EINVAL);
    CU_ASSERT_PTR_NULL(strstr(e.message, "s3cr3t"));
    fake_host_set_secret(fh, "api_key", "s3cr3t");
    SQT_ASSERT_INT_EQ(sqt_kit_cfg_secret(&c, "api_key", buf, sizeof(buf), &e), SQT_OK);
    SQT_ASSERT_STR_EQ(buf, "s3cr3t");
    fake_host_free(fh);
}

static void test_headers_and_ban(void)
{
    sqt_header h[2] = {{"Retry-After", " 30"}, {"X-MBX-USED-WEIGHT-1M", "1200"}};
    sqt_kit_ban ban;
    int log_now;
    SQT_ASSERT_STR_EQ(sqt_kit_header(h, 2, "retry-after"), " 30");
    CU_ASSERT_PTR_NULL(sqt_kit_header(h, 2, "X-Other"));
    SQT_ASSERT_INT_EQ(sqt_kit_header_int(sqt_kit_header(h, 2, "x-mbx-used-weight-1m")), 1200);
    SQT_ASSERT_INT_EQ(sqt_kit_header_int("1234567890"), -1);
    SQT_ASSERT_INT_EQ(sqt_kit_header_int(NULL), -1);
    SQT_ASSERT_INT_EQ(sqt_kit_retry_after_ms(" 30"), 30000);
    SQT_ASSERT_INT_EQ(sqt_kit_retry_after_ms("soon"), 0);
    memset(&ban, 0, sizeof(ban));
    SQT_ASSERT_INT_EQ(sqt_kit_ban_check(&ban, 1000, &log_now), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_kit_ban_extend(&ban, 1000, 60000), 1);
    SQT_ASSERT_INT_EQ(sqt_kit_ban_extend(&ban, 2000, 1000), 0); /* shorter: kept */
    SQT_ASSERT_INT_EQ(ban.until_ms, 61000);
    SQT_ASSERT_INT_EQ(sqt_kit_ban_check(&ban, 5000, &log_now), SQT_EBANNED);
    SQT_ASSERT_INT_EQ(log_now, 1);
    SQT_ASSERT_INT_EQ(sqt_kit_ban_check(&ban, 5500, &log_now), SQT_EBANNED);
    SQT_ASSERT_INT_EQ(log_now, 0); /* once a second at most */
    SQT_ASSERT_INT_EQ(sqt_kit_ban_check(&ban, 6000, &log_now), SQT_EBANNED);
    SQT_ASSERT_INT_EQ(log_now, 1);
    SQT_ASSERT_INT_EQ(sqt_kit_ban_check(&ban, 61000, &log_now), SQT_OK);
}

/* ---- the registry: two requests at the host, one parked ----------------------------- */

typedef struct treq {
    sqt_kit_req link;
    int done;
    int code;
} treq;

typedef struct treg {
    sqt_kit_reqs rs;
    treq r[3];
} treg;

static void on_http(void *ud, const sqt_http_response *resp)
{
    treq *r = ud;
    r->done++;
    r->code = resp->err.code;
    r->link.call = NULL;
}

static treg *reg_of; /* the registry on_http's requests belong to (one test at a time) */

static void on_http_unlink(void *ud, const sqt_http_response *resp)
{
    on_http(ud, resp);
    sqt_kit_reqs_remove(&reg_of->rs, &((treq *)ud)->link);
}

static void on_parked(sqt_kit_req *link, void *ud)
{
    treq *r = (treq *)link;
    r->done++;
    r->code = SQT_ECANCELLED;
    sqt_kit_reqs_remove(&((treg *)ud)->rs, link);
}

/* A dialect's header list: in order, the ones without a value left out. */
static void test_wire_headers(void)
{
    const sqt_header h[] = {{"KEY", "k1"}, {"X-Opt", NULL}, {"SIGN", "s1"}};
    sqt_header many[SQT_KIT_WIRE_HEADERS + 1];
    sqt_kit_wire w;
    size_t i;
    memset(&w, 0, sizeof(w));
    SQT_ASSERT_INT_EQ(sqt_kit_wire_headers(&w, h, 3), SQT_OK);
    SQT_ASSERT_INT_EQ(w.n_headers, 2);
    SQT_ASSERT_STR_EQ(w.headers[0].name, "KEY");
    SQT_ASSERT_STR_EQ(w.headers[1].name, "SIGN");
    SQT_ASSERT_STR_EQ(w.headers[1].value, "s1");
    for (i = 0; i <= SQT_KIT_WIRE_HEADERS; i++) {
        many[i].name = "A";
        many[i].value = "v";
    }
    memset(&w, 0, sizeof(w));
    SQT_ASSERT_INT_EQ(sqt_kit_wire_headers(&w, many, SQT_KIT_WIRE_HEADERS + 1), SQT_ERANGE);
    SQT_ASSERT_INT_EQ(w.n_headers, SQT_KIT_WIRE_HEADERS);
}

static void test_registry(void)
{
    fake_host *fh = fake_host_new();
    const sqt_host_api *api = fake_host_api();
    sqt_http_request hr;
    treg g;
    int i;
    memset(&g, 0, sizeof(g));
    reg_of = &g;
    memset(&hr, 0, sizeof(hr));
    hr.struct_size = sizeof(hr);
    hr.method = "GET";
    hr.url = "https://x.test/a";
    for (i = 0; i < 3; i++)
        sqt_kit_reqs_add(&g.rs, &g.r[i].link);
    SQT_ASSERT_INT_EQ(sqt_kit_reqs_pending(&g.rs), 3);
    for (i = 0; i < 2; i++) /* r[2] stays parked in the plugin */
        SQT_ASSERT_INT_EQ(api->http_request(fake_host_handle(fh), &hr, on_http_unlink, &g.r[i],
                                            &g.r[i].link.call),
                          SQT_OK);
    sqt_kit_reqs_cancel_all(&g.rs, api, fake_host_handle(fh), on_parked, &g);
    for (i = 0; i < 3; i++) {
        SQT_ASSERT_INT_EQ(g.r[i].done, 1);
        SQT_ASSERT_INT_EQ(g.r[i].code, SQT_ECANCELLED);
    }
    SQT_ASSERT_INT_EQ(sqt_kit_reqs_pending(&g.rs), 0);
    CU_ASSERT_PTR_NULL(g.rs.head);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 0);
    fake_host_free(fh);
}

/* ---- cancel own: a fake exchange that records batches ------------------------------ */

typedef struct own_fx {
    sqt_kit_own *o;
    size_t batches, sizes[8];
    char first_ids[8][SQT_CLIENT_ID_MAX];
    int closing, refuse;
    int cb_calls, cb_status;
    size_t cb_n;
    sqt_cancel_result got[32];
} own_fx;

static int fx_send(void *plugin, sqt_kit_own *o, sqt_cancel_result *res, size_t n)
{
    own_fx *f = plugin;
    if (f->refuse)
        return SQT_ENETWORK;
    f->o = o;
    f->sizes[f->batches] = n;
    snprintf(f->first_ids[f->batches], SQT_CLIENT_ID_MAX, "%s", res[0].client_id);
    f->batches++;
    return SQT_OK;
}

static int fx_closing(void *plugin)
{
    return ((own_fx *)plugin)->closing;
}

static void fx_done(void *ud, int status, const sqt_cancel_result *res, size_t n)
{
    own_fx *f = ud;
    f->cb_calls++;
    f->cb_status = status;
    f->cb_n = n;
    if (n > 0 && n <= 32)
        memcpy(f->got, res, n * sizeof(*res));
}

/* 12 of ours (broker "bk-" + engine "g1_") among 14 listed; batches of 5. */
static void own_list(own_fx *f, sqt_kit_own *o)
{
    sqt_order orders[14];
    size_t i;
    memset(orders, 0, sizeof(orders));
    for (i = 0; i < 14; i++) {
        snprintf(orders[i].client_id, sizeof(orders[i].client_id), "%s%zu",
                 i == 3 ? "bk-other_" : i == 9 ? "g1_no_broker" : "bk-g1_", i);
        snprintf(orders[i].order_id, sizeof(orders[i].order_id), "%zu", 100 + i);
    }
    (void)f;
    sqt_kit_own_listed(o, SQT_OK, orders, 14);
}

static void test_cancel_own(void)
{
    static const sqt_kit_own_ops ops = {fx_send, fx_closing};
    own_fx f;
    sqt_kit_own *o;
    sqt_cancel_result *b;
    size_t n;
    memset(&f, 0, sizeof(f));
    CU_ASSERT_PTR_NULL(sqt_kit_own_new(&ops, &f, "", 0, 5, fx_done, &f)); /* everyone's */
    o = sqt_kit_own_new(&ops, &f, "bk-g1_", 3, 5, fx_done, &f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    own_list(&f, o);
    SQT_ASSERT_INT_EQ(f.batches, 1);
    SQT_ASSERT_INT_EQ(f.sizes[0], 5);
    SQT_ASSERT_STR_EQ(f.first_ids[0], "g1_0"); /* the exchange prefix stripped */
    b = sqt_kit_own_batch(f.o, &n);
    SQT_ASSERT_INT_EQ(n, 5);
    SQT_ASSERT_STR_EQ(b[3].order_id, "104"); /* 3 was someone else's */
    sqt_kit_own_batch_done(f.o, SQT_OK);
    SQT_ASSERT_INT_EQ(f.batches, 2);
    sqt_kit_own_batch_done(f.o, SQT_OK);
    SQT_ASSERT_INT_EQ(f.batches, 3);
    SQT_ASSERT_INT_EQ(f.sizes[2], 2);
    SQT_ASSERT_INT_EQ(f.cb_calls, 0);
    sqt_kit_own_batch_done(f.o, SQT_OK);
    SQT_ASSERT_INT_EQ(f.cb_calls, 1);
    SQT_ASSERT_INT_EQ(f.cb_status, SQT_OK);
    SQT_ASSERT_INT_EQ(f.cb_n, 12);
    SQT_ASSERT_STR_EQ(f.got[11].client_id, "g1_13");

    /* a failing batch stops the rest; a send refused ends with its error */
    memset(&f, 0, sizeof(f));
    o = sqt_kit_own_new(&ops, &f, "bk-g1_", 3, 5, fx_done, &f);
    own_list(&f, o);
    sqt_kit_own_batch_done(f.o, SQT_ERATE_LIMITED);
    SQT_ASSERT_INT_EQ(f.batches, 1);
    SQT_ASSERT_INT_EQ(f.cb_calls, 1);
    SQT_ASSERT_INT_EQ(f.cb_status, SQT_ERATE_LIMITED);
    SQT_ASSERT_INT_EQ(f.cb_n, 5);
    memset(&f, 0, sizeof(f));
    f.refuse = 1;
    o = sqt_kit_own_new(&ops, &f, "bk-g1_", 3, 5, fx_done, &f);
    own_list(&f, o);
    SQT_ASSERT_INT_EQ(f.cb_calls, 1);
    SQT_ASSERT_INT_EQ(f.cb_status, SQT_ENETWORK);
    SQT_ASSERT_INT_EQ(f.got[0].err.code, SQT_ENETWORK);
    /* closing between batches: the rest is cancelled */
    memset(&f, 0, sizeof(f));
    o = sqt_kit_own_new(&ops, &f, "bk-g1_", 3, 5, fx_done, &f);
    own_list(&f, o);
    f.closing = 1;
    sqt_kit_own_batch_done(f.o, SQT_OK);
    SQT_ASSERT_INT_EQ(f.cb_status, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ(f.cb_n, 12);
    SQT_ASSERT_INT_EQ(f.got[5].err.code, SQT_ECANCELLED);
    /* a failed listing, and nothing of ours */
    memset(&f, 0, sizeof(f));
    o = sqt_kit_own_new(&ops, &f, "bk-g1_", 3, 5, fx_done, &f);
    sqt_kit_own_listed(o, SQT_EAUTH, NULL, 0);
    SQT_ASSERT_INT_EQ(f.cb_status, SQT_EAUTH);
    SQT_ASSERT_INT_EQ(f.cb_n, 0);
    memset(&f, 0, sizeof(f));
    o = sqt_kit_own_new(&ops, &f, "zz_", 0, 5, fx_done, &f);
    own_list(&f, o);
    SQT_ASSERT_INT_EQ(f.cb_calls, 1);
    SQT_ASSERT_INT_EQ(f.cb_status, SQT_OK);
    SQT_ASSERT_INT_EQ(f.batches, 0);
}

/* ---- open orders page by page: a fake exchange that records what it was asked -------- */

typedef struct pager_fx {
    sqt_kit_pager *p;          /* the page in flight */
    int sends, refuse, closing, delivered;
    char cursors[8][SQT_ORDER_ID_MAX];
    int cb_calls, cb_status;
    size_t cb_n;
    char last_id[SQT_CLIENT_ID_MAX];
} pager_fx;

static int pf_send(void *plugin, sqt_kit_pager *p)
{
    pager_fx *f = plugin;
    if (f->refuse)
        return SQT_ENETWORK;
    f->p = p;
    SQT_ASSERT_INT_EQ(p->pages, f->sends); /* the page's number, 0-based */
    snprintf(f->cursors[f->sends & 7], SQT_ORDER_ID_MAX, "%s", p->cursor);
    f->sends++;
    return SQT_OK;
}

static int pf_closing(void *plugin)
{
    return ((pager_fx *)plugin)->closing;
}

static void pf_done(void *ud, const sqt_error *e, const sqt_order *o, size_t n)
{
    pager_fx *f = ud;
    f->cb_calls++;
    f->cb_status = e->code;
    f->cb_n = n;
    if (n > 0)
        snprintf(f->last_id, sizeof(f->last_id), "%s", o[n - 1].client_id);
}

static void pf_deliver(void *plugin, sqt_orders_cb cb, void *ud, const sqt_order *o, size_t n)
{
    static const sqt_error ok;
    ((pager_fx *)plugin)->delivered++;
    cb(ud, &ok, o, n);
}

/* The plugin's parser: k orders of ours appended (ids "c<n>"). */
static void pf_page(pager_fx *f, size_t k, size_t raw, const char *next)
{
    static const sqt_error ok;
    sqt_kit_pager *p = f->p;
    sqt_order *grown = realloc(p->orders, (p->n + k + 1) * sizeof(*grown));
    size_t i;
    CU_ASSERT_PTR_NOT_NULL_FATAL(grown);
    p->orders = grown;
    for (i = 0; i < k; i++, p->n++) {
        memset(&p->orders[p->n], 0, sizeof(p->orders[0]));
        snprintf(p->orders[p->n].client_id, SQT_CLIENT_ID_MAX, "c%zu", p->n);
    }
    f->p = NULL;
    sqt_kit_pager_page(p, &ok, raw, next);
}

static int pf_own_send(void *plugin, sqt_kit_own *o, sqt_cancel_result *res, size_t n)
{
    pager_fx *f = plugin;
    f->delivered += (int)n; /* the orders of ours listed */
    snprintf(f->last_id, sizeof(f->last_id), "%s", res[n - 1].client_id);
    sqt_kit_own_batch_done(o, SQT_OK);
    return SQT_OK;
}

static void pf_cancelled(void *ud, int status, const sqt_cancel_result *res, size_t n)
{
    pager_fx *f = ud;
    (void)res;
    f->cb_calls++;
    f->cb_status = status;
    f->cb_n = n;
}

/* a fresh fixture and open_orders() started on it */
static void pf_fresh(pager_fx *f, const sqt_kit_pager_ops *ops)
{
    memset(f, 0, sizeof(*f));
    SQT_ASSERT_INT_EQ(sqt_kit_pager_start(ops, f, pf_done, NULL, f), SQT_OK);
}

/* cancel_own over the pager: every page listed, ours cancelled in batches */
static void test_pager_own(void)
{
    static const sqt_kit_pager_ops ops = {pf_send, NULL, pf_closing, 3, 4};
    static const sqt_kit_own_ops own_ops = {pf_own_send, pf_closing};
    pager_fx f;
    memset(&f, 0, sizeof(f));
    SQT_ASSERT_INT_EQ(sqt_kit_pager_cancel_own(&ops, &own_ops, &f, "", 0, 2, pf_cancelled, &f),
                      SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_kit_pager_cancel_own(&ops, &own_ops, &f, "c", 0, 2, NULL, &f),
                      SQT_EINVAL);
    f.refuse = 1; /* the first page not sent: nothing runs, nothing leaks */
    SQT_ASSERT_INT_EQ(sqt_kit_pager_cancel_own(&ops, &own_ops, &f, "c", 0, 2, pf_cancelled,
                                               &f), SQT_ENETWORK);
    f.refuse = 0;
    SQT_ASSERT_INT_EQ(sqt_kit_pager_cancel_own(&ops, &own_ops, &f, "c", 0, 2, pf_cancelled,
                                               &f), SQT_OK);
    pf_page(&f, 3, 3, NULL);
    pf_page(&f, 2, 2, NULL);
    SQT_ASSERT_INT_EQ(f.cb_calls, 1);
    SQT_ASSERT_INT_EQ(f.cb_status, SQT_OK);
    SQT_ASSERT_INT_EQ(f.cb_n, 5);
    SQT_ASSERT_INT_EQ(f.delivered, 5);
    SQT_ASSERT_STR_EQ(f.last_id, "c4");
}

static void test_pager(void)
{
    static const sqt_kit_pager_ops ops = {pf_send, NULL, pf_closing, 3, 4};
    static const sqt_kit_pager_ops ops_d = {pf_send, pf_deliver, pf_closing, 3, 2};
    sqt_error e;
    pager_fx f;
    memset(&f, 0, sizeof(f));
    /* exactly one of cb and own */
    SQT_ASSERT_INT_EQ(sqt_kit_pager_start(&ops, &f, NULL, NULL, &f), SQT_EINVAL);
    f.closing = 1; /* open_orders() while shutting down */
    SQT_ASSERT_INT_EQ(sqt_kit_pager_start(&ops, &f, pf_done, NULL, &f), SQT_ESTATE);
    SQT_ASSERT_INT_EQ(f.sends, 0);
    f.closing = 0;
    /* by cursor: full pages with new cursors go on; a short page ends */
    SQT_ASSERT_INT_EQ(sqt_kit_pager_start(&ops, &f, pf_done, NULL, &f), SQT_OK);
    pf_page(&f, 3, 3, "900");
    pf_page(&f, 2, 3, "800"); /* one of the three was another symbol's */
    SQT_ASSERT_STR_EQ(f.cursors[0], "");
    SQT_ASSERT_STR_EQ(f.cursors[1], "900");
    SQT_ASSERT_STR_EQ(f.cursors[2], "800");
    pf_page(&f, 1, 1, "700");
    SQT_ASSERT_INT_EQ(f.sends, 3);
    SQT_ASSERT_INT_EQ(f.cb_calls, 1);
    SQT_ASSERT_INT_EQ(f.cb_status, SQT_OK);
    SQT_ASSERT_INT_EQ(f.cb_n, 6);
    SQT_ASSERT_STR_EQ(f.last_id, "c5");
    /* a full page whose cursor did not move (or is empty) is the last */
    pf_fresh(&f, &ops);
    pf_page(&f, 3, 3, "900");
    pf_page(&f, 3, 3, "900");
    SQT_ASSERT_INT_EQ(f.sends, 2);
    SQT_ASSERT_INT_EQ(f.cb_n, 6);
    /* by offset (no cursor): only a short page ends; too many pages is an error; the
     * plugin's deliver hook hears the success */
    pf_fresh(&f, &ops_d);
    pf_page(&f, 3, 3, NULL);
    pf_page(&f, 3, 3, NULL);
    SQT_ASSERT_INT_EQ(f.sends, 2);
    SQT_ASSERT_INT_EQ(f.cb_status, SQT_EPROTO);
    SQT_ASSERT_INT_EQ(f.delivered, 0);
    pf_fresh(&f, &ops_d);
    pf_page(&f, 0, 0, NULL);
    SQT_ASSERT_INT_EQ(f.delivered, 1);
    SQT_ASSERT_INT_EQ(f.cb_status, SQT_OK);
    SQT_ASSERT_INT_EQ(f.cb_n, 0);
    /* closing between pages: cancelled; a failed page ends with its error */
    pf_fresh(&f, &ops);
    f.closing = 1;
    pf_page(&f, 3, 3, "1");
    SQT_ASSERT_INT_EQ(f.cb_status, SQT_ECANCELLED);
    pf_fresh(&f, &ops);
    sqt_kit_fail(&e, SQT_EAUTH, "no");
    sqt_kit_pager_page(f.p, &e, 0, NULL);
    SQT_ASSERT_INT_EQ(f.cb_status, SQT_EAUTH);
    SQT_ASSERT_INT_EQ(f.cb_n, 0);
    /* a next page that cannot be sent ends with the reason; a first one returns it */
    pf_fresh(&f, &ops);
    f.refuse = 1;
    pf_page(&f, 3, 3, "5");
    SQT_ASSERT_INT_EQ(f.cb_status, SQT_ENETWORK);
    SQT_ASSERT_INT_EQ(sqt_kit_pager_start(&ops, &f, pf_done, NULL, &f), SQT_ENETWORK);
    SQT_ASSERT_INT_EQ(f.cb_calls, 1);
}

/* ---- the stream set: one kind, UP on open, rotation at max age ------------------------ */

typedef struct cs_fx {
    sqt_kit_conns set;
    int opens, states[8], n_states, gone, messages, on_age_ret;
    char last_msg[64];
} cs_fx;

typedef struct cs_conn {
    sqt_kit_conn k;
    int tag;
} cs_conn;

static void cs_open(void *owner, sqt_kit_conn *c)
{
    ((cs_fx *)owner)->opens++;
    sqt_kit_conn_up(c); /* nothing to confirm: UP at once */
}

static void cs_message(void *owner, sqt_kit_conn *c, const char *data, size_t len)
{
    cs_fx *f = owner;
    (void)c;
    f->messages++;
    snprintf(f->last_msg, sizeof(f->last_msg), "%.*s", (int)len, data);
}

static void cs_state(void *owner, int kind, sqt_stream_state st, const sqt_error *err)
{
    cs_fx *f = owner;
    (void)kind;
    (void)err;
    if (f->n_states < 8)
        f->states[f->n_states++] = (int)st;
}

static int cs_age(void *owner, sqt_kit_conn *c)
{
    (void)c;
    return ((cs_fx *)owner)->on_age_ret;
}

static int cs_dup(void *owner, const sqt_kit_conn *from, sqt_kit_conn *to)
{
    (void)owner;
    ((cs_conn *)to)->tag = ((const cs_conn *)from)->tag + 1;
    return 0;
}

static void cs_gone(void *owner)
{
    ((cs_fx *)owner)->gone++;
}

static const sqt_kit_conn_hooks cs_hooks = {sizeof(cs_conn), cs_open, cs_message, NULL,
                                            cs_state,        cs_age,  cs_dup,     NULL,
                                            cs_gone,         NULL,    NULL};

/* A set on the fake host: max age 1000 ms, switch 100 ms, retry 500 ms. */
static void cs_start(cs_fx *f, fake_host *fh)
{
    memset(f, 0, sizeof(*f));
    f->on_age_ret = 1;
    sqt_kit_conns_init(&f->set, fake_host_api(), fake_host_handle(fh), &cs_hooks, f, 1000, 100,
                       500);
}

static void test_stream_set(void)
{
    fake_host *fh = fake_host_new();
    cs_fx f;
    sqt_kit_conn *c;
    cs_start(&f, fh);
    SQT_ASSERT_INT_EQ(sqt_kit_conn_open(&f.set, 9, "wss://x.test/ws", 0, &c), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_kit_conn_open(&f.set, 1, "wss://x.test/ws", 0, &c), SQT_OK);
    ((cs_conn *)c)->tag = 7;
    CU_ASSERT_PTR_EQUAL(f.set.current[1], c);
    fake_host_ws_connect(fh, 0);
    SQT_ASSERT_INT_EQ(f.opens, 1);
    SQT_ASSERT_INT_EQ(f.n_states, 1);
    SQT_ASSERT_INT_EQ(f.states[0], SQT_STREAM_UP);
    fake_host_ws_message(fh, 0, "hello");
    SQT_ASSERT_STR_EQ(f.last_msg, "hello");
    /* max age: a successor on the same URL; its UP is the takeover, not a new UP */
    fake_host_advance(fh, 1000);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(fh), 2);
    SQT_ASSERT_STR_EQ(fake_host_ws_at(fh, 1)->url, "wss://x.test/ws");
    fake_host_ws_connect(fh, 1);
    SQT_ASSERT_INT_EQ(f.n_states, 1);
    CU_ASSERT_TRUE(fake_host_ws_at(fh, 0)->closed);
    SQT_ASSERT_INT_EQ(((cs_conn *)f.set.current[1])->tag, 8);
    fake_host_advance(fh, 1);
    SQT_ASSERT_INT_EQ(f.gone, 1);
    /* the next age: this time the successor does not come up in time */
    fake_host_advance(fh, 1000);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(fh), 3);
    fake_host_advance(fh, 100);
    CU_ASSERT_TRUE(fake_host_ws_at(fh, 2)->closed);
    SQT_ASSERT_INT_EQ(((cs_conn *)f.set.current[1])->tag, 8);
    fake_host_advance(fh, 500); /* tried again after retry_ms */
    SQT_ASSERT_INT_EQ(fake_host_ws_count(fh), 4);
    /* a drop reports DOWN, the host giving up FAILED */
    fake_host_ws_drop(fh, 1);
    SQT_ASSERT_INT_EQ(f.states[f.n_states - 1], SQT_STREAM_DOWN);
    fake_host_ws_give_up(fh, 1);
    SQT_ASSERT_INT_EQ(f.states[f.n_states - 1], SQT_STREAM_FAILED);
    CU_ASSERT_PTR_NULL(f.set.current[1]);
    /* shutdown: everything closes, no sink call */
    f.n_states = 0;
    sqt_kit_conns_close_all(&f.set);
    fake_host_advance(fh, 10);
    CU_ASSERT_PTR_NULL(f.set.head);
    SQT_ASSERT_INT_EQ(f.n_states, 0);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(fh), 0);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 0);
    fake_host_free(fh);
}

/* The kind's ws flags reach the host with every connection of that kind, a rotation's
 * successor included; other kinds open without them. */
static void test_stream_set_ws_flags(void)
{
    fake_host *fh = fake_host_new();
    cs_fx f;
    sqt_kit_conn *c;
    cs_start(&f, fh);
    SQT_ASSERT_INT_EQ(f.set.ws_flags[1], 0); /* init: no flags */
    f.set.ws_flags[1] = SQT_WS_MARKET_DATA;
    SQT_ASSERT_INT_EQ(sqt_kit_conn_open(&f.set, 1, "wss://x.test/market", 0, &c), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_kit_conn_open(&f.set, 3, "wss://x.test/user", 0, &c), SQT_OK);
    SQT_ASSERT_INT_EQ(fake_host_ws_options(fh, 0)->flags, SQT_WS_MARKET_DATA);
    SQT_ASSERT_INT_EQ(fake_host_ws_at(fh, 0)->flags, SQT_WS_MARKET_DATA);
    SQT_ASSERT_INT_EQ(fake_host_ws_options(fh, 1)->flags, 0);
    SQT_ASSERT_INT_EQ(fake_host_ws_at(fh, 1)->flags, 0);
    fake_host_ws_connect(fh, 0);
    fake_host_ws_connect(fh, 1);
    fake_host_advance(fh, 1000); /* max age: successors, the market one flagged again */
    SQT_ASSERT_INT_EQ(fake_host_ws_count(fh), 4);
    SQT_ASSERT_STR_EQ(fake_host_ws_at(fh, 2)->url, "wss://x.test/market");
    SQT_ASSERT_INT_EQ(fake_host_ws_at(fh, 2)->flags, SQT_WS_MARKET_DATA);
    SQT_ASSERT_INT_EQ(fake_host_ws_at(fh, 3)->flags, 0);
    sqt_kit_conns_close_all(&f.set);
    fake_host_advance(fh, 10);
    CU_ASSERT_PTR_NULL(f.set.head);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 0);
    fake_host_free(fh);
}

static void no_ws_cb(void *ud, sqt_ws *ws)
{
    (void)ud;
    (void)ws;
}

/* A plugin built before sqt_ws_options.flags passes a shorter struct: the fake host, as
 * the real one, reads the flags as 0 whatever lies past its struct_size. */
static void test_fake_host_ws_flags_short_struct(void)
{
    fake_host *fh = fake_host_new();
    sqt_ws_callbacks cbs;
    sqt_ws_options o;
    sqt_ws *ws = NULL;
    memset(&cbs, 0, sizeof(cbs));
    cbs.struct_size = sizeof(cbs);
    cbs.on_open = no_ws_cb;
    cbs.on_closed = no_ws_cb;
    memset(&o, 0, sizeof(o));
    o.url = "wss://x.test/a";
    o.flags = SQT_WS_MARKET_DATA; /* past the old size: must not be read */
    o.struct_size = offsetof(sqt_ws_options, flags);
    SQT_ASSERT_INT_EQ(fake_host_api()->ws_open(fake_host_handle(fh), &o, &cbs, NULL, &ws), 0);
    o.struct_size = sizeof(o);
    SQT_ASSERT_INT_EQ(fake_host_api()->ws_open(fake_host_handle(fh), &o, &cbs, NULL, &ws), 0);
    SQT_ASSERT_INT_EQ(fake_host_ws_options(fh, 0)->flags, 0);
    SQT_ASSERT_INT_EQ(fake_host_ws_at(fh, 0)->flags, 0);
    SQT_ASSERT_INT_EQ(fake_host_ws_options(fh, 1)->flags, SQT_WS_MARKET_DATA);
    SQT_ASSERT_INT_EQ(fake_host_ws_at(fh, 1)->flags, SQT_WS_MARKET_DATA);
    fake_host_free(fh);
}

/* Prices and sizes on their grid; the single-order verdicts. */
/* ---- around the streams: names, bounded warnings, RESYNC after a drop, klines -------- */

typedef struct kl_fx {
    sqt_kline got[16];
    size_t n;
    int states[8], n_states;
} kl_fx;

static void kl_on_state(void *ud, sqt_stream_state st, const sqt_error *err)
{
    kl_fx *f = ud;
    (void)err;
    if (f->n_states < 8)
        f->states[f->n_states++] = (int)st;
}

static void kl_on_kline(void *ud, const sqt_kline *k)
{
    kl_fx *f = ud;
    if (f->n < 16)
        f->got[f->n++] = *k;
}

static sqt_kline kl_row(const char *symbol, int64_t open_ms, int closed)
{
    sqt_kline k;
    memset(&k, 0, sizeof(k));
    snprintf(k.symbol, sizeof(k.symbol), "%s", symbol);
    snprintf(k.interval, sizeof(k.interval), "1m");
    k.open_time_ms = open_ms;
    k.closed = closed;
    return k;
}

static int no_eth(const char *s)
{
    return sqt_kit_symbol_ok(s) && strcmp(s, "ETHUSDT") != 0;
}

static void sh_open(void *owner, sqt_kit_conn *c)
{
    (void)owner;
    (void)c; /* confirmed later, by the test */
}

static void test_stream_helpers(void)
{
    static const char *const syms[] = {"BTCUSDT", "ETHUSDT"};
    static const sqt_kit_conn_hooks hooks = {sizeof(sqt_kit_conn), sh_open, NULL, NULL,
                                             sqt_kit_plugin_hook_state, NULL, NULL, NULL,
                                             NULL, sqt_kit_stream_name, NULL};
    fake_host *fh = fake_host_new();
    sqt_error err;
    sqt_kit_plugin *p = sqt_kit_plugin_new(fake_host_api(), fake_host_handle(fh),
                                           sizeof(sqt_kit_plugin), "x", &err);
    kl_fx f;
    sqt_kline_sink sink;
    sqt_kit_klines k;
    sqt_kit_conn *c;
    sqt_kline r;
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    SQT_ASSERT_STR_EQ(sqt_kit_stream_name(SQT_KIT_STREAM_ORDERS), "order stream");
    SQT_ASSERT_STR_EQ(sqt_kit_stream_name(7), "stream");

    /* warnings: one per 5 s, the ones held back counted in the next */
    fake_host_set_wall_ms(fh, 1000000);
    sqt_kit_plugin_warn_bad(p, "price stream", "bad 1");
    sqt_kit_plugin_warn_bad(p, "price stream", "bad 2");
    sqt_kit_plugin_warn_bad(p, "price stream", "bad 3");
    CU_ASSERT_TRUE(fake_host_log_contains(fh, "price stream: message ignored: bad 1 (0 more"));
    CU_ASSERT_FALSE(fake_host_log_contains(fh, "bad 2"));
    fake_host_set_wall_ms(fh, 1000000 + SQT_KIT_WARN_EVERY_MS);
    sqt_kit_plugin_warn_bad(p, "price stream", "bad 4");
    CU_ASSERT_TRUE(fake_host_log_contains(fh, "bad 4 (2 more held back)"));

    /* klines: the checks, then a later candle closes the newest */
    memset(&f, 0, sizeof(f));
    memset(&sink, 0, sizeof(sink));
    sink.on_kline = kl_on_kline;
    sink.on_state = kl_on_state;
    sink.ud = &f;
    SQT_ASSERT_INT_EQ(sqt_kit_klines_take(p, &k, syms, 0, "1m", NULL, &sink), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_kit_klines_take(p, &k, syms, 5, "1m", NULL, &sink), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_kit_klines_take(p, &k, syms, 2, "1m", no_eth, &sink), SQT_EINVAL);
    CU_ASSERT_FALSE(p->sinks.kline_on);
    SQT_ASSERT_INT_EQ(sqt_kit_klines_take(p, &k, syms, 2, "1m", NULL, &sink), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_kit_klines_find(&k, "ETHUSDT"), 1);
    SQT_ASSERT_INT_EQ(sqt_kit_klines_find(&k, "XRPUSDT"), -1);
    r = kl_row("BTCUSDT", 60000, 0);
    sqt_kit_klines_push(p, &k, &r);
    sqt_kit_klines_push(p, &k, &r);             /* an update of the same candle */
    r = kl_row("BTCUSDT", 0, 0);
    sqt_kit_klines_push(p, &k, &r);             /* older: dropped */
    r = kl_row("XRPUSDT", 60000, 0);
    sqt_kit_klines_push(p, &k, &r);             /* not subscribed: dropped */
    SQT_ASSERT_INT_EQ(f.n, 2);
    r = kl_row("BTCUSDT", 120000, 0);
    sqt_kit_klines_push(p, &k, &r);
    SQT_ASSERT_INT_EQ(f.n, 4);
    CU_ASSERT_TRUE(f.got[2].closed);             /* 60000 once more, closed */
    SQT_ASSERT_INT_EQ(f.got[2].open_time_ms, 60000);
    SQT_ASSERT_INT_EQ(f.got[3].open_time_ms, 120000);
    /* closed by the exchange: delivered once; its late updates and the next candle add
     * no second close */
    r = kl_row("BTCUSDT", 120000, 1);
    sqt_kit_klines_push(p, &k, &r);
    r = kl_row("BTCUSDT", 120000, 0);
    sqt_kit_klines_push(p, &k, &r);
    r = kl_row("BTCUSDT", 180000, 0);
    sqt_kit_klines_push(p, &k, &r);
    SQT_ASSERT_INT_EQ(f.n, 6);
    CU_ASSERT_TRUE(f.got[4].closed);
    SQT_ASSERT_INT_EQ(f.got[5].open_time_ms, 180000);
    CU_ASSERT_FALSE(f.got[5].closed);

    /* UP, and RESYNC before the UP that follows a drop */
    sqt_kit_plugin_streams_init(p, &hooks, 0, 0, 0);
    SQT_ASSERT_INT_EQ(sqt_kit_plugin_stream_open(p, SQT_KIT_STREAM_KLINES, "wss://x.test/ws", 0,
                                                 &c),
                      SQT_OK);
    CU_ASSERT_TRUE(p->sinks.kline_on);
    fake_host_ws_connect(fh, 0);
    SQT_ASSERT_INT_EQ(sqt_kit_conn_ack(c, 2), 0); /* one of two subscriptions */
    SQT_ASSERT_INT_EQ(sqt_kit_conn_ack(c, 2), 1);
    sqt_kit_conn_up_resync(c, 1);
    SQT_ASSERT_INT_EQ(sqt_kit_conn_ack(c, 2), 0); /* already UP */
    SQT_ASSERT_INT_EQ(f.n_states, 1);
    SQT_ASSERT_INT_EQ(f.states[0], SQT_STREAM_UP);
    fake_host_ws_drop(fh, 0);
    SQT_ASSERT_INT_EQ(c->drops, 1);
    fake_host_ws_connect(fh, 0);
    SQT_ASSERT_INT_EQ(c->acks, 0); /* counted again on the new connection */
    sqt_kit_conn_up_resync(c, 1);
    SQT_ASSERT_INT_EQ(c->drops, 0);
    SQT_ASSERT_INT_EQ(f.n_states, 4);
    SQT_ASSERT_INT_EQ(f.states[1], SQT_STREAM_DOWN);
    SQT_ASSERT_INT_EQ(f.states[2], SQT_STREAM_RESYNC);
    SQT_ASSERT_INT_EQ(f.states[3], SQT_STREAM_UP);
    /* a kind whose gap loses nothing: no RESYNC */
    fake_host_ws_drop(fh, 0);
    fake_host_ws_connect(fh, 0);
    sqt_kit_conn_up_resync(c, 0);
    SQT_ASSERT_INT_EQ(f.n_states, 6);
    SQT_ASSERT_INT_EQ(f.states[5], SQT_STREAM_UP);
    sqt_kit_conns_close_all(&p->streams);
    fake_host_advance(fh, 10);
    /* once shutdown began an operation's call is refused before the engine */
    p->closing = 1;
    SQT_ASSERT_INT_EQ(sqt_kit_plugin_call(p, "GET", "/x", NULL, NULL, SQT_KIT_AUTH_NONE, 0,
                                          NULL, NULL),
                      SQT_ECANCELLED);
    sqt_kit_plugin_release(p);
    sqt_kit_plugin_free(p);
    fake_host_free(fh);
}

static void test_order_helpers(void)
{
    char buf[48];
    sqt_error e, perr;
    SQT_ASSERT_INT_EQ(sqt_kit_dec_on_grid(sqt_dec_make(302155, 2), sqt_dec_make(5, 2), "price",
                                          "tick", buf, sizeof(buf), &e), SQT_OK);
    SQT_ASSERT_STR_EQ(buf, "3021.55");
    SQT_ASSERT_INT_EQ(sqt_kit_dec_on_grid(sqt_dec_make(3, 0), sqt_dec_make(5, 1), "price", "tick",
                                          buf, sizeof(buf), &e), SQT_OK);
    SQT_ASSERT_STR_EQ(buf, "3.0"); /* the unit's decimals */
    SQT_ASSERT_INT_EQ(sqt_kit_dec_on_grid(sqt_dec_make(302153, 2), sqt_dec_make(5, 2), "price",
                                          "tick", buf, sizeof(buf), &e), SQT_ERULES);
    SQT_ASSERT_STR_EQ(e.message, "price 3021.53 is not a multiple of the tick 0.05");
    SQT_ASSERT_INT_EQ(sqt_kit_dec_on_grid(sqt_dec_make(1, 4), sqt_dec_make(1, 3), "size", "step",
                                          buf, sizeof(buf), &e), SQT_ERULES);
    SQT_ASSERT_INT_EQ(sqt_kit_dec_on_grid(sqt_dec_make(0, 0), sqt_dec_make(1, 3), "size", "step",
                                          buf, sizeof(buf), &e), SQT_ERULES);
    SQT_ASSERT_INT_EQ(sqt_kit_dec_on_grid(sqt_dec_make(1, 30), sqt_dec_make(1, 3), "size", "step",
                                          buf, sizeof(buf), &e), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_kit_dec_on_grid(sqt_dec_make(123456, 2), sqt_dec_make(1, 2), "price",
                                          "tick", buf, 4, &e), SQT_ERANGE);
    memset(&e, 0, sizeof(e));
    e.code = SQT_EMARGIN;
    SQT_ASSERT_INT_EQ(sqt_kit_item_level(&e), 0); /* no exchange code: the request's */
    snprintf(e.exch_code, sizeof(e.exch_code), "40762");
    SQT_ASSERT_INT_EQ(sqt_kit_item_level(&e), 1);
    e.code = SQT_ERATE_LIMITED;
    SQT_ASSERT_INT_EQ(sqt_kit_item_level(&e), 0);
    snprintf(perr.message, sizeof(perr.message), "field 'orderId' missing");
    sqt_kit_unreadable(&e, &perr);
    SQT_ASSERT_INT_EQ(e.code, SQT_EUNKNOWN_STATUS);
    SQT_ASSERT_STR_EQ(e.exch_code, "");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "orderId"));
}

static int g_drained, g_shut_calls;

static int shut_drained(void *owner)
{
    (void)owner;
    return g_drained;
}

static void shut_done(void *ud, const sqt_error *err)
{
    (void)ud;
    SQT_ASSERT_INT_EQ(err->code, SQT_OK);
    g_shut_calls++;
}

/* The shutdown callback: never inside the call, once, from a timer, when drained. */
static void test_shut(void)
{
    fake_host *fh = fake_host_new();
    sqt_kit_shut s;
    g_drained = 0;
    g_shut_calls = 0;
    sqt_kit_shut_begin(&s, fake_host_api(), fake_host_handle(fh), shut_drained, NULL, shut_done,
                       NULL);
    g_drained = 1;
    sqt_kit_shut_check(&s); /* inside the call: waits */
    sqt_kit_shut_end_call(&s);
    SQT_ASSERT_INT_EQ(g_shut_calls, 0); /* never synchronously */
    fake_host_advance(fh, 1);
    SQT_ASSERT_INT_EQ(g_shut_calls, 1);
    sqt_kit_shut_check(&s);
    fake_host_advance(fh, 1);
    SQT_ASSERT_INT_EQ(g_shut_calls, 1); /* once */
    sqt_kit_shut_free(&s);
    /* still busy at the end of the call: the callback follows the last completion */
    g_drained = 0;
    g_shut_calls = 0;
    sqt_kit_shut_begin(&s, fake_host_api(), fake_host_handle(fh), shut_drained, NULL, shut_done,
                       NULL);
    sqt_kit_shut_end_call(&s);
    fake_host_advance(fh, 1);
    SQT_ASSERT_INT_EQ(g_shut_calls, 0);
    g_drained = 1;
    sqt_kit_shut_check(&s);
    SQT_ASSERT_INT_EQ(g_shut_calls, 0);
    fake_host_advance(fh, 1);
    SQT_ASSERT_INT_EQ(g_shut_calls, 1);
    sqt_kit_shut_free(&s);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(fh), 0);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 0);
    fake_host_free(fh);
}

/* ---- the fee filler: a fake exchange whose trade lists the test answers ------------- */

typedef struct fee_fx {
    void *ctx;                 /* the list in flight */
    char asked[8][SQT_ORDER_ID_MAX];
    int n_asked;
    int ask_rc;                /* what ask returns */
    sqt_kit_fee_sum sums[4];   /* the answer for order "1".."4" */
    int n_cb;
    sqt_error err;
    sqt_order got[4];
    size_t n_got;
} fee_fx;

static fee_fx g_fee;

static int fee_fx_ask(void *plugin, void *ctx, const char *order_id)
{
    (void)plugin;
    if (g_fee.ask_rc != SQT_OK)
        return g_fee.ask_rc;
    CU_ASSERT_PTR_NULL(g_fee.ctx); /* one list at a time */
    g_fee.ctx = ctx;
    snprintf(g_fee.asked[g_fee.n_asked++ % 8], SQT_ORDER_ID_MAX, "%s", order_id);
    return SQT_OK;
}

/* body "bad": unreadable; else the prepared sum of the order */
static int fee_fx_sum(void *plugin, const sqt_order *o, const sqt_kit_answer *a,
                      sqt_kit_fee_sum *s, sqt_error *e)
{
    (void)plugin;
    if (strcmp(a->body, "bad") == 0)
        return sqt_kit_fail(e, SQT_EPROTO, "field 'qty' missing");
    *s = g_fee.sums[atoi(o->order_id) - 1];
    return SQT_OK;
}

static int fee_fx_id_ok(const char *id)
{
    return sqt_kit_digits_ok(id, 19);
}

static void fee_fx_cb(void *ud, const sqt_error *err, const sqt_order *orders, size_t n)
{
    (void)ud;
    g_fee.n_cb++;
    g_fee.err = *err;
    g_fee.n_got = n < 4 ? n : 4;
    if (orders != NULL)
        memcpy(g_fee.got, orders, g_fee.n_got * sizeof(orders[0]));
}

/* The answer of the list in flight: a body, or a failure code. */
static void fee_fx_answer(const char *body, int code)
{
    sqt_kit_call call;
    sqt_kit_answer a;
    memset(&call, 0, sizeof(call));
    memset(&a, 0, sizeof(a));
    call.ctx = g_fee.ctx;
    g_fee.ctx = NULL;
    a.status = code == SQT_OK ? 200 : 0;
    a.body = body;
    a.len = body != NULL ? strlen(body) : 0;
    if (code != SQT_OK)
        sqt_kit_fail(&a.err, code, "network down");
    sqt_kit_fee_done(&call, &a);
}

static sqt_order fee_order(const char *id, int64_t filled_mant)
{
    sqt_order o;
    memset(&o, 0, sizeof(o));
    snprintf(o.order_id, sizeof(o.order_id), "%s", id);
    o.filled_qty = sqt_dec_make(filled_mant, 3);
    return o;
}

static void fee_sum_set(int i, int64_t qty_mant, int64_t fee_mant, const char *asset, int one)
{
    g_fee.sums[i].qty = sqt_dec_make(qty_mant, 3);
    g_fee.sums[i].fee = sqt_dec_make(fee_mant, 6);
    snprintf(g_fee.sums[i].asset, sizeof(g_fee.sums[i].asset), "%s", asset);
    g_fee.sums[i].one_asset = one;
}

static void test_fee_fill(void)
{
    sqt_kit_fee_hooks h = {fee_fx_ask, fee_fx_sum, fee_fx_id_ok, 10};
    fake_host *fh = fake_host_new();
    sqt_error err;
    sqt_kit_plugin *p = sqt_kit_plugin_new(fake_host_api(), fake_host_handle(fh),
                                           sizeof(sqt_kit_plugin), "x", &err);
    sqt_order o[4];
    char buf[48];
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);

    /* nothing filled (or no id the list takes): handed on at once, nothing asked */
    memset(&g_fee, 0, sizeof(g_fee));
    o[0] = fee_order("1", 0);
    o[1] = fee_order("x9", 5);
    sqt_kit_fee_fill(p, &h, "open orders", fee_fx_cb, NULL, o, 2);
    SQT_ASSERT_INT_EQ(g_fee.n_cb, 1);
    SQT_ASSERT_INT_EQ(g_fee.n_asked, 0);
    SQT_ASSERT_INT_EQ((int)g_fee.n_got, 2);

    /* one list after the other; only an exact cover in one asset becomes the fee */
    memset(&g_fee, 0, sizeof(g_fee));
    o[0] = fee_order("1", 10);
    o[1] = fee_order("2", 0);
    o[2] = fee_order("3", 30);
    o[3] = fee_order("4", 40);
    fee_sum_set(0, 10, 2000, "USDT", 1);
    fee_sum_set(2, 20, 4000, "USDT", 1);   /* lagging: 0.020 of 0.030 */
    fee_sum_set(3, 40, 8000, "USDT", 0);   /* two assets */
    sqt_kit_fee_fill(p, &h, "open orders", fee_fx_cb, NULL, o, 4);
    SQT_ASSERT_INT_EQ(g_fee.n_asked, 1);
    SQT_ASSERT_STR_EQ(g_fee.asked[0], "1");
    fee_fx_answer("ok", SQT_OK);
    SQT_ASSERT_INT_EQ(g_fee.n_asked, 2);
    SQT_ASSERT_STR_EQ(g_fee.asked[1], "3");   /* "2" has no fills */
    fee_fx_answer("ok", SQT_OK);
    SQT_ASSERT_INT_EQ(g_fee.n_cb, 0);
    fee_fx_answer("ok", SQT_OK);
    SQT_ASSERT_INT_EQ(g_fee.n_cb, 1);
    SQT_ASSERT_INT_EQ(g_fee.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ((int)g_fee.n_got, 4);
    CU_ASSERT_TRUE(g_fee.got[0].has_cum_fee);
    sqt_dec_format(g_fee.got[0].cum_fee, buf, sizeof(buf));
    SQT_ASSERT_STR_EQ(buf, "0.002000");
    SQT_ASSERT_STR_EQ(g_fee.got[0].fee_asset, "USDT");
    CU_ASSERT_FALSE(g_fee.got[1].has_cum_fee);
    CU_ASSERT_FALSE(g_fee.got[2].has_cum_fee);
    CU_ASSERT_FALSE(g_fee.got[3].has_cum_fee);
    CU_ASSERT_TRUE(fake_host_log_contains(fh, "open orders: order 3 without its fee: its "
                                              "trades hold 0.020 of the executed 0.030"));
    CU_ASSERT_TRUE(fake_host_log_contains(fh, "open orders: order 4 without its fee: paid in "
                                              "more than one asset"));

    /* an unreadable list: that order without its fee, the rest still asked */
    memset(&g_fee, 0, sizeof(g_fee));
    fee_sum_set(2, 30, 1000, "BNB", 1);
    sqt_kit_fee_fill(p, &h, "query order", fee_fx_cb, NULL, o, 3);
    fee_fx_answer("bad", SQT_OK);
    fee_fx_answer("ok", SQT_OK);
    SQT_ASSERT_INT_EQ(g_fee.n_cb, 1);
    CU_ASSERT_FALSE(g_fee.got[0].has_cum_fee);
    CU_ASSERT_TRUE(g_fee.got[2].has_cum_fee);
    SQT_ASSERT_STR_EQ(g_fee.got[2].fee_asset, "BNB");
    CU_ASSERT_TRUE(fake_host_log_contains(fh, "query order: order 1 without its fee: field "
                                              "'qty' missing"));

    /* the cap: the rest go without their fee, counted */
    memset(&g_fee, 0, sizeof(g_fee));
    fee_sum_set(0, 10, 2000, "USDT", 1);
    h.lists_max = 1;
    sqt_kit_fee_fill(p, &h, "open orders", fee_fx_cb, NULL, o, 4);
    fee_fx_answer("ok", SQT_OK);
    SQT_ASSERT_INT_EQ(g_fee.n_asked, 1);
    SQT_ASSERT_INT_EQ(g_fee.n_cb, 1);
    CU_ASSERT_TRUE(g_fee.got[0].has_cum_fee);
    CU_ASSERT_TRUE(fake_host_log_contains(fh, "open orders: 2 filled order(s) without their "
                                              "fee (at most 1 trade lists per call)"));
    h.lists_max = 10;

    /* a failed list stops the asking: the orders go as they are */
    memset(&g_fee, 0, sizeof(g_fee));
    sqt_kit_fee_fill(p, &h, "open orders", fee_fx_cb, NULL, o, 4);
    fee_fx_answer(NULL, SQT_ENETWORK);
    SQT_ASSERT_INT_EQ(g_fee.n_asked, 1);
    SQT_ASSERT_INT_EQ(g_fee.n_cb, 1);
    SQT_ASSERT_INT_EQ(g_fee.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ((int)g_fee.n_got, 4);
    CU_ASSERT_FALSE(g_fee.got[0].has_cum_fee);
    CU_ASSERT_TRUE(fake_host_log_contains(fh, "open orders: 3 filled order(s) without their "
                                              "fee: trade list failed: network down"));

    /* a list not sent: the same */
    memset(&g_fee, 0, sizeof(g_fee));
    g_fee.ask_rc = SQT_EBANNED;
    sqt_kit_fee_fill(p, &h, "query order", fee_fx_cb, NULL, o, 1);
    SQT_ASSERT_INT_EQ(g_fee.n_cb, 1);
    SQT_ASSERT_INT_EQ(g_fee.err.code, SQT_OK);
    SQT_ASSERT_INT_EQ((int)g_fee.n_got, 1);
    CU_ASSERT_TRUE(fake_host_log_contains(fh, "query order: 1 filled order(s) without their "
                                              "fee: trade list not sent"));

    /* cancelled: an answer's ECANCELLED passes through, shutdown between lists too */
    memset(&g_fee, 0, sizeof(g_fee));
    sqt_kit_fee_fill(p, &h, "open orders", fee_fx_cb, NULL, o, 4);
    fee_fx_answer(NULL, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ(g_fee.n_cb, 1);
    SQT_ASSERT_INT_EQ(g_fee.err.code, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ((int)g_fee.n_got, 0);
    memset(&g_fee, 0, sizeof(g_fee));
    sqt_kit_fee_fill(p, &h, "open orders", fee_fx_cb, NULL, o, 4);
    p->closing = 1;
    fee_fx_answer("ok", SQT_OK);
    SQT_ASSERT_INT_EQ(g_fee.n_asked, 1);
    SQT_ASSERT_INT_EQ(g_fee.n_cb, 1);
    SQT_ASSERT_INT_EQ(g_fee.err.code, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ((int)g_fee.n_got, 0);

    sqt_kit_plugin_release(p);
    sqt_kit_plugin_free(p);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 0);
    fake_host_free(fh);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"HMAC-SHA256/512, hex and base64 (RFC 4231)", test_hmac},
        {"HMAC, prepared keys (RFC 4231 1, 2, 6)", test_hmac_prepared},
        {"HMAC, a prepared key signs many times, in turn with others", test_hmac_prepared_reuse},
        {"query strings and percent-encoding", test_query},
        {"JSON readers name the path and the field", test_json},
        {"config readers: found, absent, refused with the key", test_config},
        {"headers, Retry-After, ban state", test_headers_and_ban},
        {"wire headers: in order, the absent ones left out", test_wire_headers},
        {"request registry: cancel all, parked and at the host", test_registry},
        {"cancel own: list, filter by prefix, batches in turn", test_cancel_own},
        {"open orders page by page: cursor, offset, cap, errors", test_pager},
        {"cancel own over the pager: every page, ours in batches", test_pager_own},
        {"stream set: UP, rotation at max age, DOWN, FAILED, close all", test_stream_set},
        {"stream set: each kind's ws flags, successors too", test_stream_set_ws_flags},
        {"fake host: ws flags past an older struct_size read as 0",
         test_fake_host_ws_flags_short_struct},
        {"around the streams: names, warnings, RESYNC after a drop, klines",
         test_stream_helpers},
        {"prices and sizes on their grid, single-order verdicts", test_order_helpers},
        {"the end of a shutdown: once, from a timer, when drained", test_shut},
        {"the fee filler: lists in turn, exact cover, cap, failures, cancel", test_fee_fill},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("sdk_pluginkit", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
