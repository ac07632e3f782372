//! Counter indexes of the commands (`INFO commandstats`, `latencystats`):
//! an index comes from where a command's [`Spec`] lives: top-level commands
//! are one static array ([`COMMANDS`]), each container's subcommands
//! another, so an index is a pointer subtraction, not a lookup.

use std::sync::OnceLock;

use kevy_rt::Args;

use super::{lookup_args, Spec, COMMANDS};

/// Where each command's counters are: top-level commands first, then each
/// container's subcommands.
struct Ids {
    /// `(first spec address, count, first index)` of each subcommand array.
    subs: Vec<(usize, usize, usize)>,
    /// Every spec, by index.
    specs: Vec<&'static Spec>,
}

fn ids() -> &'static Ids {
    static IDS: OnceLock<Ids> = OnceLock::new();
    IDS.get_or_init(|| {
        let mut specs: Vec<&'static Spec> = COMMANDS.iter().collect();
        let mut subs = Vec::new();
        for c in COMMANDS {
            if !c.subcommands.is_empty() {
                subs.push((
                    c.subcommands.as_ptr() as usize,
                    c.subcommands.len(),
                    specs.len(),
                ));
                specs.extend(c.subcommands.iter());
            }
        }
        Ids { subs, specs }
    })
}

/// The counter index of `spec`, `None` for a spec outside the table (the
/// stand-in for rejected requests).
#[inline]
pub fn id_of(spec: &'static Spec) -> Option<usize> {
    let size = std::mem::size_of::<Spec>();
    let p = spec as *const Spec as usize;
    let base = COMMANDS.as_ptr() as usize;
    if p >= base && p < base + std::mem::size_of_val(COMMANDS) {
        return Some((p - base) / size);
    }
    ids()
        .subs
        .iter()
        .find(|&&(start, n, _)| p >= start && p < start + n * size)
        .map(|&(start, _, first)| first + (p - start) / size)
}

/// The spec at counter index `id`.
pub fn spec_of(id: usize) -> Option<&'static Spec> {
    ids().specs.get(id).copied()
}

/// Number of counter indexes.
pub fn count() -> usize {
    ids().specs.len()
}

/// The counter index of the command `args` name, if any.
pub fn id_of_args(args: Args<'_>) -> Option<usize> {
    lookup_args(args).and_then(id_of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table;

    #[test]
    fn every_spec_has_its_own_index() {
        let mut seen = vec![false; count()];
        for c in COMMANDS {
            for s in std::iter::once(c).chain(c.subcommands) {
                let id = id_of(s).expect("in the table");
                assert!(!seen[id], "{} shares an index", s.name);
                seen[id] = true;
                assert_eq!(spec_of(id).map(|x| x.name), Some(s.name));
            }
        }
        assert!(seen.iter().all(|&x| x));
        assert_eq!(id_of(&table::REJECT), None);
    }
}
