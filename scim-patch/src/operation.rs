//! Resolving the operations of a PATCH request (RFC 7644 §3.5.2), one by one, into steps:
//! [`resolve`] is the entry point of [`Patch::parse`](crate::Patch::parse). Each operation goes
//! to the path-less expansion (no path, or a bare schema URN as path) or to explicit path
//! resolution, and then to the value checks of its op.

use scim_core::ResourceType;
use scim_core::message::PatchOp;
use serde_json::Value;

use crate::error::{At, PatchError};
use crate::op::{Action, Step, Target};
use crate::options::PatchOptions;
use crate::pathless::Container;
use crate::resolver::Resolver;

/// Resolves `ops` (op, path as written, value) against `ty`, stopping at the first error.
pub(crate) fn resolve<'t, 'a>(
    ops: impl Iterator<Item = (PatchOp, Option<&'a str>, Option<Value>)>,
    ty: &'t ResourceType,
    opts: &PatchOptions,
) -> Result<Vec<Step<'t>>, PatchError> {
    let mut resolver = Resolver::new(ty, opts);
    for (i, (op, path, value)) in ops.enumerate() {
        resolver.operation(i, op, path, value)?;
    }
    Ok(resolver.steps)
}

impl<'t> Resolver<'t, '_> {
    /// Resolves operation `i` into steps (none, one, or one per key of a path-less value).
    pub(crate) fn operation(
        &mut self,
        i: usize,
        op: PatchOp,
        path: Option<&str>,
        value: Option<Value>,
    ) -> Result<(), PatchError> {
        let path = path.map(str::trim).filter(|p| !p.is_empty());
        let at = match path {
            // Not echoed whole: the detail would be as long as the input the limit refused.
            Some(p) if p.len() > self.opts.parse.max_len => At::new(i, Some(&abbreviate(p))),
            _ => At::new(i, path),
        };
        let Some(path) = path else {
            return match op {
                PatchOp::Remove => {
                    Err(at
                        .no_target("remove needs a path (RFC 7644 §3.5.2.2); nothing was selected"))
                }
                PatchOp::Add | PatchOp::Replace => {
                    let obj = self.pathless_object(&at, value)?;
                    self.expand(i, op, obj, Container::Resource)
                }
            };
        };
        if let Some(container) = self.container(path) {
            return match (op, container) {
                (PatchOp::Remove, Container::Extension(urn)) => {
                    self.no_remove_value(&at, &value)?;
                    if self.ty.extension(urn).is_some_and(|e| e.required) {
                        return Err(at.mutability(format!(
                            "the extension {urn} is required and cannot be removed"
                        )));
                    }
                    self.steps.push(Step {
                        at,
                        target: Target::Extension { urn },
                        action: Action::Remove,
                    });
                    Ok(())
                }
                (PatchOp::Remove, _) => Err(at.mutability("the core schema cannot be removed")),
                (_, container) => {
                    let obj = self.pathless_object(&at, value)?;
                    self.expand(i, op, obj, container)
                }
            };
        }
        let target = self.explicit_target(&at, op, path)?;
        let action = self.action(&at, op, &target, value)?;
        if let Some(action) = action {
            self.steps.push(Step { at, target, action });
        }
        Ok(())
    }
}

/// The first 64 characters of an over-long path, and `…`.
fn abbreviate(path: &str) -> String {
    let mut short: String = path.chars().take(64).collect();
    short.push('…');
    short
}
