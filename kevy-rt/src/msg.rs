//! What travels between shards: batches of requests one way, batches of replies
//! the other. A shard sends at most one request batch and one reply batch to each
//! peer per loop iteration, so pipelined traffic from many connections costs one
//! ring message per peer, not one per command.
//!
//! Buffers go home: a request batch comes back (emptied) inside its reply batch,
//! and reply buffers ride back inside the next request batch, so steady traffic
//! allocates nothing.

use std::sync::Arc;

use crate::args::{OwnedArgs, Span};
use crate::commands::Commands;
use crate::lock::{self, TxnId};
use crate::park::Claim;
use crate::stream::Stream;

/// Buffers (or item vectors) larger than this are freed instead of pooled.
pub(crate) const POOL_MAX_BYTES: usize = 1 << 20;
/// What a pooled buffer keeps past a tick ([`Pools::trim`]): steady
/// traffic's batches are a few KB, and one grown by a bulk request (a
/// 100,000-member SADD forwarded: 1.6 MB of arguments and spans) would
/// otherwise stay allocated, counted in `used_memory`, as long as the
/// shard never idles for a whole tick.
const POOL_TRIM_BYTES: usize = 64 << 10;
/// Pooled batches kept per shard.
const POOL_MAX: usize = 16;

/// A connection on its home shard: slab index plus generation (slab slots are
/// reused; a reply for a closed connection must not reach its successor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ConnRef {
    pub(crate) idx: u32,
    pub(crate) gen: u32,
}

/// One item of a request batch. Sized for the common case, a keyed command
/// (64 bytes with a 24-byte context): what a multi-shard part carries rides
/// in the batch's `parts`, a lock request in its `locks`, and the rare big
/// items (arming a parked call) are boxed, so a pipeline of forwarded
/// commands costs one cache line each.
pub(crate) enum Request<C: Commands> {
    /// Run a keyed command; its arguments are `spans[span0..span0 + nargs]`.
    /// With `direct`, nothing else is owed to the connection: the owner writes
    /// the reply to the socket itself and answers [`Reply::Written`].
    Cmd {
        conn: ConnRef,
        seq: u64,
        cmd: C::Cmd,
        ctx: C::Ctx,
        span0: u32,
        nargs: u32,
        direct: Option<Arc<Stream>>,
    },
    /// Append `data[start..end]` to connection `conn`'s output (a push).
    /// `tag` non-zero: rendered by `Commands::render_push` first.
    Push {
        conn: ConnRef,
        start: u32,
        end: u32,
        tag: u8,
    },
    /// Hand `data[start..end]` to the command set (`Commands::notice`).
    Notice { start: u32, end: u32 },
    /// End connection `conn`'s parked call as if its deadline had passed
    /// (`Outbox::end_parked`).
    EndParked { conn: ConnRef },
    /// Close this connection, dropping its output (`Outbox::disconnect`).
    Disconnect { conn: ConnRef },
    /// The sender's connection `conn` returned [`Flow::Barrier`](crate::Flow::Barrier):
    /// deliver what this batch's notices posted, then answer
    /// [`Request::BarrierDone`] (after those pushes, on the same ring).
    Barrier { conn: ConnRef },
    /// Our connection `conn`'s barrier passed the sender.
    BarrierDone { conn: ConnRef },
    /// Run part `idx` of multi-shard operation `op`: the batch's next
    /// entry of `parts`.
    Part { op: u32, idx: u32 },
    /// Queue a lock request (the batch's next entry of `locks`) of
    /// transaction `txn` (whose origin is the sender); answer
    /// [`Request::Granted`] once it is granted.
    Lock { txn: TxnId },
    /// Queue a lock request (the batch's next entry of `locks`) of one-round
    /// transaction `txn` (whose origin is the sender); once it is granted,
    /// run part `idx` of operation `op`
    /// (the batch's next entry of `parts`) and answer [`Reply::Part`] (late
    /// when it waited). With `release`, the share is dropped right after the
    /// part ran (the transaction's last shard), else on [`Request::Release`].
    LockPart {
        txn: TxnId,
        op: u32,
        idx: u32,
        release: bool,
    },
    /// Transaction `txn` (of the sender) is over: drop its locks here.
    Release { txn: TxnId },
    /// The sender granted the locks of our transaction `txn`.
    Granted { txn: TxnId },
    /// Arm a parked call here ([`Arm`]).
    Arm(Box<Arm<C>>),
    /// Our call `waiter` is armed on the sender; these keys were ready.
    Armed { waiter: u64, ready: Vec<u32> },
    /// Serve call `waiter` (of the sender) from key position `key`, if it still can.
    Take { waiter: u64, key: u32 },
    /// The sender could not serve our call `waiter` from the key we chose.
    NotServed { waiter: u64 },
    /// The sender served our call `waiter`: its reply, or a command to run next.
    Served {
        waiter: u64,
        reply: Vec<u8>,
        then: Option<Box<OwnedArgs>>,
    },
    /// Call `waiter` (of the sender) is open: look at its keys here again.
    Kick { waiter: u64 },
    /// Call `waiter` (of the sender) is over: forget it here.
    Cancel { waiter: u64 },
}

/// Arm parked call `waiter` (of the sender) on its keys `keys` here
/// (positions in `args`); `single`: all its keys live here, so try it
/// first (see `shard/park.rs`).
pub(crate) struct Arm<C: Commands> {
    pub(crate) waiter: u64,
    pub(crate) claim: Claim,
    pub(crate) cmd: C::Cmd,
    pub(crate) ctx: C::Ctx,
    pub(crate) args: OwnedArgs,
    pub(crate) keys: Vec<u32>,
    /// Its keyspace ([`Commands::keyspace`](crate::Commands::keyspace)).
    pub(crate) space: u32,
    pub(crate) single: bool,
    /// When it came (its origin's clock): a key's waiters are served in
    /// this order, whichever shard's arming reached the key first.
    pub(crate) since: std::time::Instant,
}

/// One item of a reply batch: a part's result rides in the batch's `parts`,
/// so the item is what a command's reply needs (32 bytes).
pub(crate) enum Reply {
    /// The reply bytes of a command: `data[previous end..end]`.
    Cmd { conn: ConnRef, seq: u64, end: usize },
    /// A direct reply of `len` bytes was written to the socket whole.
    Written { conn: ConnRef, seq: u64, len: u32 },
    /// The result of part `idx` of operation `op`: the batch's next entry
    /// of `parts`.
    Part { op: u32, idx: u32 },
}

/// Requests from one shard to another.
pub(crate) struct Requests<C: Commands> {
    pub(crate) data: Vec<u8>,
    pub(crate) spans: Vec<Span>,
    pub(crate) items: Vec<Request<C>>,
    /// What the `Part` and `LockPart` items run, in item order.
    pub(crate) parts: Vec<(C::Ctx, C::Part)>,
    /// The lock requests of the `Lock` and `LockPart` items, in item order.
    pub(crate) locks: Vec<lock::Request>,
    /// `MONITOR` lines for the receiving shard's monitors.
    pub(crate) monitor: Vec<u8>,
    /// Reply buffers going back to the shard that allocated them.
    pub(crate) returned: Option<ReplyBufs<C>>,
}

impl<C: Commands> Requests<C> {
    /// Only parts of multi-shard operations (a `PUBLISH`'s fan-out, a
    /// multi-key command's share): no forwarded command, and nothing that
    /// reports what already happened on the peer (a push, a notice, a
    /// lock's grant or release, a parked call's step).
    pub(crate) fn only_parts(&self) -> bool {
        self.items
            .iter()
            .all(|it| matches!(it, Request::Part { .. }))
    }
}

/// The buffers of a reply batch.
pub(crate) struct ReplyBufs<C: Commands> {
    pub(crate) data: Vec<u8>,
    pub(crate) items: Vec<Reply>,
    /// The results of the `Part` items, in item order.
    pub(crate) parts: Vec<C::PartReply>,
    /// Bytes of `data` counted in `Settings::replies_in_transit` (under
    /// `maxmemory-clients`), uncounted when the batch is filed.
    pub(crate) counted: u64,
}

/// Replies from the shard that ran a request batch, carrying the emptied batch home.
pub(crate) struct Replies<C: Commands> {
    pub(crate) bufs: ReplyBufs<C>,
    pub(crate) returned: Option<Requests<C>>,
}

/// A message on a ring.
pub(crate) enum Msg<C: Commands> {
    Requests(Requests<C>),
    Replies(Replies<C>),
    /// A connection moving to the receiving shard (`shard/moving.rs`).
    Adopt(Box<crate::conn::Conn<C>>),
}

impl<C: Commands> ReplyBufs<C> {
    /// Small enough to keep in a pool.
    fn pooled_size_ok(&self) -> bool {
        self.data.capacity() <= POOL_MAX_BYTES
            && bytes(&self.items) <= POOL_MAX_BYTES
            && bytes(&self.parts) <= POOL_MAX_BYTES
    }

    /// Frees the buffers a burst grew past [`POOL_TRIM_BYTES`].
    fn unburst(&mut self) {
        unburst(&mut self.data);
        unburst(&mut self.items);
        unburst(&mut self.parts);
    }

    /// Empties the buffers, keeping their memory.
    fn clear(&mut self) {
        self.data.clear();
        self.items.clear();
        self.parts.clear();
        self.counted = 0;
    }
}

/// Frees `v`'s memory when it holds more than [`POOL_TRIM_BYTES`].
fn unburst<T>(v: &mut Vec<T>) {
    if bytes(v) > POOL_TRIM_BYTES {
        *v = Vec::new();
    }
}

/// Bytes allocated by a vector.
fn bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * std::mem::size_of::<T>()
}

/// Recycled batch buffers of one shard.
pub(crate) struct Pools<C: Commands> {
    requests: Vec<Requests<C>>,
    replies: Vec<ReplyBufs<C>>,
    /// Per peer: reply buffers to send home with the next request batch.
    to_return: Vec<Vec<ReplyBufs<C>>>,
    /// Reply-slot buffers for connections.
    slots: Vec<Vec<u8>>,
    /// The most bytes a batch held since the last [`Pools::trim`].
    high: usize,
    /// The same over the tick interval before.
    last_high: usize,
}

impl<C: Commands> Pools<C> {
    pub(crate) fn new(nshards: usize) -> Pools<C> {
        Pools {
            requests: Vec::new(),
            replies: Vec::new(),
            to_return: (0..nshards).map(|_| Vec::new()).collect(),
            slots: Vec::new(),
            high: 0,
            last_high: 0,
        }
    }

    /// An empty request batch for `peer`, carrying reply buffers home.
    pub(crate) fn requests(&mut self, peer: usize) -> Requests<C> {
        let mut r = self.requests.pop().unwrap_or_else(|| Requests {
            data: Vec::new(),
            spans: Vec::new(),
            items: Vec::new(),
            parts: Vec::new(),
            locks: Vec::new(),
            monitor: Vec::new(),
            returned: None,
        });
        r.returned = self.to_return[peer].pop();
        r
    }

    /// Takes an emptied request batch back.
    pub(crate) fn put_requests(&mut self, mut r: Requests<C>) {
        if let Some(bufs) = r.returned.take() {
            self.put_replies(bufs);
        }
        if self.bursting() {
            unburst(&mut r.data);
            unburst(&mut r.spans);
            unburst(&mut r.items);
            unburst(&mut r.parts);
            unburst(&mut r.locks);
        }
        if self.requests.len() < POOL_MAX
            && r.data.capacity() <= POOL_MAX_BYTES
            && bytes(&r.spans) <= POOL_MAX_BYTES
            && bytes(&r.items) <= POOL_MAX_BYTES
            && bytes(&r.parts) <= POOL_MAX_BYTES
            && bytes(&r.locks) <= POOL_MAX_BYTES
        {
            r.data.clear();
            r.spans.clear();
            r.items.clear();
            r.parts.clear();
            r.locks.clear();
            r.monitor.clear();
            self.requests.push(r);
        }
    }

    /// Empty reply buffers.
    pub(crate) fn replies(&mut self) -> ReplyBufs<C> {
        self.replies.pop().unwrap_or_else(|| ReplyBufs {
            data: Vec::new(),
            items: Vec::new(),
            parts: Vec::new(),
            counted: 0,
        })
    }

    /// Takes reply buffers that belong to this shard back.
    pub(crate) fn put_replies(&mut self, mut b: ReplyBufs<C>) {
        self.saw(b.data.len());
        if self.bursting() {
            b.unburst();
        }
        if self.replies.len() < POOL_MAX && b.pooled_size_ok() {
            b.clear();
            self.replies.push(b);
        }
    }

    /// Keeps `peer`'s reply buffers to send home later.
    pub(crate) fn return_replies(&mut self, peer: usize, mut b: ReplyBufs<C>) {
        // As many as the peer's own pool keeps: replies arrive in bursts
        // (a peer that ran several of our batches at once), and one dropped
        // here is one the peer allocates and grows again (GET at `-P 1`
        // with 4 kept: ~120 instructions a request more, in malloc, realloc,
        // free and their copies).
        self.saw(b.data.len());
        if self.bursting() {
            b.unburst();
        }
        if self.to_return[peer].len() < POOL_MAX && b.pooled_size_ok() {
            b.clear();
            self.to_return[peer].push(b);
        }
    }

    /// A buffer for one deferred reply.
    pub(crate) fn slot(&mut self) -> Vec<u8> {
        self.slots.pop().unwrap_or_default()
    }

    /// Notes a batch that held `bytes` (its data, or its spans' bytes).
    #[inline]
    pub(crate) fn saw(&mut self, bytes: usize) {
        self.high = self.high.max(bytes);
    }

    /// On each tick of a busy shard: shrinks pooled buffers grown past
    /// [`POOL_TRIM_BYTES`] back to it, unless batches that big came back
    /// since the last tick (steady bulk traffic keeps its buffers instead
    /// of regrowing them, which fragments the heap: a pipeline of 10 KB
    /// SETs grew the resident size past its bound).
    pub(crate) fn trim(&mut self) {
        let high = std::mem::take(&mut self.high);
        self.last_high = high;
        if high > POOL_TRIM_BYTES {
            return;
        }
        fn shrink<T>(v: &mut Vec<T>) {
            let keep = POOL_TRIM_BYTES / std::mem::size_of::<T>().max(1);
            if v.capacity() > keep {
                v.shrink_to(keep);
            }
        }
        for r in &mut self.requests {
            shrink(&mut r.data);
            shrink(&mut r.spans);
            shrink(&mut r.items);
            shrink(&mut r.parts);
            shrink(&mut r.locks);
        }
        let replies = self.to_return.iter_mut().flatten();
        for b in self.replies.iter_mut().chain(replies) {
            shrink(&mut b.data);
            shrink(&mut b.items);
            shrink(&mut b.parts);
        }
    }

    /// True while no batch of the last tick interval was past
    /// [`POOL_TRIM_BYTES`]: a buffer grown past it now is a burst (one big
    /// reply, one bulk request), freed when it comes back rather than
    /// pooled. Redis gives a killed client's reply memory back at once
    /// (`unit/obuf-limits` reads `used_memory` 100 ms later); steady bulk
    /// traffic, big batches in two intervals running, keeps its buffers.
    #[inline]
    fn bursting(&self) -> bool {
        self.last_high <= POOL_TRIM_BYTES
    }

    /// Frees every pooled buffer (an idle shard gives its burst memory back).
    pub(crate) fn release(&mut self) {
        self.last_high = 0;
        self.requests = Vec::new();
        self.replies = Vec::new();
        self.slots = Vec::new();
        self.to_return.iter_mut().for_each(|v| *v = Vec::new());
    }

    /// Recycles a deferred-reply buffer.
    pub(crate) fn put_slot(&mut self, mut v: Vec<u8>) {
        if self.slots.len() < 256 && v.capacity() <= 64 * 1024 {
            v.clear();
            self.slots.push(v);
        }
    }
}
