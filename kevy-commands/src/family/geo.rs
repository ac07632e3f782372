//! GEO commands (Redis's `geo.c`): points kept in sorted sets, each scored
//! by its 52-bit geohash, so a GEO key is a sorted set (`TYPE` says `zset`
//! and every sorted set command works on it).
//!
//! The math is in [`crate::model::geohash`]; here: `geo/points.rs` has GEOADD
//! (a ZADD of geohash scores) and the point reads GEOPOS, GEOHASH and
//! GEODIST; `geo/search.rs` the searches (GEORADIUS, GEORADIUSBYMEMBER,
//! their `_RO` forms, GEOSEARCH, GEOSEARCHSTORE) from argument parsing to
//! reply; `geo/text.rs` how Redis prints distances and coordinates;
//! `geo/cross.rs` the plans of storing searches whose source and
//! destination live on different shards.

use super::Call;

mod cross;
mod points;
mod search;
mod text;

pub use cross::{
    execute_part, gather, plan_georadius, plan_georadiusbymember, plan_geosearchstore, GeoOp,
    GeoPlan,
};
pub use points::{geoadd, geodist, geohash, geopos};

use search::{search, store_pairs, write_points, Cmd};

/// Runs a search on the shard owning all its keys: replies, or stores.
fn search_here(c: &mut Call<'_>) {
    let cmd = Cmd::of(c.args);
    let found = match search(c.db, c.args, cmd, &c.now) {
        Ok(f) => f,
        Err(e) => return e.write(c.args, c.out),
    };
    match found.opts.store {
        None => write_points(c.out, &found),
        Some((dst, storedist)) => {
            let pairs = store_pairs(&found, storedist);
            let z = crate::model::zset::ZSet::from_sorted(&pairs, &c.db.enc());
            let n = super::zset::store(c.db, c.args.at(dst), z, &c.now);
            crate::base::resp::int(c.out, n as i64);
        }
    }
}

/// GEORADIUS key longitude latitude radius M | KM | FT | MI \[WITHCOORD\]
/// \[WITHDIST\] \[WITHHASH\] \[COUNT count \[ANY\]\] \[ASC | DESC\]
/// \[STORE key | STOREDIST key\]
pub fn georadius(c: &mut Call<'_>) {
    search_here(c);
}

/// GEORADIUS_RO key longitude latitude radius M | KM | FT | MI
/// \[WITHCOORD\] \[WITHDIST\] \[WITHHASH\] \[COUNT count \[ANY\]\] \[ASC | DESC\]
pub fn georadius_ro(c: &mut Call<'_>) {
    search_here(c);
}

/// GEORADIUSBYMEMBER key member radius M | KM | FT | MI \[WITHCOORD\]
/// \[WITHDIST\] \[WITHHASH\] \[COUNT count \[ANY\]\] \[ASC | DESC\]
/// \[STORE key | STOREDIST key\]
pub fn georadiusbymember(c: &mut Call<'_>) {
    search_here(c);
}

/// GEORADIUSBYMEMBER_RO key member radius M | KM | FT | MI \[WITHCOORD\]
/// \[WITHDIST\] \[WITHHASH\] \[COUNT count \[ANY\]\] \[ASC | DESC\]
pub fn georadiusbymember_ro(c: &mut Call<'_>) {
    search_here(c);
}

/// GEOSEARCH key FROMMEMBER member | FROMLONLAT longitude latitude
/// BYRADIUS radius M | KM | FT | MI | BYBOX width height M | KM | FT | MI
/// \[ASC | DESC\] \[COUNT count \[ANY\]\] \[WITHCOORD\] \[WITHDIST\] \[WITHHASH\]
pub fn geosearch(c: &mut Call<'_>) {
    search_here(c);
}

/// GEOSEARCHSTORE destination source FROMMEMBER member | FROMLONLAT
/// longitude latitude BYRADIUS radius M | KM | FT | MI | BYBOX width height
/// M | KM | FT | MI \[ASC | DESC\] \[COUNT count \[ANY\]\] \[STOREDIST\]
pub fn geosearchstore(c: &mut Call<'_>) {
    search_here(c);
}

#[cfg(test)]
mod tests;
