/* tests/mini/cmocka.h - a stand-in for the part of cmocka the tests use, for cross builds that have no cmocka
   library (make windows / aarch64 / s390x / wasm put this folder first on the include path: -isystem tests/mini).
   Same names, same struct layout, same behaviour where the tests rely on it: a failed assertion ends that test
   (longjmp) and the others still run; group and per-test setup/teardown; the group's state is each test's
   initial state; the exit code of cmocka_run_group_tests is the number of failed tests. Output follows
   cmocka's ("[ RUN      ]", "[  FAILED  ] N test(s)"). Only what the tests call is here: add more as needed. */
#ifndef ALBERT_MINI_CMOCKA_H
#define ALBERT_MINI_CMOCKA_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uintmax_t LargestIntegralType;
typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
    const char *name;
    CMUnitTestFunction test_func;
    CMFixtureFunction setup_func;
    CMFixtureFunction teardown_func;
    void *initial_state;
};

#define cmocka_unit_test(f) { #f, f, NULL, NULL, NULL }
#define cmocka_unit_test_setup(f, setup) { #f, f, setup, NULL, NULL }
#define cmocka_unit_test_teardown(f, teardown) { #f, f, NULL, teardown, NULL }
#define cmocka_unit_test_setup_teardown(f, setup, teardown) { #f, f, setup, teardown, NULL }
#define cmocka_unit_test_prestate(f, state) { #f, f, NULL, NULL, state }
#define cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, state) { #f, f, setup, teardown, state }

/* one jump buffer per process: the tests run one at a time (other threads must not assert) */
static inline jmp_buf *mini_cmocka__jump(void)
{
    static jmp_buf jump;
    return &jump;
}
static inline int *mini_cmocka__status(void) /* 0 running, 1 failed, 2 skipped */
{
    static int status;
    return &status;
}

static inline void print_message(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vprintf(format, ap);
    va_end(ap);
    fflush(stdout);
}
static inline void print_error(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vfprintf(stderr, format, ap);
    va_end(ap);
    fflush(stderr);
}

static inline void mini_cmocka__stop(int status)
{
    *mini_cmocka__status() = status;
    longjmp(*mini_cmocka__jump(), 1);
}
static inline void _fail(const char *file, int line)
{
    print_error("[   LINE   ] --- %s:%d: Failure!\n", file, line);
    mini_cmocka__stop(1);
}
static inline void _skip(const char *file, int line)
{
    print_error("[   LINE   ] --- %s:%d: Skipped\n", file, line);
    mini_cmocka__stop(2);
}
static inline void _assert_true(LargestIntegralType v, const char *expression, const char *file, int line)
{
    if (!v) {
        print_error("%s\n", expression);
        _fail(file, line);
    }
}
static inline void _assert_int_equal(LargestIntegralType a, LargestIntegralType b, const char *file, int line)
{
    if (a != b) {
        print_error("%llu (%#llx) != %llu (%#llx)\n", (unsigned long long)a, (unsigned long long)a, (unsigned long long)b,
                    (unsigned long long)b);
        _fail(file, line);
    }
}
static inline void _assert_int_not_equal(LargestIntegralType a, LargestIntegralType b, const char *file, int line)
{
    if (a == b) {
        print_error("%llu (%#llx) == %llu (%#llx)\n", (unsigned long long)a, (unsigned long long)a, (unsigned long long)b,
                    (unsigned long long)b);
        _fail(file, line);
    }
}
static inline void _assert_string_equal(const char *a, const char *b, const char *file, int line)
{
    if (!a || !b || strcmp(a, b) != 0) {
        print_error("\"%s\" != \"%s\"\n", a ? a : "(null)", b ? b : "(null)");
        _fail(file, line);
    }
}
static inline void _assert_string_not_equal(const char *a, const char *b, const char *file, int line)
{
    if (a && b && strcmp(a, b) == 0) {
        print_error("\"%s\" == \"%s\"\n", a, b);
        _fail(file, line);
    }
}
static inline void _assert_memory_equal(const void *a, const void *b, size_t size, const char *file, int line)
{
    if (size && (!a || !b || memcmp(a, b, size) != 0)) {
        size_t i = 0;
        if (a && b)
            while (((const unsigned char *)a)[i] == ((const unsigned char *)b)[i]) i++;
        print_error("%lu bytes differ (first at byte %lu)\n", (unsigned long)size, (unsigned long)i);
        _fail(file, line);
    }
}
static inline void _assert_memory_not_equal(const void *a, const void *b, size_t size, const char *file, int line)
{
    if (a && b && memcmp(a, b, size) == 0) {
        print_error("%lu bytes are equal\n", (unsigned long)size);
        _fail(file, line);
    }
}
static inline void _assert_in_range(LargestIntegralType v, LargestIntegralType lo, LargestIntegralType hi, const char *file,
                             int line)
{
    if (v < lo || v > hi) {
        print_error("%llu is not within %llu..%llu\n", (unsigned long long)v, (unsigned long long)lo,
                    (unsigned long long)hi);
        _fail(file, line);
    }
}

#define cast_to_largest_integral_type(v) ((LargestIntegralType)(v))
#define cast_ptr_to_largest_integral_type(p) ((LargestIntegralType)(uintptr_t)(const void *)(p))
#define assert_true(c) _assert_true(cast_to_largest_integral_type(c), #c, __FILE__, __LINE__)
#define assert_false(c) _assert_true(!(cast_to_largest_integral_type(c)), #c, __FILE__, __LINE__)
#define assert_non_null(c) _assert_true(cast_ptr_to_largest_integral_type(c), #c, __FILE__, __LINE__)
#define assert_null(c) _assert_true(!(cast_ptr_to_largest_integral_type(c)), #c, __FILE__, __LINE__)
#define assert_ptr_equal(a, b) \
    _assert_int_equal(cast_ptr_to_largest_integral_type(a), cast_ptr_to_largest_integral_type(b), __FILE__, __LINE__)
#define assert_ptr_not_equal(a, b) \
    _assert_int_not_equal(cast_ptr_to_largest_integral_type(a), cast_ptr_to_largest_integral_type(b), __FILE__, \
                          __LINE__)
#define assert_int_equal(a, b) \
    _assert_int_equal(cast_to_largest_integral_type(a), cast_to_largest_integral_type(b), __FILE__, __LINE__)
#define assert_int_not_equal(a, b) \
    _assert_int_not_equal(cast_to_largest_integral_type(a), cast_to_largest_integral_type(b), __FILE__, __LINE__)
#define assert_string_equal(a, b) _assert_string_equal((const char *)(a), (const char *)(b), __FILE__, __LINE__)
#define assert_string_not_equal(a, b) \
    _assert_string_not_equal((const char *)(a), (const char *)(b), __FILE__, __LINE__)
#define assert_memory_equal(a, b, size) \
    _assert_memory_equal((const void *)(a), (const void *)(b), size, __FILE__, __LINE__)
#define assert_memory_not_equal(a, b, size) \
    _assert_memory_not_equal((const void *)(a), (const void *)(b), size, __FILE__, __LINE__)
#define assert_in_range(v, lo, hi) \
    _assert_in_range(cast_to_largest_integral_type(v), cast_to_largest_integral_type(lo), \
                     cast_to_largest_integral_type(hi), __FILE__, __LINE__)
#define fail() _fail(__FILE__, __LINE__)
#define skip() _skip(__FILE__, __LINE__)
/* fail_msg(format, ...): the format is a string literal, as with cmocka (standard C99: no ## extension) */
#define fail_msg(...) (print_error("ERROR: " __VA_ARGS__), print_error("\n"), fail())

/* Runs fixture(state) under the jump buffer; returns 0 if it returned 0 (1 if it failed or asserted). */
static inline int mini_cmocka__fixture(CMFixtureFunction fixture, void **state)
{
    volatile int rc = 0;
    *mini_cmocka__status() = 0;
    if (setjmp(*mini_cmocka__jump()) == 0) rc = fixture(state);
    else rc = 1;
    return rc;
}

static inline int _cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests, const size_t num_tests,
                                   CMFixtureFunction group_setup, CMFixtureFunction group_teardown)
{
    void *group_state = NULL;
    size_t i, n_failed = 0, n_skipped = 0, n_passed = 0;
    printf("[==========] Running %lu test(s).\n", (unsigned long)num_tests);
    fflush(stdout);
    if (group_setup && mini_cmocka__fixture(group_setup, &group_state) != 0) {
        print_error("[  ERROR   ] %s: group setup failed\n", group_name);
        return (int)(num_tests ? num_tests : 1);
    }
    for (i = 0; i < num_tests; i++) {
        void *state = tests[i].initial_state ? tests[i].initial_state : group_state;
        int status = 0;
        printf("[ RUN      ] %s\n", tests[i].name);
        fflush(stdout);
        if (tests[i].setup_func && mini_cmocka__fixture(tests[i].setup_func, &state) != 0) {
            status = 1;
        } else {
            *mini_cmocka__status() = 0;
            if (setjmp(*mini_cmocka__jump()) == 0) tests[i].test_func(&state);
            status = *mini_cmocka__status();
            if (tests[i].teardown_func && mini_cmocka__fixture(tests[i].teardown_func, &state) != 0 && !status)
                status = 1;
        }
        if (status == 0) { printf("[       OK ] %s\n", tests[i].name); n_passed++; }
        else if (status == 2) { printf("[  SKIPPED ] %s\n", tests[i].name); n_skipped++; }
        else { printf("[  FAILED  ] %s\n", tests[i].name); n_failed++; }
        fflush(stdout);
    }
    if (group_teardown && mini_cmocka__fixture(group_teardown, &group_state) != 0) {
        print_error("[  ERROR   ] %s: group teardown failed\n", group_name);
        n_failed++;
    }
    printf("[==========] %s: %lu test(s) run.\n", group_name, (unsigned long)num_tests);
    printf("[  PASSED  ] %lu test(s).\n", (unsigned long)n_passed);
    if (n_skipped) printf("[  SKIPPED ] %lu test(s).\n", (unsigned long)n_skipped);
    if (n_failed) printf("[  FAILED  ] %lu test(s).\n", (unsigned long)n_failed);
    fflush(stdout);
    return (int)n_failed;
}
#define cmocka_run_group_tests(group_tests, group_setup, group_teardown) \
    _cmocka_run_group_tests(#group_tests, group_tests, sizeof(group_tests) / sizeof((group_tests)[0]), group_setup, \
                            group_teardown)
#define cmocka_run_group_tests_name(group_name, group_tests, group_setup, group_teardown) \
    _cmocka_run_group_tests(group_name, group_tests, sizeof(group_tests) / sizeof((group_tests)[0]), group_setup, \
                            group_teardown)

#ifdef __EMSCRIPTEN__
/* make wasm: under node, emscripten's system() always fails (there is no shell in a browser). The tests' system()
   runs the command with /bin/sh through node's child_process instead (tests/mini/node-system.js, linked with
   --js-library), with POSIX's return value (exit status << 8: WIFEXITED / WEXITSTATUS work). The tests use it to
   run the converter, itself a node script there. */
extern int mini_cmocka_node_system(const char *command);
static inline int mini_cmocka_system(const char *command)
{
    fflush(stdout);
    fflush(stderr);
    return command ? mini_cmocka_node_system(command) : 1;
}
#define system(command) mini_cmocka_system(command)
#endif

#endif
