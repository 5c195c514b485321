//! SCIM 2.0 PATCH ([RFC 7644 §3.5.2]): apply a [`PatchRequest`] to a [`Resource`], guided by
//! the schema, atomically, with the request shapes Microsoft Entra ID and Okta really send.
//!
//! ```text
//! PatchRequest ──Patch::parse──▶ Patch ──apply / apply_indexed / apply_to_copy──▶ PatchOutcome
//!   (scim-core)    paths parsed by scim-filter,       in place, undone on error       changed?, modified,
//!                  resolved against the ResourceType                                  member deltas
//! ```
//!
//! | item | what it is | RFC |
//! | --- | --- | --- |
//! | [`Patch`] | a request parsed and resolved: every path, value and readOnly/required rule checked before any change | 7644 §3.5.2 |
//! | [`Patch::apply`] | applies in place; on error the resource is restored byte for byte | 7644 §3.5.2 ("all or none") |
//! | [`ValueIndex`], [`Patch::apply_indexed`] | O(1) member additions and removals on large groups | 7643 §4.2 |
//! | [`PatchOutcome`] | whether anything changed, which attributes, and member deltas | 7644 §3.5.2.1 |
//! | [`Patch::member_plan`], [`MemberChange`] | membership changes a SQL store can run without loading members | 7643 §4.2 |
//! | [`PatchOptions`] | lenient by default (Entra, Okta); [`PatchOptions::strict`] for plain RFC; the limits on paths ([`PatchOptions::parse`]) and operations ([`PatchOptions::max_operations`]) | 7644 §3.5.2 |
//! | [`PatchError`] | which operation failed and why; converts into `ScimError` with its `scimType` | 7644 §3.12 |
//!
//! # Example
//!
//! ```
//! use scim_core::{Resource, ResourceType, ScimError, ScimType, message::PatchRequest};
//! use scim_patch::{Patch, PatchOptions};
//! use serde_json::json;
//!
//! let users = ResourceType::user();
//! let mut user = Resource::from_value(json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "id": "2819c223", "userName": "bjensen", "active": true,
//!     "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}]
//! }))?;
//!
//! // What Entra ID sends by default: capitalised ops, a string boolean, a filtered path,
//! // and an enterprise attribute by its URN path.
//! let req: PatchRequest = serde_json::from_value(json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [
//!         {"op": "Replace", "path": "active", "value": "False"},
//!         {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "babs@contoso.com"},
//!         {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
//!          "value": "26118915"}
//!     ]
//! }))?;
//! let patch = Patch::parse(&req, &users, &PatchOptions::default())?;
//! let outcome = patch.apply(&mut user)?;
//!
//! assert_eq!(user.get("active"), Some(&json!(false)));
//! assert_eq!(user.get("emails"), Some(&json!([
//!     {"value": "babs@contoso.com", "type": "work", "primary": true}
//! ])));
//! let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
//! assert_eq!(user.get(enterprise), Some(&json!({"manager": {"value": "26118915"}})));
//! assert!(user.schemas().any(|s| s == enterprise)); // `schemas` follows the extensions
//! assert_eq!(outcome.modified(), ["active", "emails", &format!("{enterprise}:manager")]);
//!
//! // Atomic: the second operation fails, so the first is undone too.
//! let before = user.clone();
//! let req: PatchRequest = serde_json::from_value(json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [
//!     {"op": "replace", "path": "displayName", "value": "Babs"},
//!     {"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "x@y"}}
//! ]}))?;
//! let err = Patch::parse(&req, &users, &PatchOptions::strict())?.apply(&mut user).unwrap_err();
//! assert_eq!(user, before);
//! assert_eq!(ScimError::from(err).scim_type(), Some(ScimType::NoTarget));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Semantics
//!
//! - **add** (§3.5.2.1): without a path the value's attributes are merged into the resource. A
//!   multi-valued attribute gets new values appended, never a duplicate (adding an existing
//!   member is a no-op); a single-valued attribute is replaced; a complex one has its
//!   sub-attributes merged.
//! - **replace** (§3.5.2.3): without a path, each attribute named is replaced (a complex
//!   attribute's unnamed sub-attributes are kept). With a value filter, only matched values are
//!   replaced, and a filter that matches nothing is `noTarget`. A path to an unassigned
//!   attribute is treated as an add.
//! - **remove** (§3.5.2.2): needs a path (`noTarget` otherwise); with a filter, only matched
//!   values go. Removing a required attribute is `mutability`.
//! - **Mutability**: readOnly attributes (`id`, `meta`, `groups`) cannot be targeted; immutable
//!   ones can be set only while unassigned. Values are type-checked (`invalidValue`); unknown
//!   paths are `invalidPath`. At most one `primary: true` survives: setting a new primary clears
//!   the old one. Nulls and empty values are unassigned (RFC 7643 §2.5), never stored. `meta` is
//!   left to the store.
//! - **Atomicity**: all operations apply, or none.
//! - **The request**: `Operations` holds one or more operations (an empty list is
//!   `invalidValue`) and at most [`PatchOptions::max_operations`] (`tooMany` beyond); every path
//!   is parsed within [`PatchOptions::parse`] (`invalidPath` beyond). Both are checked before
//!   anything changes.
//!
//! # Identity providers
//!
//! With [`PatchOptions::default`]: op names in any case; `"True"`/`"False"` for booleans;
//! path-less values with dotted and URN keys (`{"name.givenName": …,
//! "urn:…:enterprise:2.0:User:department": …}`) applied to the nested attribute; `remove` of
//! `members` with a value list removing only those members; `add`/`replace` on
//! `emails[type eq "work"].value` (or `addresses[…].locality`, …) creating the typed value when
//! missing, several such operations filling the same value; `manager` sent as a plain id and
//! stored as `{"value": id}`, or as a one-element array; removing a member that is not there
//! succeeding without change. Each is a switch of [`PatchOptions`].
//!
//! # Member order
//!
//! Removing a value of a member-like attribute (one with `value` and `$ref`, such as group
//! `members`) moves the last value into its place, which keeps removal O(1) on large groups.
//! SCIM does not order multi-valued attributes; other multi-valued attributes keep their order.
//!
//! # Source layout
//!
//! Modules are private; everything public is re-exported at the root. Resolution and application
//! share only the resolved operation types of `op`, so neither side imports the other, and no
//! module imports one that imports it back (each uses only modules further along the arrows):
//!
//! ```text
//! patch ──▶ operation ──▶ path, pathless ──▶ value ──▶ resolver ──▶ op
//!   │                                                                ▲
//!   └────▶ apply ──▶ single, multi, filtered ──▶ array, merge ──▶ journal
//! ```
//!
//! | module | job |
//! | --- | --- |
//! | `patch` | [`Patch`]: the public API (parse, apply, targets) and the request-level checks: envelope, operation count |
//! | `operation` | resolving one operation into steps: path-less, bare schema URN, or explicit path |
//! | `path` | explicit paths: parsing within the limits of [`PatchOptions`], attribute names, value filters, readOnly and required rules |
//! | `pathless` | path-less `add`/`replace` values (and values on a schema URN): one step per key |
//! | `value` | checking and normalising each operation's value for its target |
//! | `resolver` | the state of a resolution (resource type, options, steps so far) |
//! | `op` | the resolved operation types (step, target, action) shared by both sides |
//! | `apply` | running the steps in place, rolling back on the first error |
//! | `single`, `multi`, `filtered` | the appliers: single-valued attributes, whole multi-valued attributes, value paths |
//! | `array`, `merge` | array primitives (append, swap-remove, edit, index lookups, one primary); merging complex values and the immutable/required rules |
//! | `journal` | the undo journal, change tracking and the [`PatchOutcome`] |
//! | `members` | [`Patch::member_plan`], [`MemberChange`] |
//! | `index`, `select`, `outcome`, `options`, `error` | [`ValueIndex`]; member-like attributes; [`PatchOutcome`]; [`PatchOptions`]; [`PatchError`] |
//!
//! [RFC 7644 §3.5.2]: https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
//! [`PatchRequest`]: scim_core::message::PatchRequest
//! [`Resource`]: scim_core::Resource
#![cfg_attr(docsrs, feature(doc_cfg))]

mod apply;
mod array;
mod error;
mod filtered;
mod index;
mod journal;
mod members;
mod merge;
mod multi;
mod op;
mod operation;
mod options;
mod outcome;
mod patch;
mod path;
mod pathless;
mod resolver;
mod select;
mod single;
mod value;

pub use error::PatchError;
pub use index::ValueIndex;
pub use members::{MemberChange, MemberPlan};
pub use options::PatchOptions;
pub use outcome::{MultiValuedDelta, PatchOutcome};
pub use patch::Patch;

#[cfg(test)]
mod tests {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<crate::Patch<'static>>();
        assert_send_sync::<crate::PatchError>();
        assert_send_sync::<crate::PatchOutcome>();
        assert_send_sync::<crate::ValueIndex>();
        assert_send_sync::<crate::MemberPlan<'static>>();
    }
}
