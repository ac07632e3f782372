//! Redis's `pqsort.c`: the BSD quicksort of Bentley & McIlroy ("Engineering
//! a Sort Function") that only recurses into partitions overlapping the
//! range `lrange..=rrange`. SORT uses it with BY and LIMIT; elements that
//! compare equal then come out in this algorithm's order, which a reply
//! must reproduce to be byte-identical with Redis.

use std::cmp::Ordering;

/// Sorts `v` so that positions `lrange..=rrange` hold what a full sort would
/// put there (elsewhere, only partitioned).
pub fn pqsort<T>(
    v: &mut [T],
    cmp: &mut impl FnMut(&T, &T) -> Ordering,
    lrange: usize,
    rrange: usize,
) {
    sort_range(v, 0, v.len(), cmp, lrange, rrange);
}

/// The median of three positions, as `med3` picks it.
fn med3<T>(
    v: &[T],
    a: usize,
    b: usize,
    c: usize,
    cmp: &mut impl FnMut(&T, &T) -> Ordering,
) -> usize {
    let mut c3 = |x: usize, y: usize| cmp(&v[x], &v[y]);
    if c3(a, b) == Ordering::Less {
        if c3(b, c) == Ordering::Less {
            b
        } else if c3(a, c) == Ordering::Less {
            c
        } else {
            a
        }
    } else if c3(b, c) == Ordering::Greater {
        b
    } else if c3(a, c) == Ordering::Less {
        a
    } else {
        c
    }
}

/// Swaps the `n` positions from `a` with the `n` from `b`.
fn vecswap<T>(v: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        v.swap(a + i, b + i);
    }
}

/// True when positions `start..start + n` overlap `lrange..=rrange`.
fn overlaps(start: usize, n: usize, lrange: usize, rrange: usize) -> bool {
    !(rrange < start || lrange >= start + n)
}

/// `_pqsort` over the `n` positions from `a`.
fn sort_range<T>(
    v: &mut [T],
    mut a: usize,
    mut n: usize,
    cmp: &mut impl FnMut(&T, &T) -> Ordering,
    lrange: usize,
    rrange: usize,
) {
    loop {
        if n < 7 {
            for pm in a + 1..a + n {
                let mut pl = pm;
                while pl > a && cmp(&v[pl - 1], &v[pl]) == Ordering::Greater {
                    v.swap(pl, pl - 1);
                    pl -= 1;
                }
            }
            return;
        }
        let mut pm = a + n / 2;
        if n > 7 {
            let (mut pl, mut pn) = (a, a + n - 1);
            if n > 40 {
                let d = n / 8;
                pl = med3(v, pl, pl + d, pl + 2 * d, cmp);
                pm = med3(v, pm - d, pm, pm + d, cmp);
                pn = med3(v, pn - 2 * d, pn - d, pn, cmp);
            }
            pm = med3(v, pl, pm, pn, cmp);
        }
        v.swap(a, pm);
        let (mut pa, mut pb) = (a + 1, a + 1);
        let (mut pc, mut pd) = (a + n - 1, a + n - 1);
        loop {
            while pb <= pc {
                let c = cmp(&v[pb], &v[a]);
                if c == Ordering::Greater {
                    break;
                }
                if c == Ordering::Equal {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb <= pc {
                let c = cmp(&v[pc], &v[a]);
                if c == Ordering::Less {
                    break;
                }
                if c == Ordering::Equal {
                    v.swap(pc, pd);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb > pc {
                break;
            }
            v.swap(pb, pc);
            pb += 1;
            pc -= 1;
        }
        let pn = a + n;
        let r = (pa - a).min(pb - pa);
        vecswap(v, a, pb - r, r);
        let r = (pd - pc).min(pn - pd - 1);
        vecswap(v, pb, pn - r, r);
        let r = pb - pa;
        if r > 1 && overlaps(a, r, lrange, rrange) {
            sort_range(v, a, r, cmp, lrange, rrange);
        }
        let r = pd - pc;
        if r > 1 {
            a = pn - r;
            n = r;
            if overlaps(a, n, lrange, rrange) {
                continue;
            }
        }
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The range comes out as a full sort would have it, for many shapes.
    #[test]
    fn the_range_is_sorted() {
        let mut seed = 12345u64;
        for n in [0usize, 1, 5, 6, 7, 8, 20, 40, 41, 100, 500] {
            for _ in 0..20 {
                let v: Vec<u32> = (0..n)
                    .map(|_| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                        ((seed >> 33) % 50) as u32
                    })
                    .collect();
                let mut sorted = v.clone();
                sorted.sort();
                let (l, r) = if n == 0 { (0, 0) } else { (n / 3, n / 2) };
                let mut got = v.clone();
                pqsort(&mut got, &mut |a, b| a.cmp(b), l, r);
                if n > 0 {
                    assert_eq!(got[l..=r], sorted[l..=r], "n={n}");
                }
                let mut all = got.clone();
                all.sort();
                assert_eq!(all, sorted, "a permutation");
            }
        }
    }
}
