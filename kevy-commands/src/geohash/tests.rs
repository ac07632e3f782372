//! Geohash math tests.
