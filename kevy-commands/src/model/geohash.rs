//! Geohash math as Redis does it (`geohash.c`, `geohash_helper.c`): the
//! 52-bit interleaved score of a point, its decoding back to the centre of
//! its cell, the eight neighbouring cells, the step estimate and the nine
//! areas a radius or box search scans, and the haversine distance with
//! Redis's earth radius.
//!
//! Every formula keeps Redis's operation order, so the doubles are the same
//! bit for bit (the transcendental functions come from the same C library).
//! Latitudes are limited to ±85.05112878 (the Web Mercator square); the
//! 11-character GEOHASH strings re-encode over ±90 ([`geohash_string`]).
//! Pure: nothing here knows keys, sorted sets or replies. The searches order
//! their first `COUNT` results with [`crate::base::pqsort`], Redis's partial
//! quicksort.

/// Bits of precision per coordinate (26 × 2 = 52 bits of score).
pub const STEP_MAX: u8 = 26;
/// Southmost latitude that can be indexed.
pub const LAT_MIN: f64 = -85.05112878;
/// Northmost latitude that can be indexed.
pub const LAT_MAX: f64 = 85.05112878;
/// Westmost longitude.
pub const LONG_MIN: f64 = -180.0;
/// Eastmost longitude.
pub const LONG_MAX: f64 = 180.0;
/// Earth's quadratic mean radius for WGS-84, in meters (Redis's value).
pub const EARTH_RADIUS_IN_METERS: f64 = 6372797.560856;
/// Half the Mercator world's width, in meters.
const MERCATOR_MAX: f64 = 20037726.37;
/// Degrees to radians (`M_PI / 180.0`).
const D_R: f64 = std::f64::consts::PI / 180.0;

/// A geohash: `step` bits per coordinate, interleaved (latitude in the even
/// bits, longitude in the odd ones).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hash {
    /// The interleaved bits.
    pub bits: u64,
    /// Bits per coordinate.
    pub step: u8,
}

impl Hash {
    /// The zero hash, which Redis uses for "no area".
    pub fn is_zero(self) -> bool {
        self.bits == 0 && self.step == 0
    }
}

/// A closed interval of one coordinate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Range {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
}

/// Longitudes of the indexed world.
pub const WGS84_LONG: Range = Range {
    min: LONG_MIN,
    max: LONG_MAX,
};
/// Latitudes of the indexed world.
pub const WGS84_LAT: Range = Range {
    min: LAT_MIN,
    max: LAT_MAX,
};

/// The cell a hash stands for.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Area {
    /// The hash.
    pub hash: Hash,
    /// Its longitudes.
    pub longitude: Range,
    /// Its latitudes.
    pub latitude: Range,
}

/// Spreads the low 32 bits of `x` and `y` over the even (`x`) and odd (`y`)
/// bits.
fn interleave64(xlo: u32, ylo: u32) -> u64 {
    const B: [u64; 5] = [
        0x5555555555555555,
        0x3333333333333333,
        0x0F0F0F0F0F0F0F0F,
        0x00FF00FF00FF00FF,
        0x0000FFFF0000FFFF,
    ];
    const S: [u32; 5] = [1, 2, 4, 8, 16];
    let (mut x, mut y) = (xlo as u64, ylo as u64);
    for i in (0..5).rev() {
        x = (x | (x << S[i])) & B[i];
        y = (y | (y << S[i])) & B[i];
    }
    x | (y << 1)
}

/// The inverse of [`interleave64`]: even bits in the low half, odd bits in
/// the high half.
fn deinterleave64(interleaved: u64) -> u64 {
    const B: [u64; 6] = [
        0x5555555555555555,
        0x3333333333333333,
        0x0F0F0F0F0F0F0F0F,
        0x00FF00FF00FF00FF,
        0x0000FFFF0000FFFF,
        0x00000000FFFFFFFF,
    ];
    const S: [u32; 6] = [0, 1, 2, 4, 8, 16];
    let (mut x, mut y) = (interleaved, interleaved >> 1);
    for i in 0..6 {
        x = (x | (x >> S[i])) & B[i];
        y = (y | (y >> S[i])) & B[i];
    }
    x | (y << 32)
}

/// Encodes a point over the given ranges (`geohashEncode`); `None` outside
/// them or outside the indexable world, or for a step outside 1..=32.
pub fn encode(long_range: Range, lat_range: Range, lon: f64, lat: f64, step: u8) -> Option<Hash> {
    let zero = |r: Range| r.min == 0.0 && r.max == 0.0;
    if step > 32 || step == 0 || zero(lat_range) || zero(long_range) {
        return None;
    }
    if !(LONG_MIN..=LONG_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return None;
    }
    if lat < lat_range.min || lat > lat_range.max || lon < long_range.min || lon > long_range.max {
        return None;
    }
    let mut lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
    let mut long_offset = (lon - long_range.min) / (long_range.max - long_range.min);
    lat_offset *= (1u64 << step) as f64;
    long_offset *= (1u64 << step) as f64;
    Some(Hash {
        bits: interleave64(lat_offset as u32, long_offset as u32),
        step,
    })
}

/// Encodes a point of the indexed world at `step`.
pub fn encode_wgs84(lon: f64, lat: f64, step: u8) -> Option<Hash> {
    encode(WGS84_LONG, WGS84_LAT, lon, lat, step)
}

/// The cell of `hash` over the given ranges (`geohashDecode`); `None` for
/// the zero hash.
pub fn decode(long_range: Range, lat_range: Range, hash: Hash) -> Option<Area> {
    let zero = |r: Range| r.min == 0.0 && r.max == 0.0;
    if hash.is_zero() || hash.step > 32 || zero(lat_range) || zero(long_range) {
        return None;
    }
    let sep = deinterleave64(hash.bits);
    let lat_scale = lat_range.max - lat_range.min;
    let long_scale = long_range.max - long_range.min;
    let ilato = sep as u32;
    let ilono = (sep >> 32) as u32;
    let cells = (1u64 << hash.step) as f64;
    // C computes `ilato + 1` in 32-bit unsigned arithmetic.
    let (lat1, lon1) = (ilato.wrapping_add(1), ilono.wrapping_add(1));
    Some(Area {
        hash,
        latitude: Range {
            min: lat_range.min + (ilato as f64 * 1.0 / cells) * lat_scale,
            max: lat_range.min + (lat1 as f64 * 1.0 / cells) * lat_scale,
        },
        longitude: Range {
            min: long_range.min + (ilono as f64 * 1.0 / cells) * long_scale,
            max: long_range.min + (lon1 as f64 * 1.0 / cells) * long_scale,
        },
    })
}

/// The centre of an area, clamped to the indexed world: `[lon, lat]`.
pub fn area_center(area: &Area) -> [f64; 2] {
    let lon = (area.longitude.min + area.longitude.max) / 2.0;
    let lat = (area.latitude.min + area.latitude.max) / 2.0;
    [lon.clamp(LONG_MIN, LONG_MAX), lat.clamp(LAT_MIN, LAT_MAX)]
}

/// C's conversion of a double to `uint64_t` as x86-64 compilers emit it
/// (`cvttsd2si`, with its "integer indefinite" for values it cannot
/// represent), which is what Redis applies to any sorted set score it
/// decodes, geo or not.
pub fn score_bits(score: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    let cvtt = |x: f64| -> i64 {
        if (-TWO63..TWO63).contains(&x) {
            x as i64
        } else {
            i64::MIN
        }
    };
    if score < TWO63 {
        cvtt(score) as u64
    } else {
        (cvtt(score - TWO63) as u64) ^ (1u64 << 63)
    }
}

/// The point a sorted set score stands for (`decodeGeohash`): `[lon, lat]`.
pub fn decode_score(score: f64) -> Option<[f64; 2]> {
    let hash = Hash {
        bits: score_bits(score),
        step: STEP_MAX,
    };
    decode(WGS84_LONG, WGS84_LAT, hash).map(|a| area_center(&a))
}

/// The 52-bit score of a point (GEOADD's), `None` outside the indexed world.
pub fn score_of(lon: f64, lat: f64) -> Option<u64> {
    encode_wgs84(lon, lat, STEP_MAX).map(align52)
}

/// A hash shifted to 52 bits (`geohashAlign52Bits`).
pub fn align52(hash: Hash) -> u64 {
    // Steps are at most 26 (52 bits); a longer hash is not shifted.
    hash.bits << 52u32.saturating_sub(hash.step as u32 * 2)
}

/// The standard 11-character base32 geohash of a score (GEOHASH's): the
/// point re-encoded over latitudes ±90, its last character always `0`.
pub fn geohash_string(score: f64) -> Option<[u8; 11]> {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let xy = decode_score(score)?;
    let lat = Range {
        min: -90.0,
        max: 90.0,
    };
    let bits = encode(WGS84_LONG, lat, xy[0], xy[1], STEP_MAX).map_or(0, |h| h.bits);
    let mut out = [b'0'; 11];
    for (i, c) in out.iter_mut().enumerate().take(10) {
        *c = ALPHABET[((bits >> (52 - (i + 1) * 5)) & 0x1f) as usize];
    }
    Some(out)
}

/// Moves a hash one cell east (`d > 0`) or west (`d < 0`).
fn move_x(hash: &mut Hash, d: i8) {
    // Steps outside 1..=32 have no cells to move between.
    if d == 0 || !(1..=32).contains(&hash.step) {
        return;
    }
    let mut x = hash.bits & 0xaaaaaaaaaaaaaaaa;
    let y = hash.bits & 0x5555555555555555;
    let shift = 64 - hash.step as u32 * 2;
    let zz = 0x5555555555555555u64 >> shift;
    if d > 0 {
        x = x.wrapping_add(zz.wrapping_add(1));
    } else {
        x |= zz;
        x = x.wrapping_sub(zz.wrapping_add(1));
    }
    x &= 0xaaaaaaaaaaaaaaaau64 >> shift;
    hash.bits = x | y;
}

/// Moves a hash one cell north (`d > 0`) or south (`d < 0`).
fn move_y(hash: &mut Hash, d: i8) {
    if d == 0 || !(1..=32).contains(&hash.step) {
        return;
    }
    let x = hash.bits & 0xaaaaaaaaaaaaaaaa;
    let mut y = hash.bits & 0x5555555555555555;
    let shift = 64 - hash.step as u32 * 2;
    let zz = 0xaaaaaaaaaaaaaaaau64 >> shift;
    if d > 0 {
        y = y.wrapping_add(zz.wrapping_add(1));
    } else {
        y |= zz;
        y = y.wrapping_sub(zz.wrapping_add(1));
    }
    y &= 0x5555555555555555u64 >> shift;
    hash.bits = x | y;
}

/// The eight cells around a hash; a zeroed one is not searched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Neighbors {
    /// North.
    pub north: Hash,
    /// East.
    pub east: Hash,
    /// West.
    pub west: Hash,
    /// South.
    pub south: Hash,
    /// North-east.
    pub north_east: Hash,
    /// South-east.
    pub south_east: Hash,
    /// North-west.
    pub north_west: Hash,
    /// South-west.
    pub south_west: Hash,
}

/// The neighbours of `hash` (`geohashNeighbors`).
pub fn neighbors(hash: Hash) -> Neighbors {
    let at = |dx: i8, dy: i8| {
        let mut h = hash;
        move_x(&mut h, dx);
        move_y(&mut h, dy);
        h
    };
    Neighbors {
        north: at(0, 1),
        east: at(1, 0),
        west: at(-1, 0),
        south: at(0, -1),
        north_east: at(1, 1),
        south_east: at(1, -1),
        north_west: at(-1, 1),
        south_west: at(-1, -1),
    }
}

/// The step whose cells cover a search of `range_meters` around latitude
/// `lat` (`geohashEstimateStepsByRadius`).
pub fn estimate_steps(range_meters: f64, lat: f64) -> u8 {
    if range_meters == 0.0 {
        return 26;
    }
    let mut range = range_meters;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

/// What a search covers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A circle of this radius (in the search's unit).
    Radius(f64),
    /// An axis-aligned box (in the search's unit).
    Box {
        /// East-west extent.
        width: f64,
        /// North-south extent.
        height: f64,
    },
}

/// A search area (`GeoShape`): its centre, its unit and its extent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shape {
    /// Centre, `[lon, lat]`.
    pub xy: [f64; 2],
    /// Meters per unit (`km`: 1000).
    pub conversion: f64,
    /// Circle or box.
    pub kind: Kind,
}

/// `[min_lon, min_lat, max_lon, max_lat]` of the shape (`geohashBoundingBox`).
pub fn bounding_box(shape: &Shape) -> [f64; 4] {
    let [longitude, latitude] = shape.xy;
    let (h, w) = match shape.kind {
        Kind::Radius(r) => (r, r),
        Kind::Box { width, height } => (height / 2.0, width / 2.0),
    };
    let height = shape.conversion * h;
    let width = shape.conversion * w;
    let lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS);
    let long_delta_top =
        rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(latitude + lat_delta).cos());
    let long_delta_bottom =
        rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(latitude - lat_delta).cos());
    let delta = if latitude < 0.0 {
        long_delta_bottom
    } else {
        long_delta_top
    };
    [
        longitude - delta,
        latitude - lat_delta,
        longitude + delta,
        latitude + lat_delta,
    ]
}

/// The centre cell of a search, its area, and the neighbours worth
/// scanning (`GeoHashRadius`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Areas {
    /// The centre cell.
    pub hash: Hash,
    /// Its area.
    pub area: Area,
    /// Its neighbours, zeroed where they cannot hold a match.
    pub neighbors: Neighbors,
}

impl Areas {
    /// The nine cells in Redis's scan order: centre, N, S, E, W, NE, NW, SE,
    /// SW.
    pub fn scan_order(&self) -> [Hash; 9] {
        let n = &self.neighbors;
        [
            self.hash,
            n.north,
            n.south,
            n.east,
            n.west,
            n.north_east,
            n.north_west,
            n.south_east,
            n.south_west,
        ]
    }
}

/// The cells covering a search (`geohashCalculateAreasByShapeWGS84`).
pub fn areas_for(shape: &Shape) -> Areas {
    let [min_lon, min_lat, max_lon, max_lat] = bounding_box(shape);
    let [longitude, latitude] = shape.xy;
    let radius = match shape.kind {
        Kind::Radius(r) => r,
        Kind::Box { width, height } => {
            ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
        }
    } * shape.conversion;
    let mut steps = estimate_steps(radius, latitude);
    let cell = |steps: u8| {
        let hash = encode(WGS84_LONG, WGS84_LAT, longitude, latitude, steps).unwrap_or_default();
        let area = decode(WGS84_LONG, WGS84_LAT, hash).unwrap_or_default();
        (hash, neighbors(hash), area)
    };
    let (mut hash, mut nb, mut area) = cell(steps);
    let dec = |h: Hash| decode(WGS84_LONG, WGS84_LAT, h).unwrap_or_default();
    let decrease = dec(nb.north).latitude.max < max_lat
        || dec(nb.south).latitude.min > min_lat
        || dec(nb.east).longitude.max < max_lon
        || dec(nb.west).longitude.min > min_lon;
    if steps > 1 && decrease {
        steps -= 1;
        (hash, nb, area) = cell(steps);
    }
    if steps >= 2 {
        let zero = Hash::default();
        if area.latitude.min < min_lat {
            nb.south = zero;
            nb.south_west = zero;
            nb.south_east = zero;
        }
        if area.latitude.max > max_lat {
            nb.north = zero;
            nb.north_east = zero;
            nb.north_west = zero;
        }
        if area.longitude.min < min_lon {
            nb.west = zero;
            nb.south_west = zero;
            nb.north_west = zero;
        }
        if area.longitude.max > max_lon {
            nb.east = zero;
            nb.south_east = zero;
            nb.north_east = zero;
        }
    }
    Areas {
        hash,
        area,
        neighbors: nb,
    }
}

/// The scores `[min, max)` of the members inside a cell
/// (`scoresOfGeoHashBox`).
pub fn score_range(hash: Hash) -> (u64, u64) {
    let min = align52(hash);
    let next = Hash {
        bits: hash.bits.wrapping_add(1),
        step: hash.step,
    };
    (min, align52(next))
}

fn deg_rad(ang: f64) -> f64 {
    ang * D_R
}

fn rad_deg(ang: f64) -> f64 {
    ang / D_R
}

/// Meters between two latitudes on one meridian.
pub fn lat_distance(lat1d: f64, lat2d: f64) -> f64 {
    EARTH_RADIUS_IN_METERS * (deg_rad(lat2d) - deg_rad(lat1d)).abs()
}

/// Haversine great-circle distance in meters (`geohashGetDistance`).
pub fn distance(lon1d: f64, lat1d: f64, lon2d: f64, lat2d: f64) -> f64 {
    let lon1r = deg_rad(lon1d);
    let lon2r = deg_rad(lon2d);
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1d, lat2d);
    }
    let lat1r = deg_rad(lat1d);
    let lat2r = deg_rad(lat2d);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_IN_METERS * a.sqrt().asin()
}

/// The distance from the centre `(x1, y1)` to `(x2, y2)` when it is at most
/// `radius` meters.
pub fn within_radius(x1: f64, y1: f64, x2: f64, y2: f64, radius: f64) -> Option<f64> {
    let d = distance(x1, y1, x2, y2);
    (d <= radius).then_some(d)
}

/// The distance from the box centre `(x1, y1)` to `(x2, y2)` when the point
/// lies in the `width_m` × `height_m` box (`geohashGetDistanceIfInRectangle`).
pub fn within_box(width_m: f64, height_m: f64, x1: f64, y1: f64, x2: f64, y2: f64) -> Option<f64> {
    if lat_distance(y2, y1) > height_m / 2.0 {
        return None;
    }
    if distance(x2, y2, x1, y2) > width_m / 2.0 {
        return None;
    }
    Some(distance(x1, y1, x2, y2))
}

/// The point of `score` and its distance in meters from the shape's centre,
/// when it lies in the shape (`geoWithinShape`).
pub fn within_shape(shape: &Shape, score: f64) -> Option<([f64; 2], f64)> {
    let xy = decode_score(score)?;
    let [cx, cy] = shape.xy;
    let d = match shape.kind {
        Kind::Radius(r) => within_radius(cx, cy, xy[0], xy[1], r * shape.conversion),
        Kind::Box { width, height } => within_box(
            width * shape.conversion,
            height * shape.conversion,
            cx,
            cy,
            xy[0],
            xy[1],
        ),
    }?;
    Some((xy, d))
}

#[cfg(test)]
mod tests;
