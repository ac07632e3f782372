//! The command table: one declarative [`Spec`] per verb, in the manner of
//! Redis's `src/commands/*.json` and Dragonfly's family registrations.
//!
//! Each entry carries what a real server reports in `COMMAND INFO` (arity with
//! Redis's sign convention, flags, first/last/step key positions, ACL
//! categories, tips, key specs, subcommands) and what kevy needs to run it: a
//! [`Run`], which is both the route kind and the handler. The values are copied
//! from redis-server 7.0.15 so the table can be diffed against a live server.
//! What `COMMAND DOCS` reports is kept apart, in [`docs`], generated from a
//! live server (`cargo xtask gen-docs`).
//!
//! [`find`] resolves a request with one lookup in an index built once (the verb
//! is case-folded while it is hashed, then compared once; a thread's last verb
//! of up to eight bytes, as typed, skips the index), then checks arity and any
//! resolve-time [`Spec::check`]. A rejected request resolves to [`REJECT`], a
//! local command that recomputes and writes the error.

use std::sync::OnceLock;

use kevy_rt::Args;

use crate::base::error::Error;
pub use crate::family::connection::REJECT;
pub use crate::family::spec::{
    flags, key_flags, BeginSearch, Catalog, FindKeys, GetKeysFn, KeySpec, Rejected, Run, Spec,
};

pub use crate::family::spec::docs;
mod account;
pub mod dirty;
pub mod ids;
pub mod rename;
mod specs;

pub use specs::COMMANDS;

/// Longest verb worth looking up; longer ones are unknown.
const MAX_VERB: usize = 32;

/// A verb's first eight bytes as a little-endian word, zero-padded.
#[inline]
fn head(verb: &[u8]) -> u64 {
    let mut w = 0u64;
    for (i, &b) in verb.iter().take(8).enumerate() {
        w |= (b as u64) << (8 * i);
    }
    w
}

/// The index slot of a verb of `len` bytes whose [`head`] is `w`: ASCII case
/// folded (`| 0x20` on the bytes present), then multiplied, so the hash is
/// a few instructions whatever the verb; the name compared settles the rest.
#[inline]
fn slot_of(w: u64, len: usize, mask: usize) -> usize {
    let present = u64::MAX >> (8 * (8 - len.min(8)));
    let folded = (w | (0x2020_2020_2020_2020 & present)) ^ ((len as u64) << 56);
    (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize & mask
}

/// One command of the index: its name's first eight bytes in lower case,
/// the bits that fold case (`0x20` where the name has a letter), its
/// length and its place in [`COMMANDS`] + 1 (0: an empty slot).
#[derive(Clone, Copy, Default)]
struct Slot {
    lower: u64,
    fold: u64,
    len: u32,
    cmd: u32,
}

/// An open-addressing index over [`COMMANDS`], built once. Kept at most a
/// quarter full so a lookup usually probes one slot. A verb matches a slot
/// when `(head(verb) | fold) == lower`: a letter of the name matches either
/// case, anything else only itself (so `_`, `|` and digits are exact).
struct Index {
    slots: Vec<Slot>,
    mask: usize,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let size = (COMMANDS.len() * 4).next_power_of_two();
        let mut slots = vec![Slot::default(); size];
        for (i, spec) in COMMANDS.iter().enumerate() {
            let name = spec.name.as_bytes();
            let lower = head(&name.to_ascii_lowercase());
            let fold = head(
                &name
                    .iter()
                    .map(|b| if b.is_ascii_alphabetic() { 0x20 } else { 0 })
                    .collect::<Vec<u8>>(),
            );
            let mut at = slot_of(lower, name.len(), size - 1);
            while slots[at].cmd != 0 {
                at = (at + 1) & (size - 1);
            }
            slots[at] = Slot {
                lower,
                fold,
                len: name.len() as u32,
                cmd: (i + 1) as u32,
            };
        }
        Index {
            slots,
            mask: size - 1,
        }
    })
}

std::thread_local! {
    /// This thread's last verb of at most eight bytes found, as typed
    /// (`head`, length) with its command: a pipeline repeats its verb, and
    /// the index's probe was most of a lookup.
    static LAST: std::cell::Cell<(u64, usize, Option<&'static Spec>)> =
        const { std::cell::Cell::new((0, 0, None)) };
}

/// Looks a top-level verb up, case-insensitively (with the configuration's
/// `rename-command`s, `table/rename.rs`).
#[inline]
pub fn lookup(verb: &[u8]) -> Option<&'static Spec> {
    match rename::sealed() {
        None => lookup_own(verb),
        Some(renames) => renames.find(verb),
    }
}

/// Looks a top-level verb up under the commands' own names.
#[inline]
fn lookup_own(verb: &[u8]) -> Option<&'static Spec> {
    if verb.is_empty() || verb.len() > MAX_VERB {
        return None;
    }
    let w = head(verb);
    let short = verb.len() <= 8;
    if short {
        // The same bytes as the last verb found: the same command.
        if let (last, len, Some(spec)) = LAST.get() {
            if last == w && len == verb.len() {
                return Some(spec);
            }
        }
    }
    let index = index();
    let mut at = slot_of(w, verb.len(), index.mask);
    loop {
        // Ends at an empty slot: the index is never more than a quarter full.
        let slot = index.slots.get(at)?;
        if slot.cmd == 0 {
            return None;
        }
        if slot.len as usize == verb.len() && (w | slot.fold) == slot.lower {
            let spec = COMMANDS.get(slot.cmd as usize - 1)?;
            if short {
                LAST.set((w, verb.len(), Some(spec)));
                return Some(spec);
            }
            if spec.name.as_bytes()[8..].eq_ignore_ascii_case(&verb[8..]) {
                return Some(spec);
            }
        }
        at = (at + 1) & index.mask;
    }
}

/// The subcommand `sub` of `spec`, case-insensitively.
pub fn lookup_sub(spec: &'static Spec, sub: &[u8]) -> Option<&'static Spec> {
    spec.subcommands.iter().find(|s| {
        let short = s.name.rsplit('|').next().unwrap_or(s.name);
        short.as_bytes().eq_ignore_ascii_case(sub)
    })
}

/// Looks up a command by full name (`get`, `command|info`), as `COMMAND INFO`
/// and `COMMAND DOCS` do.
pub fn lookup_fullname(name: &[u8]) -> Option<&'static Spec> {
    match memchr::memchr(b'|', name) {
        None => lookup(name),
        Some(bar) => {
            let parent = lookup(&name[..bar])?;
            let rest = &name[bar + 1..];
            if memchr::memchr(b'|', rest).is_some() {
                return None;
            }
            lookup_sub(parent, rest)
        }
    }
}

/// The command `args` names (with its subcommand), as Redis's
/// `lookupCommand` finds it; `None` when unknown.
pub fn lookup_args(args: Args<'_>) -> Option<&'static Spec> {
    let base = lookup(args.get(0)?)?;
    if args.len() == 1 || base.subcommands.is_empty() {
        return Some(base);
    }
    lookup_sub(base, args.at(1))
}

/// Resolves a request: the command, or why it is rejected. This is the whole
/// of what runs before routing: one lookup, the arity check and the spec's
/// resolve-time check.
#[inline]
pub fn find(args: Args<'_>) -> Result<&'static Spec, Rejected> {
    let Some(spec) = lookup_args(args) else {
        let container = args
            .get(0)
            .and_then(lookup)
            .is_some_and(|s| !s.subcommands.is_empty());
        return Err(if container {
            Rejected::UnknownSubcommand
        } else {
            Rejected::UnknownCommand
        });
    };
    if !spec.arity_ok(args.len()) {
        return Err(Rejected::Error(Error::WrongArity(spec.name)));
    }
    if let Some(check) = spec.check {
        check(args).map_err(Rejected::Error)?;
    }
    Ok(spec)
}

/// The table as the families read it (see [`Catalog`]).
pub static CATALOG: Catalog = Catalog {
    commands: COMMANDS,
    find,
    lookup_args,
    lookup_fullname,
    id_of: ids::id_of,
    spec_of: ids::spec_of,
    count: ids::count,
};

/// Installs [`CATALOG`] for the families (done when a [`crate::Redis`] is
/// made).
pub fn install() {
    crate::family::spec::install(&CATALOG);
}

#[cfg(test)]
mod tests;
