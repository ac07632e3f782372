//! memcached end to end: the runtime on 2+ shards on a free port, spoken to
//! over raw sockets, by `pymemcache` (a real memcached client library), and
//! side by side with Debian's real `memcached`.

mod binary;
mod differential;
mod pymemcache;
mod util;
mod wire;
