//! The searches (Redis's `georadiusGeneric`): GEORADIUS, GEORADIUSBYMEMBER,
//! their `_RO` forms, GEOSEARCH and GEOSEARCHSTORE.
//!
//! [`search`] parses the arguments in Redis's order (its errors first come
//! first), scans the nine cells of the search in Redis's order, and sorts
//! (stable sort for all results, [`pqsort`] for the first `COUNT`), giving
//! the points to reply or the pairs to store. The caller replies, stores
//! locally, or (across shards) ships the pairs to the destination's shard.

use std::cmp::Ordering;

use kevy_rt::Args;

use super::text;
use crate::base::error::{cstr, write_sanitized, Error};
use crate::base::float::parse_double;
use crate::base::num::parse_i64;
use crate::base::pqsort::pqsort;
use crate::base::resp;
use crate::base::resp::Reply;
use crate::family::zset::read;
use crate::model::geohash::{self, Kind, Shape, LAT_MAX, LAT_MIN, LONG_MAX, LONG_MIN};
use crate::model::zset::ZSet;
use crate::store::db::{Clock, Db};

/// Which search command runs (Redis's `RADIUS_*` / `GEOSEARCH*` flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// GEORADIUS (`nostore`: GEORADIUS_RO).
    Coords {
        /// Refuses STORE and STOREDIST.
        nostore: bool,
    },
    /// GEORADIUSBYMEMBER (`nostore`: its `_RO` form).
    Member {
        /// Refuses STORE and STOREDIST.
        nostore: bool,
    },
    /// GEOSEARCH.
    Search,
    /// GEOSEARCHSTORE.
    SearchStore,
}

impl Cmd {
    /// The command `args` names, as it runs.
    pub fn of(args: Args<'_>) -> Cmd {
        let verb = args.at(0);
        let is = |w: &[u8]| verb.eq_ignore_ascii_case(w);
        if is(b"georadius") {
            Cmd::Coords { nostore: false }
        } else if is(b"georadius_ro") {
            Cmd::Coords { nostore: true }
        } else if is(b"georadiusbymember") {
            Cmd::Member { nostore: false }
        } else if is(b"georadiusbymember_ro") {
            Cmd::Member { nostore: true }
        } else if is(b"geosearchstore") {
            Cmd::SearchStore
        } else {
            Cmd::Search
        }
    }

    /// Index of the source key.
    pub fn src(self) -> usize {
        if self == Cmd::SearchStore {
            2
        } else {
            1
        }
    }

    fn geosearch(self) -> bool {
        matches!(self, Cmd::Search | Cmd::SearchStore)
    }

    fn nostore(self) -> bool {
        matches!(
            self,
            Cmd::Coords { nostore: true } | Cmd::Member { nostore: true }
        )
    }
}

/// A search's error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GeoError {
    /// A plain error.
    Plain(Error),
    /// A coordinate pair outside the indexed world.
    LonLat(f64, f64),
    /// STORE with WITH… options (`true`: GEOSEARCHSTORE's wording).
    StoreWith(bool),
    /// Neither FROMMEMBER nor FROMLONLAT.
    NeedFrom,
    /// Neither BYRADIUS nor BYBOX.
    NeedBy,
}

impl From<Error> for GeoError {
    fn from(e: Error) -> GeoError {
        GeoError::Plain(e)
    }
}

impl GeoError {
    /// Writes the error as Redis does.
    pub fn write(self, args: Args<'_>, out: &mut Vec<u8>) {
        let verb = String::from_utf8_lossy(cstr(args.get(0).unwrap_or(b"")));
        let msg = match self {
            GeoError::Plain(e) => return e.write(args, out),
            GeoError::LonLat(x, y) => format!(
                "ERR invalid longitude,latitude pair {},{}",
                text::c_f(x),
                text::c_f(y)
            ),
            GeoError::StoreWith(searchstore) => format!(
                "ERR {} is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
                if searchstore {
                    "GEOSEARCHSTORE"
                } else {
                    "STORE option in GEORADIUS"
                }
            ),
            GeoError::NeedFrom => {
                format!("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {verb}")
            }
            GeoError::NeedBy => {
                format!("ERR exactly one of BYRADIUS and BYBOX can be specified for {verb}")
            }
        };
        write_sanitized(out, msg.as_bytes());
    }
}

/// The member argument names no point of the set.
pub const NO_MEMBER: Error = Error::Message("ERR could not decode requested zset member");
/// An unknown unit.
pub const BAD_UNIT: Error =
    Error::Message("ERR unsupported unit provided. please use M, KM, FT, MI");

/// Meters per unit (`extractUnitOrReply`).
pub fn unit(u: &[u8]) -> Result<f64, Error> {
    let u = cstr(u);
    let is = |w: &[u8]| u.eq_ignore_ascii_case(w);
    if is(b"m") {
        Ok(1.0)
    } else if is(b"km") {
        Ok(1000.0)
    } else if is(b"ft") {
        Ok(0.3048)
    } else if is(b"mi") {
        Ok(1609.34)
    } else {
        Err(BAD_UNIT)
    }
}

/// A double argument, or `msg` (Redis's `getDoubleFromObjectOrReply`).
fn double(s: &[u8], msg: Error) -> Result<f64, Error> {
    parse_double(s).ok_or(msg)
}

/// `longitude latitude` at `args[at..at + 2]` (`extractLongLatOrReply`).
pub fn lon_lat(args: Args<'_>, at: usize) -> Result<[f64; 2], GeoError> {
    let x = double(args.at(at), Error::NotFloat)?;
    let y = double(args.at(at + 1), Error::NotFloat)?;
    if !(LONG_MIN..=LONG_MAX).contains(&x) || !(LAT_MIN..=LAT_MAX).contains(&y) {
        return Err(GeoError::LonLat(x, y));
    }
    Ok([x, y])
}

/// `radius unit` at `args[at..at + 2]`: `(radius, meters per unit)`.
fn radius(args: Args<'_>, at: usize) -> Result<(f64, f64), Error> {
    let r = double(args.at(at), Error::Message("ERR need numeric radius"))?;
    if r < 0.0 {
        return Err(Error::Message("ERR radius cannot be negative"));
    }
    Ok((r, unit(args.at(at + 1))?))
}

/// `width height unit` at `args[at..at + 3]`: `(width, height, meters per unit)`.
fn boxed(args: Args<'_>, at: usize) -> Result<(f64, f64, f64), Error> {
    let w = double(args.at(at), Error::Message("ERR need numeric width"))?;
    let h = double(args.at(at + 1), Error::Message("ERR need numeric height"))?;
    if h < 0.0 || w < 0.0 {
        return Err(Error::Message("ERR height or width cannot be negative"));
    }
    Ok((w, h, unit(args.at(at + 2))?))
}

/// The point of `member` in `z` (`longLatFromMember`).
pub fn member_point(z: &ZSet, member: &[u8]) -> Option<[f64; 2]> {
    geohash::decode_score(z.score(member)?)
}

/// Result order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sort {
    None,
    Asc,
    Desc,
}

/// A point found by a search.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The member.
    pub member: Vec<u8>,
    /// `[lon, lat]` decoded from the score.
    pub xy: [f64; 2],
    /// Distance from the centre, in meters while searching, then in the
    /// search's unit.
    pub dist: f64,
    /// The score (the 52-bit geohash).
    pub score: f64,
}

/// What a search asks besides its area.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// WITHDIST.
    pub withdist: bool,
    /// WITHHASH.
    pub withhash: bool,
    /// WITHCOORD.
    pub withcoord: bool,
    /// Where to store (the argument index of the key) and whether the
    /// scores are distances (STOREDIST).
    pub store: Option<(usize, bool)>,
}

/// A finished search: what to reply or store.
#[derive(Debug)]
pub struct Found {
    /// The options.
    pub opts: Options,
    /// The results, in reply order, distances in the search's unit.
    pub points: Vec<Point>,
}

/// Runs a search on the shard owning its source key (Redis's
/// `georadiusGeneric` up to its reply).
pub fn search(db: &mut Db, args: Args<'_>, cmd: Cmd, now: &Clock) -> Result<Found, GeoError> {
    let zobj = read(db, args.at(cmd.src()), now)?;
    let zobj: Option<&ZSet> = zobj.map(|z| &*z);
    let mut shape = Shape {
        xy: [0.0, 0.0],
        conversion: 0.0,
        kind: Kind::Radius(0.0),
    };
    let mut opts = Options {
        withdist: false,
        withhash: false,
        withcoord: false,
        store: None,
    };
    let base = match (cmd, zobj) {
        (Cmd::Coords { .. }, _) => {
            shape.xy = lon_lat(args, 2)?;
            let (r, conv) = radius(args, 4)?;
            shape.kind = Kind::Radius(r);
            shape.conversion = conv;
            6
        }
        (Cmd::Member { .. }, None) => 5,
        (Cmd::Member { .. }, Some(z)) => {
            shape.xy = member_point(z, args.at(2)).ok_or(NO_MEMBER)?;
            let (r, conv) = radius(args, 3)?;
            shape.kind = Kind::Radius(r);
            shape.conversion = conv;
            5
        }
        (Cmd::Search, _) => 2,
        (Cmd::SearchStore, _) => {
            opts.store = Some((1, false));
            3
        }
    };
    let (mut frommember, mut fromloc, mut byradius, mut bybox) = (false, false, false, false);
    let mut sort = Sort::None;
    let mut any = false;
    let mut count: i64 = 0;
    let remaining = args.len().saturating_sub(base);
    let mut i = 0;
    while i < remaining {
        let at = base + i;
        let arg = cstr(args.at(at));
        let is = |w: &[u8]| arg.eq_ignore_ascii_case(w);
        let search = cmd.geosearch();
        if is(b"withdist") {
            opts.withdist = true;
        } else if is(b"withhash") {
            opts.withhash = true;
        } else if is(b"withcoord") {
            opts.withcoord = true;
        } else if is(b"any") {
            any = true;
        } else if is(b"asc") {
            sort = Sort::Asc;
        } else if is(b"desc") {
            sort = Sort::Desc;
        } else if is(b"count") && i + 1 < remaining {
            count = parse_i64(args.at(at + 1)).ok_or(Error::NotInteger)?;
            if count <= 0 {
                return Err(Error::Message("ERR COUNT must be > 0").into());
            }
            i += 1;
        } else if (is(b"store") || is(b"storedist"))
            && i + 1 < remaining
            && !cmd.nostore()
            && !search
        {
            opts.store = Some((at + 1, is(b"storedist")));
            i += 1;
        } else if is(b"storedist") && cmd == Cmd::SearchStore {
            opts.store = Some((1, true));
        } else if is(b"frommember") && i + 1 < remaining && search && !fromloc {
            if let Some(z) = zobj {
                shape.xy = member_point(z, args.at(at + 1)).ok_or(NO_MEMBER)?;
            }
            frommember = true;
            i += 1;
        } else if is(b"fromlonlat") && i + 2 < remaining && search && !frommember {
            shape.xy = lon_lat(args, at + 1)?;
            fromloc = true;
            i += 2;
        } else if is(b"byradius") && i + 2 < remaining && search && !bybox {
            let (r, conv) = radius(args, at + 1)?;
            shape.kind = Kind::Radius(r);
            shape.conversion = conv;
            byradius = true;
            i += 2;
        } else if is(b"bybox") && i + 3 < remaining && search && !byradius {
            let (width, height, conv) = boxed(args, at + 1)?;
            shape.kind = Kind::Box { width, height };
            shape.conversion = conv;
            bybox = true;
            i += 3;
        } else {
            return Err(Error::Syntax.into());
        }
        i += 1;
    }
    if opts.store.is_some() && (opts.withdist || opts.withhash || opts.withcoord) {
        return Err(GeoError::StoreWith(cmd == Cmd::SearchStore));
    }
    if cmd.geosearch() && !(frommember || fromloc) {
        return Err(GeoError::NeedFrom);
    }
    if cmd.geosearch() && !(byradius || bybox) {
        return Err(GeoError::NeedBy);
    }
    if any && count == 0 {
        return Err(Error::Message("ERR the ANY argument requires COUNT argument").into());
    }
    let Some(z) = zobj else {
        return Ok(Found {
            opts,
            points: Vec::new(),
        });
    };
    if count != 0 && sort == Sort::None && !any {
        sort = Sort::Asc;
    }
    let limit = if any { count as usize } else { 0 };
    let mut points = scan(z, &shape, limit);
    let returned = if count == 0 || (points.len() as i64) < count {
        points.len()
    } else {
        count as usize
    };
    let asc = |a: &Point, b: &Point| {
        if a.dist > b.dist {
            Ordering::Greater
        } else if a.dist == b.dist {
            Ordering::Equal
        } else {
            Ordering::Less
        }
    };
    let desc = |a: &Point, b: &Point| asc(a, b).reverse();
    match (sort, returned == points.len()) {
        (Sort::None, _) => {}
        // glibc's qsort is a stable merge sort.
        (Sort::Asc, true) => points.sort_by(asc),
        (Sort::Desc, true) => points.sort_by(desc),
        (Sort::Asc, false) => pqsort(&mut points, &mut &asc, 0, returned - 1),
        (Sort::Desc, false) => pqsort(&mut points, &mut &desc, 0, returned - 1),
    }
    points.truncate(returned);
    for p in &mut points {
        p.dist /= shape.conversion;
    }
    Ok(Found { opts, points })
}

/// The points of `z` inside `shape`, cell by cell in Redis's order
/// (`membersOfAllNeighbors`); with a `limit` (ANY), stops once it has that
/// many.
pub fn scan(z: &ZSet, shape: &Shape, limit: usize) -> Vec<Point> {
    let areas = geohash::areas_for(shape);
    let cells = areas.scan_order();
    let mut found = Vec::new();
    let full = |found: &Vec<Point>| limit != 0 && found.len() >= limit;
    let mut last = 0;
    for (i, &cell) in cells.iter().enumerate() {
        if cell.is_zero() {
            continue;
        }
        // Huge radii make neighbours repeat: skip a cell equal to the last
        // one scanned (Redis never compares with the centre cell).
        if last != 0 && cell == cells[last] {
            continue;
        }
        if full(&found) {
            break;
        }
        let (min, max) = geohash::score_range(cell);
        let (min, max) = (min as f64, max as f64);
        let rank = z.first_not(|_, s| s < min);
        for (member, score) in z.iter(rank, false) {
            if score >= max {
                break;
            }
            if let Some((xy, dist)) = geohash::within_shape(shape, score) {
                found.push(Point {
                    member: member.to_vec(),
                    xy,
                    dist,
                    score,
                });
            }
            if full(&found) {
                break;
            }
        }
        last = i;
    }
    found
}

/// Writes the points as the search's reply.
pub fn write_points(out: &mut Reply<'_>, found: &Found) {
    let o = &found.opts;
    let extra = o.withdist as usize + o.withhash as usize + o.withcoord as usize;
    resp::array(out, found.points.len());
    for p in &found.points {
        if extra > 0 {
            resp::array(out, extra + 1);
        }
        resp::bulk(out, &p.member);
        if o.withdist {
            resp::bulk(out, text::distance(p.dist).as_bytes());
        }
        if o.withhash {
            resp::int(out, p.score as i64);
        }
        if o.withcoord {
            resp::array(out, 2);
            resp::double_text(out, text::coord(p.xy[0]).as_bytes());
            resp::double_text(out, text::coord(p.xy[1]).as_bytes());
        }
    }
}

/// The pairs a STORE writes: each member with its geohash or (STOREDIST)
/// its distance, in sorted set order.
pub fn store_pairs(found: &Found, storedist: bool) -> Vec<(&[u8], f64)> {
    let mut pairs: Vec<(&[u8], f64)> = found
        .points
        .iter()
        .map(|p| {
            let s = if storedist { p.dist } else { p.score };
            (&p.member[..], s)
        })
        .collect();
    pairs.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.0.cmp(b.0))
    });
    pairs
}
