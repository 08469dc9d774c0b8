use serde_json::json;
use sync_protocol::push::rejection_codes;
use sync_protocol::signed::content_hash;

use crate::common::spawn_app;

fn authorization(id: &str, total: i64) -> serde_json::Value {
    let content = json!({"ro": "SH01-20250101-001", "lines": [{"desc": "刹车片", "amount_minor": total}], "terms_version": 3, "language": "zh-CN"});
    json!({"id": id, "content": content, "hash": content_hash(&content), "signer": "王芳", "method": "on_screen"})
}

#[tokio::test]
async fn a_signed_document_whose_hash_does_not_match_is_rejected_and_flagged() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let good = st.change("authorization", "a1", authorization("a1", 28000));
    let mut forged = authorization("a2", 28000);
    forged["content"]["lines"][0]["amount_minor"] = json!(2800);
    let forged = st.change("authorization", "a2", forged);
    let unhashed = st.change("authorization", "a3", json!({"id": "a3", "signer": "x"}));
    let ack = app.push_ok(&st.token, &st.batch(vec![good, forged, unhashed])).await;
    assert_eq!((ack.acked_seq, ack.rejected), (3, 2));
    let rejections = app.rejections(&st.token).await.rejections;
    assert_eq!(rejections[0].code, rejection_codes::HASH_MISMATCH);
    assert!(rejections[0].flagged, "a hash mismatch is flagged as possible tampering");
    assert_eq!(rejections[1].code, rejection_codes::MISSING_HASH);
    let stored: Vec<String> = sqlx::query_scalar("SELECT entity_id FROM records WHERE entity = 'authorization'").fetch_all(&app.pool).await.unwrap();
    assert_eq!(stored, ["a1"]);
}

#[tokio::test]
async fn a_signed_document_cannot_change_once_stored() {
    let app = spawn_app().await;
    let mut st = app.station("SH01").await;
    let original = st.change("authorization", "a1", authorization("a1", 28000));
    app.push_ok(&st.token, &st.batch(vec![original])).await;
    let resigned = st.change("authorization", "a1", authorization("a1", 99000));
    let ack = app.push_ok(&st.token, &st.batch(vec![resigned])).await;
    assert_eq!(ack.rejected, 1);
    assert_eq!(app.rejections(&st.token).await.rejections[0].code, rejection_codes::IMMUTABLE);
    let stored: serde_json::Value = sqlx::query_scalar("SELECT payload FROM records WHERE entity_id = 'a1'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored["content"]["lines"][0]["amount_minor"], 28000);
}
