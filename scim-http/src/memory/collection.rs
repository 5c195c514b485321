//! One resource type's resources in one tenant, with their indexes: `id`, `externalId`, and
//! every unique attribute (folded to lowercase where the schema says `caseExact: false`).

use std::collections::BTreeMap;

use scim_core::{Resource, ResourceType};
use scim_filter::{AttrPath, CompValue, Filter};
use scim_patch::ValueIndex;
use serde_json::Value;

use super::shards::Shards;
use crate::precondition::Precondition;
use crate::store::StoreError;

#[derive(Debug, Default)]
pub(super) struct Collection {
    /// Creation order, for stable paging.
    pub(super) order: BTreeMap<u64, String>,
    pub(super) by_id: Shards<Entry>,
    /// externalId → ids (not unique; almost always one id, hence a `Vec`).
    external: Shards<Vec<String>>,
    pub(super) unique: Vec<UniqueIndex>,
    /// The resource type's name (`User`, `Group`), for members' `type`.
    pub(super) type_name: String,
}

#[derive(Debug)]
pub(super) struct Entry {
    pub(super) seq: u64,
    pub(super) resource: Resource,
    /// For resource types with `members`: an index of the members by `value` (boxed: most
    /// entries have none, and small entries keep the id map's resizes cheap).
    pub(super) members: Option<Box<ValueIndex>>,
}

#[derive(Debug)]
pub(super) struct UniqueIndex {
    pub(super) attr: String,
    case_exact: bool,
    values: Shards<String>,
}

impl Collection {
    /// An empty collection of `ty`, with an index for each unique attribute.
    pub(super) fn new(ty: &ResourceType) -> Self {
        let unique = crate::store::unique_attributes(ty)
            .map(|attr| UniqueIndex {
                attr: attr.name.clone(),
                case_exact: attr.case_exact,
                values: Shards::default(),
            })
            .collect();
        Collection {
            unique,
            type_name: ty.name.clone(),
            ..Collection::default()
        }
    }

    /// The entry `id`, if the precondition holds for it (else 404 or 412).
    pub(super) fn entry_if(
        &mut self,
        id: &str,
        expected: Precondition<'_>,
    ) -> Result<&mut Entry, StoreError> {
        let entry = self
            .by_id
            .get_mut(id)
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        if !expected.matches(entry.resource.version()) {
            return Err(StoreError::VersionMismatch);
        }
        Ok(entry)
    }

    pub(super) fn check_unique(
        &self,
        r: &Resource,
        self_id: Option<&str>,
    ) -> Result<(), StoreError> {
        for u in &self.unique {
            if let Some(Value::String(v)) = r.get(&u.attr)
                && let Some(other) = u.values.get(&fold(v, u.case_exact))
                && Some(other.as_str()) != self_id
            {
                return Err(StoreError::Uniqueness {
                    attribute: u.attr.clone(),
                    value: v.clone(),
                });
            }
        }
        Ok(())
    }

    pub(super) fn index(&mut self, id: &str, r: &Resource) {
        for u in &mut self.unique {
            if let Some(Value::String(v)) = r.get(&u.attr) {
                u.values.insert(fold(v, u.case_exact), id.to_owned());
            }
        }
        if let Some(x) = r.external_id() {
            self.link_external(x, id);
        }
    }

    pub(super) fn link_external(&mut self, external_id: &str, id: &str) {
        let ids = self.external.entry(external_id.to_owned()).or_default();
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
    }

    pub(super) fn unlink_external(&mut self, external_id: &str, id: &str) {
        if let Some(ids) = self.external.get_mut(external_id) {
            ids.retain(|i| i != id);
            if ids.is_empty() {
                self.external.remove(external_id);
            }
        }
    }

    pub(super) fn unindex(&mut self, id: &str, r: &Resource) {
        for u in &mut self.unique {
            if let Some(Value::String(v)) = r.get(&u.attr) {
                let k = fold(v, u.case_exact);
                if u.values.get(&k).map(String::as_str) == Some(id) {
                    u.values.remove(&k);
                }
            }
        }
        if let Some(x) = r.external_id() {
            self.unlink_external(x, id);
        }
    }

    /// Candidate ids from an index, when the filter is an equality (or an `and` of them) on
    /// `id`, `externalId` or a unique attribute. The caller still applies the whole filter.
    pub(super) fn lookup(&self, filter: &Filter) -> Option<Vec<String>> {
        if let Some((path, value)) = filter.as_equality() {
            return self.lookup_one(path, value);
        }
        filter
            .equalities()
            .into_iter()
            .find_map(|(path, value)| self.lookup_one(path, value))
    }

    /// The ids for one `attr eq "value"`, when `attr` is indexed.
    fn lookup_one(&self, path: &AttrPath, value: &CompValue) -> Option<Vec<String>> {
        if path.urn.is_some() || path.sub_attr.is_some() {
            return None;
        }
        let CompValue::String(v) = value else {
            return None;
        };
        if path.name == "id" {
            return Some(
                self.by_id
                    .contains_key(v)
                    .then(|| v.clone())
                    .into_iter()
                    .collect(),
            );
        }
        if path.name == "externalId" {
            return Some(self.external.get(v).map(|s| s.to_vec()).unwrap_or_default());
        }
        let u = self.unique.iter().find(|u| u.attr == path.name)?;
        let found = if u.case_exact || !v.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
            u.values.get(v.as_str())
        } else {
            u.values.get(&v.to_lowercase())
        };
        Some(found.cloned().into_iter().collect())
    }
}

pub(super) use crate::store::has_members;

/// A string as an index keys it.
pub(super) fn fold(v: &str, case_exact: bool) -> String {
    if case_exact {
        v.to_owned()
    } else {
        v.to_lowercase()
    }
}
