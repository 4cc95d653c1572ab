//! Which compounds of qualified symbols a segment has (`Index::names_qualified_symbol`),
//! as a Bloom filter of at most 1 MiB. A set of their hashes grew with the workspace (about
//! 12 MB at 655k chunks); a false positive only makes the answer cache treat one more
//! question word as meaningful, which costs a cache hit, never a stale answer.

/// Bits per key below the cap: about 1% false positives with two probes.
const BITS_PER_KEY: usize = 10;
const MAX_BITS: usize = 8 << 20;

pub(super) struct QualifiedFilter {
    bits: Vec<u64>,
    /// `bits.len() * 64 - 1`: the bit count is a power of two.
    mask: u64,
}

impl QualifiedFilter {
    pub(super) fn new(keys: &[u64]) -> QualifiedFilter {
        let wanted = (keys.len() * BITS_PER_KEY).clamp(64, MAX_BITS);
        let bit_count = wanted.next_power_of_two().min(MAX_BITS);
        let mut filter = QualifiedFilter {
            bits: vec![0; bit_count / 64],
            mask: bit_count as u64 - 1,
        };
        for &key in keys {
            for bit in filter.probes(key) {
                filter.bits[(bit / 64) as usize] |= 1 << (bit % 64);
            }
        }
        filter
    }

    /// Two bit positions from the two halves of the (already well mixed) xxh3 hash.
    fn probes(&self, key: u64) -> [u64; 2] {
        [
            key & self.mask,
            ((key >> 32) ^ key.rotate_left(17)) & self.mask,
        ]
    }

    pub(super) fn may_contain(&self, key: u64) -> bool {
        self.probes(key)
            .iter()
            .all(|&bit| self.bits[(bit / 64) as usize] & (1 << (bit % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xxhash_rust::xxh3::xxh3_64;

    #[test]
    fn every_key_is_found_and_few_others_are() {
        let keys: Vec<u64> = (0..10_000)
            .map(|i| xxh3_64(format!("k{i}").as_bytes()))
            .collect();
        let filter = QualifiedFilter::new(&keys);
        assert!(keys.iter().all(|&k| filter.may_contain(k)));
        let false_positives = (0..10_000)
            .filter(|i| filter.may_contain(xxh3_64(format!("other{i}").as_bytes())))
            .count();
        assert!(false_positives < 500, "{false_positives} false positives");
        assert!(!QualifiedFilter::new(&[]).may_contain(keys[0]));
    }
}
