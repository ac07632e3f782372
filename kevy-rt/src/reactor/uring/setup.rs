//! Making a ring: the settings that shape it (`KEVY_URING_*`), the
//! kernel features it needs, and the start-up probe that decides whether
//! the io_uring reactor can run here.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use io_uring::{opcode, types, IoUring};
use slab::Slab;
use std::collections::VecDeque;

use super::{batch, bufs, enter, files, recv_data, Recv, Ring, ENTRIES, SEND_WAIT};

/// `KEVY_URING_COOP=1`: cooperative task work (measured, see BENCHMARKS.md).
fn coop() -> bool {
    std::env::var("KEVY_URING_COOP").is_ok_and(|v| v == "1")
}

/// Whether the ring defers its task work to this thread's next
/// `io_uring_enter` (`IORING_SETUP_DEFER_TASKRUN | SINGLE_ISSUER`) unless
/// `KEVY_URING_DEFER` says otherwise (`1`, `0`).
const DEFER: bool = true;

/// `KEVY_URING_SEND_WAIT_US`: see [`SEND_WAIT`].
fn send_wait() -> Duration {
    std::env::var("KEVY_URING_SEND_WAIT_US")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(SEND_WAIT, Duration::from_micros)
}

/// `KEVY_URING_MSG_RING=0`: peers are woken through the eventfd only.
fn msg_ring() -> bool {
    std::env::var("KEVY_URING_MSG_RING").map_or(true, |v| v != "0")
}

/// `KEVY_URING_DEFER`: deferred task work (see [`DEFER`]).
fn defer() -> bool {
    match std::env::var("KEVY_URING_DEFER").as_deref() {
        Ok("1") => true,
        Ok("0") => false,
        _ => DEFER,
    }
}

/// Fails unless the kernel has what the reactor needs: io_uring allowed,
/// the opcodes it uses, provided-buffer rings and multishot receives (the
/// last found by receiving through a socket pair).
pub(crate) fn probe() -> io::Result<()> {
    let mut r = Ring::new(None, -1)?;
    let (a, b) = std::os::unix::net::UnixStream::pair()?;
    a.set_nonblocking(true)?;
    r.push_entry(
        &opcode::RecvMulti::new(types::Fd(a.as_raw_fd()), bufs::GROUP)
            .build()
            .user_data(recv_data(1, 1)),
    );
    r.ring.submit()?;
    use std::io::Write;
    (&b).write_all(b"probe")?;
    let ts = types::Timespec::from(Duration::from_secs(1));
    let args = types::SubmitArgs::new().timespec(&ts);
    match r.ring.submitter().submit_with_args(1, &args) {
        Ok(_) => {}
        Err(e) if e.raw_os_error() == Some(libc::ETIME) => {}
        Err(e) => return Err(e),
    }
    r.reap();
    match r.recvs.pop_front() {
        Some(Recv {
            res: 5, more: true, ..
        }) => Ok(()),
        _ => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "io_uring without multishot receives",
        )),
    }
}

impl Ring {
    /// A ring whose armed read on `wake_fd` (when given) ends waits, and
    /// which polls `epoll_fd` (when not negative) for everything else.
    /// Fails when the kernel refuses io_uring or lacks an operation used.
    pub(crate) fn new(wake_fd: Option<RawFd>, epoll_fd: RawFd) -> io::Result<Ring> {
        let deferred = if defer() {
            // Completions' task work runs only when this thread enters the
            // kernel asking for events: the shard's wait, or the submit of
            // an iteration that sees `IORING_SQ_TASKRUN` (the io-uring
            // crate adds GETEVENTS then); never by interrupting it. Only
            // the shard's thread submits (it made the ring). Kernels before
            // 6.1 refuse the flags: the ring is made without them.
            IoUring::builder()
                .setup_single_issuer()
                .setup_defer_taskrun()
                .setup_taskrun_flag()
                .build(ENTRIES)
                .ok()
        } else {
            None
        };
        let ring = if let Some(r) = deferred {
            r
        } else if coop() {
            // Completions' task work runs when this thread next enters the
            // kernel (it does every iteration), not by interrupting it.
            IoUring::builder()
                .setup_coop_taskrun()
                .setup_taskrun_flag()
                .build(ENTRIES)?
        } else {
            IoUring::builder().build(ENTRIES)?
        };
        let mut probe = io_uring::Probe::new();
        ring.submitter().register_probe(&mut probe)?;
        let codes = [
            opcode::Send::CODE,
            opcode::RecvMulti::CODE,
            opcode::AsyncCancel::CODE,
            opcode::PollAdd::CODE,
            opcode::Read::CODE,
        ];
        if !codes.iter().all(|&c| probe.is_supported(c)) {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "io_uring without send, receive, cancel, poll or read",
            ));
        }
        if !ring.params().is_feature_ext_arg() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "io_uring without timed waits",
            ));
        }
        let bufs = bufs::Bufs::new(&ring)?;
        let batch = batch::Batch::new(ring.params().is_feature_min_timeout());
        let msg_ring = probe.is_supported(opcode::MsgRingData::CODE) && msg_ring();
        let files = files::Files::new(&ring);
        let enter = enter::Enter::new(&ring);
        Ok(Ring {
            ring,
            flights: Slab::new(),
            queued: 0,
            sends_queued: 0,
            send_wait: send_wait(),
            msg_ring,
            shared: false,
            spare: Vec::new(),
            bufs: Some(bufs),
            done: Vec::new(),
            recvs: VecDeque::new(),
            direct_done: Vec::new(),
            wake_fd,
            wake_buf: Box::new(0),
            wake_armed: false,
            epoll_fd,
            epoll_armed: false,
            epoll_ready: false,
            batch,
            files,
            enter,
        })
    }
}
