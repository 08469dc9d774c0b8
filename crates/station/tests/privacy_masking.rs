//! Issue 12, masking and access: every role against every read of personal
//! data (masked or not, logged or not), showing a whole number (who may, with
//! which reason, logged), and the access register (written for each opening of
//! an archive, append-only, read by a manager filtered by staff and customer).
#![allow(clippy::unwrap_used)]

mod common;

use common::flow::{Crew, Flow};
use common::{check_in_input, TestStation, VIN_B};
use serde_json::{json, Value};

const WHOLE: &str = "13812345678";
const MASKED: &str = "138****5678";
const EMAIL: &str = "wang.fang@example.com";

/// What a role sees of the customer's phone in an answer.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sees {
    /// `138****5678`, never the whole number.
    Masked,
    /// Neither the number nor its masked form (a technician).
    Nothing,
}

/// A station with the crew, the customer 王芳 (13812345678, an e-mail) and an
/// order the crew's advisor checked in; returns the order's id.
async fn setup() -> (TestStation, Crew, String) {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    // Sent back masked, as the edit form does: the number is kept.
    let fields = json!({"name": "王芳", "phones": [MASKED], "email": EMAIL, "language": "zh-CN"});
    t.ok(&crew.advisor, "update_customer", json!({"id": crew.customer, "fields": fields})).await;
    let ro = Flow::check_in(&t, &crew).await.ro;
    (t, crew, ro)
}

async fn entries(t: &TestStation) -> i64 {
    t.count("SELECT COUNT(*) FROM access_register").await
}

fn assert_sees(answer: &Value, sees: Sees, what: &str) {
    let text = answer.to_string();
    assert!(!text.contains(WHOLE), "{what}: the whole number must never be in the answer");
    assert!(!text.contains(EMAIL), "{what}: the whole e-mail must never be in the answer");
    match sees {
        Sees::Masked => assert!(text.contains(MASKED), "{what}: the masked number is shown"),
        Sees::Nothing => assert!(!text.contains(MASKED), "{what}: not even the masked number is shown"),
    }
}

#[tokio::test]
async fn every_role_sees_phone_numbers_masked_or_not_at_all_and_every_opening_of_an_archive_is_logged() {
    let (t, crew, ro) = setup().await;
    // (read, input, what the desk sees, whether an opening is logged)
    let reads: [(&str, Value, bool); 6] = [
        ("search", json!({"q": "王芳"}), false),
        ("board", json!({}), false),
        ("my_jobs", json!({}), false),
        ("get_customer", json!({"id": crew.customer}), true),
        ("get_order_detail", json!({"id": ro}), true),
        ("get_repair_order", json!({"id": ro}), true),
    ];
    for role in ["advisor", "technician", "qc_inspector", "manager"] {
        let token = crew.token(role).to_string();
        for (op, input, logged) in &reads {
            // The order page and get_repair_order open the same order: apart, so each is an opening of its own.
            if *logged {
                t.advance(chrono::Duration::minutes(31));
            }
            let before = entries(&t).await;
            let answer = t.ok(&token, op, input.clone()).await;
            // The board and the technician's list carry no contact details for anyone.
            let sees = match (*op, role) {
                ("board" | "my_jobs", _) => Sees::Nothing,
                (_, "technician") => Sees::Nothing,
                _ => Sees::Masked,
            };
            assert_sees(&answer, sees, &format!("{role} {op}"));
            let written = entries(&t).await - before;
            assert_eq!(written, i64::from(*logged), "{role} {op}: logged {written} entries");
        }
    }
}

#[tokio::test]
async fn a_technician_sees_the_vehicle_and_the_concern_but_not_the_customers_contact_details() {
    let (t, crew, ro) = setup().await;
    let page = t.ok(&crew.tech, "get_order_detail", json!({"id": ro})).await;
    let customer = &page["order"]["customer"];
    assert_eq!(customer["contact_hidden"], true);
    assert_eq!(customer["phones"], json!([]));
    assert_eq!(customer["email"], Value::Null);
    assert_eq!(customer["may"]["reveal_contact"], false);
    assert_eq!(page["order"]["vehicle"]["plate"], "沪A12345");
    assert_eq!(page["order"]["concerns"][1]["text"], "刹车异响");
    let hits = t.ok(&crew.tech, "search", json!({"q": "沪A12345"})).await;
    assert_eq!(hits["hits"][0]["customer"]["phones"], json!([]));
}

#[tokio::test]
async fn a_technician_finds_cars_and_names_but_not_whose_phone_number_it_is() {
    let (t, crew, _ro) = setup().await;
    let found = |hits: &Value| hits["hits"].as_array().unwrap().iter().any(|h| h["customer"]["id"] == json!(crew.customer));
    for q in [WHOLE, &WHOLE[3..], &WHOLE[..7]] {
        assert!(found(&t.ok(&crew.advisor, "search", json!({"q": q})).await), "the desk finds the customer by {q}");
        assert!(!found(&t.ok(&crew.tech, "search", json!({"q": q})).await), "a technician does not find whose number {q} is");
    }
    assert!(found(&t.ok(&crew.tech, "search", json!({"q": "沪A12345"})).await), "by the plate");
    assert!(found(&t.ok(&crew.tech, "search", json!({"q": "王芳"})).await), "by the name");
}

#[tokio::test]
async fn the_desk_sees_a_masked_email_and_the_order_record_that_syncs_carries_no_whole_number() {
    let (t, crew, ro) = setup().await;
    let c = t.ok(&crew.advisor, "get_customer", json!({"id": crew.customer})).await;
    assert_eq!(c["customer"]["email"], "w***@example.com");
    assert_eq!(c["customer"]["phones"], json!([MASKED]));
    let payload: String = sqlx::query_scalar("SELECT payload FROM outbox WHERE entity = 'repair_order' AND entity_id = ? ORDER BY seq DESC LIMIT 1")
        .bind(&ro)
        .fetch_one(t.station.pool())
        .await
        .unwrap();
    assert!(!payload.contains(WHOLE) && payload.contains(MASKED), "the order's record names its customer masked");
    let customer: String = sqlx::query_scalar("SELECT payload FROM outbox WHERE entity = 'customer' AND entity_id = ? ORDER BY seq DESC LIMIT 1")
        .bind(&crew.customer)
        .fetch_one(t.station.pool())
        .await
        .unwrap();
    assert!(customer.contains(WHOLE), "the customer's own record still syncs the number");
}

#[tokio::test]
async fn showing_the_whole_number_is_for_managers_and_the_customers_own_advisor_and_each_showing_is_logged_with_its_reason() {
    let (t, crew, ro) = setup().await;
    let other_advisor = t.staff("周顾问", "advisor", "5555").await;
    let table: [(&str, &str, Option<&str>); 5] = [
        ("manager", &crew.manager, None),
        ("the order's advisor", &crew.advisor, None),
        ("another advisor", &other_advisor, Some("contact.not_yours")),
        ("technician", &crew.tech, Some("contact.not_yours")),
        ("qc inspector", &crew.qc, Some("contact.not_yours")),
    ];
    for (who, token, refused) in table {
        let offered = t.ok(token, "get_customer", json!({"id": crew.customer})).await["customer"]["may"]["reveal_contact"].as_bool().unwrap();
        assert_eq!(offered, refused.is_none(), "{who}: the page offers showing the number exactly when it is allowed");
        let before = entries(&t).await;
        let outbox_before = t.count("SELECT COUNT(*) FROM outbox WHERE entity = 'access_entry'").await;
        let answer = t.call(token, "reveal_contact", json!({"customer_id": crew.customer, "reason": "call_customer", "ro_id": ro})).await;
        match refused {
            None => {
                let answer = answer.unwrap();
                assert_eq!(answer["phones"], json!([WHOLE]), "{who}");
                assert_eq!(answer["email"], EMAIL, "{who}");
                assert_eq!(entries(&t).await - before, 1, "{who}: logged");
                assert_eq!(t.count("SELECT COUNT(*) FROM outbox WHERE entity = 'access_entry'").await - outbox_before, 1, "{who}: queued for sync");
                let reason: String = sqlx::query_scalar("SELECT reason FROM access_register WHERE kind = 'contact' ORDER BY id DESC LIMIT 1")
                    .fetch_one(t.station.pool())
                    .await
                    .unwrap();
                assert_eq!(reason, "call_customer");
            }
            Some(code) => {
                assert_eq!(answer.unwrap_err().code, code, "{who}");
                assert_eq!(entries(&t).await - before, 0, "{who}: a refusal shows nothing and logs nothing");
            }
        }
    }
}

#[tokio::test]
async fn showing_the_number_needs_a_reason_from_the_list() {
    let (t, crew, _) = setup().await;
    let err = t.call(&crew.manager, "reveal_contact", json!({"customer_id": crew.customer})).await.unwrap_err();
    assert_eq!(err.code, "input.malformed");
    assert_eq!(err.field.as_deref(), Some("reason"));
    let err = t.call(&crew.manager, "reveal_contact", json!({"customer_id": crew.customer, "reason": "curious"})).await.unwrap_err();
    assert_eq!(err.code, "input.malformed");
    for reason in ["call_customer", "correct_record", "complaint_handling", "customer_request"] {
        t.ok(&crew.manager, "reveal_contact", json!({"customer_id": crew.customer, "reason": reason})).await;
    }
}

#[tokio::test]
async fn an_advisor_who_never_served_the_customer_or_whose_order_was_cancelled_cannot_show_the_number() {
    let t = TestStation::new().await;
    let advisor = t.staff("周顾问", "advisor", "5555").await;
    // Created by the manager; the advisor has no order of this customer's.
    let (customer, _) = t.customer_with_vehicle(&t.manager, "陈静", "13912345678", "沪B54321", VIN_B).await;
    let err = t.call(&advisor, "reveal_contact", json!({"customer_id": customer, "reason": "call_customer"})).await.unwrap_err();
    assert_eq!(err.code, "contact.not_yours");

    let crew = t.crew().await;
    let mut flow = Flow::check_in(&t, &crew).await;
    t.ok(&crew.advisor, "reveal_contact", json!({"customer_id": crew.customer, "reason": "call_customer"})).await;
    flow.try_move(&crew.advisor, "cancelled", "客户不修了").await.unwrap();
    let err = t.call(&crew.advisor, "reveal_contact", json!({"customer_id": crew.customer, "reason": "call_customer"})).await.unwrap_err();
    assert_eq!(err.code, "contact.not_yours", "a cancelled order no longer makes the customer the advisor's");
    let page = t.ok(&crew.advisor, "get_customer", json!({"id": crew.customer})).await;
    assert_eq!(page["customer"]["may"]["reveal_contact"], false);
}

#[tokio::test]
async fn the_edit_form_can_send_a_masked_number_back_to_keep_it() {
    let (t, crew, _) = setup().await;
    let shown = t.ok(&crew.advisor, "get_customer", json!({"id": crew.customer})).await;
    let fields = json!({"name": "王芳芳", "phones": shown["customer"]["phones"], "email": shown["customer"]["email"], "language": "zh-CN"});
    t.ok(&crew.advisor, "update_customer", json!({"id": crew.customer, "fields": fields})).await;
    let stored: String =
        sqlx::query_scalar("SELECT phone FROM customer_phones WHERE customer_id = ?").bind(&crew.customer).fetch_one(t.station.pool()).await.unwrap();
    assert_eq!(stored, WHOLE, "the number is kept, not replaced by its mask");
    // The e-mail as shown, masked, is kept too.
    let fields = json!({"name": "王芳芳", "phones": [MASKED], "email": "w***@example.com", "language": "zh-CN"});
    t.ok(&crew.advisor, "update_customer", json!({"id": crew.customer, "fields": fields})).await;
    let email: String = sqlx::query_scalar("SELECT email FROM customers WHERE id = ?").bind(&crew.customer).fetch_one(t.station.pool()).await.unwrap();
    assert_eq!(email, EMAIL);
    // A masked text that is none of the customer's numbers is refused, naming the field.
    let fields = json!({"name": "王芳芳", "phones": ["139****0000"], "language": "zh-CN"});
    let err = t.call(&crew.advisor, "update_customer", json!({"id": crew.customer, "fields": fields})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("phone.format", Some("phones.0")));
}

#[tokio::test]
async fn the_register_holds_who_opened_what_when_and_a_page_refreshing_itself_is_one_opening() {
    let (t, crew, ro) = setup().await;
    // The check-in's order page was an opening at 10:00; half an hour on, the advisor opens it again.
    t.advance(chrono::Duration::minutes(31));
    let start = entries(&t).await;
    for _ in 0..3 {
        t.ok(&crew.advisor, "get_order_detail", json!({"id": ro})).await;
        t.ok(&crew.advisor, "get_repair_order", json!({"id": ro})).await;
    }
    assert_eq!(entries(&t).await - start, 1, "the order page polling is one opening");
    t.advance(chrono::Duration::minutes(31));
    t.ok(&crew.advisor, "get_order_detail", json!({"id": ro})).await;
    assert_eq!(entries(&t).await - start, 2, "opened again half an hour later: a new entry");
    let register = t.ok(&crew.manager, "list_access_register", json!({"customer_id": crew.customer})).await;
    let newest = &register["entries"][0];
    assert_eq!(newest["kind"], "order");
    assert_eq!(newest["staff_name"], "李顾问");
    assert_eq!(newest["staff_role"], "advisor");
    assert_eq!(newest["ro_id"], ro.as_str());
    assert_eq!(newest["customer_name"], "王芳");
    assert_eq!(newest["at"], "2026-11-22T03:02:00Z");
}

#[tokio::test]
async fn opening_a_printed_document_from_the_archive_is_logged_each_time() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut flow = Flow::check_in(&t, &crew).await;
    flow.drive_to("approved").await;
    let auth = flow.page["authorizations"][0]["id"].clone();
    let before = entries(&t).await;
    let printed = t.ok(&crew.advisor, "print_document", json!({"ro_id": flow.ro, "authorization_id": auth})).await;
    assert_eq!(entries(&t).await - before, 1, "printing is an opening of the document");
    t.ok(&crew.manager, "get_document", json!({"document_id": printed["document_id"]})).await;
    assert_eq!(entries(&t).await - before, 2, "the manager's opening is another");
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM access_register ORDER BY id DESC LIMIT 2").fetch_all(t.station.pool()).await.unwrap();
    assert_eq!(kinds, ["document", "document"]);
}

#[tokio::test]
async fn the_register_is_append_only() {
    let (t, crew, _) = setup().await;
    t.ok(&crew.advisor, "get_customer", json!({"id": crew.customer})).await;
    let pool = t.station.pool();
    let err = sqlx::query("UPDATE access_register SET staff_id = staff_id").execute(pool).await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = sqlx::query("DELETE FROM access_register").execute(pool).await.unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(entries(&t).await >= 1);
}

#[tokio::test]
async fn a_manager_reads_the_register_filtered_by_staff_and_by_customer_and_nobody_else_may() {
    let (t, crew, ro) = setup().await;
    let (customer2, vehicle2) = t.customer_with_vehicle(&crew.advisor, "陈静", "13912345678", "沪B54321", VIN_B).await;
    t.ok(&crew.advisor, "check_in", check_in_input(&customer2, &vehicle2, 5_000)).await;
    t.ok(&crew.advisor, "get_customer", json!({"id": crew.customer})).await;
    t.ok(&crew.tech, "get_order_detail", json!({"id": ro})).await;
    t.ok(&crew.advisor, "get_customer", json!({"id": customer2})).await;
    t.ok(&crew.manager, "reveal_contact", json!({"customer_id": customer2, "reason": "complaint_handling"})).await;

    let all = t.ok(&crew.manager, "list_access_register", json!({})).await;
    let tech_id = crew.tech_id.clone();
    let by_tech = t.ok(&crew.manager, "list_access_register", json!({"staff_id": tech_id})).await;
    let tech_entries = by_tech["entries"].as_array().unwrap();
    assert!(!tech_entries.is_empty() && tech_entries.iter().all(|e| e["staff_id"] == crew.tech_id.as_str()));
    let by_customer = t.ok(&crew.manager, "list_access_register", json!({"customer_id": customer2})).await;
    let kinds: Vec<&str> = by_customer["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["contact", "customer"], "newest first: the manager's showing, then the advisor's opening");
    assert_eq!(by_customer["entries"][0]["reason"], "complaint_handling");
    assert_eq!(by_customer["customer"]["name"], "陈静");
    assert!(all["entries"].as_array().unwrap().len() > kinds.len());
    assert!(all["staff"].as_array().unwrap().iter().any(|s| s["name"] == "张技师"), "the staff filter lists everyone");

    for token in [&crew.advisor, &crew.tech, &crew.qc] {
        assert_eq!(t.call(token, "list_access_register", json!({})).await.unwrap_err().code, "auth.forbidden");
    }
    let me = t.ok(&crew.manager, "me", json!({})).await;
    assert_eq!(me["may"]["access_register"], true);
    assert_eq!(t.ok(&crew.advisor, "me", json!({})).await["may"]["access_register"], false);
}

#[tokio::test]
async fn the_register_pages_back_newest_first() {
    let (t, crew, _) = setup().await;
    for _ in 0..5 {
        t.ok(&crew.manager, "reveal_contact", json!({"customer_id": crew.customer, "reason": "correct_record"})).await;
    }
    let first = t.ok(&crew.manager, "list_access_register", json!({"limit": 2})).await;
    assert_eq!(first["more"], true);
    let last = first["entries"][1]["id"].clone();
    let second = t.ok(&crew.manager, "list_access_register", json!({"limit": 2, "before_id": last})).await;
    assert!(second["entries"][0]["id"].as_str().unwrap() < last.as_str().unwrap());
}

#[tokio::test]
async fn a_customers_register_for_the_data_export_includes_what_was_opened_of_a_customer_merged_into_them() {
    let (t, crew, _) = setup().await;
    let (loser, _) = t.customer_with_vehicle(&crew.advisor, "王芳芳", "13912340000", "沪B54321", VIN_B).await;
    t.ok(&crew.advisor, "get_customer", json!({"id": loser})).await;
    t.ok(&crew.manager, "merge_customers", json!({"survivor_id": crew.customer, "loser_id": loser})).await;
    let mut conn = t.station.pool().acquire().await.unwrap();
    let entries = station::privacy::access_register::for_customer(&mut conn, &crew.customer).await.unwrap();
    assert!(entries.iter().any(|e| e.customer_id.as_deref() == Some(loser.as_str())), "the loser's openings come with the survivor's");
    assert!(entries.windows(2).all(|w| w[0].at <= w[1].at), "oldest first");
    let json = serde_json::to_value(&entries).unwrap();
    assert_eq!(json[0]["kind"], "order", "the first: the order page the check-in opened");
    assert_eq!(json[0]["ro_number"].as_str().map(|n| n.starts_with("SH01")), Some(true));
}

#[tokio::test]
async fn the_follow_up_list_shows_the_number_masked_and_lets_its_owner_show_it() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (flow, _) = Flow::delivered(&t, &crew).await;
    let list = t.ok(&crew.advisor, "call_list", json!({})).await;
    assert_sees(&list, Sees::Masked, "call list");
    let call = list["calls"].as_array().unwrap().iter().find(|f| f["ro_id"] == flow.ro.as_str()).unwrap();
    assert_eq!(call["phone"], MASKED);
    assert_eq!(call["reveal_contact"], true, "the advisor owns the follow-up call");
    let everyone = t.ok(&crew.manager, "call_list", json!({"everyone": true})).await;
    assert_sees(&everyone, Sees::Masked, "everyone's call list");
    t.ok(&crew.advisor, "reveal_contact", json!({"customer_id": crew.customer, "reason": "call_customer"})).await;
}

/// The text of a PDF as `pdftotext` reads it, without whitespace.
fn pdf_text(data_url: &str) -> String {
    use base64::Engine;
    let b64 = data_url.split_once(",").unwrap().1;
    let pdf = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().chars().filter(|c| !c.is_whitespace()).collect()
}

#[tokio::test]
async fn a_complaint_and_a_service_request_show_the_contact_number_masked_and_the_complaint_record_prints_it_masked() {
    let (t, crew, _) = setup().await;
    let input = json!({"channel": "phone", "severity": "normal", "category_id": "svc.attitude.slow", "description": "等了很久",
                       "contact_name": "赵强", "contact_phone": "139 0000 1111"});
    let complaint = t.ok(&crew.advisor, "open_complaint", input).await;
    assert_eq!(complaint["complaint"]["contact_phone"], "139****1111");
    let id = complaint["complaint"]["id"].clone();
    let page = t.ok(&crew.manager, "get_complaint", json!({"id": id})).await;
    assert!(page.to_string().contains("139****1111") && !page.to_string().contains("13900001111") && !page.to_string().contains("139 0000 1111"));
    let stored: String = sqlx::query_scalar("SELECT contact_phone FROM complaints").fetch_one(t.station.pool()).await.unwrap();
    assert_eq!(stored, "139 0000 1111", "the record keeps what was typed");
    // The complaint record (投诉处理记录) is an internal document: masked.
    let printed = t.ok(&crew.advisor, "print_complaint", json!({"complaint_id": id, "language": "zh-CN"})).await;
    let text = pdf_text(printed["data_url"].as_str().unwrap());
    assert!(text.contains("139****1111") && !text.contains("13900001111"), "{text}");

    let request = json!({"channel": "phone", "request": "想预约保养", "contact_name": "孙丽", "contact_phone": "13700002222"});
    let opened = t.ok(&crew.advisor, "open_service_request", request).await;
    let list = t.ok(&crew.advisor, "list_service_requests", json!({})).await;
    assert!(!opened.to_string().contains("13700002222") && !list.to_string().contains("13700002222"));
    assert!(list.to_string().contains("137****2222"));
}

#[tokio::test]
async fn the_owner_of_a_walk_up_request_or_a_complaint_shows_the_number_written_on_it_to_call_back_and_each_showing_is_logged() {
    let (t, crew, _) = setup().await;
    let other_advisor = t.staff("周顾问", "advisor", "5555").await;
    // A walk-up: no customer record, so the number written on the request is the only way back to them.
    let request = json!({"channel": "online", "request": "想预约喷漆", "contact_name": "孙丽", "contact_phone": "137 0000 2222"});
    let request = t.ok(&crew.advisor, "open_service_request", request).await["request"]["id"].as_str().unwrap().to_string();
    let complaint = json!({"channel": "phone", "severity": "normal", "category_id": "svc.attitude.slow", "description": "等了很久",
                           "contact_name": "赵强", "contact_phone": "13900001111"});
    let complaint = t.ok(&crew.advisor, "open_complaint", complaint).await["complaint"]["id"].as_str().unwrap().to_string();
    for (on, id, whole, read) in
        [("service_request", &request, "137 0000 2222", "get_service_request"), ("complaint", &complaint, "13900001111", "get_complaint")]
    {
        let table: [(&str, &str, Option<&str>); 4] = [
            ("its owner", &crew.advisor, None),
            ("a manager", &crew.manager, None),
            ("another advisor", &other_advisor, Some("contact.not_yours")),
            ("a technician", &crew.tech, Some("contact.not_yours")),
        ];
        for (who, token, refused) in table {
            let page = t.call(token, read, json!({"id": id})).await;
            if let Ok(page) = page {
                let may = if on == "complaint" { &page["may_reveal_contact"] } else { &page["request"]["may_reveal_contact"] };
                assert_eq!(may.as_bool(), Some(refused.is_none()), "{on}, {who}: the page offers it exactly when it is allowed");
            }
            let before = entries(&t).await;
            let answer = t.call(token, "reveal_written_contact", json!({"on": on, "id": id, "reason": "call_customer"})).await;
            match refused {
                None => {
                    assert_eq!(answer.unwrap()["contact_phone"], whole, "{on}, {who}: as it was written");
                    assert_eq!(entries(&t).await - before, 1, "{on}, {who}: logged");
                    let (subject, reason): (String, String) =
                        sqlx::query_as("SELECT subject_id, reason FROM access_register WHERE kind = 'contact' ORDER BY id DESC LIMIT 1")
                            .fetch_one(t.station.pool())
                            .await
                            .unwrap();
                    assert_eq!((subject.as_str(), reason.as_str()), (id.as_str(), "call_customer"), "{on}, {who}: the register names the item");
                }
                Some(code) => {
                    assert_eq!(answer.unwrap_err().code, code, "{on}, {who}");
                    assert_eq!(entries(&t).await - before, 0, "{on}, {who}: a refusal shows nothing and logs nothing");
                }
            }
        }
    }
    // The register names what the number was shown on: the complaint by its number, the request by who asked.
    let register = t.ok(&crew.manager, "list_access_register", json!({})).await;
    let shown_on =
        |id: &str, key: &str| register["entries"].as_array().unwrap().iter().filter(|e| e["subject_id"] == id).map(|e| e[key].clone()).collect::<Vec<_>>();
    assert_eq!(shown_on(&request, "request_contact_name"), vec![json!("孙丽"); 2]);
    let number = t.ok(&crew.manager, "get_complaint", json!({"id": complaint})).await["complaint"]["number"].clone();
    assert_eq!(shown_on(&complaint, "complaint_number"), vec![number; 2]);
    let err = t.call(&crew.manager, "reveal_written_contact", json!({"on": "complaint", "id": "no-such", "reason": "call_customer"})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("not_found", Some("id")));
}

#[tokio::test]
async fn the_customers_own_work_order_keeps_the_whole_number_and_the_workshop_cannot_send_it_to_a_printer() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let (_, printed) = Flow::approved_and_printed(&t, &crew).await;
    let text = pdf_text(printed["data_url"].as_str().unwrap());
    assert!(text.contains(WHOLE), "the 维修委托书 is the customer's: {text}");
    let before = entries(&t).await;
    for token in [&crew.tech, &crew.qc] {
        let err = t.call(token, "print_to_printer", json!({"document_id": printed["document_id"]})).await.unwrap_err();
        assert_eq!(err.code, "auth.forbidden");
    }
    assert_eq!(entries(&t).await - before, 0, "a refusal logs nothing");
}

/// A 1×1 PNG standing in for the scan of a work order signed on paper.
const SCAN: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

#[tokio::test]
async fn the_scan_of_a_work_order_signed_on_paper_is_the_desks_to_open_and_each_opening_is_logged() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let scan = t.ok(&crew.advisor, "upload_photo", json!({"data": SCAN})).await["sha256"].as_str().unwrap().to_string();
    let mut f = Flow::in_status(&t, &crew, "estimate_ready").await;
    let jobs: Vec<Value> = f.page["jobs"].as_array().unwrap().iter().filter(|j| j["approval"] == "pending").map(|j| j["id"].clone()).collect();
    let amount = f.page["totals"]["estimate"]["total"].clone();
    let input = json!({"method": "in_person", "approver_name": "王芳", "approved_job_ids": jobs, "amount": amount,
                       "customer_signature": {"method": "on_paper", "paper_scan_sha256": scan}});
    let advisor = crew.advisor.clone();
    let page = f.step(&advisor, "record_authorization", input).await;
    let auth = page["authorizations"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(page["authorizations"][0]["signatures"][0]["paper_scan_sha256"], scan.as_str(), "the desk sees the scan");
    assert_eq!(page["may"]["open_documents"], true);
    t.advance(chrono::Duration::minutes(31));
    for token in [&crew.tech, &crew.qc] {
        let page = t.ok(token, "get_order_detail", json!({"id": f.ro})).await;
        assert_eq!(page["authorizations"][0]["signatures"][0]["paper_scan_sha256"], Value::Null, "the workshop's page does not point to it");
        assert_eq!(page["authorizations"][0]["signatures"][0]["method"], "on_paper", "but says how it was signed");
        assert_eq!(page["may"]["open_documents"], false);
        let before = entries(&t).await;
        for thumbnail in [false, true] {
            let err = t.call(token, "get_file", json!({"sha256": scan, "thumbnail": thumbnail})).await.unwrap_err();
            assert_eq!(err.code, "auth.forbidden");
        }
        assert_eq!(entries(&t).await - before, 0, "a refusal logs nothing");
    }
    let before = entries(&t).await;
    t.ok(&crew.advisor, "get_file", json!({"sha256": scan, "thumbnail": true})).await;
    assert_eq!(entries(&t).await - before, 0, "a 320 px thumbnail cannot show the number: not an opening");
    t.ok(&crew.advisor, "get_file", json!({"sha256": scan})).await;
    let (kind, subject, ro): (String, String, String) =
        sqlx::query_as("SELECT kind, subject_id, ro_id FROM access_register ORDER BY rowid DESC LIMIT 1").fetch_one(t.station.pool()).await.unwrap();
    assert_eq!((entries(&t).await - before, kind.as_str(), subject.as_str(), ro.as_str()), (1, "document", auth.as_str(), f.ro.as_str()));
}

#[tokio::test]
async fn a_technician_who_received_a_complaint_sees_its_number_masked_and_may_show_it_to_call_back() {
    let (t, crew, _) = setup().await;
    let input = json!({"channel": "walk_in", "severity": "normal", "category_id": "svc.attitude.slow", "description": "车里很脏",
                       "contact_name": "赵强", "contact_phone": "13900001111"});
    let complaint = t.ok(&crew.tech, "open_complaint", input).await;
    assert_eq!(complaint["complaint"]["contact_phone"], "139****1111", "their own: masked, not hidden");
    assert_eq!(complaint["may_reveal_contact"], true);
    let id = complaint["complaint"]["id"].clone();
    let shown = t.ok(&crew.tech, "reveal_written_contact", json!({"on": "complaint", "id": id, "reason": "call_customer"})).await;
    assert_eq!(shown["contact_phone"], "13900001111");
    assert_eq!(complaint["contact_hidden"], false);
    let other = t.ok(&crew.tech2, "get_complaint", json!({"id": id})).await;
    assert_eq!(other["complaint"]["contact_phone"], "", "another technician sees no number");
    assert_eq!(other["contact_hidden"], true, "and the page says it is hidden rather than showing an empty number");
}

#[tokio::test]
async fn a_technicians_call_complaint_and_request_pages_say_the_number_is_hidden_where_the_desk_sees_it_masked() {
    let (t, crew, _) = setup().await;
    let (flow, _) = Flow::delivered(&t, &crew).await;
    let call =
        t.ok(&crew.manager, "call_list", json!({"everyone": true})).await["calls"].as_array().unwrap().iter().find(|f| f["ro_id"] == flow.ro.as_str()).unwrap()
            ["id"]
            .clone();
    let complaint = json!({"channel": "phone", "severity": "normal", "category_id": "svc.attitude.slow", "description": "等了很久",
                           "contact_name": "赵强", "contact_phone": "13900001111"});
    let complaint = t.ok(&crew.advisor, "open_complaint", complaint).await["complaint"]["id"].clone();
    let request = json!({"channel": "phone", "request": "想预约保养", "contact_name": "孙丽", "contact_phone": "13700002222"});
    let request = t.ok(&crew.advisor, "open_service_request", request).await["request"]["id"].clone();
    for (token, hidden) in [(&crew.tech, true), (&crew.advisor, false), (&crew.qc, false)] {
        let page = t.ok(token, "get_follow_up", json!({"id": call})).await;
        assert_eq!(page["follow_up"]["contact_hidden"], hidden, "{page}");
        assert_eq!(page["follow_up"]["phone"].is_null(), hidden, "{page}");
        let page = t.ok(token, "get_complaint", json!({"id": complaint})).await;
        assert_eq!(page["contact_hidden"], hidden, "{page}");
        let page = t.ok(token, "get_service_request", json!({"id": request})).await;
        assert_eq!(page["request"]["contact_hidden"], hidden, "{page}");
        assert_eq!(page["request"]["contact_phone"].is_null(), hidden, "{page}");
    }
}

/// What docs/privacy.md says one role gets from one read of personal data.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Gets {
    /// The answer shows the number `See`s way; `true`: an access-register entry is written.
    Shows(See, bool),
    /// Refused with this code; nothing shown, nothing logged.
    Refused(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum See {
    Whole,
    Masked,
    /// Neither the number nor its mask.
    Nothing,
}

const WHOLE_LOGGED: Gets = Gets::Shows(See::Whole, true);
/// Whole, but written to the audit log rather than the access register (the data export).
const WHOLE_UNLOGGED: Gets = Gets::Shows(See::Whole, false);
const MASKED_LOGGED: Gets = Gets::Shows(See::Masked, true);
const MASKED_UNLOGGED: Gets = Gets::Shows(See::Masked, false);
const NOTHING_LOGGED: Gets = Gets::Shows(See::Nothing, true);
const NOTHING: Gets = Gets::Shows(See::Nothing, false);
const NOT_YOURS: Gets = Gets::Refused("contact.not_yours");
const FORBIDDEN: Gets = Gets::Refused("auth.forbidden");
const NOT_ENROLLED: Gets = Gets::Refused("sync.not_enrolled");

/// Whose number a read is about: the customer's, or one written on a complaint or a service request.
#[derive(Debug, Clone, Copy)]
enum Number {
    Customer,
    Complaint,
    Request,
}

impl Number {
    /// (whole, masked)
    fn forms(self) -> (&'static str, &'static str) {
        match self {
            Number::Customer => (WHOLE, MASKED),
            Number::Complaint => ("13900001111", "139****1111"),
            Number::Request => ("13700002222", "137****2222"),
        }
    }
}

/// How to read the number out of an answer.
#[derive(Debug, Clone, Copy)]
enum Body {
    Json,
    /// A PDF in `data_url`.
    Pdf,
    /// A ZIP in `data_url`: its JSON parts.
    Zip,
    /// Text (a CSV) in `data_url`.
    Text,
}

fn answer_text(answer: &Value, body: Body) -> String {
    match body {
        Body::Json => answer.to_string(),
        Body::Pdf => pdf_text(answer["data_url"].as_str().unwrap()),
        Body::Text => {
            use base64::Engine;
            let b64 = answer["data_url"].as_str().unwrap().split_once(",").unwrap().1;
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap()
        }
        Body::Zip => {
            use base64::Engine;
            use std::io::Read;
            let b64 = answer["data_url"].as_str().unwrap().split_once(",").unwrap().1;
            let bytes = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
            let mut text = String::new();
            for i in 0..zip.len() {
                let mut part = zip.by_index(i).unwrap();
                if matches!(part.name(), Ok(n) if n.ends_with(".json")) {
                    part.read_to_string(&mut text).unwrap();
                }
            }
            text
        }
    }
}

/// Where in a JSON answer `needle` is: the paths of the values holding it, for a failure to name.
fn paths_holding(v: &Value, needle: &str, path: String) -> Vec<String> {
    match v {
        Value::Object(m) => m.iter().flat_map(|(k, x)| paths_holding(x, needle, format!("{path}.{k}"))).collect(),
        Value::Array(a) => a.iter().enumerate().flat_map(|(i, x)| paths_holding(x, needle, format!("{path}.{i}"))).collect(),
        other if other.to_string().contains(needle) => vec![path],
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn every_role_reads_every_personal_number_masked_or_whole_or_refused_and_logged_as_the_privacy_doc_says() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let fields = json!({"name": "王芳", "phones": [MASKED], "email": EMAIL, "language": "zh-CN"});
    t.ok(&crew.advisor, "update_customer", json!({"id": crew.customer, "fields": fields})).await;
    let other_advisor = t.staff("周顾问", "advisor", "5555").await;
    // Order A: delivered, its follow-up call waiting for the advisor; order B: in the workshop, approved.
    let (delivered, _) = Flow::delivered(&t, &crew).await;
    let ro_a = delivered.ro.clone();
    let auth_a = delivered.page["authorizations"][0]["id"].clone();
    let follow_up = delivered.page["follow_up_id"].clone();
    let in_repair = Flow::in_status(&t, &crew, "in_repair").await;
    let ro_b = in_repair.ro.clone();
    let auth_b = in_repair.page["authorizations"][0]["id"].clone();
    let document_b = t.ok(&crew.manager, "print_document", json!({"ro_id": ro_b, "authorization_id": auth_b})).await["document_id"].clone();
    // A second copy of order B's work order (letter paper): its PDF read by its hash, as a file.
    let letter = json!({"ro_id": ro_b, "authorization_id": auth_b, "paper": "letter"});
    let pdf_b = t.ok(&crew.manager, "print_document", letter).await["sha256"].clone();
    // Both owned by the advisor who received them; neither names a customer record.
    let complaint = json!({"channel": "phone", "severity": "normal", "category_id": "svc.attitude.slow", "description": "等了很久",
                           "contact_name": "赵强", "contact_phone": "13900001111"});
    let complaint = t.ok(&crew.advisor, "open_complaint", complaint).await["complaint"]["id"].clone();
    let request = json!({"channel": "phone", "request": "想预约保养", "contact_name": "孙丽", "contact_phone": "13700002222"});
    let request = t.ok(&crew.advisor, "open_service_request", request).await["request"]["id"].clone();
    let (survivor, _) = t.customer_with_vehicle(&crew.manager, "陈静", "13912345678", "沪B54321", VIN_B).await;
    // The setup's own openings (check-in pages, the print) are older than one opening's 30 minutes.
    t.advance(chrono::Duration::minutes(31));

    let who: [(&str, &str); 5] = [
        ("manager", &crew.manager),
        ("advisor, own customer", &crew.advisor),
        ("advisor, not own customer", &other_advisor),
        ("technician", &crew.tech),
        ("qc inspector", &crew.qc),
    ];
    use Number::{Complaint, Customer, Request};
    // (operation, input, whose number, how to read it, a text that shows the record is in the answer,
    //  what each of `who` gets). Each operation opens a record of its own, so no opening falls
    //  within another's 30 minutes; refusals and lists log nothing.
    #[rustfmt::skip]
    let table: Vec<(&str, Value, Number, Body, Option<&str>, [Gets; 5])> = vec![
        ("search", json!({"q": "王芳"}), Customer, Body::Json, Some("王芳"), [MASKED_UNLOGGED, MASKED_UNLOGGED, MASKED_UNLOGGED, NOTHING, MASKED_UNLOGGED]),
        ("board", json!({}), Customer, Body::Json, Some("王芳"), [NOTHING; 5]),
        ("my_jobs", json!({}), Customer, Body::Json, None, [NOTHING; 5]),
        ("find_duplicates", json!({"phones": [WHOLE], "plate": "沪A12345"}), Customer, Body::Json, Some("王芳"), [MASKED_UNLOGGED, MASKED_UNLOGGED, MASKED_UNLOGGED, NOTHING, MASKED_UNLOGGED]),
        ("get_customer", json!({"id": crew.customer}), Customer, Body::Json, Some("王芳"), [MASKED_LOGGED, MASKED_LOGGED, MASKED_LOGGED, NOTHING_LOGGED, MASKED_LOGGED]),
        ("get_order_detail", json!({"id": ro_a}), Customer, Body::Json, Some("王芳"), [MASKED_LOGGED, MASKED_LOGGED, MASKED_LOGGED, NOTHING_LOGGED, MASKED_LOGGED]),
        ("get_repair_order", json!({"id": ro_b}), Customer, Body::Json, Some("王芳"), [MASKED_LOGGED, MASKED_LOGGED, MASKED_LOGGED, NOTHING_LOGGED, MASKED_LOGGED]),
        // Each sees their own calls; only a manager may ask for everyone's.
        ("call_list", json!({"everyone": true}), Customer, Body::Json, None, [MASKED_UNLOGGED, MASKED_UNLOGGED, NOTHING, NOTHING, NOTHING]),
        // A technician sees the vehicle and the concern, not how to reach the customer: on these pages neither.
        ("get_follow_up", json!({"id": follow_up}), Customer, Body::Json, Some("王芳"), [MASKED_UNLOGGED, MASKED_UNLOGGED, MASKED_UNLOGGED, NOTHING, MASKED_UNLOGGED]),
        ("merge_preview", json!({"survivor_id": survivor, "loser_id": crew.customer}), Customer, Body::Json, None, [MASKED_UNLOGGED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        ("reveal_contact", json!({"customer_id": crew.customer, "reason": "call_customer"}), Customer, Body::Json, None, [WHOLE_LOGGED, WHOLE_LOGGED, NOT_YOURS, NOT_YOURS, NOT_YOURS]),
        // The customer's own documents keep the whole number: the desk prints and opens them, each time an opening;
        // the workshop has no use for them. Read as a file by their hash, the same.
        ("print_document", json!({"ro_id": ro_a, "authorization_id": auth_a}), Customer, Body::Pdf, None, [WHOLE_LOGGED, WHOLE_LOGGED, WHOLE_LOGGED, FORBIDDEN, FORBIDDEN]),
        ("get_document", json!({"document_id": document_b}), Customer, Body::Pdf, None, [WHOLE_LOGGED, WHOLE_LOGGED, WHOLE_LOGGED, FORBIDDEN, FORBIDDEN]),
        ("get_file", json!({"sha256": pdf_b}), Customer, Body::Pdf, None, [WHOLE_LOGGED, WHOLE_LOGGED, WHOLE_LOGGED, FORBIDDEN, FORBIDDEN]),
        ("list_order_documents", json!({"ro_id": ro_b}), Customer, Body::Json, Some("intake_order"), [NOTHING; 5]),
        ("verify_order", json!({"ro_id": ro_b}), Customer, Body::Json, Some("intact"), [NOTHING, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        // Who changed what on the order: jobs, lines, states; no contact details. The page that shows it is the logged opening.
        ("get_order_audit", json!({"id": ro_b}), Customer, Body::Json, Some("刹车异响"), [NOTHING; 5]),
        // A returning car's past for check-in: visits, concerns, complaints; no contact details.
        ("vehicle_history", json!({"vehicle_id": crew.vehicle}), Customer, Body::Json, Some("刹车异响"), [NOTHING; 5]),
        ("vehicle_alerts", json!({"vehicle_id": crew.vehicle}), Customer, Body::Json, None, [NOTHING; 5]),
        // The records behind a KPI name the customer and the car, never a number; the manager's.
        ("kpi_orders", json!({"preset": "this_month", "code": "repeat_rate"}), Customer, Body::Json, Some("王芳"), [NOTHING, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        ("kpi_export", json!({"preset": "this_month", "format": "csv"}), Customer, Body::Text, None, [NOTHING, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        ("list_access_register", json!({"customer_id": crew.customer}), Customer, Body::Json, Some("王芳"), [MASKED_UNLOGGED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        ("retention_due", json!({}), Customer, Body::Json, None, [NOTHING, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        // The edit form gets the record back masked; the workshop does not edit customers.
        ("update_customer", json!({"id": crew.customer, "fields": {"name": "王芳", "phones": [MASKED], "email": "w***@example.com", "language": "zh-CN"}}),
            Customer, Body::Json, Some("王芳"), [MASKED_UNLOGGED, MASKED_UNLOGGED, MASKED_UNLOGGED, FORBIDDEN, FORBIDDEN]),
        // Not enrolled with a head office: nothing is asked and nothing shown; the desk's own search (above) is what it has.
        // (By the plate: a phone typed in comes back as `query`, the caller's own text.)
        ("head_office_lookup", json!({"q": "沪A12345"}), Customer, Body::Json, Some("sync.not_enrolled"), [NOTHING, NOTHING, NOTHING, FORBIDDEN, FORBIDDEN]),
        ("adopt_head_office_record", json!({"q": "沪A12345", "target": {"entity": "customer", "id": crew.customer}}), Customer, Body::Json, None,
            [NOT_ENROLLED, NOT_ENROLLED, NOT_ENROLLED, FORBIDDEN, FORBIDDEN]),
        ("export_customer", json!({"customer_id": crew.customer}), Customer, Body::Zip, None, [WHOLE_UNLOGGED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        ("get_complaint", json!({"id": complaint}), Complaint, Body::Json, Some("赵强"), [MASKED_UNLOGGED, MASKED_UNLOGGED, MASKED_UNLOGGED, NOTHING, MASKED_UNLOGGED]),
        // The ledger names who complained but carries no number: masked "where shown", and it is not shown.
        ("list_complaints", json!({}), Complaint, Body::Json, Some("赵强"), [NOTHING; 5]),
        ("print_complaint", json!({"complaint_id": complaint, "language": "zh-CN"}), Complaint, Body::Pdf, None, [MASKED_UNLOGGED, MASKED_UNLOGGED, MASKED_UNLOGGED, NOTHING, MASKED_UNLOGGED]),
        ("reveal_written_contact", json!({"on": "complaint", "id": complaint, "reason": "call_customer"}), Complaint, Body::Json, None, [WHOLE_LOGGED, WHOLE_LOGGED, NOT_YOURS, NOT_YOURS, NOT_YOURS]),
        ("get_service_request", json!({"id": request}), Request, Body::Json, Some("孙丽"), [MASKED_UNLOGGED, MASKED_UNLOGGED, MASKED_UNLOGGED, NOTHING, MASKED_UNLOGGED]),
        ("list_service_requests", json!({}), Request, Body::Json, Some("孙丽"), [MASKED_UNLOGGED, MASKED_UNLOGGED, MASKED_UNLOGGED, NOTHING, MASKED_UNLOGGED]),
        ("reveal_written_contact", json!({"on": "service_request", "id": request, "reason": "call_customer"}), Request, Body::Json, None, [WHOLE_LOGGED, WHOLE_LOGGED, NOT_YOURS, NOT_YOURS, NOT_YOURS]),
    ];

    let mut failures = Vec::new();
    for (op, input, number, body, present, gets) in &table {
        for ((role, token), expected) in who.iter().zip(gets) {
            let pair = format!("{op} {input} as {role}: expected {expected:?}");
            let before = entries(&t).await;
            let answer = t.call(token, op, input.clone()).await;
            let written = entries(&t).await - before;
            let (whole, masked) = number.forms();
            let problem = match (expected, answer) {
                (Gets::Refused(code), Err(e)) if e.code == *code && written == 0 => None,
                (Gets::Refused(_), Err(e)) => Some(format!("refused with {} and {written} register entries", e.code)),
                (Gets::Refused(_), Ok(_)) => Some("answered".to_string()),
                (Gets::Shows(_, _), Err(e)) => Some(format!("refused: {} {}", e.code, e.message)),
                (Gets::Shows(see, logged), Ok(answer)) => {
                    let text = answer_text(&answer, *body);
                    let has_whole = text.contains(whole);
                    let has_masked = text.contains(masked);
                    let shown = match (has_whole, has_masked) {
                        (true, _) => See::Whole,
                        (false, true) => See::Masked,
                        (false, false) => See::Nothing,
                    };
                    let email = matches!(number, Customer) && *see != See::Whole && text.contains(EMAIL);
                    let missing = present.filter(|p| !text.contains(p));
                    if shown != *see {
                        Some(format!("shows {shown:?} (at {:?})", paths_holding(&answer, if has_whole { whole } else { masked }, String::new())))
                    } else if email {
                        Some("shows the whole e-mail".to_string())
                    } else if let Some(p) = missing {
                        Some(format!("the record ({p}) is not in the answer, so what it hides proves nothing"))
                    } else if written != i64::from(*logged) {
                        Some(format!("{written} register entries written"))
                    } else {
                        None
                    }
                }
            };
            if let Some(problem) = problem {
                failures.push(format!("{pair}, but {problem}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} pairs disagree with docs/privacy.md:\n{}", failures.len(), table.len() * who.len(), failures.join("\n"));
}
