//! Filters and sort keys as PostgreSQL over the `resources` table (aliased `r`), with
//! `scim_filter::SqlMapping` (RFC 7644 §3.4.2.2, §3.4.2.3).
//!
//! Every attribute of the resource type is mapped, driven by its schema:
//!
//! - `id`, `externalId`, `meta.resourceType`, `meta.version`: columns of `resources`;
//!   `meta.created` and `meta.lastModified`: their text columns cast to `timestamptz`;
//! - `userName` (Users) and `displayName` (Groups): the folded uniqueness columns, compared
//!   as [`Column::case_insensitive`] (an index serves `eq`);
//! - group `members`: the `members` table; `User.groups`: the `members` table joined with the
//!   groups' rows (`display` is the group's `displayName`, `type` is `direct`);
//! - every other single-valued attribute and sub-attribute (core and extensions):
//!   `r.data->'name'->>'sub'`, cast to the schema type (`boolean`, `numeric`,
//!   `timestamptz`) where it is not a string;
//! - every other multi-valued attribute (`emails`, `phoneNumbers`, …): a correlated
//!   `EXISTS` over `jsonb_array_elements(r.data->'emails') AS je`.
//!
//! Secret attributes (`password`) are not mapped (the translator refuses them anyway). A
//! stored value that does not have its schema type (validated input never has one) makes the
//! cast, and so the query, fail.

use scim_core::message::SortOrder;
use scim_core::{AttrType, Attribute, ResourceType};
use scim_filter::{Column, MultiValued, SqlMapping};

use super::rows::{has_groups, has_members, unique_column};
use crate::store::{SortSpec, StoreError};

/// A JSON object key as a SQL string literal (`'name'`), or `None` for a name that cannot be
/// quoted safely (schema names are `ATTRNAME` per RFC 7643 §2.1, so this never happens with a
/// sane schema).
fn label(name: &str) -> Option<String> {
    if name.contains(['"', '\'', '\\']) {
        None
    } else {
        Some(format!("'{name}'"))
    }
}

/// The `jsonb` path of a top-level attribute from `base`: `base->'name'` or
/// `base->'urn'->'name'`.
fn attr_path(base: &str, urn: Option<&str>, name: &str) -> Option<String> {
    match urn {
        Some(u) => Some(format!("{base}->{}->{}", label(u)?, label(name)?)),
        None => Some(format!("{base}->{}", label(name)?)),
    }
}

/// The SQL value of the `jsonb` at `json`, typed as the schema types the attribute.
fn typed(json: &str, ty: AttrType) -> String {
    let text = format!("({json} #>> '{{}}')");
    match ty {
        AttrType::Boolean => format!("{text}::boolean"),
        AttrType::Integer | AttrType::Decimal => format!("{text}::numeric"),
        AttrType::DateTime => format!("{text}::timestamptz"),
        _ => text,
    }
}

/// The filter mapping of `ty` (see the module docs).
pub(super) fn mapping(ty: &std::sync::Arc<ResourceType>) -> Result<SqlMapping, StoreError> {
    let mut b = SqlMapping::builder(ty.clone())
        .column("id", "r.id")
        .column("externalId", "r.external_id")
        .column("meta.created", "r.created::timestamptz")
        .column("meta.lastModified", "r.last_modified::timestamptz")
        .column("meta.resourceType", "r.type")
        .column("meta.version", "('W/\"' || r.version::text || '\"')");
    let core = std::iter::once((None, &*ty.schema));
    let exts = ty
        .extensions
        .iter()
        .map(|e| (Some(e.schema.id.as_str()), &*e.schema));
    for (urn, schema) in core.chain(exts) {
        for attr in &schema.attributes {
            if attr.is_secret() {
                continue;
            }
            let key = match urn {
                Some(u) => format!("{u}:{}", attr.name),
                None => attr.name.clone(),
            };
            if ty.resolve(&key).is_none() {
                continue;
            }
            if urn.is_none() {
                if let Some(col) = unique_column(ty, &attr.name) {
                    let expr = format!("r.{col}");
                    b = if attr.case_exact || attr.ty != AttrType::String {
                        b.column(&key, expr)
                    } else {
                        b.column(&key, Column::case_insensitive(expr))
                    };
                    continue;
                }
                if attr.name == "members" && has_members(ty) {
                    b = b.multi_valued(
                        &key,
                        MultiValued::new("members AS mm")
                            .on("mm.tenant = r.tenant AND mm.group_id = r.id")
                            .column("value", "mm.member_id")
                            .column("type", "mm.member_type")
                            .column("display", "mm.display"),
                    );
                    continue;
                }
                if attr.name == "groups" && has_groups(ty) {
                    b = b.multi_valued(
                        &key,
                        MultiValued::new(
                            "members AS mg JOIN resources AS g \
                             ON g.tenant = mg.tenant AND g.id = mg.group_id",
                        )
                        .on("mg.tenant = r.tenant AND mg.member_id = r.id")
                        .column("value", "mg.group_id")
                        .column("display", "(g.data->>'displayName')")
                        .column("type", "'direct'"),
                    );
                    continue;
                }
            }
            let Some(path) = attr_path("r.data", urn, &attr.name) else {
                continue;
            };
            b = map_attribute(b, &key, &path, attr);
        }
    }
    b.build()
        .map_err(|e| StoreError::Scim(scim_core::ScimError::from(e)))
}

fn map_attribute(
    mut b: scim_filter::SqlMappingBuilder,
    key: &str,
    path: &str,
    attr: &Attribute,
) -> scim_filter::SqlMappingBuilder {
    let subs = || attr.sub_attributes.iter().filter(|s| !s.is_secret());
    match (attr.multi_valued, attr.is_complex()) {
        (false, false) => b.column(key, typed(path, attr.ty)),
        (false, true) => {
            for sub in subs() {
                if let Some(l) = label(&sub.name) {
                    b = b.column(
                        &format!("{key}.{}", sub.name),
                        typed(&format!("{path}->{l}"), sub.ty),
                    );
                }
            }
            b
        }
        (true, complex) => {
            let mut values = MultiValued::new(format!("jsonb_array_elements({path}) AS je"));
            if complex {
                for sub in subs() {
                    if let Some(l) = label(&sub.name) {
                        values = values.column(&sub.name, typed(&format!("je.value->{l}"), sub.ty));
                    }
                }
            } else {
                values = values.column("value", typed("je.value", attr.ty));
            }
            b.multi_valued(key, values)
        }
    }
}

/// The `ORDER BY` clause for a sort key (RFC 7644 §3.4.2.3), in the order of
/// [`SortKey`](crate::SortKey): unassigned values last in ascending order (first in
/// descending), ties in creation order (reversed in descending order, as a reversed sort).
/// Strings compare by code point (`COLLATE "C"`), as in memory.
pub(super) fn order_by(ty: &ResourceType, sort: Option<&SortSpec>) -> String {
    let Some(sort) = sort else {
        return "r.seq".to_owned();
    };
    let expr = sort_expr(ty, sort).unwrap_or_else(|| "NULL".to_owned());
    match sort.order {
        SortOrder::Descending => format!("({expr}) IS NULL DESC, ({expr}) DESC, r.seq DESC"),
        SortOrder::Ascending => format!("({expr}) IS NULL, ({expr}), r.seq"),
    }
}

/// The SQL value a resource sorts by, `None` when it is not sortable here (members, groups).
fn sort_expr(ty: &ResourceType, sort: &SortSpec) -> Option<String> {
    let p = &sort.by;
    let resolved = ty.resolve_parts(p.urn.as_deref(), &p.name, p.sub_attr.as_deref())?;
    let attr = resolved.attribute();
    let def = resolved.definition();
    let ext = resolved.extension_urn();
    if ext.is_none() {
        match (attr.name.as_str(), p.sub_attr.as_deref()) {
            ("id", None) => return Some("r.id COLLATE \"C\"".to_owned()),
            ("externalId", None) => return Some("r.external_id COLLATE \"C\"".to_owned()),
            ("meta", Some("created")) => return Some("r.created::timestamptz".to_owned()),
            ("meta", Some("lastModified")) => {
                return Some("r.last_modified::timestamptz".to_owned());
            }
            ("meta", Some("resourceType")) => return Some("r.type COLLATE \"C\"".to_owned()),
            ("meta", Some("version")) => return Some("r.version".to_owned()),
            ("members" | "groups", _) => return None,
            (name, None) => {
                if let Some(col) = unique_column(ty, name) {
                    return Some(format!("r.{col} COLLATE \"C\""));
                }
            }
            _ => {}
        }
    }
    let sub = match (&resolved.sub_attribute(), attr.is_complex()) {
        (Some(s), _) => Some(label(&s.name)?),
        (None, true) => Some(label("value")?),
        (None, false) => None,
    };
    let raw = if attr.multi_valued {
        let path = attr_path("r.data", ext, &attr.name)?;
        let value = match &sub {
            Some(l) => typed(&format!("je.value->{l}"), def.ty),
            None => typed("je.value", def.ty),
        };
        let primary = if attr.is_complex() {
            "coalesce(je.value->'primary' = 'true'::jsonb, FALSE) DESC, "
        } else {
            ""
        };
        format!(
            "(SELECT {value} FROM jsonb_array_elements({path}) WITH ORDINALITY AS je(value, n) \
             ORDER BY {primary}je.n LIMIT 1)"
        )
    } else {
        let path = attr_path("r.data", ext, &attr.name)?;
        match &sub {
            Some(l) => typed(&format!("{path}->{l}"), def.ty),
            None => typed(&path, def.ty),
        }
    };
    let text = matches!(def.ty, AttrType::String | AttrType::Reference);
    Some(match (text, def.case_exact) {
        (true, false) => format!("lower({raw}) COLLATE \"C\""),
        (true, true) => format!("{raw} COLLATE \"C\""),
        (false, _) => raw,
    })
}
