//! What a PATCH changed: enough for a store to persist only the difference, and to keep the
//! resource's version when nothing changed (RFC 7644 §3.5.2: "no changes SHOULD be made … and
//! a success response SHOULD be returned … this operation SHALL NOT change the modify
//! timestamp").

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

/// The net change to one member-like multi-valued attribute: the ids (`value`s) added and
/// removed. A member removed and added again in the same request appears in neither list (if
/// its other sub-attributes changed, [`rewritten`](MultiValuedDelta::rewritten) says so).
///
/// Only ids are kept: a store persists memberships by id (RFC 7643 §4.1.2: `display` and
/// `$ref` are derived), and recording whole values would copy a replaced group twice more.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MultiValuedDelta {
    pub(crate) attribute: String,
    pub(crate) added: Vec<String>,
    pub(crate) removed: Vec<String>,
    pub(crate) rewritten: bool,
}

impl MultiValuedDelta {
    /// The canonical path of the attribute, e.g. `"members"`.
    pub fn attribute(&self) -> &str {
        &self.attribute
    }

    /// The ids (`value`s) added, in the order they were added.
    pub fn added(&self) -> &[String] {
        &self.added
    }

    /// The ids (`value`s) removed.
    pub fn removed(&self) -> &[String] {
        &self.removed
    }

    /// The ids added, as `&str`s.
    pub fn added_ids(&self) -> impl Iterator<Item = &str> {
        self.added.iter().map(String::as_str)
    }

    /// The ids removed, as `&str`s.
    pub fn removed_ids(&self) -> impl Iterator<Item = &str> {
        self.removed.iter().map(String::as_str)
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
