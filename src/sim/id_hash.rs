//! A fast hash for maps keyed by order id: ids are small sequential
//! integers chosen by the engine, not by an adversary, so one multiply
//! spreads them well enough and costs far less than SipHash.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes one integer key by a multiply (Fibonacci hashing).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A map keyed by order id (or its number).
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_map_keeps_what_is_put_in() {
        let mut map: IdMap<u64, i64> = IdMap::default();
        for id in 1..=1000 {
            map.insert(id, -(id as i64));
        }
        map.remove(&500);
        assert_eq!(map.len(), 999);
        assert_eq!(map.get(&7), Some(&-7));
        assert_eq!(map.get(&500), None);
    }
}
