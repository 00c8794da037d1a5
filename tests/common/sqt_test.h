/* Shared CUnit scaffolding: every test executable registers its suites and calls
 * sqt_test_main(), which runs them with the basic interface and exits non-zero when any
 * assertion failed, so ctest sees failures. */
#ifndef SQT_TEST_H
#define SQT_TEST_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sqt_test_case {
    const char *name;
    CU_TestFunc fn;
} sqt_test_case;

/* Register one suite of NULL-terminated cases. */
static inline int sqt_test_suite(const char *name, const sqt_test_case *cases)
{
    CU_pSuite s = CU_add_suite(name, NULL, NULL);
    if (s == NULL)
        return -1;
    for (; cases->name != NULL; cases++)
        if (CU_add_test(s, cases->name, cases->fn) == NULL)
            return -1;
    return 0;
}

/* The tests' pseudo-random numbers: xorshift64 over *state (never 0), the same sequence
 * on every run and machine, so a failing case can be replayed. */
static inline uint64_t sqt_test_xorshift(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* Run everything registered; returns the process exit status. */
static inline int sqt_test_run(void)
{
    unsigned failed;
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    if (CU_get_error() != CUE_SUCCESS)
        failed++;
    CU_cleanup_registry();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#define SQT_TEST_INIT()                                                     \
    do {                                                                    \
        if (CU_initialize_registry() != CUE_SUCCESS) {                      \
            fprintf(stderr, "CUnit registry: %s\n", CU_get_error_msg());    \
            return EXIT_FAILURE;                                            \
        }                                                                   \
    } while (0)

/* Typed equality that prints both sides on failure. */
#define SQT_ASSERT_INT_EQ(a, b)                                                          \
    do {                                                                                 \
        long long sqt_a_ = (long long)(a), sqt_b_ = (long long)(b);                      \
        if (sqt_a_ != sqt_b_)                                                            \
            fprintf(stderr, "    %s:%d: %s == %lld, %s == %lld\n", __FILE__, __LINE__, #a, \
                    sqt_a_, #b, sqt_b_);                                                 \
        CU_ASSERT_EQUAL(sqt_a_, sqt_b_);                                                 \
    } while (0)

#define SQT_ASSERT_STR_EQ(a, b)                                                          \
    do {                                                                                 \
        const char *sqt_a_ = (a), *sqt_b_ = (b);                                         \
        int sqt_eq_ = sqt_a_ && sqt_b_ && strcmp(sqt_a_, sqt_b_) == 0;                   \
        if (!sqt_eq_)                                                                    \
            fprintf(stderr, "    %s:%d: %s == \"%s\", %s == \"%s\"\n", __FILE__, __LINE__, \
                    #a, sqt_a_ ? sqt_a_ : "(null)", #b, sqt_b_ ? sqt_b_ : "(null)");     \
        CU_ASSERT_TRUE(sqt_eq_);                                                         \
    } while (0)

/* The text contains needle; prints both on failure. */
#define SQT_ASSERT_CONTAINS(s, needle)                                                   \
    do {                                                                                 \
        const char *sqt_s_ = (s), *sqt_n_ = (needle);                                    \
        int sqt_in_ = sqt_s_ != NULL && strstr(sqt_s_, sqt_n_) != NULL;                  \
        if (!sqt_in_)                                                                    \
            fprintf(stderr, "    %s:%d: output does not contain \"%s\":\n%s\n", __FILE__,  \
                    __LINE__, sqt_n_, sqt_s_ ? sqt_s_ : "(null)");                       \
        CU_ASSERT_TRUE(sqt_in_);                                                         \
    } while (0)

#endif
