//! How a script's reply's errors are counted ([`ErrorCounts`]).

/// How the errors in a script's reply are counted, as Redis's
/// `afterErrorReply` counts them: an error table its call counted already
/// (it carries Redis's `ignore_error_stats_update` field) makes the script a failed call without
/// counting the error again; any other error nested in the reply is
/// counted (the top-level one is counted with the call itself).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ErrorCounts {
    /// The reply itself is such an error table.
    pub top: bool,
    /// Nested error tables counted already.
    pub nested_counted: u32,
    /// Nested errors to count (`-CODE msg` lines).
    pub nested: Vec<Vec<u8>>,
}

impl ErrorCounts {
    /// Nothing to adjust.
    pub fn is_empty(&self) -> bool {
        !self.top && self.nested_counted == 0 && self.nested.is_empty()
    }
}
