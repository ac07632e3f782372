/*
 * Redis's INCRBYFLOAT arithmetic, reproduced with the same C primitives so the
 * reply bytes match redis-server exactly: `string2ld` (strtold with Redis's
 * checks), `long double` addition, and `ld2string(..., LD_STR_HUMAN)`
 * (`%.17Lf`, trailing zeroes trimmed, "-0" turned into "0").
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Redis's MAX_LONG_DOUBLE_CHARS. */
#define KEVY_LD_CHARS (5 * 1024)

/* Redis's string2ld: 1 on success, 0 when `s` is not a valid float. */
static int kevy_string2ld(const unsigned char *s, size_t slen, long double *dp) {
    char buf[KEVY_LD_CHARS];
    long double value;
    char *eptr;

    if (slen == 0 || slen >= sizeof(buf)) return 0;
    memcpy(buf, s, slen);
    buf[slen] = '\0';

    errno = 0;
    value = strtold(buf, &eptr);
    if (isspace((unsigned char)buf[0]) || eptr[0] != '\0' || (size_t)(eptr - buf) != slen ||
        (errno == ERANGE &&
         (value == HUGE_VALL || value == -HUGE_VALL || fpclassify(value) == FP_ZERO)) ||
        errno == EINVAL || isnan(value))
        return 0;
    *dp = value;
    return 1;
}

/* Redis's ld2string in LD_STR_HUMAN mode for a finite value. Returns the
 * length written to `buf` (0 when it does not fit, like Redis). */
static size_t kevy_ld2string_human(char *buf, size_t len, long double value) {
    int n = snprintf(buf, len, "%.17Lf", value);
    size_t l;
    if (n < 0 || (size_t)n + 1 > len) {
        if (len) buf[0] = '\0';
        return 0;
    }
    l = (size_t)n;
    if (strchr(buf, '.') != NULL) {
        char *p = buf + l - 1;
        while (*p == '0') {
            p--;
            l--;
        }
        if (*p == '.') l--;
    }
    if (l == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        l = 1;
    }
    buf[l] = '\0';
    return l;
}

/*
 * value (or 0 when `value` is NULL) + incr, formatted into `out`
 * (KEVY_LD_CHARS bytes). Returns 0 on success with the length in `*outlen`,
 * 1 when the value is not a float, 2 when the increment is not a float,
 * 3 when the result is NaN or infinite.
 */
int kevy_incrbyfloat(const unsigned char *value, size_t vlen, const unsigned char *incr,
                     size_t ilen, char *out, size_t *outlen) {
    long double v = 0, i = 0;
    if (value != NULL && !kevy_string2ld(value, vlen, &v)) return 1;
    if (!kevy_string2ld(incr, ilen, &i)) return 2;
    v += i;
    if (isnan(v) || isinf(v)) return 3;
    *outlen = kevy_ld2string_human(out, KEVY_LD_CHARS, v);
    return 0;
}
