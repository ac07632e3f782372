//! Users and their permissions (Redis 7.0's ACL): the user model and its
//! rules ([`user`]), their description as rules ([`describe`]), the
//! permission check ([`check`]), the ACL log ([`log`]) and the server-wide
//! store every shard reads without a lock ([`store`]). The commands as the
//! rules name them come from the command table above ([`commands`]).

pub mod check;
pub mod commands;
pub mod describe;
pub mod log;
pub mod store;
pub mod user;

pub use store::{Acl, Cache, Users};
pub use user::User;

/// The key-spec flag bits the check reads (the same as
/// `family::spec::key_flags`, a layer above; a test keeps them equal).
pub mod key_flags {
    /// Returns, copies or uses user data from the value.
    pub const ACCESS: u32 = 1 << 4;
    /// Updates the value.
    pub const UPDATE: u32 = 1 << 5;
    /// Adds data to the value.
    pub const INSERT: u32 = 1 << 6;
    /// Deletes data from the value.
    pub const DELETE: u32 = 1 << 7;
    /// Not a key.
    pub const NOT_KEY: u32 = 1 << 8;
}

#[cfg(test)]
mod tests;
