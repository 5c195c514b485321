//! Applying a [`Patch`] in place, atomically, with an undo journal.
//!
//! Every change is recorded before it is made, and a failure replays the journal backwards, so
//! the resource ends up exactly as it was. What is recorded depends on the attribute:
//!
//! - most attributes are small: the first time a step touches one, its old value is copied
//!   (a *snapshot*), and undo puts it back;
//! - member-like attributes (group `members`) can be huge, so they are never copied: each append
//!   records the length to truncate back to, each removal records the value and its position to
//!   reinsert, each in-place edit records the old value of that one element, and a wholesale
//!   replacement moves (not copies) the old array into the journal.
//!
//! Removals from member-like arrays use `swap_remove` (the last value moves into the freed
//! position): O(1), at the price of order, which SCIM does not define for multi-valued
//! attributes. Other multi-valued attributes keep their order.
//!
//! Changes are detected as they happen: a snapshot is compared with the final value, and
//! member-like attributes keep a net delta of the values added and removed.

use std::collections::HashMap;
use std::sync::LazyLock;

use scim_core::ResourceType;
use scim_core::schema::{Attribute, Mutability};
use serde_json::{Map, Value};

use crate::error::{At, PatchError};
use crate::index::ValueIndex;
use crate::outcome::{MultiValuedDelta, PatchOutcome};
use crate::patch::{Action, Filtered, Patch, Slot, Step, Target, canonical, kind};
use crate::select::key_of;

/// With no index from the caller, an operation adding or removing at least this many values of
/// a member-like attribute builds a throwaway index instead of scanning once per value.
const LAZY_INDEX_VALUES: usize = 4;
/// ...provided the array has at least this many values.
const LAZY_INDEX_LEN: usize = 16;

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
struct Key<'p> {
    ext: Option<&'p str>,
    name: &'p str,
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
    fn of(slot: &Slot<'p>) -> Self {
        Key {
            ext: slot.ext,
            name: &slot.attr.name,
        }
    }
}

/// One undo record.
#[derive(Debug)]
enum Undo<'p> {
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
struct Track<'p> {
    key: Key<'p>,
    /// For snapshotted attributes: the journal index of the snapshot.
    snapshot: Option<usize>,
    /// For member-like attributes (boxed: most tracked attributes have none).
    delta: Option<Box<Delta>>,
}

/// The net change to a member-like attribute.
#[derive(Debug, Default)]
struct Delta {
    added: Vec<Value>,
    added_at: HashMap<String, usize>,
    removed: Vec<Value>,
    removed_at: HashMap<String, usize>,
    rewritten: bool,
}

impl Delta {
    fn add(&mut self, value: &Value) {
        let Some(k) = key_of(value) else {
            self.rewritten = true;
            return;
        };
        if let Some(pos) = self.removed_at.remove(k) {
            let old = take_at(&mut self.removed, &mut self.removed_at, pos);
            if old.as_ref() != Some(value) {
                self.rewritten = true;
            }
            return;
        }
        self.added_at.insert(k.to_owned(), self.added.len());
        self.added.push(value.clone());
    }

    fn remove(&mut self, value: &Value) {
        let Some(k) = key_of(value) else {
            self.rewritten = true;
            return;
        };
        if let Some(pos) = self.added_at.remove(k) {
            take_at(&mut self.added, &mut self.added_at, pos);
            return;
        }
        self.removed_at.insert(k.to_owned(), self.removed.len());
        self.removed.push(value.clone());
    }

    fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && !self.rewritten
    }
}

/// `swap_remove` in a delta list, keeping its position map right. `pos`'s key is already out
/// of the map.
fn take_at(list: &mut Vec<Value>, at: &mut HashMap<String, usize>, pos: usize) -> Option<Value> {
    if pos >= list.len() {
        return None;
    }
    let v = list.swap_remove(pos);
    if let Some(moved) = list.get(pos).and_then(key_of)
        && let Some(p) = at.get_mut(moved)
    {
        *p = pos;
    }
    Some(v)
}

/// Applies `patch` to `map`; on error, `map` is restored and the error returned.
pub(crate) fn run(
    patch: &Patch<'_>,
    map: &mut Map<String, Value>,
    index: Option<&mut ValueIndex>,
) -> Result<PatchOutcome, PatchError> {
    let mut s = Session {
        map,
        journal: Vec::with_capacity(patch.steps.len().min(8)),
        tracks: Vec::with_capacity(patch.steps.len()),
        orders: Vec::new(),
        index,
        index_touched: false,
        temp: Vec::new(),
        create_on_miss: patch.opts.create_on_filter_miss,
        idempotent_remove: patch.opts.idempotent_remove,
        ty: patch.ty,
    };
    for step in &patch.steps {
        if let Err(e) = s.step(step) {
            s.rollback();
            s.resync_index();
            return Err(e);
        }
    }
    s.resync_index();
    Ok(s.commit())
}

struct Session<'r, 'i, 'p> {
    map: &'r mut Map<String, Value>,
    journal: Vec<Undo<'p>>,
    tracks: Vec<Track<'p>>,
    /// Key orders saved before the first structural change of a container (only when the map
    /// preserves insertion order).
    orders: Vec<(Option<&'p str>, Vec<String>)>,
    index: Option<&'i mut ValueIndex>,
    index_touched: bool,
    temp: Vec<ValueIndex>,
    create_on_miss: bool,
    idempotent_remove: bool,
    ty: &'p ResourceType,
}

// ----------------------------------------------------------------------------------------
// Raw access
// ----------------------------------------------------------------------------------------

fn get<'m>(map: &'m Map<String, Value>, key: Key<'_>) -> Option<&'m Value> {
    match key.ext {
        Some(urn) => map.get(urn)?.as_object()?.get(key.name),
        None => map.get(key.name),
    }
}

fn get_mut<'m>(map: &'m mut Map<String, Value>, key: Key<'_>) -> Option<&'m mut Value> {
    match key.ext {
        Some(urn) => map.get_mut(urn)?.as_object_mut()?.get_mut(key.name),
        None => map.get_mut(key.name),
    }
}

/// Sets or removes an attribute without journaling (used by undo and after journaling).
fn put(map: &mut Map<String, Value>, key: Key<'_>, value: Option<Value>) {
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

fn put_top(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(v) => {
            map.insert(key.to_owned(), v);
        }
        None => {
            map.remove(key);
        }
    }
}

fn array_mut<'m>(map: &'m mut Map<String, Value>, key: Key<'_>) -> Option<&'m mut Vec<Value>> {
    get_mut(map, key)?.as_array_mut()
}

impl<'p> Session<'_, '_, 'p> {
    // ------------------------------------------------------------------------------------
    // Journal and tracking
    // ------------------------------------------------------------------------------------

    fn track(&mut self, key: Key<'p>) -> &mut Track<'p> {
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
    fn snapshot(&mut self, key: Key<'p>) {
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
    fn begin_keyed(&mut self, key: Key<'p>) {
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

    fn delta(&mut self, key: Key<'p>) -> &mut Delta {
        self.track(key).delta.get_or_insert_with(Box::default)
    }

    /// Saves the key order of a container before its first structural change, when the map
    /// type preserves insertion order (else undo restores order by itself).
    fn save_order(&mut self, ext: Option<&'p str>) {
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
    fn ensure_container(&mut self, at: &At, ext: Option<&'p str>) -> Result<(), PatchError> {
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
    fn sync_schemas(&mut self, urn: &'p str) {
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
    fn drop_empty_container(&mut self, ext: Option<&'p str>) {
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
    fn set(&mut self, at: &At, key: Key<'p>, value: Option<Value>) -> Result<(), PatchError> {
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

    fn rollback(&mut self) {
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
    fn resync_index(&mut self) {
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

    fn commit(mut self) -> PatchOutcome {
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
            if let Some(mut d) = t.delta
                && !d.is_empty()
            {
                changed = true;
                outcome.deltas.push(MultiValuedDelta {
                    attribute: path.clone(),
                    added: std::mem::take(&mut d.added),
                    removed: std::mem::take(&mut d.removed),
                    rewritten: d.rewritten || t.snapshot.is_some(),
                });
            }
            if changed {
                outcome.modified.push(path);
            }
        }
        outcome
    }

    // ------------------------------------------------------------------------------------
    // Steps
    // ------------------------------------------------------------------------------------

    fn step(&mut self, step: &'p Step<'p>) -> Result<(), PatchError> {
        let at = &step.at;
        match (&step.target, &step.action) {
            (Target::ReadOnly { slot, sub }, Action::Add(v) | Action::Replace(v)) => {
                let cur = get(self.map, Key::of(slot));
                let cur = match sub {
                    Some(s) => cur.and_then(|c| c.get(&s.name)),
                    None => cur,
                };
                if cur == Some(v) {
                    Ok(())
                } else {
                    Err(at.mutability(format!(
                        "{} is readOnly and cannot be modified",
                        slot.canonical()
                    )))
                }
            }
            (Target::Unknown { ext, key }, Action::Add(v) | Action::Replace(v)) => {
                let key = Key {
                    ext: *ext,
                    name: key,
                };
                self.snapshot(key);
                self.set(at, key, Some(v.clone()))
            }
            (Target::Extension { urn }, _) => {
                let urn: &'p str = urn;
                self.remove_extension(at, urn)
            }
            (Target::Attr { slot, sub: None }, action) => {
                if slot.attr.multi_valued {
                    self.multi(at, *slot, action)
                } else if slot.attr.is_complex() {
                    self.complex(at, *slot, action)
                } else {
                    self.simple(at, *slot, action)
                }
            }
            (
                Target::Attr {
                    slot,
                    sub: Some(sub),
                },
                action,
            ) => self.complex_sub(at, *slot, sub, action),
            (Target::Filtered(f), action) => self.filtered(at, f, action),
            (Target::ReadOnly { .. } | Target::Unknown { .. }, _) => Ok(()),
        }
    }

    /// Removes a whole extension object (a `remove` whose path is the extension URN).
    fn remove_extension(&mut self, at: &At, urn: &'p str) -> Result<(), PatchError> {
        let ty = self.ty;
        let Some(ext) = ty.extension(urn) else {
            return Ok(());
        };
        let Some(obj) = self.map.get(urn).and_then(Value::as_object) else {
            return Ok(());
        };
        let present: Vec<&'p Attribute> = ext
            .schema
            .attributes
            .iter()
            .filter(|a| obj.contains_key(&a.name))
            .collect();
        for a in &present {
            if a.mutability == Mutability::Immutable {
                return Err(immutable(at, &canonical(Some(urn), &a.name)));
            }
        }
        for a in present {
            let key = Key {
                ext: Some(urn),
                name: &a.name,
            };
            if crate::select::is_member_like(a) {
                self.begin_keyed(key);
                let items = get(self.map, key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for item in &items {
                    self.delta(key).remove(item);
                }
                self.reindex(key, &[]);
            } else {
                self.snapshot(key);
            }
        }
        self.save_order(None);
        let old = self.map.remove(urn);
        self.journal.push(Undo::Top { key: urn, old });
        Ok(())
    }

    /// A single-valued, non-complex attribute.
    fn simple(&mut self, at: &At, slot: Slot<'p>, action: &Action) -> Result<(), PatchError> {
        let key = Key::of(&slot);
        let cur = get(self.map, key);
        match action {
            Action::Add(v) | Action::Replace(v) => {
                if cur == Some(v) {
                    return Ok(());
                }
                if cur.is_some() && slot.attr.mutability == Mutability::Immutable {
                    return Err(immutable(at, &slot.canonical()));
                }
                self.snapshot(key);
                self.set(at, key, Some(v.clone()))
            }
            Action::Remove | Action::RemoveValues(_) => {
                if cur.is_none() {
                    return Ok(());
                }
                if slot.attr.mutability == Mutability::Immutable {
                    return Err(immutable(at, &slot.canonical()));
                }
                self.snapshot(key);
                self.set(at, key, None)
            }
        }
    }

    /// A single-valued complex attribute (`name`, `manager`): add and replace merge
    /// sub-attributes (RFC 7644 §3.5.2.1, §3.5.2.3); a new `value` (another manager) replaces the
    /// whole value, so the old `$ref` and `displayName` do not linger.
    fn complex(&mut self, at: &At, slot: Slot<'p>, action: &Action) -> Result<(), PatchError> {
        let key = Key::of(&slot);
        let cur = get(self.map, key);
        match action {
            Action::Add(v) | Action::Replace(v) => {
                let Some(new_obj) = v.as_object() else {
                    return Err(at.invalid_value(format!("{} must be an object", slot.canonical())));
                };
                let merged = match cur.and_then(Value::as_object) {
                    None => new_obj.clone(),
                    Some(old) => {
                        let identity_changed = new_obj
                            .get("value")
                            .is_some_and(|nv| old.get("value").is_some_and(|ov| ov != nv));
                        if identity_changed {
                            new_obj.clone()
                        } else {
                            merge(slot.attr, old, new_obj, matches!(action, Action::Add(_)))
                        }
                    }
                };
                let merged = Value::Object(merged);
                if cur == Some(&merged) {
                    return Ok(());
                }
                if let Some(old) = cur {
                    if slot.attr.mutability == Mutability::Immutable {
                        return Err(immutable(at, &slot.canonical()));
                    }
                    check_immutable_subs(at, slot.attr, &slot.canonical(), old, &merged)?;
                }
                check_required_subs(at, slot.attr, &slot.canonical(), &merged)?;
                self.snapshot(key);
                self.set(at, key, Some(merged))
            }
            Action::Remove | Action::RemoveValues(_) => self.simple(at, slot, &Action::Remove),
        }
    }

    /// `attr.sub` of a single-valued complex attribute: checked against the stored value,
    /// then changed in place (after the snapshot).
    fn complex_sub(
        &mut self,
        at: &At,
        slot: Slot<'p>,
        sub: &'p Attribute,
        action: &Action,
    ) -> Result<(), PatchError> {
        let key = Key::of(&slot);
        let cur = get(self.map, key);
        let old = cur.and_then(|c| c.get(&sub.name));
        let new = match action {
            Action::Add(v) | Action::Replace(v) => {
                Some(sub_value(old, sub, v, matches!(action, Action::Add(_))))
            }
            Action::Remove | Action::RemoveValues(_) => None,
        };
        if old == new.as_ref() {
            return Ok(());
        }
        if cur.is_some() && slot.attr.mutability == Mutability::Immutable {
            return Err(immutable(at, &slot.canonical()));
        }
        if old.is_some() && sub.mutability == Mutability::Immutable {
            return Err(immutable(at, &format!("{}.{}", slot.canonical(), sub.name)));
        }
        if new.is_some() {
            let missing = slot.attr.sub_attributes.iter().find(|s| {
                s.required
                    && s.mutability != Mutability::ReadOnly
                    && s.name != sub.name
                    && cur.and_then(|c| c.get(&s.name)).is_none()
            });
            if let Some(m) = missing {
                return Err(at.invalid_value(format!(
                    "{}.{} is required",
                    slot.canonical(),
                    m.name
                )));
            }
        }
        self.snapshot(key);
        match new {
            Some(v) => {
                if !get(self.map, key).is_some_and(Value::is_object) {
                    self.set(at, key, Some(Value::Object(Map::new())))?;
                }
                if let Some(obj) = get_mut(self.map, key).and_then(Value::as_object_mut) {
                    obj.insert(sub.name.clone(), v);
                }
                Ok(())
            }
            None => {
                let empty = match get_mut(self.map, key).and_then(Value::as_object_mut) {
                    Some(obj) => {
                        obj.remove(&sub.name);
                        obj.is_empty()
                    }
                    None => false,
                };
                if empty {
                    self.set(at, key, None)?;
                }
                Ok(())
            }
        }
    }

    /// A multi-valued attribute without filter or sub-attribute.
    fn multi(&mut self, at: &At, slot: Slot<'p>, action: &Action) -> Result<(), PatchError> {
        let key = Key::of(&slot);
        let keyed = slot.keyed();
        let exists = get(self.map, key).is_some();
        if exists && slot.attr.mutability == Mutability::Immutable {
            return Err(immutable(at, &slot.canonical()));
        }
        match action {
            Action::Add(Value::Array(values)) => {
                if values.is_empty() {
                    return Ok(());
                }
                let mut touched = Vec::new();
                self.open_array(at, key, keyed)?;
                let use_index = keyed && self.want_index(key, values.len());
                for v in values {
                    if self.contains(key, keyed, use_index, v) {
                        continue;
                    }
                    touched.push(self.push(key, keyed, v.clone()));
                }
                self.enforce_primary(key, slot.attr, keyed, &touched);
                self.close_array(key);
                Ok(())
            }
            Action::Replace(Value::Array(values)) => {
                if keyed {
                    self.replace_all_keyed(key, values);
                    Ok(())
                } else {
                    let mut deduped: Vec<Value> = Vec::with_capacity(values.len());
                    for v in values {
                        if !deduped.contains(v) {
                            deduped.push(v.clone());
                        }
                    }
                    if get(self.map, key).and_then(Value::as_array) == Some(&deduped) {
                        return Ok(());
                    }
                    self.snapshot(key);
                    self.set(at, key, Some(Value::Array(deduped)))
                }
            }
            Action::Add(_) | Action::Replace(_) => Err(at.invalid_value(format!(
                "{} is multi-valued and takes an array",
                slot.canonical()
            ))),
            Action::Remove => {
                if !exists {
                    return Ok(());
                }
                if keyed {
                    self.replace_all_keyed(key, &[]);
                    Ok(())
                } else {
                    self.snapshot(key);
                    self.set(at, key, None)
                }
            }
            Action::RemoveValues(values) => {
                if !exists || values.is_empty() {
                    return Ok(());
                }
                self.open_array(at, key, keyed)?;
                let use_index = keyed && self.want_index(key, values.len());
                for v in values {
                    let mut positions = self.find_equal(key, keyed, use_index, v);
                    positions.sort_unstable();
                    for pos in positions.into_iter().rev() {
                        self.remove_at(key, keyed, pos);
                    }
                }
                self.close_array(key);
                Ok(())
            }
        }
    }

    /// `attr[filter]`, `attr[filter].sub` and `multiValued.sub`.
    fn filtered(
        &mut self,
        at: &At,
        f: &'p Filtered<'p>,
        action: &Action,
    ) -> Result<(), PatchError> {
        let slot = f.slot;
        if !slot.attr.multi_valued {
            return self.filtered_single(at, f, action);
        }
        let key = Key::of(&slot);
        let keyed = slot.keyed();
        let matched = self.matches(key, f);
        if matched.is_empty() {
            return match action {
                Action::Remove | Action::RemoveValues(_) => {
                    if f.explicit && !self.idempotent_remove {
                        Err(at.no_target(format!(
                            "no value of {} matches the path filter",
                            slot.canonical()
                        )))
                    } else {
                        Ok(())
                    }
                }
                Action::Add(v) | Action::Replace(v) => {
                    let Some(template) = f.template.as_ref().filter(|_| self.create_on_miss) else {
                        return Err(at.no_target(format!(
                            "no value of {} matches the path filter",
                            slot.canonical()
                        )));
                    };
                    let mut elem = template.clone();
                    match f.sub {
                        Some(sub) => set_sub(&mut elem, sub, v, true),
                        None => {
                            if let Some(obj) = v.as_object() {
                                for (k, x) in obj {
                                    elem.insert(k.clone(), x.clone());
                                }
                            }
                        }
                    }
                    let elem = Value::Object(elem);
                    check_required_subs(at, slot.attr, &slot.canonical(), &elem)?;
                    if slot.attr.mutability == Mutability::Immutable && get(self.map, key).is_some()
                    {
                        return Err(immutable(at, &slot.canonical()));
                    }
                    self.open_array(at, key, keyed)?;
                    let use_index = keyed && self.want_index(key, 1);
                    if !self.contains(key, keyed, use_index, &elem) {
                        let pos = self.push(key, keyed, elem);
                        self.enforce_primary(key, slot.attr, keyed, &[pos]);
                    }
                    self.close_array(key);
                    Ok(())
                }
            };
        }
        if slot.attr.mutability == Mutability::Immutable {
            return Err(immutable(at, &slot.canonical()));
        }
        self.open_array(at, key, keyed)?;
        match (action, f.sub) {
            (Action::Remove | Action::RemoveValues(_), None) => {
                for pos in matched.into_iter().rev() {
                    self.remove_at(key, keyed, pos);
                }
            }
            (Action::Remove | Action::RemoveValues(_), Some(sub)) => {
                let mut emptied = Vec::new();
                for &pos in &matched {
                    let Some(elem) = self.elem(key, pos) else {
                        continue;
                    };
                    if elem.get(&sub.name).is_none() {
                        continue;
                    }
                    if sub.mutability == Mutability::Immutable {
                        return Err(immutable(at, &format!("{}.{}", slot.canonical(), sub.name)));
                    }
                    let mut new = elem.clone();
                    if let Some(obj) = new.as_object_mut() {
                        obj.remove(&sub.name);
                        if obj.is_empty() {
                            emptied.push(pos);
                            continue;
                        }
                    }
                    self.edit(key, keyed, pos, new);
                }
                for pos in emptied.into_iter().rev() {
                    self.remove_at(key, keyed, pos);
                }
            }
            (Action::Add(v) | Action::Replace(v), Some(sub)) => {
                let add = matches!(action, Action::Add(_));
                for &pos in &matched {
                    let Some(cur) = self.elem(key, pos).and_then(Value::as_object) else {
                        continue;
                    };
                    let old_sub = cur.get(&sub.name);
                    let new_sub = sub_value(old_sub, sub, v, add);
                    if old_sub == Some(&new_sub) {
                        continue;
                    }
                    if sub.mutability == Mutability::Immutable && old_sub.is_some() {
                        return Err(immutable(at, &format!("{}.{}", slot.canonical(), sub.name)));
                    }
                    let name = sub.name.clone();
                    self.edit_with(key, keyed, pos, |obj| {
                        obj.insert(name, new_sub);
                    });
                }
                self.enforce_primary(key, slot.attr, keyed, &matched);
            }
            (Action::Add(v), None) => {
                let Some(obj) = v.as_object() else {
                    return Err(at.invalid_value(format!(
                        "a value of {} must be an object",
                        slot.canonical()
                    )));
                };
                for &pos in &matched {
                    let Some(elem) = self.elem(key, pos) else {
                        continue;
                    };
                    let Some(old) = elem.as_object() else {
                        continue;
                    };
                    let new = Value::Object(merge(slot.attr, old, obj, true));
                    if &new == elem {
                        continue;
                    }
                    check_immutable_subs(at, slot.attr, &slot.canonical(), elem, &new)?;
                    self.edit(key, keyed, pos, new);
                }
                self.enforce_primary(key, slot.attr, keyed, &matched);
            }
            (Action::Replace(v), None) => {
                // RFC 7644 §3.5.2.3: every matching value is replaced. They would all be equal,
                // so the first is replaced and the others are removed.
                let first = matched[0];
                let dup_elsewhere = keyed
                    && key_of(v).is_some_and(|k| {
                        self.find_key(key, k, false)
                            .iter()
                            .any(|p| !matched.contains(p))
                    });
                let mut remove: Vec<usize> = matched[1..].to_vec();
                if dup_elsewhere {
                    remove.push(first);
                } else if self.elem(key, first) != Some(v) {
                    self.edit(key, keyed, first, v.clone());
                    self.enforce_primary(key, slot.attr, keyed, &[first]);
                }
                remove.sort_unstable();
                for pos in remove.into_iter().rev() {
                    self.remove_at(key, keyed, pos);
                }
            }
        }
        self.close_array(key);
        Ok(())
    }

    /// A value filter on a single-valued complex attribute (`manager[value eq "id"]`): the
    /// value is treated as a one-value list.
    fn filtered_single(
        &mut self,
        at: &At,
        f: &'p Filtered<'p>,
        action: &Action,
    ) -> Result<(), PatchError> {
        let slot = f.slot;
        let key = Key::of(&slot);
        let matched = get(self.map, key).is_some_and(|v| f.filter.matches_value(v));
        if !matched {
            return match action {
                Action::Remove | Action::RemoveValues(_) => {
                    if self.idempotent_remove {
                        Ok(())
                    } else {
                        Err(at.no_target(format!(
                            "the value of {} does not match the path filter",
                            slot.canonical()
                        )))
                    }
                }
                Action::Add(v) | Action::Replace(v) => {
                    let Some(template) = f
                        .template
                        .as_ref()
                        .filter(|_| self.create_on_miss && get(self.map, key).is_none())
                    else {
                        return Err(at.no_target(format!(
                            "the value of {} does not match the path filter",
                            slot.canonical()
                        )));
                    };
                    let mut elem = template.clone();
                    match f.sub {
                        Some(sub) => set_sub(&mut elem, sub, v, true),
                        None => {
                            if let Some(obj) = v.as_object() {
                                elem.extend(obj.iter().map(|(k, x)| (k.clone(), x.clone())));
                            }
                        }
                    }
                    self.complex(at, slot, &Action::Replace(Value::Object(elem)))
                }
            };
        }
        match (action, f.sub) {
            (Action::Remove | Action::RemoveValues(_), None) => {
                self.simple(at, slot, &Action::Remove)
            }
            (_, Some(sub)) => self.complex_sub(at, slot, sub, action),
            (Action::Add(v), None) => self.complex(at, slot, &Action::Add(v.clone())),
            (Action::Replace(v), None) => {
                let key = Key::of(&slot);
                if get(self.map, key) == Some(v) {
                    return Ok(());
                }
                if slot.attr.mutability == Mutability::Immutable {
                    return Err(immutable(at, &slot.canonical()));
                }
                self.snapshot(key);
                self.set(at, key, Some(v.clone()))
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // Array primitives
    // ------------------------------------------------------------------------------------

    /// Prepares an array attribute for edits: tracks it (snapshot or delta) and creates it if
    /// absent.
    fn open_array(&mut self, at: &At, key: Key<'p>, keyed: bool) -> Result<(), PatchError> {
        if keyed {
            self.begin_keyed(key);
        } else {
            self.snapshot(key);
        }
        match get(self.map, key) {
            Some(Value::Array(_)) => Ok(()),
            Some(other) => Err(at.invalid_value(format!(
                "the stored {} is {}, not an array",
                canonical(key.ext, key.name),
                kind(other)
            ))),
            None => {
                self.ensure_container(at, key.ext)?;
                if keyed {
                    self.save_order(key.ext);
                    self.journal.push(Undo::Slot { key, old: None });
                }
                put(self.map, key, Some(Value::Array(Vec::new())));
                Ok(())
            }
        }
    }

    /// Removes the array if it ended up empty (RFC 7643 §2.5).
    fn close_array(&mut self, key: Key<'p>) {
        if get(self.map, key)
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            if self.track(key).snapshot.is_none() {
                self.save_order(key.ext);
                self.journal.push(Undo::Slot {
                    key,
                    old: Some(Value::Array(Vec::new())),
                });
            }
            put(self.map, key, None);
            self.drop_empty_container(key.ext);
        }
    }

    fn elem(&self, key: Key<'_>, pos: usize) -> Option<&Value> {
        get(self.map, key)?.as_array()?.get(pos)
    }

    /// Appends a value; returns its position.
    fn push(&mut self, key: Key<'p>, keyed: bool, value: Value) -> usize {
        let Some(items) = array_mut(self.map, key) else {
            return 0;
        };
        let pos = items.len();
        if keyed {
            self.journal.push(Undo::Truncate { key, len: pos });
            self.delta(key).add(&value);
        }
        let Some(items) = array_mut(self.map, key) else {
            return pos;
        };
        items.push(value);
        if keyed {
            let (map, index, temp) = (&*self.map, &mut self.index, &mut self.temp);
            if let Some(idx) = index_for(index, temp, key)
                && let Some(item) = get(map, key)
                    .and_then(Value::as_array)
                    .and_then(|a| a.get(pos))
            {
                idx.pushed(item, pos);
            }
        }
        pos
    }

    /// Removes the value at `pos`: `swap_remove` for member-like arrays, order-keeping
    /// `remove` otherwise.
    fn remove_at(&mut self, key: Key<'p>, keyed: bool, pos: usize) {
        let Some(items) = array_mut(self.map, key) else {
            return;
        };
        if pos >= items.len() {
            return;
        }
        if !keyed {
            items.remove(pos);
            return;
        }
        let removed = items.swap_remove(pos);
        let (map, index, temp) = (&*self.map, &mut self.index, &mut self.temp);
        if let Some(idx) = index_for(index, temp, key) {
            let empty = Vec::new();
            let items = get(map, key).and_then(Value::as_array).unwrap_or(&empty);
            idx.swap_removed(items, pos, &removed);
        }
        self.delta(key).remove(&removed);
        self.journal.push(Undo::Reinsert {
            key,
            pos,
            value: removed,
        });
    }

    /// Replaces the value at `pos`.
    fn edit(&mut self, key: Key<'p>, keyed: bool, pos: usize, new: Value) {
        let Some(slot) = array_mut(self.map, key).and_then(|a| a.get_mut(pos)) else {
            return;
        };
        let old = std::mem::replace(slot, new);
        if keyed {
            let new = self.elem(key, pos).cloned().unwrap_or(Value::Null);
            if key_of(&old) == key_of(&new) {
                self.delta(key).rewritten = true;
            } else {
                self.delta(key).remove(&old);
                self.delta(key).add(&new);
                if let Some(idx) = index_for(&mut self.index, &mut self.temp, key) {
                    idx.replaced(pos, &old, &new);
                }
            }
            self.journal.push(Undo::Element { key, pos, old });
        }
    }

    /// Changes the (object) value at `pos` in place; member-like arrays journal the old value.
    fn edit_with(
        &mut self,
        key: Key<'p>,
        keyed: bool,
        pos: usize,
        f: impl FnOnce(&mut Map<String, Value>),
    ) {
        if keyed {
            if let Some(mut new) = self.elem(key, pos).cloned() {
                if let Some(obj) = new.as_object_mut() {
                    f(obj);
                }
                self.edit(key, keyed, pos, new);
            }
            return;
        }
        if let Some(obj) = array_mut(self.map, key)
            .and_then(|a| a.get_mut(pos))
            .and_then(Value::as_object_mut)
        {
            f(obj);
        }
    }

    /// Replaces a member-like array wholesale, moving the old one into the journal.
    fn replace_all_keyed(&mut self, key: Key<'p>, values: &[Value]) {
        self.begin_keyed(key);
        let old = match get_mut(self.map, key) {
            Some(v) => Some(std::mem::take(v)),
            None => None,
        };
        let old_items: &[Value] = old
            .as_ref()
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        // The new list, without duplicates.
        let mut seen: HashMap<&str, ()> = HashMap::with_capacity(values.len());
        let mut new: Vec<Value> = Vec::with_capacity(values.len());
        for v in values {
            match key_of(v) {
                Some(k) => {
                    if seen.insert(k, ()).is_none() {
                        new.push(v.clone());
                    }
                }
                None => {
                    if !new.contains(v) {
                        new.push(v.clone());
                    }
                }
            }
        }
        // The delta: old ids not in the new list are removed, new ids not in the old are added.
        let old_by_key: HashMap<&str, &Value> = old_items
            .iter()
            .filter_map(|v| Some((key_of(v)?, v)))
            .collect();
        let mut removed = Vec::new();
        for v in old_items {
            match key_of(v) {
                Some(k) if seen.contains_key(k) => {}
                _ => removed.push(v),
            }
        }
        let delta = self.delta(key);
        for v in removed {
            delta.remove(v);
        }
        for v in &new {
            match key_of(v).and_then(|k| old_by_key.get(k)) {
                Some(o) => {
                    if *o != v {
                        delta.rewritten = true;
                    }
                }
                None => delta.add(v),
            }
        }
        self.reindex(key, &new);
        self.save_order(key.ext);
        if new.is_empty() {
            put(self.map, key, None);
        } else {
            put(self.map, key, Some(Value::Array(new)));
        }
        self.journal.push(Undo::Slot { key, old });
        self.drop_empty_container(key.ext);
    }

    /// Brings the indexes of `key` in line with a new array.
    fn reindex(&mut self, key: Key<'p>, items: &[Value]) {
        self.temp.retain(|i| !i.is_for(key.ext, key.name));
        if let Some(idx) = self.index.as_deref_mut()
            && idx.is_for(key.ext, key.name)
        {
            idx.invalidate();
            idx.sync(items);
        }
    }

    /// Whether an index should be used for an operation with `n` values; builds a throwaway
    /// one when worthwhile and the caller gave none.
    fn want_index(&mut self, key: Key<'p>, n: usize) -> bool {
        if index_for(&mut self.index, &mut self.temp, key).is_some() {
            return true;
        }
        let len = get(self.map, key)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if n >= LAZY_INDEX_VALUES && len >= LAZY_INDEX_LEN {
            let mut idx = ValueIndex::empty_for(key.ext, key.name);
            if let Some(items) = get(self.map, key).and_then(Value::as_array) {
                idx.sync(items);
            }
            self.temp.push(idx);
            return true;
        }
        false
    }

    /// Whether an equal value is present: same `value` id for member-like arrays, same JSON
    /// otherwise.
    fn contains(&mut self, key: Key<'p>, keyed: bool, use_index: bool, v: &Value) -> bool {
        let Some(items) = get(self.map, key).and_then(Value::as_array) else {
            return false;
        };
        if !keyed {
            return items.contains(v);
        }
        let Some(k) = key_of(v) else {
            return items.contains(v);
        };
        if use_index && let Some(idx) = index_for(&mut self.index, &mut self.temp, key) {
            return idx.find(items, k).is_some();
        }
        items.iter().any(|x| key_of(x) == Some(k))
    }

    /// The positions of values with this id.
    fn find_key(&mut self, key: Key<'p>, k: &str, use_index: bool) -> Vec<usize> {
        let Some(items) = get(self.map, key).and_then(Value::as_array) else {
            return Vec::new();
        };
        if use_index && let Some(idx) = index_for(&mut self.index, &mut self.temp, key) {
            idx.sync(items);
            if idx.is_exact() {
                return idx.find(items, k).into_iter().collect();
            }
        }
        items
            .iter()
            .enumerate()
            .filter(|(_, x)| key_of(x) == Some(k))
            .map(|(i, _)| i)
            .collect()
    }

    /// The positions of the values a remove-with-value names: by id for member-like arrays,
    /// else the values that hold every sub-attribute given (or equal simple values).
    fn find_equal(&mut self, key: Key<'p>, keyed: bool, use_index: bool, v: &Value) -> Vec<usize> {
        if keyed && let Some(k) = key_of(v) {
            return self.find_key(key, k, use_index);
        }
        let Some(items) = get(self.map, key).and_then(Value::as_array) else {
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter(|(_, x)| match (v, x) {
                (Value::Object(want), Value::Object(have)) => {
                    want.iter().all(|(k, wv)| have.get(k) == Some(wv))
                }
                _ => *x == v,
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The positions (ascending) of the values the filter selects.
    fn matches(&mut self, key: Key<'p>, f: &Filtered<'_>) -> Vec<usize> {
        if let Some(k) = &f.key {
            let use_index = self.want_index(key, 1);
            return self.find_key(key, k, use_index);
        }
        let Some(items) = get(self.map, key).and_then(Value::as_array) else {
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter(|(_, x)| f.filter.matches_value(x))
            .map(|(i, _)| i)
            .collect()
    }

    /// RFC 7643 §2.4: at most one `primary: true`. A value this step set as primary wins; the
    /// others lose the flag.
    fn enforce_primary(&mut self, key: Key<'p>, attr: &Attribute, keyed: bool, touched: &[usize]) {
        if attr.sub_attribute("primary").is_none() || touched.is_empty() {
            return;
        }
        let Some(items) = get(self.map, key).and_then(Value::as_array) else {
            return;
        };
        let is_primary = |v: &Value| v.get("primary") == Some(&Value::Bool(true));
        let Some(winner) = touched
            .iter()
            .rev()
            .copied()
            .find(|&p| items.get(p).is_some_and(is_primary))
        else {
            return;
        };
        let losers: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(p, v)| *p != winner && is_primary(v))
            .map(|(p, _)| p)
            .collect();
        for p in losers {
            self.edit_with(key, keyed, p, |obj| {
                obj.remove("primary");
            });
        }
    }
}

/// The index to use for `key`: the caller's if it is for this attribute, else a throwaway one.
fn index_for<'a>(
    index: &'a mut Option<&mut ValueIndex>,
    temp: &'a mut [ValueIndex],
    key: Key<'_>,
) -> Option<&'a mut ValueIndex> {
    if let Some(idx) = index.as_deref_mut()
        && idx.is_for(key.ext, key.name)
    {
        return Some(idx);
    }
    temp.iter_mut().find(|i| i.is_for(key.ext, key.name))
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

/// Merges `new` sub-attributes into `old`. Multi-valued sub-attributes are extended on `add`
/// and replaced on `replace`.
fn merge(
    attr: &Attribute,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    add: bool,
) -> Map<String, Value> {
    let mut out = old.clone();
    for (k, v) in new {
        match attr.sub_attribute(k) {
            Some(sub) => set_sub(&mut out, sub, v, add),
            None => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

/// The new value of a sub-attribute: `v`, or for `add` to a multi-valued one, the old values
/// extended with `v`'s (without duplicates).
fn sub_value(old: Option<&Value>, sub: &Attribute, v: &Value, add: bool) -> Value {
    if add
        && sub.multi_valued
        && let (Some(Value::Array(have)), Value::Array(more)) = (old, v)
    {
        let mut out = have.clone();
        for m in more {
            if !out.contains(m) {
                out.push(m.clone());
            }
        }
        return Value::Array(out);
    }
    v.clone()
}

/// Sets a sub-attribute: multi-valued ones are extended (without duplicates) on `add`.
fn set_sub(obj: &mut Map<String, Value>, sub: &Attribute, v: &Value, add: bool) {
    if add
        && sub.multi_valued
        && let (Some(Value::Array(have)), Value::Array(more)) = (obj.get_mut(&sub.name), v)
    {
        for m in more {
            if !have.contains(m) {
                have.push(m.clone());
            }
        }
        return;
    }
    obj.insert(sub.name.clone(), v.clone());
}

fn immutable(at: &At, path: &str) -> PatchError {
    at.mutability(format!(
        "{path} is immutable and already has a value; it cannot be changed or removed"
    ))
}

/// Immutable sub-attributes that have a value must keep it.
fn check_immutable_subs(
    at: &At,
    attr: &Attribute,
    path: &str,
    old: &Value,
    new: &Value,
) -> Result<(), PatchError> {
    for sub in attr
        .sub_attributes
        .iter()
        .filter(|s| s.mutability == Mutability::Immutable)
    {
        if let Some(o) = old.get(&sub.name)
            && new.get(&sub.name) != Some(o)
        {
            return Err(immutable(at, &format!("{path}.{}", sub.name)));
        }
    }
    Ok(())
}

/// Required (client-writable) sub-attributes must be present in a value built piece by piece.
fn check_required_subs(
    at: &At,
    attr: &Attribute,
    path: &str,
    value: &Value,
) -> Result<(), PatchError> {
    if let Some(missing) = attr.sub_attributes.iter().find(|s| {
        s.required && s.mutability != Mutability::ReadOnly && value.get(&s.name).is_none()
    }) {
        return Err(at.invalid_value(format!("{path}.{} is required", missing.name)));
    }
    Ok(())
}
