//! Applying steps to a multi-valued attribute as a whole (`emails`, `members`), without a value
//! filter: `add` appends values not already there (RFC 7644 §3.5.2.1), `replace` replaces the
//! whole list (§3.5.2.3), `remove` drops it or, with Entra's value list, only those values
//! (§3.5.2.2).

use scim_core::schema::Mutability;
use serde_json::Value;

use crate::error::{At, PatchError};
use crate::journal::{Key, Session, Undo, get, get_mut, put};
use crate::merge::immutable;
use crate::op::{Action, Slot};
use crate::select::{TempMap, key_of};

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

    /// Replaces a member-like array wholesale, moving the old one into the journal. Nothing
    /// is recorded per value: the delta compares the old array with the final one at commit
    /// ([`Delta::replaced`](crate::journal::Delta)).
    pub(crate) fn replace_all_keyed(&mut self, key: Key<'p>, values: &[Value]) {
        self.begin_keyed(key);
        let old = match get_mut(self.map, key) {
            Some(v) => Some(std::mem::take(v)),
            None => None,
        };
        // The new list, without duplicates.
        let mut seen: TempMap<&str, ()> =
            TempMap::with_capacity_and_hasher(values.len(), Default::default());
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
        let at = self.journal.len();
        self.delta(key).replaced(at);
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
