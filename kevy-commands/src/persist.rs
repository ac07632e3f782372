//! Layer 3 (beside the store), persistence: Redis's RDB format ([`rdb`]:
//! the file, its value encodings, DUMP payloads), keys as commands for a
//! RESP AOF base ([`resp`]) and what the server keeps
//! about saving ([`state`]: the save policy, `LASTSAVE`, INFO's `rdb_*`
//! and `loading_*` figures). Imports only [`crate::base`], [`crate::model`]
//! and [`crate::store`]; the commands that save and load live in
//! `family::persist`.

pub mod rdb;
pub mod resp;
pub mod state;
