//! Serde support: [`Filter`], [`PatchPath`] and [`AttrPath`] serialise as their canonical text
//! and deserialise by parsing a string, so they can sit directly in request structs such as a
//! PATCH operation's `"path"` (as serde_json_path's `JsonPath` does).

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

use crate::ast::{AttrPath, Filter, PatchPath};
use crate::error::ParseError;

/// Deserialises any `T: FromStr<Err = ParseError>` from a string.
struct ParseVisitor<T>(PhantomData<T>, &'static str);

impl<T: FromStr<Err = ParseError>> Visitor<'_> for ParseVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
}

macro_rules! serde_via_string {
    ($ty:ty, $expecting:literal) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str(ParseVisitor(PhantomData, $expecting))
            }
        }
    };
}

serde_via_string!(Filter, "a SCIM filter string (RFC 7644 §3.4.2.2)");
serde_via_string!(PatchPath, "a SCIM PATCH path string (RFC 7644 §3.5.2)");
serde_via_string!(AttrPath, "a SCIM attribute path string (RFC 7644 §3.10)");

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_travel_as_strings() {
        let f: Filter = serde_json::from_value(json!("userName Eq \"a\\\"b\"")).unwrap();
        assert_eq!(
            serde_json::to_value(&f).unwrap(),
            json!("userName eq \"a\\\"b\"")
        );
        let err = serde_json::from_value::<Filter>(json!("userName eq")).unwrap_err();
        assert!(err.to_string().contains("invalid filter at byte"), "{err}");
        assert!(serde_json::from_value::<Filter>(json!(3)).is_err());
    }

    #[test]
    fn paths_travel_as_strings() {
        #[derive(serde::Deserialize, serde::Serialize)]
        struct Op {
            path: PatchPath,
            sort_by: AttrPath,
        }
        let op: Op = serde_json::from_str(
            r#"{"path":"emails[type eq \"work\"].value","sort_by":"name.familyName"}"#,
        )
        .unwrap();
        assert_eq!(op.path.attr().name, "emails");
        assert_eq!(
            serde_json::to_string(&op).unwrap(),
            r#"{"path":"emails[type eq \"work\"].value","sort_by":"name.familyName"}"#
        );
    }
}
