//! [`Shards`]: a string-keyed map split into many small `HashMap`s, so that no insert ever
//! rehashes the whole map.
//!
//! A `HashMap` grows by doubling: the insert that crosses its capacity moves every entry. At
//! 1,000,000 users that one insert took tens of milliseconds under the tenant's write lock,
//! and every request waiting on the lock stalled with it (POST p99 of 165–230 ms in
//! `examples/load/run.sh`, while p50 was 1 ms). Split into [`SHARDS`] maps chosen by the
//! key's hash, each doubling moves 1/64 of the entries, and the doublings of different shards
//! fall on different inserts.

use std::collections::HashMap;
use std::collections::hash_map::{Entry, RandomState};
use std::hash::BuildHasher;

/// How many maps a [`Shards`] holds: a power of two.
const SHARDS: usize = 64;

/// A map from `String` keys to `V`, split into [`SHARDS`] `HashMap`s (see the module docs).
/// Keys are hashed with SipHash under a random key per map, as std's `HashMap` does.
#[derive(Debug)]
pub(super) struct Shards<V> {
    shards: Box<[HashMap<String, V>]>,
    hasher: RandomState,
}

impl<V> Default for Shards<V> {
    fn default() -> Self {
        Shards {
            shards: (0..SHARDS).map(|_| HashMap::new()).collect(),
            hasher: RandomState::new(),
        }
    }
}

impl<V> Shards<V> {
    fn index(&self, key: &str) -> usize {
        // The high bits: the shard's own map uses the low bits of its (differently keyed)
        // hash, so shards fill evenly either way.
        (self.hasher.hash_one(key) >> 58) as usize % SHARDS
    }

    fn shard(&self, key: &str) -> &HashMap<String, V> {
        &self.shards[self.index(key)]
    }

    fn shard_mut(&mut self, key: &str) -> &mut HashMap<String, V> {
        let i = self.index(key);
        &mut self.shards[i]
    }

    pub(super) fn get(&self, key: &str) -> Option<&V> {
        self.shard(key).get(key)
    }

    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.shard_mut(key).get_mut(key)
    }

    pub(super) fn contains_key(&self, key: &str) -> bool {
        self.shard(key).contains_key(key)
    }

    pub(super) fn insert(&mut self, key: String, value: V) -> Option<V> {
        self.shard_mut(&key).insert(key, value)
    }

    pub(super) fn remove(&mut self, key: &str) -> Option<V> {
        self.shard_mut(key).remove(key)
    }

    pub(super) fn entry(&mut self, key: String) -> Entry<'_, String, V> {
        self.shard_mut(&key).entry(key)
    }

    /// The number of entries (sums the shards).
    pub(super) fn len(&self) -> usize {
        self.shards.iter().map(HashMap::len).sum()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.shards.iter().all(HashMap::is_empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_one_map() {
        let mut m: Shards<usize> = Shards::default();
        let mut reference = HashMap::new();
        for i in 0..5000usize {
            let k = format!("k{}", i * 7 % 3001);
            assert_eq!(m.insert(k.clone(), i), reference.insert(k, i));
        }
        for i in (0..3001usize).step_by(3) {
            let k = format!("k{i}");
            assert_eq!(m.remove(&k), reference.remove(&k));
        }
        *m.entry("new".to_owned()).or_default() += 5;
        *reference.entry("new".to_owned()).or_default() += 5;
        assert_eq!(m.len(), reference.len());
        for (k, v) in &reference {
            assert_eq!(m.get(k), Some(v));
            assert!(m.contains_key(k));
        }
        assert!(m.get("k3").is_none());
        // The keys spread over the shards.
        assert!(m.shards.iter().filter(|s| !s.is_empty()).count() > SHARDS / 2);
        assert!(!m.is_empty());
    }
}
