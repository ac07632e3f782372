//! How the shard's accounting sees a [`Spec`] ([`Accountable`]): its
//! counter index ([`ids`]), its flags, the dirty count of a run
//! ([`dirty`]) and what `MONITOR` and the slow log redact. Apart from
//! [`ids`] so that the index (which [`dirty`]'s rules are built on) does
//! not depend on the rules.

use kevy_rt::Args;

use super::{dirty, flags, ids, Spec};
use crate::accounting::Accountable;

impl Accountable for Spec {
    #[inline]
    fn stat_id(&'static self) -> Option<usize> {
        ids::id_of(self)
    }

    fn stat_id_of_args(args: Args<'_>) -> Option<usize> {
        ids::id_of_args(args)
    }

    #[inline]
    fn skip_slowlog(&self) -> bool {
        self.flags & flags::SKIP_SLOWLOG != 0
    }

    #[inline]
    fn fast(&self) -> bool {
        self.flags & flags::FAST != 0
    }

    #[inline]
    fn writes(&self) -> bool {
        self.flags & flags::WRITE != 0
    }

    #[inline]
    fn dirty(id: usize, args: Args<'_>, argc: usize, reply: &[u8]) -> u64 {
        dirty::dirty(id, args, argc, reply)
    }

    fn redactions(&self, args: Args<'_>) -> Vec<usize> {
        crate::family::monitor::redactions(self, args)
    }
}
