//! Applying a resolved [`Patch`](crate::Patch) in place, atomically (RFC 7644 §3.5.2: "all or
//! none"): [`run`] drives the steps through a [`Session`] and, on the first error, rolls the
//! journal back.
//!
//! Where the work is done:
//!
//! | step target | module |
//! | --- | --- |
//! | single-valued attribute, `attr.sub` of a complex one, extension object | `single` |
//! | multi-valued attribute as a whole | `multi` |
//! | value path `attr[filter]`, `attr[filter].sub`, `multiValued.sub` | `filtered` |
//!
//! and below them the array primitives (`array`), the merge and mutability rules (`merge`) and
//! the undo journal (`journal`).

use scim_core::ResourceType;
use serde_json::{Map, Value};

use crate::error::PatchError;
use crate::index::ValueIndex;
use crate::journal::{Key, Session, get};
use crate::op::{Action, Step, Target};
use crate::options::PatchOptions;
use crate::outcome::PatchOutcome;

/// Applies `steps` (resolved against `ty` with `opts`) to `map`; on error, `map` is restored
/// and the error returned.
pub(crate) fn run<'p>(
    steps: &'p [Step<'p>],
    ty: &'p ResourceType,
    opts: &PatchOptions,
    map: &mut Map<String, Value>,
    index: Option<&mut ValueIndex>,
) -> Result<PatchOutcome, PatchError> {
    let mut s = Session::new(map, index, ty, opts, steps.len());
    for step in steps {
        if let Err(e) = s.step(step) {
            s.rollback();
            s.resync_index();
            return Err(e);
        }
    }
    s.resync_index();
    Ok(s.commit())
}

impl<'p> Session<'_, '_, 'p> {
    /// Applies one step, journaling every change it makes; dispatches on what it targets.
    fn step(&mut self, step: &'p Step<'p>) -> Result<(), PatchError> {
        let at = &step.at;
        match (&step.target, &step.action) {
            (Target::ReadOnly { slot, sub }, Action::Add(v) | Action::Replace(v)) => {
                let cur = get(self.map, Key::of(slot));
                let cur = match sub {
                    Some(s) => cur.and_then(|c| c.get(&s.name)),
                    None => cur,
                };
                if cur == Some(v) {
                    Ok(())
                } else {
                    Err(at.mutability(format!(
                        "{} is readOnly and cannot be modified",
                        slot.canonical()
                    )))
                }
            }
            (Target::Unknown { ext, key }, Action::Add(v) | Action::Replace(v)) => {
                let key = Key {
                    ext: *ext,
                    name: key,
                };
                self.snapshot(key);
                self.set(at, key, Some(v.clone()))
            }
            (Target::Extension { urn }, _) => {
                let urn: &'p str = urn;
                self.remove_extension(at, urn)
            }
            (Target::Attr { slot, sub: None }, action) => {
                if slot.attr.multi_valued {
                    self.multi(at, *slot, action)
                } else if slot.attr.is_complex() {
                    self.complex(at, *slot, action)
                } else {
                    self.simple(at, *slot, action)
                }
            }
            (
                Target::Attr {
                    slot,
                    sub: Some(sub),
                },
                action,
            ) => self.complex_sub(at, *slot, sub, action),
            (Target::Filtered(f), action) => self.filtered(at, f, action),
            (Target::ReadOnly { .. } | Target::Unknown { .. }, _) => Ok(()),
        }
    }
}
