//! GEO command tests.
