//! One client connection on its home shard: buffers, session, and the queue that
//! keeps replies in request order.
//!
//! Every command takes the next sequence number. While no earlier reply is
//! outstanding, a local reply is appended straight to the output buffer; once a
//! forwarded (or multi-shard) command is in flight, it has a `pending` slot and
//! later local replies are appended to `behind`, each slot owning the run of
//! them up to the next slot; a slot's reply, then its run, are released in
//! order as the earlier ones arrive.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

mod replybuf;

pub(crate) use replybuf::Resized;

use crate::clients::ClientFacts;
use crate::commands::Commands;
use crate::msg::Pools;
use crate::stream::Stream;
use crate::tls::TlsSession;

/// Initial (and idle) read-buffer size; also the least free space per read.
pub(crate) const READ_CHUNK: usize = 16 * 1024;

/// Read-buffer growth allowed ahead of the bytes buffered (see `make_room`).
const AHEAD_MAX: usize = 1 << 20;

/// Output-buffer capacity an idle connection may keep.
const IDLE_OUT_CAPACITY: usize = 16 * 1024;

/// What a connection may have owed to it (`Conn::owed`) before it stops taking
/// input: forwarded or planned commands still unanswered and replies queued
/// behind them. Without it, a stalled shard (`DEBUG SLEEP`, a long `KEYS *`)
/// let clients of the other shards pipeline into its ring backlog without
/// limit: 200 MB of writes held 200 MB of batches and reply slots.
pub(crate) const OWED_MAX: usize = 1 << 20;

/// Reply slots a connection may have queued before it stops taking input.
/// `OWED_MAX` counts a forwarded command at its request's size until its
/// reply arrives: without a cap on their number, a client pipelining reads
/// of a 64 KB value and never reading had ~11,000 of them in flight per
/// connection (700 MB of replies on their way back; 1.2 GB for four such
/// clients). With it, at most this many replies are in flight.
pub(crate) const SLOTS_MAX: usize = 1024;

/// Counted per reply slot on top of its bytes (the slot, a batch item, spans).
pub(crate) const SLOT_COST: usize = 64;

/// A decoded request waiting for its turn, with its arguments' spans
/// (relative to its first byte, so they survive the buffer's compaction).
pub(crate) struct Ahead {
    pub(crate) decoded: crate::resp::Decoded,
    pub(crate) spans: Vec<crate::args::Span>,
}

/// A command whose reply comes later (forwarded, planned, deferred), with
/// the replies made after it up to the next such command. Local replies
/// behind an outstanding one share one buffer (`Conn::behind`) instead of a
/// pooled buffer each: at `-P 16` over two shards most of them queue so,
/// and a buffer each (taken, filled, copied out, given back) was ~40
/// instructions a reply.
pub(crate) struct Slot {
    /// The command's sequence number.
    seq: u64,
    /// What it counts in `owed` while its reply is outstanding.
    cost: u32,
    /// Replies in its run (each counts [`SLOT_COST`] in `owed`).
    n: u32,
    /// Where its run ends in `behind` (the last slot's run ends at the
    /// buffer's end; set when the next slot is queued).
    end: usize,
    /// Its reply, when it came before an earlier one's.
    arrived: Option<Vec<u8>>,
}

pub(crate) struct Conn<C: Commands> {
    /// Shared with a peer shard while it writes a direct reply (see `shard`).
    pub(crate) sock: Arc<Stream>,
    /// The TLS session of a connection accepted on the TLS listener: every
    /// byte in and out goes through it (and no peer writes to `sock`).
    pub(crate) tls: Option<Box<TlsSession>>,
    pub(crate) id: u64,
    pub(crate) gen: u32,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) local: Option<SocketAddr>,
    pub(crate) created: Instant,
    /// The last command resolved (for `CLIENT LIST`'s `cmd=`).
    pub(crate) last_cmd: Option<C::Cmd>,
    /// Read buffer; bytes `rpos..rend` are received and not yet decoded. The
    /// whole length is initialised, so reads need no zeroing.
    pub(crate) rbuf: Vec<u8>,
    /// The read buffer's length while it is lent out for decoding (then
    /// `rbuf` is empty), so facts read during a command stay true.
    pub(crate) rbuf_lent: usize,
    pub(crate) rpos: usize,
    pub(crate) rend: usize,
    /// Buffered bytes (from `rpos`) the incomplete request is known to need.
    pub(crate) need: usize,
    /// The bytes from `rpos` are an incomplete request, as the last decode
    /// left them (nothing read since): after a hang-up they are dropped,
    /// where complete requests not yet decoded (the connection held, or
    /// its output over the high-water mark) still run before it closes.
    pub(crate) tail: bool,
    /// Output; bytes `wpos..` are not yet written.
    pub(crate) out: Vec<u8>,
    pub(crate) wpos: usize,
    /// Output handed to the io_uring backend and not yet reported sent
    /// (it counts as unsent); at most one send in flight, `flight` its key.
    pub(crate) in_flight: usize,
    /// The capacity of the buffer that send holds (0 with none in flight).
    pub(crate) flight_mem: usize,
    pub(crate) flight: u32,
    /// Input arrives through the io_uring reactor's multishot receive
    /// (plain connections on that reactor), not through epoll and `read`.
    pub(crate) ring: bool,
    /// That receive is armed in the kernel (until a completion says it
    /// ended).
    pub(crate) recv_armed: bool,
    /// It was cancelled because input piled up while the connection could
    /// not take it: armed again when the connection resumes.
    pub(crate) recv_stopped: bool,
    /// The reply buffer's size and peak, as Redis sizes them.
    pub(crate) reply: replybuf::ReplyBuf,
    /// Its buffers' memory when client eviction last looked at it.
    pub(crate) mem_seen: u64,
    /// Its output class when last looked up, and the output memory counted
    /// for it in that class's sum (`Settings::output_memory`; 0 while the
    /// class is not summed).
    pub(crate) class: u8,
    pub(crate) class_mem: u64,
    /// The outstanding commands, in order, each with the run of replies
    /// queued behind it.
    pub(crate) pending: VecDeque<Slot>,
    /// The replies queued behind outstanding ones, runs one after the other;
    /// `behind_pos..` is not yet released. Empty when `pending` is.
    behind: Vec<u8>,
    behind_pos: usize,
    /// `behind`'s length when the last reply queued there started.
    mark: usize,
    /// The first slot's sequence number (while there is one).
    head: u64,
    /// Bytes `pending` stands for: each waiting command's arguments and each
    /// queued reply, plus [`SLOT_COST`] a slot. Input stops at [`OWED_MAX`];
    /// back to 0 whenever `pending` empties.
    pub(crate) owed: usize,
    /// Sequence number of the next command.
    pub(crate) next_seq: u64,
    pub(crate) session: C::Session,
    /// A held multi-shard operation is in flight: decode nothing further.
    pub(crate) held: bool,
    /// The keys of its isolated operations in flight that do not hold it
    /// (`lock/fence.rs`); made on its first such operation.
    pub(crate) fence: Option<Box<crate::lock::fence::Fence>>,
    /// Held until the fence is empty: the next command touches a key of an
    /// operation in flight (it is kept decoded, in `ahead`).
    pub(crate) fence_wait: bool,
    /// Close once every reply is written (QUIT, protocol error).
    pub(crate) closing: bool,
    /// The peer closed its side: read nothing more.
    pub(crate) eof: bool,
    /// Input was left unread (held, closing or output high-water): read again
    /// when the reason is gone.
    pub(crate) want_read: bool,
    /// The socket may hold input that arrived with an edge no read has
    /// drained (false once a read came back short or would block): resuming
    /// the connection reads it, and skips the read that would only block.
    pub(crate) unread: bool,
    /// Queued for a flush at the end of this loop iteration.
    pub(crate) dirty: bool,
    /// `Limits::output_high_water`.
    pub(crate) high_water: usize,
    /// The head of `pending` is a command whose owner writes its reply straight
    /// to the socket.
    pub(crate) direct: bool,
    /// Replies are queued behind that direct reply (counted in the shard's
    /// `direct_waiters`).
    pub(crate) direct_waited: bool,
    /// Peers yet to answer this connection's [`Flow::Barrier`](crate::Flow::Barrier):
    /// nothing is written to it meanwhile.
    pub(crate) barrier: u32,
    /// A request decoded ahead of its turn and not run yet (the connection
    /// stopped taking input behind the one before it): it starts at `rpos`
    /// and runs, without being decoded again, when input resumes.
    pub(crate) ahead: Option<Ahead>,
    /// The request decoded after `ahead` (the shard looks two ahead), run
    /// right after it. Only with `ahead`.
    pub(crate) ahead2: Option<Ahead>,
    /// The arguments found so far of the incomplete request at `rpos`, for
    /// the decoder to resume from when more arrives (see `Commands::decode`).
    pub(crate) partial: Vec<crate::args::Span>,
    /// A command held back by `CLIENT PAUSE`, run when the pause ends.
    pub(crate) deferred: Option<crate::args::OwnedArgs>,
    /// In `MONITOR` mode.
    pub(crate) monitor: bool,
    /// A blocking command parked (its waiter id and claim): the connection
    /// is held, and still read so that a hang-up ends the wait.
    pub(crate) parked: Option<(u64, crate::park::Claim)>,
    /// When input last arrived or output was last written (the idle timeout,
    /// `CLIENT LIST` idle, buffer shrinking; Redis's `lastinteraction`).
    pub(crate) last_active: Instant,
    /// Since when output has been over its class's soft limit.
    pub(crate) soft_since: Option<Instant>,
    /// The shard its last keyed commands all went to, and how many in a row
    /// (see `shard/moving.rs`).
    pub(crate) streak: (u32, u32),
    /// Moving to this shard: its receive is being cancelled; it takes no
    /// input until it arrives there.
    pub(crate) moving: Option<usize>,
    /// Input a dialogue ([`ClientsOf::converse`](crate::ClientsOf::converse))
    /// read while the read buffer was lent out for decoding: it follows
    /// what that buffer holds, and joins it when the buffer comes back
    /// ([`Conn::merge_talk`]).
    pub(crate) talk: Vec<u8>,
}

impl<C: Commands> Conn<C> {
    pub(crate) fn new(
        sock: Arc<Stream>,
        tls: Option<Box<TlsSession>>,
        id: u64,
        gen: u32,
        peer: Option<SocketAddr>,
        high_water: usize,
    ) -> Conn<C> {
        let local = sock.local_addr();
        let now = Instant::now();
        Conn {
            sock,
            tls,
            id,
            gen,
            peer,
            local,
            created: now,
            last_cmd: None,
            rbuf: vec![0; READ_CHUNK],
            rbuf_lent: 0,
            rpos: 0,
            rend: 0,
            need: 0,
            tail: false,
            out: Vec::new(),
            wpos: 0,
            in_flight: 0,
            flight_mem: 0,
            flight: 0,
            ring: false,
            recv_armed: false,
            recv_stopped: false,
            reply: replybuf::ReplyBuf::new(now),
            mem_seen: 0,
            class: 0,
            class_mem: 0,
            pending: VecDeque::new(),
            behind: Vec::new(),
            behind_pos: 0,
            mark: 0,
            head: 0,
            owed: 0,
            next_seq: 0,
            session: C::Session::default(),
            held: false,
            fence: None,
            fence_wait: false,
            closing: false,
            eof: false,
            want_read: false,
            unread: true,
            dirty: false,
            high_water,
            direct: false,
            direct_waited: false,
            barrier: 0,
            last_active: now,
            ahead: None,
            ahead2: None,
            partial: Vec::new(),
            deferred: None,
            monitor: false,
            parked: None,
            soft_since: None,
            streak: (0, 0),
            moving: None,
            talk: Vec::new(),
        }
    }

    /// Its push handle, living in slot `idx` of shard `shard`.
    pub(crate) fn handle(&self, shard: usize, idx: usize) -> crate::push::ConnHandle {
        crate::push::ConnHandle {
            shard: shard as u32,
            idx: idx as u32,
            gen: self.gen,
        }
    }

    /// Nothing of it is in flight (no command out, no send, no barrier,
    /// nothing decoded ahead, its buffer not lent), and nothing keeps it from taking input
    /// but its own turn: a busy shard may serve it, it may move.
    pub(crate) fn idle(&self) -> bool {
        !self.held
            && !self.closing
            && !self.eof
            && !self.direct
            && self.barrier == 0
            && !self.monitor
            && self.pending.is_empty()
            && self.deferred.is_none()
            && self.parked.is_none()
            && self.ahead.is_none()
            && self.rbuf_lent == 0
            && self.in_flight == 0
            && self.tls.is_none()
    }

    /// The input not parsed yet, as Redis's `qbuf` counts it: of an
    /// incomplete multibulk request, what follows its last complete part
    /// (the headers and the arguments received so far are parsed, and
    /// Redis trims them off its query buffer after each read), so a big
    /// argument arriving shows only its bytes received; otherwise every
    /// unprocessed byte.
    fn unparsed(&self) -> usize {
        let all = self.rend - self.rpos;
        let Some(buf) = self.rbuf.get(self.rpos..self.rend) else {
            return all;
        };
        if !self.tail || buf.first() != Some(&b'*') {
            return all;
        }
        let line_end = |from: usize| {
            buf.get(from..)
                .and_then(|b| memchr::memchr(b'\n', b))
                .map(|p| from + p + 1)
        };
        let mut at = match self.partial.last() {
            Some(s) => s.end as usize + 2,
            None => match line_end(0) {
                Some(at) => at,
                None => return all,
            },
        };
        if buf.get(at) == Some(&b'$') {
            if let Some(end) = line_end(at) {
                at = end;
            }
        }
        all.saturating_sub(at)
    }

    /// The runtime facts of this connection, on shard `shard`.
    pub(crate) fn facts(&self, shard: usize) -> ClientFacts {
        use std::os::fd::AsRawFd;
        ClientFacts {
            id: self.id,
            shard,
            peer: self.peer,
            local: self.local,
            fd: self.sock.as_raw_fd(),
            unix: self.sock.is_unix(),
            created: self.created,
            last_active: self.last_active,
            query_buf: self.unparsed(),
            // Room for input, as Redis's `sdsavail`: consumed bytes before
            // `rpos` are reclaimed by the next read (`make_room`). With
            // `query_buf`, the buffer's allocation, as client eviction
            // counts it (`Shard::client_sizes`).
            query_buf_free: self
                .rbuf
                .capacity()
                .max(self.rbuf_lent)
                .saturating_sub(self.unparsed()),
            out_unsent: self.unsent(),
            out_capacity: self.out_memory(),
            reply_buf_size: self.reply.size(),
            reply_buf_peak: self.reply.peak(),
            replies_pending: self.pending_cmds(),
            closing: self.closing,
            blocked: self.parked.is_some() || self.deferred.is_some(),
        }
    }

    /// Where the reply of a command finished now goes: the output buffer, or a
    /// deferred slot behind an outstanding reply.
    #[inline]
    pub(crate) fn reply_buf(&mut self) -> &mut Vec<u8> {
        self.next_seq += 1;
        match self.pending.back_mut() {
            None => &mut self.out,
            Some(last) => {
                last.n += 1;
                self.owed += SLOT_COST;
                self.mark = self.behind.len();
                &mut self.behind
            }
        }
    }

    /// Like [`Conn::reply_buf`], also lending the session.
    #[inline]
    pub(crate) fn reply_buf_and_session(&mut self) -> (&mut Vec<u8>, &mut C::Session) {
        self.next_seq += 1;
        match self.pending.back_mut() {
            None => (&mut self.out, &mut self.session),
            Some(last) => {
                last.n += 1;
                self.owed += SLOT_COST;
                self.mark = self.behind.len();
                (&mut self.behind, &mut self.session)
            }
        }
    }

    /// Counts the reply a command just queued behind an outstanding one
    /// (`queued`: `pending` was not empty when it took its reply buffer).
    #[inline]
    pub(crate) fn count_queued(&mut self, queued: bool) {
        if queued {
            self.owed += self.behind.len().saturating_sub(self.mark);
        }
    }

    /// The sequence number of the first reply not yet released.
    #[inline]
    pub(crate) fn head_seq(&self) -> u64 {
        if self.pending.is_empty() {
            self.next_seq
        } else {
            self.head
        }
    }

    /// Replies not yet released: outstanding ones and those queued behind
    /// them.
    #[inline]
    pub(crate) fn pending_cmds(&self) -> usize {
        (self.next_seq - self.head_seq()) as usize
    }

    /// Reserves the reply position of a command finishing elsewhere; `bytes`:
    /// what it holds meanwhile (its arguments).
    #[inline]
    pub(crate) fn reserve(&mut self, bytes: usize) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let cost = (bytes + SLOT_COST).min(u32::MAX as usize);
        self.owed += cost;
        match self.pending.back_mut() {
            Some(last) => last.end = self.behind.len(),
            None => self.head = seq,
        }
        self.pending.push_back(Slot {
            seq,
            cost: cost as u32,
            n: 0,
            end: 0,
            arrived: None,
        });
        seq
    }

    /// Files the reply of command `seq`, releasing every reply now in order.
    pub(crate) fn deliver(&mut self, seq: u64, bytes: &[u8], pools: &mut Pools<C>) {
        let Some(first) = self.pending.front() else {
            return;
        };
        if seq == first.seq {
            self.out.extend_from_slice(bytes);
            self.release_first();
            while let Some(v) = self.pending.front_mut().and_then(|s| s.arrived.take()) {
                self.owed = self.owed.saturating_sub(v.len() + SLOT_COST);
                self.out.extend_from_slice(&v);
                pools.put_slot(v);
                self.release_first();
            }
        } else if let Ok(idx) = self.pending.binary_search_by_key(&seq, |s| s.seq) {
            // Sequence numbers increase along `pending`.
            if let Some(slot) = self.pending.get_mut(idx) {
                if slot.arrived.is_none() {
                    let mut v = pools.slot();
                    v.extend_from_slice(bytes);
                    let cost = std::mem::take(&mut slot.cost) as usize;
                    self.owed = (self.owed + bytes.len() + SLOT_COST).saturating_sub(cost);
                    slot.arrived = Some(v);
                }
            }
        }
    }

    /// Drops the first slot, whose reply is out, and releases its run.
    #[inline]
    fn release_first(&mut self) {
        let Some(s) = self.pending.pop_front() else {
            return;
        };
        match self.pending.front() {
            Some(next) => {
                self.head = next.seq;
                let run = self.behind.get(self.behind_pos..s.end).unwrap_or_default();
                self.out.extend_from_slice(run);
                let freed = s.cost as usize + run.len() + s.n as usize * SLOT_COST;
                self.owed = self.owed.saturating_sub(freed);
                self.behind_pos = s.end;
            }
            None => {
                // The last one: its run is the rest.
                if let Some(run) = self.behind.get(self.behind_pos..) {
                    self.out.extend_from_slice(run);
                }
                self.behind.clear();
                self.behind_pos = 0;
                self.owed = 0;
            }
        }
    }

    /// Bytes of output not yet written (or sent through io_uring and not
    /// yet reported done).
    #[inline]
    pub(crate) fn unsent(&self) -> usize {
        self.out.len() - self.wpos + self.in_flight
    }

    /// True when input may be decoded now.
    #[inline]
    pub(crate) fn can_decode(&self) -> bool {
        !self.held
            && !self.closing
            && self.moving.is_none()
            && self.deferred.is_none()
            && self.unsent() < self.high_water
            && !self.owes_too_much()
    }

    /// Reads from the socket into `rbuf[rend..]`, through the TLS session
    /// when there is one.
    #[inline]
    pub(crate) fn read_sock(&mut self) -> io::Result<usize> {
        let buf = &mut self.rbuf[self.rend..];
        match self.tls.as_deref_mut() {
            None => (&*self.sock).read(buf),
            Some(t) => t.read(&self.sock, buf),
        }
    }

    /// Writes output from `wpos` to the socket, through the TLS session
    /// when there is one.
    #[inline]
    pub(crate) fn write_sock(&mut self) -> io::Result<usize> {
        let buf = &self.out[self.wpos..];
        match self.tls.as_deref_mut() {
            None => (&*self.sock).write(buf),
            Some(t) => t.write(&self.sock, buf),
        }
    }

    /// Input stops: too much is owed (bytes or slots).
    #[inline]
    pub(crate) fn owes_too_much(&self) -> bool {
        self.owed >= OWED_MAX || self.pending_cmds() >= SLOTS_MAX
    }

    /// True when nothing is owed to the client any more.
    #[inline]
    pub(crate) fn drained(&self) -> bool {
        self.pending.is_empty()
            && self.unsent() == 0
            && self.tls.as_ref().is_none_or(|t| !t.unsent())
    }

    /// The memory its output holds: the buffer, and the bytes of a send
    /// in flight on io_uring (handed to the ring, not yet reported sent:
    /// for a client that does not read, most of what it is owed).
    #[inline]
    pub(crate) fn out_memory(&self) -> usize {
        self.out.capacity() + self.in_flight
    }

    /// Notes its output memory in its output class's sum
    /// ([`Settings::output_memory`](crate::settings::Settings::output_memory)): the
    /// class just looked up (`Some`), else the one recorded. Nothing to do
    /// (no atomic) while neither changed or the class is not summed.
    #[inline]
    pub(crate) fn note_output(
        &mut self,
        settings: &crate::settings::Settings,
        class: Option<usize>,
    ) {
        let class = class.unwrap_or(self.class as usize);
        // What the allocator holds for it: the buffer in flight whole, not
        // just its unsent bytes (a send of 4 MB may hold an 8 MB buffer).
        let m = if settings.output_summed(class) {
            (self.out.capacity() + self.flight_mem) as u64
        } else {
            0
        };
        if m != self.class_mem || class != self.class as usize {
            settings.note_output(self.class as usize, self.class_mem, class, m);
            self.class = class as u8;
            self.class_mem = m;
        }
    }

    /// Makes room in the output buffer for `extra` more bytes of a
    /// connection whose class is summed, counting the growth in the sum
    /// before it is allocated: a shard reading the allocator's total and
    /// the sum between the two (another thread, its write's eviction
    /// check) must not see a doubled buffer as memory no class holds.
    /// Nothing for output queued behind an outstanding reply.
    #[inline]
    pub(crate) fn reserve_output(&mut self, settings: &crate::settings::Settings, extra: usize) {
        let (len, cap) = (self.out.len(), self.out.capacity());
        if len + extra <= cap
            || !self.pending.is_empty()
            || !settings.output_summed(self.class as usize)
        {
            return;
        }
        let want = (len + extra).max(cap * 2);
        let class = self.class as usize;
        let noted = self.class_mem + (want - cap) as u64;
        settings.note_output(class, self.class_mem, class, noted);
        self.class_mem = noted;
        self.out.reserve_exact(want - len);
    }

    /// Gives back the buffers a burst grew (a big request, a big reply, a
    /// deep pipeline), keeping only what is still buffered or owed; for a
    /// connection that has been idle a while, as Redis's `clientsCron`
    /// resizes query buffers.
    /// An idle connection with nothing buffered keeps no read buffer at all
    /// (Redis frees an idle client's query buffer); the next read makes one.
    pub(crate) fn shrink_idle(&mut self) {
        if self.rpos == self.rend && !self.rbuf.is_empty() {
            self.rpos = 0;
            self.rend = 0;
            self.need = 0;
            self.rbuf = Vec::new();
        }
        if self.unsent() == 0 && self.out.capacity() > IDLE_OUT_CAPACITY {
            self.out = Vec::new();
            self.wpos = 0;
        }
        if self.pending.is_empty() && self.pending.capacity() > 64 {
            self.pending = VecDeque::new();
        }
        if self.pending.is_empty() && self.behind.capacity() > IDLE_OUT_CAPACITY {
            self.behind = Vec::new();
        }
    }

    /// Makes room for at least `need` unread bytes plus a read chunk, but
    /// for no more than [`AHEAD_MAX`] or twice what is buffered, whichever
    /// is larger: a request that announces a 512 MB argument gets its
    /// buffer as its bytes arrive (doubling, so copying stays linear), not
    /// in one go — a client sending `$536870000` and three bytes, on many
    /// connections, made the server zero 512 MB for each.
    ///
    /// A drained burst's big buffer is given back when the next input
    /// arrives (`arrival`: the first read of an edge), not as soon as the
    /// burst is done, as Redis keeps a big query buffer until the client's
    /// next command (or its cron).
    pub(crate) fn make_room(&mut self, need: usize, arrival: bool) {
        let buffered = self.rend - self.rpos;
        // Doubling stops at what the request announced (plus a read): a
        // 4 MB argument's buffer ends near 4 MB, as Redis sizes its query
        // buffer for a big argument, not at twice what had arrived.
        let most = need.max(buffered).saturating_add(READ_CHUNK);
        let need = need.min(buffered.saturating_mul(2).max(AHEAD_MAX));
        if self.rpos == self.rend {
            self.rpos = 0;
            self.rend = 0;
            if arrival && self.rbuf.len() > 4 * READ_CHUNK && need <= READ_CHUNK {
                // Give a burst's big buffer back once it is drained.
                self.rbuf = vec![0; READ_CHUNK];
            }
        }
        let want = need.max(self.rend - self.rpos) + READ_CHUNK;
        if self.rbuf.len() - self.rpos < want || self.rbuf.len() - self.rend < READ_CHUNK / 2 {
            if self.rpos > 0 {
                self.rbuf.copy_within(self.rpos..self.rend, 0);
                self.rend -= self.rpos;
                self.rpos = 0;
            }
            if self.rbuf.len() < want {
                let grown = want.max((self.rbuf.len() * 2).min(most));
                // A fresh zeroed block (calloc: the pages of a large one
                // cost nothing until bytes land there), then what is buffered.
                let mut bigger = vec![0u8; grown];
                bigger[..self.rend].copy_from_slice(&self.rbuf[..self.rend]);
                self.rbuf = bigger;
            }
        }
    }
}
