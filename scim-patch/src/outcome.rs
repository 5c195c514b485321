//! What a PATCH changed: enough for a store to persist only the difference, and to keep the
//! resource's version when nothing changed (RFC 7644 §3.5.2: "no changes SHOULD be made … and
//! a success response SHOULD be returned … this operation SHALL NOT change the modify
//! timestamp").

use serde_json::Value;

/// The result of applying a [`Patch`](crate::Patch).
///
/// - [`changed`](PatchOutcome::changed): whether the resource differs from before. When false
///   the store should keep `meta.version` and `meta.lastModified`.
/// - [`modified`](PatchOutcome::modified): the canonical paths of the top-level attributes whose
///   value changed (`displayName`, `members`,
///   `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`).
/// - [`deltas`](PatchOutcome::deltas): for member-like attributes (group `members`, any
///   multi-valued complex attribute with `value` and `$ref`), the values added and removed, so a
///   store can write membership rows instead of rewriting a 100,000-member group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PatchOutcome {
    pub(crate) modified: Vec<String>,
    pub(crate) deltas: Vec<MultiValuedDelta>,
}

impl PatchOutcome {
    /// Whether anything changed.
    pub fn changed(&self) -> bool {
        !self.modified.is_empty()
    }

    /// The canonical paths of the top-level attributes whose value changed, in the order they
    /// were first touched.
    pub fn modified(&self) -> &[String] {
        &self.modified
    }

    /// Whether the attribute at this canonical path changed.
    pub fn is_modified(&self, path: &str) -> bool {
        self.modified.iter().any(|m| m == path)
    }

    /// The net membership changes, one per member-like attribute that changed.
    pub fn deltas(&self) -> &[MultiValuedDelta] {
        &self.deltas
    }

    /// The delta of the member-like attribute at this canonical path (e.g. `"members"`).
    pub fn delta(&self, path: &str) -> Option<&MultiValuedDelta> {
        self.deltas.iter().find(|d| d.attribute == path)
    }

    /// The delta of `members` (RFC 7643 §4.2), if the members changed.
    pub fn members(&self) -> Option<&MultiValuedDelta> {
        self.delta("members")
    }
}

/// The net change to one member-like multi-valued attribute: the values added and removed,
/// compared by their `value` (the member's id). A member removed and added again in the same
/// request appears in neither list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MultiValuedDelta {
    pub(crate) attribute: String,
    pub(crate) added: Vec<Value>,
    pub(crate) removed: Vec<Value>,
    pub(crate) rewritten: bool,
}

impl MultiValuedDelta {
    /// The canonical path of the attribute, e.g. `"members"`.
    pub fn attribute(&self) -> &str {
        &self.attribute
    }

    /// The values added, as stored (e.g. `{"value": "2819c223", "display": "Babs"}`).
    pub fn added(&self) -> &[Value] {
        &self.added
    }

    /// The values removed, as they were stored.
    pub fn removed(&self) -> &[Value] {
        &self.removed
    }

    /// The `value`s (ids) added.
    pub fn added_ids(&self) -> impl Iterator<Item = &str> {
        self.added.iter().filter_map(crate::select::key_of)
    }

    /// The `value`s (ids) removed.
    pub fn removed_ids(&self) -> impl Iterator<Item = &str> {
        self.removed.iter().filter_map(crate::select::key_of)
    }

    /// Whether some values were also changed in place (a sub-attribute replaced, or a value
    /// without a `value` id added or removed), which `added`/`removed` do not describe: a store
    /// that persists deltas must then rewrite the attribute from the resource.
    pub fn rewritten(&self) -> bool {
        self.rewritten
    }

    /// Whether there is nothing to persist.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && !self.rewritten
    }
}
