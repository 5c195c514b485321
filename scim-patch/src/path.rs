//! Resolving an explicit PATCH `path` (RFC 7644 §3.5.2: `attrPath` or `valuePath [subAttr]`)
//! against the schema: parsing it within [`PatchOptions::parse`](crate::PatchOptions::parse)
//! limits, naming attributes, compiling value filters, and the readOnly, `schemas` and
//! required-attribute rules for explicit paths.

use scim_core::ResolvedAttr;
use scim_core::message::PatchOp;
use scim_core::schema::{Attribute, Mutability};
use scim_core::validate::check_value;
use scim_filter::{CompValue, EvalError, Matcher, PatchPath, ValueFilterOptions};
use serde_json::{Map, Value};

use crate::error::{At, PatchError};
use crate::op::{Filtered, Slot, Target};
use crate::resolver::Resolver;
use crate::select::is_member_like;
use crate::value::required_check;

impl<'t> Resolver<'t, '_> {
    /// Resolves the `path` of an operation into its target, applying the rules of explicit
    /// paths. The path is parsed with [`PatchOptions::parse`](crate::PatchOptions::parse)'s
    /// limits; a path over them is `invalidPath`.
    pub(crate) fn explicit_target(
        &self,
        at: &At,
        op: PatchOp,
        path: &str,
    ) -> Result<Target<'t>, PatchError> {
        let limits = &self.opts.parse;
        let parsed = match plain_path(path).filter(|_| path.len() <= limits.max_len) {
            // A plain `[urn:]name[.sub]` needs no grammar: resolution decides (the same way).
            // A plain path over the length limit goes to the parser, which reports it.
            Some(ap) => PatchPath::Attr(ap),
            None => {
                PatchPath::parse_with(path, limits).map_err(|e| at.invalid_path(e.to_string()))?
            }
        };
        Ok(match &parsed {
            PatchPath::Attr(ap) => {
                let r = self.resolve(at, ap.urn.as_deref(), &ap.name, ap.sub_attr.as_deref())?;
                self.explicit_checks(at, op, &r)?;
                let slot = Slot {
                    ext: r.extension_urn(),
                    attr: r.attribute(),
                };
                match r.sub_attribute() {
                    Some(sub) if slot.attr.multi_valued => Target::Filtered(Box::new(Filtered {
                        slot,
                        filter: Matcher::always(),
                        sub: Some(sub),
                        template: Some(Map::new()),
                        key: None,
                        explicit: false,
                    })),
                    sub => Target::Attr { slot, sub },
                }
            }
            PatchPath::Value {
                value_path,
                sub_attr,
            } => {
                let ap = &value_path.attr;
                let r = self.resolve(at, ap.urn.as_deref(), &ap.name, None)?;
                let attr = r.attribute();
                if !attr.is_complex() {
                    return Err(at.invalid_path(format!(
                        "{} is not a complex attribute and cannot take a value filter",
                        r.canonical_path()
                    )));
                }
                let sub = match sub_attr {
                    Some(s) => Some(attr.sub_attribute(s).ok_or_else(|| {
                        at.invalid_path(format!(
                            "{}.{s} is not an attribute of {}",
                            r.canonical_path(),
                            self.ty.name
                        ))
                    })?),
                    None => None,
                };
                let full = self
                    .ty
                    .resolve_parts(r.extension_urn(), &attr.name, sub.map(|s| s.name.as_str()))
                    .unwrap_or(r);
                self.explicit_checks(at, op, &full)?;
                let filter = value_path
                    .filter
                    .compile_for_values_with(
                        attr,
                        ValueFilterOptions::default()
                            .unknown_is_error(true)
                            .exact_value(is_member_like(attr)),
                    )
                    .map_err(|e| match e {
                        EvalError::UnknownAttribute { path, .. } => at.invalid_path(format!(
                            "{}.{path} in the value filter is not an attribute of {}",
                            attr.name, self.ty.name
                        )),
                        other => at.invalid_filter(other.to_string()),
                    })?;
                let slot = Slot {
                    ext: r.extension_urn(),
                    attr,
                };
                let template = self.template(&value_path.filter, attr);
                let key = match value_path.filter.as_equality() {
                    Some((p, CompValue::String(s)))
                        if slot.keyed()
                            && p.urn.is_none()
                            && p.sub_attr.is_none()
                            && p.name.eq_ignore_ascii_case("value") =>
                    {
                        Some(s.clone())
                    }
                    _ => None,
                };
                Target::Filtered(Box::new(Filtered {
                    slot,
                    filter,
                    sub,
                    template,
                    key,
                    explicit: true,
                }))
            }
        })
    }

    /// Resolves `[urn:]name[.sub]` to an attribute, honouring
    /// [`PatchOptions::unqualified_extension_paths`](crate::PatchOptions::unqualified_extension_paths).
    pub(crate) fn resolve(
        &self,
        at: &At,
        urn: Option<&str>,
        name: &str,
        sub: Option<&str>,
    ) -> Result<ResolvedAttr<'t>, PatchError> {
        let r = self.ty.resolve_parts(urn, name, sub).ok_or_else(|| {
            let mut p = String::new();
            if let Some(u) = urn {
                p.push_str(u);
                p.push(':');
            }
            p.push_str(name);
            if let Some(s) = sub {
                p.push('.');
                p.push_str(s);
            }
            at.invalid_path(format!("{p} is not an attribute of {}", self.ty.name))
        })?;
        if urn.is_none() && r.extension_urn().is_some() && !self.opts.unqualified_extension_paths {
            return Err(at.invalid_path(format!(
                "{name} is an extension attribute and must be written {}",
                r.canonical_path()
            )));
        }
        Ok(r)
    }

    /// Rules for an explicit path: readOnly and `schemas` cannot be targeted, required
    /// attributes cannot be removed.
    pub(crate) fn explicit_checks(
        &self,
        at: &At,
        op: PatchOp,
        r: &ResolvedAttr<'t>,
    ) -> Result<(), PatchError> {
        let attr = r.attribute();
        if r.extension_urn().is_none() && attr.name == "schemas" {
            return Err(at.mutability(
                "schemas is maintained by the service provider and cannot be patched",
            ));
        }
        for def in [Some(attr), r.sub_attribute()].into_iter().flatten() {
            if def.mutability == Mutability::ReadOnly {
                return Err(at.mutability(format!(
                    "{} is readOnly and cannot be modified",
                    r.canonical_path()
                )));
            }
        }
        if op == PatchOp::Remove {
            required_check(at, r)?;
        }
        Ok(())
    }

    /// The element an `add`/`replace` creates when its filter matches nothing: the `eq` terms of
    /// a filter made only of `eq` terms joined by `and`, checked against their sub-attributes.
    pub(crate) fn template(
        &self,
        filter: &scim_filter::Filter,
        attr: &Attribute,
    ) -> Option<Map<String, Value>> {
        let eqs = filter.equalities();
        if eqs.is_empty() {
            return None;
        }
        let mut out = Map::new();
        for (path, value) in eqs {
            if path.urn.is_some() {
                return None;
            }
            let name = match &path.sub_attr {
                None => &path.name,
                Some(s) if path.name.eq_ignore_ascii_case(&attr.name) => s,
                Some(_) => return None,
            };
            let sub = attr.sub_attribute(name)?;
            let json = match value {
                CompValue::Null => return None,
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::String(s) => Value::String(s.clone()),
            };
            let v = check_value(sub, json, &self.vopts, &sub.name).ok()??;
            out.insert(sub.name.clone(), v);
        }
        Some(out)
    }
}

/// A path made only of attribute-name characters, dots and colons (`displayName`,
/// `name.givenName`, `urn:…:2.0:User:manager.value`) split as the grammar would split it: the
/// URN is everything before the last `:`, the sub-attribute what follows the first `.` after
/// it. Anything else (`[`, spaces, quotes) goes through the full parser. A malformed plain path
/// (`a..b`, `1x`) names no attribute and fails resolution with `invalidPath`, as it would fail
/// to parse.
fn plain_path(path: &str) -> Option<scim_filter::AttrPath> {
    if !path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'$' | b'.' | b':'))
    {
        return None;
    }
    let (urn, rest) = match path.rfind(':') {
        Some(i) => (Some(path.get(..i)?.to_owned()), path.get(i + 1..)?),
        None => (None, path),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n, Some(s.to_owned())),
        None => (rest, None),
    };
    if name.is_empty()
        || sub
            .as_deref()
            .is_some_and(|s| s.is_empty() || s.contains('.'))
    {
        return None;
    }
    Some(scim_filter::AttrPath {
        urn,
        name: name.to_owned(),
        sub_attr: sub,
    })
}
