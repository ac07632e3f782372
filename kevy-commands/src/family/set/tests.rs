//! Set family tests.
