//! Applying steps through a value path (RFC 7644 §3.5.2: `attr[filter]`, `attr[filter].sub`, and
//! `multiValued.sub` as a match-all filter): selecting the values the filter matches, changing
//! only those, and Entra's creation of a value from the filter's `eq` terms when nothing matches.

use scim_core::schema::Mutability;
use serde_json::Value;

use crate::error::{At, PatchError};
use crate::journal::{Key, Session, get};
use crate::merge::{
    check_immutable_subs, check_required_subs, immutable, merge, set_sub, sub_value,
};
use crate::op::{Action, Filtered};
use crate::select::key_of;

impl<'p> Session<'_, '_, 'p> {
    /// `attr[filter]`, `attr[filter].sub` and `multiValued.sub`.
    pub(crate) fn filtered(
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
    pub(crate) fn filtered_single(
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

    /// The positions (ascending) of the values the filter selects.
    pub(crate) fn matches(&mut self, key: Key<'p>, f: &Filtered<'_>) -> Vec<usize> {
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
}
