//! Applying steps to a multi-valued attribute as a whole (`emails`, `members`), without a value
//! filter: `add` appends values not already there (RFC 7644 §3.5.2.1), `replace` replaces the
//! whole list (§3.5.2.3), `remove` drops it or, with Entra's value list, only those values
//! (§3.5.2.2).

use std::collections::HashMap;

use scim_core::schema::Mutability;
use serde_json::Value;

use crate::error::{At, PatchError};
use crate::journal::{Key, Session, Undo, get, get_mut, put};
use crate::merge::immutable;
use crate::op::{Action, Slot};
use crate::select::key_of;

impl<'p> Session<'_, '_, 'p> {
    /// A multi-valued attribute without filter or sub-attribute.
    pub(crate) fn multi(
        &mut self,
        at: &At,
        slot: Slot<'p>,
        action: &Action,
    ) -> Result<(), PatchError> {
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

    /// Replaces a member-like array wholesale, moving the old one into the journal.
    pub(crate) fn replace_all_keyed(&mut self, key: Key<'p>, values: &[Value]) {
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
}
