//! Hash family tests.
