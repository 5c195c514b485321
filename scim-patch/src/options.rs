//! How lenient PATCH is (the documented identity-provider quirks, each behind its own switch),
//! and how much of it a server accepts (parse limits for paths, the number of operations).

use scim_core::validate::{UnknownAttributes, ValidationOptions};
use scim_filter::ParseOptions;

/// Options for [`Patch::parse`](crate::Patch::parse).
///
/// [`PatchOptions::default`] is lenient toward the identity providers we know (Microsoft Entra
/// ID, Okta): every switch below is on. [`PatchOptions::strict`] is plain RFC 7644 §3.5.2 with
/// every switch off. Hosts can start from either and flip single switches:
///
/// ```
/// use scim_patch::PatchOptions;
///
/// let opts = PatchOptions::strict().string_booleans(true);
/// assert!(opts.string_booleans && !opts.remove_with_value);
/// assert!(PatchOptions::default().remove_with_value);
/// ```
///
/// Two limits bound the work a request can cause, whatever the leniency:
/// [`parse`](PatchOptions::parse) (the length and nesting of every path, value filters
/// included) and [`max_operations`](PatchOptions::max_operations). [`PatchOptions::is_strict`]
/// ignores them.
///
/// ```
/// use scim_filter::ParseOptions;
/// use scim_patch::PatchOptions;
///
/// let opts = PatchOptions::default()
///     .parse_limits(ParseOptions { max_depth: 8, max_len: 1024 })
///     .max_operations(100);
/// assert_eq!(opts.parse.max_len, 1024);
/// assert_eq!(PatchOptions::default().max_operations, PatchOptions::DEFAULT_MAX_OPERATIONS);
/// ```
///
/// Whatever the options, operation names are read in any case (`Add`, `REPLACE`; done by
/// [`scim_core::message::PatchOp`]), removing a value that is not there is never an error when
/// no filter is involved, and adding a value that is already there is a no-op (RFC 7644
/// §3.5.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PatchOptions {
    /// Accept `"True"`/`"False"` (any case) for boolean attributes and store real booleans.
    /// Entra ID sends `{"op": "Replace", "path": "active", "value": "False"}` by default.
    pub string_booleans: bool,
    /// Accept a bare value for a complex attribute that has a `value` sub-attribute and store
    /// `{"value": …}`: Entra's `manager` sent as a plain id, members sent as bare ids.
    pub bare_complex_values: bool,
    /// In a path-less `add`/`replace`, read keys with a dot or a schema URN prefix as paths:
    /// `{"name.givenName": "x", "urn:…:enterprise:2.0:User:department": "y"}` (Entra with the
    /// `aadOptscim062020` flag). When off, such keys are unknown attributes.
    pub pathless_dotted_keys: bool,
    /// `remove` with a `value` removes only the values listed, matched by their `value`
    /// sub-attribute (`{"op": "Remove", "path": "members", "value": [{"value": "id"}]}`, Entra's
    /// default and Okta's shape). When off, a `remove` carrying a value is `invalidValue`
    /// (a server that ignored the value would empty the group).
    pub remove_with_value: bool,
    /// `add`/`replace` through a value filter that matches nothing creates one value from the
    /// filter's equalities (`emails[type eq "work"].value` on a user without a work email creates
    /// `{"type": "work", "value": …}`), as Entra ID and its SCIM validator expect. Only filters
    /// made of `eq` comparisons joined by `and` qualify. When off, such an operation is
    /// `noTarget` (RFC 7644 §3.5.2.3).
    pub create_on_filter_miss: bool,
    /// A `remove` whose value filter matches nothing succeeds without change (Entra and Okta
    /// remove members that may already be gone). When off, it is `noTarget` as RFC 7644 §3.12
    /// describes.
    pub idempotent_remove: bool,
    /// A one-element array is accepted for a single-valued attribute, and a single value for a
    /// multi-valued one: Entra's legacy `{"op": "Add", "path": "manager", "value": [{"value": …}]}`.
    pub lenient_arrays: bool,
    /// An extension attribute may be named without its schema URN (`manager` for
    /// `urn:…:enterprise:2.0:User:manager`) when no core attribute has that name.
    pub unqualified_extension_paths: bool,
    /// A `replace` without a value (or with `"value": null`) removes the attribute
    /// (RFC 7643 §2.5: null is unassigned). When off, it is `invalidValue`.
    pub replace_null_removes: bool,
    /// readOnly attributes inside a path-less value (`{"op": "replace", "value": {"id": …,
    /// "displayName": …}}`, Okta's group rename) are ignored, as RFC 7644 §3.5.1 ignores them
    /// on PUT. When off, a readOnly value that differs from the stored one is `mutability`.
    /// An explicit `path` to a readOnly attribute is `mutability` either way.
    pub ignore_read_only_values: bool,
    /// A request whose `schemas` lacks the PatchOp URN
    /// (`urn:ietf:params:scim:api:messages:2.0:PatchOp`) is accepted. When off, it is
    /// `invalidSyntax`. An empty `Operations` array is `invalidValue` either way (RFC 7644
    /// §3.5.2: the body "contains one or more patch operations").
    pub lenient_envelope: bool,
    /// What to do with attributes the schema does not define inside values (path-less keys and
    /// sub-attributes). An explicit `path` to an unknown attribute is `invalidPath` either way.
    pub unknown_attributes: UnknownAttributes,
    /// The limits every PATCH `path` is parsed within (RFC 7644 §3.5.2), value filters
    /// included: [`ParseOptions::max_len`] bytes and [`ParseOptions::max_depth`] nested groups
    /// (each `[`, `(` and `not (` counts one). A path over either limit is `invalidPath`.
    /// Default [`ParseOptions::default`] (64 KiB, depth 64); a server that parses query filters
    /// with tighter limits should pass the same ones here ([`PatchOptions::parse_limits`]).
    pub parse: ParseOptions,
    /// The most operations one request may hold. More is `tooMany`, before any operation is
    /// resolved. Default [`PatchOptions::DEFAULT_MAX_OPERATIONS`] (1,000): Entra ID and Okta
    /// send one to a few dozen; large membership changes fit in one operation's value list.
    /// `usize::MAX` disables the limit.
    pub max_operations: usize,
}

impl Default for PatchOptions {
    /// Lenient: every identity-provider quirk above is accepted and unknown attributes in values
    /// are ignored.
    fn default() -> Self {
        PatchOptions {
            string_booleans: true,
            bare_complex_values: true,
            pathless_dotted_keys: true,
            remove_with_value: true,
            create_on_filter_miss: true,
            idempotent_remove: true,
            lenient_arrays: true,
            unqualified_extension_paths: true,
            replace_null_removes: true,
            ignore_read_only_values: true,
            lenient_envelope: true,
            unknown_attributes: UnknownAttributes::Ignore,
            parse: ParseOptions::DEFAULT,
            max_operations: PatchOptions::DEFAULT_MAX_OPERATIONS,
        }
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $name(mut self, on: bool) -> Self {
                self.$name = on;
                self
            }
        )*
    };
}

impl PatchOptions {
    /// The default of [`PatchOptions::max_operations`]: 1,000 operations per request.
    pub const DEFAULT_MAX_OPERATIONS: usize = 1_000;

    /// Plain RFC 7644 §3.5.2: every leniency off, unknown attributes in values rejected. The
    /// limits are the defaults, as in [`PatchOptions::default`].
    pub fn strict() -> Self {
        PatchOptions {
            string_booleans: false,
            bare_complex_values: false,
            pathless_dotted_keys: false,
            remove_with_value: false,
            create_on_filter_miss: false,
            idempotent_remove: false,
            lenient_arrays: false,
            unqualified_extension_paths: false,
            replace_null_removes: false,
            ignore_read_only_values: false,
            lenient_envelope: false,
            unknown_attributes: UnknownAttributes::Reject,
            parse: ParseOptions::DEFAULT,
            max_operations: PatchOptions::DEFAULT_MAX_OPERATIONS,
        }
    }

    /// Whether every leniency is off (as [`PatchOptions::strict`] sets them). The limits
    /// ([`parse`](PatchOptions::parse), [`max_operations`](PatchOptions::max_operations)) do
    /// not count.
    pub fn is_strict(&self) -> bool {
        let strict = PatchOptions {
            parse: self.parse,
            max_operations: self.max_operations,
            ..PatchOptions::strict()
        };
        *self == strict
    }

    setters! {
        /// Sets [`PatchOptions::string_booleans`].
        string_booleans,
        /// Sets [`PatchOptions::bare_complex_values`].
        bare_complex_values,
        /// Sets [`PatchOptions::pathless_dotted_keys`].
        pathless_dotted_keys,
        /// Sets [`PatchOptions::remove_with_value`].
        remove_with_value,
        /// Sets [`PatchOptions::create_on_filter_miss`].
        create_on_filter_miss,
        /// Sets [`PatchOptions::idempotent_remove`].
        idempotent_remove,
        /// Sets [`PatchOptions::lenient_arrays`].
        lenient_arrays,
        /// Sets [`PatchOptions::unqualified_extension_paths`].
        unqualified_extension_paths,
        /// Sets [`PatchOptions::replace_null_removes`].
        replace_null_removes,
        /// Sets [`PatchOptions::ignore_read_only_values`].
        ignore_read_only_values,
        /// Sets [`PatchOptions::lenient_envelope`].
        lenient_envelope,
    }

    /// Sets [`PatchOptions::unknown_attributes`].
    #[must_use]
    pub fn unknown_attributes(mut self, policy: UnknownAttributes) -> Self {
        self.unknown_attributes = policy;
        self
    }

    /// Sets [`PatchOptions::parse`], the limits every path is parsed within.
    #[must_use]
    pub fn parse_limits(mut self, limits: ParseOptions) -> Self {
        self.parse = limits;
        self
    }

    /// Sets [`PatchOptions::max_operations`].
    #[must_use]
    pub fn max_operations(mut self, max: usize) -> Self {
        self.max_operations = max;
        self
    }

    /// The value-checking options these PATCH options imply.
    pub(crate) fn validation(&self) -> ValidationOptions {
        let base = if self.is_strict() {
            ValidationOptions::strict()
        } else {
            ValidationOptions::default()
        };
        let mut v = base.unknown_attributes(self.unknown_attributes);
        v.string_booleans = self.string_booleans;
        v.bare_complex_values = self.bare_complex_values;
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_lenient_and_strict_is_not() {
        let d = PatchOptions::default();
        assert!(d.string_booleans && d.remove_with_value && d.create_on_filter_miss);
        assert!(!d.is_strict());
        let s = PatchOptions::strict();
        assert!(s.is_strict());
        assert!(!s.validation().string_booleans);
        assert!(d.validation().string_booleans);
        assert!(!PatchOptions::strict().string_booleans(true).is_strict());
    }

    #[test]
    fn limits_default_and_do_not_affect_strictness() {
        for opts in [PatchOptions::default(), PatchOptions::strict()] {
            assert_eq!(opts.parse, ParseOptions::default());
            assert_eq!(opts.max_operations, 1_000);
        }
        let tight = ParseOptions {
            max_depth: 2,
            max_len: 10,
        };
        let s = PatchOptions::strict().parse_limits(tight).max_operations(3);
        assert!(s.is_strict());
        assert_eq!((s.parse, s.max_operations), (tight, 3));
        assert!(!s.validation().string_booleans);
    }
}
