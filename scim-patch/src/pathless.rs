//! Path-less `add` and `replace` (RFC 7644 §3.5.2.1, §3.5.2.3: "the value MUST be a JSON object
//! of attributes"), and values on a bare schema URN: each key becomes an ordinary step, so
//! `{"name.givenName": "x"}` (Entra) and `{"urn:…:enterprise:2.0:User": {"department": "y"}}`
//! resolve like the paths `name.givenName` and `urn:…:enterprise:2.0:User:department`.

use scim_core::ResolvedAttr;
use scim_core::message::PatchOp;
use scim_core::schema::Mutability;
use scim_core::validate::UnknownAttributes;
use scim_filter::Matcher;
use serde_json::{Map, Value};

use crate::error::{At, PatchError};
use crate::op::{Action, Filtered, Slot, Step, Target, kind};
use crate::resolver::Resolver;
use crate::value::{prune, required_check};

/// Where the keys of a path-less value live.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Container<'t> {
    /// The resource itself.
    Resource,
    /// Inside `{"<core schema URN>": {…}}`.
    Core,
    /// Inside `{"<extension URN>": {…}}`.
    Extension(&'t str),
}

impl<'t> Resolver<'t, '_> {
    /// The value of a path-less `add`/`replace` (or one on a bare schema URN): a JSON object.
    pub(crate) fn pathless_object(
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
    pub(crate) fn container(&self, path: &str) -> Option<Container<'t>> {
        if self.ty.is_core_schema(path) {
            return Some(Container::Core);
        }
        self.ty
            .extension(path)
            .map(|e| Container::Extension(e.schema.id.as_str()))
    }

    /// Expands a path-less value into one step per attribute.
    pub(crate) fn expand(
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
    pub(crate) fn resolve_key(
        &self,
        key: &str,
        container: Container<'t>,
    ) -> Option<ResolvedAttr<'t>> {
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
}
