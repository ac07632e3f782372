//! The io_uring reactor's wait and output side of the loop: one
//! `io_uring_enter` submits the iteration's sends and receives and waits
//! (`reactor::uring`), then finished sends are filed. `Shard::flush`
//! queues the sends; on the epoll reactor none of this runs.

use std::io;
use std::time::Duration;

use mio::Events;
use slab::Slab;

use super::Shard;
use crate::commands::Commands;
use crate::conn::Conn;
use crate::msg::{Msg, Replies, Reply, ReplyBufs};
use crate::reactor::uring::Ring;
use crate::stats::ShardStats;

/// While a busy part runs (`busy::serve`): files the sends that finished
/// whole, so their connections count as idle again and get served (a
/// connection with a send in flight is left alone, and only the event
/// loop's `reap_sends` used to clear it: one whose last reply was still
/// being sent when the part started was never served during it, its
/// requests unanswered until the part ended). Those connections are
/// listed in `served`, so the event loop flushes what they owe once the
/// part ends. Failed sends stay in `done` for the event loop, which
/// closes their connections.
pub(super) fn settle_while_busy<C: Commands>(
    ring: &mut Ring,
    conns: &mut Slab<Conn<C>>,
    stats: &ShardStats,
    served: &mut Vec<usize>,
) {
    ring.done.retain(|d| {
        if d.failed {
            return true;
        }
        let live = conns.get(d.conn).is_some_and(|c| c.gen == d.gen);
        if !live {
            // Its connection closed meanwhile: the event loop uncounts
            // its buffer.
            return d.summed.is_some();
        }
        if let Some(c) = conns.get_mut(d.conn) {
            if c.gen == d.gen && c.in_flight > 0 {
                c.in_flight = 0;
                c.flight_mem = 0;
                ShardStats::add_own(&stats.net_output, d.sent);
                if !served.contains(&d.conn) {
                    served.push(d.conn);
                }
            }
        }
        false
    });
}

impl<C: Commands> Shard<C> {
    /// The io_uring reactor's poll: submits what is queued, waits up to
    /// `timeout` for a completion, and, when the ring saw the epoll
    /// instance readable, collects its events (without waiting) into
    /// `events`; else `events` is left empty.
    pub(super) fn ring_wait(&mut self, timeout: Duration, events: &mut Events) -> io::Result<()> {
        self.arm_recvs();
        let Some(r) = self.ring.as_mut() else {
            return Ok(());
        };
        r.publish();
        r.wait(timeout)?;
        self.file_direct();
        let Some(r) = self.ring.as_mut() else {
            return Ok(());
        };
        if std::mem::take(&mut r.epoll_ready) {
            self.poll.poll(events, Some(Duration::ZERO))
        } else {
            events.clear();
            Ok(())
        }
    }

    /// Answers the origins of the direct replies that finished: a lazy
    /// `Written` note for one sent whole (the origin need not wake for
    /// it), the unsent rest for one the socket did not take whole (its
    /// client is not reading: the origin queues the rest as its own
    /// output, counted in the client's memory) or that failed (the origin
    /// writes it and meets the error), one reply batch per origin.
    pub(super) fn file_direct(&mut self) {
        let Some(r) = self.ring.as_mut() else {
            return;
        };
        if r.direct_done.is_empty() {
            return;
        }
        let mut done = std::mem::take(&mut r.direct_done);
        for peer in 0..self.router.nshards() {
            let mut batch: Option<(ReplyBufs<C>, bool)> = None;
            for d in done.iter().filter(|d| d.to.peer == peer) {
                ShardStats::add_own(&self.stats.net_output, d.sent);
                let (bufs, lazy) = batch.get_or_insert_with(|| (self.pools.replies(), true));
                let (conn, seq) = (d.to.conn, d.to.seq);
                if d.to.counted != 0 {
                    // What the socket took is gone; the rest travels on
                    // in the batch, counted there.
                    self.settings
                        .add_transit(d.rest.len() as i64 - d.to.counted as i64);
                    bufs.counted += d.rest.len() as u64;
                }
                if d.rest.is_empty() {
                    let len = u32::try_from(d.sent).unwrap_or(u32::MAX);
                    bufs.items.push(Reply::Written { conn, seq, len });
                } else {
                    bufs.data.extend_from_slice(&d.rest);
                    let end = bufs.data.len();
                    bufs.items.push(Reply::Cmd { conn, seq, end });
                    *lazy = false;
                }
            }
            if let Some((bufs, lazy)) = batch {
                let replies = Replies {
                    bufs,
                    returned: None,
                };
                self.mesh.send(peer, Msg::Replies(replies), lazy);
            }
        }
        done.clear();
        if let Some(r) = self.ring.as_mut() {
            if r.direct_done.is_empty() {
                // Its capacity is kept for the next reap.
                r.direct_done = done;
            }
        }
    }

    /// True when the last wait collected completions to handle.
    pub(super) fn ring_busy(&self) -> bool {
        self.ring
            .as_ref()
            .is_some_and(|r| !r.recvs.is_empty() || !r.done.is_empty())
    }

    /// Files finished sends: the connection's next output goes (or it
    /// resumes reading, or closes, as after a write), a failed one closes.
    pub(super) fn reap_sends(&mut self) {
        let Some(r) = self.ring.as_mut() else {
            return;
        };
        if r.done.is_empty() {
            return;
        }
        let mut done = std::mem::take(&mut r.done);
        for d in done.drain(..) {
            let live = self.conns.get(d.conn).is_some_and(|c| c.gen == d.gen);
            if let (false, Some((class, bytes))) = (live, d.summed) {
                // Its connection closed first and left the buffer counted
                // until now (`Shard::close`).
                let class = class as usize;
                self.settings.note_output(class, bytes, class, 0);
            }
            let Some(c) = self.conns.get_mut(d.conn) else {
                continue;
            };
            if c.gen != d.gen || c.in_flight == 0 {
                continue;
            }
            c.in_flight = 0;
            c.flight_mem = 0;
            ShardStats::add_own(&self.stats.net_output, d.sent);
            if d.failed {
                self.close(d.conn);
            } else {
                self.flush(d.conn);
            }
        }
        if let Some(r) = self.ring.as_mut() {
            if r.done.is_empty() {
                // Its capacity is kept for the next reap.
                r.done = done;
            }
        }
    }
}
