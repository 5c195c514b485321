//! Schema-aware filter evaluation (RFC 7644 §3.4.2.2).
//!
//! A [`Filter`] is checked and compiled once against a [`ResourceType`] into a [`Matcher`]:
//! names are resolved to their canonical spelling, each comparison value is converted to the
//! attribute's type (so `dateTime` values compare as instants and `caseExact: false` strings
//! are folded once), and comparisons the schema cannot support are rejected with
//! `invalidFilter`. [`Matcher::matches`] then evaluates without lookups or allocation on the
//! common paths.
//!
//! Semantics:
//! - `caseExact` decides whether strings compare case-sensitively.
//! - `dateTime` values compare as instants; `boolean`, `integer` and `decimal` compare as
//!   their types; `binary` supports only `eq`, `ne` and `pr`; `boolean` only `eq`, `ne`, `pr`.
//! - A comparison on a multi-valued attribute matches if any value matches; on a complex
//!   attribute without a sub-attribute it compares the `value` sub-attribute
//!   (`emails co "example.com"` compares `emails.value`).
//! - `pr` is false for `null`, `""`, `[]` and `{}`; `eq null` matches an unassigned attribute
//!   and `ne null` an assigned one.
//! - An attribute the resource type does not define matches nothing (RFC 7644 §3.4.2.2); use
//!   [`Filter::resolve`] to reject such filters instead.
//! - Comparing incompatible types (`active gt true`, `userName eq 12`,
//!   `meta.created gt "yesterday"`) is an [`EvalError`] (400 `invalidFilter`), not a silent
//!   false.
//! - An attribute that is never returned (`returned: never` or `mutability: writeOnly`,
//!   [`Attribute::is_secret`], RFC 7643 §2.2) is an [`EvalError::SecretAttribute`] wherever it
//!   appears, so a filter cannot be used as an oracle on a password.
//! - `co`, `sw` and `ew` are linear in the length of the value: `co` runs `memchr`'s `memmem`
//!   with the needle's searcher built at compile time, and a `caseExact: false` value is folded
//!   once (Unicode lowercase) per comparison.
//!
//! The module's files: `error` ([`EvalError`]), `compile` (resolution and checks),
//! `convert` (comparison values to the attribute's type, shared with the SQL translator),
//! `node` (the compiled tree and its evaluation) and `text` (string matching).

mod compile;
pub(crate) mod convert;
pub(crate) mod error;
mod node;
mod text;

#[cfg(test)]
mod tests;

use scim_core::{Attribute, Resource, ResourceType};
use serde_json::{Map, Value};

pub use compile::ValueFilterOptions;
use compile::{Scope, compile, resolve_names};
pub use error::EvalError;
use node::Node;

use crate::ast::Filter;

/// A filter compiled against a resource type, ready to evaluate many resources.
///
/// ```
/// use scim_core::{Resource, ResourceType};
/// use scim_filter::Filter;
/// use serde_json::json;
///
/// let users = ResourceType::user();
/// let filter = Filter::parse(r#"userName eq "BJENSEN" and emails[type eq "work"]"#)?;
/// let matcher = filter.compile(&users)?;
/// let user = Resource::from_value(json!({
///     "userName": "bjensen",
///     "emails": [{"type": "work", "value": "bjensen@example.com"}]
/// }))?;
/// assert!(matcher.matches(&user)); // userName is caseExact: false
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Matcher {
    root: Node,
}

impl Matcher {
    /// Whether the resource matches the filter.
    pub fn matches(&self, resource: &Resource) -> bool {
        self.root.eval(resource.as_map())
    }

    /// Whether a JSON object (a resource's map) matches the filter.
    pub fn matches_map(&self, map: &Map<String, Value>) -> bool {
        self.root.eval(map)
    }

    /// Whether a JSON value matches: objects as [`Matcher::matches_map`]; anything else never.
    pub fn matches_value(&self, value: &Value) -> bool {
        value.as_object().is_some_and(|m| self.root.eval(m))
    }

    /// A matcher that matches everything (a PATCH path without a value filter).
    pub fn always() -> Matcher {
        Matcher {
            root: Node::Const(true),
        }
    }
}

/// Evaluates `filter` against `resource` of type `ty` (compiling it first). To evaluate one
/// filter against many resources, [`Filter::compile`] once and reuse the [`Matcher`].
pub fn matches(filter: &Filter, resource: &Resource, ty: &ResourceType) -> Result<bool, EvalError> {
    Ok(filter.compile(ty)?.matches(resource))
}

impl Filter {
    /// Checks the filter against the resource type and compiles it for evaluation. Unknown
    /// attributes compile to "no match".
    pub fn compile(&self, ty: &ResourceType) -> Result<Matcher, EvalError> {
        Ok(Matcher {
            root: compile(self, &Scope::Resource(ty))?,
        })
    }

    /// Compiles a value filter — the `[...]` part of `emails[type eq "work"]` — against the
    /// sub-attributes of the complex attribute `attr`, to evaluate each value (a JSON object)
    /// with [`Matcher::matches_map`]. Names resolve against `attr`'s sub-attributes; unknown
    /// ones match nothing. PATCH uses this to select values (RFC 7644 §3.5.2).
    ///
    /// ```
    /// use scim_core::ResourceType;
    /// use scim_filter::Filter;
    /// use serde_json::json;
    ///
    /// let users = ResourceType::user();
    /// let emails = users.resolve("emails").unwrap().attribute();
    /// let m = Filter::parse(r#"type eq "WORK" and value ew "@example.com""#)?.compile_for_values(emails)?;
    /// let work = json!({"type": "work", "value": "bjensen@example.com"});
    /// assert!(m.matches_map(work.as_object().unwrap()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compile_for_values(&self, attr: &Attribute) -> Result<Matcher, EvalError> {
        self.compile_for_values_with(attr, ValueFilterOptions::default())
    }

    /// [`Filter::compile_for_values`] with options: PATCH (RFC 7644 §3.5.2) wants a name that
    /// is not a sub-attribute to be an error (`invalidPath`), and the `value` of a member
    /// (a resource id) compared exactly.
    pub fn compile_for_values_with(
        &self,
        attr: &Attribute,
        options: ValueFilterOptions,
    ) -> Result<Matcher, EvalError> {
        error::refuse_secret(attr, None, || attr.name.clone())?;
        if !attr.is_complex() {
            return Err(EvalError::NotComparable {
                path: attr.name.clone(),
                what: "not a complex attribute and cannot take a value filter",
            });
        }
        Ok(Matcher {
            root: compile(self, &Scope::Complex(attr, options))?,
        })
    }

    /// Returns the filter with every attribute name in its canonical spelling (extension
    /// attributes carry their URN, core attributes none), after checking every comparison
    /// as [`Filter::compile`] does. Unlike `compile`, an unknown attribute is an error
    /// ([`EvalError::UnknownAttribute`]): this is what a server applies to a client's filter
    /// before handing it to a store.
    pub fn resolve(&self, ty: &ResourceType) -> Result<Filter, EvalError> {
        self.compile(ty)?;
        resolve_names(self, &Scope::Resource(ty))
    }
}
