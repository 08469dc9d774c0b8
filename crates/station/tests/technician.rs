//! The technician's day as the core decides it: the screen each role starts on,
//! taking an unassigned job, becoming the technician of the order one starts
//! diagnosing, what completing a job requires (the 3 Cs) and what it asks to
//! confirm (no clocked time, parts not issued), and what stopping the clock says.

mod common;

use common::flow::{Flow, ROLES};
use common::TestStation;
use serde_json::{json, Value};
use station::ErrorKind;

fn job<'a>(page: &'a Value, id: &str) -> &'a Value {
    page["jobs"].as_array().expect("jobs").iter().find(|j| j["id"] == id).expect("the job is on the order")
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().expect("a list").iter().map(|j| j["job_id"].as_str().expect("job id").to_string()).collect()
}

#[tokio::test]
async fn each_role_starts_its_shift_on_its_own_screen() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let expected = [
        ("advisor", "李顾问", "2222", "board"),
        ("technician", "张技师", "3333", "my_jobs"),
        ("qc_inspector", "赵质检", "4444", "qc_queue"),
        ("manager", "王经理", "1111", "board"),
    ];
    assert_eq!(expected.map(|(r, ..)| r), ROLES);
    let status = t.station.dispatch("setup_status", None, json!({})).await.unwrap();
    for (role, name, pin, home) in expected {
        let staff = status["staff"].as_array().unwrap().iter().find(|s| s["name"] == name).expect("one of each role").clone();
        let session = t.station.dispatch("login", None, json!({"staff_id": staff["id"], "pin": pin})).await.unwrap();
        assert_eq!(session["home"], home, "{role} logs in to {home}");
        assert_eq!(t.ok(crew.token(role), "me", json!({})).await["home"], home, "{role}'s `me` says {home} too");
    }
}

#[tokio::test]
async fn a_technician_takes_an_unassigned_job_and_it_joins_their_list() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "diagnosing").await;
    f.step(&crew.advisor, "add_job", json!({"concern": "客户来电：空调有异味"})).await;
    let added = f.page["jobs"][2]["id"].as_str().unwrap().to_string();
    assert!(f.page["jobs"][2]["technician_id"].is_null(), "the desk added it for nobody in particular");
    assert_eq!(f.page["jobs"][2]["may_take"], false, "the advisor does not take jobs");

    let tech_page = t.ok(&crew.tech2, "get_order_detail", json!({"id": f.ro})).await;
    assert_eq!(job(&tech_page, &added)["may_take"], true, "a technician may take it");
    let listed = t.ok(&crew.tech2, "my_jobs", json!({})).await;
    assert_eq!(ids(&listed["open_jobs"]), vec![added.clone()], "it is offered on the tablet");
    assert_eq!(listed["open_jobs"][0]["may_take"], true);
    assert!(!ids(&listed["jobs"]).contains(&added));
    assert_eq!(t.ok(&crew.advisor, "my_jobs", json!({})).await["open_jobs"], json!([]), "nothing is offered to the desk");

    f.step(&crew.tech2, "take_job", json!({"job_id": added})).await;
    assert_eq!(job(&f.page, &added)["technician_id"], crew.tech2_id.as_str());
    assert_eq!(job(&f.page, &added)["technician_name"], "刘技师");
    let mine = t.ok(&crew.tech2, "my_jobs", json!({})).await;
    assert!(ids(&mine["jobs"]).contains(&added), "the job is now in their list");
    assert_eq!(mine["open_jobs"], json!([]));

    let err = f.try_step(&crew.tech, "take_job", json!({"job_id": added})).await.unwrap_err();
    assert_eq!(err.code, "job.already_assigned");
    assert!(err.message.contains("刘技师"), "says who has it: {}", err.message);
    let err = f.try_step(&crew.advisor, "take_job", json!({"job_id": added})).await.unwrap_err();
    assert_eq!(err.code, "auth.forbidden");
}

#[tokio::test]
async fn starting_diagnosis_makes_the_starter_the_technician_unless_someone_else_is_assigned() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::check_in(&t, &crew).await;
    f.step(&crew.advisor, "add_job", json!({"concern": "四轮定位", "technician_id": crew.tech2_id})).await;
    f.move_to(&crew.tech, "diagnosing").await;

    let technicians: Vec<(String, Value)> =
        f.page["jobs"].as_array().unwrap().iter().map(|j| (j["concern"].as_str().unwrap().to_string(), j["technician_id"].clone())).collect();
    assert_eq!(technicians.len(), 3);
    for (concern, technician) in &technicians {
        let expected = if concern == "四轮定位" { &crew.tech2_id } else { &crew.tech_id };
        assert_eq!(technician, expected.as_str(), "{concern}");
    }
    let mine = t.ok(&crew.tech, "my_jobs", json!({})).await;
    assert_eq!(mine["jobs"].as_array().unwrap().len(), 2, "the order stays in the starter's list: {mine}");
    assert!(mine["jobs"].as_array().unwrap().iter().all(|j| j["ro_id"] == f.ro.as_str()));
}

#[tokio::test]
async fn completing_a_job_without_its_cause_or_correction_is_refused_naming_the_field() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "in_repair").await;
    let job0 = f.job(0);
    let confirm = json!(["job.no_time_clocked", "job.parts_not_issued"]);

    let err = f.try_step(&crew.tech, "complete_job", json!({"job_id": job0, "confirm": confirm})).await.unwrap_err();
    assert_eq!((err.kind, err.code.as_str(), err.field.as_deref()), (ErrorKind::Invalid, "job.cause_required", Some("cause")));

    f.step(&crew.tech, "update_job", json!({"job_id": job0, "concern": "常规保养", "cause": "到保养里程", "correction": "  "})).await;
    let err = f.try_step(&crew.tech, "complete_job", json!({"job_id": job0, "confirm": confirm})).await.unwrap_err();
    assert_eq!((err.code.as_str(), err.field.as_deref()), ("job.correction_required", Some("correction")));
    assert!(job(&f.page, &job0)["done_at"].is_null());

    f.step(&crew.tech, "update_job", json!({"job_id": job0, "concern": "常规保养", "cause": "到保养里程", "correction": "更换机油机滤"})).await;
    f.step(&crew.tech, "complete_job", json!({"job_id": job0, "confirm": confirm})).await;
    assert!(job(&f.page, &job0)["done_at"].is_string());
}

#[tokio::test]
async fn completing_a_job_with_no_clocked_time_is_refused_without_a_confirmation_and_accepted_with_it() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let mut f = Flow::in_status(&t, &crew, "in_repair").await;
    let job0 = f.job(0);
    f.step(&crew.tech, "update_job", json!({"job_id": job0, "concern": "常规保养", "cause": "到保养里程", "correction": "更换机油机滤"})).await;
    let warnings = &job(&f.page, &job0)["completion_warnings"];
    assert_eq!(warnings.as_array().unwrap().len(), 1, "the order page says it before anyone clicks: {warnings}");
    assert_eq!(warnings[0]["code"], "job.no_time_clocked");
    assert_eq!(warnings[0]["kind"], "needs_confirmation");

    let err = f.try_step(&crew.tech, "complete_job", json!({"job_id": job0})).await.unwrap_err();
    assert_eq!((err.kind, err.code.as_str()), (ErrorKind::NeedsConfirmation, "job.no_time_clocked"));
    assert!(err.message.contains("no time is clocked"), "{}", err.message);
    assert!(job(&f.page, &job0)["done_at"].is_null(), "refused, nothing written");

    f.step(&crew.tech, "complete_job", json!({"job_id": job0, "confirm": ["job.no_time_clocked"]})).await;
    assert!(job(&f.page, &job0)["done_at"].is_string(), "confirmed, it is done");
    assert_eq!(job(&f.page, &job0)["completion_warnings"], json!([]));
}

#[tokio::test]
async fn completing_a_job_whose_parts_were_not_issued_asks_for_a_confirmation_naming_the_part() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let part = t.part("06L115562B", 6_800, 5_000).await;
    let mut f = Flow::check_in(&t, &crew).await;
    f.move_to(&crew.tech, "diagnosing").await;
    let job0 = f.job(0);
    f.step(&crew.tech, "add_line", json!({"job_id": job0, "kind": "part", "part_id": part, "quantity_milli": 1000})).await;
    f.drive_to("in_repair").await;
    f.step(&crew.tech, "update_job", json!({"job_id": job0, "concern": "常规保养", "cause": "到保养里程", "correction": "更换机油机滤"})).await;
    t.ok(&crew.tech, "start_clock", json!({"job_id": job0})).await;
    t.advance(chrono::Duration::minutes(20));
    let page = t.ok(&crew.tech, "get_order_detail", json!({"id": f.ro})).await;
    let codes: Vec<&str> = job(&page, &job0)["completion_warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["job.parts_not_issued"], "a running clock counts as time on the job");

    let err = f.try_step(&crew.tech, "complete_job", json!({"job_id": job0})).await.unwrap_err();
    assert_eq!((err.kind, err.code.as_str()), (ErrorKind::NeedsConfirmation, "job.parts_not_issued"));
    assert!(err.message.contains("机油滤清器"), "names the part: {}", err.message);
    assert_eq!(err.params.get("parts").map(String::as_str), Some("06L115562B 机油滤清器"));
    let running: i64 = t.count("SELECT COUNT(*) FROM time_clocks WHERE stopped_at IS NULL").await;
    assert_eq!(running, 1, "a refused completion leaves the clock running");

    let line = job(&f.page, &job0)["lines"][0]["id"].clone();
    f.step(&crew.tech, "issue_part", json!({"line_id": line})).await;
    f.step(&crew.tech, "complete_job", json!({"job_id": job0})).await;
    assert!(job(&f.page, &job0)["done_at"].is_string(), "issued and clocked: done without a question");
    assert_eq!(job(&f.page, &job0)["clocked_seconds"], 20 * 60);
}

#[tokio::test]
async fn stopping_the_clock_says_which_job_it_ran_on_and_for_how_long() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let f = Flow::in_status(&t, &crew, "in_repair").await;
    let job0 = f.job(0);
    t.ok(&crew.tech, "start_clock", json!({"job_id": job0})).await;
    t.advance(chrono::Duration::minutes(10));
    t.ok(&crew.tech, "stop_clock", json!({})).await;
    let started = t.ok(&crew.tech, "start_clock", json!({"job_id": job0})).await;
    assert!(started["stopped"].is_null(), "only stopping says what it stopped");
    t.advance(chrono::Duration::minutes(25));

    let mine = t.ok(&crew.tech, "stop_clock", json!({})).await;
    let stopped = &mine["stopped"];
    assert_eq!(stopped["job_id"], job0.as_str());
    assert_eq!(stopped["number"], f.page["order"]["number"]);
    assert_eq!(stopped["concern"], "常规保养");
    assert_eq!(stopped["seconds"], 25 * 60, "this stretch");
    assert_eq!(stopped["total_seconds"], 35 * 60, "and all the time on the job");
    assert!(mine["running_job_id"].is_null());
}
