//! Geohash math tests; the expected values are redis-server 7.0.15's
//! (GEOADD scores, GEOPOS coordinates, GEOHASH strings, GEODIST).

use super::*;
use crate::base::pqsort::pqsort;

/// Palermo and Catania, Redis's documentation example.
const PALERMO: (f64, f64) = (13.361389, 38.115556);
const CATANIA: (f64, f64) = (15.087269, 37.502669);

#[test]
fn scores_are_redis_geoadd_scores() {
    assert_eq!(score_of(PALERMO.0, PALERMO.1), Some(3479099956230698));
    assert_eq!(score_of(CATANIA.0, CATANIA.1), Some(3479447370796909));
    assert_eq!(score_of(0.0, 0.0), Some(0xC000000000000));
    assert_eq!(score_of(180.1, 0.0), None);
    assert_eq!(score_of(0.0, 85.06), None);
    assert!(score_of(LONG_MAX, LAT_MAX).is_some());
    assert!(score_of(LONG_MIN, LAT_MIN).is_some());
}

#[test]
fn decoding_gives_the_cell_centre() {
    let [x, y] = decode_score(3479099956230698.0).unwrap();
    assert_eq!(format!("{x:.17}"), "13.36138933897018433");
    assert_eq!(format!("{y:.17}"), "38.11555639549629859");
    // Every point decodes to within half a cell of itself.
    for &(lon, lat) in &[
        PALERMO,
        CATANIA,
        (-179.99, -85.0),
        (179.99, 85.0),
        (0.0, 0.0),
    ] {
        let [x, y] = decode_score(score_of(lon, lat).unwrap() as f64).unwrap();
        assert!((x - lon).abs() < 360.0 / (1u64 << 26) as f64, "{lon}");
        assert!((y - lat).abs() < 171.0 / (1u64 << 26) as f64, "{lat}");
    }
}

#[test]
fn interleaving_round_trips() {
    for &(x, y) in &[
        (0u32, 0u32),
        (1, 0),
        (0, 1),
        (0xFFFF_FFFF, 0),
        (0x1234_5678, 0x9ABC_DEF0),
    ] {
        let i = interleave64(x, y);
        assert_eq!(deinterleave64(i), x as u64 | (y as u64) << 32);
    }
    assert_eq!(interleave64(1, 0), 1);
    assert_eq!(interleave64(0, 1), 2);
}

#[test]
fn geohash_strings_are_redis() {
    assert_eq!(&geohash_string(3479099956230698.0).unwrap(), b"sqc8b49rny0");
    assert_eq!(&geohash_string(3479447370796909.0).unwrap(), b"sqdtr74hyu0");
}

#[test]
fn non_geo_scores_convert_as_x86_does() {
    assert_eq!(score_bits(-1.0), u64::MAX);
    assert_eq!(score_bits(1e300), 0);
    assert_eq!(score_bits(f64::INFINITY), 0);
    assert_eq!(score_bits(9.3e18), 9_300_000_000_000_000_000);
    assert_eq!(score_bits(4503599627370496.0), 1 << 52);
}

#[test]
fn distances_are_haversine_with_redis_radius() {
    // GEODIST measures between the decoded cell centres.
    let [x1, y1] = decode_score(3479099956230698.0).unwrap();
    let [x2, y2] = decode_score(3479447370796909.0).unwrap();
    assert_eq!(format!("{:.4}", distance(x1, y1, x2, y2)), "166274.1516");
    let raw = distance(PALERMO.0, PALERMO.1, CATANIA.0, CATANIA.1);
    assert_eq!(format!("{raw:.4}"), "166274.2578");
    // Same longitude: the meridian shortcut.
    assert_eq!(distance(10.0, 0.0, 10.0, 1.0), lat_distance(0.0, 1.0));
    assert_eq!(distance(1.0, 2.0, 1.0, 2.0), 0.0);
    let half = std::f64::consts::PI * EARTH_RADIUS_IN_METERS;
    assert!((distance(0.0, 0.0, 180.0, 0.0) - half).abs() < 1e-6);
}

#[test]
fn neighbours_are_adjacent_cells() {
    let h = encode_wgs84(PALERMO.0, PALERMO.1, 10).unwrap();
    let n = neighbors(h);
    let area = |h: Hash| decode(WGS84_LONG, WGS84_LAT, h).unwrap();
    let c = area(h);
    assert_eq!(area(n.north).latitude.min, c.latitude.max);
    assert_eq!(area(n.south).latitude.max, c.latitude.min);
    assert_eq!(area(n.east).longitude.min, c.longitude.max);
    assert_eq!(area(n.west).longitude.max, c.longitude.min);
    assert_eq!(area(n.north_east).longitude.min, c.longitude.max);
    assert_eq!(area(n.south_west).latitude.max, c.latitude.min);
    // East then west is home again.
    let mut e = n.east;
    move_x(&mut e, -1);
    assert_eq!(e, h);
}

#[test]
fn steps_shrink_with_the_radius_and_near_the_poles() {
    assert_eq!(estimate_steps(0.0, 0.0), 26);
    assert_eq!(estimate_steps(1000.0, 0.0), 14);
    assert_eq!(estimate_steps(1000.0, 70.0), 13);
    assert_eq!(estimate_steps(1000.0, -85.0), 12);
    assert_eq!(estimate_steps(0.01, 0.0), 26);
    assert_eq!(estimate_steps(5e7, 0.0), 1);
}

#[test]
fn search_areas_cover_the_shape() {
    let shape = Shape {
        xy: [15.0, 37.0],
        conversion: 1000.0,
        kind: Kind::Radius(200.0),
    };
    let areas = areas_for(&shape);
    let [min_lon, min_lat, max_lon, max_lat] = bounding_box(&shape);
    assert!(min_lon < 15.0 && max_lon > 15.0 && min_lat < 37.0 && max_lat > 37.0);
    // The centre cell holds the centre.
    let c = areas.area;
    assert!(c.longitude.min <= 15.0 && 15.0 <= c.longitude.max);
    assert!(c.latitude.min <= 37.0 && 37.0 <= c.latitude.max);
    // Both points of the example are in the union of the nine cells.
    for (lon, lat) in [PALERMO, CATANIA] {
        let s = score_of(lon, lat).unwrap();
        let inside = areas.scan_order().iter().any(|&cell| {
            let (min, max) = score_range(cell);
            !cell.is_zero() && min <= s && s < max
        });
        assert!(inside, "{lon},{lat}");
    }
}

#[test]
fn shapes_test_radius_and_box() {
    let pal = score_of(PALERMO.0, PALERMO.1).unwrap() as f64;
    let circle = |km: f64| Shape {
        xy: [15.0, 37.0],
        conversion: 1000.0,
        kind: Kind::Radius(km),
    };
    let (_, d) = within_shape(&circle(200.0), pal).unwrap();
    assert_eq!(format!("{:.4}", d / 1000.0), "190.4424");
    assert!(within_shape(&circle(190.0), pal).is_none());
    let boxed = |w: f64, h: f64| Shape {
        xy: [15.0, 37.0],
        conversion: 1000.0,
        kind: Kind::Box {
            width: w,
            height: h,
        },
    };
    assert!(within_shape(&boxed(400.0, 400.0), pal).is_some());
    // Palermo is ~1.1° north of the centre: a flat box misses it.
    assert!(within_shape(&boxed(400.0, 100.0), pal).is_none());
}

#[test]
fn pqsort_orders_the_wanted_range() {
    let mut seed = 0x2545F4914F6CDD1Du64;
    for n in [0usize, 1, 5, 7, 8, 40, 41, 100, 500] {
        for k in [1usize, 3, 10, 200] {
            if k > n {
                continue;
            }
            let v: Vec<(u32, usize)> = (0..n)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    ((seed % 20) as u32, i)
                })
                .collect();
            let mut got = v.clone();
            pqsort(
                &mut got,
                &mut |a: &(u32, usize), b: &(u32, usize)| a.0.cmp(&b.0),
                0,
                k - 1,
            );
            let mut want = v.clone();
            want.sort();
            let keys = |s: &[(u32, usize)]| s.iter().map(|p| p.0).collect::<Vec<_>>();
            assert_eq!(keys(&got[..k]), keys(&want[..k]), "n={n} k={k}");
            got.sort();
            assert_eq!(got, want, "a permutation");
        }
    }
}

#[test]
fn pqsort_small_runs_are_insertion_sorted_stably() {
    // Under seven elements pqsort is an insertion sort: ties keep order.
    let mut v = vec![(2, 'a'), (1, 'b'), (2, 'c'), (1, 'd'), (0, 'e')];
    pqsort(
        &mut v,
        &mut |a: &(i32, char), b: &(i32, char)| a.0.cmp(&b.0),
        0,
        1,
    );
    assert_eq!(v, [(0, 'e'), (1, 'b'), (1, 'd'), (2, 'a'), (2, 'c')]);
}

#[test]
fn degenerate_hashes_do_not_panic() {
    let zero = Hash::default();
    assert_eq!(neighbors(zero).north, zero);
    assert_eq!(align52(Hash { bits: 1, step: 40 }), 1);
    assert!(decode(WGS84_LONG, WGS84_LAT, Hash { bits: 1, step: 40 }).is_none());
    assert!(decode(WGS84_LONG, WGS84_LAT, zero).is_none());
    assert!(encode_wgs84(0.0, 0.0, 0).is_none());
    assert!(encode_wgs84(0.0, 0.0, 33).is_none());
    assert!(encode_wgs84(f64::NAN, 0.0, 26).is_none());
    let _ = decode_score(f64::NAN);
    let _ = geohash_string(-1.0);
}
