//! Entering the kernel through the ring's registered index: the ring's
//! descriptor is registered with the shard's thread
//! (`IORING_REGISTER_RING_FDS`), and each `io_uring_enter` names the
//! index (`IORING_ENTER_REGISTERED_RING`), so the kernel does not look the
//! descriptor up and take a reference to the ring's file at every call (a
//! file whose count the peers' wake-up messages touch from the other
//! core). The `io-uring` crate keeps such an index only in a `Submitter`
//! borrowed from the ring, so the system call is made here. Where the
//! kernel refuses the registration the descriptor is used.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use io_uring::IoUring;

const IORING_ENTER_GETEVENTS: u32 = 1;
const IORING_ENTER_EXT_ARG: u32 = 8;
const IORING_ENTER_REGISTERED_RING: u32 = 16;
const IORING_REGISTER_RING_FDS: u32 = 20;
const IORING_UNREGISTER_RING_FDS: u32 = 21;

/// `struct io_uring_rsrc_update`.
#[repr(C)]
struct RsrcUpdate {
    offset: u32,
    resv: u32,
    data: u64,
}

/// `struct __kernel_timespec`.
#[repr(C)]
struct KernelTimespec {
    sec: i64,
    nsec: i64,
}

/// `struct io_uring_getevents_arg`.
#[repr(C)]
struct GeteventsArg {
    sigmask: u64,
    sigmask_sz: u32,
    min_wait_usec: u32,
    ts: u64,
}

/// How this thread names its ring to `io_uring_enter`.
pub(super) struct Enter {
    /// The registered index, or the descriptor.
    fd: RawFd,
    registered: bool,
}

fn register(fd: RawFd, op: u32, arg: &mut RsrcUpdate) -> io::Result<()> {
    // SAFETY: `arg` is one live, writable `io_uring_rsrc_update`, as the
    // operation's count (1) says; the kernel reads and writes only it.
    let r = unsafe {
        libc::syscall(
            libc::SYS_io_uring_register,
            fd,
            op,
            arg as *mut RsrcUpdate,
            1u32,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

impl Enter {
    /// Registers `ring`'s descriptor with the calling thread (which must
    /// be the one entering it, and dropping it: [`Enter::unregister`]).
    pub(super) fn new(ring: &IoUring) -> Enter {
        let fd = ring.as_raw_fd();
        let off = std::env::var("KEVY_URING_REG_RING").is_ok_and(|v| v == "0");
        let mut up = RsrcUpdate {
            offset: u32::MAX,
            resv: 0,
            data: fd as u64,
        };
        if !off && register(fd, IORING_REGISTER_RING_FDS, &mut up).is_ok() {
            Enter {
                fd: up.offset as RawFd,
                registered: true,
            }
        } else {
            Enter {
                fd,
                registered: false,
            }
        }
    }

    /// Gives the thread's registration back (the ring is going; the
    /// registration would keep it open until the thread ends).
    pub(super) fn unregister(&mut self, ring: &IoUring) {
        if self.registered {
            let mut up = RsrcUpdate {
                offset: self.fd as u32,
                resv: 0,
                data: 0,
            };
            let _ = register(ring.as_raw_fd(), IORING_UNREGISTER_RING_FDS, &mut up);
            self.registered = false;
            self.fd = ring.as_raw_fd();
        }
    }

    /// `io_uring_enter`: submits what is queued in `ring` and waits for
    /// `want` completions (none: no wait), for at most `wait`'s timeout
    /// (after `wait`'s µs of asking for `want`, for one). Runs the task work
    /// owed to this thread when asked to wait or when the kernel flagged
    /// some (`IORING_SQ_TASKRUN`, or an overflowed completion queue), as
    /// the crate's `submit_with_args` does.
    pub(super) fn enter(
        &self,
        ring: &mut IoUring,
        want: u32,
        wait: Option<(Duration, u32)>,
    ) -> io::Result<usize> {
        let (to_submit, owed) = {
            let sq = ring.submission();
            (sq.len() as u32, sq.taskrun() || sq.cq_overflow())
        };
        let mut flags = 0;
        if want > 0 || owed {
            flags |= IORING_ENTER_GETEVENTS;
        }
        if self.registered {
            flags |= IORING_ENTER_REGISTERED_RING;
        }
        let ts;
        let arg;
        let (argp, argsz) = match wait {
            Some((timeout, min_wait_usec)) => {
                ts = KernelTimespec {
                    sec: timeout.as_secs() as i64,
                    nsec: timeout.subsec_nanos() as i64,
                };
                arg = GeteventsArg {
                    sigmask: 0,
                    sigmask_sz: 0,
                    min_wait_usec,
                    ts: &ts as *const KernelTimespec as u64,
                };
                flags |= IORING_ENTER_EXT_ARG;
                (
                    &arg as *const GeteventsArg as *const libc::c_void,
                    std::mem::size_of::<GeteventsArg>(),
                )
            }
            None => (std::ptr::null(), 0),
        };
        // SAFETY: `argp`, when not null, points at a live
        // `io_uring_getevents_arg` of `argsz` bytes whose `ts` points at a
        // live `__kernel_timespec`; both outlive the call. The entries
        // submitted are the ring's, pushed under `Ring::push_entry`'s
        // invariant.
        let r = unsafe {
            libc::syscall(
                libc::SYS_io_uring_enter,
                self.fd,
                to_submit,
                want,
                flags,
                argp,
                argsz,
            )
        };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(r as usize)
        }
    }
}
