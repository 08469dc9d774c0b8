//! Master data at the station: the head office's labor catalog and part
//! prices are used for lines and cannot be changed at the station; its
//! retention periods replace the station's defaults.

use super::*;

#[tokio::test]
async fn the_head_offices_labor_catalog_and_part_prices_are_used_at_the_station_which_cannot_change_them() {
    let ho = HeadOffice::start().await;
    ho.load_csv("labor", "code,description,standard_hours_milli,rate_minor\noil-01,更换机油及机滤,500,20000\n").await;
    ho.load_csv("parts", "part_no,name,unit_price_minor,brand\nP-1,机油滤清器,4500,博世\n").await;

    let t = station("SH01").await;
    // Before enrolling, the station had its own price for P-1 and its own operation.
    let part = t.ok(&t.manager, "save_part", json!({"part_no": "P-1", "name": "机滤", "bin": "A-1", "unit_price": 3900, "reorder_point_milli": 0})).await;
    t.ok(&t.manager, "receive_stock", json!({"part_id": part["id"], "quantity_milli": 5000, "note": ""})).await;
    t.ok(&t.manager, "save_labor_operation", json!({"code": "ST-01", "description": "洗车", "standard_hours_milli": 250, "rate": 8000})).await;
    ho.enroll(&t, "SH01").await;
    sync_ok(&t).await;

    let ops = t.ok(&t.manager, "list_labor_operations", json!({})).await["operations"].as_array().unwrap().clone();
    let by_code = |code: &str| ops.iter().find(|o| o["code"] == code).unwrap_or_else(|| panic!("no {code} in {ops:?}")).clone();
    let oil = by_code("OIL-01");
    assert_eq!((oil["description"].as_str(), oil["standard_hours_milli"].as_i64(), oil["rate"].as_i64()), (Some("更换机油及机滤"), Some(500), Some(20000)));
    assert_eq!((oil["from_head_office"].as_bool(), oil["active"].as_bool()), (Some(true), Some(true)));
    assert_eq!(by_code("ST-01")["from_head_office"], false);
    let parts = t.ok(&t.manager, "list_parts", json!({"q": "P-1"})).await;
    assert_eq!(parts["parts"][0]["unit_price"], 4500, "the catalog's price replaced the station's");
    assert_eq!(parts["parts"][0]["price_from_head_office"], true);
    assert_eq!(parts["parts"][0]["name"], "机滤", "the station keeps its own name for the part");
    // A new part starts from the catalog's entry.
    let found = t.ok(&t.manager, "lookup_catalog_part", json!({"part_no": " p-1 "})).await;
    assert_eq!(found["part"], json!({"part_no": "P-1", "name": "机油滤清器", "unit_price": 4500}));
    assert_eq!(t.ok(&t.manager, "lookup_catalog_part", json!({"part_no": "NOT-LISTED"})).await["part"], Value::Null);

    // The station cannot edit what the head office sets; the error names the field.
    let e =
        t.call(&t.manager, "save_labor_operation", json!({"code": "oil-01", "description": "x", "standard_hours_milli": 100, "rate": 1})).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.field.as_deref()), ("labor.from_head_office", Some("code")));
    let e = t
        .call(&t.manager, "save_part", json!({"id": part["id"], "part_no": "P-1", "name": "机滤", "bin": "A-2", "unit_price": 3900, "reorder_point_milli": 0}))
        .await
        .unwrap_err();
    assert_eq!((e.code.as_str(), e.field.as_deref()), ("part.price_from_head_office", Some("unit_price")));
    let moved = t
        .ok(&t.manager, "save_part", json!({"id": part["id"], "part_no": "P-1", "name": "机滤", "bin": "A-2", "unit_price": 4500, "reorder_point_milli": 0}))
        .await;
    assert_eq!(moved["bin"], "A-2", "everything but the price stays the station's to edit");

    // Lines use them: labor from the catalog's hours and rate, the part at the catalog's price.
    let (c, v) = t.customer_with_vehicle(&t.manager, "王芳", "13812345678", "沪A12345", VIN_A).await;
    let order = t.ok(&t.manager, "check_in", check_in_input(&c, &v, 12_000)).await;
    let ro = order["id"].as_str().unwrap();
    let d = t.ok(&t.manager, "move_order", json!({"ro_id": ro, "expected_version": 1, "to": "diagnosing"})).await;
    let job = d["jobs"][0]["id"].as_str().unwrap().to_string();
    let d = t
        .ok(
            &t.manager,
            "add_line",
            json!({"job_id": job, "expected_version": d["order"]["version"], "kind": "labor", "labor_op_code": "OIL-01", "description": ""}),
        )
        .await;
    let d = t
        .ok(
            &t.manager,
            "add_line",
            json!({"job_id": job, "expected_version": d["order"]["version"], "kind": "part", "part_id": part["id"], "description": "", "quantity_milli": 1000}),
        )
        .await;
    let amounts: Vec<i64> = d["jobs"][0]["lines"].as_array().unwrap().iter().map(|l| l["amount"].as_i64().unwrap()).collect();
    assert_eq!(amounts, vec![10_000, 4_500], "0.5 h at ¥200.00, and one filter at ¥45.00");

    // New prices and a withdrawn operation come down on the next pull; lines keep the price they were added with.
    ho.load_csv("parts", "part_no,name,unit_price_minor,brand\nP-1,机油滤清器,4800,博世\n").await;
    sqlx::query("UPDATE master_records SET deleted = true WHERE entity = 'labor_catalog' AND entity_id = 'oil-01'").execute(&ho.pool).await.unwrap();
    sqlx::query("UPDATE change_log SET tx = pg_current_xact_id()::text::bigint, change_id = nextval('change_log_ids') WHERE entity = 'labor_catalog' AND entity_id = 'oil-01'")
        .execute(&ho.pool)
        .await
        .unwrap();
    sync_ok(&t).await;
    assert_eq!(t.ok(&t.manager, "list_parts", json!({"q": "P-1"})).await["parts"][0]["unit_price"], 4800);
    let ops = t.ok(&t.manager, "list_labor_operations", json!({})).await;
    let oil = ops["operations"].as_array().unwrap().iter().find(|o| o["code"] == "OIL-01").unwrap().clone();
    assert_eq!((oil["active"].as_bool(), oil["from_head_office"].as_bool()), (Some(false), Some(false)), "withdrawn: inactive, and the station's again");
    let lines = t.ok(&t.manager, "get_order_detail", json!({"id": ro})).await["jobs"][0]["lines"].clone();
    assert_eq!(lines[1]["amount"], 4500);

    // What the pull changed at the station goes up as the station's rows, once.
    sync_ok(&t).await;
    assert_drained(&ho, &t, "SH01").await;
    let at_ho: i64 = sqlx::query_scalar("SELECT (payload->>'unit_price')::bigint FROM records WHERE entity = 'part' AND entity_id = $1")
        .bind(part["id"].as_str().unwrap())
        .fetch_one(&ho.pool)
        .await
        .unwrap();
    assert_eq!(at_ho, 4800);
}

#[tokio::test]
async fn a_retention_period_set_at_the_head_office_replaces_the_stations_default_and_the_others_keep_theirs() {
    let ho = HeadOffice::start().await;
    // As `headoffice admin set-setting retention.repair_order_days 2190` does (docs/privacy.md).
    headoffice::admin::set_setting(&ho.pool, "retention.repair_order_days", "2190").await.unwrap();
    let t = station("SH01").await;
    ho.enroll(&t, "SH01").await;
    sync_ok(&t).await;

    let policy = t.ok(&t.manager, "retention_policy", json!({})).await;
    let period = |kind: &str| policy["periods"].as_array().unwrap().iter().find(|p| p["kind"] == kind).unwrap().clone();
    assert_eq!(period("repair_order"), json!({"kind": "repair_order", "days": 2190, "default_days": 1825, "from_head_office": true}));
    assert_eq!(period("photos"), json!({"kind": "photos", "days": 730, "default_days": 730, "from_head_office": false}));
}
