//! Every operation of the one list (`ops::OPERATIONS`), fed generated JSON as
//! each role: inputs shaped by the operation's own input type (read from the
//! TypeScript ts-rs writes for it, so a new operation is covered without a line
//! here), the same mutated (a field dropped, of the wrong type, extreme numbers,
//! long text), random JSON, and the inputs that succeeded while the fixture was
//! built (orders walked through every state), replayed as they were and mutated,
//! so the cases also reach past each operation's checks into what it writes. The property: no panic, no `internal` error, and
//! an error commits nothing (SQLite's `data_version`, read on a connection of
//! our own, moves whenever any other connection commits).
//!
//! Cases per operation: `STATIONDESK_FUZZ_CASES` (default 100; docs/release.md).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use common::flow::Flow;
use common::TestStation;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};
use sqlx::{Connection, SqliteConnection};
use station::domain::Money;
use station::ops::OPERATIONS;
use station::ErrorKind;

// ---- The input types, from the TypeScript ts-rs generates -------------------

/// A TypeScript type as ts-rs writes them.
#[derive(Debug, Clone)]
enum Ty {
    Str,
    Num,
    Bool,
    Null,
    Any,
    Lit(String),
    Arr(Box<Ty>),
    Tuple(Vec<Ty>),
    Obj(Vec<(String, bool, Ty)>),
    Map(Box<Ty>),
    Union(Vec<Ty>),
    Inter(Vec<Ty>),
    Ref(String),
}

fn tokens(src: &str) -> Vec<String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(chars[start..i.min(chars.len())].iter().collect());
        } else if c.is_alphanumeric() || c == '_' || c == '$' || c == '-' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$' || chars[i] == '-' || chars[i] == '.') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

struct Parser {
    t: Vec<String>,
    i: usize,
}

impl Parser {
    fn peek(&self) -> &str {
        self.t.get(self.i).map_or("", String::as_str)
    }
    fn next(&mut self) -> String {
        self.i += 1;
        self.t.get(self.i - 1).cloned().unwrap_or_default()
    }
    fn eat(&mut self, s: &str) -> bool {
        if self.peek() == s {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn ty(&mut self) -> Ty {
        self.eat("|");
        let mut parts = vec![self.inter()];
        while self.eat("|") {
            parts.push(self.inter());
        }
        if parts.len() == 1 {
            parts.remove(0)
        } else {
            Ty::Union(parts)
        }
    }
    fn inter(&mut self) -> Ty {
        let mut parts = vec![self.postfix()];
        while self.eat("&") {
            parts.push(self.postfix());
        }
        if parts.len() == 1 {
            parts.remove(0)
        } else {
            Ty::Inter(parts)
        }
    }
    fn postfix(&mut self) -> Ty {
        let mut t = self.primary();
        while self.peek() == "[" && self.t.get(self.i + 1).map(String::as_str) == Some("]") {
            self.i += 2;
            t = Ty::Arr(Box::new(t));
        }
        t
    }
    fn primary(&mut self) -> Ty {
        let tok = self.next();
        match tok.as_str() {
            "{" => self.members(),
            "[" => {
                let mut items = Vec::new();
                while !self.eat("]") && self.i < self.t.len() {
                    items.push(self.ty());
                    self.eat(",");
                }
                Ty::Tuple(items)
            }
            "(" => {
                let t = self.ty();
                self.eat(")");
                t
            }
            "string" => Ty::Str,
            "number" | "bigint" => Ty::Num,
            "boolean" => Ty::Bool,
            "null" | "undefined" => Ty::Null,
            "unknown" | "any" | "JsonValue" => Ty::Any,
            "true" | "false" => Ty::Lit(tok),
            s if s.starts_with('"') => Ty::Lit(serde_json::from_str::<String>(s).unwrap_or_default()),
            "Array" | "Record" | "Partial" => {
                let mut args = Vec::new();
                if self.eat("<") {
                    loop {
                        args.push(self.ty());
                        if !self.eat(",") {
                            break;
                        }
                    }
                    self.eat(">");
                }
                match (tok.as_str(), args.pop()) {
                    ("Array", Some(t)) => Ty::Arr(Box::new(t)),
                    ("Partial", Some(t)) => t,
                    (_, Some(t)) => Ty::Map(Box::new(t)),
                    _ => Ty::Any,
                }
            }
            s if s.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '-') => Ty::Lit(s.to_string()),
            name => {
                if self.eat("<") {
                    // Generic arguments: not used by any input type so far.
                    let mut depth = 1;
                    while depth > 0 && self.i < self.t.len() {
                        match self.next().as_str() {
                            "<" => depth += 1,
                            ">" => depth -= 1,
                            _ => {}
                        }
                    }
                }
                Ty::Ref(name.to_string())
            }
        }
    }
    fn members(&mut self) -> Ty {
        let mut fields = Vec::new();
        while !self.eat("}") && self.i < self.t.len() {
            if self.eat("[") {
                // `{ [key in string]?: T }`: a map.
                while !self.eat("]") && self.i < self.t.len() {
                    self.i += 1;
                }
                self.eat("?");
                self.eat(":");
                let value = self.ty();
                self.eat(",");
                self.eat(";");
                self.eat("}");
                return Ty::Map(Box::new(value));
            }
            let key = self.next();
            let key = serde_json::from_str::<String>(&key).unwrap_or(key);
            let optional = self.eat("?");
            self.eat(":");
            let t = self.ty();
            fields.push((key, optional, t));
            if !self.eat(",") {
                self.eat(";");
            }
        }
        Ty::Obj(fields)
    }
}

/// Every declared type by name, and each operation's input type name.
fn schema() -> (HashMap<String, Ty>, HashMap<String, String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    station::ops::export_typescript(dir.path()).expect("export TypeScript");
    let mut types = HashMap::new();
    let mut inputs = HashMap::new();
    let mut files = Vec::new();
    let mut dirs = vec![dir.path().to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).expect("read bindings") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    for path in files {
        let src = std::fs::read_to_string(&path).expect("read binding");
        if path.file_name().is_some_and(|n| n == "Operations.ts") {
            for line in src.lines() {
                if let Some((op, rest)) = line.trim().split_once(": { input: ") {
                    inputs.insert(op.to_string(), rest.split(';').next().unwrap_or_default().trim().to_string());
                }
            }
            continue;
        }
        let toks = tokens(&src);
        let mut i = 0;
        while i + 3 < toks.len() {
            if toks[i] == "export" && toks[i + 1] == "type" {
                let name = toks[i + 2].clone();
                let mut p = Parser { t: toks.clone(), i: i + 3 };
                if p.eat("<") {
                    while !p.eat(">") && p.i < p.t.len() {
                        p.i += 1;
                    }
                }
                p.eat("=");
                types.insert(name, p.ty());
                i = p.i;
            } else {
                i += 1;
            }
        }
    }
    (types, inputs)
}

// ---- Values ----------------------------------------------------------------

/// Ids and numbers the station holds, so generated inputs reach past "not found".
struct Pools {
    ids: BTreeMap<String, Vec<String>>,
    all_ids: Vec<String>,
    /// The records' current versions, so an `expected_version` often matches.
    versions: Vec<i64>,
    /// Each record's current version by id, so a replayed input names the version it now has.
    version_of: HashMap<String, i64>,
}

/// Re-reads the versions: the cases before moved them on.
async fn refresh_versions(fx: &mut Fixture) {
    let mut version_of = HashMap::new();
    let orders = [
        "SELECT id, version FROM repair_orders",
        "SELECT id, version FROM complaints",
        "SELECT id, version FROM follow_ups",
        "SELECT id, version FROM service_requests",
    ];
    // A job or a line is changed under its order's version.
    let parts = [
        "SELECT j.id, r.version FROM ro_jobs j JOIN repair_orders r ON r.id = j.ro_id",
        "SELECT l.id, r.version FROM ro_lines l JOIN repair_orders r ON r.id = l.ro_id",
    ];
    for sql in orders.into_iter().chain(parts) {
        version_of.extend(sqlx::query_as::<_, (String, i64)>(sql).fetch_all(fx.t.station.pool()).await.unwrap_or_default());
    }
    fx.pools.versions = version_of.values().copied().collect();
    fx.pools.version_of = version_of;
}

/// Every id in `input` (top-level keys such as `ro_id`, `job_id`) replaced by another of its kind.
fn swap_ids(input: &mut Value, pools: &Pools, rng: &mut StdRng) {
    let Some(obj) = input.as_object_mut() else { return };
    for (key, value) in obj.iter_mut() {
        if let (Some(pool), true) = (pools.ids.get(key.as_str()).filter(|p| !p.is_empty()), value.is_string()) {
            *value = json!(any_of(rng, pool));
        }
    }
}

/// A replayed input's `expected_version` set to the current version of the record it names.
fn freshen(input: &mut Value, pools: &Pools) {
    let Some(obj) = input.as_object_mut() else { return };
    if !obj.contains_key("expected_version") {
        return;
    }
    let named = ["ro_id", "id", "complaint_id", "follow_up_id", "service_request_id", "request_id", "job_id", "line_id"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str).and_then(|id| pools.version_of.get(id)).copied());
    if let Some(version) = named {
        obj.insert("expected_version".to_string(), json!(version));
    }
}

const TEXT: &[&str] = &["", " ", "王芳", "a", "常规保养", "' OR 1=1 --", "<script>alert(1)</script>", "🚗💥", "\u{0}", "NaN", "-1", "１２３", "\u{202e}abc"];

fn any_of<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn string_for(key: &str, pools: &Pools, rng: &mut StdRng) -> Value {
    let k = key.to_ascii_lowercase();
    if rng.random_bool(0.1) {
        return json!(any_of(rng, TEXT));
    }
    if rng.random_bool(0.03) {
        return json!("x".repeat(rng.random_range(1_000..70_000)));
    }
    let id_key = k.trim_end_matches('s');
    if k == "id" || k.ends_with("_id") || k.ends_with("_ids") || k == "token" || k == "sha256" {
        let pool = pools.ids.get(id_key).filter(|p| !p.is_empty() && rng.random_bool(0.8)).unwrap_or(&pools.all_ids);
        return json!(any_of(rng, pool));
    }
    let pick: &[&str] = match () {
        _ if k.contains("phone") => &["13812345678", "+8613812345678", "021-5555 1234", "138****5678"],
        _ if k.contains("vin") => &[common::VIN_A, common::VIN_B, "1M8GDM9AXKP04278", "IOQIOQIOQIOQIOQIO"],
        _ if k.contains("plate") => &["沪A12345", "京B·D12345", "ABC"],
        _ if k.contains("pin") => &["1111", "2222", "3333", "4444", "12", "abcd"],
        _ if k.contains("email") => &["a@b.cn", "not-an-email"],
        _ if k == "from" || k == "to" || k.ends_with("date") || k.ends_with("day") => &["2026-11-22", "2026-11-01", "2026-13-40", "2020-01-01"],
        _ if k.ends_with("_at") || k == "at" => &["2026-11-22T02:00:00Z", "2026-11-23T09:30:00+08:00", "yesterday"],
        _ if k.contains("month") => &["2026-11", "2026-10", "2027-01"],
        _ if k.contains("language") || k == "locale" => &["zh-CN", "en", "zh-TW", "fr"],
        _ if k.contains("url") => &["https://127.0.0.1:1", "http://localhost:9", "ftp://x"],
        _ if k.contains("data") || k.contains("png") || k.contains("base64") => {
            &["data:image/png;base64,iVBORw0KGgo=", "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "!!"]
        }
        _ if k.contains("svg") => &["<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "<svg><script/></svg>"],
        _ if k.contains("code") => &["X1", "P0300", "SH01", "ABCD-1234"],
        _ => TEXT,
    };
    json!(any_of(rng, pick))
}

fn number_for(key: &str, pools: &Pools, rng: &mut StdRng) -> Value {
    let k = key.to_ascii_lowercase();
    let line = Money::MAX_LINE.minor();
    let order = Money::MAX_ORDER.minor();
    if rng.random_bool(0.1) {
        return any_of(rng, &[json!(i64::MAX), json!(i64::MIN), json!(u64::MAX), json!(1e300), json!(-0.5), json!(0.5), json!(-1)]).clone();
    }
    let pick: Vec<i64> = match () {
        _ if k.contains("version") && !pools.versions.is_empty() && rng.random_bool(0.8) => pools.versions.clone(),
        _ if k.contains("version") => (0..12).collect(),
        _ if k.contains("milli") => vec![0, 1, 500, 1000, 1500, 1_000_000_000, 1_000_000_001],
        _ if ["price", "rate", "amount", "discount", "value", "minor", "threshold"].iter().any(|w| k.contains(w)) => {
            vec![0, 1, 100, 20_000, line, line + 1, order, order + 1, -1]
        }
        _ if k.contains("km") => vec![0, 10_000, 10_012, 2_000_000, 2_000_001],
        _ if k.contains("bp") => vec![0, 1300, 10_000, 10_001],
        _ if k.contains("minutes") || k.contains("days") || k.contains("hours") || k.contains("limit") || k.contains("keep") => {
            vec![0, 1, 5, 30, 90, 366, 100_000]
        }
        _ => vec![0, 1, 2, 3, 4, 5, 8, 100, 1000, 480, -480],
    };
    json!(any_of(rng, &pick))
}

fn valid(ty: &Ty, key: &str, types: &HashMap<String, Ty>, pools: &Pools, rng: &mut StdRng, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    match ty {
        Ty::Str => string_for(key, pools, rng),
        Ty::Num => number_for(key, pools, rng),
        Ty::Bool => json!(rng.random_bool(0.5)),
        Ty::Null => Value::Null,
        Ty::Any => random(rng, pools, 2),
        Ty::Lit(s) => serde_json::from_str(s).unwrap_or_else(|_| json!(s)),
        Ty::Arr(t) => Value::Array((0..rng.random_range(0..4)).map(|_| valid(t, key, types, pools, rng, depth + 1)).collect()),
        Ty::Tuple(ts) => Value::Array(ts.iter().map(|t| valid(t, key, types, pools, rng, depth + 1)).collect()),
        Ty::Map(t) => {
            let mut m = Map::new();
            for _ in 0..rng.random_range(0..3) {
                let k = any_of(rng, &["a", "labor", "oil", "k"]).to_string();
                m.insert(k.clone(), valid(t, &k, types, pools, rng, depth + 1));
            }
            Value::Object(m)
        }
        Ty::Obj(fields) => {
            let mut m = Map::new();
            for (k, optional, t) in fields {
                if *optional && rng.random_bool(0.5) {
                    continue;
                }
                m.insert(k.clone(), valid(t, k, types, pools, rng, depth + 1));
            }
            Value::Object(m)
        }
        Ty::Union(options) => {
            let non_null: Vec<&Ty> = options.iter().filter(|t| !matches!(t, Ty::Null)).collect();
            if non_null.is_empty() || (non_null.len() < options.len() && rng.random_bool(0.2)) {
                Value::Null
            } else {
                let t = *any_of(rng, &non_null);
                valid(t, key, types, pools, rng, depth + 1)
            }
        }
        Ty::Inter(parts) => {
            let mut m = Map::new();
            for t in parts {
                if let Value::Object(o) = valid(t, key, types, pools, rng, depth + 1) {
                    m.extend(o);
                }
            }
            Value::Object(m)
        }
        Ty::Ref(name) => match types.get(name) {
            Some(t) => valid(t, key, types, pools, rng, depth + 1),
            None => random(rng, pools, 1),
        },
    }
}

fn random(rng: &mut StdRng, pools: &Pools, depth: usize) -> Value {
    match rng.random_range(0..if depth == 0 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => json!(rng.random_bool(0.5)),
        2 => number_for("", pools, rng),
        3 => {
            let key = *any_of(rng, &["id", "text", "ro_id", "job_id"]);
            string_for(key, pools, rng)
        }
        4 => json!(rng.random::<f64>() * 1e6),
        5 => Value::Array((0..rng.random_range(0..4)).map(|_| random(rng, pools, depth - 1)).collect()),
        _ => {
            let mut m = Map::new();
            for _ in 0..rng.random_range(0..5) {
                let k = any_of(rng, &["id", "ro_id", "job_id", "name", "amount", "kind", "to", "step", "payments", "x"]).to_string();
                m.insert(k, random(rng, pools, depth - 1));
            }
            Value::Object(m)
        }
    }
}

/// Changes one randomly chosen place in `v`: drops or adds a key, swaps a value for
/// one of another type or an extreme, lengthens text, repeats array items.
fn mutate(v: &mut Value, rng: &mut StdRng, pools: &Pools) {
    let descend = rng.random_bool(0.6);
    match v {
        Value::Object(m) if descend && !m.is_empty() => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let k = any_of(rng, &keys).clone();
            if let Some(child) = m.get_mut(&k) {
                mutate(child, rng, pools);
            }
        }
        Value::Array(a) if descend && !a.is_empty() => {
            let i = rng.random_range(0..a.len());
            mutate(&mut a[i], rng, pools);
        }
        Value::Object(m) => match rng.random_range(0..3) {
            0 if !m.is_empty() => {
                let keys: Vec<String> = m.keys().cloned().collect();
                let k = any_of(rng, &keys).clone();
                m.remove(&k);
            }
            1 => {
                m.insert(any_of(rng, &["extra", "__proto__", "id", "confirm", "kind"]).to_string(), random(rng, pools, 1));
            }
            _ => *v = random(rng, pools, 2),
        },
        Value::Array(a) if !a.is_empty() && rng.random_bool(0.3) => {
            let first = a[0].clone();
            a.extend(std::iter::repeat_n(first, rng.random_range(1..60)));
        }
        Value::String(s) if rng.random_bool(0.3) => {
            *s = s.repeat(rng.random_range(2..2_000)).chars().take(100_000).collect();
        }
        _ => *v = random(rng, pools, 2),
    }
}

// ---- The station under test ------------------------------------------------

struct Fixture {
    t: TestStation,
    /// Role → (staff id, PIN, token).
    staff: Vec<(&'static str, String, String, String)>,
    /// Every staff row's (id, role, PIN hash) as the fixture made them.
    staff_rows: Vec<(String, String, String)>,
    pools: Pools,
    observer: SqliteConnection,
    /// Operation → (role index, or None for a caller outside `staff`; input) of each call
    /// that succeeded while the fixture was built.
    replays: HashMap<String, Vec<(Option<usize>, Value)>>,
}

async fn fixture() -> Fixture {
    let t = TestStation::without_sync_worker("FZ01", common::morning()).await;
    let crew = t.crew().await;
    let part = t.part("P-100", 4_500, 10_000).await;
    let mut statuses = Vec::new();
    for status in ["checked_in", "diagnosing", "estimate_ready", "in_repair", "quality_check", "ready_for_pickup", "delivered", "cancelled"] {
        let f = Flow::in_status(&t, &crew, status).await;
        statuses.push(f.ro);
    }
    let complaint = t.ok(&crew.advisor, "open_complaint", common::aftersales::complaint_input(&crew.customer, "svc.attitude.rude", "normal")).await;
    assert!(complaint.is_object(), "{complaint}");
    let request = t.ok(&crew.advisor, "open_service_request", json!({"channel": "phone", "request": "下周保养", "customer_id": crew.customer})).await;
    assert!(request.is_object(), "{request}");

    let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let queries: &[(&str, &str)] = &[
        ("ro_id", "SELECT id FROM repair_orders"),
        ("job_id", "SELECT id FROM ro_jobs"),
        ("line_id", "SELECT id FROM ro_lines"),
        ("customer_id", "SELECT id FROM customers"),
        ("vehicle_id", "SELECT id FROM vehicles"),
        ("staff_id", "SELECT id FROM staff"),
        ("part_id", "SELECT id FROM parts"),
        ("complaint_id", "SELECT id FROM complaints"),
        ("follow_up_id", "SELECT id FROM follow_ups"),
        ("item_id", "SELECT id FROM qc_items"),
        ("authorization_id", "SELECT id FROM ro_authorizations"),
        ("document_id", "SELECT id FROM ro_documents"),
        ("request_id", "SELECT id FROM service_requests"),
        ("sha256", "SELECT sha256 FROM files"),
    ];
    for (key, sql) in queries {
        let found: Vec<String> = sqlx::query_scalar(sql).fetch_all(t.station.pool()).await.unwrap_or_default();
        ids.insert(key.to_string(), found);
    }
    // Keys in the inputs that name the same things differently.
    for (alias, of) in [
        ("approved_job_id", "job_id"),
        ("declined_job_id", "job_id"),
        ("rework_job_id", "job_id"),
        ("survivor_id", "customer_id"),
        ("loser_id", "customer_id"),
        ("technician_id", "staff_id"),
        ("owner_id", "staff_id"),
        ("to_staff_id", "staff_id"),
        ("item", "item_id"),
    ] {
        let v = ids.get(of).cloned().unwrap_or_default();
        ids.insert(alias.to_string(), v);
    }
    let all_ids: Vec<String> = ids.values().flatten().cloned().chain([part, "nope".to_string(), String::new()]).collect();

    let status = t.ok(&t.manager, "setup_status", json!({})).await;
    let mut staff = Vec::new();
    for (role, name, pin) in
        [("manager", "王经理", "1111"), ("advisor", "李顾问", "2222"), ("technician", "张技师", "3333"), ("qc_inspector", "赵质检", "4444")]
    {
        let id = status["staff"].as_array().and_then(|s| s.iter().find(|m| m["name"] == name)).map(|m| m["id"].as_str().unwrap_or_default().to_string());
        staff.push((role, id.unwrap_or_default(), pin.to_string(), crew.token(role).to_string()));
    }
    let url = format!("sqlite://{}", station::store::db::db_path(t.dir.path()).display());
    let observer = SqliteConnection::connect(&url).await.expect("observer connection");
    let staff_rows = sqlx::query_as("SELECT id, role, pin_hash FROM staff").fetch_all(t.station.pool()).await.expect("staff rows");
    let mut replays: HashMap<String, Vec<(Option<usize>, Value)>> = HashMap::new();
    for (op, token, input) in t.succeeded.lock().expect("succeeded calls").iter() {
        let role = staff.iter().position(|s| &s.3 == token).or((token == &t.manager).then_some(0));
        replays.entry(op.clone()).or_default().push((role, input.clone()));
    }
    Fixture { t, staff, staff_rows, pools: Pools { ids, all_ids, versions: Vec::new(), version_of: HashMap::new() }, observer, replays }
}

/// Bumps whenever another connection commits to the database.
async fn data_version(conn: &mut SqliteConnection) -> i64 {
    sqlx::query_scalar("PRAGMA data_version").fetch_one(conn).await.expect("data_version")
}

#[derive(Default)]
struct Tally {
    cases: usize,
    ok: usize,
    decoded: usize,
    /// Answered ok and committed: proof the observer sees other connections' commits.
    wrote: usize,
    /// Error code → how many cases got it (printed, to see what stops an operation's cases).
    errors: BTreeMap<String, usize>,
}

#[test]
fn every_operation_survives_generated_input_as_every_role_without_a_panic_a_500_or_a_write_on_error() {
    let cases: u32 = std::env::var("STATIONDESK_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let seed: u64 = std::env::var("STATIONDESK_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(13);
    let rt = Arc::new(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime"));
    let fx = Arc::new(tokio::sync::Mutex::new(rt.block_on(fixture())));
    let (types, inputs) = schema();
    let started = std::time::Instant::now();
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();

    // STATIONDESK_FUZZ_OPS=a,b runs only those (to chase one failure).
    let only: Option<Vec<String>> = std::env::var("STATIONDESK_FUZZ_OPS").ok().map(|v| v.split(',').map(str::to_string).collect());
    for (n, (op, _)) in OPERATIONS.iter().enumerate() {
        if only.as_ref().is_some_and(|only| !only.iter().any(|o| o == op)) {
            continue;
        }
        let input_name = inputs.get(*op).unwrap_or_else(|| panic!("{op} is missing from Operations.ts"));
        let input_ty = types.get(input_name).cloned().unwrap_or_else(|| panic!("{op}: no TypeScript declaration of {input_name}"));
        let config = Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 0,
            rng_seed: proptest::test_runner::RngSeed::Fixed(seed + n as u64),
            ..Config::default()
        };
        rt.block_on(async { refresh_versions(&mut *fx.lock().await).await });
        let mut runner = TestRunner::new(config);
        let tally = std::cell::RefCell::new(Tally::default());
        let result = runner.run(&proptest::prelude::any::<u64>(), |case_seed| {
            let mut rng = StdRng::seed_from_u64(case_seed);
            let mut role = rng.random_range(0..5);
            let (input, how) = {
                let fx = fx.blocking_lock();
                let replays = fx.replays.get(*op).map(Vec::as_slice).unwrap_or_default();
                match rng.random_range(0..if replays.is_empty() { 4 } else { 7 }) {
                    0 => (random(&mut rng, &fx.pools, 3), "random"),
                    1 => (valid(&input_ty, "", &types, &fx.pools, &mut rng, 0), "valid"),
                    replay @ 4..=6 => {
                        let (caller, input) = any_of(&mut rng, replays);
                        if let Some(caller) = caller.filter(|_| rng.random_bool(0.8)) {
                            role = caller;
                        }
                        let mut v = input.clone();
                        // The recorded record has usually moved on from the state the call needs;
                        // another of the same kind may be in it now.
                        if rng.random_bool(0.5) {
                            swap_ids(&mut v, &fx.pools, &mut rng);
                        }
                        freshen(&mut v, &fx.pools);
                        if replay == 4 {
                            (v, "replayed")
                        } else {
                            for _ in 0..rng.random_range(1..3) {
                                mutate(&mut v, &mut rng, &fx.pools);
                            }
                            (v, "replayed and mutated")
                        }
                    }
                    _ => {
                        let mut v = valid(&input_ty, "", &types, &fx.pools, &mut rng, 0);
                        for _ in 0..rng.random_range(1..4) {
                            mutate(&mut v, &mut rng, &fx.pools);
                        }
                        (v, "mutated")
                    }
                }
            };
            let fx = fx.clone();
            let shown = {
                let s = input.to_string();
                s.chars().take(600).collect::<String>()
            };
            let op_name = op.to_string();
            let outcome = rt.block_on(async move {
                let mut fx = fx.lock().await;
                let token = if role == 4 { None } else { Some(session(&mut fx, role).await) };
                let before = data_version(&mut fx.observer).await;
                let station = fx.t.station.clone();
                // Spawned, so a panic inside comes back as an error naming the case.
                let answer = tokio::spawn(async move { station.dispatch(&op_name, token.as_deref(), input).await }).await;
                let after = data_version(&mut fx.observer).await;
                if before != after {
                    // A write may have moved a version on that a later replay names.
                    refresh_versions(&mut fx).await;
                }
                (answer, before != after)
            });
            let context =
                format!("{op} as {} ({how} input, case seed {case_seed}): {shown}", ["manager", "advisor", "technician", "qc_inspector", "nobody"][role]);
            let mut tally = tally.borrow_mut();
            tally.cases += 1;
            match outcome {
                (Err(join), _) => Err(TestCaseError::fail(format!("PANIC {join} in {context}"))),
                (Ok(Err(e)), _) if e.kind == ErrorKind::Internal => Err(TestCaseError::fail(format!("INTERNAL {e:?} in {context}"))),
                (Ok(Err(e)), true) if !writes_on_error(&e.code) => Err(TestCaseError::fail(format!("WROTE on error {e:?} in {context}"))),
                (Ok(Err(e)), _) => {
                    *tally.errors.entry(e.code.clone()).or_default() += 1;
                    if e.code != "input.malformed" {
                        tally.decoded += 1;
                    }
                    Ok(())
                }
                (Ok(Ok(_)), wrote) => {
                    tally.wrote += usize::from(wrote);
                    tally.ok += 1;
                    tally.decoded += 1;
                    Ok(())
                }
            }
        });
        if let Err(e) = result {
            panic!("{e}");
        }
        tallies.insert(op, tally.into_inner());
    }

    if std::env::var_os("STATIONDESK_FUZZ_CASES").is_some() {
        for (op, t) in &tallies {
            let mut errors: Vec<_> = t.errors.iter().collect();
            errors.sort_by(|a, b| b.1.cmp(a.1));
            let errors: Vec<String> = errors.iter().take(4).map(|(code, n)| format!("{code} {n}")).collect();
            println!("{op:32} {:5} cases {:5} decoded {:5} ok {:5} wrote   {}", t.cases, t.decoded, t.ok, t.wrote, errors.join(", "));
        }
    }
    assert!(only.is_some() || tallies.values().any(|t| t.wrote > 0), "no successful write was seen: the observer cannot tell a write from none");
    let total: usize = tallies.values().map(|t| t.cases).sum();
    let ok: usize = tallies.values().map(|t| t.ok).sum();
    println!("fuzz: {} operations, {total} cases ({ok} answered ok) in {:.1} s", tallies.len(), started.elapsed().as_secs_f64());
    // Coverage: every operation of the list got inputs its decoder took, so the
    // cases reached the operation's own checks, not only serde's.
    let undecoded: Vec<&&str> = tallies.iter().filter(|(_, t)| t.decoded == 0).map(|(op, _)| op).collect();
    assert!(undecoded.is_empty(), "no generated input got past decoding for {undecoded:?}");
    assert_eq!(tallies.len(), only.map_or(OPERATIONS.len(), |o| o.len()));
}

/// Errors that write by design: a wrong PIN, at login or approving something,
/// counts towards the lockout (auth/lockout.rs).
fn writes_on_error(code: &str) -> bool {
    matches!(code, "auth.bad_pin" | "auth.bad_manager_pin" | "auth.locked")
}

/// A live session of role `role` (0..4 in `Fixture::staff` order). Generated
/// cases log out, lock PINs with wrong guesses, and change staff's role, PIN or
/// active flag; a dead token is replaced by logging in again, after putting the
/// staff rows back as the fixture made them (the harness's write, not a case's).
async fn session(fx: &mut Fixture, role: usize) -> String {
    let (_, id, pin, token) = fx.staff[role].clone();
    if fx.t.station.dispatch("me", Some(&token), json!({})).await.is_ok_and(|me| me["staff"]["role"] == fx.staff[role].0 && me["staff"]["active"] != false) {
        return token;
    }
    let pool = fx.t.station.pool();
    for (staff_id, role, pin_hash) in &fx.staff_rows {
        let restore = sqlx::query("UPDATE staff SET role = ?, pin_hash = ?, active = 1 WHERE id = ?").bind(role).bind(pin_hash).bind(staff_id);
        restore.execute(pool).await.expect("restore staff");
    }
    sqlx::query("DELETE FROM pin_failures").execute(pool).await.expect("clear lockouts");
    match fx.t.station.dispatch("login", None, json!({"staff_id": id, "pin": pin})).await {
        Ok(s) => {
            let token = s["token"].as_str().unwrap_or_default().to_string();
            fx.staff[role].3 = token.clone();
            token
        }
        Err(e) => panic!("the fixture's {} cannot log in again: {e:?}", fx.staff[role].0),
    }
}
