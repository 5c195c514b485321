//! The undo journal of an apply: what was changed, how to take it back, and what changed in
//! the end.
//!
//! Every change is recorded before it is made, and a failure replays the journal backwards, so
//! the resource ends up exactly as it was (RFC 7644 §3.5.2: "all or none"). What is recorded
//! depends on the attribute:
//!
//! - most attributes are small: the first time a step touches one, its old value is copied
//!   (a *snapshot*), and undo puts it back;
//! - member-like attributes (group `members`) can be huge, so they are never copied: each append
//!   records the length to truncate back to, each removal records the value and its position to
//!   reinsert, each in-place edit records the old value of that one element, and a wholesale
//!   replacement moves (not copies) the old array into the journal.
//!
//! Changes are detected as they happen: a snapshot is compared with the final value, and
//! member-like attributes keep a net delta of the values added and removed. [`Session::commit`]
//! turns both into a [`PatchOutcome`].

use std::collections::HashMap;
use std::sync::LazyLock;

use scim_core::ResourceType;
use serde_json::{Map, Value};

use crate::error::{At, PatchError};
use crate::index::ValueIndex;
use crate::op::{Slot, canonical, kind};
use crate::options::PatchOptions;
use crate::outcome::{MultiValuedDelta, PatchOutcome};
use crate::select::{TempMap, key_of};

/// Whether `serde_json::Map` keeps insertion order (the `preserve_order` feature, which a host
/// may turn on): then undo must also restore the order of keys.
static PRESERVES_ORDER: LazyLock<bool> = LazyLock::new(|| {
    let mut m = Map::new();
    m.insert("b".to_owned(), Value::Null);
    m.insert("a".to_owned(), Value::Null);
    m.keys().next().is_some_and(|k| k == "b")
});

/// A top-level attribute's place: `map[name]` or `map[ext][name]`.
#[derive(Debug, Clone, Copy, Eq)]
pub(crate) struct Key<'p> {
    pub(crate) ext: Option<&'p str>,
    pub(crate) name: &'p str,
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        // Names usually come from the same schema definition: compare addresses first.
        fn same(a: &str, b: &str) -> bool {
            std::ptr::eq(a, b) || a == b
        }
        same(self.name, other.name)
            && match (self.ext, other.ext) {
                (None, None) => true,
                (Some(a), Some(b)) => same(a, b),
                _ => false,
            }
    }
}

impl<'p> Key<'p> {
    pub(crate) fn of(slot: &Slot<'p>) -> Self {
        Key {
            ext: slot.ext,
            name: &slot.attr.name,
        }
    }
}

/// One undo record.
#[derive(Debug)]
pub(crate) enum Undo<'p> {
    /// Put the attribute back to `old` (`None`: remove it).
    Slot { key: Key<'p>, old: Option<Value> },
    /// Put a top-level key (an extension object, `schemas`) back to `old`.
    Top { key: &'p str, old: Option<Value> },
    /// Truncate the array back to `len`.
    Truncate { key: Key<'p>, len: usize },
    /// Undo a `swap_remove(pos)` that took out `value`.
    Reinsert {
        key: Key<'p>,
        pos: usize,
        value: Value,
    },
    /// Put the element at `pos` back to `old`.
    Element {
        key: Key<'p>,
        pos: usize,
        old: Value,
    },
}

/// What is known about an attribute this patch touched.
#[derive(Debug)]
pub(crate) struct Track<'p> {
    key: Key<'p>,
    /// For snapshotted attributes: the journal index of the snapshot.
    pub(crate) snapshot: Option<usize>,
    /// For member-like attributes (boxed: most tracked attributes have none).
    delta: Option<Box<Delta>>,
}

/// The net change to a member-like attribute.
///
/// Single adds and removals are recorded as they happen (ids only for adds; removals keep the
/// value, to tell whether a re-add changes it). A wholesale replacement records nothing per
/// value: it marks the journal entry holding the array it replaced (`base`), and
/// [`Session::commit`] compares that array with the final one. Recording each member of a
/// replaced 100-member group would copy it twice more.
#[derive(Debug, Default)]
pub(crate) struct Delta {
    added: Vec<String>,
    added_at: HashMap<String, usize>,
    removed: Vec<(String, Value)>,
    removed_at: HashMap<String, usize>,
    pub(crate) rewritten: bool,
    /// The journal index of the `Undo::Slot` holding the array as it was before the first
    /// wholesale replacement; from then on the net change is found at commit.
    base: Option<usize>,
}

impl Delta {
    pub(crate) fn add(&mut self, value: &Value) {
        if self.base.is_some() {
            return;
        }
        let Some(k) = key_of(value) else {
            self.rewritten = true;
            return;
        };
        if let Some(pos) = self.removed_at.remove(k) {
            let old = take_at(&mut self.removed, &mut self.removed_at, pos, |(k, _)| k);
            if old.map(|(_, v)| v).as_ref() != Some(value) {
                self.rewritten = true;
            }
            return;
        }
        self.added_at.insert(k.to_owned(), self.added.len());
        self.added.push(k.to_owned());
    }

    pub(crate) fn remove(&mut self, value: &Value) {
        if self.base.is_some() {
            return;
        }
        let Some(k) = key_of(value) else {
            self.rewritten = true;
            return;
        };
        if let Some(pos) = self.added_at.remove(k) {
            take_at(&mut self.added, &mut self.added_at, pos, String::as_str);
            return;
        }
        self.removed_at.insert(k.to_owned(), self.removed.len());
        self.removed.push((k.to_owned(), value.clone()));
    }

    /// Marks a wholesale replacement whose old array is (will be) the journal entry `at`;
    /// only the first one counts.
    pub(crate) fn replaced(&mut self, at: usize) {
        self.base.get_or_insert(at);
    }

    /// The net ids added and removed, and whether values were rewritten, given the journal
    /// and the attribute's final values. The ids removed by a wholesale replacement are moved
    /// out of the journal (the apply succeeded: it will not be replayed).
    fn finish(self, journal: &mut [Undo<'_>], now: &[Value]) -> (Vec<String>, Vec<String>, bool) {
        let Some(at) = self.base else {
            let removed = self.removed.into_iter().map(|(k, _)| k).collect();
            return (self.added, removed, self.rewritten);
        };
        let before: &mut [Value] = match journal.get_mut(at) {
            Some(Undo::Slot {
                old: Some(Value::Array(v)),
                ..
            }) => v,
            _ => &mut [],
        };
        let mut rewritten = self.rewritten;
        // Nothing else happened and the array came back the same: no change.
        if self.added.is_empty() && self.removed.is_empty() && *before == *now {
            return (Vec::new(), Vec::new(), rewritten);
        }
        // Each final value by id, and whether it was there at the start.
        let mut current: TempMap<&str, (&Value, bool)> =
            TempMap::with_capacity_and_hasher(now.len(), Default::default());
        for v in now {
            match key_of(v) {
                Some(k) => {
                    current.entry(k).or_insert((v, false));
                }
                None => rewritten = true,
            }
        }
        // The values at the start: the array the first replacement took, without what was
        // added before it, with what was removed before it.
        let mut gone = Vec::new(); // positions in `before`
        let mut removed = Vec::new();
        for (pos, v) in before.iter().enumerate() {
            let Some(k) = key_of(v) else {
                rewritten = true;
                continue;
            };
            if self.added_at.contains_key(k) {
                continue;
            }
            match current.get_mut(k) {
                Some((now, seen)) => {
                    rewritten |= *now != v;
                    *seen = true;
                }
                None => gone.push(pos),
            }
        }
        for (k, v) in self.removed {
            match current.get_mut(k.as_str()) {
                Some((now, seen)) => {
                    rewritten |= *now != &v;
                    *seen = true;
                }
                None => removed.push(k),
            }
        }
        let added = now
            .iter()
            .filter_map(key_of)
            .filter(|k| current.get(k).is_some_and(|(_, seen)| !seen))
            .map(str::to_owned)
            .collect();
        for pos in gone {
            if let Some(Value::Object(m)) = before.get_mut(pos)
                && let Some(Value::String(id)) = m.remove("value")
            {
                removed.push(id);
            }
        }
        (added, removed, rewritten)
    }
}

/// `swap_remove` in a delta list, keeping its position map right. `pos`'s key is already out
/// of the map.
fn take_at<T>(
    list: &mut Vec<T>,
    at: &mut HashMap<String, usize>,
    pos: usize,
    key: impl Fn(&T) -> &str,
) -> Option<T> {
    if pos >= list.len() {
        return None;
    }
    let v = list.swap_remove(pos);
    if let Some(moved) = list.get(pos).map(&key)
        && let Some(p) = at.get_mut(moved)
    {
        *p = pos;
    }
    Some(v)
}

/// One apply in progress: the resource, the journal, and what is known of each attribute
/// touched.
pub(crate) struct Session<'r, 'i, 'p> {
    pub(crate) map: &'r mut Map<String, Value>,
    pub(crate) journal: Vec<Undo<'p>>,
    pub(crate) tracks: Vec<Track<'p>>,
    /// Key orders saved before the first structural change of a container (only when the map
    /// preserves insertion order).
    pub(crate) orders: Vec<(Option<&'p str>, Vec<String>)>,
    pub(crate) index: Option<&'i mut ValueIndex>,
    pub(crate) index_touched: bool,
    pub(crate) temp: Vec<ValueIndex>,
    pub(crate) create_on_miss: bool,
    pub(crate) idempotent_remove: bool,
    pub(crate) ty: &'p ResourceType,
}

// ----------------------------------------------------------------------------------------
// Raw access
// ----------------------------------------------------------------------------------------

pub(crate) fn get<'m>(map: &'m Map<String, Value>, key: Key<'_>) -> Option<&'m Value> {
    match key.ext {
        Some(urn) => map.get(urn)?.as_object()?.get(key.name),
        None => map.get(key.name),
    }
}

pub(crate) fn get_mut<'m>(map: &'m mut Map<String, Value>, key: Key<'_>) -> Option<&'m mut Value> {
    match key.ext {
        Some(urn) => map.get_mut(urn)?.as_object_mut()?.get_mut(key.name),
        None => map.get_mut(key.name),
    }
}

/// Sets or removes an attribute without journaling (used by undo and after journaling).
pub(crate) fn put(map: &mut Map<String, Value>, key: Key<'_>, value: Option<Value>) {
    let container = match key.ext {
        Some(urn) => {
            if value.is_none() && !map.contains_key(urn) {
                return;
            }
            let slot = map
                .entry(urn.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            match slot.as_object_mut() {
                Some(m) => m,
                None => return,
            }
        }
        None => map,
    };
    match value {
        Some(v) => {
            container.insert(key.name.to_owned(), v);
        }
        None => {
            container.remove(key.name);
        }
    }
}

pub(crate) fn put_top(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(v) => {
            map.insert(key.to_owned(), v);
        }
        None => {
            map.remove(key);
        }
    }
}

pub(crate) fn array_mut<'m>(
    map: &'m mut Map<String, Value>,
    key: Key<'_>,
) -> Option<&'m mut Vec<Value>> {
    get_mut(map, key)?.as_array_mut()
}

impl<'r, 'i, 'p> Session<'r, 'i, 'p> {
    /// Starts an apply on `map`, with the caller's index of a member-like attribute if any.
    pub(crate) fn new(
        map: &'r mut Map<String, Value>,
        index: Option<&'i mut ValueIndex>,
        ty: &'p ResourceType,
        opts: &PatchOptions,
        steps: usize,
    ) -> Self {
        Session {
            map,
            journal: Vec::with_capacity(steps.min(8)),
            tracks: Vec::with_capacity(steps),
            orders: Vec::new(),
            index,
            index_touched: false,
            temp: Vec::new(),
            create_on_miss: opts.create_on_filter_miss,
            idempotent_remove: opts.idempotent_remove,
            ty,
        }
    }
}

impl<'p> Session<'_, '_, 'p> {
    // ------------------------------------------------------------------------------------
    // Journal and tracking
    // ------------------------------------------------------------------------------------

    pub(crate) fn track(&mut self, key: Key<'p>) -> &mut Track<'p> {
        let pos = match self.tracks.iter().position(|t| t.key == key) {
            Some(p) => p,
            None => {
                self.tracks.push(Track {
                    key,
                    snapshot: None,
                    delta: None,
                });
                self.tracks.len() - 1
            }
        };
        &mut self.tracks[pos]
    }

    /// Copies the attribute's current value into the journal, once per attribute.
    pub(crate) fn snapshot(&mut self, key: Key<'p>) {
        if self.track(key).snapshot.is_some() {
            return;
        }
        let old = get(self.map, key).cloned();
        self.save_order(key.ext);
        self.journal.push(Undo::Slot { key, old });
        let at = self.journal.len() - 1;
        self.track(key).snapshot = Some(at);
    }

    /// Starts tracking a member-like attribute (no copy).
    pub(crate) fn begin_keyed(&mut self, key: Key<'p>) {
        let t = self.track(key);
        if t.delta.is_none() {
            t.delta = Some(Box::default());
        }
        if self
            .index
            .as_deref()
            .is_some_and(|i| i.is_for(key.ext, key.name))
        {
            self.index_touched = true;
        }
    }

    pub(crate) fn delta(&mut self, key: Key<'p>) -> &mut Delta {
        self.track(key).delta.get_or_insert_with(Box::default)
    }

    /// Saves the key order of a container before its first structural change, when the map
    /// type preserves insertion order (else undo restores order by itself).
    pub(crate) fn save_order(&mut self, ext: Option<&'p str>) {
        if !*PRESERVES_ORDER {
            return;
        }
        for scope in [None, ext] {
            if self.orders.iter().any(|(e, _)| *e == scope) {
                continue;
            }
            let keys = match scope {
                None => self.map.keys().cloned().collect(),
                Some(urn) => match self.map.get(urn).and_then(Value::as_object) {
                    Some(obj) => obj.keys().cloned().collect(),
                    None => Vec::new(),
                },
            };
            self.orders.push((scope, keys));
        }
    }

    /// Makes sure the extension object exists (its URN goes into `schemas` at commit, if the
    /// object is still there).
    pub(crate) fn ensure_container(
        &mut self,
        at: &At,
        ext: Option<&'p str>,
    ) -> Result<(), PatchError> {
        let Some(urn) = ext else {
            return Ok(());
        };
        match self.map.get(urn) {
            Some(Value::Object(_)) => {}
            Some(other) => {
                return Err(at.invalid_value(format!(
                    "the stored extension {urn} is {}, not an object",
                    kind(other)
                )));
            }
            None => {
                self.save_order(None);
                self.journal.push(Undo::Top {
                    key: urn,
                    old: None,
                });
                self.map.insert(urn.to_owned(), Value::Object(Map::new()));
            }
        }
        Ok(())
    }

    /// Adds the extension URN to `schemas` (RFC 7643 §3) if missing.
    pub(crate) fn sync_schemas(&mut self, urn: &'p str) {
        let present = self
            .map
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| {
                s.iter()
                    .any(|v| v.as_str().is_some_and(|x| x.eq_ignore_ascii_case(urn)))
            });
        if present {
            return;
        }
        let old = self.map.get("schemas").cloned();
        self.save_order(None);
        self.journal.push(Undo::Top {
            key: "schemas",
            old: old.clone(),
        });
        let mut list = match old {
            Some(Value::Array(items)) => items,
            _ => vec![Value::String(self.ty.schema.id.clone())],
        };
        list.push(Value::String(urn.to_owned()));
        self.map.insert("schemas".to_owned(), Value::Array(list));
    }

    /// Removes an extension object that became empty (RFC 7643 §2.5).
    pub(crate) fn drop_empty_container(&mut self, ext: Option<&'p str>) {
        let Some(urn) = ext else {
            return;
        };
        if self
            .map
            .get(urn)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            self.save_order(None);
            let old = self.map.remove(urn);
            self.journal.push(Undo::Top { key: urn, old });
        }
    }

    /// Sets a snapshotted attribute (the snapshot must be taken).
    pub(crate) fn set(
        &mut self,
        at: &At,
        key: Key<'p>,
        value: Option<Value>,
    ) -> Result<(), PatchError> {
        match value {
            Some(v) => {
                self.ensure_container(at, key.ext)?;
                put(self.map, key, Some(v));
            }
            None => {
                put(self.map, key, None);
                self.drop_empty_container(key.ext);
            }
        }
        Ok(())
    }

    pub(crate) fn rollback(&mut self) {
        while let Some(u) = self.journal.pop() {
            match u {
                Undo::Slot { key, old } => put(self.map, key, old),
                Undo::Top { key, old } => put_top(self.map, key, old),
                Undo::Truncate { key, len } => {
                    if let Some(items) = array_mut(self.map, key) {
                        items.truncate(len);
                    }
                }
                Undo::Reinsert { key, pos, value } => {
                    if let Some(items) = array_mut(self.map, key) {
                        items.push(value);
                        let last = items.len() - 1;
                        if pos < last {
                            items.swap(pos, last);
                        }
                    }
                }
                Undo::Element { key, pos, old } => {
                    if let Some(slot) = array_mut(self.map, key).and_then(|a| a.get_mut(pos)) {
                        *slot = old;
                    }
                }
            }
        }
        for (scope, keys) in std::mem::take(&mut self.orders) {
            let container = match scope {
                None => Some(&mut *self.map),
                Some(urn) => self.map.get_mut(urn).and_then(Value::as_object_mut),
            };
            if let Some(c) = container {
                restore_order(c, &keys);
            }
        }
        if self.index_touched
            && let Some(idx) = self.index.as_deref_mut()
        {
            idx.invalidate();
        }
    }

    /// Leaves the caller's index exact: rebuilt if something (a failure, duplicate values)
    /// made it stale.
    pub(crate) fn resync_index(&mut self) {
        let Some(idx) = self.index.as_deref_mut() else {
            return;
        };
        if !idx.is_stale() {
            return;
        }
        let key = Key {
            ext: idx.extension(),
            name: idx.attribute(),
        };
        let empty = Vec::new();
        let items = get(self.map, key)
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        idx.sync(items);
    }

    pub(crate) fn commit(mut self) -> PatchOutcome {
        // RFC 7643 §3: `schemas` lists the extensions the resource has.
        let exts: Vec<&'p str> = self.tracks.iter().filter_map(|t| t.key.ext).collect();
        for urn in exts {
            if self.map.get(urn).is_some_and(Value::is_object) {
                self.sync_schemas(urn);
            }
        }
        let mut outcome = PatchOutcome::default();
        for t in self.tracks {
            let path = canonical(t.key.ext, t.key.name);
            let mut changed = false;
            if let Some(at) = t.snapshot
                && let Some(Undo::Slot { old, .. }) = self.journal.get(at)
            {
                changed = old.as_ref() != get(self.map, t.key);
            }
            if let Some(d) = t.delta {
                let now = get(self.map, t.key)
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice);
                let (added, removed, rewritten) = d.finish(&mut self.journal, now);
                if !added.is_empty() || !removed.is_empty() || rewritten {
                    changed = true;
                    outcome.deltas.push(MultiValuedDelta {
                        attribute: path.clone(),
                        added,
                        removed,
                        rewritten: rewritten || t.snapshot.is_some(),
                    });
                }
            }
            if changed {
                outcome.modified.push(path);
            }
        }
        outcome
    }
}

/// Puts the keys of `map` back in the saved order (only matters when the map keeps insertion
/// order).
fn restore_order(map: &mut Map<String, Value>, keys: &[String]) {
    if map.keys().eq(keys.iter()) {
        return;
    }
    let mut old = std::mem::take(map);
    for k in keys {
        if let Some(v) = old.remove(k) {
            map.insert(k.clone(), v);
        }
    }
    // Keys that were not there before (none after a full undo), kept rather than lost.
    for (k, v) in old {
        map.insert(k, v);
    }
}
