//! The Merkle tree over the log's entries (RFC 6962 §2.1: a leaf is SHA-256(0x00 || entry), a
//! node SHA-256(0x01 || left || right)), held in memory as the hashes of every complete subtree
//! (the `tlog_tiles` storage order). Roots, inclusion and consistency proofs of any prefix cost
//! O(log n) reads.

use crate::tiles;
use tlog_tiles::{
    check_record, check_tree, prove_record, prove_tree, record_hash, stored_hash_index,
    stored_hashes_for_record_hash, tree_hash, Hash, HashReader, Tile,
};

/// The tree: every stored hash, in storage order.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    stored: Vec<Hash>,
    size: u64,
}

impl HashReader for Tree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.stored.get(i).copied())
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

/// The leaf hash of an entry (RFC 6962: SHA-256(0x00 || entry)).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    record_hash(entry)
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends one entry; returns its index.
    pub fn push(&mut self, entry: &[u8]) -> u64 {
        self.push_leaf(leaf_hash(entry))
    }

    /// Appends one leaf by its hash; returns its index.
    pub fn push_leaf(&mut self, leaf: Hash) -> u64 {
        let n = self.size;
        // Reads only hashes already stored: cannot fail on a tree built by push_leaf alone.
        let hashes = stored_hashes_for_record_hash(n, leaf, self).unwrap_or_default();
        self.stored.extend(hashes);
        self.size += 1;
        n
    }

    /// The leaf hash at `index`.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        if index >= self.size {
            return None;
        }
        self.read_hashes(&[stored_hash_index(0, index)])
            .ok()
            .and_then(|h| h.first().copied())
    }

    /// The root of the first `n` leaves (`n` at most the size).
    pub fn root(&self, n: u64) -> Option<Hash> {
        if n > self.size {
            return None;
        }
        tree_hash(n, self).ok()
    }

    /// Proof that the tree of size `size` holds leaf `index` (RFC 9162 §2.1.3).
    pub fn inclusion(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if index >= size || size > self.size {
            return None;
        }
        prove_record(size, index, self).ok()
    }

    /// Proof that the tree of size `old` is a prefix of the tree of size `new` (RFC 9162 §2.1.4).
    pub fn consistency(&self, old: u64, new: u64) -> Option<Vec<Hash>> {
        if old > new || new > self.size {
            return None;
        }
        if old == new || old == 0 {
            return Some(Vec::new());
        }
        prove_tree(new, old, self).ok()
    }

    /// The bytes of hash tile `(level, n)` of width `width` (c2sp tlog-tiles: the hashes at tree
    /// level `8 * level`, from index `256 * n`).
    pub fn tile(&self, level: u8, n: u64, width: u32) -> Option<Vec<u8>> {
        if width == 0 || u64::from(width) > tiles::WIDTH || level > 7 {
            return None;
        }
        let tile = Tile::new(tiles::HEIGHT, level, n, width, false);
        tile.read_data(self).ok()
    }
}

/// Checks a proof that leaf `leaf` is at `index` of the tree of size `size` with root `root`.
pub fn verify_inclusion(proof: &[Hash], size: u64, root: Hash, index: u64, leaf: Hash) -> bool {
    index < size && check_record(&proof.to_vec(), size, root, index, leaf).is_ok()
}

/// Checks a proof that the tree (`old`, `old_root`) is a prefix of (`new`, `new_root`).
pub fn verify_consistency(
    proof: &[Hash],
    old: u64,
    old_root: Hash,
    new: u64,
    new_root: Hash,
) -> bool {
    if old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    if old == 0 {
        return proof.is_empty();
    }
    check_tree(&proof.to_vec(), new, new_root, old, old_root).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// RFC 6962's recursive definition, written out plainly, to check the stored-hash tree
    /// against.
    fn mth(leaves: &[Vec<u8>]) -> [u8; 32] {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => Sha256::digest([&[0u8][..], &leaves[0]].concat()).into(),
            n => {
                let k = n.next_power_of_two() / 2;
                let (l, r) = leaves.split_at(k);
                Sha256::digest([&[1u8][..], &mth(l), &mth(r)].concat()).into()
            }
        }
    }

    #[test]
    fn roots_and_proofs_agree_with_rfc6962_for_every_prefix() {
        let leaves: Vec<Vec<u8>> = (0..70u32)
            .map(|i| format!("entry {i}").into_bytes())
            .collect();
        let mut tree = Tree::new();
        for l in &leaves {
            tree.push(l);
        }
        for n in 0..=70u64 {
            let root = tree.root(n).unwrap_or_default();
            assert_eq!(root.0, mth(&leaves[..n as usize]), "root of {n}");
            for i in 0..n {
                let proof = tree.inclusion(i, n).unwrap_or_default();
                assert!(verify_inclusion(
                    &proof,
                    n,
                    root,
                    i,
                    leaf_hash(&leaves[i as usize])
                ));
                assert!(!verify_inclusion(&proof, n, root, i, leaf_hash(b"other")));
            }
            for m in 0..=n {
                let proof = tree.consistency(m, n).unwrap_or_default();
                let old = tree.root(m).unwrap_or_default();
                assert!(verify_consistency(&proof, m, old, n, root), "{m} -> {n}");
                if m > 0 && m < n {
                    assert!(!verify_consistency(&proof, m, leaf_hash(b"x"), n, root));
                }
            }
        }
    }
}
