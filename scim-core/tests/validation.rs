//! Table-driven tests of `scim_core::validate` (RFC 7643 §2, RFC 7644 §3.3 and §3.5.1):
//! name canonicalisation, types, nulls, mutability, required attributes, `primary`, the
//! unknown-attribute policies, the Entra ID leniencies, and every POST body of the Entra
//! conformance replay.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use scim_core::schema::{Attribute, Mutability, Returned, Schema};
use scim_core::validate::{
    UnknownAttributes, ValidationOptions, validate_create, validate_replace,
};
use scim_core::{Registry, Resource, ResourceType, ScimError, ScimType, urn};
use serde_json::{Map, Value, json};

const USER: &str = urn::USER;
const GROUP: &str = urn::GROUP;
const ENT: &str = urn::ENTERPRISE_USER;
const ACME: &str = "urn:example:params:scim:schemas:extension:acme:2.0:User";
const REQ: &str = "urn:example:params:scim:schemas:extension:required:2.0:User";
const ADSCIM: &str = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

/// Which resource type a case validates against.
#[derive(Debug, Clone, Copy)]
enum Ty {
    User,
    Group,
    /// User + enterprise + the custom `acme` extension (all types but complex, immutable, …).
    Acme,
    /// User + enterprise + a *required* extension with a required attribute.
    RequiredExt,
}

/// Which options a case validates with.
#[derive(Debug, Clone, Copy)]
enum Opts {
    Default,
    Keep,
    Reject,
    Strict,
}

enum Expect {
    /// The validated resource, exactly.
    Ok(Value),
    /// The error's `scimType` and a substring of its detail.
    Err(ScimType, &'static str),
}

struct Case {
    name: &'static str,
    ty: Ty,
    opts: Opts,
    input: Value,
    expect: Expect,
}

fn acme_schema() -> Schema {
    Schema::new(
        ACME,
        "Acme",
        vec![
            Attribute::integer("level"),
            Attribute::decimal("score"),
            Attribute::date_time("hiredAt"),
            Attribute::binary("badge"),
            Attribute::boolean("remote"),
            Attribute::integer("shifts").multi_valued(),
            Attribute::string("employeeCode").mutability(Mutability::Immutable),
            Attribute::string("secretNote").returned(Returned::Request),
            Attribute::complex(
                "locker",
                vec![
                    Attribute::string("code").required(),
                    Attribute::string("color"),
                ],
            ),
        ],
    )
}

fn resource_type(ty: Ty) -> ResourceType {
    match ty {
        Ty::User => ResourceType::user(),
        Ty::Group => ResourceType::group(),
        Ty::Acme => ResourceType::user().with_extension(Arc::new(acme_schema()), false),
        Ty::RequiredExt => ResourceType::user().with_extension(
            Arc::new(Schema::new(
                REQ,
                "Required",
                vec![
                    Attribute::string("costCode").required(),
                    Attribute::string("note"),
                ],
            )),
            true,
        ),
    }
}

fn options(o: Opts) -> ValidationOptions {
    match o {
        Opts::Default => ValidationOptions::default(),
        Opts::Keep => ValidationOptions::default().unknown_attributes(UnknownAttributes::Keep),
        Opts::Reject => ValidationOptions::default().unknown_attributes(UnknownAttributes::Reject),
        Opts::Strict => ValidationOptions::strict(),
    }
}

fn ok(v: Value) -> Expect {
    Expect::Ok(v)
}

fn invalid(detail: &'static str) -> Expect {
    Expect::Err(ScimType::InvalidValue, detail)
}

fn case(name: &'static str, ty: Ty, opts: Opts, input: Value, expect: Expect) -> Case {
    Case {
        name,
        ty,
        opts,
        input,
        expect,
    }
}

/// The create cases. Inputs and outputs are written out in full.
fn create_cases() -> Vec<Case> {
    use Opts::{Default as D, Keep, Reject, Strict};
    use Ty::{Acme, Group, RequiredExt, User};
    let ent_dept = format!("{ENT}:department");
    let ent_dept_upper = format!("{}:DEPARTMENT", ENT.to_uppercase());
    let ent_mgr_value = format!("{ENT}:manager.value");
    let core_user_name = format!("{USER}:userName");
    let core_given_upper = format!("{}:name.GIVENNAME", USER.to_uppercase());
    let acme_level = format!("{ACME}:level");
    let acme_locker_color = format!("{ACME}:locker.color");
    let acme_locker_code = format!("{ACME}:LOCKER.Code");
    let input_with = |base: Value, key: &str, v: Value| -> Value {
        let mut m = base.as_object().cloned().unwrap();
        m.insert(key.to_owned(), v);
        Value::Object(m)
    };
    vec![
        // ---- name canonicalisation (RFC 7643 §2.1) ------------------------------------------
        case(
            "top-level names in any case",
            User,
            D,
            json!({"schemas": [USER], "USERNAME": "bjensen", "DisplayName": "Babs", "aCtIvE": true,
                   "EXTERNALID": "ext-1", "NickName": "B"}),
            ok(
                json!({"schemas": [USER], "userName": "bjensen", "displayName": "Babs",
                      "active": true, "externalId": "ext-1", "nickName": "B"}),
            ),
        ),
        case(
            "sub-attribute names in any case",
            User,
            D,
            json!({"userName": "b", "NAME": {"GIVENNAME": "Barbara", "familyname": "Jensen"},
                   "Emails": [{"VALUE": "b@example.com", "Type": "work", "PRIMARY": true}],
                   "phonenumbers": [{"Value": "555-555-5555", "TYPE": "work"}]}),
            ok(json!({"schemas": [USER], "userName": "b",
                      "name": {"givenName": "Barbara", "familyName": "Jensen"},
                      "emails": [{"value": "b@example.com", "type": "work", "primary": true}],
                      "phoneNumbers": [{"value": "555-555-5555", "type": "work"}]})),
        ),
        case(
            "extension URN key and extension attributes in other case",
            User,
            D,
            json!({"userName": "b",
                   "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":
                       {"DEPARTMENT": "Tour Operations", "Manager": {"VALUE": "m1", "$REF": "../Users/m1"},
                        "employeenumber": "701984"}}),
            ok(json!({"schemas": [USER, ENT], "userName": "b",
                      ENT: {"department": "Tour Operations", "employeeNumber": "701984",
                            "manager": {"value": "m1", "$ref": "../Users/m1"}}})),
        ),
        case(
            "schemas URNs in other case are canonicalised",
            User,
            Strict,
            json!({"schemas": [USER.to_uppercase(), ENT.to_lowercase()], "userName": "b"}),
            ok(json!({"schemas": [USER, ENT], "userName": "b"})),
        ),
        case(
            "schemas listing the extension first: core URN comes first",
            User,
            D,
            json!({"schemas": [ENT, USER], "userName": "b", ENT: {"division": "Parks"}}),
            ok(json!({"schemas": [USER, ENT], "userName": "b", ENT: {"division": "Parks"}})),
        ),
        case(
            "dotted keys land in the complex attribute",
            User,
            D,
            json!({"userName": "b", "name.givenName": "Barbara", "NAME.FamilyName": "Jensen"}),
            ok(json!({"schemas": [USER], "userName": "b",
                      "name": {"givenName": "Barbara", "familyName": "Jensen"}})),
        ),
        case(
            "dotted key merges with the complex object",
            User,
            D,
            json!({"userName": "b", "name": {"givenName": "Barbara"}, "name.familyName": "Jensen"}),
            ok(json!({"schemas": [USER], "userName": "b",
                      "name": {"givenName": "Barbara", "familyName": "Jensen"}})),
        ),
        case(
            "dotted key with null value is dropped",
            User,
            D,
            json!({"userName": "b", "name.givenName": null}),
            ok(json!({"schemas": [USER], "userName": "b"})),
        ),
        case(
            "dotted key on a multi-valued attribute is rejected",
            User,
            D,
            json!({"userName": "b", "emails.value": "b@example.com"}),
            invalid("multi-valued"),
        ),
        case(
            "URN-qualified extension key lands under the extension",
            User,
            D,
            input_with(json!({"userName": "b"}), &ent_dept, json!("Sales")),
            ok(json!({"schemas": [USER, ENT], "userName": "b", ENT: {"department": "Sales"}})),
        ),
        case(
            "URN-qualified extension key in upper case",
            User,
            D,
            input_with(json!({"userName": "b"}), &ent_dept_upper, json!("Sales")),
            ok(json!({"schemas": [USER, ENT], "userName": "b", ENT: {"department": "Sales"}})),
        ),
        case(
            "URN-qualified dotted extension key",
            User,
            D,
            input_with(json!({"userName": "b"}), &ent_mgr_value, json!("m1")),
            ok(json!({"schemas": [USER, ENT], "userName": "b", ENT: {"manager": {"value": "m1"}}})),
        ),
        case(
            "URN-qualified key merges with the extension object",
            User,
            D,
            input_with(
                json!({"userName": "b", ENT: {"costCenter": "4130"}}),
                &ent_dept,
                json!("Sales"),
            ),
            ok(json!({"schemas": [USER, ENT], "userName": "b",
                      ENT: {"costCenter": "4130", "department": "Sales"}})),
        ),
        case(
            "URN-qualified core keys land at the top level",
            User,
            D,
            input_with(
                input_with(json!({}), &core_user_name, json!("b")),
                &core_given_upper,
                json!("Barbara"),
            ),
            ok(json!({"schemas": [USER], "userName": "b", "name": {"givenName": "Barbara"}})),
        ),
        case(
            "legacy bare extension attribute name finds the enterprise attribute",
            User,
            D,
            json!({"userName": "b", "department": "Sales"}),
            ok(json!({"schemas": [USER, ENT], "userName": "b", ENT: {"department": "Sales"}})),
        ),
        // ---- booleans -----------------------------------------------------------------------
        case(
            "string boolean \"True\"",
            User,
            D,
            json!({"userName": "b", "active": "True"}),
            ok(json!({"schemas": [USER], "userName": "b", "active": true})),
        ),
        case(
            "string boolean \"false\"",
            User,
            D,
            json!({"userName": "b", "active": "false"}),
            ok(json!({"schemas": [USER], "userName": "b", "active": false})),
        ),
        case(
            "string boolean \"FALSE\"",
            User,
            D,
            json!({"userName": "b", "active": "FALSE"}),
            ok(json!({"schemas": [USER], "userName": "b", "active": false})),
        ),
        case(
            "string boolean in a sub-attribute (emails.primary)",
            User,
            D,
            json!({"userName": "b", "emails": [{"value": "b@example.com", "primary": "True"}]}),
            ok(json!({"schemas": [USER], "userName": "b",
                      "emails": [{"value": "b@example.com", "primary": true}]})),
        ),
        case(
            "string boolean in an extension attribute",
            Acme,
            D,
            json!({"userName": "b", ACME: {"remote": "tRuE"}}),
            ok(json!({"schemas": [USER, ACME], "userName": "b", ACME: {"remote": true}})),
        ),
        case(
            "non-boolean string for active",
            User,
            D,
            json!({"userName": "b", "active": "yes"}),
            invalid("active must be a boolean"),
        ),
        case(
            "empty string for active",
            User,
            D,
            json!({"userName": "b", "active": ""}),
            invalid("active must be a boolean"),
        ),
        case(
            "strict rejects string booleans",
            User,
            Strict,
            json!({"schemas": [USER], "userName": "b", "active": "True"}),
            invalid("active must be a boolean"),
        ),
        // ---- wrong types (RFC 7643 §2.3) ----------------------------------------------------
        case(
            "number for a string",
            User,
            D,
            json!({"userName": 42}),
            invalid("userName must be a string"),
        ),
        case(
            "boolean for a string sub-attribute",
            User,
            D,
            json!({"userName": "b", "name": {"givenName": true}}),
            invalid("name.givenName must be a string"),
        ),
        case(
            "number for a boolean",
            User,
            D,
            json!({"userName": "b", "active": 1}),
            invalid("active must be a boolean"),
        ),
        case(
            "string for a complex attribute without a value sub-attribute",
            User,
            D,
            json!({"userName": "b", "name": "Barbara Jensen"}),
            invalid("name must be a JSON object"),
        ),
        case(
            "array for a single-valued complex attribute",
            User,
            D,
            json!({"userName": "b", "name": [{"givenName": "Barbara"}]}),
            invalid("name must be a JSON object"),
        ),
        case(
            "number in emails.value",
            User,
            D,
            json!({"userName": "b", "emails": [{"value": 5}]}),
            invalid("emails.value must be a string"),
        ),
        case(
            "array for a string",
            User,
            D,
            json!({"userName": ["a", "b"]}),
            invalid("userName must be a string"),
        ),
        case(
            "integer, decimal, dateTime and binary accepted as sent",
            Acme,
            D,
            json!({"userName": "b", ACME: {"level": 7, "score": 1.5, "hiredAt": "2011-05-13T06:42:34.5+02:00",
                                           "badge": "aGVsbG8gd29ybGQ=", "shifts": [1, 2, 3]}}),
            ok(json!({"schemas": [USER, ACME], "userName": "b",
                      ACME: {"level": 7, "score": 1.5, "hiredAt": "2011-05-13T06:42:34.5+02:00",
                             "badge": "aGVsbG8gd29ybGQ=", "shifts": [1, 2, 3]}})),
        ),
        case(
            "an integer is a decimal",
            Acme,
            D,
            json!({"userName": "b", ACME: {"score": 2}}),
            ok(json!({"schemas": [USER, ACME], "userName": "b", ACME: {"score": 2}})),
        ),
        case(
            "string for an integer",
            Acme,
            D,
            json!({"userName": "b", ACME: {"level": "7"}}),
            invalid("level must be an integer"),
        ),
        case(
            "fraction for an integer",
            Acme,
            D,
            json!({"userName": "b", ACME: {"level": 1.5}}),
            invalid("level must be an integer"),
        ),
        case(
            "string for an integer via a URN-qualified key",
            Acme,
            D,
            input_with(json!({"userName": "b"}), &acme_level, json!("high")),
            invalid("urn:example:params:scim:schemas:extension:acme:2.0:User:level"),
        ),
        case(
            "string for a decimal",
            Acme,
            D,
            json!({"userName": "b", ACME: {"score": "1.5"}}),
            invalid("score must be a number"),
        ),
        case(
            "boolean for a decimal",
            Acme,
            D,
            json!({"userName": "b", ACME: {"score": false}}),
            invalid("score must be a number"),
        ),
        case(
            "date without a time for a dateTime",
            Acme,
            D,
            json!({"userName": "b", ACME: {"hiredAt": "2011-05-13"}}),
            invalid("hiredAt must be an xsd:dateTime"),
        ),
        case(
            "impossible date for a dateTime",
            Acme,
            D,
            json!({"userName": "b", ACME: {"hiredAt": "2011-02-30T10:00:00Z"}}),
            invalid("hiredAt must be an xsd:dateTime"),
        ),
        case(
            "free text for a dateTime",
            Acme,
            D,
            json!({"userName": "b", ACME: {"hiredAt": "yesterday"}}),
            invalid("hiredAt must be an xsd:dateTime"),
        ),
        case(
            "number for a dateTime",
            Acme,
            D,
            json!({"userName": "b", ACME: {"hiredAt": 1_300_000_000}}),
            invalid("hiredAt must be an xsd:dateTime string"),
        ),
        case(
            "non-base64 for a binary",
            Acme,
            D,
            json!({"userName": "b", ACME: {"badge": "not base64!"}}),
            invalid("badge must be base64"),
        ),
        case(
            "number for a binary",
            Acme,
            D,
            json!({"userName": "b", ACME: {"badge": 12}}),
            invalid("badge must be a base64 string"),
        ),
        case(
            "non-integer item of a multi-valued integer",
            Acme,
            D,
            json!({"userName": "b", ACME: {"shifts": [1, "two"]}}),
            invalid("shifts must be an integer"),
        ),
        case(
            "extension value that is not an object",
            User,
            D,
            json!({"userName": "b", ENT: "Sales"}),
            invalid("must be a JSON object"),
        ),
        case(
            "input that is not an object",
            User,
            D,
            json!([{"userName": "b"}]),
            invalid("must be a JSON object"),
        ),
        case(
            "schemas that is not an array",
            User,
            D,
            json!({"schemas": USER, "userName": "b"}),
            invalid("schemas must be an array"),
        ),
        // ---- multi-valued -------------------------------------------------------------------
        case(
            "object for a multi-valued attribute",
            User,
            D,
            json!({"userName": "b", "emails": {"value": "b@example.com"}}),
            invalid("emails is multi-valued and must be an array"),
        ),
        case(
            "string for a multi-valued attribute",
            User,
            D,
            json!({"userName": "b", "phoneNumbers": "555-555-5555"}),
            invalid("phoneNumbers is multi-valued and must be an array"),
        ),
        case(
            "number for a multi-valued integer",
            Acme,
            D,
            json!({"userName": "b", ACME: {"shifts": 3}}),
            invalid("shifts is multi-valued and must be an array"),
        ),
        case(
            "nested array in a multi-valued attribute",
            User,
            D,
            json!({"userName": "b", "emails": [[{"value": "b@example.com"}]]}),
            invalid("nested array"),
        ),
        // ---- nulls and empty values (RFC 7643 §2.5) -----------------------------------------
        case(
            "nulls, empty arrays and empty objects are dropped",
            User,
            D,
            json!({"userName": "b", "displayName": null, "title": null,
                   "name": {"givenName": "B", "familyName": null},
                   "emails": [], "phoneNumbers": null, "addresses": [null, {}],
                   "ims": [{"value": null, "type": null}], "x509Certificates": null,
                   "photos": [{"value": "https://photos.example.com/b.jpg"}, null]}),
            ok(
                json!({"schemas": [USER], "userName": "b", "name": {"givenName": "B"},
                      "photos": [{"value": "https://photos.example.com/b.jpg"}]}),
            ),
        ),
        case(
            "complex value with only nulls is dropped",
            User,
            D,
            json!({"userName": "b", "name": {"givenName": null, "familyName": null}}),
            ok(json!({"schemas": [USER], "userName": "b"})),
        ),
        case(
            "null and empty extension objects are dropped",
            User,
            D,
            json!({"userName": "b", ENT: {"department": null, "manager": null}}),
            ok(json!({"schemas": [USER], "userName": "b"})),
        ),
        case(
            "null extension is dropped",
            User,
            D,
            json!({"userName": "b", ENT: null}),
            ok(json!({"schemas": [USER], "userName": "b"})),
        ),
        case(
            "Entra example 2: top-level department and manager null",
            User,
            D,
            json!({"schemas": [USER, ENT], "userName": "b", "addresses": null, "department": null,
                   "manager": null, "preferredLanguage": null}),
            ok(json!({"schemas": [USER, ENT], "userName": "b"})),
        ),
        case(
            "null schemas is filled in",
            User,
            D,
            json!({"schemas": null, "userName": "b"}),
            ok(json!({"schemas": [USER], "userName": "b"})),
        ),
        // ---- readOnly (RFC 7643 §2.2) -------------------------------------------------------
        case(
            "readOnly id, meta, groups and manager.displayName are ignored",
            User,
            D,
            json!({"id": "client-chosen", "userName": "b",
                   "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z"},
                   "groups": [{"value": "g1", "display": "Tour Guides"}],
                   ENT: {"manager": {"value": "m1", "displayName": "John Smith"}}}),
            ok(json!({"schemas": [USER, ENT], "userName": "b", ENT: {"manager": {"value": "m1"}}})),
        ),
        case(
            "readOnly attributes are ignored even with a wrong type",
            User,
            D,
            json!({"ID": 5, "Meta": "garbage", "GROUPS": "g1", "userName": "b"}),
            ok(json!({"schemas": [USER], "userName": "b"})),
        ),
        case(
            "readOnly dotted keys are ignored",
            User,
            D,
            json!({"userName": "b", "meta.created": "2010-01-23T04:56:22Z",
                   "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName": "Boss"}),
            ok(json!({"schemas": [USER], "userName": "b"})),
        ),
        case(
            "manager with only a readOnly displayName is dropped",
            User,
            D,
            json!({"userName": "b", ENT: {"manager": {"displayName": "John Smith"}}}),
            ok(json!({"schemas": [USER], "userName": "b"})),
        ),
        case(
            "writeOnly password is stored",
            User,
            D,
            json!({"userName": "b", "PASSWORD": "t1meMa$heen"}),
            ok(json!({"schemas": [USER], "userName": "b", "password": "t1meMa$heen"})),
        ),
        // ---- required -----------------------------------------------------------------------
        case(
            "User without userName",
            User,
            D,
            json!({"schemas": [USER], "displayName": "Babs"}),
            invalid("userName is required"),
        ),
        case(
            "User with a null userName",
            User,
            D,
            json!({"userName": null, "displayName": "Babs"}),
            invalid("userName is required"),
        ),
        case(
            "Group without displayName",
            Group,
            D,
            json!({"schemas": [GROUP], "members": [{"value": "u1"}]}),
            invalid("displayName is required"),
        ),
        case(
            "Group with displayName",
            Group,
            D,
            json!({"DISPLAYNAME": "Tour Guides", "members": [{"value": "u1", "type": "User"}]}),
            ok(json!({"schemas": [GROUP], "displayName": "Tour Guides",
                      "members": [{"value": "u1", "type": "User"}]})),
        ),
        case(
            "required extension missing",
            RequiredExt,
            D,
            json!({"schemas": [USER], "userName": "b"}),
            invalid(
                "the extension urn:example:params:scim:schemas:extension:required:2.0:User is required",
            ),
        ),
        case(
            "required extension declared but empty",
            RequiredExt,
            D,
            json!({"schemas": [USER, REQ], "userName": "b", REQ: {}}),
            invalid("is required"),
        ),
        case(
            "required attribute of a present extension missing",
            RequiredExt,
            D,
            json!({"userName": "b", REQ: {"note": "n"}}),
            invalid(
                "urn:example:params:scim:schemas:extension:required:2.0:User:costCode is required",
            ),
        ),
        case(
            "required extension present",
            RequiredExt,
            D,
            json!({"userName": "b", REQ: {"COSTCODE": "cc-1"}}),
            ok(json!({"schemas": [USER, REQ], "userName": "b", REQ: {"costCode": "cc-1"}})),
        ),
        case(
            "required sub-attribute missing",
            Acme,
            D,
            json!({"userName": "b", ACME: {"locker": {"color": "red"}}}),
            invalid("locker.code is required"),
        ),
        case(
            "required sub-attribute missing when set by a dotted key",
            Acme,
            D,
            input_with(json!({"userName": "b"}), &acme_locker_color, json!("red")),
            invalid("locker.code is required"),
        ),
        case(
            "required sub-attribute set by dotted keys",
            Acme,
            D,
            input_with(
                input_with(json!({"userName": "b"}), &acme_locker_color, json!("red")),
                &acme_locker_code,
                json!("L-1"),
            ),
            ok(json!({"schemas": [USER, ACME], "userName": "b",
                      ACME: {"locker": {"code": "L-1", "color": "red"}}})),
        ),
        // ---- primary (RFC 7643 §2.4) --------------------------------------------------------
        case(
            "two primary emails",
            User,
            D,
            json!({"userName": "b", "emails": [{"value": "a@example.com", "primary": true},
                                               {"value": "b@example.com", "primary": true}]}),
            invalid("emails has 2 values marked primary"),
        ),
        case(
            "two primaries, one a string boolean",
            User,
            D,
            json!({"userName": "b", "phoneNumbers": [{"value": "1", "primary": "True"},
                                                     {"value": "2", "primary": true}]}),
            invalid("phoneNumbers has 2 values marked primary"),
        ),
        case(
            "one primary and explicit non-primaries",
            User,
            D,
            json!({"userName": "b", "emails": [{"value": "a@example.com", "primary": true},
                                               {"value": "b@example.com", "primary": false},
                                               {"value": "c@example.com", "primary": "False"}]}),
            ok(json!({"schemas": [USER], "userName": "b",
                      "emails": [{"value": "a@example.com", "primary": true},
                                 {"value": "b@example.com", "primary": false},
                                 {"value": "c@example.com", "primary": false}]})),
        ),
        case(
            "one primary in each of two attributes",
            User,
            D,
            json!({"userName": "b", "emails": [{"value": "a@example.com", "primary": true}],
                   "addresses": [{"locality": "Hollywood", "primary": true}]}),
            ok(json!({"schemas": [USER], "userName": "b",
                      "emails": [{"value": "a@example.com", "primary": true}],
                      "addresses": [{"locality": "Hollywood", "primary": true}]})),
        ),
        // ---- stored as sent -----------------------------------------------------------------
        case(
            "phone numbers, email and userName case stored as sent",
            User,
            D,
            json!({"userName": "Ada.Lovelace@Contoso.example", "externalId": "AbC-123",
                   "emails": [{"value": "Ada.Lovelace@Contoso.example", "type": "Work"}],
                   "phoneNumbers": [{"value": "55555555555"}, {"value": "+1 (425) 555-0100"},
                                    {"value": "425-555-0101", "type": "fax"}]}),
            ok(
                json!({"schemas": [USER], "userName": "Ada.Lovelace@Contoso.example",
                      "externalId": "AbC-123",
                      "emails": [{"value": "Ada.Lovelace@Contoso.example", "type": "Work"}],
                      "phoneNumbers": [{"value": "55555555555"}, {"value": "+1 (425) 555-0100"},
                                       {"value": "425-555-0101", "type": "fax"}]}),
            ),
        ),
        // ---- unknown attributes -------------------------------------------------------------
        case(
            "Ignore drops unknown attributes, sub-attributes and extension attributes",
            User,
            D,
            json!({"userName": "b", "shoeSize": 42, "name": {"givenName": "B", "nickname": "x"},
                   "emails": [{"value": "b@example.com", "verified": true}], ENT: {"badgeColor": "red"}}),
            ok(
                json!({"schemas": [USER], "userName": "b", "name": {"givenName": "B"},
                      "emails": [{"value": "b@example.com"}]}),
            ),
        ),
        case(
            "Keep keeps unknown attributes as sent",
            User,
            Keep,
            json!({"userName": "b", "shoeSize": 42, "name": {"givenName": "B", "nickname": "x"},
                   "emails": [{"value": "b@example.com", "verified": true}], ENT: {"badgeColor": "red"}}),
            ok(
                json!({"schemas": [USER, ENT], "userName": "b", "shoeSize": 42,
                      "name": {"givenName": "B", "nickname": "x"},
                      "emails": [{"value": "b@example.com", "verified": true}],
                      ENT: {"badgeColor": "red"}}),
            ),
        ),
        case(
            "Keep drops nulls inside unknown attributes",
            User,
            Keep,
            json!({"userName": "b", "extra": {"a": null, "b": 1, "c": [], "d": [null, 2]},
                   "empty": [], "nothing": {"x": null}, ENT: {"blank": {}}}),
            ok(json!({"schemas": [USER], "userName": "b", "extra": {"b": 1, "d": [2]}})),
        ),
        case(
            "Reject rejects an unknown attribute",
            User,
            Reject,
            json!({"userName": "b", "shoeSize": 42}),
            invalid("shoeSize is not an attribute"),
        ),
        case(
            "Reject rejects an unknown sub-attribute",
            User,
            Reject,
            json!({"userName": "b", "name": {"givenName": "B", "nickname": "x"}}),
            invalid("name.nickname is not an attribute"),
        ),
        case(
            "Reject rejects an unknown sub-attribute of a multi-valued attribute",
            User,
            Reject,
            json!({"userName": "b", "emails": [{"value": "b@example.com", "verified": true}]}),
            invalid("emails.verified is not an attribute"),
        ),
        case(
            "Reject rejects an unknown extension attribute",
            User,
            Reject,
            json!({"userName": "b", ENT: {"badgeColor": "red"}}),
            invalid(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:badgeColor is not an attribute",
            ),
        ),
        case(
            "Reject ignores unknown nulls",
            User,
            Reject,
            json!({"userName": "b", "shoeSize": null, ENT: {"badgeColor": null}}),
            ok(json!({"schemas": [USER], "userName": "b"})),
        ),
        case(
            "unknown schema URN in schemas is dropped under Ignore",
            Group,
            D,
            json!({"schemas": [GROUP, ADSCIM], "displayName": "Catalog Group", "externalId": "g-1",
                   "meta": {"resourceType": "Group"}}),
            ok(json!({"schemas": [GROUP], "displayName": "Catalog Group", "externalId": "g-1"})),
        ),
        case(
            "unknown schema URN in schemas is kept under Keep",
            Group,
            Keep,
            json!({"schemas": [GROUP, ADSCIM], "displayName": "Catalog Group"}),
            ok(json!({"schemas": [GROUP, ADSCIM], "displayName": "Catalog Group"})),
        ),
        // ---- strict and leniencies ----------------------------------------------------------
        case(
            "default fills in missing schemas",
            User,
            D,
            json!({"userName": "b"}),
            ok(json!({"schemas": [USER], "userName": "b"})),
        ),
        case(
            "default completes schemas that omit the core URN",
            User,
            D,
            json!({"schemas": [ENT], "userName": "b"}),
            ok(json!({"schemas": [USER, ENT], "userName": "b"})),
        ),
        case(
            "strict requires schemas",
            User,
            Strict,
            json!({"userName": "b"}),
            invalid("schemas must include urn:ietf:params:scim:schemas:core:2.0:User"),
        ),
        case(
            "strict requires the core URN in schemas",
            User,
            Strict,
            json!({"schemas": [ENT], "userName": "b"}),
            invalid("schemas must include urn:ietf:params:scim:schemas:core:2.0:User"),
        ),
        case(
            "strict requires the Group URN, not the User URN",
            Group,
            Strict,
            json!({"schemas": [USER], "displayName": "g"}),
            invalid("schemas must include urn:ietf:params:scim:schemas:core:2.0:Group"),
        ),
        case(
            "strict accepts a well-formed User",
            User,
            Strict,
            json!({"schemas": [USER, ENT], "userName": "b", "active": false,
                   ENT: {"manager": {"value": "m1"}}}),
            ok(
                json!({"schemas": [USER, ENT], "userName": "b", "active": false,
                      ENT: {"manager": {"value": "m1"}}}),
            ),
        ),
        case(
            "bare manager id becomes {value}",
            User,
            D,
            json!({"userName": "b", ENT: {"manager": "26118915"}}),
            ok(
                json!({"schemas": [USER, ENT], "userName": "b", ENT: {"manager": {"value": "26118915"}}}),
            ),
        ),
        case(
            "bare legacy top-level manager becomes the enterprise manager",
            User,
            D,
            json!({"userName": "b", "manager": "26118915"}),
            ok(
                json!({"schemas": [USER, ENT], "userName": "b", ENT: {"manager": {"value": "26118915"}}}),
            ),
        ),
        case(
            "bare manager of the wrong type",
            User,
            D,
            json!({"userName": "b", ENT: {"manager": 26_118_915}}),
            invalid("manager.value must be a string"),
        ),
        case(
            "strict rejects a bare manager",
            User,
            Strict,
            json!({"schemas": [USER, ENT], "userName": "b", ENT: {"manager": "26118915"}}),
            invalid("manager must be a JSON object"),
        ),
        case(
            "bare group member ids become {value}",
            Group,
            D,
            json!({"displayName": "g", "members": ["u1", "u2"]}),
            ok(json!({"schemas": [GROUP], "displayName": "g",
                      "members": [{"value": "u1"}, {"value": "u2"}]})),
        ),
        case(
            "declared enterprise URN without data stays in schemas",
            User,
            D,
            json!({"schemas": [USER, ENT], "userName": "b"}),
            ok(json!({"schemas": [USER, ENT], "userName": "b"})),
        ),
    ]
}

fn check_err(name: &str, got: Result<Resource, ScimError>, ty: ScimType, detail: &str) {
    match got {
        Ok(r) => panic!(
            "[{name}] expected {ty:?} error containing {detail:?}, got Ok({})",
            r.into_value()
        ),
        Err(e) => {
            assert_eq!(e.status(), 400, "[{name}] status of {e:?}");
            assert_eq!(e.scim_type(), Some(ty), "[{name}] scimType of {e:?}");
            assert!(
                e.detail().contains(detail),
                "[{name}] detail {:?} does not contain {detail:?}",
                e.detail()
            );
        }
    }
}

/// What every validated resource must look like: `schemas` with the core URN first and each
/// present extension's URN; no null or empty value anywhere.
fn check_shape(name: &str, ty: &ResourceType, out: &Value) {
    let schemas: Vec<&str> = out["schemas"]
        .as_array()
        .unwrap_or_else(|| panic!("[{name}] no schemas array in {out}"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        schemas.first(),
        Some(&ty.schema.id.as_str()),
        "[{name}] core URN first"
    );
    for ext in &ty.extensions {
        if out.get(&ext.schema.id).is_some() {
            assert!(
                schemas.contains(&ext.schema.id.as_str()),
                "[{name}] {} not in schemas",
                ext.schema.id
            );
        }
    }
    assert_no_unassigned(name, out, "");
}

fn assert_no_unassigned(name: &str, v: &Value, at: &str) {
    match v {
        Value::Null => panic!("[{name}] null at {at}"),
        Value::Array(items) => {
            assert!(!items.is_empty(), "[{name}] empty array at {at}");
            for (i, item) in items.iter().enumerate() {
                assert_no_unassigned(name, item, &format!("{at}[{i}]"));
            }
        }
        Value::Object(m) => {
            assert!(
                !m.is_empty() || at.is_empty(),
                "[{name}] empty object at {at}"
            );
            for (k, item) in m {
                assert_no_unassigned(name, item, &format!("{at}/{k}"));
            }
        }
        _ => {}
    }
}

#[test]
fn create_cases_table() {
    let cases = create_cases();
    let mut names = std::collections::HashSet::new();
    for c in &cases {
        assert!(names.insert(c.name), "duplicate case name {:?}", c.name);
    }
    run_all(cases.into_iter().map(|c| (c.name, move || run_create(c))));
}

/// Runs every case, then fails naming every case that failed (each failure's message is
/// printed as it happens).
fn run_all<F: FnOnce()>(cases: impl Iterator<Item = (&'static str, F)>) {
    let failed: Vec<&str> = cases
        .filter_map(|(name, f)| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
                .is_err()
                .then_some(name)
        })
        .collect();
    assert!(failed.is_empty(), "failed cases: {failed:#?}");
}

fn run_create(c: Case) {
    {
        let ty = resource_type(c.ty);
        let opts = options(c.opts);
        let got = validate_create(&ty, c.input.clone(), &opts);
        match c.expect {
            Expect::Ok(want) => {
                let out = match got {
                    Ok(r) => r.into_value(),
                    Err(e) => panic!("[{}] expected Ok, got {e:?}", c.name),
                };
                assert_eq!(out, want, "[{}] output of {}", c.name, c.input);
                check_shape(c.name, &ty, &out);
                let again = validate_create(&ty, out.clone(), &opts).unwrap_or_else(|e| {
                    panic!("[{}] revalidating the output failed: {e:?}", c.name)
                });
                assert_eq!(
                    again.into_value(),
                    out,
                    "[{}] validation is not idempotent",
                    c.name
                );
            }
            Expect::Err(ty_, detail) => check_err(c.name, got, ty_, detail),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// validate_replace (RFC 7644 §3.5.1)
// ---------------------------------------------------------------------------------------------

/// A stored Acme user: server-set id, meta and groups, a password, an immutable employeeCode.
fn stored_acme_user() -> Resource {
    Resource::from_value(json!({
        "schemas": [USER, ENT, ACME],
        "id": "2819c223",
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z",
                 "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff591\""},
        "groups": [{"value": "g1", "display": "Tour Guides"}],
        "userName": "bjensen",
        "displayName": "Babs Jensen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "password": "t1meMa$heen",
        ENT: {"department": "Tour Operations"},
        ACME: {"employeeCode": "E-1", "level": 3}
    }))
    .unwrap()
}

/// The server-set part of [`stored_acme_user`], as every replace output carries it.
fn server_set() -> Map<String, Value> {
    json!({
        "id": "2819c223",
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z",
                 "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff591\""},
        "groups": [{"value": "g1", "display": "Tour Guides"}],
    })
    .as_object()
    .cloned()
    .unwrap()
}

fn with_server_set(v: Value) -> Value {
    let mut m = server_set();
    m.extend(v.as_object().cloned().unwrap());
    Value::Object(m)
}

struct ReplaceCase {
    name: &'static str,
    ty: Ty,
    existing: Resource,
    input: Value,
    expect: Expect,
}

fn replace_cases() -> Vec<ReplaceCase> {
    let acme = stored_acme_user;
    let group = || {
        Resource::from_value(json!({
            "schemas": [GROUP], "id": "g1", "meta": {"resourceType": "Group"},
            "displayName": "Tour Guides", "members": [{"value": "u1"}]
        }))
        .unwrap()
    };
    let rc = |name, ty, existing, input, expect| ReplaceCase {
        name,
        ty,
        existing,
        input,
        expect,
    };
    vec![
        rc(
            "readOnly id, meta and groups come from the stored resource",
            Ty::Acme,
            acme(),
            json!({"id": "other", "meta": {"version": "W/\"forged\""}, "groups": [],
                   "userName": "bjensen", "password": "new", ACME: {"employeeCode": "E-1"}}),
            ok(with_server_set(
                json!({"schemas": [USER, ACME], "userName": "bjensen",
                                      "password": "new", ACME: {"employeeCode": "E-1"}}),
            )),
        ),
        rc(
            "immutable changed",
            Ty::Acme,
            acme(),
            json!({"userName": "bjensen", ACME: {"employeeCode": "E-2"}}),
            Expect::Err(ScimType::Mutability, "employeeCode is immutable"),
        ),
        rc(
            "immutable changed through a URN-qualified key",
            Ty::Acme,
            acme(),
            json!({"userName": "bjensen",
                   "urn:example:params:scim:schemas:extension:acme:2.0:User:employeeCode": "E-9"}),
            Expect::Err(ScimType::Mutability, "employeeCode is immutable"),
        ),
        rc(
            "immutable sent again unchanged",
            Ty::Acme,
            acme(),
            json!({"userName": "bjensen", ACME: {"employeeCode": "E-1", "level": 4}}),
            ok(with_server_set(
                json!({"schemas": [USER, ACME], "userName": "bjensen",
                                      "password": "t1meMa$heen",
                                      ACME: {"employeeCode": "E-1", "level": 4}}),
            )),
        ),
        rc(
            "immutable omitted is kept; writeOnly omitted is kept; readWrite omitted is cleared",
            Ty::Acme,
            acme(),
            json!({"schemas": [USER], "userName": "bjensen", "title": "Tour Guide"}),
            ok(with_server_set(
                json!({"schemas": [USER, ACME], "userName": "bjensen",
                                      "title": "Tour Guide", "password": "t1meMa$heen",
                                      ACME: {"employeeCode": "E-1"}}),
            )),
        ),
        rc(
            "immutable given null is kept",
            Ty::Acme,
            acme(),
            json!({"userName": "bjensen", ACME: {"employeeCode": null}}),
            ok(with_server_set(
                json!({"schemas": [USER, ACME], "userName": "bjensen",
                                      "password": "t1meMa$heen", ACME: {"employeeCode": "E-1"}}),
            )),
        ),
        rc(
            "immutable without a stored value may be set",
            Ty::Acme,
            Resource::from_value(
                json!({"schemas": [USER], "id": "2819c223", "userName": "bjensen"}),
            )
            .unwrap(),
            json!({"userName": "bjensen", ACME: {"employeeCode": "E-7"}}),
            ok(
                json!({"schemas": [USER, ACME], "id": "2819c223", "userName": "bjensen",
                      ACME: {"employeeCode": "E-7"}}),
            ),
        ),
        rc(
            "required userName still required on replace",
            Ty::Acme,
            acme(),
            json!({"displayName": "Babs"}),
            invalid("userName is required"),
        ),
        rc(
            "types still checked on replace",
            Ty::Acme,
            acme(),
            json!({"userName": "bjensen", "active": "maybe"}),
            invalid("active must be a boolean"),
        ),
        rc(
            "Group replace keeps id and meta and replaces members",
            Ty::Group,
            group(),
            json!({"schemas": [GROUP, ADSCIM], "id": "g2", "displayName": "Tour Guides",
                   "members": [{"value": "u2"}, {"value": "u3"}]}),
            ok(
                json!({"schemas": [GROUP], "id": "g1", "meta": {"resourceType": "Group"},
                      "displayName": "Tour Guides", "members": [{"value": "u2"}, {"value": "u3"}]}),
            ),
        ),
        rc(
            "Group replace without members clears them",
            Ty::Group,
            group(),
            json!({"displayName": "Renamed", "members": []}),
            ok(
                json!({"schemas": [GROUP], "id": "g1", "meta": {"resourceType": "Group"},
                      "displayName": "Renamed"}),
            ),
        ),
    ]
}

#[test]
fn replace_cases_table() {
    run_all(
        replace_cases()
            .into_iter()
            .map(|c| (c.name, move || run_replace(c))),
    );
}

fn run_replace(c: ReplaceCase) {
    {
        let ty = resource_type(c.ty);
        let opts = ValidationOptions::default();
        let got = validate_replace(&ty, c.input.clone(), &c.existing, &opts);
        match c.expect {
            Expect::Ok(want) => {
                let out = match got {
                    Ok(r) => r.into_value(),
                    Err(e) => panic!("[{}] expected Ok, got {e:?}", c.name),
                };
                assert_eq!(out, want, "[{}] output", c.name);
                check_shape(c.name, &ty, &out);
                let again =
                    validate_replace(&ty, out.clone(), &c.existing, &opts).unwrap_or_else(|e| {
                        panic!("[{}] replacing with the output failed: {e:?}", c.name)
                    });
                assert_eq!(
                    again.into_value(),
                    out,
                    "[{}] replace is not idempotent",
                    c.name
                );
            }
            Expect::Err(t, detail) => check_err(c.name, got, t, detail),
        }
    }
}

#[test]
fn immutable_case_insensitive_string_matches() {
    // employeeCode is not caseExact (RFC 7643 §2.2 default), so "e-1" matches "E-1".
    let ty = resource_type(Ty::Acme);
    let out = validate_replace(
        &ty,
        json!({"userName": "bjensen", ACME: {"employeeCode": "e-1"}}),
        &stored_acme_user(),
        &ValidationOptions::default(),
    )
    .expect("same value in another case");
    assert!(out.get(ACME).is_some());
}

// ---------------------------------------------------------------------------------------------
// Entra ID: every POST body of the conformance replay
// ---------------------------------------------------------------------------------------------

/// Replaces every `${...}` placeholder in the strings of `v` with a fixed value.
fn fill_placeholders(v: &mut Value) {
    match v {
        Value::String(s) => {
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                out.push_str(&rest[..start]);
                let Some(len) = rest[start..].find('}') else {
                    break;
                };
                let var = &rest[start + 2..start + len];
                out.push_str(match var {
                    "sfx" => "k3x9",
                    "sfx|upper" => "K3X9",
                    v if v.starts_with("uuid:") => "6f9619ff-8b86-d011-b42d-00c04fc964ff",
                    _ => "fixed",
                });
                rest = &rest[start + len + 1..];
            }
            out.push_str(rest);
            *s = out;
        }
        Value::Array(items) => items.iter_mut().for_each(fill_placeholders),
        Value::Object(m) => m.values_mut().for_each(fill_placeholders),
        _ => {}
    }
}

#[test]
fn every_entra_post_body_validates() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/entra_scenarios.json"
    );
    let text = std::fs::read_to_string(path).expect("tests/data/entra_scenarios.json");
    let doc: Value = serde_json::from_str(&text).expect("scenarios.json is JSON");
    let registry = Registry::standard();
    let opts = ValidationOptions::default();
    let mut checked = 0;
    for scenario in doc["scenarios"].as_array().unwrap() {
        let steps = scenario["steps"]
            .as_array()
            .unwrap()
            .iter()
            .chain(scenario["cleanup"].as_array().into_iter().flatten());
        for step in steps {
            let path = step["path"].as_str().unwrap_or("");
            if step["method"] != "POST"
                || !(path.starts_with("/Users") || path.starts_with("/Groups"))
            {
                continue;
            }
            let Some(body) = step.get("body") else {
                continue;
            };
            let name = format!("{} › {}", scenario["name"], step["name"]);
            let mut body = body.clone();
            fill_placeholders(&mut body);
            let endpoint = if path.starts_with("/Users") {
                "/Users"
            } else {
                "/Groups"
            };
            let ty = registry.by_endpoint(endpoint).unwrap();
            let expects_400 = match &step["status"] {
                Value::Number(n) => n.as_u64() == Some(400),
                Value::Array(a) => a.iter().all(|s| s.as_u64() == Some(400)),
                _ => false,
            };
            let got = validate_create(ty, body.clone(), &opts);
            checked += 1;
            if expects_400 {
                let e = got.expect_err(&name);
                assert_eq!(
                    e.scim_type(),
                    Some(ScimType::InvalidValue),
                    "[{name}] {e:?}"
                );
                continue;
            }
            let out = got
                .unwrap_or_else(|e| panic!("[{name}] expected the body to validate, got {e:?}"))
                .into_value();
            check_shape(&name, ty, &out);
            // Stored exactly as sent: strings (userName, emails, phone numbers, …) untouched.
            for (k, v) in body.as_object().unwrap() {
                match k.as_str() {
                    "schemas" | "meta" | "id" | "groups" => {}
                    "active" => assert!(out["active"].is_boolean(), "[{name}] active"),
                    _ if v.is_null() || v == &json!([]) => {
                        assert!(out.get(k).is_none(), "[{name}] {k} should be dropped");
                    }
                    // The legacy top-level names are nulls in the only body that sends them.
                    _ => assert_eq!(out.get(k), Some(v), "[{name}] {k} not stored as sent"),
                }
            }
            assert!(
                out.get("meta").is_none() && out.get("id").is_none(),
                "[{name}] readOnly kept"
            );
            let idem = validate_create(ty, out.clone(), &opts)
                .unwrap()
                .into_value();
            assert_eq!(idem, out, "[{name}] not idempotent");
            if ty.name == "Group" {
                assert_eq!(
                    out["schemas"],
                    json!([GROUP]),
                    "[{name}] unknown schema URN kept"
                );
            }
        }
    }
    assert!(checked >= 25, "only {checked} Entra POST bodies found");
}

#[test]
fn entra_mapped_attributes_are_stored_as_sent() {
    let users = ResourceType::user();
    let out = validate_create(
        &users,
        json!({
            "schemas": [USER, ENT], "userName": "full_k3x9@contoso.example", "active": "True",
            "emails": [{"primary": true, "type": "work", "value": "Ada.Lovelace_k3x9@Contoso.example"}],
            "phoneNumbers": [{"type": "work", "value": "55555555555"},
                             {"type": "mobile", "value": "+1 (425) 555-0100"}],
            ENT: {"employeeNumber": "E-k3x9", "department": "Research k3x9"}, "roles": []
        }),
        &ValidationOptions::default(),
    )
    .unwrap();
    assert_eq!(out.get("active"), Some(&json!(true)));
    assert_eq!(
        out.get("emails").unwrap()[0]["value"],
        "Ada.Lovelace_k3x9@Contoso.example"
    );
    assert_eq!(out.get("phoneNumbers").unwrap()[0]["value"], "55555555555");
    assert_eq!(
        out.get("phoneNumbers").unwrap()[1]["value"],
        "+1 (425) 555-0100"
    );
    assert!(out.get("roles").is_none());
}
