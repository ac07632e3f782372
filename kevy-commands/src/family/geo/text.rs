//! How Redis prints GEO numbers: distances with four decimals
//! (`fixedpoint_d2string`), coordinates as "human" long doubles (`%.17Lf`
//! without trailing zeros) and coordinates in error messages as `%f`.
//!
//! Rust's fixed-precision formatting is exact and rounds ties to even, as
//! glibc's `printf` does, and a double widened to `long double` has the same
//! exact decimal expansion, so these match Redis byte for byte.

/// A distance as Redis replies it: `llrint(d * 10000)` printed with four
/// decimals (`5.2145`, `0.0000`).
pub fn distance(d: f64) -> String {
    if d == 0.0 {
        return "0.0000".into();
    }
    let scaled = (d * 10000.0).round_ties_even();
    // llrint's result for what does not fit: the "integer indefinite".
    let v = if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&scaled) {
        scaled as i64
    } else {
        i64::MIN
    };
    let sign = if v < 0 { "-" } else { "" };
    let u = v.unsigned_abs();
    format!("{sign}{}.{:04}", u / 10000, u % 10000)
}

/// A coordinate as `addReplyHumanLongDouble` prints it: `%.17Lf`, trailing
/// zeros (and a bare dot) removed, `-0` as `0`.
pub fn coord(v: f64) -> String {
    let mut s = format!("{v:.17}");
    if s.contains('.') {
        let kept = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(kept);
    }
    if s == "-0" {
        s = "0".into();
    }
    s
}

/// C's `%f`: six decimals.
pub fn c_f(v: f64) -> String {
    format!("{v:.6}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_have_four_decimals() {
        assert_eq!(distance(0.0), "0.0000");
        assert_eq!(distance(166274.15156960033), "166274.1516");
        assert_eq!(distance(0.00004), "0.0000");
        assert_eq!(distance(0.00005), "0.0000");
        assert_eq!(distance(0.00015), "0.0001");
        assert_eq!(distance(0.00025), "0.0002");
        assert_eq!(distance(1.5), "1.5000");
        assert_eq!(distance(-2.25), "-2.2500");
    }

    #[test]
    fn coordinates_drop_trailing_zeros() {
        assert_eq!(coord(13.361389338970184), "13.36138933897018433");
        assert_eq!(coord(1.5), "1.5");
        assert_eq!(coord(180.0), "180");
        assert_eq!(coord(-0.0), "0");
        assert_eq!(coord(-1e-20), "0");
        assert_eq!(c_f(200.0), "200.000000");
        assert_eq!(c_f(f64::INFINITY), "inf");
        assert_eq!(c_f(-1e-7), "-0.000000");
    }
}
