//! Membership changes a store can run without loading the members (e.g. as SQL statements).

use serde_json::Value;

use crate::op::{Action, Target};
use crate::patch::Patch;
use crate::select::key_of;

/// One change to a member-like attribute (group `members`) that needs no knowledge of the
/// current values: what a SQL-backed store turns into `INSERT … ON CONFLICT DO NOTHING` and
/// `DELETE … WHERE member_id IN (…)`.
///
/// Run the changes in order. Values are compared by their `value` (the member id, exactly).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MemberChange {
    /// Add these values (normalised, e.g. `{"value": "id", "display": "…"}`); ids already
    /// present are skipped (RFC 7644 §3.5.2.1: adding an existing value changes nothing).
    Add(Vec<Value>),
    /// Remove the values with these ids; ids not present are ignored.
    Remove(Vec<String>),
    /// Remove every value.
    Clear,
    /// Replace every value by these (duplicates already dropped).
    Set(Vec<Value>),
}

/// A [`Patch`] split in two: the membership changes of one member-like attribute, and the rest
/// of the patch, to apply to the resource loaded without that attribute.
///
/// Both halves touch different attributes, so applying the changes and the rest in either order
/// gives the same result as applying the whole patch.
#[derive(Debug, Clone)]
pub struct MemberPlan<'t> {
    changes: Vec<MemberChange>,
    rest: Patch<'t>,
}

impl<'t> MemberPlan<'t> {
    /// The membership changes, in request order.
    pub fn changes(&self) -> &[MemberChange] {
        &self.changes
    }

    /// The operations on other attributes.
    pub fn rest(&self) -> &Patch<'t> {
        &self.rest
    }

    /// Consumes the plan into its two halves.
    pub fn into_parts(self) -> (Vec<MemberChange>, Patch<'t>) {
        (self.changes, self.rest)
    }
}

impl<'t> Patch<'t> {
    /// Splits off the changes to the member-like attribute at `path` (canonical, e.g.
    /// `"members"`), so that a store can persist membership without loading it.
    ///
    /// Returns `None` when the attribute is not member-like, or when some operation on it needs
    /// the current values: a value filter other than `value eq "id"`, a sub-attribute edit, a
    /// filtered `add`/`replace`, or (with [`PatchOptions::idempotent_remove`] off) a removal
    /// that must fail when the member is absent. The store then loads the attribute and uses
    /// [`Patch::apply`] instead.
    ///
    /// [`PatchOptions::idempotent_remove`]: crate::PatchOptions::idempotent_remove
    ///
    /// ```
    /// use scim_core::{ResourceType, message::PatchRequest};
    /// use scim_patch::{MemberChange, Patch, PatchOptions};
    /// use serde_json::json;
    ///
    /// let groups = ResourceType::group();
    /// let req: PatchRequest = serde_json::from_value(json!({"Operations": [
    ///     {"op": "Add", "path": "members", "value": [{"$ref": null, "value": "u1"}]},
    ///     {"op": "remove", "path": "members[value eq \"u2\"]"},
    ///     {"op": "Replace", "path": "displayName", "value": "Guides"}
    /// ]}))?;
    /// let patch = Patch::parse(&req, &groups, &PatchOptions::default())?;
    /// let plan = patch.member_plan("members").ok_or("not separable")?;
    /// assert_eq!(plan.changes(), [
    ///     MemberChange::Add(vec![json!({"value": "u1"})]),
    ///     MemberChange::Remove(vec!["u2".to_owned()]),
    /// ]);
    /// assert_eq!(plan.rest().targets(), ["displayName"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn member_plan(&self, path: &str) -> Option<MemberPlan<'t>> {
        let mut changes = Vec::new();
        let mut rest = Vec::new();
        for step in &self.steps {
            let slot = match &step.target {
                Target::Attr { slot, .. } | Target::ReadOnly { slot, .. } => Some(slot),
                Target::Filtered(f) => Some(&f.slot),
                Target::Extension { urn } => {
                    if path.starts_with(urn) {
                        return None;
                    }
                    None
                }
                Target::Unknown { .. } => None,
            };
            let Some(slot) = slot.filter(|s| s.canonical() == path) else {
                rest.push(step.clone());
                continue;
            };
            if !slot.keyed() {
                return None;
            }
            let change = match (&step.target, &step.action) {
                (Target::Attr { sub: None, .. }, Action::Add(Value::Array(v))) => {
                    MemberChange::Add(v.clone())
                }
                (Target::Attr { sub: None, .. }, Action::Replace(Value::Array(v))) => {
                    let mut seen = std::collections::HashSet::new();
                    let mut set = Vec::with_capacity(v.len());
                    for x in v {
                        match key_of(x) {
                            Some(k) if !seen.insert(k) => {}
                            _ => set.push(x.clone()),
                        }
                    }
                    MemberChange::Set(set)
                }
                (Target::Attr { sub: None, .. }, Action::Remove) => MemberChange::Clear,
                (Target::Attr { sub: None, .. }, Action::RemoveValues(v)) => {
                    let ids: Option<Vec<String>> =
                        v.iter().map(|x| key_of(x).map(str::to_owned)).collect();
                    MemberChange::Remove(ids?)
                }
                (Target::Filtered(f), Action::Remove)
                    if f.sub.is_none() && self.opts.idempotent_remove =>
                {
                    MemberChange::Remove(vec![f.key.clone()?])
                }
                _ => return None,
            };
            changes.push(change);
        }
        Some(MemberPlan {
            changes,
            rest: Patch {
                ty: self.ty,
                opts: self.opts,
                steps: rest,
            },
        })
    }

    /// Every id this patch may write into the `value` of the member-like attribute at `path`
    /// (canonical, e.g. `"members"`): the `value`s of added and replacing members, and values
    /// written to `members[…].value` or `members.value`. A superset of the ids a successful
    /// application adds, so a store can check that they name existing resources (RFC 7643
    /// §4.2: a member is a User or Group of the service provider) before it applies anything.
    ///
    /// ```
    /// use scim_core::{ResourceType, message::PatchRequest};
    /// use scim_patch::{Patch, PatchOptions};
    /// use serde_json::json;
    ///
    /// let groups = ResourceType::group();
    /// let req: PatchRequest = serde_json::from_value(json!({"Operations": [
    ///     {"op": "add", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]},
    ///     {"op": "remove", "path": "members[value eq \"u3\"]"},
    ///     {"op": "replace", "value": {"members": [{"value": "u4"}]}}
    /// ]}))?;
    /// let patch = Patch::parse(&req, &groups, &PatchOptions::default())?;
    /// assert_eq!(patch.written_ids("members"), ["u1", "u2", "u4"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn written_ids(&self, path: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for step in &self.steps {
            let (slot, sub) = match &step.target {
                Target::Attr { slot, sub } => (slot, *sub),
                Target::Filtered(f) => (&f.slot, f.sub),
                _ => continue,
            };
            if slot.canonical() != path {
                continue;
            }
            let value = match &step.action {
                Action::Add(v) | Action::Replace(v) => v,
                Action::Remove | Action::RemoveValues(_) => continue,
            };
            match sub {
                Some(s) if s.name.eq_ignore_ascii_case("value") => {
                    if let Some(id) = value.as_str() {
                        out.push(id);
                    }
                }
                Some(_) => {}
                None => match value {
                    Value::Array(items) => out.extend(items.iter().filter_map(key_of)),
                    v => out.extend(key_of(v)),
                },
            }
        }
        out
    }
}
