//! Applying steps to single-valued attributes (RFC 7644 §3.5.2.1–3): simple attributes, complex
//! ones (`name`, `manager`) and their sub-attributes, and the removal of a whole extension.

use scim_core::schema::{Attribute, Mutability};
use serde_json::{Map, Value};

use crate::error::{At, PatchError};
use crate::journal::{Key, Session, Undo, get, get_mut};
use crate::merge::{check_immutable_subs, check_required_subs, immutable, merge, sub_value};
use crate::op::{Action, Slot, canonical};
use crate::select::is_member_like;

impl<'p> Session<'_, '_, 'p> {
    /// Removes a whole extension object (a `remove` whose path is the extension URN).
    pub(crate) fn remove_extension(&mut self, at: &At, urn: &'p str) -> Result<(), PatchError> {
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
            if is_member_like(a) {
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
    pub(crate) fn simple(
        &mut self,
        at: &At,
        slot: Slot<'p>,
        action: &Action,
    ) -> Result<(), PatchError> {
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
    pub(crate) fn complex(
        &mut self,
        at: &At,
        slot: Slot<'p>,
        action: &Action,
    ) -> Result<(), PatchError> {
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
    pub(crate) fn complex_sub(
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
}
