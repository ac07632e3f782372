//! The Redis command set for kevy-rt (work in progress).
