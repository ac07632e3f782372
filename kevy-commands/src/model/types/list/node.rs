//! [`Node`]: one quicklist node, its [`Pack`] raw or LZF-compressed, as
//! Redis keeps the nodes of a list deeper than `list-compress-depth` from
//! either end (`__quicklistCompressNode`): a node of at least
//! [`MIN_COMPRESS_BYTES`] whose compressed form saves at least
//! [`MIN_COMPRESS_IMPROVE`] bytes is stored compressed; any other stays raw.
//!
//! A compressed node knows its entry count and raw size without
//! decompressing, so walking to an index costs nothing; reading its entries
//! decompresses a copy ([`Node::unpacked`]), writing decompresses it in
//! place ([`Node::raw_mut`]) until the list compresses it again.

use std::borrow::Cow;

use super::Pack;
use crate::base::lzf;

/// Redis's `MIN_COMPRESS_BYTES`: smaller nodes are never compressed.
pub const MIN_COMPRESS_BYTES: usize = 48;

/// Redis's `MIN_COMPRESS_IMPROVE`: compression must save at least this.
pub const MIN_COMPRESS_IMPROVE: usize = 8;

/// A list node: raw (`lzf` is `None`), or compressed (`pack` is empty
/// and unallocated, `lzf` holds the entries).
#[derive(Clone, Default)]
pub struct Node {
    pack: Pack,
    lzf: Option<Box<Lzf>>,
}

/// A compressed node: the LZF bytes of a [`Pack`]'s encoded entries, with
/// what reading them needs.
#[derive(Clone)]
pub struct Lzf {
    data: Box<[u8]>,
    raw: u32,
    count: u32,
}

impl Lzf {
    /// The compressed bytes.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Number of entries.
    pub fn count(&self) -> usize {
        self.count as usize
    }

    /// Bytes of the entries uncompressed.
    pub fn raw_len(&self) -> usize {
        self.raw as usize
    }

    /// The pack these bytes came from; an empty pack if they are corrupt
    /// (they never are: only [`Node::compress`] makes them).
    pub fn unpack(&self) -> Pack {
        match lzf::decompress(&self.data, self.raw as usize) {
            Ok(bytes) if bytes.len() == self.raw as usize => {
                Pack::from_bytes(&bytes, self.count as usize)
            }
            _ => {
                debug_assert!(false, "a list node failed to decompress");
                Pack::new()
            }
        }
    }
}

impl From<Pack> for Node {
    fn from(pack: Pack) -> Node {
        Node { pack, lzf: None }
    }
}

impl Node {
    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.lzf {
            None => self.pack.len(),
            Some(z) => z.count as usize,
        }
    }

    /// True when the node holds no entry.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of the entries uncompressed (Redis's `node->sz`).
    #[inline]
    pub fn bytes(&self) -> usize {
        match &self.lzf {
            None => self.pack.bytes(),
            Some(z) => z.raw as usize,
        }
    }

    /// Bytes allocated for the node's contents (compressed ones: the
    /// compressed bytes and their header).
    pub fn capacity(&self) -> usize {
        match &self.lzf {
            None => self.pack.capacity(),
            Some(z) => z.data.len(),
        }
    }

    /// True when the node is stored compressed.
    #[inline]
    pub fn is_compressed(&self) -> bool {
        self.lzf.is_some()
    }

    /// The compressed form, for a compressed node.
    pub fn lzf(&self) -> Option<&Lzf> {
        self.lzf.as_deref()
    }

    /// The raw pack, when the node is raw.
    #[inline]
    pub fn raw(&self) -> Option<&Pack> {
        self.lzf.is_none().then_some(&self.pack)
    }

    /// The entries: borrowed when raw, a decompressed copy otherwise.
    pub fn unpacked(&self) -> Cow<'_, Pack> {
        match &self.lzf {
            None => Cow::Borrowed(&self.pack),
            Some(z) => Cow::Owned(z.unpack()),
        }
    }

    /// The raw pack to change, decompressing the node first if needed
    /// (`quicklistDecompressNodeForUse`; the list compresses it again).
    #[inline]
    pub fn raw_mut(&mut self) -> &mut Pack {
        self.decompress();
        &mut self.pack
    }

    /// Takes the pack out, decompressed.
    pub fn into_pack(self) -> Pack {
        match self.lzf {
            None => self.pack,
            Some(z) => z.unpack(),
        }
    }

    /// Makes the node raw (`__quicklistDecompressNode`).
    #[inline]
    pub fn decompress(&mut self) {
        if let Some(z) = self.lzf.take() {
            self.pack = z.unpack();
        }
    }

    /// Compresses a raw node when it is at least [`MIN_COMPRESS_BYTES`]
    /// and compression saves at least [`MIN_COMPRESS_IMPROVE`] bytes
    /// (`__quicklistCompressNode`); true when it is now compressed.
    pub fn compress(&mut self) -> bool {
        if self.lzf.is_some() {
            return true;
        }
        let sz = self.pack.bytes();
        if sz < MIN_COMPRESS_BYTES {
            return false;
        }
        let (Ok(raw), Ok(count)) = (u32::try_from(sz), u32::try_from(self.pack.len())) else {
            return false;
        };
        // `lzf_compress` into `sz` bytes; kept only if it saves enough.
        match lzf::compress_reusing(self.pack.as_bytes(), sz) {
            Some(c) if c.len() + MIN_COMPRESS_IMPROVE < sz => {
                self.lzf = Some(Box::new(Lzf {
                    data: c.into_boxed_slice(),
                    raw,
                    count,
                }));
                self.pack = Pack::new();
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
