#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! Discovery (RFC 7644 §4, RFC 7643 §5–§7): `/ServiceProviderConfig`, `/ResourceTypes` and
//! `/Schemas`, generated from what the server registers and supports.
#![cfg(feature = "memory")]

#[path = "support/http.rs"]
mod harness;

use std::sync::Arc;

use harness::*;
use scim_core::{Attribute, Registry, ResourceType, Schema, Uniqueness};
use scim_http::{BearerTokens, InMemoryStore, NoAuth, ScimServer};
use serde_json::{Value, json};

const SPC_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
const DEVICE_URN: &str = "urn:example:params:scim:schemas:core:2.0:Device";

#[tokio::test]
async fn service_provider_config_advertises_what_the_server_supports() {
    let h = harness();
    let res = h.get("/ServiceProviderConfig").await;
    let spc = res.expect(200);
    assert_eq!(spc["schemas"], json!([SPC_URN]));
    assert_eq!(spc["patch"], json!({"supported": true}));
    assert_eq!(spc["bulk"]["supported"], false);
    assert_eq!(
        spc["filter"],
        json!({"supported": true, "maxResults": 1000})
    );
    assert_eq!(spc["sort"], json!({"supported": true}));
    assert_eq!(spc["etag"], json!({"supported": true}));
    assert_eq!(spc["changePassword"], json!({"supported": true}));
    let schemes = spc["authenticationSchemes"].as_array().unwrap();
    assert_eq!(schemes.len(), 1, "{spc}");
    assert_eq!(schemes[0]["type"], "oauthbearertoken");
    assert!(schemes[0]["name"].is_string() && schemes[0]["description"].is_string());
    assert_eq!(spc["meta"]["resourceType"], "ServiceProviderConfig");
    assert_eq!(
        spc["meta"]["location"],
        json!(format!("{BASE_URL}/ServiceProviderConfig"))
    );
    // Not a ListResponse, and no id (RFC 7643 §5).
    assert!(
        spc.get("Resources").is_none() && spc.get("id").is_none(),
        "{spc}"
    );
}

#[tokio::test]
async fn service_provider_config_follows_the_configuration() {
    let h = harness_with(|b| {
        b.max_results(50)
            .documentation_uri("https://example.com/help")
    });
    let spc = h.fetch("/ServiceProviderConfig").await;
    assert_eq!(spc["filter"]["maxResults"], 50);
    assert_eq!(spc["documentationUri"], "https://example.com/help");
    // The advertised maxResults is what the server enforces.
    for i in 0..55 {
        h.create_user(&format!("u{i}")).await;
    }
    let page = h.fetch("/Users?count=100").await;
    assert_list(&page, 55, 1, 50);

    // Without bearer tokens, no bearer scheme is advertised.
    let open = harness_with(|b| b.authenticator(NoAuth));
    let spc = open.fetch("/ServiceProviderConfig").await;
    assert_eq!(spc["authenticationSchemes"], json!([]));
    let bearer = harness_with(|b| b.authenticator(BearerTokens::single("discovery-token-0123")));
    let spc = bearer
        .get("/ServiceProviderConfig")
        .token("discovery-token-0123")
        .await
        .expect(200);
    assert_eq!(spc["authenticationSchemes"][0]["type"], "oauthbearertoken");
}

#[tokio::test]
async fn resource_types_list_what_is_registered() {
    let h = harness();
    let list = h.fetch("/ResourceTypes").await;
    let types = assert_list(&list, 2, 1, 2);
    let by_name = |n: &str| -> Value {
        some(types.iter().find(|t| t["name"] == n), || {
            format!("no {n} in {list}")
        })
        .clone()
    };
    let user = by_name("User");
    assert_eq!(user["schemas"], json!([RESOURCE_TYPE_URN]));
    assert_eq!(user["id"], "User");
    assert_eq!(user["endpoint"], "/Users");
    assert_eq!(user["schema"], USER_URN);
    assert_eq!(
        user["schemaExtensions"],
        json!([{"schema": ENTERPRISE_URN, "required": false}])
    );
    assert_eq!(user["meta"]["resourceType"], "ResourceType");
    assert_eq!(
        user["meta"]["location"],
        json!(format!("{BASE_URL}/ResourceTypes/User"))
    );
    let group = by_name("Group");
    assert_eq!(group["endpoint"], "/Groups");
    assert_eq!(group["schema"], GROUP_URN);
    assert!(group.get("schemaExtensions").is_none(), "{group}");

    // One by name.
    assert_eq!(h.fetch("/ResourceTypes/User").await, user);
    assert_eq!(h.fetch("/ResourceTypes/Group").await, group);
    h.get("/ResourceTypes/Device").await.expect_error(404, None);
}

#[tokio::test]
async fn schemas_list_every_schema_in_use() {
    let h = harness();
    let list = h.fetch("/Schemas").await;
    let schemas = assert_list(&list, 3, 1, 3);
    let mut schema_ids: Vec<&str> = schemas.iter().map(|s| s["id"].as_str().unwrap()).collect();
    schema_ids.sort_unstable();
    assert_eq!(schema_ids, [GROUP_URN, USER_URN, ENTERPRISE_URN]);
    for s in &schemas {
        assert_eq!(s["schemas"], json!([SCHEMA_URN]), "{s}");
        assert!(
            s["attributes"].as_array().is_some_and(|a| !a.is_empty()),
            "{s}"
        );
        assert_eq!(s["meta"]["resourceType"], "Schema");
        assert_eq!(
            s["meta"]["location"],
            json!(format!("{BASE_URL}/Schemas/{}", s["id"].as_str().unwrap()))
        );
    }

    // One by URN, with the attribute characteristics.
    let user = h.fetch(&format!("/Schemas/{USER_URN}")).await;
    assert_eq!(user["name"], "User");
    let attrs = user["attributes"].as_array().unwrap();
    let attr = |n: &str| some(attrs.iter().find(|a| a["name"] == n), || format!("no {n}")).clone();
    let user_name = attr("userName");
    assert_eq!(user_name["uniqueness"], "server");
    assert_eq!(user_name["required"], true);
    assert_eq!(user_name["caseExact"], false);
    assert_eq!(attr("password")["returned"], "never");
    assert_eq!(attr("password")["mutability"], "writeOnly");
    assert_eq!(attr("groups")["mutability"], "readOnly");
    assert_eq!(schemas.iter().find(|s| s["id"] == USER_URN).unwrap(), &user);
    let enterprise = h.fetch(&format!("/Schemas/{ENTERPRISE_URN}")).await;
    assert_eq!(enterprise["id"], ENTERPRISE_URN);
    h.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:Device")
        .await
        .expect_error(404, None);
}

/// A registry with a custom Device type and no Group.
fn device_registry() -> Registry {
    let device = Schema::new(
        DEVICE_URN,
        "Device",
        vec![
            Attribute::string("serialNumber")
                .required()
                .uniqueness(Uniqueness::Server),
            Attribute::string("model"),
        ],
    );
    Registry::new()
        .with(ResourceType::user())
        .unwrap()
        .with(ResourceType::new("Device", "/Devices", Arc::new(device)).description("A device"))
        .unwrap()
}

#[tokio::test]
async fn discovery_is_generated_from_the_registry() {
    let h = harness_with(|b| b.registry(device_registry()));
    let types = h.fetch("/ResourceTypes").await;
    let names: Vec<String> = assert_list(&types, 2, 1, 2)
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["User", "Device"]);
    let device = h.fetch("/ResourceTypes/Device").await;
    assert_eq!(device["endpoint"], "/Devices");
    assert_eq!(device["schema"], DEVICE_URN);
    assert_eq!(device["description"], "A device");

    let schemas = h.fetch("/Schemas").await;
    let mut schema_ids: Vec<String> = assert_list(&schemas, 3, 1, 3)
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    schema_ids.sort();
    assert_eq!(schema_ids, [DEVICE_URN, USER_URN, ENTERPRISE_URN]);
    h.get(&format!("/Schemas/{GROUP_URN}"))
        .await
        .expect_error(404, None);
    h.get("/ResourceTypes/Group").await.expect_error(404, None);

    // The registered endpoint is served; the unregistered one is not.
    let created = h
        .post(
            "/Devices",
            &json!({"schemas": [DEVICE_URN], "serialNumber": "SN-1", "model": "X"}),
        )
        .await
        .expect(201);
    assert_eq!(created["meta"]["resourceType"], "Device");
    assert_eq!(
        created["meta"]["location"],
        json!(format!("{BASE_URL}/Devices/{}", id_of(&created)))
    );
    h.post(
        "/Devices",
        &json!({"schemas": [DEVICE_URN], "serialNumber": "sn-1"}),
    )
    .await
    .expect_error(409, Some("uniqueness"));
    let found = h
        .fetch(&format!("/Devices?filter={}", encode("model eq \"X\"")))
        .await;
    assert_eq!(ids(&found), [id_of(&created)]);
    h.get("/Groups").await.expect_error(404, None);
    h.post("/Groups", &group("G", &[]))
        .await
        .expect_error(404, None);
}

#[tokio::test]
async fn discovery_endpoints_refuse_filters() {
    let h = harness();
    for path in ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"] {
        h.get(&format!("{path}?filter={}", encode("id pr")))
            .await
            .expect_error(403, None);
    }
}

#[tokio::test]
async fn discovery_locations_follow_the_trusted_host_or_the_public_url() {
    // The Host header counts only when the host trusts its proxy's headers.
    let h = harness_with(|_| {
        ScimServer::builder()
            .store(InMemoryStore::new())
            .authenticator(BearerTokens::single(TOKEN))
            .trust_forwarded_headers(true)
    });
    let spc = h
        .get("/ServiceProviderConfig")
        .header("host", "scim.example.com:8443")
        .header("x-forwarded-proto", "https")
        .await
        .expect(200);
    assert_eq!(
        spc["meta"]["location"],
        "https://scim.example.com:8443/scim/v2/ServiceProviderConfig"
    );
    let h = harness_with(|b| b.public_url("https://app.example.com/scim/v2/"));
    let rt = h.fetch("/ResourceTypes/User").await;
    assert_eq!(
        rt["meta"]["location"],
        "https://app.example.com/scim/v2/ResourceTypes/User"
    );
}
