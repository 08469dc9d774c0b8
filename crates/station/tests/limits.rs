//! Absurd amounts and malformed input, as a new user (or a script) would send
//! them: each answers with a field error that names the input field, never a
//! panic, a 500 or a saturated total, and writes nothing. The limits are
//! `Money::MAX_LINE` and `Money::MAX_ORDER` (docs/release.md, "Robustness").

mod common;

use common::flow::Flow;
use common::TestStation;
use serde_json::{json, Value};
use station::domain::Money;
use station::ApiError;

const MAX_LINE: i64 = Money::MAX_LINE.minor();
const MAX_ORDER: i64 = Money::MAX_ORDER.minor();

fn code_field(e: &ApiError) -> (&str, Option<&str>) {
    (e.code.as_str(), e.field.as_deref())
}

async fn refused(f: &mut Flow<'_>, token: &str, op: &str, input: Value) -> ApiError {
    let outbox = f.t.outbox_count().await;
    let err = f.try_step(token, op, input.clone()).await.expect_err(&format!("{op} {input} should be refused"));
    assert_eq!(f.t.outbox_count().await, outbox, "{op} was refused but wrote a change");
    err
}

fn line(job: &str, quantity_milli: Value, unit_price: Value) -> Value {
    json!({"job_id": job, "kind": "sublet", "description": "外协", "quantity_milli": quantity_milli, "unit_price": unit_price})
}

#[tokio::test]
async fn a_line_beyond_the_line_limit_is_a_field_error_on_the_price_or_the_quantity() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
    let job = f.job(0);
    let advisor = crew.advisor.clone();

    let e = refused(&mut f, &advisor, "add_line", line(&job, json!(1000), json!(MAX_LINE + 1))).await;
    assert_eq!(code_field(&e), ("line.amount_too_large", Some("unit_price")));
    assert_eq!(e.params.get("max").map(String::as_str), Some("10000000.00"));
    let e = refused(&mut f, &advisor, "add_line", line(&job, json!(1000), json!(i64::MAX))).await;
    assert_eq!(code_field(&e), ("line.amount_too_large", Some("unit_price")));
    // Each factor within its limit, their product not: 1,000,000 units at 10,000,000.00.
    let e = refused(&mut f, &advisor, "add_line", line(&job, json!(1_000_000_000), json!(MAX_LINE))).await;
    assert_eq!(code_field(&e), ("line.amount_too_large", Some("quantity_milli")));
    let e = refused(&mut f, &advisor, "add_line", line(&job, json!(2000), json!(MAX_LINE / 2 + 1))).await;
    assert_eq!(code_field(&e), ("line.amount_too_large", Some("quantity_milli")));
    // Beyond what JSON integers carry: a decoding error on that field, not a 500.
    let e = refused(&mut f, &advisor, "add_line", line(&job, json!(1000), json!(1e30))).await;
    assert_eq!(code_field(&e), ("input.malformed", Some("unit_price")));
    let e = refused(&mut f, &advisor, "add_line", line(&job, json!(u64::MAX), json!(100))).await;
    assert_eq!(code_field(&e), ("input.malformed", Some("quantity_milli")));

    // At the limit exactly, the line is taken and its amount is exact.
    let page = f.step(&advisor, "add_line", line(&job, json!(1000), json!(MAX_LINE))).await;
    assert_eq!(page["jobs"][0]["lines"][0]["amount"], json!(MAX_LINE));
}

#[tokio::test]
async fn an_order_at_the_order_limit_totals_exactly_and_one_fen_more_is_refused() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
    let job = f.job(0);
    let advisor = crew.advisor.clone();
    // 88,495,575.22 + 13 % tax (11,504,424.78, rounded half-up) = 100,000,000.00.
    for _ in 0..8 {
        f.step(&advisor, "add_line", line(&job, json!(1000), json!(MAX_LINE))).await;
    }
    f.step(&advisor, "add_line", line(&job, json!(1000), json!(849_557_522))).await;
    let estimate = &f.page["totals"]["estimate"];
    assert_eq!(
        (&estimate["subtotal"], &estimate["tax"], &estimate["total"]),
        (&json!(8_849_557_522_i64), &json!(1_150_442_478_i64), &json!(MAX_ORDER)),
        "the totals at the limit are exact: {estimate}"
    );
    let e = refused(&mut f, &advisor, "add_line", line(&job, json!(1000), json!(1))).await;
    assert_eq!(code_field(&e), ("order.total_too_large", Some("quantity_milli")));
    assert_eq!(e.params.get("max").map(String::as_str), Some("100000000.00"));

    // The customer may authorize that total, and not a fen more in all.
    let e = refused(
        &mut f,
        &advisor,
        "record_authorization",
        json!({"method": "in_person", "approver_name": "王芳", "approved_job_ids": [job], "amount": MAX_ORDER + 1}),
    )
    .await;
    assert_eq!(code_field(&e), ("authorization.amount_too_large", Some("amount")));
    f.move_to(&advisor, "estimate_ready").await;
    f.authorize_all().await;
    assert_eq!(f.page["totals"]["authorized"], json!(MAX_ORDER));
    let e = refused(&mut f, &advisor, "record_authorization", json!({"method": "phone", "approver_name": "王芳", "approved_job_ids": [], "amount": 1})).await;
    assert_eq!(code_field(&e), ("authorization.amount_too_large", Some("amount")));

    // Paid in two payments, the second up to the limit; a third fen is refused.
    let manager = crew.manager.clone();
    f.step(&manager, "record_payment", json!({"payment": {"method": "card", "amount": MAX_ORDER - 1}})).await;
    let e = refused(&mut f, &manager, "record_payment", json!({"payment": {"method": "card", "amount": 2}})).await;
    assert_eq!(code_field(&e), ("payment.amount_too_large", Some("payment.amount")));
    f.step(&manager, "record_payment", json!({"payment": {"method": "cash", "amount": 1}})).await;
    assert_eq!((&f.page["totals"]["paid"], &f.page["totals"]["balance"]), (&json!(MAX_ORDER), &json!(0)));
}

#[tokio::test]
async fn a_payment_beyond_the_order_limit_names_the_payment_that_is_too_large() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "ready_for_pickup").await;
    let advisor = crew.advisor.clone();

    let e = refused(&mut f, &advisor, "record_payment", json!({"payment": {"method": "wechat", "amount": i64::MAX}})).await;
    assert_eq!(code_field(&e), ("payment.amount_too_large", Some("payment.amount")));
    let e = refused(&mut f, &advisor, "record_payment", json!({"payment": {"method": "wechat", "amount": 0}})).await;
    assert_eq!(code_field(&e), ("payment.amount", Some("payment.amount")));
    // Two payments that overflow i64 together: the second is named, and neither is written.
    let payments = json!([{"method": "cash", "amount": i64::MAX / 2 + 1}, {"method": "card", "amount": i64::MAX / 2 + 1}]);
    let e = refused(&mut f, &advisor, "deliver", json!({"odometer_out_km": 10_012, "payments": payments})).await;
    assert_eq!(code_field(&e), ("payment.amount_too_large", Some("payments.0.amount")));
    let payments = json!([{"method": "cash", "amount": MAX_ORDER - 5}, {"method": "card", "amount": 6}]);
    let e = refused(&mut f, &advisor, "deliver", json!({"odometer_out_km": 10_012, "payments": payments})).await;
    assert_eq!(code_field(&e), ("payment.amount_too_large", Some("payments.1.amount")));
    assert_eq!(f.page["payments"], json!([]));
    assert_eq!(f.status(), "ready_for_pickup");
}

#[tokio::test]
async fn prices_rates_and_stock_beyond_their_limits_are_field_errors_and_the_stock_value_still_sums() {
    let t = TestStation::new().await;
    let m = t.manager.clone();
    let part = json!({"part_no": "P-1", "name": "滤清器", "bin": "A", "unit_price": MAX_LINE + 1, "reorder_point_milli": 0});
    let e = t.call(&m, "save_part", part).await.expect_err("price too large");
    assert_eq!(code_field(&e), ("part.price_too_large", Some("unit_price")));
    let op = json!({"code": "X1", "description": "大修", "standard_hours_milli": 1000, "rate": i64::MAX});
    let e = t.call(&m, "save_labor_operation", op).await.expect_err("rate too large");
    assert_eq!(code_field(&e), ("labor.rate_too_large", Some("rate")));

    let part = t.part("P-2", MAX_LINE, 999_999_000).await;
    let e = t.call(&m, "receive_stock", json!({"part_id": part, "quantity_milli": 1001})).await.expect_err("too much stock");
    assert_eq!(code_field(&e), ("stock.too_much", Some("quantity_milli")));
    t.ok(&m, "receive_stock", json!({"part_id": part, "quantity_milli": 1000})).await;
    // Ten such parts are worth 10^19 thousandths of a fen, beyond 2^63: SQLite's SUM
    // of them failed (a 500); the report now sums them in i128 and answers.
    for n in 0..9 {
        t.part(&format!("Q-{n}"), MAX_LINE, 1_000_000_000).await;
    }
    t.ok(&m, "kpi_report", json!({"preset": "this_week"})).await;
}

#[tokio::test]
async fn malformed_input_names_the_field_and_never_echoes_the_value_as_one() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let m = &t.manager;
    let field_of = |r: Result<Value, ApiError>| r.map(|_| ()).map_err(|e| (e.code, e.field));

    // Wrong type: the field, not the value ("5").
    let r = t.call(m, "create_customer", json!({"name": 5, "phones": ["13812345678"], "language": "zh-CN"})).await;
    assert_eq!(field_of(r), Err(("input.malformed".to_string(), Some("name".to_string()))));
    // Unknown enum value: the field, not the value.
    let r = t.call(m, "create_staff", json!({"name": "钱", "role": "overlord", "pin": "5555"})).await;
    assert_eq!(field_of(r), Err(("input.malformed".to_string(), Some("role".to_string()))));
    // Missing field: named at the top level ...
    let r = t.call(m, "create_staff", json!({"name": "钱", "pin": "5555"})).await;
    assert_eq!(field_of(r), Err(("input.malformed".to_string(), Some("role".to_string()))));
    // ... and inside arrays and objects, as the path to it with indexes.
    let mut input = common::check_in_input(&crew.customer, &crew.vehicle, 12_000);
    input["concerns"] = json!([{"text": "异响"}, {"text": "漏油"}, {"text": 7}]);
    let r = t.call(&crew.advisor, "check_in", input.clone()).await;
    assert_eq!(field_of(r), Err(("input.malformed".to_string(), Some("concerns.2.text".to_string()))));
    input["concerns"] = json!([{"text": "异响"}]);
    input["damage_marks"] = json!([{"x": 1, "y": 2, "kind": "scratch"}, {"x": 1, "kind": "dent"}]);
    let r = t.call(&crew.advisor, "check_in", input.clone()).await;
    assert_eq!(field_of(r), Err(("input.malformed".to_string(), Some("damage_marks.1.y".to_string()))));
    let f = Flow::in_status(&t, &crew, "ready_for_pickup").await;
    let payments = json!([{"method": "cash", "amount": 100}, {"method": "bitcoin", "amount": 100}]);
    let r = t.call(&crew.advisor, "deliver", json!({"ro_id": f.ro, "expected_version": f.version(), "odometer_out_km": 10_100, "payments": payments})).await;
    assert_eq!(field_of(r), Err(("input.malformed".to_string(), Some("payments.1.method".to_string()))));
    // Not an object at all: no field to name, but still the input error.
    for whole in [json!(5), json!("钱"), json!(true)] {
        let r = t.call(m, "create_staff", whole).await;
        assert_eq!(field_of(r), Err(("input.malformed".to_string(), None)));
    }
}
