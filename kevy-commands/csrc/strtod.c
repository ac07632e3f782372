/*
 * SORT's numeric scores, read as Redis's sortCommandGeneric reads them: C's
 * `strtod` over the value up to its first NUL, refusing trailing garbage,
 * ERANGE (overflow and underflow) and NaN.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Returns 0 with the score in `*out`, or 1 when `s` is not a valid score. */
int kevy_sort_score(const unsigned char *s, size_t len, double *out) {
    char small[128];
    char *buf = small;
    char *eptr;
    double d;
    int bad;

    if (len >= sizeof(small)) {
        buf = malloc(len + 1);
        if (buf == NULL) return 1;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    d = strtod(buf, &eptr);
    bad = eptr[0] != '\0' || errno == ERANGE || isnan(d);
    if (buf != small) free(buf);
    *out = d;
    return bad;
}
