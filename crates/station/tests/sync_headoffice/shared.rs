//! Customers shared between stations (issue 12), three real stations against a
//! real head office: a station without access to a customer or vehicle cannot
//! write it or its history, a lookup at the desk grants access (logged at the
//! head office) and check-in reuses the record, and offline the lookup says so.

use super::*;

const PLATE: &str = "沪A12345";
const PHONE: &str = "13812345678";

/// SH01's customer 罗磊 (consenting to sharing) with 沪A12345, checked in once and synced.
async fn customer_at_sh01(ho: &HeadOffice, a: &TestStation) -> (String, String) {
    let c = a.ok(&a.manager, "create_customer", json!({"name": "罗磊", "phones": [PHONE], "language": "zh-CN", "consent_data": true})).await;
    let c = c["id"].as_str().unwrap().to_string();
    let v = a.ok(&a.manager, "create_vehicle", json!({"customer_id": c, "fields": {"plate": PLATE, "vin": VIN_A, "model": "朗逸"}})).await;
    let v = v["id"].as_str().unwrap().to_string();
    a.ok(&a.manager, "check_in", check_in_input(&c, &v, 12_000)).await;
    ho.enroll(a, "SH01").await;
    sync_ok(a).await;
    (c, v)
}

async fn access_at_head_office(ho: &HeadOffice, code: &str) -> i64 {
    ho.scalar(&format!("SELECT count(*) FROM shared_access a JOIN stations s USING (station_id) WHERE s.code = '{code}'")).await
}

/// What a station with a tampered database (or a bug) would push: rows written straight into its outbox.
async fn forge(t: &TestStation, entity: &str, id: &str, payload: Value) {
    let info = t.station.require_info().await.unwrap();
    let mut tx = station::store::db::write_tx(t.station.pool()).await.unwrap();
    if entity == "customer" || entity == "vehicle" {
        let fields: Vec<String> = payload.as_object().unwrap().keys().cloned().collect();
        station::store::outbox::append_shared(&mut tx, &info.id, entity, id, &payload, &fields, t.station.now()).await.unwrap();
    } else {
        station::store::outbox::append(&mut tx, &info.id, entity, id, station::store::outbox::Op::Upsert, &payload, t.station.now()).await.unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_station_without_access_cannot_write_a_customer_or_its_cars_history_and_the_other_stations_see_no_change() {
    let ho = HeadOffice::start().await;
    let (a, b, c) = (station("SH01").await, station("SH02").await, station("SH03").await);
    let (customer, car) = customer_at_sh01(&ho, &a).await;
    ho.enroll(&b, "SH02").await;
    ho.enroll(&c, "SH03").await;
    // SH03 served the customer too: it found them at the head office.
    let found = c.ok(&c.manager, "head_office_lookup", json!({"q": PHONE})).await;
    c.ok(&c.manager, "adopt_head_office_record", json!({"q": PHONE, "target": found["customers"][0]["adopt"]})).await;
    sync_ok(&c).await;

    // SH02 was never shown the customer. It knows the ids and writes them anyway.
    forge(&b, "customer", &customer, json!({"id": customer, "name": "假名字"})).await;
    forge(&b, "vehicle", &car, json!({"id": car, "plate": "沪Z99999"})).await;
    let fake = uuid::Uuid::now_v7().to_string();
    let order = json!({"id": fake, "number": "SH02-M-20261205-0001", "status": "delivered", "checked_in_at": "2026-12-01T08:00:00.000Z",
                       "odometer_in_km": 90_000, "vehicle": {"id": car}, "concerns": [{"id": "k", "text": "发动机大修", "fault_codes": []}]});
    forge(&b, "repair_order", &fake, order).await;
    sync_ok(&b).await;

    let st = status(&b).await;
    let codes: Vec<&str> = st["rejections"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["shared.no_access"; 3], "all three are on SH02's rejection list: {st}");
    assert_eq!(st["pending_changes"], 0, "rejected and acknowledged: the queue moves on");
    assert_eq!(access_at_head_office(&ho, "SH02").await, 0, "trying gave SH02 no access");

    for (t, code) in [(&a, "SH01"), (&c, "SH03")] {
        sync_ok(t).await;
        let page = t.ok(&t.manager, "get_customer", json!({"id": customer})).await;
        assert_eq!(page["customer"]["name"], "罗磊", "{code} sees no rename");
        assert_eq!(t.count(&format!("SELECT COUNT(*) FROM vehicles WHERE plate = '{PLATE}'")).await, 1, "{code} keeps the plate");
    }
    let visits = c.ok(&c.manager, "vehicle_alerts", json!({"vehicle_id": car})).await["other_stations"].clone();
    let from: Vec<&str> = visits.as_array().unwrap().iter().map(|v| v["station_code"].as_str().unwrap()).collect();
    assert_eq!(from, ["SH01"], "SH03 sees SH01's real visit, not SH02's forged one: {visits}");
}

#[tokio::test]
async fn a_lookup_at_the_desk_grants_access_logged_at_the_head_office_and_check_in_reuses_the_customer() {
    let ho = HeadOffice::start().await;
    let (a, b) = (station("SH01").await, station("SH02").await);
    let (customer, car) = customer_at_sh01(&ho, &a).await;
    ho.enroll(&b, "SH02").await;
    sync_ok(&b).await;

    assert_eq!(b.ok(&b.manager, "search", json!({"q": "沪a 12345"})).await["hits"], json!([]), "SH02 has never seen the customer");
    let found = b.ok(&b.manager, "head_office_lookup", json!({"q": "沪a 12345"})).await;
    assert_eq!((found["offline"].clone(), found["query"]["kind"].as_str()), (Value::Null, Some("plate")));
    let hit = &found["customers"][0];
    assert_eq!((hit["name"].as_str(), hit["phones"].clone()), (Some("罗*"), json!(["138****5678"])), "masked: {hit}");
    assert_eq!((hit["vehicles"][0]["plate"].as_str(), hit["vehicles"][0]["matched"].as_bool()), (Some(PLATE), Some(true)));
    assert_eq!(hit["adopt"], json!({"entity": "vehicle", "id": car}));
    assert_eq!(b.count("SELECT COUNT(*) FROM customers").await, 0, "looking stores nothing");
    // Per role (docs/privacy.md): any advisor gets the same masked answer, the workshop may not ask.
    let advisor = b.staff("周顾问", "advisor", "5555").await;
    let by_advisor = b.ok(&advisor, "head_office_lookup", json!({"q": "沪a 12345"})).await;
    assert_eq!(by_advisor["customers"], found["customers"]);
    assert!(!by_advisor.to_string().contains(PHONE) && !by_advisor.to_string().contains("罗磊"), "masked: {by_advisor}");
    for (name, role, pin) in [("赵技师", "technician", "6666"), ("钱质检", "qc_inspector", "7777")] {
        let token = b.staff(name, role, pin).await;
        let err = b.call(&token, "head_office_lookup", json!({"q": "沪a 12345"})).await.unwrap_err();
        assert_eq!(err.code, "auth.forbidden", "{role}");
    }

    let adopted = b.ok(&b.manager, "adopt_head_office_record", json!({"q": "沪a 12345", "target": hit["adopt"]})).await;
    assert_eq!((adopted["customer"]["id"].as_str(), adopted["vehicle_id"].as_str()), (Some(customer.as_str()), Some(car.as_str())));
    assert_eq!(adopted["customer"]["phones"], json!(["138****5678"]), "the desk sees it masked, as any customer of the station");
    let stored: String =
        sqlx::query_scalar("SELECT phone FROM customer_phones WHERE customer_id = ?").bind(&customer).fetch_one(b.station.pool()).await.unwrap();
    assert_eq!(stored, PHONE, "once adopted the record is whole on file");
    assert_eq!(b.count("SELECT COUNT(*) FROM outbox WHERE entity IN ('customer', 'vehicle')").await, 0, "adopting queues nothing");
    let visits = b.ok(&b.manager, "vehicle_alerts", json!({"vehicle_id": car})).await;
    assert_eq!(visits["other_stations"][0]["station_code"], "SH01", "the car's visit to SH01 came with it: {visits}");

    // The grant is logged at the head office: station (from the token), record, time, staff member.
    let me = b.ok(&b.manager, "me", json!({})).await;
    let grants: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT s.code, g.entity || ':' || g.entity_id, g.lookup_kind, g.staff_id, g.staff_name FROM shared_grants g JOIN stations s USING (station_id) ORDER BY g.grant_id",
    )
    .fetch_all(&ho.pool)
    .await
    .unwrap();
    let (staff_id, staff_name) = (me["staff"]["id"].as_str().unwrap().to_string(), me["staff"]["name"].as_str().unwrap().to_string());
    let row = |r: String| ("SH02".to_string(), r, "plate".to_string(), staff_id.clone(), staff_name.clone());
    assert_eq!(grants, vec![row(format!("customer:{customer}")), row(format!("vehicle:{car}"))]);
    let logged_recently = ho.scalar("SELECT count(*) FROM shared_grants WHERE granted_at > now() - interval '1 minute'").await;
    assert_eq!(logged_recently, 2);

    // Check-in continues with that customer and car: no new customer row, and the head office takes SH02's writes.
    let order = b.ok(&b.manager, "check_in", check_in_input(&customer, &car, 15_000)).await;
    assert_eq!(order["customer"]["id"], customer.as_str());
    assert_eq!(b.count("SELECT COUNT(*) FROM customers").await, 1);
    assert_eq!(b.ok(&b.manager, "search", json!({"q": PHONE})).await["hits"][0]["customer"]["id"], customer.as_str(), "found locally from now on");
    sync_ok(&b).await;
    assert_eq!(status(&b).await["rejection_count"], 0, "SH02 has access: nothing it wrote was rejected");
    sync_ok(&a).await;
    let at_a = a.ok(&a.manager, "vehicle_alerts", json!({"vehicle_id": car})).await;
    assert_eq!(at_a["other_stations"][0]["station_code"], "SH02", "SH01 sees the visit to SH02: {at_a}");
    assert_eq!(a.count(&format!("SELECT last_odometer_km FROM vehicles WHERE id = '{car}'")).await, 15_000);
}

#[tokio::test]
async fn offline_or_not_enrolled_the_lookup_says_so_and_the_desk_keeps_its_own_records() {
    let mut ho = HeadOffice::start().await;
    let a = station("SH01").await;
    let b = station("SH02").await;
    customer_at_sh01(&ho, &a).await;

    let alone = b.ok(&b.manager, "head_office_lookup", json!({"q": PHONE})).await;
    assert_eq!((alone["offline"].as_str(), alone["customers"].clone()), (Some("sync.not_enrolled"), json!([])));
    let name = b.ok(&b.manager, "head_office_lookup", json!({"q": "罗磊"})).await;
    assert_eq!((name["query"].clone(), name["offline"].clone()), (Value::Null, Value::Null), "a name is not looked up: nothing is asked");

    ho.enroll(&b, "SH02").await;
    ho.stop().await;
    let started = Instant::now();
    let down = b.ok(&b.manager, "head_office_lookup", json!({"q": PHONE})).await;
    assert_eq!(down["offline"], "sync.unreachable", "{down}");
    assert_eq!(down["query"]["value"], PHONE);
    assert!(started.elapsed() < Duration::from_secs(9), "the desk is not kept waiting");
    let err = b.call(&b.manager, "adopt_head_office_record", json!({"q": PHONE, "target": {"entity": "customer", "id": "x"}})).await.unwrap_err();
    assert_eq!(err.code, "sync.unreachable");
    // The station's own work goes on.
    b.customer_with_vehicle(&b.manager, "王芳", "13912345678", "沪B54321", VIN_B).await;
}

#[tokio::test]
async fn a_customer_who_did_not_consent_to_sharing_is_not_found_by_other_stations() {
    let ho = HeadOffice::start().await;
    let (a, b) = (station("SH01").await, station("SH02").await);
    a.customer_with_vehicle(&a.manager, "赵六", "13700000009", "沪C11111", VIN_B).await;
    ho.enroll(&a, "SH01").await;
    ho.enroll(&b, "SH02").await;
    sync_ok(&a).await;
    let found = b.ok(&b.manager, "head_office_lookup", json!({"q": "13700000009"})).await;
    assert_eq!((found["offline"].clone(), found["customers"].clone()), (Value::Null, json!([])));
}

#[tokio::test]
async fn a_customer_who_withdraws_consent_to_keep_their_data_is_no_longer_found_by_other_stations() {
    let ho = HeadOffice::start().await;
    let (a, b) = (station("SH01").await, station("SH02").await);
    let (customer, _) = customer_at_sh01(&ho, &a).await;
    ho.enroll(&b, "SH02").await;
    let found = b.ok(&b.manager, "head_office_lookup", json!({"q": PHONE})).await;
    assert_eq!(found["customers"].as_array().unwrap().len(), 1, "found while they consent: {found}");

    let fields = json!({"name": "罗磊", "phones": [PHONE], "language": "zh-CN", "consent_data": false});
    a.ok(&a.manager, "update_customer", json!({"id": customer, "fields": fields})).await;
    sync_ok(&a).await;
    let found = b.ok(&b.manager, "head_office_lookup", json!({"q": PHONE})).await;
    assert_eq!((found["offline"].clone(), found["customers"].clone()), (Value::Null, json!([])), "withdrawn at SH01, so not found from SH02");
}
