/* The grid engine's ordered set (sqt_gset, host/core/grid_index.c): random operations
 * against a plain reference, ordered walks and lower bounds, extreme keys, positions
 * that survive other deletes, the AVL height bound on the engine's worst pattern (a
 * long fall inserts at the low end), reserve making inserts infallible, node reuse.
 * And its hash map (sqt_gmap): random operations against a reference with keys that
 * share lookup hints, so deletes move cells under hints and growth rehashes them. And
 * the finished keys' ring (sqt_gring) with its put-off list against one flushed at
 * every add (the ring before the list). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <opensqt/plugin.h>

#include "grid_index.h"
#include "sqt_test.h"

#define DOMAIN 512

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    return sqt_test_xorshift(&rng);
}

/* Keys are spread over negative and positive values: key(i) = (i - DOMAIN/2) * 7. */
static int64_t key_of(int i)
{
    return (int64_t)(i - DOMAIN / 2) * 7;
}

/* The whole set against the reference: counts, both walks, lower bounds, membership. */
static int same_as(const sqt_gset *s, const unsigned char *ref)
{
    sqt_gset_pos p = sqt_gset_first(s);
    size_t n = 0;
    int i;
    for (i = 0; i < DOMAIN; i++) {
        if (!ref[i])
            continue;
        n++;
        if (p == SQT_GSET_END || sqt_gset_key(s, p) != key_of(i))
            return 0;
        p = sqt_gset_next(s, p);
    }
    if (p != SQT_GSET_END || n != s->n)
        return 0;
    p = sqt_gset_last(s);
    for (i = DOMAIN - 1; i >= 0; i--) {
        if (!ref[i])
            continue;
        if (p == SQT_GSET_END || sqt_gset_key(s, p) != key_of(i))
            return 0;
        p = sqt_gset_prev(s, p);
    }
    if (p != SQT_GSET_END)
        return 0;
    /* lower bound of every key and of the gaps between keys */
    for (i = 0; i < DOMAIN; i++) {
        int64_t probes[2] = {key_of(i), key_of(i) - 3};
        int j, w;
        for (j = 0; j < 2; j++) {
            for (w = i; w < DOMAIN && !ref[w]; w++)
                ;
            p = sqt_gset_lower(s, probes[j]);
            if (w == DOMAIN ? p != SQT_GSET_END
                            : (p == SQT_GSET_END || sqt_gset_key(s, p) != key_of(w)))
                return 0;
        }
        if (sqt_gset_has(s, key_of(i)) != ref[i] || sqt_gset_has(s, key_of(i) + 1))
            return 0;
    }
    return sqt_gset_lower(s, key_of(DOMAIN - 1) + 1) == SQT_GSET_END;
}

static void test_empty(void)
{
    sqt_gset s;
    memset(&s, 0, sizeof s);
    SQT_ASSERT_INT_EQ(sqt_gset_first(&s), SQT_GSET_END);
    SQT_ASSERT_INT_EQ(sqt_gset_last(&s), SQT_GSET_END);
    SQT_ASSERT_INT_EQ(sqt_gset_lower(&s, INT64_MIN), SQT_GSET_END);
    SQT_ASSERT_INT_EQ(sqt_gset_has(&s, 0), 0);
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    sqt_gset_del(&s, 5);
    SQT_ASSERT_INT_EQ(s.n, 0);
    SQT_ASSERT_INT_EQ(sqt_gset_add(&s, 5), 0);
    SQT_ASSERT_INT_EQ(sqt_gset_add(&s, 5), 0); /* already there */
    SQT_ASSERT_INT_EQ(s.n, 1);
    sqt_gset_del(&s, 5);
    SQT_ASSERT_INT_EQ(s.n, 0);
    SQT_ASSERT_INT_EQ(sqt_gset_first(&s), SQT_GSET_END);
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    sqt_gset_free(&s);
    sqt_gset_free(&s); /* a freed set is an empty one */
}

static void test_random_vs_reference(void)
{
    unsigned char ref[DOMAIN] = {0};
    sqt_gset s;
    int op, bad = 0, malformed = 0;
    memset(&s, 0, sizeof s);
    for (op = 0; op < 30000; op++) {
        int i = (int)(rnd() % DOMAIN);
        /* phases that favour adds, then deletes, so the size sweeps 0..DOMAIN */
        int add_pct = (op / 3000) % 2 == 0 ? 70 : 30;
        if ((int)(rnd() % 100) < add_pct) {
            if (sqt_gset_add(&s, key_of(i)) != 0)
                bad++;
            ref[i] = 1;
        } else {
            sqt_gset_del(&s, key_of(i));
            ref[i] = 0;
        }
        if (sqt_gset_check(&s) != 0)
            malformed++;
        if ((op % 97 == 0 || op == 29999) && !same_as(&s, ref))
            bad++;
    }
    SQT_ASSERT_INT_EQ(bad, 0);
    SQT_ASSERT_INT_EQ(malformed, 0);
    sqt_gset_free(&s);
}

static void test_extreme_keys(void)
{
    static const int64_t keys[] = {INT64_MAX, 0, INT64_MIN, -1, 1, INT64_MAX - 1, INT64_MIN + 1};
    static const int64_t sorted[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX};
    sqt_gset s;
    sqt_gset_pos p;
    size_t i;
    memset(&s, 0, sizeof s);
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
        SQT_ASSERT_INT_EQ(sqt_gset_add(&s, keys[i]), 0);
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    for (i = 0, p = sqt_gset_first(&s); p != SQT_GSET_END; p = sqt_gset_next(&s, p), i++)
        CU_ASSERT_TRUE(i < 7 && sqt_gset_key(&s, p) == sorted[i]);
    SQT_ASSERT_INT_EQ(i, 7);
    p = sqt_gset_lower(&s, INT64_MIN);
    CU_ASSERT_TRUE(p != SQT_GSET_END && sqt_gset_key(&s, p) == INT64_MIN);
    p = sqt_gset_lower(&s, 2);
    CU_ASSERT_TRUE(p != SQT_GSET_END && sqt_gset_key(&s, p) == INT64_MAX - 1);
    p = sqt_gset_lower(&s, INT64_MAX);
    CU_ASSERT_TRUE(p != SQT_GSET_END && sqt_gset_key(&s, p) == INT64_MAX);
    sqt_gset_del(&s, INT64_MAX);
    SQT_ASSERT_INT_EQ(sqt_gset_lower(&s, INT64_MAX), SQT_GSET_END);
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    sqt_gset_free(&s);
}

/* The engine walks a set while it acts on the slots; a position must keep naming its
 * key when other keys go, including the two-children delete that moves a node. */
static void test_positions_survive_deletes(void)
{
    sqt_gset s;
    sqt_gset_pos held[10];
    int64_t k;
    int i, moved = 0;
    memset(&s, 0, sizeof s);
    for (k = 0; k < 1000; k++)
        SQT_ASSERT_INT_EQ(sqt_gset_add(&s, k), 0);
    for (i = 0; i < 10; i++)
        held[i] = sqt_gset_lower(&s, (int64_t)i * 100 + 50);
    /* the root has two children: deleting it relinks its successor */
    k = sqt_gset_key(&s, s.root);
    CU_ASSERT_TRUE(s.nodes[s.root].l != 0 && s.nodes[s.root].r != 0);
    sqt_gset_del(&s, k);
    for (k = 0; k < 1000; k++)
        if (k % 100 != 50 && k % 3 != 0)
            sqt_gset_del(&s, k);
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    for (i = 0; i < 10; i++) {
        sqt_gset_pos nx = sqt_gset_next(&s, held[i]);
        int64_t want = (int64_t)i * 100 + 50;
        moved += sqt_gset_key(&s, held[i]) != want;
        /* the next member is the next multiple of 3 above it (or END) */
        want = (want / 3 + 1) * 3;
        if (want < 1000)
            moved += nx == SQT_GSET_END || sqt_gset_key(&s, nx) != want;
    }
    SQT_ASSERT_INT_EQ(moved, 0);
    sqt_gset_free(&s);
}

static int height(const sqt_gset *s)
{
    return s->root ? s->nodes[s->root].h : 0;
}

/* AVL: height < 1.4405 log2(n + 2). A long fall adds every new holding below all the
 * others; a rally removes them from the low end. */
static void test_height_bound(void)
{
    const int64_t n = 200000;
    sqt_gset s;
    int64_t k;
    int bad = 0;
    memset(&s, 0, sizeof s);
    for (k = n; k > 0; k--)
        bad += sqt_gset_add(&s, k) != 0;
    SQT_ASSERT_INT_EQ(bad, 0);
    SQT_ASSERT_INT_EQ(s.n, n);
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    CU_ASSERT_TRUE(height(&s) < 1.4405 * log2((double)n + 2));
    for (k = 1; k <= n / 2; k++)
        sqt_gset_del(&s, k);
    SQT_ASSERT_INT_EQ(s.n, n / 2);
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    CU_ASSERT_TRUE(height(&s) < 1.4405 * log2((double)(n / 2) + 2));
    k = sqt_gset_key(&s, sqt_gset_first(&s));
    SQT_ASSERT_INT_EQ(k, n / 2 + 1);
    /* and a rally: new members above all others, the old ones leave from the top */
    for (k = n + 1; k <= 2 * n; k++)
        bad += sqt_gset_add(&s, k) != 0;
    SQT_ASSERT_INT_EQ(bad, 0);
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    CU_ASSERT_TRUE(height(&s) < 1.4405 * log2((double)s.n + 2));
    for (k = 2 * n; k > n; k--)
        sqt_gset_del(&s, k);
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    SQT_ASSERT_INT_EQ(sqt_gset_key(&s, sqt_gset_last(&s)), n);
    CU_ASSERT_TRUE(height(&s) < 1.4405 * log2((double)s.n + 2));
    sqt_gset_free(&s);
}

/* The engine reserves the slot pool's size in every set so that no insert can fail
 * half-way through a state change; a refused reserve leaves the set as it was. */
static void test_reserve(void)
{
    sqt_gset s;
    const sqt_gset_node *nodes;
    int64_t k;
    int bad = 0;
    memset(&s, 0, sizeof s);
    SQT_ASSERT_INT_EQ(sqt_gset_reserve(&s, 1000), 0);
    SQT_ASSERT_INT_EQ(sqt_gset_reserve(&s, 10), 0); /* never shrinks */
    SQT_ASSERT_INT_EQ(s.cap, 1000);
    nodes = s.nodes;
    for (k = 0; k < 1000; k++)
        bad += sqt_gset_add(&s, k * 2) != 0;
    SQT_ASSERT_INT_EQ(bad, 0);
    CU_ASSERT_TRUE(s.nodes == nodes); /* no growth: nothing could have failed */
    /* deleted nodes are reused: churn never grows the set past its reserve */
    for (k = 0; k < 20000; k++) {
        int64_t a = (int64_t)(rnd() % 4000);
        sqt_gset_del(&s, (int64_t)(rnd() % 4000));
        if (s.n < 1000)
            bad += sqt_gset_add(&s, a) != 0;
    }
    SQT_ASSERT_INT_EQ(bad, 0);
    CU_ASSERT_TRUE(s.nodes == nodes);
    SQT_ASSERT_INT_EQ(s.cap, 1000);
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    k = (int64_t)s.n;
    SQT_ASSERT_INT_EQ(sqt_gset_reserve(&s, SIZE_MAX), SQT_ENOMEM);
    SQT_ASSERT_INT_EQ(sqt_gset_reserve(&s, (size_t)UINT32_MAX), SQT_ENOMEM);
    SQT_ASSERT_INT_EQ(s.n, k);
    SQT_ASSERT_INT_EQ(s.cap, 1000);
    CU_ASSERT_TRUE(s.nodes == nodes);
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    /* past the reserve the set grows by itself */
    for (k = 0; k < 3000; k++)
        bad += sqt_gset_add(&s, 10000 + k) != 0;
    SQT_ASSERT_INT_EQ(bad, 0);
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    sqt_gset_free(&s);
}

/* The invariant check must see damage, or the engine's check proves nothing. */
static void test_check_sees_damage(void)
{
    sqt_gset s;
    sqt_gset_pos r;
    int64_t k, saved;
    memset(&s, 0, sizeof s);
    for (k = 0; k < 100; k++)
        SQT_ASSERT_INT_EQ(sqt_gset_add(&s, k), 0);
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    r = s.root;
    saved = s.nodes[r].k;
    s.nodes[r].k = -5; /* out of order */
    CU_ASSERT_TRUE(sqt_gset_check(&s) != 0);
    s.nodes[r].k = saved;
    s.n++; /* count disagrees */
    CU_ASSERT_TRUE(sqt_gset_check(&s) != 0);
    s.n--;
    s.nodes[r].h++; /* wrong height */
    CU_ASSERT_TRUE(sqt_gset_check(&s) != 0);
    s.nodes[r].h--;
    s.nodes[s.nodes[r].l].p = s.nodes[r].r; /* broken parent link */
    CU_ASSERT_TRUE(sqt_gset_check(&s) != 0);
    s.nodes[s.nodes[r].l].p = r;
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    r = s.lo;
    s.lo = sqt_gset_next(&s, r); /* a stale edge */
    CU_ASSERT_TRUE(sqt_gset_check(&s) != 0);
    s.lo = r;
    SQT_ASSERT_INT_EQ(sqt_gset_check(&s), 0);
    sqt_gset_free(&s);
}


/* ---- sqt_gmap --------------------------------------------------------------------- */

/* Every key of the domain answers as the reference says; the count matches. */
static int gmap_same(const sqt_gmap *m, const uint32_t *ref, const unsigned char *in, int64_t spacing)
{
    size_t n = 0;
    int i;
    for (i = 0; i < DOMAIN; i++) {
        const uint32_t *v = sqt_gmap_get(m, (int64_t)(i - DOMAIN / 2) * spacing);
        if (in[i] ? (v == NULL || *v != ref[i]) : v != NULL)
            return 0;
        n += in[i];
    }
    return n == m->n;
}

/* Random puts, overwrites, deletes and lookups. spacing 1: the engine's consecutive
 * levels; 32 and 64: keys that share a hint, so a hint often names a cell that now
 * holds another key (moved by a delete's backward shift or by growth). */
static void test_gmap_random(void)
{
    static const int64_t spacings[] = {1, 32, 64, 1000003};
    size_t t;
    for (t = 0; t < sizeof spacings / sizeof spacings[0]; t++) {
        sqt_gmap m;
        static uint32_t ref[DOMAIN];
        static unsigned char in[DOMAIN];
        int step, ok = 1;
        memset(ref, 0, sizeof ref);
        memset(in, 0, sizeof in);
        SQT_ASSERT_INT_EQ(sqt_gmap_init(&m, 16), 0);
        for (step = 0; step < 40000 && ok; step++) {
            int i = (int)(rnd() % DOMAIN), op = (int)(rnd() % 8);
            int64_t k = (int64_t)(i - DOMAIN / 2) * spacings[t];
            if (op < 3) {
                uint32_t v = (uint32_t)rnd();
                SQT_ASSERT_INT_EQ(sqt_gmap_put(&m, k, v), 0);
                ref[i] = v;
                in[i] = 1;
            } else if (op < 5) {
                SQT_ASSERT_INT_EQ(sqt_gmap_del(&m, k), in[i]);
                in[i] = 0;
            } else {
                const uint32_t *v = sqt_gmap_get(&m, k);
                ok = in[i] ? v != NULL && *v == ref[i] : v == NULL;
            }
            if (step % 997 == 0)
                ok = ok && gmap_same(&m, ref, in, spacings[t]);
        }
        CU_ASSERT_TRUE(ok);
        CU_ASSERT_TRUE(gmap_same(&m, ref, in, spacings[t]));
        /* empty it, then the same keys come back with new values */
        for (step = 0; step < DOMAIN; step++)
            if (in[step])
                sqt_gmap_del(&m, (int64_t)(step - DOMAIN / 2) * spacings[t]);
        memset(in, 0, sizeof in);
        SQT_ASSERT_INT_EQ(m.n, 0);
        CU_ASSERT_TRUE(gmap_same(&m, ref, in, spacings[t]));
        sqt_gmap_free(&m);
    }
}

/* A hint left by a lookup must not answer for its key once that key is gone and
 * another key of the same hint sits in the hinted cell. */
static size_t gmap_cell_of(const sqt_gmap *m, int64_t k)
{
    size_t i;
    for (i = 0; i < m->cap; i++)
        if (m->cells[i].used && m->cells[i].key == k)
            return i;
    return SIZE_MAX;
}

static void test_gmap_stale_hint(void)
{
    sqt_gmap m;
    const uint32_t *v;
    int64_t a = 5, b = 0;
    size_t cell;
    int i, found = 0;
    SQT_ASSERT_INT_EQ(sqt_gmap_init(&m, 16), 0);
    SQT_ASSERT_INT_EQ(sqt_gmap_put(&m, a, 1), 0);
    v = sqt_gmap_get(&m, a); /* leaves the hint: a's cell */
    CU_ASSERT_TRUE(v != NULL && *v == 1);
    cell = gmap_cell_of(&m, a);
    SQT_ASSERT_INT_EQ(sqt_gmap_del(&m, a), 1);
    /* a key of a's hint slot that takes a's old cell */
    for (i = 1; i < 100000 && !found; i++) {
        b = a + (int64_t)i * SQT_GMAP_HINTS;
        SQT_ASSERT_INT_EQ(sqt_gmap_put(&m, b, 2), 0);
        found = gmap_cell_of(&m, b) == cell;
        if (!found)
            SQT_ASSERT_INT_EQ(sqt_gmap_del(&m, b), 1);
    }
    CU_ASSERT_TRUE_FATAL(found);
    CU_ASSERT_TRUE(sqt_gmap_get(&m, a) == NULL);
    v = sqt_gmap_get(&m, b);
    CU_ASSERT_TRUE(v != NULL && *v == 2);
    CU_ASSERT_TRUE(sqt_gmap_get(&m, a) == NULL);
    sqt_gmap_free(&m);
}

/* Two rings of 16: A flushed after every add (what the ring did before its list), B
 * flushed at random moments and by itself when its list is full. Keys from 64 (so the
 * oldest are forgotten), tags random, 1-255. At every step every key A remembers, B
 * answers with the same tag (B may remember more: its evictions wait for a flush);
 * after each flush of B, the two answer alike for every key. */
static void test_gring_put_off(void)
{
    sqt_gring a, b;
    int step, k, bad = 0, flushes = 0, listed_max = 0;
    SQT_ASSERT_INT_EQ(sqt_gring_init(&a, 16), 0);
    SQT_ASSERT_INT_EQ(sqt_gring_init(&b, 16), 0);
    for (step = 0; step < 50000 && !bad; step++) {
        uint64_t key = 1000 + rnd() % 64;
        uint8_t tag = (uint8_t)(1 + rnd() % 255);
        int op = (int)(rnd() % 16);
        if (op < 11) {
            bad |= sqt_gring_add(&a, key, tag) != 0 || sqt_gring_flush(&a) != 0;
            bad |= sqt_gring_add(&b, key, tag) != 0;
            if ((int)b.n_pend > listed_max)
                listed_max = (int)b.n_pend;
        } else if (op == 11) {
            bad |= sqt_gring_flush(&b) != 0 || b.n_pend != 0;
            flushes++;
            for (k = 0; k < 64; k++)
                bad |= sqt_gring_get(&a, 1000 + (uint64_t)k) != sqt_gring_get(&b, 1000 + (uint64_t)k);
        }
        for (k = 0; k < 64; k++) {
            uint8_t ta = sqt_gring_get(&a, 1000 + (uint64_t)k);
            bad |= ta != 0 && sqt_gring_get(&b, 1000 + (uint64_t)k) != ta;
        }
        bad |= a.n > 16 || b.n > 16;
    }
    CU_ASSERT_FALSE(bad);
    CU_ASSERT_TRUE(flushes > 1000);
    SQT_ASSERT_INT_EQ(listed_max, SQT_GRING_PENDING); /* the list filled and flushed itself */
    /* keys past both the ring and its list: the oldest are forgotten */
    for (k = 0; k < 100; k++)
        SQT_ASSERT_INT_EQ(sqt_gring_add(&b, 5000 + (uint64_t)k, 7), 0);
    SQT_ASSERT_INT_EQ(sqt_gring_get(&b, 5000), 0);
    SQT_ASSERT_INT_EQ(sqt_gring_get(&b, 5099), 7);
    SQT_ASSERT_INT_EQ(sqt_gring_flush(&b), 0);
    SQT_ASSERT_INT_EQ(sqt_gring_get(&b, 5083), 0);
    SQT_ASSERT_INT_EQ(sqt_gring_get(&b, 5084), 7);
    sqt_gring_free(&a);
    sqt_gring_free(&b);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"empty set", test_empty},
        {"random operations vs reference", test_random_vs_reference},
        {"extreme keys", test_extreme_keys},
        {"positions survive other deletes", test_positions_survive_deletes},
        {"AVL height bound (fall, then rally)", test_height_bound},
        {"reserve: infallible adds, refusal leaves the set", test_reserve},
        {"check detects damage", test_check_sees_damage},
        {"gmap: random operations vs reference, shared hints", test_gmap_random},
        {"gmap: a stale hint never answers", test_gmap_stale_hint},
        {"gring: adds put off until a flush answer as flushed ones", test_gring_put_off},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("gset", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
