use reqwest::StatusCode;

use crate::common::spawn_app;

#[tokio::test]
async fn health_and_readiness_answer_once_migrations_are_applied() {
    let app = spawn_app().await;
    assert_eq!(app.http.get(app.url("/health")).send().await.unwrap().status(), StatusCode::OK);
    let ready = app.http.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn every_path_in_the_openapi_document_is_served() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app.http.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let res = app.http.request(method.to_uppercase().parse().unwrap(), app.url(path)).send().await.unwrap();
            assert_ne!(res.status(), StatusCode::NOT_FOUND, "{method} {path} is documented but not routed");
            assert_ne!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is documented but not routed");
        }
    }
    let res = app.http.get(app.url("/v1/nothing")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
