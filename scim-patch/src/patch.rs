//! [`Patch`]: a PATCH request parsed and resolved against a resource type, ready to apply.
//!
//! Everything that can be checked without the resource is checked here, before any change:
//! the envelope, every path (grammar, attribute names, value filters), every value (types,
//! normalisation, Entra's string booleans and bare ids), readOnly and required attributes.
//! Path-less values are expanded into one step per attribute, so `{"name.givenName": "x"}` and
//! `{"urn:…:enterprise:2.0:User": {"department": "y"}}` become ordinary path steps.

use scim_core::message::{PatchOp, PatchRequest};
use scim_core::schema::{Attribute, Mutability};
use scim_core::validate::{UnknownAttributes, ValidationOptions, check_value};
use scim_core::{ResolvedAttr, Resource, ResourceType, urn};
use scim_filter::{CompValue, PatchPath};
use serde_json::{Map, Value};

use crate::apply;
use crate::error::{At, PatchError};
use crate::index::ValueIndex;
use crate::options::PatchOptions;
use crate::outcome::PatchOutcome;
use crate::select::is_member_like;
use scim_filter::{EvalError, Matcher, ValueFilterOptions};

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

/// One resolved change: what it targets and what it does.
#[derive(Debug, Clone)]
pub(crate) struct Step<'t> {
    pub(crate) at: At,
    pub(crate) target: Target<'t>,
    pub(crate) action: Action,
}

/// A top-level attribute: core (`ext: None`) or of an extension.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot<'t> {
    pub(crate) ext: Option<&'t str>,
    pub(crate) attr: &'t Attribute,
}

impl Slot<'_> {
    /// Whether values are identified by their `value` (group `members`).
    pub(crate) fn keyed(&self) -> bool {
        is_member_like(self.attr)
    }

    pub(crate) fn canonical(&self) -> String {
        canonical(self.ext, &self.attr.name)
    }
}

pub(crate) fn canonical(ext: Option<&str>, name: &str) -> String {
    match ext {
        Some(urn) => format!("{urn}:{name}"),
        None => name.to_owned(),
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Target<'t> {
    /// `attr` or `attr.sub`.
    Attr {
        slot: Slot<'t>,
        sub: Option<&'t Attribute>,
    },
    /// `attr[filter]` or `attr[filter].sub` (also `multiValued.sub`, as a match-all filter).
    Filtered(Box<Filtered<'t>>),
    /// A bare extension URN: the whole extension object (only for `remove`).
    Extension { urn: &'t str },
    /// A readOnly attribute in a path-less value: allowed only when equal to what is stored.
    ReadOnly {
        slot: Slot<'t>,
        sub: Option<&'t Attribute>,
    },
    /// An attribute no schema defines, kept as sent (`UnknownAttributes::Keep`).
    Unknown { ext: Option<&'t str>, key: String },
}

#[derive(Debug, Clone)]
pub(crate) struct Filtered<'t> {
    pub(crate) slot: Slot<'t>,
    pub(crate) filter: Matcher,
    pub(crate) sub: Option<&'t Attribute>,
    /// The value an `add`/`replace` creates when nothing matches (from `eq` terms).
    pub(crate) template: Option<Map<String, Value>>,
    /// `Some(id)` for the filter `value eq "id"` on a member-like attribute (index lookups).
    pub(crate) key: Option<String>,
    /// False for `multiValued.sub` paths, which have no filter of their own.
    pub(crate) explicit: bool,
}

/// What a step does. Values are already checked and normalised against the target.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    Add(Value),
    Replace(Value),
    Remove,
    /// Entra/Okta: `remove` with a value list, removing only those values.
    RemoveValues(Vec<Value>),
}

impl<'t> Patch<'t> {
    /// Parses and resolves a PATCH request against `ty`. The request is borrowed; its values
    /// are copied. See [`Patch::from_request`] to move them instead.
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

    fn check_envelope(request: &PatchRequest, opts: &PatchOptions) -> Result<(), PatchError> {
        if opts.lenient_envelope {
            return Ok(());
        }
        if !request
            .schemas
            .iter()
            .any(|s| s.eq_ignore_ascii_case(urn::PATCH_OP))
        {
            return Err(PatchError::InvalidSyntax {
                reason: format!("schemas must include {}", urn::PATCH_OP),
            });
        }
        if request.operations.is_empty() {
            return Err(PatchError::InvalidSyntax {
                reason: "Operations must hold at least one operation".to_owned(),
            });
        }
        Ok(())
    }

    fn build<'a>(
        ops: impl Iterator<Item = (PatchOp, Option<&'a str>, Option<Value>)>,
        ty: &'t ResourceType,
        opts: &PatchOptions,
    ) -> Result<Patch<'t>, PatchError> {
        let mut parser = Parser {
            ty,
            opts,
            vopts: opts.validation(),
            steps: Vec::new(),
        };
        for (i, (op, path, value)) in ops.enumerate() {
            parser.operation(i, op, path, value)?;
        }
        Ok(Patch {
            ty,
            opts: *opts,
            steps: parser.steps,
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
        apply::run(self, resource.as_map_mut(), None)
    }

    /// Like [`Patch::apply`], with an index of a member-like attribute kept by the caller beside
    /// the resource (see [`ValueIndex`]): duplicate checks and removals by id on that attribute
    /// are O(1), and the index is kept up to date. An index of another attribute is ignored.
    pub fn apply_indexed(
        &self,
        resource: &mut Resource,
        index: &mut ValueIndex,
    ) -> Result<PatchOutcome, PatchError> {
        apply::run(self, resource.as_map_mut(), Some(index))
    }

    /// Applies the patch to a copy of `resource` and returns the copy; `resource` is untouched.
    pub fn apply_to_copy(
        &self,
        resource: &Resource,
    ) -> Result<(Resource, PatchOutcome), PatchError> {
        let mut copy = resource.clone();
        let outcome = apply::run(self, copy.as_map_mut(), None)?;
        Ok((copy, outcome))
    }
}

/// Where the keys of a path-less value live.
#[derive(Debug, Clone, Copy)]
enum Container<'t> {
    /// The resource itself.
    Resource,
    /// Inside `{"<core schema URN>": {…}}`.
    Core,
    /// Inside `{"<extension URN>": {…}}`.
    Extension(&'t str),
}

struct Parser<'t, 'o> {
    ty: &'t ResourceType,
    opts: &'o PatchOptions,
    vopts: ValidationOptions,
    steps: Vec<Step<'t>>,
}

impl<'t> Parser<'t, '_> {
    fn operation(
        &mut self,
        i: usize,
        op: PatchOp,
        path: Option<&str>,
        value: Option<Value>,
    ) -> Result<(), PatchError> {
        let path = path.map(str::trim).filter(|p| !p.is_empty());
        let at = At::new(i, path);
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
        let parsed = match plain_path(path) {
            // A plain `[urn:]name[.sub]` needs no grammar: resolution decides (the same way).
            Some(ap) => PatchPath::Attr(ap),
            None => PatchPath::parse(path).map_err(|e| at.invalid_path(e.to_string()))?,
        };
        let target = match &parsed {
            PatchPath::Attr(ap) => {
                let r = self.resolve(&at, ap.urn.as_deref(), &ap.name, ap.sub_attr.as_deref())?;
                self.explicit_checks(&at, op, &r)?;
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
                let r = self.resolve(&at, ap.urn.as_deref(), &ap.name, None)?;
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
                self.explicit_checks(&at, op, &full)?;
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
        };
        let action = self.action(&at, op, &target, value)?;
        if let Some(action) = action {
            self.steps.push(Step { at, target, action });
        }
        Ok(())
    }

    /// The value of a path-less `add`/`replace` (or one on a bare schema URN): a JSON object.
    fn pathless_object(
        &self,
        at: &At,
        value: Option<Value>,
    ) -> Result<Map<String, Value>, PatchError> {
        match value {
            Some(Value::Object(obj)) => Ok(obj),
            Some(other) => Err(at.invalid_value(format!(
                "without a path the value must be a JSON object of attributes, not {}",
                kind(&other)
            ))),
            None => Err(at.invalid_value("add and replace need a value")),
        }
    }

    /// A bare schema URN used as a path: the core schema or an extension.
    fn container(&self, path: &str) -> Option<Container<'t>> {
        if self.ty.is_core_schema(path) {
            return Some(Container::Core);
        }
        self.ty
            .extension(path)
            .map(|e| Container::Extension(e.schema.id.as_str()))
    }

    fn resolve(
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
    fn explicit_checks(
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
    fn template(
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

    /// Expands a path-less value into one step per attribute.
    fn expand(
        &mut self,
        i: usize,
        op: PatchOp,
        obj: Map<String, Value>,
        container: Container<'t>,
    ) -> Result<(), PatchError> {
        for (key, value) in obj {
            let at = At::new(i, Some(&key));
            if let Container::Resource = container {
                if key.eq_ignore_ascii_case("schemas") {
                    // Kept in sync with the extensions present by the service provider.
                    continue;
                }
                if let Some(nested) = self.container(&key) {
                    if value.is_null() {
                        continue;
                    }
                    let inner = self.pathless_object(&at, Some(value))?;
                    self.expand(i, op, inner, nested)?;
                    continue;
                }
            }
            let Some(r) = self.resolve_key(&key, container) else {
                match self.opts.unknown_attributes {
                    UnknownAttributes::Reject => {
                        return Err(at.invalid_value(format!(
                            "{key} is not an attribute of {}",
                            self.ty.name
                        )));
                    }
                    UnknownAttributes::Keep => {
                        let ext = match container {
                            Container::Extension(urn) => Some(urn),
                            _ => None,
                        };
                        if let Some(v) = prune(value) {
                            self.steps.push(Step {
                                at,
                                target: Target::Unknown { ext, key },
                                action: if op == PatchOp::Add {
                                    Action::Add(v)
                                } else {
                                    Action::Replace(v)
                                },
                            });
                        }
                    }
                    _ => {}
                }
                continue;
            };
            let slot = Slot {
                ext: r.extension_urn(),
                attr: r.attribute(),
            };
            let sub = r.sub_attribute();
            if r.attribute().name == "schemas" && slot.ext.is_none() {
                continue;
            }
            let read_only = r.attribute().mutability == Mutability::ReadOnly
                || sub.is_some_and(|s| s.mutability == Mutability::ReadOnly);
            if read_only {
                if !self.opts.ignore_read_only_values {
                    self.steps.push(Step {
                        at,
                        target: Target::ReadOnly { slot, sub },
                        action: Action::Replace(value),
                    });
                }
                continue;
            }
            let target = match sub {
                Some(sub) if slot.attr.multi_valued => Target::Filtered(Box::new(Filtered {
                    slot,
                    filter: Matcher::always(),
                    sub: Some(sub),
                    template: Some(Map::new()),
                    key: None,
                    explicit: false,
                })),
                sub => Target::Attr { slot, sub },
            };
            if let Some(action) = self.action(&at, op, &target, Some(value))? {
                if matches!(action, Action::Remove) {
                    required_check(&at, &r)?;
                }
                self.steps.push(Step { at, target, action });
            }
        }
        Ok(())
    }

    /// Resolves a key of a path-less value.
    fn resolve_key(&self, key: &str, container: Container<'t>) -> Option<ResolvedAttr<'t>> {
        let dotted = key.contains('.');
        let (name, sub) = match key.split_once('.') {
            Some((n, s)) => (n, Some(s)),
            None => (key, None),
        };
        match container {
            Container::Extension(urn) => {
                if dotted && !self.opts.pathless_dotted_keys {
                    return None;
                }
                self.ty.resolve_parts(Some(urn), name, sub)
            }
            Container::Core => {
                if dotted && !self.opts.pathless_dotted_keys {
                    return None;
                }
                let r = self.ty.resolve_parts(Some(&self.ty.schema.id), name, sub)?;
                r.extension_urn().is_none().then_some(r)
            }
            Container::Resource => {
                let qualified = key.contains(':');
                if (dotted || qualified) && !self.opts.pathless_dotted_keys {
                    return None;
                }
                let r = self.ty.resolve(key)?;
                if !qualified
                    && r.extension_urn().is_some()
                    && !self.opts.unqualified_extension_paths
                {
                    return None;
                }
                Some(r)
            }
        }
    }

    /// Checks and normalises the value of an operation for its target; `None` when the
    /// operation turns out to do nothing (a path-less `add` of `null`).
    fn action(
        &self,
        at: &At,
        op: PatchOp,
        target: &Target<'t>,
        value: Option<Value>,
    ) -> Result<Option<Action>, PatchError> {
        match op {
            PatchOp::Remove => {
                let Some(value) = value else {
                    return Ok(Some(Action::Remove));
                };
                if !self.opts.remove_with_value {
                    return Err(at.invalid_value(
                        "remove takes no value; select values with a filter, e.g. members[value eq \"id\"]",
                    ));
                }
                match target {
                    Target::Attr { slot, sub: None } if slot.attr.multi_valued => {
                        let values = match self.normalise(at, slot.attr, written(at), value)? {
                            Some(Value::Array(items)) => items,
                            Some(other) => vec![other],
                            None => Vec::new(),
                        };
                        Ok(Some(Action::RemoveValues(values)))
                    }
                    // Any other target: the value adds nothing to the path.
                    _ => Ok(Some(Action::Remove)),
                }
            }
            PatchOp::Add | PatchOp::Replace => {
                let Some(raw) = value else {
                    if op == PatchOp::Replace && self.opts.replace_null_removes {
                        return self.as_remove(at, target);
                    }
                    return Err(at.invalid_value(format!("{op} needs a value")));
                };
                let normalised = match target {
                    Target::Attr { slot, sub: None }
                        if slot.attr.is_complex() && !slot.attr.multi_valued =>
                    {
                        self.partial(at, slot.attr, written(at), raw)?
                    }
                    Target::Attr { slot, sub: None } => {
                        self.normalise(at, slot.attr, written(at), raw)?
                    }
                    Target::Attr { sub: Some(sub), .. } => {
                        self.normalise(at, sub, written(at), raw)?
                    }
                    Target::Filtered(f) => match f.sub {
                        Some(sub) => self.normalise(at, sub, written(at), raw)?,
                        None => self.element(at, f.slot, raw)?,
                    },
                    // Not reachable from `operation`/`expand`; kept total.
                    Target::Extension { .. } | Target::ReadOnly { .. } | Target::Unknown { .. } => {
                        Some(raw)
                    }
                };
                match normalised {
                    Some(v) if op == PatchOp::Add => Ok(Some(Action::Add(v))),
                    Some(v) => Ok(Some(Action::Replace(v))),
                    // RFC 7643 §2.5: null, [] and {} are unassigned.
                    None if op == PatchOp::Add => Ok(None),
                    None => self.as_remove(at, target),
                }
            }
        }
    }

    /// A `replace` with an unassigned value: a `remove` of the target.
    fn as_remove(&self, at: &At, target: &Target<'t>) -> Result<Option<Action>, PatchError> {
        let (slot, sub) = match target {
            Target::Attr { slot, sub } => (slot, *sub),
            Target::Filtered(f) => (&f.slot, f.sub),
            _ => return Ok(Some(Action::Remove)),
        };
        if let Some(r) =
            self.ty
                .resolve_parts(slot.ext, &slot.attr.name, sub.map(|s| s.name.as_str()))
        {
            required_check(at, &r)?;
        }
        Ok(Some(Action::Remove))
    }

    /// `check_value` for an attribute, with the array leniencies.
    fn normalise(
        &self,
        at: &At,
        attr: &Attribute,
        path: &str,
        raw: Value,
    ) -> Result<Option<Value>, PatchError> {
        let raw = if self.opts.lenient_arrays {
            match raw {
                Value::Array(mut items) if !attr.multi_valued && items.len() == 1 => {
                    items.pop().unwrap_or(Value::Null)
                }
                v if attr.multi_valued && !v.is_array() && !v.is_null() => Value::Array(vec![v]),
                v => v,
            }
        } else {
            raw
        };
        check_value(attr, raw, &self.vopts, path).map_err(|e| at.wrap_scim(&e))
    }

    /// A value for a single-valued complex attribute, which `add` and `replace` merge into the
    /// stored one (RFC 7644 §3.5.2.3): each sub-attribute is checked on its own, and required
    /// sub-attributes are checked after the merge, when the step is applied.
    fn partial(
        &self,
        at: &At,
        attr: &Attribute,
        path: &str,
        raw: Value,
    ) -> Result<Option<Value>, PatchError> {
        let raw = match raw {
            Value::Array(mut items) if self.opts.lenient_arrays && items.len() == 1 => {
                items.pop().unwrap_or(Value::Null)
            }
            v => v,
        };
        let obj = match raw {
            Value::Object(obj) => obj,
            Value::Null => return Ok(None),
            // Bare values (`"manager": "id"`) and type errors: `check_value` knows both.
            other => {
                return check_value(attr, other, &self.vopts, path).map_err(|e| at.wrap_scim(&e));
            }
        };
        let mut out = Map::new();
        for (key, value) in obj {
            match attr.sub_attribute(&key) {
                Some(sub) if sub.mutability == Mutability::ReadOnly => {}
                Some(sub) => {
                    let sub_path = format!("{path}.{}", sub.name);
                    if let Some(v) = check_value(sub, value, &self.vopts, &sub_path)
                        .map_err(|e| at.wrap_scim(&e))?
                    {
                        out.insert(sub.name.clone(), v);
                    }
                }
                None => match self.opts.unknown_attributes {
                    UnknownAttributes::Reject => {
                        return Err(at.invalid_value(format!(
                            "{path}.{key} is not an attribute of {}",
                            self.ty.name
                        )));
                    }
                    UnknownAttributes::Keep => {
                        if let Some(v) = prune(value) {
                            out.insert(key, v);
                        }
                    }
                    _ => {}
                },
            }
        }
        Ok((!out.is_empty()).then_some(Value::Object(out)))
    }

    /// `check_value` for one value of a multi-valued attribute (or the value of a single-valued
    /// complex attribute with a filter).
    fn element(&self, at: &At, slot: Slot<'t>, raw: Value) -> Result<Option<Value>, PatchError> {
        let raw = match raw {
            Value::Array(mut items) if self.opts.lenient_arrays && items.len() == 1 => {
                items.pop().unwrap_or(Value::Null)
            }
            v => v,
        };
        if raw.is_array() {
            return Err(at.invalid_value(format!(
                "a value filter selects single values of {}; send one value, not an array",
                slot.canonical()
            )));
        }
        if !slot.attr.multi_valued {
            return check_value(slot.attr, raw, &self.vopts, written(at))
                .map_err(|e| at.wrap_scim(&e));
        }
        match check_value(slot.attr, Value::Array(vec![raw]), &self.vopts, written(at)) {
            Ok(Some(Value::Array(mut items))) => Ok(items.pop()),
            Ok(_) => Ok(None),
            Err(e) => Err(at.wrap_scim(&e)),
        }
    }

    /// Rejects a value on a `remove` that cannot use one, when values on removes are off.
    fn no_remove_value(&self, at: &At, value: &Option<Value>) -> Result<(), PatchError> {
        if value.is_some() && !self.opts.remove_with_value {
            return Err(at.invalid_value("remove takes no value"));
        }
        Ok(())
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

/// The path of an operation as the client wrote it (or the key of a path-less value), for
/// error details.
fn written(at: &At) -> &str {
    at.path.as_deref().unwrap_or_default()
}

/// Removing (or unassigning) a required attribute or sub-attribute is `mutability`.
fn required_check(at: &At, r: &ResolvedAttr<'_>) -> Result<(), PatchError> {
    let def = r.definition();
    if def.required {
        return Err(at.mutability(format!(
            "{} is required and cannot be removed",
            r.canonical_path()
        )));
    }
    Ok(())
}

/// Drops nulls and empty values recursively (RFC 7643 §2.5).
fn prune(value: Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Array(items) => {
            let items: Vec<Value> = items.into_iter().filter_map(prune).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(obj) => {
            let obj: Map<String, Value> = obj
                .into_iter()
                .filter_map(|(k, v)| prune(v).map(|v| (k, v)))
                .collect();
            (!obj.is_empty()).then_some(Value::Object(obj))
        }
        other => Some(other),
    }
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
