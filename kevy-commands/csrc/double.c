/*
 * Redis's double parsing and printing, with the same C library calls so the
 * results match redis-server exactly: `string2d` (strict: ZADD scores, weights),
 * `strtod` as `zslParseRange` uses it (lenient: score range bounds), and
 * `%.17g` (`addReplyDouble`).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies `len` bytes of `s` into a NUL-terminated buffer: `stack` when it is
 * large enough, otherwise a heap block stored in `*heap` (NULL on failure). */
static char *kevy_cstring(const char *s, size_t len, char *stack, size_t cap, char **heap) {
    char *p = stack;
    *heap = NULL;
    if (len >= cap) {
        *heap = malloc(len + 1);
        if (*heap == NULL) return NULL;
        p = *heap;
    }
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* Redis's string2d: 1 with the value in `*out` when `s` is a valid double. */
int kevy_string2d(const char *s, size_t len, double *out) {
    char stack[128], *heap, *eptr;
    char *p;
    double v;
    int ok;

    if (len == 0) return 0;
    p = kevy_cstring(s, len, stack, sizeof(stack), &heap);
    if (p == NULL) return 0;
    errno = 0;
    v = strtod(p, &eptr);
    ok = !(isspace((unsigned char)p[0]) || (size_t)(eptr - p) != len ||
           (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO)) ||
           isnan(v));
    free(heap);
    if (ok) *out = v;
    return ok;
}

/* `strtod` over the C string `s` (no NUL inside) as `zslParseRange` checks it:
 * the whole string must be consumed and the value must not be NaN. An empty
 * string is 0. Returns 1 with the value in `*out`, 0 otherwise. */
int kevy_strtod_whole(const char *s, size_t len, double *out) {
    char stack[128], *heap, *eptr;
    char *p;
    double v;
    int ok;

    p = kevy_cstring(s, len, stack, sizeof(stack), &heap);
    if (p == NULL) return 0;
    v = strtod(p, &eptr);
    ok = eptr[0] == '\0' && !isnan(v);
    free(heap);
    if (ok) *out = v;
    return ok;
}

/* `%.17g` of `v` into `buf` (32 bytes); returns the length. */
size_t kevy_fmt_g17(double v, char *buf) {
    int n = snprintf(buf, 32, "%.17g", v);
    if (n < 0) return 0;
    return (size_t)n < 32 ? (size_t)n : 31;
}
