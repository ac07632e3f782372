//! kevy-server integration tests.
