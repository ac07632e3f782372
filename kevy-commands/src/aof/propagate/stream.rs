//! XADD and XTRIM as Redis 7.0 propagates them: an XADD's generated ID
//! (`*`, or `ms-*`) replaced by the ID it added, and an approximate trim
//! (`~`, with or without LIMIT) made exact at what it left — MAXLEN the
//! stream's length, MINID its first entry's ID — so that a replay with
//! other node sizes keeps the same entries (`streamRewriteApproxSpecifier`,
//! `streamRewriteTrimArgument`). LIMIT goes with the `~`: Redis keeps it
//! and ignores it on load; kevy drops it, which replays alike.

use kevy_rt::{Args, OwnedArgs};

use crate::model::stream::StreamId;

/// What a stream has after the command: its length and first entry's ID
/// (`None` when it is empty).
pub struct Left {
    /// Entries left.
    pub length: u64,
    /// The first one's ID.
    pub first: Option<StreamId>,
}

/// The command to log for XADD (`xadd`, replied `added`: the ID) or XTRIM,
/// or `None` when it logs as it came.
pub fn effect(xadd: bool, args: Args<'_>, added: Option<&[u8]>, left: &Left) -> Option<OwnedArgs> {
    let word = |i: usize, w: &str| {
        args.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(w.as_bytes()))
    };
    let mut out: Vec<Vec<u8>> = args.iter().take(2).map(<[u8]>::to_vec).collect();
    let mut changed = false;
    let mut approx = false;
    let mut i = 2;
    while i < args.len() {
        if xadd && word(i, "nomkstream") {
            out.push(args.at(i).to_vec());
            i += 1;
        } else if word(i, "maxlen") || word(i, "minid") {
            let maxlen = word(i, "maxlen");
            out.push(args.at(i).to_vec());
            i += 1;
            if word(i, "~") {
                approx = true;
                out.push(b"=".to_vec());
                i += 1;
            } else if word(i, "=") {
                out.push(b"=".to_vec());
                i += 1;
            }
            if approx {
                let at = if maxlen {
                    left.length.to_string()
                } else {
                    id_text(left.first.unwrap_or(StreamId::MAX))
                };
                out.push(at.into_bytes());
                changed = true;
            } else {
                out.push(args.get(i).unwrap_or(b"").to_vec());
            }
            i += 1;
        } else if word(i, "limit") {
            // Only valid with `~`, which is now `=`.
            if !approx {
                out.push(args.at(i).to_vec());
                out.push(args.get(i + 1).unwrap_or(b"").to_vec());
            }
            changed |= approx;
            i += 2;
        } else if xadd {
            // The ID, then the fields and values.
            let id = args.at(i);
            match added {
                Some(new) if new != id => {
                    out.push(new.to_vec());
                    changed = true;
                }
                _ => out.push(id.to_vec()),
            }
            out.extend(args.iter().skip(i + 1).map(<[u8]>::to_vec));
            break;
        } else {
            out.extend(args.iter().skip(i).map(<[u8]>::to_vec));
            break;
        }
    }
    changed.then(|| out.iter().map(Vec::as_slice).collect())
}

fn id_text(id: StreamId) -> String {
    format!("{}-{}", id.ms, id.seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        xadd: bool,
        args: &[&str],
        added: Option<&str>,
        length: u64,
        first: Option<(u64, u64)>,
    ) -> Option<Vec<String>> {
        let owned: OwnedArgs = args.iter().map(|a| a.as_bytes()).collect();
        let left = Left {
            length,
            first: first.map(|(ms, seq)| StreamId { ms, seq }),
        };
        effect(xadd, owned.args(), added.map(str::as_bytes), &left).map(|o| {
            o.args()
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
    }

    #[test]
    fn a_generated_id_is_logged_as_the_one_added() {
        assert_eq!(
            run(
                true,
                &["XADD", "s", "*", "f", "v"],
                Some("5-0"),
                1,
                Some((5, 0))
            ),
            Some(vec![
                "XADD".into(),
                "s".into(),
                "5-0".into(),
                "f".into(),
                "v".into()
            ])
        );
        assert_eq!(
            run(true, &["XADD", "s", "5-0", "f", "v"], Some("5-0"), 1, None),
            None
        );
    }

    #[test]
    fn an_approximate_trim_is_logged_exact() {
        let got = run(
            true,
            &[
                "XADD",
                "s",
                "NOMKSTREAM",
                "MAXLEN",
                "~",
                "10",
                "LIMIT",
                "5",
                "7-*",
                "f",
                "v",
            ],
            Some("7-3"),
            12,
            Some((1, 0)),
        );
        let want = [
            "XADD",
            "s",
            "NOMKSTREAM",
            "MAXLEN",
            "=",
            "12",
            "7-3",
            "f",
            "v",
        ];
        assert_eq!(got, Some(want.iter().map(|s| s.to_string()).collect()));
        let got = run(
            false,
            &["XTRIM", "s", "MINID", "~", "3-0"],
            None,
            4,
            Some((2, 1)),
        );
        let want = ["XTRIM", "s", "MINID", "=", "2-1"];
        assert_eq!(got, Some(want.iter().map(|s| s.to_string()).collect()));
        let got = run(false, &["XTRIM", "s", "MINID", "~", "3-0"], None, 0, None);
        assert_eq!(got.unwrap()[4], "18446744073709551615-18446744073709551615");
        assert_eq!(
            run(false, &["XTRIM", "s", "MAXLEN", "5"], None, 5, None),
            None
        );
        assert_eq!(
            run(false, &["XTRIM", "s", "MAXLEN", "=", "5"], None, 5, None),
            None
        );
    }
}
