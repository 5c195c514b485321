//! Runs the actix glue in-process (actix's test service) with Entra's Test Connection probe,
//! a create, and a refused request.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use actix_web::{App, test};
use scim_http::{BearerTokens, InMemoryStore, ScimServer};

#[actix_web::test]
async fn probe_create_and_auth_through_actix() {
    let server = ScimServer::builder()
        .store(InMemoryStore::new())
        .authenticator(BearerTokens::single("smoke-token-0123456789"))
        .build()
        .unwrap();
    let app = test::init_service(App::new().configure(scim_example_actix::configure(server))).await;

    let req = test::TestRequest::get()
        .uri("/scim/v2/Users?filter=userName%20eq%20%22nobody%22")
        .insert_header(("Authorization", "Bearer smoke-token-0123456789"))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers().get("content-type").unwrap(),
        "application/scim+json"
    );
    let body: serde_json::Value = test::read_body_json(resp).await;
    assert_eq!(body["totalResults"], 0);

    let req = test::TestRequest::post()
        .uri("/scim/v2/Users")
        .insert_header(("Authorization", "Bearer smoke-token-0123456789"))
        .insert_header(("Host", "localhost"))
        .insert_header(("Content-Type", "application/scim+json"))
        .set_payload(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","active":"True"}"#)
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), 201);
    assert!(
        resp.headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("/scim/v2/Users/")
    );
    assert!(resp.headers().get("etag").is_some());
    let body: serde_json::Value = test::read_body_json(resp).await;
    assert_eq!(body["active"], true);

    let req = test::TestRequest::get().uri("/scim/v2/Users").to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().get("www-authenticate").is_some());
}
