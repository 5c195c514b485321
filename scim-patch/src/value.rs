//! Checking and normalising the value of each operation against its target (RFC 7644 §3.5.2.1–3,
//! RFC 7643 §2.3 types, §2.5 unassigned values): what `add`, `replace` and `remove` will do, with
//! the identity providers' leniencies (string booleans, bare ids, one-element arrays).

use scim_core::ResolvedAttr;
use scim_core::message::PatchOp;
use scim_core::schema::{Attribute, Mutability};
use scim_core::validate::{UnknownAttributes, check_value};
use serde_json::{Map, Value};

use crate::error::{At, PatchError};
use crate::op::{Action, Slot, Target};
use crate::resolver::Resolver;

impl<'t> Resolver<'t, '_> {
    /// Checks and normalises the value of an operation for its target; `None` when the
    /// operation turns out to do nothing (a path-less `add` of `null`).
    pub(crate) fn action(
        &self,
        at: &At,
        op: PatchOp,
        target: &Target<'t>,
        value: Option<Value>,
    ) -> Result<Option<Action>, PatchError> {
        match op {
            PatchOp::Remove => {
                let Some(value) = value else {
                    return Ok(Some(Action::Remove));
                };
                if !self.opts.remove_with_value {
                    return Err(at.invalid_value(
                        "remove takes no value; select values with a filter, e.g. members[value eq \"id\"]",
                    ));
                }
                match target {
                    Target::Attr { slot, sub: None } if slot.attr.multi_valued => {
                        let values = match self.normalise(at, slot.attr, written(at), value)? {
                            Some(Value::Array(items)) => items,
                            Some(other) => vec![other],
                            None => Vec::new(),
                        };
                        Ok(Some(Action::RemoveValues(values)))
                    }
                    // Any other target: the value adds nothing to the path.
                    _ => Ok(Some(Action::Remove)),
                }
            }
            PatchOp::Add | PatchOp::Replace => {
                let Some(raw) = value else {
                    if op == PatchOp::Replace && self.opts.replace_null_removes {
                        return self.as_remove(at, target);
                    }
                    return Err(at.invalid_value(format!("{op} needs a value")));
                };
                let normalised = match target {
                    Target::Attr { slot, sub: None }
                        if slot.attr.is_complex() && !slot.attr.multi_valued =>
                    {
                        self.partial(at, slot.attr, written(at), raw)?
                    }
                    Target::Attr { slot, sub: None } => {
                        self.normalise(at, slot.attr, written(at), raw)?
                    }
                    Target::Attr { sub: Some(sub), .. } => {
                        self.normalise(at, sub, written(at), raw)?
                    }
                    Target::Filtered(f) => match f.sub {
                        Some(sub) => self.normalise(at, sub, written(at), raw)?,
                        None => self.element(at, f.slot, raw)?,
                    },
                    // Not reachable from `operation`/`expand`; kept total.
                    Target::Extension { .. } | Target::ReadOnly { .. } | Target::Unknown { .. } => {
                        Some(raw)
                    }
                };
                match normalised {
                    Some(v) if op == PatchOp::Add => Ok(Some(Action::Add(v))),
                    Some(v) => Ok(Some(Action::Replace(v))),
                    // RFC 7643 §2.5: null, [] and {} are unassigned.
                    None if op == PatchOp::Add => Ok(None),
                    None => self.as_remove(at, target),
                }
            }
        }
    }

    /// A `replace` with an unassigned value: a `remove` of the target.
    pub(crate) fn as_remove(
        &self,
        at: &At,
        target: &Target<'t>,
    ) -> Result<Option<Action>, PatchError> {
        let (slot, sub) = match target {
            Target::Attr { slot, sub } => (slot, *sub),
            Target::Filtered(f) => (&f.slot, f.sub),
            _ => return Ok(Some(Action::Remove)),
        };
        if let Some(r) =
            self.ty
                .resolve_parts(slot.ext, &slot.attr.name, sub.map(|s| s.name.as_str()))
        {
            required_check(at, &r)?;
        }
        Ok(Some(Action::Remove))
    }

    /// `check_value` for an attribute, with the array leniencies.
    pub(crate) fn normalise(
        &self,
        at: &At,
        attr: &Attribute,
        path: &str,
        raw: Value,
    ) -> Result<Option<Value>, PatchError> {
        let raw = if self.opts.lenient_arrays {
            match raw {
                Value::Array(mut items) if !attr.multi_valued && items.len() == 1 => {
                    items.pop().unwrap_or(Value::Null)
                }
                v if attr.multi_valued && !v.is_array() && !v.is_null() => Value::Array(vec![v]),
                v => v,
            }
        } else {
            raw
        };
        check_value(attr, raw, &self.vopts, path).map_err(|e| at.wrap_scim(&e))
    }

    /// A value for a single-valued complex attribute, which `add` and `replace` merge into the
    /// stored one (RFC 7644 §3.5.2.3): each sub-attribute is checked on its own, and required
    /// sub-attributes are checked after the merge, when the step is applied.
    pub(crate) fn partial(
        &self,
        at: &At,
        attr: &Attribute,
        path: &str,
        raw: Value,
    ) -> Result<Option<Value>, PatchError> {
        let raw = match raw {
            Value::Array(mut items) if self.opts.lenient_arrays && items.len() == 1 => {
                items.pop().unwrap_or(Value::Null)
            }
            v => v,
        };
        let obj = match raw {
            Value::Object(obj) => obj,
            Value::Null => return Ok(None),
            // Bare values (`"manager": "id"`) and type errors: `check_value` knows both.
            other => {
                return check_value(attr, other, &self.vopts, path).map_err(|e| at.wrap_scim(&e));
            }
        };
        let mut out = Map::new();
        for (key, value) in obj {
            match attr.sub_attribute(&key) {
                Some(sub) if sub.mutability == Mutability::ReadOnly => {}
                Some(sub) => {
                    let sub_path = format!("{path}.{}", sub.name);
                    if let Some(v) = check_value(sub, value, &self.vopts, &sub_path)
                        .map_err(|e| at.wrap_scim(&e))?
                    {
                        out.insert(sub.name.clone(), v);
                    }
                }
                None => match self.opts.unknown_attributes {
                    UnknownAttributes::Reject => {
                        return Err(at.invalid_value(format!(
                            "{path}.{key} is not an attribute of {}",
                            self.ty.name
                        )));
                    }
                    UnknownAttributes::Keep => {
                        if let Some(v) = prune(value) {
                            out.insert(key, v);
                        }
                    }
                    _ => {}
                },
            }
        }
        Ok((!out.is_empty()).then_some(Value::Object(out)))
    }

    /// `check_value` for one value of a multi-valued attribute (or the value of a single-valued
    /// complex attribute with a filter).
    pub(crate) fn element(
        &self,
        at: &At,
        slot: Slot<'t>,
        raw: Value,
    ) -> Result<Option<Value>, PatchError> {
        let raw = match raw {
            Value::Array(mut items) if self.opts.lenient_arrays && items.len() == 1 => {
                items.pop().unwrap_or(Value::Null)
            }
            v => v,
        };
        if raw.is_array() {
            return Err(at.invalid_value(format!(
                "a value filter selects single values of {}; send one value, not an array",
                slot.canonical()
            )));
        }
        if !slot.attr.multi_valued {
            return check_value(slot.attr, raw, &self.vopts, written(at))
                .map_err(|e| at.wrap_scim(&e));
        }
        match check_value(slot.attr, Value::Array(vec![raw]), &self.vopts, written(at)) {
            Ok(Some(Value::Array(mut items))) => Ok(items.pop()),
            Ok(_) => Ok(None),
            Err(e) => Err(at.wrap_scim(&e)),
        }
    }

    /// Rejects a value on a `remove` that cannot use one, when values on removes are off.
    pub(crate) fn no_remove_value(&self, at: &At, value: &Option<Value>) -> Result<(), PatchError> {
        if value.is_some() && !self.opts.remove_with_value {
            return Err(at.invalid_value("remove takes no value"));
        }
        Ok(())
    }
}

/// The path of an operation as the client wrote it (or the key of a path-less value), for
/// error details.
pub(crate) fn written(at: &At) -> &str {
    at.path.as_deref().unwrap_or_default()
}

/// Removing (or unassigning) a required attribute or sub-attribute is `mutability`.
pub(crate) fn required_check(at: &At, r: &ResolvedAttr<'_>) -> Result<(), PatchError> {
    let def = r.definition();
    if def.required {
        return Err(at.mutability(format!(
            "{} is required and cannot be removed",
            r.canonical_path()
        )));
    }
    Ok(())
}

/// Drops nulls and empty values recursively (RFC 7643 §2.5).
pub(crate) fn prune(value: Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Array(items) => {
            let items: Vec<Value> = items.into_iter().filter_map(prune).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(obj) => {
            let obj: Map<String, Value> = obj
                .into_iter()
                .filter_map(|(k, v)| prune(v).map(|v| (k, v)))
                .collect();
            (!obj.is_empty()).then_some(Value::Object(obj))
        }
        other => Some(other),
    }
}
