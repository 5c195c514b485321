//! The state of resolving one PATCH request (RFC 7644 §3.5.2) against a resource type: the
//! resource type, the options, the value checks they imply, and the steps produced so far.
//!
//! The resolution itself adds methods to [`Resolver`] in the modules above this one:
//! `operation` (one operation, and the entry point), `path` (explicit paths), `pathless`
//! (path-less values) and `value` (values, per operation and target).

use scim_core::ResourceType;
use scim_core::validate::ValidationOptions;

use crate::op::Step;
use crate::options::PatchOptions;

/// Resolves the operations of one request, in order, into [`Step`]s.
#[derive(Debug)]
pub(crate) struct Resolver<'t, 'o> {
    pub(crate) ty: &'t ResourceType,
    pub(crate) opts: &'o PatchOptions,
    pub(crate) vopts: ValidationOptions,
    pub(crate) steps: Vec<Step<'t>>,
}

impl<'t, 'o> Resolver<'t, 'o> {
    /// A resolver with no steps yet.
    pub(crate) fn new(ty: &'t ResourceType, opts: &'o PatchOptions) -> Self {
        Resolver {
            ty,
            opts,
            vopts: opts.validation(),
            steps: Vec::new(),
        }
    }
}
