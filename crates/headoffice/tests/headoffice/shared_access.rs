//! Customers shared between stations (issue 12): a station writes only the
//! shared records it has access to, and only those vehicles' history; a lookup
//! by an exact phone, plate or VIN answers masked, and adopting a result grants
//! access, logged with the station, the record, the time and the staff member.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sync_protocol::lookup::{AdoptResponse, LookupResponse};
use sync_protocol::{ErrorCode, Op};

use crate::common::{expect_error, spawn_app, StationSim, TestApp};

const VIN: &str = "LSVAM4187C2184529";

fn customer(id: &str, name: &str, phone: &str, consent: bool) -> Value {
    json!({"id": id, "customer_no": "SH01-C-000001", "name": name, "phones": [phone], "consent_data": consent, "merged_into": null})
}

fn vehicle(id: &str, owner: &str, plate: &str, vin: &str) -> Value {
    json!({"id": id, "customer_id": owner, "plate": plate, "vin": vin, "make": "Volkswagen", "model": "朗逸", "model_year": 2022})
}

fn order(id: &str, vehicle: &str, concern: &str) -> Value {
    json!({"id": id, "number": format!("N-{id}"), "status": "checked_in", "checked_in_at": "2026-11-01T08:00:00.000Z",
           "odometer_in_km": 12000, "vehicle": {"id": vehicle}, "concerns": [{"id": "k1", "text": concern, "fault_codes": []}]})
}

/// SH01 creates 罗磊 (13812345678, consenting) with 沪A12345 and has it checked in once.
async fn sh01_with_customer(app: &TestApp) -> StationSim {
    let mut a = app.station("SH01").await;
    let changes = vec![
        a.change("customer", "c1", customer("c1", "罗磊", "13812345678", true)),
        a.change("vehicle", "v1", vehicle("v1", "c1", "沪A12345", VIN)),
        a.change("repair_order", "r1", order("r1", "v1", "常规保养")),
    ];
    assert_eq!(app.push_ok(&a.token, &a.batch(changes)).await.rejected, 0);
    a
}

async fn name_at_head_office(app: &TestApp, id: &str) -> Value {
    sqlx::query_scalar("SELECT fields->'name' FROM shared_records WHERE entity = 'customer' AND entity_id = $1").bind(id).fetch_one(&app.pool).await.unwrap()
}

async fn access_of(app: &TestApp, code: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT a.entity || ':' || a.entity_id FROM shared_access a JOIN stations s USING (station_id) WHERE s.code = $1 ORDER BY 1")
        .bind(code)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

async fn lookup(app: &TestApp, st: &StationSim, kind: &str, value: &str) -> LookupResponse {
    let res = app.post_json(&st.token, "/v1/lookup", &json!({"kind": kind, "value": value})).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn adopt_body(kind: &str, value: &str, entity: &str, id: &str) -> Value {
    json!({"kind": kind, "value": value, "entity": entity, "entity_id": id, "staff_id": "staff-7", "staff_name": "李顾问"})
}

#[tokio::test]
async fn a_station_without_access_cannot_write_another_stations_customer_and_gains_no_access_by_trying() {
    let app = spawn_app().await;
    let mut a = sh01_with_customer(&app).await;
    let mut b = app.station("SH02").await;
    let mut c = app.station("SH03").await;
    app.grant("SH03", "customer", "c1").await;

    // SH02 knows the id and renames the customer, edits the car, then deletes the customer.
    let rename = b.change_op("customer", "c1", Op::Upsert, json!({"id": "c1", "name": "假名字"}), Some(vec!["name".into()]));
    let recar = b.change_op("vehicle", "v1", Op::Upsert, json!({"id": "v1", "plate": "沪Z99999"}), Some(vec!["plate".into()]));
    let delete = b.change_op("customer", "c1", Op::Delete, json!({"id": "c1"}), None);
    let ack = app.push_ok(&b.token, &b.batch(vec![rename, recar, delete])).await;
    assert_eq!(ack.rejected, 3, "all three are rejected, and acknowledged so the queue moves on");
    let listed = app.rejections(&b.token).await.rejections;
    assert_eq!(listed.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), ["shared.no_access"; 3]);
    assert!(listed[0].message.contains("look it up at the head office"), "{}", listed[0].message);

    assert_eq!(name_at_head_office(&app, "c1").await, "罗磊", "the head office kept the name");
    assert!(access_of(&app, "SH02").await.is_empty(), "trying gave SH02 no access");
    assert!(app.pull_all(&b.token).await.iter().all(|f| f.entity_id != "c1" && f.entity_id != "v1"), "SH02 pulls nothing of them");
    for st in [&mut a, &mut c] {
        let feed = app.pull_all(&st.token).await;
        let pulled = feed.iter().find(|f| f.entity_id == "c1").unwrap();
        assert_eq!((pulled.payload["name"].as_str(), pulled.op), (Some("罗磊"), Op::Upsert), "{} sees no change", st.code);
    }

    // A brand-new customer is SH02's own: creating it is what gives access.
    let own = b.change("customer", "c2", customer("c2", "王芳", "13912345678", true));
    assert_eq!(app.push_ok(&b.token, &b.batch(vec![own])).await.rejected, 0);
    assert_eq!(access_of(&app, "SH02").await, ["customer:c2"]);
}

#[tokio::test]
async fn history_is_accepted_only_for_vehicles_the_station_has_access_to() {
    let app = spawn_app().await;
    let a = sh01_with_customer(&app).await;
    let mut b = app.station("SH02").await;
    let c = app.station("SH03").await;
    app.grant("SH03", "vehicle", "v1").await;

    let forged = b.change("repair_order", "fake", order("fake", "v1", "发动机大修"));
    let ack = app.push_ok(&b.token, &b.batch(vec![forged])).await;
    assert_eq!(ack.rejected, 1);
    let listed = app.rejections(&b.token).await.rejections;
    assert_eq!((listed[0].code.as_str(), listed[0].entity.as_str()), ("shared.no_access", "repair_order"));
    assert_eq!(app.count("records WHERE entity = 'repair_order' AND entity_id = 'fake'").await, 0, "the forged order is not stored");

    let seen_by_c = app.pull_all(&c.token).await;
    let v = seen_by_c.iter().find(|f| f.entity_id == "v1").unwrap();
    let history: Vec<&str> = v.history.as_ref().unwrap().iter().map(|h| h.station_code.as_str()).collect();
    assert_eq!(history, ["SH01"], "SH03 sees SH01's real visit, not SH02's forged one");
    let own = app.pull_all(&a.token).await;
    assert_eq!(own.iter().find(|f| f.entity_id == "v1").unwrap().history.as_deref(), Some(&[][..]));

    // Once a lookup gave SH02 the car, its own check-in of it is history like any other.
    app.grant("SH02", "vehicle", "v1").await;
    let real = b.change("repair_order", "r2", order("r2", "v1", "刹车异响"));
    assert_eq!(app.push_ok(&b.token, &b.batch(vec![real])).await.rejected, 0);
    let v = app.pull_all(&c.token).await.into_iter().find(|f| f.entity_id == "v1").unwrap();
    assert_eq!(v.history.unwrap().len(), 2);
}

#[tokio::test]
async fn a_merge_naming_a_customer_the_station_has_no_access_to_is_rejected_and_grants_nothing() {
    let app = spawn_app().await;
    let _a = sh01_with_customer(&app).await;
    let mut b = app.station("SH02").await;
    let own = b.change("customer", "cb", customer("cb", "王芳", "13912345678", true));
    app.push_ok(&b.token, &b.batch(vec![own])).await;
    // SH02 claims it merged its own customer into SH01's: were it followed, SH02 (which knows the loser) would be given c1 and v1.
    let after = json!({"survivor_id": "c1", "loser_id": "cb", "vehicles": ["v1"]}).to_string();
    let merge = b.change("audit_log", "m1", json!({"id": "m1", "entity": "customer", "entity_id": "cb", "action": "merge", "after": after}));
    let ack = app.push_ok(&b.token, &b.batch(vec![merge])).await;
    assert_eq!(ack.rejected, 1);
    assert_eq!(access_of(&app, "SH02").await, ["customer:cb"], "SH02 was given nothing");
}

#[tokio::test]
async fn a_lookup_answers_masked_by_exact_phone_plate_or_vin_only_for_consenting_customers() {
    let app = spawn_app().await;
    let mut a = sh01_with_customer(&app).await;
    let refused = a.change("customer", "c9", customer("c9", "赵六", "13700000009", false));
    app.push_ok(&a.token, &a.batch(vec![refused])).await;
    let b = app.station("SH02").await;

    let by_phone = lookup(&app, &b, "phone", "13812345678").await;
    assert_eq!(by_phone.customers.len(), 1);
    let found = &by_phone.customers[0];
    assert_eq!((found.customer_id.as_str(), found.name.as_str(), found.phones.clone()), ("c1", "罗*", vec!["138****5678".to_string()]));
    let car = &found.vehicles[0];
    assert_eq!((car.plate.as_deref(), car.vin.as_deref(), car.matched), (Some("沪A***45"), Some("LSV**********4529"), false));

    let by_plate = lookup(&app, &b, "plate", "沪a·12345").await;
    let car = &by_plate.customers[0].vehicles[0];
    assert_eq!((car.plate.as_deref(), car.matched), (Some("沪A12345"), true), "the plate the desk typed is shown whole");
    assert_eq!(by_plate.customers[0].phones, ["138****5678"]);
    let by_vin = lookup(&app, &b, "vin", &VIN.to_lowercase()).await;
    assert_eq!(by_vin.customers[0].vehicles[0].vin.as_deref(), Some(VIN));

    assert!(lookup(&app, &b, "phone", "13700000009").await.customers.is_empty(), "no consent to share: not found");
    assert!(lookup(&app, &b, "phone", "13812345679").await.customers.is_empty());
    let fragment = app.post_json(&b.token, "/v1/lookup", &json!({"kind": "phone", "value": "138"})).await;
    let err = expect_error(fragment, StatusCode::BAD_REQUEST).await;
    assert!(err.message.starts_with("value:"), "the error names the field: {}", err.message);
    assert!(access_of(&app, "SH02").await.is_empty(), "looking is not adopting");
}

#[tokio::test]
async fn adopting_a_lookup_result_grants_access_logged_with_station_record_time_and_staff() {
    let app = spawn_app().await;
    let _a = sh01_with_customer(&app).await;
    let mut b = app.station("SH02").await;
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-05T09:30:00Z").unwrap().with_timezone(&chrono::Utc);
    app.clock.set(at);

    // An id the query does not find is refused, and grants nothing.
    let wrong = app.post_json(&b.token, "/v1/lookup/adopt", &adopt_body("phone", "13900000000", "customer", "c1")).await;
    assert_eq!(expect_error(wrong, StatusCode::NOT_FOUND).await.code, ErrorCode::LookupNotFound);
    let nameless = app
        .post_json(
            &b.token,
            "/v1/lookup/adopt",
            &json!({"kind": "plate", "value": "沪A12345", "entity": "vehicle", "entity_id": "v1", "staff_id": "s", "staff_name": " "}),
        )
        .await;
    assert!(expect_error(nameless, StatusCode::BAD_REQUEST).await.message.starts_with("staff_name:"));
    assert!(access_of(&app, "SH02").await.is_empty());

    let res = app.post_json(&b.token, "/v1/lookup/adopt", &adopt_body("plate", "沪A12345", "vehicle", "v1")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let adopted: AdoptResponse = res.json().await.unwrap();
    assert_eq!((adopted.customer_id.as_str(), adopted.vehicle_id.as_deref()), ("c1", Some("v1")));
    let kinds: Vec<(&str, &str)> = adopted.records.iter().map(|r| (r.entity.as_str(), r.entity_id.as_str())).collect();
    assert_eq!(kinds, [("customer", "c1"), ("vehicle", "v1")]);
    assert_eq!(adopted.records[0].payload["phones"], json!(["13812345678"]), "the adopted record is whole: the station needs it to serve the customer");
    assert!(adopted.records[0].field_hlcs.as_ref().is_some_and(|h| h.contains_key("name")));
    assert_eq!(adopted.records[1].history.as_ref().unwrap()[0].station_code, "SH01", "the car's visits elsewhere come with it");

    type Grant = (String, String, String, String, String, String, chrono::DateTime<chrono::Utc>);
    let log: Vec<Grant> = sqlx::query_as(
        "SELECT s.code, g.entity, g.entity_id, g.lookup_kind, g.staff_id, g.staff_name, g.granted_at FROM shared_grants g JOIN stations s USING (station_id) ORDER BY g.grant_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let row = |e: &str, i: &str| (String::from("SH02"), e.to_string(), i.to_string(), "plate".to_string(), "staff-7".to_string(), "李顾问".to_string(), at);
    assert_eq!(log, vec![row("customer", "c1"), row("vehicle", "v1")]);
    let tamper = sqlx::query("UPDATE shared_grants SET staff_name = 'x'").execute(&app.pool).await;
    assert!(tamper.is_err(), "the grant log is append-only");

    // Adopting again grants nothing new and logs nothing new.
    let again = app.post_json(&b.token, "/v1/lookup/adopt", &adopt_body("plate", "沪A12345", "vehicle", "v1")).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(app.count("shared_grants").await, 2);

    // From now on SH02 may write the customer, and pulls it.
    let edit = b.change_op("customer", "c1", Op::Upsert, json!({"id": "c1", "notes": "二店来访"}), Some(vec!["notes".into()]));
    assert_eq!(app.push_ok(&b.token, &b.batch(vec![edit])).await.rejected, 0);
    assert!(app.pull_all(&b.token).await.iter().any(|f| f.entity_id == "c1" && f.payload["notes"] == "二店来访"));
}
