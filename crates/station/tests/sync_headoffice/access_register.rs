//! The access register reaches a real head office (issue 12): every opening and
//! every whole number shown arrives as an `access_entry`, the head office
//! refuses to change or delete one, and a reinstalled station gets its register
//! back.

use super::*;

#[tokio::test]
async fn the_access_register_syncs_to_the_head_office_where_it_cannot_be_changed_or_deleted_and_comes_back_on_restore() {
    let ho = HeadOffice::start().await;
    let t = station("SH01").await;
    ho.enroll(&t, "SH01").await;
    let (customer, vehicle) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let order = t.ok(&t.manager, "check_in", check_in_input(&customer, &vehicle, 12_000)).await;
    t.ok(&t.manager, "get_customer", json!({"id": customer})).await;
    t.ok(&t.manager, "get_order_detail", json!({"id": order["id"]})).await;
    t.ok(&t.manager, "reveal_contact", json!({"customer_id": customer, "reason": "customer_request", "ro_id": order["id"]})).await;
    let local = t.count("SELECT COUNT(*) FROM access_register").await;
    assert_eq!(local, 3);
    sync_ok(&t).await;
    assert_drained(&ho, &t, "SH01").await;
    assert_eq!(status(&t).await["rejections"].as_array().map_or(0, Vec::len), 0, "nothing was rejected");

    let at_ho = ho.scalar("SELECT count(*) FROM records WHERE entity = 'access_entry'").await;
    assert_eq!(at_ho, local, "every entry reached the head office");
    let reason: Option<String> = sqlx::query_scalar("SELECT payload->>'reason' FROM records WHERE entity = 'access_entry' AND payload->>'kind' = 'contact'")
        .fetch_one(&ho.pool)
        .await
        .unwrap();
    assert_eq!(reason.as_deref(), Some("customer_request"));
    let about: Option<String> =
        sqlx::query_scalar("SELECT payload->>'customer_id' FROM records WHERE entity = 'access_entry' AND payload->>'kind' = 'customer'")
            .fetch_one(&ho.pool)
            .await
            .unwrap();
    assert_eq!(about.as_deref(), Some(customer.as_str()));
    let whole = ho.scalar("SELECT count(*) FROM records WHERE entity = 'access_entry' AND payload::text LIKE '%13812345678%'").await;
    assert_eq!(whole, 0, "the register carries no phone number");

    // Append-only at the head office too.
    let err = sqlx::query("UPDATE records SET payload = '{}' WHERE entity = 'access_entry'").execute(&ho.pool).await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query("DELETE FROM records WHERE entity = 'access_entry'").execute(&ho.pool).await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert_eq!(ho.scalar("SELECT count(*) FROM records WHERE entity = 'access_entry'").await, local);
    // Other records are not held by the trigger.
    let touched = sqlx::query("UPDATE records SET updated_at = updated_at WHERE entity = 'repair_order'").execute(&ho.pool).await.unwrap();
    assert_eq!(touched.rows_affected(), 1);

    // A reinstalled station gets its register back.
    let (fresh, _) = restore::reinstall(&ho, "SH01", Utc::now()).await;
    assert_eq!(fresh.count("SELECT COUNT(*) FROM access_register").await, local, "the register came back whole");
    let register = fresh.ok(&fresh.manager, "list_access_register", json!({"customer_id": customer})).await;
    assert!(register["entries"].as_array().unwrap().iter().any(|e| e["reason"] == "customer_request"));
}
