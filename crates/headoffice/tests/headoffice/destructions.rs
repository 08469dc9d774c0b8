//! A station's destruction of a shared customer and car (issue 12) against the
//! other stations that still hold them: the head office keeps its copy for any
//! station with access to it or with a record naming it, unless that station
//! destroyed it too; a customer and car no other station holds are anonymised
//! and closed to edits, even to a station that had access.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{json, Value};
use sync_protocol::{Change, Op};

use crate::common::{spawn_app, StationSim, TestApp};

fn customer(id: &str) -> Value {
    json!({"id": id, "customer_no": format!("SH01-C-{id}"), "name": "罗磊", "phones": ["13812345678"], "consent_data": true, "merged_into": null})
}

fn vehicle(id: &str, owner: &str) -> Value {
    json!({"id": id, "customer_id": owner, "plate": "沪A12345", "vin": "LSVAM4187C2184529", "make": "Volkswagen", "model": "朗逸"})
}

/// What a station sends when it destroys customer `c` and car `v`: the destruction, then their anonymised fields.
fn destroy(st: &mut StationSim, id: &str, customers: &[&str], vehicles: &[&str]) -> Vec<Change> {
    let subject = customers.first().copied().unwrap_or_default();
    destroy_subject(st, id, ("customer", subject), customers, vehicles)
}

/// A destruction of `subject` (its kind and id: an order, the photos of one, a
/// customer…) that takes `customers` and `vehicles` with it.
fn destroy_subject(st: &mut StationSim, id: &str, subject: (&str, &str), customers: &[&str], vehicles: &[&str]) -> Vec<Change> {
    let mut changes = vec![st.change(
        "destruction",
        id,
        json!({"id": id, "run_id": "run", "kind": subject.0, "subject_id": subject.1, "number": "N",
               "destroyed_at": "2031-11-01T08:00:00.000Z", "destroyed_by": "m1", "documents": [], "erase": [], "patch": [], "files": [],
               "customers": customers, "vehicles": vehicles}),
    )];
    for c in customers {
        let fields = json!({"id": c, "name": "已销毁", "phones": []});
        changes.push(st.change_op("customer", c, Op::Upsert, fields, Some(vec!["name".into(), "phones".into()])));
    }
    for v in vehicles {
        let fields = json!({"id": v, "plate": null, "vin": null});
        changes.push(st.change_op("vehicle", v, Op::Upsert, fields, Some(vec!["plate".into(), "vin".into()])));
    }
    changes
}

/// The customer's name and the car's plate at the head office, and how many of the two are closed to edits.
async fn at_head_office(app: &TestApp, c: &str, v: &str) -> (Option<String>, Option<String>, i64) {
    sqlx::query_as(
        "SELECT (SELECT fields->>'name' FROM shared_records WHERE entity = 'customer' AND entity_id = $1),
                (SELECT fields->>'plate' FROM shared_records WHERE entity = 'vehicle' AND entity_id = $2),
                (SELECT count(*) FROM destroyed_shared WHERE (entity = 'customer' AND entity_id = $1) OR (entity = 'vehicle' AND entity_id = $2))",
    )
    .bind(c)
    .bind(v)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_head_office_keeps_a_destroyed_customer_and_car_for_any_other_station_that_still_holds_them_and_anonymises_those_nobody_else_holds() {
    let app = spawn_app().await;
    let mut a = app.station("SH01").await;
    let mut b = app.station("SH02").await;
    // How station SH02 holds customer c-<case> and car v-<case> of SH01, and what the head office keeps of them.
    let kept = (Some("罗磊".to_string()), Some("沪A12345".to_string()), 0);
    let customer_only = (Some("罗磊".to_string()), None, 1);
    let gone = (Some("已销毁".to_string()), None, 2);
    let cases: [(&str, _); 9] = [
        ("nothing", gone.clone()),
        ("a lookup grant of the customer", customer_only.clone()),
        ("a lookup grant of the car (its copy names the owner)", kept.clone()),
        ("a complaint naming the customer", customer_only.clone()),
        ("a complaint naming the car", kept.clone()),
        ("a service request naming the customer", customer_only.clone()),
        ("a service request naming the car", kept.clone()),
        ("a follow-up call naming the customer", customer_only.clone()),
        ("access to both, but it destroyed the customer itself", gone.clone()),
    ];
    let ids = |i: usize| (format!("c{i}"), format!("v{i}"));
    let mut mine = Vec::new();
    for i in 0..cases.len() {
        let (c, v) = ids(i);
        mine.push(a.change("customer", &c, customer(&c)));
        mine.push(a.change("vehicle", &v, vehicle(&v, &c)));
    }
    assert_eq!(app.push_ok(&a.token, &a.batch(mine)).await.rejected, 0);

    let mut theirs = Vec::new();
    for (i, (how, _)) in cases.iter().enumerate() {
        let (c, v) = ids(i);
        let named = |entity: &str, field: &str, id: &str, b: &mut StationSim| {
            let rid = format!("{entity}-{i}");
            b.change(entity, &rid, json!({"id": rid, "number": format!("SH02-{i}"), "status": "closed", field: id}))
        };
        match *how {
            "nothing" => {}
            "a lookup grant of the customer" => app.grant("SH02", "customer", &c).await,
            "a lookup grant of the car (its copy names the owner)" => app.grant("SH02", "vehicle", &v).await,
            "a complaint naming the customer" => theirs.push(named("complaint", "customer_id", &c, &mut b)),
            "a complaint naming the car" => theirs.push(named("complaint", "vehicle_id", &v, &mut b)),
            "a service request naming the customer" => theirs.push(named("service_request", "customer_id", &c, &mut b)),
            "a service request naming the car" => theirs.push(named("service_request", "vehicle_id", &v, &mut b)),
            "a follow-up call naming the customer" => theirs.push(named("follow_up", "customer_id", &c, &mut b)),
            "access to both, but it destroyed the customer itself" => {
                // Its destruction lists the customer but not the car: it kept the car for SH01's visits, not on its own account.
                app.grant("SH02", "customer", &c).await;
                app.grant("SH02", "vehicle", &v).await;
                theirs.extend(destroy(&mut b, "d-sh02", &[&c], &[]));
            }
            other => unreachable!("{other}"),
        }
    }
    assert_eq!(app.push_ok(&b.token, &b.batch(theirs)).await.rejected, 0);
    let last = cases.len() - 1;
    assert_eq!(at_head_office(&app, &ids(last).0, &ids(last).1).await, kept, "SH01 still holds what SH02 destroyed");

    // SH01 destroys every one of them in one push.
    let mut destroyed = Vec::new();
    for i in 0..cases.len() {
        let (c, v) = ids(i);
        destroyed.extend(destroy(&mut a, &format!("d{i}"), &[&c], &[&v]));
    }
    assert_eq!(app.push_ok(&a.token, &a.batch(destroyed)).await.rejected, 0);
    let mut wrong = Vec::new();
    for (i, (how, expected)) in cases.iter().enumerate() {
        let (c, v) = ids(i);
        let got = at_head_office(&app, &c, &v).await;
        if &got != expected {
            wrong.push(format!("SH02 holds them by {how}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");

    // A late edit from SH02, which destroyed the customer itself (as its copy restored from an older backup would send), is refused.
    let (c, _) = ids(last);
    let late = b.change_op("customer", &c, Op::Upsert, json!({"id": c, "name": "罗磊"}), Some(vec!["name".into()]));
    assert_eq!(app.push_ok(&b.token, &b.batch(vec![late])).await.rejected, 1);
    let refused = app.rejections(&b.token).await.rejections;
    assert_eq!((refused[0].code.as_str(), refused[0].entity_id.as_str()), ("change.destroyed", c.as_str()));
    assert_eq!(at_head_office(&app, &c, &ids(last).1).await.0.as_deref(), Some("已销毁"));
}

#[tokio::test]
async fn a_station_that_destroyed_a_customer_kept_for_another_does_not_find_or_adopt_them_again_and_the_other_stations_still_do() {
    let app = spawn_app().await;
    let mut a = app.station("SH01").await;
    let _b = app.station("SH02").await;
    let c = app.station("SH03").await;
    let mine = vec![a.change("customer", "c1", customer("c1")), a.change("vehicle", "v1", vehicle("v1", "c1"))];
    assert_eq!(app.push_ok(&a.token, &a.batch(mine)).await.rejected, 0);
    app.grant("SH02", "customer", "c1").await;
    app.grant("SH02", "vehicle", "v1").await;
    let destroyed = destroy(&mut a, "d1", &["c1"], &["v1"]);
    assert_eq!(app.push_ok(&a.token, &a.batch(destroyed)).await.rejected, 0);
    assert_eq!(at_head_office(&app, "c1", "v1").await.0.as_deref(), Some("罗磊"), "kept for SH02");

    let found = |st: &StationSim, kind: &'static str, value: &'static str| {
        let (app, token) = (&app, st.token.clone());
        async move {
            let res = app.post_json(&token, "/v1/lookup", &json!({"kind": kind, "value": value})).await;
            assert_eq!(res.status(), reqwest::StatusCode::OK);
            let body: Value = res.json().await.unwrap();
            body["customers"].as_array().unwrap().iter().map(|c| c["customer_id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        }
    };
    for (kind, value) in [("phone", "13812345678"), ("plate", "沪A12345"), ("vin", "LSVAM4187C2184529")] {
        assert_eq!(found(&a, kind, value).await, Vec::<String>::new(), "SH01 destroyed them: by {kind} it finds nothing");
        assert_eq!(found(&c, kind, value).await, ["c1"], "SH03 finds the customer SH02 still holds, by {kind}");
    }
    let adopt = json!({"kind": "phone", "value": "13812345678", "entity": "customer", "entity_id": "c1", "staff_id": "s1", "staff_name": "李顾问"});
    let res = app.post_json(&a.token, "/v1/lookup/adopt", &adopt).await;
    assert_eq!(res.status(), reqwest::StatusCode::NOT_FOUND, "{}", res.text().await.unwrap());
    assert_eq!(app.count("shared_grants").await, 0, "nothing granted to SH01");
}

/// A station's order for car `v` in the name of customer `p`.
fn order(st: &mut StationSim, id: &str, v: &str, p: &str) -> Change {
    st.change("repair_order", id, json!({"id": id, "number": format!("SH02-{id}"), "status": "closed", "vehicle": {"id": v}, "customer": {"id": p}}))
}

#[tokio::test]
async fn a_car_another_station_serviced_for_its_previous_owner_is_kept_for_that_station_after_its_current_owner_is_destroyed_everywhere() {
    let app = spawn_app().await;
    let mut a = app.station("SH01").await;
    let mut b = app.station("SH02").await;
    // SH02 serviced car v<i> for its previous owner p<i> (SH02's customer), then
    // adopted the current owner c<i>, and has since destroyed c<i> but not the car.
    let kept_car = (Some("已销毁".to_string()), Some("沪A12345".to_string()), 1);
    let gone = (Some("已销毁".to_string()), None, 2);
    let cases: [(&str, _); 3] =
        [("its order is kept", kept_car.clone()), ("it destroyed the photos of its order, not the order", kept_car), ("it destroyed its order too", gone)];
    let mut mine = Vec::new();
    for i in 0..cases.len() {
        mine.push(a.change("customer", &format!("c{i}"), customer(&format!("c{i}"))));
        mine.push(a.change("vehicle", &format!("v{i}"), vehicle(&format!("v{i}"), &format!("c{i}"))));
    }
    assert_eq!(app.push_ok(&a.token, &a.batch(mine)).await.rejected, 0);
    let mut theirs = Vec::new();
    for (i, (how, _)) in cases.iter().enumerate() {
        let (c, v, p, o) = (format!("c{i}"), format!("v{i}"), format!("p{i}"), format!("o{i}"));
        app.grant("SH02", "customer", &c).await;
        app.grant("SH02", "vehicle", &v).await;
        theirs.push(b.change("customer", &p, json!({"id": p, "name": "宋佳", "phones": ["13900001111"], "consent_data": true})));
        theirs.push(order(&mut b, &o, &v, &p));
        theirs.extend(destroy(&mut b, &format!("dc{i}"), &[&c], &[]));
        match *how {
            "its order is kept" => {}
            "it destroyed the photos of its order, not the order" => theirs.extend(destroy_subject(&mut b, &format!("do{i}"), ("photos", &o), &[], &[])),
            "it destroyed its order too" => theirs.extend(destroy_subject(&mut b, &format!("do{i}"), ("repair_order", &o), &[], &[])),
            other => unreachable!("{other}"),
        }
    }
    assert_eq!(app.push_ok(&b.token, &b.batch(theirs)).await.rejected, 0);

    let mut destroyed = Vec::new();
    for i in 0..cases.len() {
        destroyed.extend(destroy(&mut a, &format!("d{i}"), &[&format!("c{i}")], &[&format!("v{i}")]));
    }
    assert_eq!(app.push_ok(&a.token, &a.batch(destroyed)).await.rejected, 0);
    let mut wrong = Vec::new();
    for (i, (how, expected)) in cases.iter().enumerate() {
        let got = at_head_office(&app, &format!("c{i}"), &format!("v{i}")).await;
        if &got != expected {
            wrong.push(format!("when {how}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "the customer no station holds is anonymised; the car only while SH02's order of it is kept: {wrong:#?}");
}

/// Runs `request` while `holder` (a transaction standing for another request
/// in flight, holding rows) is open, and commits it half a second later.
/// Returns the answer, and whether it was still awaited when `holder` committed.
async fn while_uncommitted<T>(holder: sqlx::Transaction<'_, sqlx::Postgres>, request: impl std::future::Future<Output = T>) -> (T, bool) {
    let answered = AtomicBool::new(false);
    let ask = async {
        let answer = request.await;
        answered.store(true, Ordering::SeqCst);
        answer
    };
    let commit = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let waited = !answered.load(Ordering::SeqCst);
        holder.commit().await.unwrap();
        waited
    };
    tokio::join!(ask, commit)
}

/// Station SH01's customer c1 with car v1.
async fn one_shared_customer() -> (TestApp, StationSim) {
    let app = spawn_app().await;
    let mut a = app.station("SH01").await;
    let mine = vec![a.change("customer", "c1", customer("c1")), a.change("vehicle", "v1", vehicle("v1", "c1"))];
    assert_eq!(app.push_ok(&a.token, &a.batch(mine)).await.rejected, 0);
    (app, a)
}

#[tokio::test]
async fn a_destruction_pushed_while_a_lookup_is_granting_the_customer_to_another_station_waits_for_the_grant_and_keeps_the_customer_for_it() {
    let (app, mut a) = one_shared_customer().await;
    app.station("SH02").await;
    // SH02's adoption, not yet committed: it holds the customer's row, as `/v1/lookup/adopt` does, and has written its grants.
    let mut adoption = app.pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM shared_records WHERE entity = 'customer' AND entity_id = 'c1' FOR UPDATE").execute(&mut *adoption).await.unwrap();
    for (entity, id) in [("customer", "c1"), ("vehicle", "v1")] {
        sqlx::query("INSERT INTO shared_access (station_id, entity, entity_id) SELECT station_id, $1, $2 FROM stations WHERE code = 'SH02'")
            .bind(entity)
            .bind(id)
            .execute(&mut *adoption)
            .await
            .unwrap();
    }

    let changes = destroy(&mut a, "d1", &["c1"], &["v1"]);
    let batch = a.batch(changes);
    let (ack, waited) = while_uncommitted(adoption, app.push_ok(&a.token, &batch)).await;
    assert!(waited, "the destruction waited for the adoption that held the customer");
    assert_eq!(ack.rejected, 0);
    assert_eq!(at_head_office(&app, "c1", "v1").await, (Some("罗磊".to_string()), Some("沪A12345".to_string()), 0), "kept for SH02, which adopted them");
}

#[tokio::test]
async fn a_lookup_adoption_while_another_station_destroys_the_customer_waits_for_the_destruction_and_then_grants_nothing() {
    let (app, _a) = one_shared_customer().await;
    let sh02 = app.station("SH02").await;
    // SH01's destruction of its only holder's customer, not yet committed: it holds the row and has anonymised it.
    let mut destruction = app.pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM shared_records WHERE (entity, entity_id) IN (('customer', 'c1'), ('vehicle', 'v1')) ORDER BY entity FOR UPDATE")
        .execute(&mut *destruction)
        .await
        .unwrap();
    sqlx::query("UPDATE shared_records SET fields = fields || '{\"name\": \"已销毁\", \"phones\": []}'::jsonb WHERE entity = 'customer' AND entity_id = 'c1'")
        .execute(&mut *destruction)
        .await
        .unwrap();
    sqlx::query("UPDATE shared_records SET fields = fields || '{\"plate\": null, \"vin\": null}'::jsonb WHERE entity = 'vehicle' AND entity_id = 'v1'")
        .execute(&mut *destruction)
        .await
        .unwrap();

    let adopt = json!({"kind": "phone", "value": "13812345678", "entity": "customer", "entity_id": "c1", "staff_id": "s1", "staff_name": "李顾问"});
    let (res, waited) = while_uncommitted(destruction, app.post_json(&sh02.token, "/v1/lookup/adopt", &adopt)).await;
    assert!(waited, "the adoption waited for the destruction that held the customer");
    assert_eq!(res.status(), reqwest::StatusCode::NOT_FOUND, "{}", res.text().await.unwrap());
    assert_eq!(app.count("shared_grants").await, 0, "nothing granted");
    assert_eq!(app.count("shared_access a JOIN stations s USING (station_id) WHERE s.code = 'SH02'").await, 0, "no access to a destroyed customer");
}
