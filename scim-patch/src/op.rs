//! The resolved form of a PATCH request (RFC 7644 §3.5.2): [`Step`]s, each a [`Target`] in the
//! schema and an [`Action`] with a checked value. Resolution (`operation`, `path`, `pathless`,
//! `value`) produces them; application (`apply` and the modules below it) and
//! [`Patch::member_plan`](crate::Patch::member_plan) consume them. This module depends on
//! neither side.

use scim_core::schema::Attribute;
use scim_filter::Matcher;
use serde_json::{Map, Value};

use crate::error::At;
use crate::select::is_member_like;

/// One resolved change: what it targets and what it does.
#[derive(Debug, Clone)]
pub(crate) struct Step<'t> {
    pub(crate) at: At,
    pub(crate) target: Target<'t>,
    pub(crate) action: Action,
}

/// A top-level attribute: core (`ext: None`) or of an extension.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot<'t> {
    pub(crate) ext: Option<&'t str>,
    pub(crate) attr: &'t Attribute,
}

impl Slot<'_> {
    /// Whether values are identified by their `value` (group `members`).
    pub(crate) fn keyed(&self) -> bool {
        is_member_like(self.attr)
    }

    /// The canonical path of the attribute (`displayName`, `urn:…:enterprise:2.0:User:manager`).
    pub(crate) fn canonical(&self) -> String {
        canonical(self.ext, &self.attr.name)
    }
}

/// The canonical path of a top-level attribute: `name`, or `urn:name` for an extension's.
pub(crate) fn canonical(ext: Option<&str>, name: &str) -> String {
    match ext {
        Some(urn) => format!("{urn}:{name}"),
        None => name.to_owned(),
    }
}

/// What a step targets.
#[derive(Debug, Clone)]
pub(crate) enum Target<'t> {
    /// `attr` or `attr.sub`.
    Attr {
        slot: Slot<'t>,
        sub: Option<&'t Attribute>,
    },
    /// `attr[filter]` or `attr[filter].sub` (also `multiValued.sub`, as a match-all filter).
    Filtered(Box<Filtered<'t>>),
    /// A bare extension URN: the whole extension object (only for `remove`).
    Extension { urn: &'t str },
    /// A readOnly attribute in a path-less value: allowed only when equal to what is stored.
    ReadOnly {
        slot: Slot<'t>,
        sub: Option<&'t Attribute>,
    },
    /// An attribute no schema defines, kept as sent (`UnknownAttributes::Keep`).
    Unknown { ext: Option<&'t str>, key: String },
}

/// A value path: the values of an attribute a filter selects (RFC 7644 §3.5.2, `valuePath`).
#[derive(Debug, Clone)]
pub(crate) struct Filtered<'t> {
    pub(crate) slot: Slot<'t>,
    pub(crate) filter: Matcher,
    pub(crate) sub: Option<&'t Attribute>,
    /// The value an `add`/`replace` creates when nothing matches (from `eq` terms).
    pub(crate) template: Option<Map<String, Value>>,
    /// `Some(id)` for the filter `value eq "id"` on a member-like attribute (index lookups).
    pub(crate) key: Option<String>,
    /// False for `multiValued.sub` paths, which have no filter of their own.
    pub(crate) explicit: bool,
}

/// What a step does. Values are already checked and normalised against the target.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    Add(Value),
    Replace(Value),
    Remove,
    /// Entra/Okta: `remove` with a value list, removing only those values.
    RemoveValues(Vec<Value>),
}

/// How a JSON value is described in error details ("a string", "an object").
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
