//! What the rows of the SQL stores mean: the stored row ([`Stored`]) and its derived values,
//! entity tags, timestamps, the unique and indexed values of a resource, membership rows, and
//! the cache of filter mappings. Shared by the operations (`ops`, `list`) and both dialects.

use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

use scim_core::{DateTime, Resource, ResourceType, ScimError};
use serde_json::{Map, Value};

use crate::store::{SecretChange, StoreError};

/// A stored row of `resources`.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) id: String,
    pub(crate) data: Map<String, Value>,
    pub(crate) version: i64,
    pub(crate) created: String,
    pub(crate) last_modified: String,
    /// The derived values, when the row was read with them (a dialect's read columns: one
    /// statement gives a user and its groups); `None` when [`super::ops::render`] must query them.
    pub(crate) derived: Option<Derived>,
}

/// The derived values of a row (RFC 7643 §4.1.2 `groups`, the enterprise `manager`'s
/// `displayName`), read in the same statement as the row.
#[derive(Debug, Clone, Default)]
pub(crate) struct Derived {
    /// The groups listing the resource, as [`super::Engine::group_rows`] gives them.
    pub(crate) groups: Vec<(String, Option<String>)>,
    /// The `displayName` of the resource the enterprise `manager.value` names, if any.
    pub(crate) manager: Option<String>,
}

impl Derived {
    /// From the read columns: `groups`, JSON text `[[id, displayName], …]` in any order (or
    /// `NULL` for none), and the manager's name. The groups are ordered by id here, as
    /// [`super::Reader::group_rows`] gives them.
    pub(crate) fn parse(groups: Option<&str>, manager: Option<String>) -> Result<Self, StoreError> {
        let mut groups = match groups {
            None => Vec::new(),
            Some(text) => serde_json::from_str::<Vec<(String, Option<String>)>>(text)
                .map_err(StoreError::backend)?,
        };
        groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(Derived { groups, manager })
    }
}

/// A row of the groups-of-a-member query: the group's `id` and `display`, in either dialect.
pub(crate) fn group_from_row<R>(row: &R) -> Result<(String, Option<String>), StoreError>
where
    R: sqlx::Row,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
{
    let db = StoreError::backend;
    Ok((
        row.try_get("id").map_err(db)?,
        row.try_get("display").map_err(db)?,
    ))
}

impl Stored {
    /// A row of `resources` as a dialect selects it: `id`, `data` (JSON text), `version`,
    /// `created`, `last_modified`, and with the read columns `groups` and `manager_display`
    /// (then [`Stored::derived`] is set).
    pub(crate) fn from_row<R>(row: &R) -> Result<Stored, StoreError>
    where
        R: sqlx::Row,
        for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        for<'c> &'c str: sqlx::ColumnIndex<R>,
    {
        let db = StoreError::backend;
        let derived = match row.try_get::<Option<String>, _>("groups") {
            Ok(groups) => Some(Derived::parse(
                groups.as_deref(),
                row.try_get("manager_display").map_err(db)?,
            )?),
            Err(sqlx::Error::ColumnNotFound(_)) => None,
            Err(e) => return Err(db(e)),
        };
        let data: String = row.try_get("data").map_err(db)?;
        Ok(Stored {
            id: row.try_get("id").map_err(db)?,
            data: Stored::parse_data(&data)?,
            version: row.try_get("version").map_err(db)?,
            created: row.try_get("created").map_err(db)?,
            last_modified: row.try_get("last_modified").map_err(db)?,
            derived,
        })
    }

    /// Parses the `data` column's JSON text.
    pub(crate) fn parse_data(text: &str) -> Result<Map<String, Value>, StoreError> {
        match serde_json::from_str(text) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(StoreError::Backend("stored data is not an object".into())),
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    /// The stored resource with `id` and `meta` (RFC 7643 §3.1), without derived attributes.
    pub(crate) fn base(&self, ty: &ResourceType) -> Resource {
        self.clone().into_base(ty)
    }

    /// [`Stored::base`], taking the row (its data is moved, not copied).
    pub(crate) fn into_base(self, ty: &ResourceType) -> Resource {
        let mut r = Resource::from_map(self.data);
        r.set_id(self.id);
        let mut meta = Map::new();
        meta.insert("resourceType".into(), Value::String(ty.name.clone()));
        meta.insert("created".into(), Value::String(self.created));
        meta.insert("lastModified".into(), Value::String(self.last_modified));
        meta.insert("version".into(), Value::String(tag(self.version)));
        r.insert("meta", Value::Object(meta));
        r
    }
}

/// The filter mappings (`scim_filter::SqlMapping`) a store has built, one per resource type:
/// a mapping walks the whole schema, so it is built once, not for every list request. An
/// entry is reused only for the very resource type it was built for (`Arc::ptr_eq`): a
/// server built on another registry gets its own.
#[derive(Debug, Default)]
pub(crate) struct MappingCache(std::sync::RwLock<std::collections::HashMap<String, Built>>);

/// A cached mapping and the resource type it was built for.
type Built = (
    std::sync::Arc<ResourceType>,
    std::sync::Arc<scim_filter::SqlMapping>,
);

impl MappingCache {
    /// The mapping of `ty`, built with `build` the first time.
    pub(crate) fn get(
        &self,
        ty: &std::sync::Arc<ResourceType>,
        build: impl FnOnce(&std::sync::Arc<ResourceType>) -> Result<scim_filter::SqlMapping, StoreError>,
    ) -> Result<std::sync::Arc<scim_filter::SqlMapping>, StoreError> {
        if let Ok(cache) = self.0.read()
            && let Some((built_for, mapping)) = cache.get(&ty.name)
            && std::sync::Arc::ptr_eq(built_for, ty)
        {
            return Ok(mapping.clone());
        }
        let mapping = std::sync::Arc::new(build(ty)?);
        if let Ok(mut cache) = self.0.write() {
            cache.insert(ty.name.clone(), (ty.clone(), mapping.clone()));
        }
        Ok(mapping)
    }
}

/// The entity tag of a stored version counter.
pub(crate) fn tag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// The current time, as `meta.lastModified` writes it (RFC 7643 §3.1), to the millisecond.
pub(crate) fn now() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    DateTime::from_unix(secs, d.subsec_millis() * 1_000_000).to_string()
}

pub(crate) use crate::store::has_members;

/// Whether `ty` has the derived, readOnly `groups` attribute (RFC 7643 §4.1.2).
pub(crate) fn has_groups(ty: &ResourceType) -> bool {
    ty.schema
        .attribute("groups")
        .is_some_and(|a| a.mutability == scim_core::Mutability::ReadOnly && a.multi_valued)
}

/// A unique attribute of a resource type, as the in-memory store indexes them: schema
/// `uniqueness` other than `none` (RFC 7643 §2.4), plus a group's `displayName` (Entra ID
/// requires unique group names).
#[derive(Debug)]
pub(crate) struct Unique {
    pub(crate) attr: String,
    pub(crate) case_exact: bool,
    /// The column holding the folded value, for `userName` and `displayName`.
    pub(crate) column: Option<&'static str>,
}

pub(crate) fn uniques(ty: &ResourceType) -> Vec<Unique> {
    crate::store::unique_attributes(ty)
        .map(|attr| Unique {
            attr: attr.name.clone(),
            case_exact: attr.case_exact,
            column: match attr.name.as_str() {
                "userName" => Some("user_name_lower"),
                "displayName" => Some("display_name_lower"),
                _ => None,
            },
        })
        .collect()
}

/// The uniqueness column of the core attribute `name` of `ty`, if it has one.
pub(crate) fn unique_column(ty: &ResourceType, name: &str) -> Option<&'static str> {
    uniques(ty)
        .into_iter()
        .find(|u| u.attr == name)
        .and_then(|u| u.column)
}

/// A value as a uniqueness column holds it.
pub(crate) fn fold(v: &str, case_exact: bool) -> String {
    if case_exact {
        v.to_owned()
    } else {
        v.to_lowercase()
    }
}

/// The values of the indexed columns of a resource.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    pub(crate) user_name: Option<String>,
    pub(crate) display_name: Option<String>,
    pub(crate) external_id: Option<String>,
}

pub(crate) fn keys(ty: &ResourceType, r: &Resource) -> Keys {
    let mut k = Keys {
        external_id: r.external_id().map(str::to_owned),
        ..Keys::default()
    };
    for u in uniques(ty) {
        let Some(Value::String(v)) = r.get(&u.attr) else {
            continue;
        };
        match u.column {
            Some("user_name_lower") => k.user_name = Some(fold(v, u.case_exact)),
            Some("display_name_lower") => k.display_name = Some(fold(v, u.case_exact)),
            _ => {}
        }
    }
    k
}

/// Drops what is not stored in `data`: `id`, `meta`, derived `User.groups`, and (for groups)
/// `members`, which are returned.
pub(crate) fn split(ty: &ResourceType, r: &mut Resource) -> Result<Vec<Member>, StoreError> {
    r.remove("id");
    r.remove("meta");
    if has_groups(ty) {
        r.remove("groups");
    }
    if !has_members(ty) {
        return Ok(Vec::new());
    }
    let Some(Value::Array(items)) = r.remove("members") else {
        return Ok(Vec::new());
    };
    members_from(&items)
}

/// One member to write: its id (its type is looked up when the row is written).
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) id: String,
}

pub(crate) use crate::store::unknown_member;

/// Applies a replacement's [`SecretChange`] to the resource to write: a new secret set, the
/// stored one (from `stored`, the row's data) kept, or none.
pub(crate) fn keep_secret(
    resource: &mut Resource,
    change: SecretChange,
    stored: &Map<String, Value>,
) {
    match change {
        SecretChange::Set(p) => {
            resource.insert("password", Value::String(p));
        }
        SecretChange::Keep => {
            if let Some(p) = stored.get("password") {
                resource.insert("password", p.clone());
            }
        }
        _ => {}
    }
}

/// Whether a write changes the name groups show for the resource (`members[].display`:
/// `displayName`, or `userName` without one).
pub(crate) fn renames(old: &Map<String, Value>, new: &Resource) -> bool {
    let name = |m: &Map<String, Value>| m.get("displayName").or_else(|| m.get("userName")).cloned();
    name(old) != name(new.as_map())
}

/// The rows of member values (`{"value", …}`: only the id is kept), duplicates dropped.
pub(crate) fn members_from(items: &[Value]) -> Result<Vec<Member>, StoreError> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Some(id) = item.get("value").and_then(Value::as_str) else {
            return Err(ScimError::invalid_value("every member needs a \"value\" (an id)").into());
        };
        if !seen.insert(id) {
            continue;
        }
        out.push(Member { id: id.to_owned() });
    }
    Ok(out)
}
