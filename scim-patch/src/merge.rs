//! Merging complex values and the mutability rules checked while applying (RFC 7643 §2.2:
//! `immutable` and `required`; RFC 7644 §3.5.2.1 and §3.5.2.3: `add` merges sub-attributes,
//! `replace` replaces the ones named).

use scim_core::schema::{Attribute, Mutability};
use serde_json::{Map, Value};

use crate::error::{At, PatchError};

/// Merges `new` sub-attributes into `old`. Multi-valued sub-attributes are extended on `add`
/// and replaced on `replace`.
pub(crate) fn merge(
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
pub(crate) fn sub_value(old: Option<&Value>, sub: &Attribute, v: &Value, add: bool) -> Value {
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
pub(crate) fn set_sub(obj: &mut Map<String, Value>, sub: &Attribute, v: &Value, add: bool) {
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

pub(crate) fn immutable(at: &At, path: &str) -> PatchError {
    at.mutability(format!(
        "{path} is immutable and already has a value; it cannot be changed or removed"
    ))
}

/// Immutable sub-attributes that have a value must keep it.
pub(crate) fn check_immutable_subs(
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
pub(crate) fn check_required_subs(
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
