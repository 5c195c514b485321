//! No oracle on secrets: attributes that are never returned (`returned: never` or
//! `mutability: writeOnly`, RFC 7643 §2.2, such as a User's `password`, RFC 7643 §4.1.1) cannot
//! appear in a filter, wherever they are and whichever evaluator sees it. Without this,
//! `userName eq "alice" and password sw "h"` reveals a stored password one character at a time.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use scim_core::{
    Attribute, Mutability, Resource, ResourceType, Returned, Schema, ScimError, ScimType,
};
use scim_filter::{
    Dialect, EvalError, Filter, MultiValued, SqlError, SqlMapping, ValueFilterOptions,
};
use serde_json::json;

const DEVICE: &str = "urn:example:params:scim:schemas:Device";
const EXT: &str = "urn:example:params:scim:schemas:extension:secrets:1.0:User";

/// A custom resource type with secrets at every level: a top-level `pin` (writeOnly), a
/// multi-valued complex `keys` with a writeOnly `secret`, and a single-valued complex `token`
/// whose `value` is never returned.
fn device() -> ResourceType {
    let schema = Schema::new(
        DEVICE,
        "Device",
        vec![
            Attribute::string("displayName"),
            Attribute::string("pin").mutability(Mutability::WriteOnly),
            Attribute::complex(
                "keys",
                vec![
                    Attribute::string("type"),
                    Attribute::string("value"),
                    Attribute::string("secret").mutability(Mutability::WriteOnly),
                ],
            )
            .multi_valued(),
            Attribute::complex(
                "token",
                vec![
                    Attribute::string("value").returned(Returned::Never),
                    Attribute::string("kind"),
                ],
            ),
        ],
    );
    ResourceType::new("Device", "/Devices", Arc::new(schema))
}

/// The User type with an extension holding a secret `recoveryCode`.
fn user_with_extension() -> ResourceType {
    let ext = Schema::new(
        EXT,
        "Secrets",
        vec![
            Attribute::string("recoveryCode").returned(Returned::Never),
            Attribute::string("nickname2"),
        ],
    );
    ResourceType::user().with_extension(Arc::new(ext), false)
}

/// `(filter, canonical path named in the error)` on the User type (with the extension).
const USER_SECRETS: &[(&str, &str)] = &[
    (r#"password sw "h""#, "password"),
    ("password pr", "password"),
    (r#"password eq "x""#, "password"),
    (r#"password co "x""#, "password"),
    (r#"password ew "x""#, "password"),
    (r#"password gt "a""#, "password"),
    ("password eq null", "password"),
    (r#"not (password eq "x")"#, "password"),
    (r#"userName eq "alice" and password sw "h""#, "password"),
    (
        r#"userName eq "a" or (title pr and not (password co "x"))"#,
        "password",
    ),
    (
        r#"urn:ietf:params:scim:schemas:core:2.0:User:password eq "x""#,
        "password",
    ),
    (r#"PASSWORD eq "x""#, "password"),
    (r#"PassWord pr"#, "password"),
    (r#"recoveryCode eq "x""#, EXT_RECOVERY),
    (
        r#"urn:example:params:scim:schemas:extension:secrets:1.0:User:recoveryCode pr"#,
        EXT_RECOVERY,
    ),
    (r#"RECOVERYCODE sw "1""#, EXT_RECOVERY),
];

const EXT_RECOVERY: &str =
    "urn:example:params:scim:schemas:extension:secrets:1.0:User:recoveryCode";

/// `(filter, canonical path named in the error)` on the Device type.
const DEVICE_SECRETS: &[(&str, &str)] = &[
    (r#"pin eq "1234""#, "pin"),
    (
        r#"urn:example:params:scim:schemas:Device:pin sw "1""#,
        "pin",
    ),
    (r#"keys[secret sw "s"]"#, "keys.secret"),
    (
        r#"keys[type eq "rsa" and not (SECRET sw "s")]"#,
        "keys.secret",
    ),
    (r#"keys[keys.secret pr]"#, "keys.secret"),
    ("keys.secret pr", "keys.secret"),
    (r#"keys.Secret co "s""#, "keys.secret"),
    (r#"token.value sw "t""#, "token.value"),
    // A complex attribute compared without a sub-attribute compares its `value`.
    (r#"token eq "t""#, "token.value"),
    ("token.value pr", "token.value"),
];

fn assert_secret(result: Result<impl std::fmt::Debug, EvalError>, filter: &str, path: &str) {
    match result {
        Err(EvalError::SecretAttribute { path: p }) => assert_eq!(p, path, "{filter}"),
        other => panic!("{filter}: expected a secret-attribute error, got {other:?}"),
    }
}

#[test]
fn compile_refuses_secret_attributes() {
    let users = user_with_extension();
    for (text, path) in USER_SECRETS {
        let f = Filter::parse(text).unwrap();
        assert_secret(f.compile(&users), text, path);
    }
    let devices = device();
    for (text, path) in DEVICE_SECRETS {
        let f = Filter::parse(text).unwrap();
        assert_secret(f.compile(&devices), text, path);
    }
}

#[test]
fn resolve_refuses_secret_attributes() {
    let users = user_with_extension();
    for (text, path) in USER_SECRETS {
        let f = Filter::parse(text).unwrap();
        assert_secret(f.resolve(&users), text, path);
    }
    let devices = device();
    for (text, path) in DEVICE_SECRETS {
        let f = Filter::parse(text).unwrap();
        assert_secret(f.resolve(&devices), text, path);
    }
}

#[test]
fn the_password_oracle_is_closed() {
    // Without the refusal, this matched for "h", then "hu", "hun", … revealing the password.
    let user = Resource::from_value(json!({
        "userName": "alice",
        "password": "hunter2",
    }))
    .unwrap();
    let users = ResourceType::user();
    for prefix in ["h", "x"] {
        let f = Filter::parse(&format!(
            r#"userName eq "alice" and password sw "{prefix}""#
        ))
        .unwrap();
        assert!(f.compile(&users).is_err(), "{prefix}");
        assert!(scim_filter::matches(&f, &user, &users).is_err(), "{prefix}");
    }
}

#[test]
fn secret_errors_are_400_invalid_filter_naming_the_attribute() {
    let f = Filter::parse(r#"userName eq "alice" and PASSWORD sw "h""#).unwrap();
    let err = f.compile(&ResourceType::user()).unwrap_err();
    let scim: ScimError = err.into();
    assert_eq!(scim.status().as_u16(), 400);
    assert_eq!(scim.scim_type(), Some(ScimType::InvalidFilter));
    assert!(scim.detail().contains("password"), "{}", scim.detail());

    let f = Filter::parse(r#"keys[secret eq "s"]"#).unwrap();
    let scim: ScimError = f.resolve(&device()).unwrap_err().into();
    assert_eq!(scim.scim_type(), Some(ScimType::InvalidFilter));
    assert!(scim.detail().contains("keys.secret"), "{}", scim.detail());
}

#[test]
fn value_filters_refuse_write_only_sub_attributes() {
    let devices = device();
    let keys = devices.resolve("keys").unwrap().attribute();
    let token = devices.resolve("token").unwrap().attribute();
    let patch = ValueFilterOptions::default()
        .unknown_is_error(true)
        .exact_value(true);
    for (text, on, path) in [
        (r#"secret eq "s""#, keys, "keys.secret"),
        (r#"type eq "rsa" and secret sw "s""#, keys, "keys.secret"),
        (r#"not (secret pr)"#, keys, "keys.secret"),
        (r#"keys.secret eq "s""#, keys, "keys.secret"),
        (r#"SECRET co "s""#, keys, "keys.secret"),
        (r#"value eq "t""#, token, "token.value"),
        (r#"kind eq "a" or value pr"#, token, "token.value"),
    ] {
        let f = Filter::parse(text).unwrap();
        assert_secret(f.compile_for_values(on), text, path);
        assert_secret(f.compile_for_values_with(on, patch), text, path);
    }
    // A secret attribute cannot take a value filter at all.
    let users = ResourceType::user();
    let password = users.resolve("password").unwrap().attribute();
    let f = Filter::parse(r#"value eq "x""#).unwrap();
    assert_secret(f.compile_for_values(password), "password[…]", "password");
}

#[test]
fn neighbours_of_secrets_still_filter() {
    let devices = device();
    for text in [
        r#"displayName eq "x""#,
        r#"keys[type eq "rsa" and value sw "ab"]"#,
        r#"keys.type pr"#,
        r#"token.kind eq "a""#,
        r#"keys co "ab""#,
    ] {
        let f = Filter::parse(text).unwrap();
        assert!(f.compile(&devices).is_ok(), "{text}");
        assert!(f.resolve(&devices).is_ok(), "{text}");
    }
    let keys = devices.resolve("keys").unwrap().attribute();
    let m = Filter::parse(r#"type eq "RSA""#)
        .unwrap()
        .compile_for_values(keys)
        .unwrap();
    assert!(m.matches_value(&json!({"type": "rsa", "secret": "s"})));
    let users = user_with_extension();
    let f = Filter::parse(r#"nickname2 pr and userName eq "a""#).unwrap();
    assert!(f.compile(&users).is_ok());
}

#[test]
fn the_sql_translator_refuses_secret_attributes() {
    let users = SqlMapping::builder(user_with_extension())
        .column("userName", "users.user_name")
        .column("title", "users.title")
        .column("password", "users.password")
        .column(EXT_RECOVERY, "users.recovery_code")
        .build()
        .unwrap();
    for (text, path) in USER_SECRETS {
        let f = Filter::parse(text).unwrap();
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            match users.translate(&f, dialect) {
                Err(SqlError::Filter(e)) => assert_secret(Err::<(), _>(e), text, path),
                other => panic!("{text}: expected a secret-attribute error, got {other:?}"),
            }
        }
    }

    let devices = SqlMapping::builder(device())
        .column("displayName", "d.display_name")
        .column("pin", "d.pin")
        .column("token.value", "d.token_value")
        .column("token.kind", "d.token_kind")
        .multi_valued(
            "keys",
            MultiValued::new("keys AS k")
                .on("k.device_id = d.id")
                .column("type", "k.type")
                .column("value", "k.value")
                .column("secret", "k.secret"),
        )
        .build()
        .unwrap();
    for (text, path) in DEVICE_SECRETS {
        let f = Filter::parse(text).unwrap();
        match devices.translate(&f, Dialect::Sqlite) {
            Err(SqlError::Filter(e)) => assert_secret(Err::<(), _>(e), text, path),
            other => panic!("{text}: expected a secret-attribute error, got {other:?}"),
        }
        let scim: ScimError = devices.translate(&f, Dialect::Postgres).unwrap_err().into();
        assert_eq!(scim.scim_type(), Some(ScimType::InvalidFilter), "{text}");
    }

    // Presence of a complex attribute reads its mapped sub-attribute columns, but never a
    // secret one: `token pr` must not reveal whether a token value is set.
    let w = devices
        .translate(&Filter::parse("token pr").unwrap(), Dialect::Sqlite)
        .unwrap();
    assert!(w.sql.contains("d.token_kind"), "{}", w.sql);
    assert!(!w.sql.contains("d.token_value"), "{}", w.sql);
    // Non-secret neighbours translate.
    let w = devices
        .translate(
            &Filter::parse(r#"keys[type eq "rsa"] and displayName sw "x""#).unwrap(),
            Dialect::Sqlite,
        )
        .unwrap();
    assert!(!w.sql.contains("k.secret"), "{}", w.sql);
}
