/* A minimal test harness for host unit tests: each test file is one
 * executable; CHECK* record failures with file:line and carry on. */
#ifndef ARGON_TESTS_CHECK_H
#define ARGON_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

extern int check_failures;
extern int check_count;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		check_count++;                                                                   \
		if (!(cond)) {                                                                   \
			check_failures++;                                                        \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		}                                                                                \
	} while (0)

#define CHECK_EQ(a, b)                                                                      \
	do {                                                                                \
		uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);                \
		check_count++;                                                              \
		if (check_a_ != check_b_) {                                                 \
			check_failures++;                                                   \
			fprintf(stderr,                                                     \
				"%s:%d: %s == %s failed: 0x%" PRIx64 " != 0x%" PRIx64 "\n", \
				__FILE__, __LINE__, #a, #b, check_a_, check_b_);            \
		}                                                                           \
	} while (0)

#define CHECK_STR(a, b)                                                                         \
	do {                                                                                    \
		const char *check_a_ = (a), *check_b_ = (b);                                    \
		check_count++;                                                                  \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                \
			check_failures++;                                                       \
			fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, \
				__LINE__, #a, #b, check_a_ ? check_a_ : "(null)",               \
				check_b_ ? check_b_ : "(null)");                                \
		}                                                                               \
	} while (0)

/* Defines check_failures/check_count and a main() that runs the listed
 * test functions and reports. Use once per test file, after the tests. */
#define CHECK_MAIN(...)                                                        \
	int check_failures, check_count;                                       \
	int main(void)                                                         \
	{                                                                      \
		void (*tests[])(void) = {__VA_ARGS__};                         \
		for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)  \
			tests[i]();                                            \
		printf("%d checks, %d failed\n", check_count, check_failures); \
		return check_failures ? 1 : 0;                                 \
	}

#endif
