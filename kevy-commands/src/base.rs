//! Layer 1, primitives: what every other layer uses and that uses nothing
//! of the crate above it. Byte strings ([`bytes`]), integers and `long double` arithmetic ([`num`]),
//! doubles through the C library ([`float`]), the RESP writer ([`resp`]),
//! errors as values ([`error`]), clocks ([`clock`]), the one pseudo-random
//! generator ([`random`]), Redis's glob matcher ([`glob`]), process
//! figures from the OS and allocator ([`sys`]), the latency histogram
//! ([`hist`]) the sparkline renderer ([`sparkline`]), Redis's LZF
//! compressor ([`lzf`]), Redis's quoting of bytes ([`text`]) and the
//! embedder's log sink ([`log`]).

pub mod bytes;
pub mod clock;
pub mod cpus;
pub mod error;
pub mod float;
pub mod glob;
pub mod hist;
pub mod log;
pub mod lzf;
pub mod num;
pub mod pqsort;
pub mod random;
pub mod resp;
pub mod sha256;
pub mod sparkline;
pub mod sys;
pub mod text;
