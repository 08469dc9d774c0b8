#!/usr/bin/env python3
"""Drives an old StationDesk station's HTTP API (`serve`) to make an upgrade
fixture: a realistic station with staff, customers, vehicles, an order in every
state that release has, signed documents, printed PDFs, photos and an outbox
never synced. Then, with the station stopped (`--manifest`), writes the
manifest the upgrade test checks against.

Used by scripts/make-upgrade-fixture.sh; see docs/release.md ("Upgrades keep data").
Standard library only, so it runs wherever the release's own build does.

Input shapes are those of release 0.1.0 (migration 0009). A later release whose
operations changed adds its own branch here, keyed on the states it reports.
"""

import base64
import hashlib
import json
import sqlite3
import sys
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

# The fixture's people log in with these PINs in the upgrade test.
CREW = [
    ("李顾问", "advisor", "2222"),
    ("张技师", "technician", "3333"),
    ("刘技师", "technician", "3434"),
    ("赵质检", "qc_inspector", "4444"),
    ("陈顾问", "advisor", "2323"),  # leaves: deactivated below
]
MANAGER = ("王经理", "1111")
STATION = ("SH01", "浦东服务站")

CUSTOMERS = [
    ("王芳", "13812345678", "沪A12345", "1M8GDM9AXKP042788", "大众", "朗逸"),
    ("李强", "13987654321", "沪B66666", "LSVAU218?N2183294", "丰田", "卡罗拉"),
    ("Maria Garcia", "13700001111", "沪C12321", "WDD212048?A123456", "奔驰", "E 300"),
    ("张伟", "13611112222", "苏E88888", "", "比亚迪", "汉 EV"),
    ("上海快运有限公司", "02161234567", "沪D54321", "", "依维柯", "Daily"),
]


def vin(v):
    """Fills the check digit (position 9, ISO 3779) where the VIN has `?`."""
    if "?" not in v:
        return v
    values = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9]))
    weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    total = sum((int(c) if c.isdigit() else values.get(c, 0)) * w for c, w in zip(v, weights))
    return v.replace("?", "X" if total % 11 == 10 else str(total % 11))


class ApiError(Exception):
    pass


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, op, body=None, token=None):
        req = urllib.request.Request(f"{self.base}/api/{op}", data=json.dumps(body or {}).encode(), method="POST")
        req.add_header("content-type", "application/json")
        if token:
            req.add_header("authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise ApiError(f"{op}: {e.code} {e.read().decode()}") from None


def data_url(path, mime):
    return f"data:{mime};base64," + base64.b64encode(Path(path).read_bytes()).decode()


def images(work):
    """The photos (JPEG, 320x240) and signature (PNG) the example drew into WORK."""
    out = {name: work / f"{name}.jpg" for name in ("front", "left-door", "brake-pad", "paper-form")}
    out["signature"] = work / "signature.png"
    return out


STROKES = [
    {
        "penColor": "black",
        "dotSize": 0,
        "minWidth": 0.5,
        "maxWidth": 2.5,
        "points": [
            {"x": 20, "y": 70, "time": 1764500000000, "pressure": 0.5},
            {"x": 80, "y": 10, "time": 1764500000016, "pressure": 0.5},
            {"x": 150, "y": 90, "time": 1764500000032, "pressure": 0.5},
            {"x": 280, "y": 30, "time": 1764500000048, "pressure": 0.5},
        ],
    }
]


class Order:
    """One repair order and the latest order page; each step sends the version it read."""

    def __init__(self, api, crew, ro, customer):
        self.api, self.crew, self.ro, self.customer = api, crew, ro, customer
        self.page = api.call("get_order_detail", {"id": ro}, crew["advisor"])

    @property
    def status(self):
        return self.page["order"]["status"]

    def job(self, i):
        return self.page["jobs"][i]["id"]

    def step(self, who, op, body):
        body = dict(body)
        if "job_id" not in body and "line_id" not in body:
            body["ro_id"] = self.ro
        body["expected_version"] = self.page["order"]["version"]
        self.page = self.api.call(op, body, self.crew[who])
        return self.page

    def move(self, who, to, note=""):
        return self.step(who, "move_order", {"to": to, "note": note})

    def line(self, job, kind, description, quantity_milli=None, unit_price=None, part_id=None):
        body = {"job_id": self.job(job), "kind": kind, "description": description}
        if quantity_milli is not None:
            body["quantity_milli"] = quantity_milli
        if unit_price is not None:
            body["unit_price"] = unit_price
        if part_id is not None:
            body["part_id"] = part_id
        return self.step("advisor", "add_line", body)

    def pending_jobs(self):
        return [j["id"] for j in self.page["jobs"] if j["approval"] == "pending"]

    def authorize(self, signature, advisor_signature=None, method="in_person", jobs=None):
        body = {
            "method": method,
            "approver_name": self.customer,
            "approved_job_ids": self.pending_jobs() if jobs is None else jobs,
            "amount": self.page["totals"]["estimate"]["total"],
        }
        if signature:
            body["customer_signature"] = signature
        if advisor_signature:
            body["advisor_signature"] = advisor_signature
        return self.step("advisor", "record_authorization", body)

    def complete_all(self):
        for j in [j["id"] for j in self.page["jobs"] if j["approval"] == "approved" and j["done_at"] is None]:
            self.step("tech", "complete_job", {"job_id": j})

    def qc(self, passed):
        items = self.api.call("list_qc_items", {}, self.crew["qc"])["items"]
        results = [{"item_id": i["id"], "passed": passed, "note": "" if passed else "异响仍在"} for i in items]
        return self.step("qc", "record_qc", {"passed": passed, "items": results, "notes": "" if passed else "返工"})


def drive(base, work):
    api = Api(base)
    work = Path(work)
    pictures = images(work)
    session = api.call(
        "first_run_setup",
        {"station_code": STATION[0], "station_name": STATION[1], "manager_name": MANAGER[0], "manager_pin": MANAGER[1], "utc_offset_minutes": 480},
    )
    crew = {"manager": session["token"]}
    staff_ids = {}
    for name, role, pin in CREW:
        s = api.call("create_staff", {"name": name, "role": role, "pin": pin}, crew["manager"])
        staff_ids[name] = s["id"]
        token = api.call("login", {"staff_id": s["id"], "pin": pin})["token"]
        key = {"李顾问": "advisor", "张技师": "tech", "刘技师": "tech2", "赵质检": "qc", "陈顾问": "advisor2"}[name]
        crew[key] = token
    # One who left: deactivated, kept for the history.
    api.call("update_staff", {"id": staff_ids["陈顾问"], "name": "陈顾问", "role": "advisor", "active": False}, crew["manager"])

    # Catalog and stock: one part in stock, one not (an order then waits for it).
    api.call("save_labor_operation", {"code": "MAINT-10K", "description": "一万公里保养", "standard_hours_milli": 1500, "rate": 20000, "active": True}, crew["manager"])
    oil = api.call("save_part", {"part_no": "OF-001", "name": "机油滤清器", "bin": "A-01", "unit_price": 4500, "reorder_point_milli": 2000}, crew["manager"])
    api.call("receive_stock", {"part_id": oil["id"], "quantity_milli": 10000, "note": "首批"}, crew["manager"])
    pads = api.call("save_part", {"part_no": "BP-002", "name": "前刹车片", "bin": "B-03", "unit_price": 38000, "reorder_point_milli": 1000}, crew["manager"])

    people = []
    for name, phone, plate, vin_text, make, model in CUSTOMERS:
        fields = {"name": name, "phones": [phone], "language": "en" if name == "Maria Garcia" else "zh-CN", "consent_data": True}
        if "公司" in name:
            fields["company"] = name
        c = api.call("create_customer", fields, crew["advisor"])
        v = api.call("create_vehicle", {"customer_id": c["id"], "fields": {"plate": plate, "vin": vin(vin_text), "make": make, "model": model}}, crew["advisor"])
        people.append((c["id"], v["id"], name))
    # A second car for the first customer.
    second = api.call("create_vehicle", {"customer_id": people[0][0], "fields": {"plate": "沪A99999", "vin": "", "make": "特斯拉", "model": "Model 3"}}, crew["advisor"])

    def upload(label, who="advisor"):
        return api.call("upload_photo", {"data": data_url(pictures[label], "image/png" if label == "signature" else "image/jpeg")}, crew[who])["sha256"]

    sig_png = upload("signature")

    def on_screen(signer):
        return {"method": "on_screen", "signer_name": signer, "strokes": STROKES, "png_sha256": sig_png}

    odometer = [12000]

    def check_in(person, vehicle=None, photos=(), concerns=("常规保养", "刹车异响"), service="maintenance", priority="normal"):
        cid, vid, _ = person
        odometer[0] += 1000
        body = {
            "customer_id": cid,
            "vehicle_id": vehicle or vid,
            "service_type": service,
            "odometer_km": odometer[0],
            "fuel_eighths": 4,
            "damage_marks": [{"x": 200, "y": 300, "kind": "scratch", "note": "左前门"}],
            "photos": [{"sha256": upload(p), "caption": p} for p in photos],
            "personal_items": "雨伞",
            "concerns": [{"text": t, "fault_codes": ["P0300"] if "异响" in t else []} for t in concerns],
            "priority": priority,
        }
        ro = api.call("check_in", body, crew["advisor"])
        return Order(api, crew, ro["id"], person[2])

    def to_estimate(o):
        o.move("tech", "diagnosing")
        o.step("tech", "add_finding", {"job_id": o.job(0), "text": "机油发黑，滤清器堵塞", "photos": []})
        o.line(0, "labor", "一万公里保养", 1500, 20000)
        o.line(0, "part", "机油滤清器", 1000, None, oil["id"])
        if len(o.page["jobs"]) > 1:
            o.line(1, "sublet", "四轮定位", None, 8000)
        o.move("advisor", "estimate_ready")

    def to_in_repair(o):
        o.authorize(on_screen(o.customer), on_screen(""))
        o.step("manager", "assign_technician", {"job_id": o.job(0), "technician_id": staff_ids["张技师"]})
        o.move("tech", "in_repair")

    def to_ready(o):
        o.complete_all()
        o.move("tech", "quality_check")
        o.qc(True)

    orders = []
    # checked_in: photos of the car at the desk.
    o = check_in(people[0], photos=("front", "left-door"))
    orders.append(o)
    # diagnosing: a finding with a photo.
    o = check_in(people[1], concerns=("发动机故障灯亮",), service="repair", priority="high")
    o.move("tech", "diagnosing")
    o.step("tech", "add_finding", {"job_id": o.job(0), "text": "点火线圈故障", "photos": [upload("brake-pad", "tech")]})
    orders.append(o)
    # estimate_ready: labor, a part and sublet work, not yet decided.
    o = check_in(people[2])
    to_estimate(o)
    orders.append(o)
    # approved: signed on screen by the customer, countersigned by the advisor.
    o = check_in(people[3])
    to_estimate(o)
    o.authorize(on_screen(o.customer), on_screen(""))
    orders.append(o)
    # in_repair: a supplemental signed on paper, recommended work declined, a part issued, the clock run.
    o = check_in(people[4], concerns=("常规保养",), service="maintenance")
    to_estimate(o)
    to_in_repair(o)
    o.step("tech", "add_job", {"concern": "雨刮片老化"})
    o.line(1, "labor", "更换雨刮片", 300, 20000)
    o.step("tech", "add_job", {"concern": "空调滤芯更换（建议）"})
    o.line(2, "labor", "更换空调滤芯", 300, 20000)
    scan = upload("paper-form")
    # Declined first: an authorization declines every pending job it does not approve.
    o.step("advisor", "record_decline", {"method": "phone", "approver_name": o.customer, "declined_job_ids": [o.job(2)], "note": "下次再做"})
    o.authorize({"method": "on_paper", "signer_name": o.customer, "paper_scan_sha256": scan}, None, jobs=[o.job(1)])
    oil_line = next(line["id"] for line in o.page["jobs"][0]["lines"] if line["kind"] == "part")
    o.step("tech", "issue_part", {"line_id": oil_line})
    api.call("start_clock", {"job_id": o.job(0)}, crew["tech"])
    api.call("stop_clock", {}, crew["tech"])
    o.page = api.call("get_order_detail", {"id": o.ro}, crew["advisor"])
    orders.append(o)
    # waiting_parts: an approved part with no stock.
    o = check_in(people[0], vehicle=second["id"], concerns=("刹车片磨损",), service="repair")
    o.move("tech", "diagnosing")
    o.line(0, "part", "前刹车片", 1000, None, pads["id"])
    o.line(0, "labor", "更换刹车片", 1000, 20000)
    o.move("advisor", "estimate_ready")
    phone_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    o.authorize({"method": "by_phone", "signer_name": o.customer, "phone_approved_by": o.customer, "phone_at": phone_at}, None, method="phone")
    o.move("tech", "in_repair")
    orders.append(o)
    # quality_check
    o = check_in(people[1])
    to_estimate(o)
    to_in_repair(o)
    o.complete_all()
    o.move("tech", "quality_check")
    orders.append(o)
    # ready_for_pickup: failed QC once, reworked, passed; part paid in advance; customer told.
    o = check_in(people[2], concerns=("刹车异响",))
    to_estimate(o)
    to_in_repair(o)
    o.complete_all()
    o.move("tech", "quality_check")
    o.qc(False)
    o.complete_all()
    o.move("tech", "quality_check")
    o.qc(True)
    o.step("advisor", "record_payment", {"payment": {"method": "cash", "amount": 10000}})
    o.step("advisor", "record_completion_notice", {"note": "已电话通知"})
    orders.append(o)
    # delivered: paid, the customer signs the acceptance; intake and acceptance printed.
    o = check_in(people[3], photos=("front",))
    to_estimate(o)
    to_in_repair(o)
    to_ready(o)
    o.step(
        "advisor",
        "deliver",
        {"odometer_out_km": odometer[0] + 12, "payments": [{"method": "wechat", "amount": o.page["totals"]["balance"]}], "acceptance_signature": on_screen(o.customer)},
    )
    orders.append(o)
    # closed: delivered, the manager closes it.
    o = check_in(people[4])
    to_estimate(o)
    o.step("manager", "set_discount", {"discount": 2000})
    to_in_repair(o)
    to_ready(o)
    o.step("advisor", "deliver", {"odometer_out_km": odometer[0] + 30, "payments": [{"method": "bank_transfer", "amount": o.page["totals"]["balance"]}]})
    o.move("manager", "closed")
    orders.append(o)
    # cancelled: the customer changed their mind after the diagnosis.
    o = check_in(people[1], concerns=("异响检查",))
    o.move("tech", "diagnosing")
    o.move("advisor", "cancelled", "客户取消")
    orders.append(o)

    printed = []
    for o in orders:
        for a in o.page["authorizations"]:
            if o.status in ("delivered", "closed", "in_repair"):
                d = api.call("print_document", {"ro_id": o.ro, "authorization_id": a["id"]}, crew["manager"])
                printed.append(d["document_id"])

    states = sorted({o.status for o in orders})
    print(f"driver: {len(orders)} orders in {len(states)} states: {', '.join(states)}; {len(printed)} documents printed", file=sys.stderr)
    verified = {}
    for o in orders:
        report = api.call("verify_order", {"ro_id": o.ro}, crew["manager"])
        if not report["intact"]:
            raise SystemExit(f"order {report['number']} does not verify before the upgrade: {report}")
        verified[o.ro] = report
    state = {
        "orders": [o.ro for o in orders],
        "pages": {o.ro: o.page for o in orders},
        "verify": verified,
        "printed": printed,
        "made_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "staff_ids": staff_ids,
    }
    (work / "driver-state.json").write_text(json.dumps(state, ensure_ascii=False))


def manifest(data_dir, work, commit, version, name):
    """What the fixture holds, read from the stopped station's database and files."""
    state = json.loads((Path(work) / "driver-state.json").read_text())
    db = sqlite3.connect(Path(data_dir) / "station.sqlite")
    db.row_factory = sqlite3.Row
    q = lambda sql, *a: [dict(r) for r in db.execute(sql, a)]  # noqa: E731
    tables = [r["name"] for r in q("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' ORDER BY name")]
    counts = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # names from sqlite_master, not input
    orders = []
    for ro in state["orders"]:
        page = state["pages"][ro]
        o = page["order"]
        orders.append(
            {
                "id": ro,
                "number": o["number"],
                "status": o["status"],
                "version": o["version"],
                "customer_id": o["customer"]["id"],
                "vehicle_id": o["vehicle"]["id"],
                "estimate_total": page["totals"]["estimate"]["total"],
                "approved_total": page["totals"]["approved"]["total"],
                "paid": page["totals"]["paid"],
                "balance": page["totals"]["balance"],
                "jobs": len(page["jobs"]),
                "lines": sum(len(j["lines"]) for j in page["jobs"]),
                "authorizations": [
                    {"id": a["id"], "kind": a["kind"], "hash": a["hash"], "signatures": len(a["signatures"]), "signed": a["signed"]} for a in page["authorizations"]
                ],
                "verify": {"status": state["verify"][ro]["status"], "documents": len(state["verify"][ro]["documents"])},
            }
        )
    files_dir = Path(data_dir) / "files"
    files = []
    for f in q("SELECT sha256, mime, size FROM files ORDER BY sha256"):
        p = files_dir / f["sha256"][:2] / f["sha256"]
        if not p.exists():
            p = next(files_dir.rglob(f["sha256"] + "*"), None)
        rel = str(p.relative_to(data_dir)) if p else None
        actual = hashlib.sha256(p.read_bytes()).hexdigest() if p else None
        if actual != f["sha256"]:
            raise SystemExit(f"file {f['sha256']} is missing or differs on disk ({rel})")
        files.append({"sha256": f["sha256"], "mime": f["mime"], "size": f["size"], "path": rel})
    documents = q("SELECT id, ro_id, authorization_id, kind, sha256, size, content_hash FROM ro_documents ORDER BY created_at, id")
    outbox = q("SELECT COUNT(*) AS rows, COALESCE(MAX(seq), 0) AS max_seq FROM outbox")[0]
    synced = q("SELECT * FROM sync_state")
    return {
        "fixture": name,
        "made_by": {
            "commit": commit,
            "release": version,
            "newest_migration": q("SELECT MAX(version) AS v FROM _sqlx_migrations WHERE success = 1")[0]["v"],
            "command": f"scripts/make-upgrade-fixture.sh {commit[:7]} {name}",
        },
        "made_at": state["made_at"],
        "station": q("SELECT id, code, name, utc_offset_minutes FROM station")[0],
        "logins": [{"name": MANAGER[0], "role": "manager", "pin": MANAGER[1]}]
        + [{"name": n, "role": r, "pin": p, "active": n != "陈顾问"} for n, r, p in CREW],
        "staff": q("SELECT id, name, role, active FROM staff ORDER BY created_at, id"),
        "customers": q("SELECT id, customer_no, name FROM customers ORDER BY created_at, id"),
        "vehicles": q("SELECT id, customer_id, plate, vin FROM vehicles ORDER BY created_at, id"),
        "orders": orders,
        "files": files,
        "documents": documents,
        "outbox": {"rows": outbox["rows"], "max_seq": outbox["max_seq"], "enrolled": bool(synced and any(s.get("head_office_url") for s in synced))},
        "counts": counts,
    }


if __name__ == "__main__":
    if sys.argv[1] == "drive":
        drive(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "manifest":
        _, _, data_dir, work, commit, version, name, out = sys.argv
        Path(out).write_text(json.dumps(manifest(data_dir, work, commit, version, name), ensure_ascii=False, indent=1) + "\n")
    else:
        raise SystemExit("usage: upgrade-fixture-driver.py drive BASE_URL WORK | manifest DATA_DIR WORK COMMIT VERSION NAME OUT")
