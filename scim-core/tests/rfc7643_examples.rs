//! The examples of RFC 7643 §8.1–§8.6, read through the typed API and written back.
//!
//! The fixtures under `tests/fixtures/rfc7643/` are the RFC text of each example, with one fix:
//! in §8.2 and §8.3 the RFC breaks the `x509Certificates` value over several lines inside a JSON
//! string, which is not valid JSON, so the fixtures join those lines into one string (the result
//! decodes to the RFC's DER certificate). Everything else is as printed, including the valid
//! `"W\/\"…\""` escapes in `meta.version` and the line breaks between keys and long values.

use scim_core::registry::ResourceTypeDescriptor;
use scim_core::{
    AuthenticationScheme, EnterpriseUser, Group, Resource, ScimType, ServiceProviderConfig, User,
    urn,
};
use serde_json::{Value, json};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

const MINIMAL_USER: &str = include_str!("fixtures/rfc7643/minimal_user.json");
const FULL_USER: &str = include_str!("fixtures/rfc7643/full_user.json");
const ENTERPRISE_USER: &str = include_str!("fixtures/rfc7643/enterprise_user.json");
const GROUP: &str = include_str!("fixtures/rfc7643/group.json");
const SERVICE_PROVIDER_CONFIG: &str = include_str!("fixtures/rfc7643/service_provider_config.json");
const RESOURCE_TYPES: &str = include_str!("fixtures/rfc7643/resource_types.json");

fn resource(text: &str) -> TestResult<Resource> {
    Ok(Resource::from_value(serde_json::from_str(text)?)?)
}

/// `Resource -> User -> Resource` gives back the original, by value and by reference.
fn user_round_trip(text: &str) -> TestResult<User> {
    let original = resource(text)?;
    let user = User::try_from(&original)?;
    assert_eq!(Resource::from(&user), original);
    assert_eq!(Resource::from(user.clone()), original);
    assert_eq!(User::try_from(original)?, user);
    Ok(user)
}

#[test]
fn section_8_1_minimal_user() -> TestResult {
    let user = user_round_trip(MINIMAL_USER)?;
    assert_eq!(user.schemas, [urn::USER]);
    assert_eq!(
        user.id.as_deref(),
        Some("2819c223-7f76-453a-919d-413861904646")
    );
    assert_eq!(user.user_name, "bjensen@example.com");
    let meta = user.meta.as_ref().unwrap();
    assert_eq!(meta.resource_type.as_deref(), Some("User"));
    assert_eq!(meta.version.as_deref(), Some("W/\"3694e05e9dff590\""));
    assert!(user.name.is_none() && user.emails.is_empty() && user.enterprise.is_none());
    assert!(user.extra.is_empty());
    Ok(())
}

#[test]
fn section_8_2_full_user() -> TestResult {
    let user = user_round_trip(FULL_USER)?;
    assert_eq!(user.external_id.as_deref(), Some("701984"));
    let name = user.name.as_ref().unwrap();
    assert_eq!(name.formatted.as_deref(), Some("Ms. Barbara J Jensen, III"));
    assert_eq!(name.given_name.as_deref(), Some("Barbara"));
    assert_eq!(name.honorific_suffix.as_deref(), Some("III"));
    assert_eq!(user.display_name.as_deref(), Some("Babs Jensen"));
    assert_eq!(user.nick_name.as_deref(), Some("Babs"));
    assert_eq!(
        user.profile_url.as_deref(),
        Some("https://login.example.com/bjensen")
    );

    assert_eq!(user.emails.len(), 2);
    assert_eq!(user.emails[0].value.as_deref(), Some("bjensen@example.com"));
    assert_eq!(user.emails[0].ty.as_deref(), Some("work"));
    assert_eq!(user.emails[0].primary, Some(true));
    assert_eq!(user.emails[1].primary, None);
    assert_eq!(
        user.primary_email().and_then(|e| e.value.as_deref()),
        Some("bjensen@example.com")
    );

    let work = &user.addresses[0];
    assert_eq!(
        work.street_address.as_deref(),
        Some("100 Universal City Plaza")
    );
    assert_eq!(work.postal_code.as_deref(), Some("91608"));
    assert_eq!(
        work.formatted.as_deref(),
        Some("100 Universal City Plaza\nHollywood, CA 91608 USA")
    );
    assert_eq!(work.primary, Some(true));
    assert_eq!(user.phone_numbers[1].ty.as_deref(), Some("mobile"));
    assert_eq!(user.ims[0].value.as_deref(), Some("someaimhandle"));
    assert_eq!(user.photos[1].ty.as_deref(), Some("thumbnail"));
    assert_eq!(user.user_type.as_deref(), Some("Employee"));
    assert_eq!(user.timezone.as_deref(), Some("America/Los_Angeles"));
    assert_eq!(user.active, Some(true));
    assert_eq!(user.password.as_deref(), Some("t1meMa$heen"));

    assert_eq!(user.groups.len(), 3);
    assert_eq!(
        user.groups[2].reference.as_deref(),
        Some("https://example.com/v2/Groups/71ddacd2-a8e7-49b8-a5db-ae50d0a5bfd7")
    );
    assert_eq!(user.groups[2].display.as_deref(), Some("US Employees"));

    let cert = user.x509_certificates[0].value.as_deref().unwrap();
    assert!(cert.starts_with("MIIDQzCCAqygAwIBAgICEAAw") && cert.ends_with("i97ZkJMo="));
    assert_eq!(cert.len(), 1120);

    assert_eq!(
        user.meta.as_ref().unwrap().version.as_deref(),
        Some("W/\"a330bc54f0671c9\"")
    );
    // Every attribute of the example has a typed field.
    assert!(user.enterprise.is_none());
    assert!(user.extra.is_empty());
    assert!(user.emails.iter().all(|e| e.extra.is_empty()));
    assert!(user.addresses.iter().all(|a| a.extra.is_empty()));
    assert!(user.groups.iter().all(|g| g.extra.is_empty()));
    Ok(())
}

#[test]
fn section_8_3_enterprise_user() -> TestResult {
    let user = user_round_trip(ENTERPRISE_USER)?;
    assert_eq!(user.schemas, [urn::USER, urn::ENTERPRISE_USER]);
    assert_eq!(
        user.groups[0].reference.as_deref(),
        Some("../Groups/e9e30dba-f08f-4109-8486-d5c6a331660a")
    );
    let ext = user.enterprise.as_ref().unwrap();
    assert_eq!(ext.employee_number.as_deref(), Some("701984"));
    assert_eq!(ext.cost_center.as_deref(), Some("4130"));
    assert_eq!(ext.organization.as_deref(), Some("Universal Studios"));
    assert_eq!(ext.division.as_deref(), Some("Theme Park"));
    assert_eq!(ext.department.as_deref(), Some("Tour Operations"));
    let manager = ext.manager.as_ref().unwrap();
    assert_eq!(
        manager.value.as_deref(),
        Some("26118915-6090-4610-87e4-49d8ca9f808d")
    );
    assert_eq!(
        manager.reference.as_deref(),
        Some("../Users/26118915-6090-4610-87e4-49d8ca9f808d")
    );
    assert_eq!(manager.display_name.as_deref(), Some("John Smith"));
    assert!(ext.extra.is_empty() && manager.extra.is_empty());
    assert!(user.extra.is_empty());

    // §8.3 is §8.2 with the extension, relative group references and another version.
    let mut core = user.clone();
    core.schemas.pop();
    core.enterprise = None;
    let full = User::try_from(&resource(FULL_USER)?)?;
    assert_eq!(core.emails, full.emails);
    assert_eq!(core.addresses, full.addresses);
    assert_eq!(core.x509_certificates, full.x509_certificates);
    Ok(())
}

#[test]
fn section_8_4_group() -> TestResult {
    let original = resource(GROUP)?;
    let group = Group::try_from(&original)?;
    assert_eq!(Resource::from(&group), original);
    assert_eq!(Resource::from(group.clone()), original);

    assert_eq!(group.schemas, [urn::GROUP]);
    assert_eq!(group.display_name, "Tour Guides");
    assert_eq!(group.members.len(), 2);
    assert_eq!(
        group.members[0].value.as_deref(),
        Some("2819c223-7f76-453a-919d-413861904646")
    );
    assert_eq!(
        group.members[1].reference.as_deref(),
        Some("https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a")
    );
    assert_eq!(
        group.members[1].display.as_deref(),
        Some("Mandy Pepperidge")
    );
    assert_eq!(
        group.meta.as_ref().unwrap().version.as_deref(),
        Some("W/\"3694e05e9dff592\"")
    );
    assert!(group.extra.is_empty());
    Ok(())
}

#[test]
fn section_8_5_service_provider_config() -> TestResult {
    let original = serde_json::from_str::<Value>(SERVICE_PROVIDER_CONFIG)?;
    let config: ServiceProviderConfig = serde_json::from_value(original.clone())?;
    assert_eq!(serde_json::to_value(&config)?, original);

    assert_eq!(config.schemas, [urn::SERVICE_PROVIDER_CONFIG]);
    assert_eq!(
        config.documentation_uri.as_deref(),
        Some("http://example.com/help/scim.html")
    );
    assert!(config.patch.supported && config.change_password.supported);
    assert!(config.sort.supported && config.etag.supported);
    assert!(config.bulk.supported);
    assert_eq!(config.bulk.max_operations, 1000);
    assert_eq!(config.bulk.max_payload_size, 1_048_576);
    assert!(config.filter.supported);
    assert_eq!(config.filter.max_results, 200);
    assert_eq!(config.authentication_schemes.len(), 2);
    let basic = &config.authentication_schemes[1];
    assert_eq!(basic.ty, "httpbasic");
    assert_eq!(basic.primary, None);
    assert_eq!(
        config.meta.as_ref().unwrap().location.as_deref(),
        Some("https://example.com/v2/ServiceProviderConfig")
    );

    // The constructors rebuild the example.
    let built = ServiceProviderConfig::new()
        .documentation_uri("http://example.com/help/scim.html")
        .patch(true)
        .bulk(1000, 1_048_576)
        .filter(200)
        .change_password(true)
        .sort(true)
        .etag(true)
        .authentication_scheme(
            AuthenticationScheme::oauth_bearer_token()
                .documentation_uri("http://example.com/help/oauth.html")
                .primary(),
        )
        .authentication_scheme(
            AuthenticationScheme::http_basic()
                .documentation_uri("http://example.com/help/httpBasic.html"),
        )
        .meta(config.meta.clone().unwrap());
    assert_eq!(built, config);
    Ok(())
}

#[test]
fn section_8_6_resource_types() -> TestResult {
    let original = serde_json::from_str::<Value>(RESOURCE_TYPES)?;
    let types: Vec<ResourceTypeDescriptor> = serde_json::from_value(original.clone())?;
    assert_eq!(types.len(), 2);
    let (user, group) = (&types[0], &types[1]);
    assert_eq!(user.schemas, [urn::RESOURCE_TYPE]);
    assert_eq!(user.id.as_deref(), Some("User"));
    assert_eq!(user.endpoint, "/Users");
    assert_eq!(user.schema, urn::USER);
    assert_eq!(user.schema_extensions.len(), 1);
    assert_eq!(user.schema_extensions[0].schema, urn::ENTERPRISE_USER);
    assert!(user.schema_extensions[0].required);
    assert_eq!(
        user.meta.as_ref().unwrap().location.as_deref(),
        Some("https://example.com/v2/ResourceTypes/User")
    );
    assert_eq!(group.name, "Group");
    assert_eq!(group.schema, urn::GROUP);
    assert!(group.schema_extensions.is_empty());
    assert_eq!(serde_json::to_value(&types)?, original);
    Ok(())
}

#[test]
fn unknown_attributes_and_extensions_survive_the_typed_round_trip() -> TestResult {
    let mut doc = serde_json::from_str::<Value>(ENTERPRISE_USER)?;
    let obj = doc.as_object_mut().unwrap();
    obj["schemas"].as_array_mut().unwrap().push(json!(
        "urn:example:params:scim:schemas:extension:badge:2.0:User"
    ));
    obj.insert(
        "urn:example:params:scim:schemas:extension:badge:2.0:User".into(),
        json!({"badgeNumber": 4242, "clearance": ["red", "blue"], "ratio": 0.75, "expired": false}),
    );
    obj.insert("favoriteColor".into(), json!("green"));
    obj.insert("loginCount".into(), json!(-3));
    obj.insert("weight".into(), json!(1e3));
    obj["emails"][0]["verified"] = json!(true);
    obj["name"]["phonetic"] = json!({"given": "BAR-bra"});
    obj["addresses"][1]["geo"] = json!({"lat": 34.1381, "lon": -118.3534});
    obj["groups"][0]["since"] = json!("2010-01-23");
    obj[urn::ENTERPRISE_USER]["building"] = json!(7);
    obj[urn::ENTERPRISE_USER]["manager"]["email"] = json!("jsmith@example.com");

    let original = Resource::from_value(doc)?;
    let user = User::try_from(&original)?;
    assert_eq!(Resource::from(&user), original);

    let badge = user
        .extension("urn:example:params:scim:schemas:extension:badge:2.0:User")
        .unwrap();
    assert_eq!(badge["badgeNumber"], json!(4242));
    assert_eq!(badge["ratio"], json!(0.75));
    assert_eq!(user.extra["favoriteColor"], "green");
    assert_eq!(user.extra["loginCount"], json!(-3));
    assert!(user.extra["weight"].is_f64());
    assert_eq!(user.emails[0].extra["verified"], json!(true));
    assert_eq!(
        user.name.as_ref().unwrap().extra["phonetic"]["given"],
        "BAR-bra"
    );
    assert_eq!(user.addresses[1].extra["geo"]["lon"], json!(-118.3534));
    assert_eq!(user.groups[0].extra["since"], "2010-01-23");
    let ext: &EnterpriseUser = user.enterprise.as_ref().unwrap();
    assert_eq!(ext.extra["building"], json!(7));
    assert_eq!(
        ext.manager.as_ref().unwrap().extra["email"],
        "jsmith@example.com"
    );

    // The same for a Group.
    let mut doc = serde_json::from_str::<Value>(GROUP)?;
    doc["urn:example:2.0:Team"] = json!({"costCode": 12});
    doc["members"][0]["role"] = json!("lead");
    let original = Resource::from_value(doc)?;
    let group = Group::try_from(&original)?;
    assert_eq!(
        group.extension("urn:example:2.0:Team").unwrap()["costCode"],
        12
    );
    assert_eq!(group.members[0].extra["role"], "lead");
    assert_eq!(Resource::from(group), original);
    Ok(())
}

#[test]
fn edits_through_the_typed_api_reach_the_resource() -> TestResult {
    let mut user = User::try_from(resource(ENTERPRISE_USER)?)?;
    user.active = Some(false);
    user.emails.retain(|e| e.ty.as_deref() != Some("home"));
    if let Some(ext) = user.enterprise.as_mut() {
        ext.department = None;
    }
    let r = Resource::from(user);
    assert_eq!(r.get("active"), Some(&json!(false)));
    assert_eq!(r.get("emails").unwrap().as_array().unwrap().len(), 1);
    let ext = r.extension(urn::ENTERPRISE_USER).unwrap();
    assert!(!ext.contains_key("department"));
    assert_eq!(ext["costCenter"], "4130");
    Ok(())
}

#[test]
fn type_errors_in_rfc_examples_name_the_attribute() -> TestResult {
    let mut doc = serde_json::from_str::<Value>(FULL_USER)?;
    doc["phoneNumbers"][1]["primary"] = json!("yes");
    let err = User::try_from(Resource::from_value(doc)?).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
    assert!(
        err.detail().contains("phoneNumbers[1].primary"),
        "{}",
        err.detail()
    );

    let mut doc = serde_json::from_str::<Value>(GROUP)?;
    doc.as_object_mut().unwrap().remove("displayName");
    let err = Group::try_from(Resource::from_value(doc)?).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
    assert!(err.detail().contains("displayName"), "{}", err.detail());
    Ok(())
}
