//! Registered (fixed) files: a sparse table the ring is given at setup,
//! where each of the shard's plain connections has its socket installed
//! in the slot of its own index (when the table reaches that far). An
//! entry naming a slot (`types::Fixed`) makes the kernel skip taking and
//! dropping a reference to the socket's `struct file` at every receive
//! and send, an atomic on a cache line the peer shard's direct replies
//! (sent on the peer's ring, by descriptor) touch too.
//!
//! A slot is filled when its connection's receive is first armed and
//! emptied when the connection closes, both synchronously
//! (`io_uring_register`): emptied before the connection's index can be
//! given to the next one. An installed socket stays open while the table
//! holds it, so closing the connection must empty the slot: its FIN then
//! leaves once the cancelled receive lets go of it, as before. Each slot
//! remembers its connection's generation, and an entry uses the slot only
//! for that generation.
//!
//! `KEVY_URING_FILES` sets the table's size (0: no table); by default
//! [`DEFAULT`], never past the descriptor limit (the kernel refuses more).

use std::os::fd::RawFd;

use io_uring::IoUring;

/// Slots registered by default.
const DEFAULT: u32 = 65536;

/// The table as this shard sees it: per slot, the generation of the
/// connection whose socket is installed there.
pub(super) struct Files {
    /// Slots registered (0: none).
    pub(super) cap: u32,
    /// Grown on demand up to `cap`.
    gens: Vec<Option<u32>>,
}

/// `KEVY_URING_FILES`, else [`DEFAULT`], within `RLIMIT_NOFILE`.
fn size() -> u32 {
    let want = std::env::var("KEVY_URING_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT);
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the live struct it is given.
    let cur = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 {
        lim.rlim_cur.min(u32::MAX as u64) as u32
    } else {
        0
    };
    want.min(cur)
}

impl Files {
    /// Registers a sparse table with `ring`; an empty one (no slots) when
    /// turned off or refused.
    pub(super) fn new(ring: &IoUring) -> Files {
        let cap = size();
        let cap = if cap > 0 && ring.submitter().register_files_sparse(cap).is_ok() {
            cap
        } else {
            0
        };
        Files {
            cap,
            gens: Vec::new(),
        }
    }

    /// The slot holding connection `conn`/`gen`'s socket, if installed.
    #[inline]
    pub(super) fn slot(&self, conn: usize, gen: u32) -> Option<u32> {
        match self.gens.get(conn) {
            Some(&Some(g)) if g == gen => Some(conn as u32),
            _ => None,
        }
    }

    /// Installs `fd`, connection `conn`/`gen`'s socket, in slot `conn`
    /// (replacing whatever is there); returns the slot, or `None` (past
    /// the table, or refused: the connection uses its descriptor).
    pub(super) fn install(
        &mut self,
        ring: &IoUring,
        conn: usize,
        gen: u32,
        fd: RawFd,
    ) -> Option<u32> {
        if let Some(s) = self.slot(conn, gen) {
            return Some(s);
        }
        if conn >= self.cap as usize {
            return None;
        }
        if self.gens.len() <= conn {
            self.gens.resize(conn + 1, None);
        }
        match ring.submitter().register_files_update(conn as u32, &[fd]) {
            Ok(1) => {
                self.gens[conn] = Some(gen);
                Some(conn as u32)
            }
            _ => {
                self.remove(ring, conn);
                None
            }
        }
    }

    /// Empties slot `conn` (its connection is closing), so the table no
    /// longer holds the socket open.
    pub(super) fn remove(&mut self, ring: &IoUring, conn: usize) {
        if let Some(g) = self.gens.get_mut(conn) {
            if g.take().is_some() {
                // Cannot fail for a slot within the table; if it did, the
                // socket would stay open until the ring goes.
                let _ = ring.submitter().register_files_update(conn as u32, &[-1]);
            }
        }
    }

    /// Drops the whole table (the ring may outlive the shard: peers' wake
    /// handles keep it, and its table would keep every socket open).
    pub(super) fn unregister(&mut self, ring: &IoUring) {
        if self.cap > 0 {
            let _ = ring.submitter().unregister_files();
            self.cap = 0;
            self.gens.clear();
        }
    }
}
