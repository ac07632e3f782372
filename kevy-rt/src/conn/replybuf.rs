//! A connection's reply buffer as Redis sizes it: `CLIENT LIST`'s `rbs`
//! (its size) and `rbp` (the most bytes it held at once lately), INFO's
//! `reply_buffer_shrinks` and `reply_buffer_expands`, and the two `DEBUG
//! REPLYBUFFER` knobs ([`Settings::reply_resizing`],
//! [`Settings::reply_peak_reset`]).
//!
//! Redis gives each client a 16 KB buffer for its replies; about once a
//! second (`clientsCronResizeOutputBuffer`) a buffer whose peak stayed
//! under half its size shrinks to the peak (at least 1 KB), and a full one
//! under 16 KB doubles; the peak starts again from the current fill every
//! 5 s. kevy's output buffer is one growable vector, so the size is kept
//! here by the same rule (the vector follows it down when a shrink finds
//! nothing unsent), and the peak is what a flush found queued, up to the
//! size.

use std::time::Instant;

use crate::settings::Settings;

/// The size a buffer starts at and grows to at most (Redis's
/// `PROTO_REPLY_CHUNK_BYTES`).
pub(crate) const CHUNK: usize = 16 * 1024;

/// The size a buffer shrinks to at least (`PROTO_REPLY_MIN_BYTES`).
pub(crate) const MIN: usize = 1024;

/// What a resize pass did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resized {
    Shrunk,
    Grown,
}

/// A connection's reply-buffer size and peak.
#[derive(Debug)]
pub(crate) struct ReplyBuf {
    size: usize,
    peak: usize,
    reset: Instant,
}

impl ReplyBuf {
    /// A new connection's: 16 KB, its peak the whole buffer (as Redis
    /// starts it: no shrink before the first peak reset).
    pub(crate) fn new(now: Instant) -> ReplyBuf {
        ReplyBuf {
            size: CHUNK,
            peak: CHUNK,
            reset: now,
        }
    }

    /// Its size (`rbs`).
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Its peak (`rbp`).
    pub(crate) fn peak(&self) -> usize {
        self.peak
    }

    /// `bytes` are queued for the socket: the peak rises to them, up to
    /// the size.
    #[inline]
    pub(crate) fn fill(&mut self, bytes: usize) {
        let bytes = bytes.min(self.size);
        if bytes > self.peak {
            self.peak = bytes;
        }
    }

    /// The periodic pass (Redis's `clientsCronResizeOutputBuffer`), with
    /// `queued` bytes not yet written: shrinks or grows the size by the
    /// peak, then starts the peak again when its time has come.
    pub(crate) fn resize(
        &mut self,
        now: Instant,
        queued: usize,
        settings: &Settings,
    ) -> Option<Resized> {
        if !settings.reply_resizing() {
            return None;
        }
        let (half, double) = (self.size / 2, self.size * 2);
        let resized = if half >= MIN && self.peak < half {
            self.size = MIN.max(self.peak + 1);
            Some(Resized::Shrunk)
        } else if double < CHUNK * 2 && self.peak == self.size {
            self.size = CHUNK.min(double);
            Some(Resized::Grown)
        } else {
            None
        };
        if let Some(every) = settings.reply_peak_reset() {
            if now.saturating_duration_since(self.reset) >= every {
                self.peak = queued.min(self.size);
                self.reset = now;
            }
        }
        if let Some(r) = resized {
            settings.count_reply_resize(r == Resized::Grown);
        }
        resized
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn an_idle_buffer_shrinks_to_1k_and_a_full_one_doubles_to_16k() {
        let settings = Settings::default();
        settings.set_reply_peak_reset_ms(0);
        let t = Instant::now();
        let mut rb = ReplyBuf::new(t);
        rb.fill(5);
        // A new buffer's peak is its size: kept until the peak starts
        // again (here at once, at the 0 bytes queued).
        assert_eq!(rb.resize(t, 0, &settings), None);
        assert_eq!(rb.peak(), 0);
        rb.fill(5);
        assert_eq!(rb.resize(t, 0, &settings), Some(Resized::Shrunk));
        assert_eq!(rb.size(), MIN);
        assert_eq!(rb.resize(t, 0, &settings), None);
        let mut sizes = Vec::new();
        for _ in 0..6 {
            rb.fill(32 * 1024);
            assert_eq!(rb.peak(), rb.size());
            rb.resize(t, 0, &settings);
            sizes.push(rb.size());
        }
        assert_eq!(sizes, [2048, 4096, 8192, 16384, 16384, 16384]);
        assert_eq!(settings.reply_resizes(), (1, 4));
        // A peak just under half shrinks to the peak plus one.
        rb.fill(8000);
        assert_eq!(rb.resize(t, 0, &settings), Some(Resized::Shrunk));
        assert_eq!(rb.size(), 8001);
    }

    #[test]
    fn the_knobs_stop_resizing_and_keep_the_peak() {
        let settings = Settings::default();
        let t = Instant::now();
        let mut rb = ReplyBuf::new(t);
        settings.set_reply_resizing(false);
        assert_eq!(rb.resize(t + Duration::from_secs(10), 0, &settings), None);
        assert_eq!((rb.size(), rb.peak()), (CHUNK, CHUNK));
        settings.set_reply_resizing(true);
        rb.resize(t + Duration::from_secs(10), 0, &settings);
        settings.set_reply_peak_reset_ms(-1);
        rb.fill(9000);
        // Over half: kept; never reset, so the peak stays.
        assert_eq!(rb.resize(t + Duration::from_secs(10), 0, &settings), None);
        assert_eq!(rb.peak(), 9000);
        // The default: reset after 5 s, to what is queued.
        settings.set_reply_peak_reset_ms(crate::settings::REPLY_PEAK_RESET_MS);
        rb.resize(t + Duration::from_secs(14), 0, &settings);
        assert_eq!(rb.peak(), 9000);
        rb.resize(t + Duration::from_secs(16), 7, &settings);
        assert_eq!(rb.peak(), 7);
    }
}
