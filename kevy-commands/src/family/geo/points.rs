//! GEOADD and the point reads: GEOPOS, GEOHASH, GEODIST.

use kevy_rt::Args;

use super::search::{lon_lat, unit, GeoError};
use super::text;
use crate::base::error::{cstr, Error};
use crate::base::resp;
use crate::family::zset::{op_zadd, read, AddReq};
use crate::family::Call;
use crate::model::geohash;
use crate::model::zset::AddFlags;

/// GEOADD's arguments as the ZADD it becomes: options, then `(score,
/// member)` pairs with the 52-bit geohash as score.
fn parse_geoadd(args: Args<'_>) -> Result<AddReq<'_>, GeoError> {
    let mut flags = AddFlags::default();
    let mut ch = false;
    let mut at = 2;
    while at < args.len() {
        let opt = cstr(args.at(at));
        let is = |w: &[u8]| opt.eq_ignore_ascii_case(w);
        if is(b"nx") {
            flags.nx = true;
        } else if is(b"xx") {
            flags.xx = true;
        } else if is(b"ch") {
            ch = true;
        } else {
            break;
        }
        at += 1;
    }
    let rest = args.len() - at;
    // ZADD refuses zero pairs too.
    if !rest.is_multiple_of(3) || (flags.xx && flags.nx) || rest == 0 {
        return Err(Error::Syntax.into());
    }
    let mut pairs = Vec::with_capacity(rest / 3);
    for i in (at..args.len()).step_by(3) {
        let [lon, lat] = lon_lat(args, i)?;
        let bits = geohash::score_of(lon, lat).unwrap_or(0);
        pairs.push((bits as f64, args.at(i + 2)));
    }
    Ok(AddReq { flags, ch, pairs })
}

/// GEOADD key \[NX | XX\] \[CH\] longitude latitude member \[longitude latitude member ...\]
pub fn geoadd(c: &mut Call<'_>) {
    let r = parse_geoadd(c.args).and_then(|req| {
        let done = op_zadd(c.db, c.args.at(1), &req, &c.now)?;
        let n = if req.ch {
            done.added + done.updated
        } else {
            done.added
        };
        resp::int(c.out, n);
        Ok(())
    });
    if let Err(e) = r {
        e.write(c.args, c.out);
    }
}

/// GEOPOS key \[member \[member ...\]\]
pub fn geopos(c: &mut Call<'_>) {
    let z = match read(c.db, c.args.at(1), &c.now) {
        Ok(z) => z,
        Err(e) => return e.write(c.args, c.out),
    };
    resp::array(c.out, c.args.len() - 2);
    for m in c.args.iter().skip(2) {
        let xy = z
            .as_ref()
            .and_then(|z| z.score(m))
            .and_then(geohash::decode_score);
        match xy {
            None => resp::null_array(c.out),
            Some([x, y]) => {
                resp::array(c.out, 2);
                resp::double_text(c.out, text::coord(x).as_bytes());
                resp::double_text(c.out, text::coord(y).as_bytes());
            }
        }
    }
}

/// GEOHASH key \[member \[member ...\]\]
pub fn geohash(c: &mut Call<'_>) {
    let z = match read(c.db, c.args.at(1), &c.now) {
        Ok(z) => z,
        Err(e) => return e.write(c.args, c.out),
    };
    resp::array(c.out, c.args.len() - 2);
    for m in c.args.iter().skip(2) {
        let hash = z
            .as_ref()
            .and_then(|z| z.score(m))
            .and_then(geohash::geohash_string);
        match hash {
            None => resp::null(c.out),
            Some(h) => resp::bulk(c.out, &h),
        }
    }
}

/// GEODIST key member1 member2 \[M | KM | FT | MI\]
pub fn geodist(c: &mut Call<'_>) {
    let to_meter = match c.args.len() {
        4 => Ok(1.0),
        5 => unit(c.args.at(4)),
        _ => Err(Error::Syntax),
    };
    let r = to_meter.and_then(|to_meter| {
        let Some(z) = read(c.db, c.args.at(1), &c.now)? else {
            resp::null(c.out);
            return Ok(());
        };
        let point = |m: &[u8]| z.score(m);
        let (Some(s1), Some(s2)) = (point(c.args.at(2)), point(c.args.at(3))) else {
            resp::null(c.out);
            return Ok(());
        };
        match (geohash::decode_score(s1), geohash::decode_score(s2)) {
            (Some(a), Some(b)) => {
                let d = geohash::distance(a[0], a[1], b[0], b[1]) / to_meter;
                resp::bulk(c.out, text::distance(d).as_bytes());
            }
            _ => resp::null(c.out),
        }
        Ok(())
    });
    if let Err(e) = r {
        e.write(c.args, c.out);
    }
}
