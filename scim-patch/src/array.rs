//! Array primitives of an apply: opening and closing a multi-valued attribute, appending,
//! removing and editing values with their undo records, finding values (by id through a
//! [`ValueIndex`] for member-like attributes), and the one-primary rule (RFC 7643 §2.4).
//!
//! Removals from member-like arrays use `swap_remove` (the last value moves into the freed
//! position): O(1), at the price of order, which SCIM does not define for multi-valued
//! attributes. Other multi-valued attributes keep their order.

use scim_core::schema::Attribute;
use serde_json::{Map, Value};

use crate::error::{At, PatchError};
use crate::index::ValueIndex;
use crate::journal::{Key, Session, Undo, array_mut, get, put};
use crate::op::{canonical, kind};
use crate::select::key_of;

/// With no index from the caller, an operation adding or removing at least this many values of
/// a member-like attribute builds a throwaway index instead of scanning once per value.
const LAZY_INDEX_VALUES: usize = 4;
/// ...provided the array has at least this many values.
const LAZY_INDEX_LEN: usize = 16;

impl<'p> Session<'_, '_, 'p> {
    /// Prepares an array attribute for edits: tracks it (snapshot or delta) and creates it if
    /// absent.
    pub(crate) fn open_array(
        &mut self,
        at: &At,
        key: Key<'p>,
        keyed: bool,
    ) -> Result<(), PatchError> {
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
    pub(crate) fn close_array(&mut self, key: Key<'p>) {
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

    pub(crate) fn elem(&self, key: Key<'_>, pos: usize) -> Option<&Value> {
        get(self.map, key)?.as_array()?.get(pos)
    }

    /// Appends a value; returns its position.
    pub(crate) fn push(&mut self, key: Key<'p>, keyed: bool, value: Value) -> usize {
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
    pub(crate) fn remove_at(&mut self, key: Key<'p>, keyed: bool, pos: usize) {
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
    pub(crate) fn edit(&mut self, key: Key<'p>, keyed: bool, pos: usize, new: Value) {
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
    pub(crate) fn edit_with(
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

    /// Brings the indexes of `key` in line with a new array.
    pub(crate) fn reindex(&mut self, key: Key<'p>, items: &[Value]) {
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
    pub(crate) fn want_index(&mut self, key: Key<'p>, n: usize) -> bool {
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
    pub(crate) fn contains(
        &mut self,
        key: Key<'p>,
        keyed: bool,
        use_index: bool,
        v: &Value,
    ) -> bool {
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
    pub(crate) fn find_key(&mut self, key: Key<'p>, k: &str, use_index: bool) -> Vec<usize> {
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
    pub(crate) fn find_equal(
        &mut self,
        key: Key<'p>,
        keyed: bool,
        use_index: bool,
        v: &Value,
    ) -> Vec<usize> {
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

    /// RFC 7643 §2.4: at most one `primary: true`. A value this step set as primary wins; the
    /// others lose the flag.
    pub(crate) fn enforce_primary(
        &mut self,
        key: Key<'p>,
        attr: &Attribute,
        keyed: bool,
        touched: &[usize],
    ) {
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
