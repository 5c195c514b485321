//! [`ValueIndex`]: value → position for a member-like multi-valued attribute, so that adding
//! or removing one member of a large group costs O(1) instead of a scan.

use std::hash::BuildHasher;
use std::sync::LazyLock;

use hashbrown::HashTable;
use scim_core::Resource;
use serde_json::Value;

use crate::select::key_of;

/// An index of a member-like multi-valued attribute (group `members`, or any multi-valued
/// complex attribute with `value` and `$ref` sub-attributes): each value's `value` string →
/// its position in the array.
///
/// A store that keeps resources in memory can keep one index per large group beside the
/// resource and pass both to [`Patch::apply_indexed`](crate::Patch::apply_indexed): duplicate
/// checks on `add`, and removals by `members[value eq "…"]` or by a value list, become hash
/// lookups, and the index is updated in place. Without an index,
/// [`Patch::apply`](crate::Patch::apply) scans the array (or builds a throwaway index when one
/// operation adds or removes several values).
///
/// The index checks itself cheaply on every use (its length against the array's, and the
/// position it finds against the value stored there) and rebuilds itself when the resource was
/// changed behind its back, so a stale index costs time, never correctness. After a failed
/// PATCH it is marked stale and rebuilt on next use.
///
/// ```
/// use scim_core::{Resource, ResourceType, message::PatchRequest};
/// use scim_patch::{Patch, PatchOptions, ValueIndex};
/// use serde_json::json;
///
/// let groups = ResourceType::group();
/// let mut group = Resource::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
///     "displayName": "Tour Guides",
///     "members": [{"value": "a"}, {"value": "b"}]
/// }))?;
/// let mut index = ValueIndex::new(&group, "members");
/// assert!(index.contains(&group, "a") && !index.contains(&group, "c"));
///
/// let req: PatchRequest = serde_json::from_value(json!({
///     "Operations": [{"op": "add", "path": "members", "value": [{"value": "c"}, {"value": "a"}]}]
/// }))?;
/// let patch = Patch::parse(&req, &groups, &PatchOptions::default())?;
/// let outcome = patch.apply_indexed(&mut group, &mut index)?;
/// assert_eq!(outcome.delta("members").map(|d| d.added().len()), Some(1)); // "a" was already there
/// assert!(index.contains(&group, "c"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ValueIndex {
    extension: Option<String>,
    attribute: String,
    /// `(hash of the value's id, its position)`: the ids themselves stay in the array, so
    /// building the index allocates nothing per member (a `HashMap<String, usize>` copied
    /// every id: a third of the cost of replacing a 100-member group). Hashes are SipHash
    /// with a random key, so clients cannot aim at collisions; equal hashes are checked
    /// against the array.
    positions: HashTable<(u64, usize)>,
    /// The array length when the index was last in sync.
    len: usize,
    /// The array holds the same `value` twice: lookups cannot find every copy.
    duplicates: bool,
    /// Must be rebuilt before use.
    stale: bool,
}

/// One random SipHash key per process, so that two indexes of one array are comparable.
static HASHER: LazyLock<std::collections::hash_map::RandomState> =
    LazyLock::new(std::collections::hash_map::RandomState::new);

fn hash(id: &str) -> u64 {
    HASHER.hash_one(id)
}

/// Two indexes are equal when they index the same attribute the same way (same ids at the
/// same positions, same state).
impl PartialEq for ValueIndex {
    fn eq(&self, other: &Self) -> bool {
        let sorted = |t: &HashTable<(u64, usize)>| {
            let mut v: Vec<(u64, usize)> = t.iter().copied().collect();
            v.sort_unstable();
            v
        };
        self.extension == other.extension
            && self.attribute == other.attribute
            && self.len == other.len
            && self.duplicates == other.duplicates
            && self.stale == other.stale
            && sorted(&self.positions) == sorted(&other.positions)
    }
}

impl Eq for ValueIndex {}

impl ValueIndex {
    /// Indexes the core (top-level) attribute `attribute` of `resource`, e.g. `"members"`.
    /// The name must be canonical (as stored).
    pub fn new(resource: &Resource, attribute: &str) -> Self {
        Self::build(resource, None, attribute)
    }

    /// Indexes the attribute `attribute` of the extension `urn` (stored under
    /// `resource[urn][attribute]`). Names must be canonical.
    pub fn for_extension(resource: &Resource, urn: &str, attribute: &str) -> Self {
        Self::build(resource, Some(urn), attribute)
    }

    fn build(resource: &Resource, urn: Option<&str>, attribute: &str) -> Self {
        let mut index = ValueIndex {
            extension: urn.map(str::to_owned),
            attribute: attribute.to_owned(),
            positions: HashTable::new(),
            len: 0,
            duplicates: false,
            stale: true,
        };
        index.rebuild(resource);
        index
    }

    /// An index for this attribute that knows nothing yet (rebuilt on first use).
    pub(crate) fn empty_for(ext: Option<&str>, attribute: &str) -> Self {
        ValueIndex {
            extension: ext.map(str::to_owned),
            attribute: attribute.to_owned(),
            positions: HashTable::new(),
            len: 0,
            duplicates: false,
            stale: true,
        }
    }

    /// Rebuilds the index from the resource (O(n)).
    pub fn rebuild(&mut self, resource: &Resource) {
        let arr = match &self.extension {
            Some(urn) => resource.get(urn).and_then(|e| e.get(&self.attribute)),
            None => resource.get(&self.attribute),
        };
        let empty = Vec::new();
        let items = arr.and_then(Value::as_array).unwrap_or(&empty);
        self.sync_from(items);
    }

    /// The canonical name of the indexed attribute.
    pub fn attribute(&self) -> &str {
        &self.attribute
    }

    /// The extension URN the attribute belongs to, `None` for a core attribute.
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }

    /// Whether `resource` (the one indexed) holds a value with this `value` (compared
    /// exactly). Answers from the index, checked against the resource's array.
    pub fn contains(&self, resource: &Resource, value: &str) -> bool {
        let arr = match &self.extension {
            Some(urn) => resource.get(urn).and_then(|e| e.get(&self.attribute)),
            None => resource.get(&self.attribute),
        };
        let items = arr.and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        if self.stale || self.len != items.len() {
            return items.iter().any(|v| key_of(v) == Some(value));
        }
        self.lookup(items, value).is_some()
    }

    /// The number of distinct `value`s indexed.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// Whether no value is indexed.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Whether this index is for the attribute at this place.
    pub(crate) fn is_for(&self, ext: Option<&str>, attribute: &str) -> bool {
        self.extension.as_deref() == ext && self.attribute == attribute
    }

    /// Rebuilds from the array if the index is stale or out of step with it.
    pub(crate) fn sync(&mut self, items: &[Value]) {
        if self.stale || self.len != items.len() {
            self.sync_from(items);
        }
    }

    fn sync_from(&mut self, items: &[Value]) {
        self.positions.clear();
        self.positions.reserve(items.len(), |e| e.0);
        self.duplicates = false;
        for (pos, item) in items.iter().enumerate() {
            if let Some(k) = key_of(item) {
                let h = hash(k);
                if self.lookup_hashed(items, h, k).is_some() {
                    self.duplicates = true;
                } else {
                    self.positions.insert_unique(h, (h, pos), |e| e.0);
                }
            }
        }
        self.len = items.len();
        self.stale = false;
    }

    /// The position the index holds for `key`, checked against `items`.
    fn lookup(&self, items: &[Value], key: &str) -> Option<usize> {
        self.lookup_hashed(items, hash(key), key)
    }

    fn lookup_hashed(&self, items: &[Value], h: u64, key: &str) -> Option<usize> {
        self.positions
            .find(h, |&(eh, p)| {
                eh == h && items.get(p).and_then(key_of) == Some(key)
            })
            .map(|&(_, p)| p)
    }

    /// Whether lookups find every value with a key (false when the array holds duplicates).
    pub(crate) fn is_exact(&self) -> bool {
        !self.duplicates && !self.stale
    }

    /// The position of the value with this key, verified against the array. Rebuilds once if the
    /// index disagrees with the array.
    pub(crate) fn find(&mut self, items: &[Value], key: &str) -> Option<usize> {
        self.sync(items);
        let h = hash(key);
        let &(_, pos) = self.positions.find(h, |&(eh, _)| eh == h)?;
        if items.get(pos).and_then(key_of) == Some(key) {
            return Some(pos);
        }
        // The array changed behind the index's back.
        self.sync_from(items);
        self.lookup_hashed(items, h, key)
    }

    /// Adds `(hash, pos)`, or marks duplicates when an entry with that hash exists (with a
    /// keyed 64-bit hash, almost surely the same id; either way lookups fall back to scans).
    fn add(&mut self, h: u64, pos: usize) {
        if self.positions.find(h, |&(eh, _)| eh == h).is_some() {
            self.duplicates = true;
        } else {
            self.positions.insert_unique(h, (h, pos), |e| e.0);
        }
    }

    /// Removes the entry `(hash, pos)`, if there is one.
    fn take(&mut self, h: u64, pos: usize) {
        if let Ok(e) = self.positions.find_entry(h, |&(eh, p)| eh == h && p == pos) {
            e.remove();
        }
    }

    /// Records that `item` was pushed at `pos` (the array is now `pos + 1` long).
    pub(crate) fn pushed(&mut self, item: &Value, pos: usize) {
        if let Some(k) = key_of(item) {
            self.add(hash(k), pos);
        }
        self.len = pos + 1;
    }

    /// Records that the value at `pos` was removed with `swap_remove`; `items` is the array
    /// after the removal and `removed` the value taken out.
    pub(crate) fn swap_removed(&mut self, items: &[Value], pos: usize, removed: &Value) {
        if self.duplicates {
            self.stale = true;
            return;
        }
        if let Some(k) = key_of(removed) {
            self.take(hash(k), pos);
        }
        // The last value moved into `pos`.
        if let Some(moved) = items.get(pos).and_then(key_of) {
            let h = hash(moved);
            self.take(h, items.len());
            self.add(h, pos);
        }
        self.len = items.len();
    }

    /// Records that the value at `pos` was replaced: `old` by `new`.
    pub(crate) fn replaced(&mut self, pos: usize, old: &Value, new: &Value) {
        if self.duplicates {
            self.stale = true;
            return;
        }
        if let Some(k) = key_of(old) {
            self.take(hash(k), pos);
        }
        if let Some(k) = key_of(new) {
            self.add(hash(k), pos);
        }
    }

    /// Whether the index must be rebuilt before it can be trusted.
    pub(crate) fn is_stale(&self) -> bool {
        self.stale
    }

    /// Marks the index for a rebuild before its next use.
    pub(crate) fn invalidate(&mut self) {
        self.stale = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn group(n: usize) -> Resource {
        let members: Vec<Value> = (0..n).map(|i| json!({"value": format!("m{i}")})).collect();
        Resource::from_value(json!({"members": members})).unwrap()
    }

    #[test]
    fn finds_and_follows_swap_removes() {
        let g = group(5);
        let mut idx = ValueIndex::new(&g, "members");
        let mut items = g.get("members").unwrap().as_array().unwrap().clone();
        assert_eq!(idx.find(&items, "m1"), Some(1));
        let removed = items.swap_remove(1);
        idx.swap_removed(&items, 1, &removed);
        assert_eq!(idx.find(&items, "m4"), Some(1));
        assert!(idx.lookup(&items, "m1").is_none());
        assert_eq!(idx.len(), 4);
    }

    #[test]
    fn repairs_itself_when_out_of_step() {
        let g = group(3);
        let mut idx = ValueIndex::new(&g, "members");
        let items = vec![
            json!({"value": "m2"}),
            json!({"value": "m0"}),
            json!({"value": "m1"}),
        ];
        assert_eq!(idx.find(&items, "m2"), Some(0));
        idx.invalidate();
        assert_eq!(idx.find(&items, "m1"), Some(2));
    }

    #[test]
    fn notices_duplicates() {
        let g = Resource::from_value(
            json!({"members": [{"value": "a"}, {"value": "a"}, {"display": "x"}]}),
        )
        .unwrap();
        let idx = ValueIndex::new(&g, "members");
        assert!(!idx.is_exact());
        assert_eq!(idx.len(), 1);
    }
}
