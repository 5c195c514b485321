//! [`Patch`]: a PATCH request parsed and resolved against a resource type, ready to apply.
//!
//! Everything that can be checked without the resource is checked here, before any change:
//! the envelope, every path (grammar, attribute names, value filters), every value (types,
//! normalisation, Entra's string booleans and bare ids), readOnly and required attributes.
//! Path-less values are expanded into one step per attribute, so `{"name.givenName": "x"}` and
//! `{"urn:…:enterprise:2.0:User": {"department": "y"}}` become ordinary path steps.

use scim_core::message::{PatchOp, PatchRequest};
use scim_core::{Resource, ResourceType, urn};
use serde_json::Value;

use crate::apply;
use crate::error::PatchError;
use crate::index::ValueIndex;
use crate::op::{Step, Target, canonical};
use crate::operation::resolve;
use crate::options::PatchOptions;
use crate::outcome::PatchOutcome;

/// A PATCH request (RFC 7644 §3.5.2) parsed and resolved against a [`ResourceType`].
///
/// [`Patch::parse`] checks everything that does not depend on the resource: paths, attribute
/// names, values and their types, readOnly and required attributes. The apply methods then check
/// what does (immutable attributes, value filters that match nothing) and either apply every
/// operation or none.
///
/// ```
/// use scim_core::{Resource, ResourceType, message::PatchRequest};
/// use scim_patch::{Patch, PatchOptions};
/// use serde_json::json;
///
/// let users = ResourceType::user();
/// let req: PatchRequest = serde_json::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [
///         {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "babs@contoso.com"},
///         {"op": "replace", "value": {"name.givenName": "Babs", "active": "False"}}
///     ]
/// }))?;
/// let patch = Patch::parse(&req, &users, &PatchOptions::default())?;
///
/// let mut user = Resource::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "bjensen", "active": true, "name": {"givenName": "Barbara"}
/// }))?;
/// let outcome = patch.apply(&mut user)?;
/// assert!(outcome.changed());
/// assert_eq!(user.get("emails"), Some(&json!([{"type": "work", "value": "babs@contoso.com"}])));
/// assert_eq!(user.get("name"), Some(&json!({"givenName": "Babs"})));
/// assert_eq!(user.get("active"), Some(&json!(false)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Patch<'t> {
    pub(crate) ty: &'t ResourceType,
    pub(crate) opts: PatchOptions,
    pub(crate) steps: Vec<Step<'t>>,
}

impl<'t> Patch<'t> {
    /// Parses and resolves a PATCH request (RFC 7644 §3.5.2) against `ty`. The request is
    /// borrowed; its values are copied. See [`Patch::from_request`] to move them instead.
    ///
    /// Every `path` is parsed within [`PatchOptions::parse`] (`invalidPath` beyond it), and the
    /// request may hold at most [`PatchOptions::max_operations`] operations (`tooMany`
    /// beyond). An empty `Operations` array is `invalidValue`: RFC 7644 §3.5.2 requires "one or
    /// more patch operations".
    pub fn parse(
        request: &PatchRequest,
        ty: &'t ResourceType,
        opts: &PatchOptions,
    ) -> Result<Patch<'t>, PatchError> {
        Self::check_envelope(request, opts)?;
        let ops = request
            .operations
            .iter()
            .map(|o| (o.op, o.path.as_deref(), o.value.clone()));
        Self::build(ops, ty, opts)
    }

    /// Like [`Patch::parse`], consuming the request so that large values (a full member list)
    /// are moved, not copied.
    pub fn from_request(
        request: PatchRequest,
        ty: &'t ResourceType,
        opts: &PatchOptions,
    ) -> Result<Patch<'t>, PatchError> {
        Self::check_envelope(&request, opts)?;
        let mut ops = Vec::with_capacity(request.operations.len());
        let mut paths = Vec::with_capacity(request.operations.len());
        for o in request.operations {
            paths.push(o.path);
            ops.push((o.op, o.value));
        }
        let iter = ops
            .into_iter()
            .zip(paths.iter())
            .map(|((op, value), path)| (op, path.as_deref(), value));
        Self::build(iter, ty, opts)
    }

    /// The checks of the request as a whole, before any operation is resolved: the number of
    /// operations (RFC 7644 §3.5.2: "one or more"; at most [`PatchOptions::max_operations`])
    /// and, unless [`PatchOptions::lenient_envelope`], the PatchOp URN in `schemas`.
    fn check_envelope(request: &PatchRequest, opts: &PatchOptions) -> Result<(), PatchError> {
        if !opts.lenient_envelope
            && !request
                .schemas
                .iter()
                .any(|s| s.eq_ignore_ascii_case(urn::PATCH_OP))
        {
            return Err(PatchError::InvalidSyntax {
                reason: format!("schemas must include {}", urn::PATCH_OP),
            });
        }
        let count = request.operations.len();
        if count == 0 {
            return Err(PatchError::NoOperations);
        }
        if count > opts.max_operations {
            return Err(PatchError::TooManyOperations {
                count,
                limit: opts.max_operations,
            });
        }
        Ok(())
    }

    fn build<'a>(
        ops: impl Iterator<Item = (PatchOp, Option<&'a str>, Option<Value>)>,
        ty: &'t ResourceType,
        opts: &PatchOptions,
    ) -> Result<Patch<'t>, PatchError> {
        Ok(Patch {
            ty,
            opts: *opts,
            steps: resolve(ops, ty, opts)?,
        })
    }

    /// The resource type this patch was resolved against.
    pub fn resource_type(&self) -> &'t ResourceType {
        self.ty
    }

    /// The options this patch was parsed with.
    pub fn options(&self) -> &PatchOptions {
        &self.opts
    }

    /// The canonical paths of the top-level attributes this patch may change (in order, without
    /// duplicates). Useful to tell whether a store must load an attribute at all.
    pub fn targets(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for step in &self.steps {
            let path = match &step.target {
                Target::Attr { slot, .. } | Target::ReadOnly { slot, .. } => slot.canonical(),
                Target::Filtered(f) => f.slot.canonical(),
                Target::Extension { urn } => (*urn).to_owned(),
                Target::Unknown { ext, key } => canonical(*ext, key),
            };
            if !out.contains(&path) {
                out.push(path);
            }
        }
        out
    }

    /// Applies the patch to `resource` in place. On error the resource is restored exactly as
    /// it was (byte for byte) and the error says which operation failed.
    ///
    /// Cost: proportional to what the operations touch. Only the attributes changed are copied
    /// (to be able to undo); for member-like attributes (group `members`) additions and removals
    /// are logged one by one, so adding one member to a large group copies nothing. Without an
    /// index, finding a member scans the array: an operation with fewer than 4 values costs
    /// O(n) per value, one with more builds a throwaway index in O(n). Use
    /// [`Patch::apply_indexed`] to make it O(1).
    pub fn apply(&self, resource: &mut Resource) -> Result<PatchOutcome, PatchError> {
        apply::run(
            &self.steps,
            self.ty,
            &self.opts,
            resource.as_map_mut(),
            None,
        )
    }

    /// Like [`Patch::apply`], with an index of a member-like attribute kept by the caller beside
    /// the resource (see [`ValueIndex`]): duplicate checks and removals by id on that attribute
    /// are O(1), and the index is kept up to date. An index of another attribute is ignored.
    pub fn apply_indexed(
        &self,
        resource: &mut Resource,
        index: &mut ValueIndex,
    ) -> Result<PatchOutcome, PatchError> {
        apply::run(
            &self.steps,
            self.ty,
            &self.opts,
            resource.as_map_mut(),
            Some(index),
        )
    }

    /// Applies the patch to a copy of `resource` and returns the copy; `resource` is untouched.
    pub fn apply_to_copy(
        &self,
        resource: &Resource,
    ) -> Result<(Resource, PatchOutcome), PatchError> {
        let mut copy = resource.clone();
        let outcome = apply::run(&self.steps, self.ty, &self.opts, copy.as_map_mut(), None)?;
        Ok((copy, outcome))
    }
}
