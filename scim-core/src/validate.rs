//! Schema-driven validation of client input for create (POST, RFC 7644 §3.3) and replace
//! (PUT, RFC 7644 §3.5.1).
//!
//! What it does, in order:
//! - **Names** are canonicalised (RFC 7643 §2.1): `USERNAME` becomes `userName`, an extension
//!   key in any case becomes the extension's URN, dotted keys (`name.givenName`) and
//!   URN-qualified keys (`urn:…:enterprise:2.0:User:department`) land in their nested place.
//! - **Nulls** are unassigned values (RFC 7643 §2.5): a `null`, an empty array or an empty
//!   complex value is dropped, never stored.
//! - **readOnly** attributes and sub-attributes in the input are ignored (RFC 7643 §2.2);
//!   `id`, `meta` and `User.groups` are the server's to set.
//! - **Types** are checked against the schema (RFC 7643 §2.3); a mismatch is 400
//!   `invalidValue` naming the attribute. The Entra ID string booleans `"True"`/`"False"`
//!   become real booleans; a bare value for a complex attribute with a `value` sub-attribute
//!   (`"manager": "26118915"`) becomes `{"value": …}`. Both leniencies can be switched off.
//! - **Required** attributes (`userName`, `Group.displayName`, required extensions) must be
//!   present (400 `invalidValue`).
//! - **primary**: at most one value of a multi-valued attribute may be `primary: true`
//!   (RFC 7643 §2.4).
//! - **Unknown attributes** of known schemas follow [`UnknownAttributes`]: ignored by
//!   default, kept, or rejected.
//!
//! Everything else is stored exactly as sent: no reformatting of phone numbers, emails or
//! case. On replace, readOnly values are carried over from the stored resource, immutable
//! values must match (400 `mutability`) or are kept when omitted, and writeOnly values
//! (`password`) are kept when omitted.

use serde_json::{Map, Value};

use crate::datetime::DateTime;
use crate::registry::{ResolvedAttr, ResourceType};
use crate::resource::json_kind;
use crate::schema::{AttrType, Attribute, Mutability, builtin};
use crate::{Resource, ScimError};

/// What to do with an attribute that no schema of the resource type defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnknownAttributes {
    /// Drop it silently (the default): identity providers send attributes the admin mapped
    /// but the app does not know, and provisioning should not fail over them.
    #[default]
    Ignore,
    /// Keep it as sent, under the key as sent (nulls and empty values inside it dropped, as
    /// RFC 7643 §2.5 makes them unassigned).
    Keep,
    /// Reject the request with 400 `invalidValue`.
    Reject,
}

/// Options for [`validate_create`] and [`validate_replace`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidationOptions {
    /// What to do with unknown attributes and sub-attributes.
    pub unknown_attributes: UnknownAttributes,
    /// Accept `"True"`/`"False"` (any case) for boolean attributes, as Microsoft Entra ID
    /// sends them, and store real booleans.
    pub string_booleans: bool,
    /// Accept a bare value for a complex attribute that has a `value` sub-attribute and
    /// store `{"value": …}` (Entra's `manager`, bare group member ids).
    pub bare_complex_values: bool,
    /// Require `schemas` to list the resource type's core schema (RFC 7643 §3). When false,
    /// a missing or incomplete `schemas` is filled in.
    pub require_schemas: bool,
}

impl Default for ValidationOptions {
    /// Lenient toward the identity providers we know: unknown attributes ignored, string
    /// booleans and bare complex values accepted, `schemas` filled in.
    fn default() -> Self {
        ValidationOptions {
            unknown_attributes: UnknownAttributes::Ignore,
            string_booleans: true,
            bare_complex_values: true,
            require_schemas: false,
        }
    }
}

impl ValidationOptions {
    /// Plain RFC 7643: unknown attributes rejected, no string booleans, no bare complex
    /// values, `schemas` required.
    pub fn strict() -> Self {
        ValidationOptions {
            unknown_attributes: UnknownAttributes::Reject,
            string_booleans: false,
            bare_complex_values: false,
            require_schemas: true,
        }
    }

    /// Sets the unknown-attribute policy.
    #[must_use]
    pub fn unknown_attributes(mut self, policy: UnknownAttributes) -> Self {
        self.unknown_attributes = policy;
        self
    }
}

/// Validates a resource sent to create (POST) a resource of type `ty`, and returns it with
/// canonical names and values, `schemas` set, and no readOnly attributes.
///
/// ```
/// use scim_core::{ResourceType, validate::{validate_create, ValidationOptions}};
/// use serde_json::json;
///
/// let users = ResourceType::user();
/// let user = validate_create(&users, json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "USERNAME": "bjensen", "active": "True", "id": "ignored",
///     "name": {"givenName": "Barbara", "familyName": null}
/// }), &ValidationOptions::default())?;
/// assert_eq!(user.get("userName"), Some(&json!("bjensen")));
/// assert_eq!(user.get("active"), Some(&json!(true)));
/// assert_eq!(user.get("name"), Some(&json!({"givenName": "Barbara"})));
/// assert_eq!(user.id(), None);
///
/// let err = validate_create(&users, json!({"displayName": "no userName"}), &ValidationOptions::default())
///     .unwrap_err();
/// assert_eq!(err.scim_type(), Some(scim_core::ScimType::InvalidValue));
/// # Ok::<(), scim_core::ScimError>(())
/// ```
pub fn validate_create(
    ty: &ResourceType,
    input: Value,
    opts: &ValidationOptions,
) -> Result<Resource, ScimError> {
    let (mut out, declared) = canonicalize(ty, input, opts)?;
    finish(ty, &mut out, &declared, opts)?;
    Ok(Resource::from_map(out))
}

/// Validates a resource sent to replace (PUT) `existing`, per RFC 7644 §3.5.1: readOnly values
/// come from `existing`; an immutable attribute that has a value must not change (400
/// `mutability`) and keeps its value when omitted; a writeOnly attribute keeps its value when
/// omitted; readWrite attributes that are omitted are cleared.
pub fn validate_replace(
    ty: &ResourceType,
    input: Value,
    existing: &Resource,
    opts: &ValidationOptions,
) -> Result<Resource, ScimError> {
    let (mut out, declared) = canonicalize(ty, input, opts)?;
    let core_attrs = builtin::common_attributes()
        .iter()
        .chain(&ty.schema.attributes)
        .filter(|a| a.name != "schemas");
    carry_over(core_attrs, existing.as_map(), &mut out, "")?;
    for ext in &ty.extensions {
        let urn = ext.schema.id.as_str();
        let Some(old) = existing.get(urn).and_then(Value::as_object) else {
            continue;
        };
        let mut new = match out.remove(urn) {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        carry_over(ext.schema.attributes.iter(), old, &mut new, urn)?;
        if !new.is_empty() {
            out.insert(urn.to_owned(), Value::Object(new));
        }
    }
    finish(ty, &mut out, &declared, opts)?;
    Ok(Resource::from_map(out))
}

/// Checks and normalises one attribute value against its definition, as
/// [`validate_create`] does for each attribute: the type (with the configured leniencies),
/// multi-valued arrays, sub-attributes of complex values (canonical names, readOnly ones
/// dropped, unknown ones per policy), and the single `primary`.
///
/// Returns `Ok(None)` for an unassigned value (`null`, `[]`, `{}`). `path` names the
/// attribute in error details. Mutability of the attribute itself is the caller's concern.
pub fn check_value(
    attr: &Attribute,
    value: Value,
    opts: &ValidationOptions,
    path: &str,
) -> Result<Option<Value>, ScimError> {
    check_value_at(attr, value, opts, &PathRef::root(path))
}

/// A path for error details, built only when an error needs it.
#[derive(Clone, Copy)]
struct PathRef<'a> {
    parent: Option<&'a PathRef<'a>>,
    sep: char,
    name: &'a str,
}

impl<'a> PathRef<'a> {
    fn root(name: &'a str) -> Self {
        PathRef {
            parent: None,
            sep: '.',
            name,
        }
    }

    fn child(&'a self, sep: char, name: &'a str) -> PathRef<'a> {
        PathRef {
            parent: Some(self),
            sep,
            name,
        }
    }
}

impl std::fmt::Display for PathRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(p) = self.parent {
            write!(f, "{p}{}", self.sep)?;
        }
        f.write_str(self.name)
    }
}

fn check_value_at(
    attr: &Attribute,
    value: Value,
    opts: &ValidationOptions,
    path: &PathRef<'_>,
) -> Result<Option<Value>, ScimError> {
    if !attr.multi_valued {
        return check_single(attr, value, opts, path);
    }
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if item.is_array() {
                    return Err(ScimError::invalid_value(format!(
                        "{path} holds a nested array; each value must be a single {}",
                        attr.ty
                    )));
                }
                if let Some(v) = check_single(attr, item, opts, path)? {
                    out.push(v);
                }
            }
            check_primary(attr, &out, path)?;
            Ok((!out.is_empty()).then_some(Value::Array(out)))
        }
        other => Err(ScimError::invalid_value(format!(
            "{path} is multi-valued and must be an array, not {}",
            json_kind(&other)
        ))),
    }
}

/// Checks a single (non-array) value against the attribute's type.
fn check_single(
    attr: &Attribute,
    value: Value,
    opts: &ValidationOptions,
    path: &PathRef<'_>,
) -> Result<Option<Value>, ScimError> {
    let ok = |v: Value| Ok(Some(v));
    match (attr.ty, value) {
        (_, Value::Null) => Ok(None),
        (AttrType::String | AttrType::Reference, v @ Value::String(_)) => ok(v),
        (AttrType::Boolean, v @ Value::Bool(_)) => ok(v),
        (AttrType::Boolean, Value::String(s)) if opts.string_booleans => {
            match parse_string_bool(&s) {
                Some(b) => ok(Value::Bool(b)),
                None => Err(type_error(path, attr, &Value::String(s))),
            }
        }
        (AttrType::Decimal, v @ Value::Number(_)) => ok(v),
        (AttrType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => ok(Value::Number(n)),
        (AttrType::DateTime, Value::String(s)) => {
            if DateTime::parse(&s).is_some() {
                ok(Value::String(s))
            } else {
                Err(ScimError::invalid_value(format!(
                    "{path} must be an xsd:dateTime such as 2008-01-23T04:56:22Z, not {s:?}"
                )))
            }
        }
        (AttrType::Binary, Value::String(s)) => {
            if is_base64(&s) {
                ok(Value::String(s))
            } else {
                Err(ScimError::invalid_value(format!(
                    "{path} must be base64-encoded binary data"
                )))
            }
        }
        (AttrType::Complex, Value::Object(obj)) => check_complex(attr, obj, opts, path),
        (AttrType::Complex, v @ (Value::String(_) | Value::Number(_) | Value::Bool(_)))
            if opts.bare_complex_values && attr.sub_attribute("value").is_some() =>
        {
            let mut obj = Map::new();
            obj.insert("value".to_owned(), v);
            check_complex(attr, obj, opts, path)
        }
        (_, v) => Err(type_error(path, attr, &v)),
    }
}

fn check_complex(
    attr: &Attribute,
    obj: Map<String, Value>,
    opts: &ValidationOptions,
    path: &PathRef<'_>,
) -> Result<Option<Value>, ScimError> {
    let mut out = Map::new();
    for (key, value) in obj {
        if value.is_null() {
            continue;
        }
        match attr.sub_attribute(&key) {
            Some(sub) if sub.mutability == Mutability::ReadOnly => {}
            Some(sub) => {
                let sub_path = path.child('.', &sub.name);
                if let Some(v) = check_value_at(sub, value, opts, &sub_path)? {
                    out.insert(sub.name.clone(), v);
                }
            }
            None => unknown(opts, &mut out, key, value, Some(path))?,
        }
    }
    if out.is_empty() {
        return Ok(None);
    }
    if let Some(missing) = attr
        .sub_attributes
        .iter()
        .find(|s| s.required && s.mutability != Mutability::ReadOnly && !out.contains_key(&s.name))
    {
        return Err(ScimError::invalid_value(format!(
            "{path}.{} is required",
            missing.name
        )));
    }
    Ok(Some(Value::Object(out)))
}

/// RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once."
fn check_primary(attr: &Attribute, values: &[Value], path: &PathRef<'_>) -> Result<(), ScimError> {
    if attr.ty != AttrType::Complex {
        return Ok(());
    }
    let primaries = values
        .iter()
        .filter(|v| v.get("primary") == Some(&Value::Bool(true)))
        .count();
    if primaries > 1 {
        return Err(ScimError::invalid_value(format!(
            "{path} has {primaries} values marked primary; at most one may be"
        )));
    }
    Ok(())
}

/// Canonicalises names and checks types of every attribute; returns the canonical object and
/// the `schemas` the client declared.
fn canonicalize(
    ty: &ResourceType,
    input: Value,
    opts: &ValidationOptions,
) -> Result<(Map<String, Value>, Vec<String>), ScimError> {
    let Value::Object(input) = input else {
        return Err(ScimError::invalid_value(format!(
            "a {} must be a JSON object, not {}",
            ty.name,
            json_kind(&input)
        )));
    };
    let mut out = Map::new();
    let mut declared = Vec::new();
    for (key, value) in input {
        if value.is_null() {
            continue;
        }
        if key.eq_ignore_ascii_case("schemas") {
            declared = read_schemas(value)?;
            continue;
        }
        if let Some(ext) = ty.extension(&key) {
            let Value::Object(fields) = value else {
                return Err(ScimError::invalid_value(format!(
                    "the extension {} must be a JSON object, not {}",
                    ext.schema.id,
                    json_kind(&value)
                )));
            };
            let urn = ext.schema.id.as_str();
            for (name, v) in fields {
                match ty.resolve_parts(Some(urn), &name, None) {
                    Some(r) => place(&mut out, r, None, v, opts)?,
                    None if v.is_null() => {}
                    None => {
                        let slot = ext_object(&mut out, urn)?;
                        unknown(opts, slot, name, v, Some(&PathRef::root(urn)))?;
                    }
                }
            }
            continue;
        }
        match ty.resolve(&key) {
            Some(r) => {
                let sub = r.sub_attribute();
                place(&mut out, r.parent(), sub, value, opts)?;
            }
            None => unknown(opts, &mut out, key, value, None)?,
        }
    }
    Ok((out, declared))
}

/// Stores a checked value at its canonical place: top level, under an extension URN, or as a
/// sub-attribute of a single-valued complex attribute (for dotted keys).
fn place(
    out: &mut Map<String, Value>,
    attr: ResolvedAttr<'_>,
    sub: Option<&Attribute>,
    value: Value,
    opts: &ValidationOptions,
) -> Result<(), ScimError> {
    let def = attr.attribute();
    if def.mutability == Mutability::ReadOnly
        || sub.is_some_and(|s| s.mutability == Mutability::ReadOnly)
    {
        return Ok(());
    }
    let base = match attr.extension_urn() {
        Some(urn) => PathRef::root(urn),
        None => PathRef::root(""),
    };
    let top = match attr.extension_urn() {
        Some(_) => base.child(':', &def.name),
        None => PathRef::root(&def.name),
    };
    let container = match attr.extension_urn() {
        Some(urn) => ext_object(out, urn)?,
        None => out,
    };
    match sub {
        None => {
            let Some(v) = check_value_at(def, value, opts, &top)? else {
                return Ok(());
            };
            match (container.get_mut(&def.name), v) {
                (Some(Value::Object(existing)), Value::Object(new)) => existing.extend(new),
                (_, v) => {
                    container.insert(def.name.clone(), v);
                }
            }
        }
        Some(s) => {
            let path = top.child('.', &s.name);
            if def.multi_valued {
                return Err(ScimError::invalid_value(format!(
                    "{path}: {} is multi-valued; send the whole array instead of a dotted key",
                    def.name
                )));
            }
            let Some(v) = check_value_at(s, value, opts, &path)? else {
                return Ok(());
            };
            let slot = container
                .entry(def.name.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            match slot {
                Value::Object(m) => {
                    m.insert(s.name.clone(), v);
                }
                other => {
                    let mut m = Map::new();
                    m.insert(s.name.clone(), v);
                    *other = Value::Object(m);
                }
            }
        }
    }
    Ok(())
}

fn ext_object<'m>(
    out: &'m mut Map<String, Value>,
    urn: &str,
) -> Result<&'m mut Map<String, Value>, ScimError> {
    let slot = out
        .entry(urn.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    slot.as_object_mut()
        .ok_or_else(|| ScimError::invalid_value(format!("{urn} must be a JSON object")))
}

fn unknown(
    opts: &ValidationOptions,
    out: &mut Map<String, Value>,
    key: String,
    value: Value,
    parent: Option<&PathRef<'_>>,
) -> Result<(), ScimError> {
    match opts.unknown_attributes {
        UnknownAttributes::Ignore => Ok(()),
        UnknownAttributes::Keep => {
            // Kept as sent, but nulls stay unassigned (RFC 7643 §2.5) here too.
            if let Some(v) = prune_unassigned(value) {
                out.insert(key, v);
            }
            Ok(())
        }
        UnknownAttributes::Reject => {
            let full = match parent {
                None => key,
                Some(p) => p
                    .child(
                        if p.parent.is_none() && p.name.contains(':') {
                            ':'
                        } else {
                            '.'
                        },
                        &key,
                    )
                    .to_string(),
            };
            Err(ScimError::invalid_value(format!(
                "{full} is not an attribute of the resource's schemas"
            )))
        }
    }
}

fn read_schemas(value: Value) -> Result<Vec<String>, ScimError> {
    let Value::Array(items) = value else {
        return Err(ScimError::invalid_value(
            "schemas must be an array of schema URNs",
        ));
    };
    items
        .into_iter()
        .filter(|v| !v.is_null())
        .map(|v| match v {
            Value::String(s) => Ok(s),
            other => Err(ScimError::invalid_value(format!(
                "schemas must hold URN strings, not {}",
                json_kind(&other)
            ))),
        })
        .collect()
}

/// Sets `schemas`, then checks required attributes and extensions.
fn finish(
    ty: &ResourceType,
    out: &mut Map<String, Value>,
    declared: &[String],
    opts: &ValidationOptions,
) -> Result<(), ScimError> {
    if opts.require_schemas && !declared.iter().any(|s| ty.is_core_schema(s)) {
        return Err(ScimError::invalid_value(format!(
            "schemas must include {}",
            ty.schema.id
        )));
    }
    for ext in &ty.extensions {
        if out
            .get(&ext.schema.id)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            out.remove(&ext.schema.id);
        }
    }
    let mut schemas = vec![Value::String(ty.schema.id.clone())];
    for ext in &ty.extensions {
        let urn = &ext.schema.id;
        if out.contains_key(urn) || declared.iter().any(|d| d.eq_ignore_ascii_case(urn)) {
            schemas.push(Value::String(urn.clone()));
        }
    }
    if opts.unknown_attributes == UnknownAttributes::Keep {
        for d in declared {
            let known = ty.is_core_schema(d) || ty.extension(d).is_some();
            if !known && !schemas.iter().any(|s| s.as_str() == Some(d)) {
                schemas.push(Value::String(d.clone()));
            }
        }
    }
    out.insert("schemas".to_owned(), Value::Array(schemas));

    for attr in &ty.schema.attributes {
        if attr.required && attr.mutability != Mutability::ReadOnly && !out.contains_key(&attr.name)
        {
            return Err(ScimError::invalid_value(format!(
                "{} is required",
                attr.name
            )));
        }
    }
    if let Some((attr, sub)) = missing_required_sub(&ty.schema.attributes, out) {
        return Err(ScimError::invalid_value(format!(
            "{attr}.{sub} is required"
        )));
    }
    for ext in &ty.extensions {
        let urn = ext.schema.id.as_str();
        let Some(obj) = out.get(urn).and_then(Value::as_object) else {
            if ext.required {
                return Err(ScimError::invalid_value(format!(
                    "the extension {urn} is required"
                )));
            }
            continue;
        };
        for attr in &ext.schema.attributes {
            if attr.required
                && attr.mutability != Mutability::ReadOnly
                && !obj.contains_key(&attr.name)
            {
                return Err(ScimError::invalid_value(format!(
                    "{urn}:{} is required",
                    attr.name
                )));
            }
        }
        if let Some((attr, sub)) = missing_required_sub(&ext.schema.attributes, obj) {
            return Err(ScimError::invalid_value(format!(
                "{urn}:{attr}.{sub} is required"
            )));
        }
    }
    Ok(())
}

/// The first required sub-attribute missing from a single-valued complex value. Dotted keys
/// (`name.givenName`) build such values piece by piece, past the check that
/// [`check_complex`] makes on a whole value.
fn missing_required_sub<'a>(
    attrs: &'a [Attribute],
    obj: &Map<String, Value>,
) -> Option<(&'a str, &'a str)> {
    attrs
        .iter()
        .filter(|a| a.ty == AttrType::Complex && !a.multi_valued)
        .find_map(|a| {
            let value = obj.get(&a.name)?.as_object()?;
            a.sub_attributes
                .iter()
                .find(|s| {
                    s.required
                        && s.mutability != Mutability::ReadOnly
                        && !value.contains_key(&s.name)
                })
                .map(|s| (a.name.as_str(), s.name.as_str()))
        })
}

/// Drops nulls, empty arrays and empty objects, recursively (RFC 7643 §2.5); `None` when
/// nothing is left.
fn prune_unassigned(value: Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Array(items) => {
            let items: Vec<Value> = items.into_iter().filter_map(prune_unassigned).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(obj) => {
            let obj: Map<String, Value> = obj
                .into_iter()
                .filter_map(|(k, v)| prune_unassigned(v).map(|v| (k, v)))
                .collect();
            (!obj.is_empty()).then_some(Value::Object(obj))
        }
        other => Some(other),
    }
}

/// RFC 7644 §3.5.1 replace rules for the attributes of one schema level.
fn carry_over<'a>(
    attrs: impl Iterator<Item = &'a Attribute>,
    old: &Map<String, Value>,
    new: &mut Map<String, Value>,
    prefix: &str,
) -> Result<(), ScimError> {
    for attr in attrs {
        let Some(old_v) = old.get(&attr.name) else {
            continue;
        };
        match attr.mutability {
            Mutability::ReadOnly | Mutability::WriteOnly => {
                if attr.mutability == Mutability::ReadOnly || !new.contains_key(&attr.name) {
                    new.insert(attr.name.clone(), old_v.clone());
                }
            }
            Mutability::Immutable => match new.get(&attr.name) {
                None => {
                    new.insert(attr.name.clone(), old_v.clone());
                }
                Some(new_v) if !same_value(attr, old_v, new_v) => {
                    let name = if prefix.is_empty() {
                        attr.name.clone()
                    } else {
                        format!("{prefix}:{}", attr.name)
                    };
                    return Err(ScimError::mutability(format!(
                        "{name} is immutable and already has a value"
                    )));
                }
                Some(_) => {}
            },
            Mutability::ReadWrite => {}
        }
    }
    Ok(())
}

fn same_value(attr: &Attribute, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if !attr.case_exact => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

fn parse_string_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn is_base64(s: &str) -> bool {
    let mut padding = 0;
    for c in s.bytes() {
        match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'-' | b'_' if padding == 0 => {
            }
            b'=' => padding += 1,
            b' ' | b'\n' | b'\r' | b'\t' => {}
            _ => return false,
        }
    }
    padding <= 2
}

fn type_error(path: &PathRef<'_>, attr: &Attribute, got: &Value) -> ScimError {
    let want = match attr.ty {
        AttrType::String => "a string",
        AttrType::Boolean => "a boolean",
        AttrType::Decimal => "a number",
        AttrType::Integer => "an integer",
        AttrType::DateTime => "an xsd:dateTime string",
        AttrType::Binary => "a base64 string",
        AttrType::Reference => "a URI string",
        AttrType::Complex => "a JSON object",
    };
    ScimError::invalid_value(format!("{path} must be {want}, not {}", json_kind(got)))
}
