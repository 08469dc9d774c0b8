// Puts demo orders into the later states of their life through the API, so
// screenshots (and tests) can show the board, the order page and the
// technician's view with orders diagnosing, awaiting approval, in repair,
// waiting for parts, in QC and ready for pickup. Needs the demo data loaded.
import { callApi, staffLogin } from './helpers.mjs';

/** A labor operation, a part in stock and a part out of stock, added if the station lacks them. */
async function catalog(url, mgr) {
  const ops = (await callApi(url, 'list_labor_operations', {}, mgr)).operations;
  const labor = ops[0] ?? (await callApi(url, 'save_labor_operation', { code: 'SC-BRK-01', description: '更换前刹车片', standard_hours_milli: 1200, rate: 18000, active: true }, mgr));
  const parts = (await callApi(url, 'list_parts', { q: '', low_only: false }, mgr)).parts;
  const inStock =
    parts.find((p) => p.available_milli >= 10_000) ??
    (await (async () => {
      const p = await callApi(url, 'save_part', { part_no: 'SC-BP-0001', name: '前刹车片（套）', bin: 'B-02-01', unit_price: 38_000, reorder_point_milli: 2000, active: true }, mgr);
      return callApi(url, 'receive_stock', { part_id: p.id, quantity_milli: 20_000, note: 'scenario' }, mgr);
    })());
  const none =
    parts.find((p) => p.on_hand_milli === 0 && p.active) ??
    (await callApi(url, 'save_part', { part_no: 'SC-AC-0009', name: '空调压缩机', bin: 'C-01-07', unit_price: 256_000, reorder_point_milli: 1000, active: true }, mgr));
  return { labor, inStock, none };
}

/**
 * Moves the first checked-in demo orders on: returns `{state: orderId}` for
 * diagnosing, estimate_ready, in_repair, waiting_parts, quality_check, ready_for_pickup.
 */
export async function stageOrders(url) {
  const { token: mgr } = await staffLogin(url, '王经理', '1111');
  const tech = await staffLogin(url, '张技师', '3333');
  const { labor, inStock, none } = await catalog(url, mgr);
  const board = await callApi(url, 'board', {}, mgr);
  const queue = board.cards.filter((c) => c.status === 'checked_in').map((c) => c.id);
  const call = (op, input) => callApi(url, op, input, mgr);
  const move = (d, to, note = '') => call('move_order', { ro_id: d.order.id, expected_version: d.order.version, to, note });
  const out = {};

  async function diagnosed(extraJob, shortPart = false) {
    const id = queue.shift();
    if (!id) return null;
    let d = await call('get_order_detail', { id });
    d = await move(d, 'diagnosing');
    d = await call('assign_technician', { job_id: d.jobs[0].id, expected_version: d.order.version, technician_id: tech.id });
    d = await call('update_job', { job_id: d.jobs[0].id, expected_version: d.order.version, concern: d.jobs[0].concern, cause: '刹车片磨损到极限', correction: '更换前刹车片' });
    d = await call('add_line', { job_id: d.jobs[0].id, expected_version: d.order.version, kind: 'labor', labor_op_code: labor.code, description: '' });
    d = await call('add_line', { job_id: d.jobs[0].id, expected_version: d.order.version, kind: 'part', part_id: (shortPart ? none : inStock).id, description: '', quantity_milli: 1000 });
    if (extraJob) {
      d = await call('add_job', { ro_id: id, expected_version: d.order.version, concern: '空调有异味，建议清洗蒸发箱' });
      const job = d.jobs[d.jobs.length - 1];
      d = await call('add_line', { job_id: job.id, expected_version: d.order.version, kind: 'sublet', description: '空调蒸发箱清洗（外协）', unit_price: 26_000 });
    }
    return d;
  }

  async function approved(d, declineExtra) {
    d = await move(d, 'estimate_ready');
    const ids = d.jobs.filter((j) => j.approval === 'pending').map((j) => j.id).slice(0, declineExtra ? 1 : undefined);
    const authorizeFor = d.jobs.filter((j) => ids.includes(j.id)).reduce((s, j) => s + j.amount, 0);
    const amount = Math.floor((authorizeFor * 11300 + 5000) / 10000);
    return call('record_authorization', { ro_id: d.order.id, expected_version: d.order.version, method: 'phone', approver_name: d.order.customer.name, approved_job_ids: ids, amount, note: '' });
  }

  let d = await diagnosed(true);
  if (d) out.diagnosing = d.order.id;

  d = await diagnosed(true);
  if (d) out.estimate_ready = (await move(d, 'estimate_ready')).order.id;

  d = await diagnosed(true);
  if (d) {
    d = await approved(d, true);
    d = await move(d, 'in_repair');
    out.in_repair = d.order.id;
  }

  d = await diagnosed(false, true);
  if (d) {
    d = await approved(d, false);
    d = await move(d, 'in_repair'); // no stock: goes on to waiting_parts by itself
    out.waiting_parts = d.order.id;
  }

  d = await diagnosed(false);
  if (d) {
    d = await approved(d, false);
    d = await move(d, 'in_repair');
    d = await call('complete_job', { job_id: d.jobs[0].id, expected_version: d.order.version, confirm: ['job.no_time_clocked', 'job.parts_not_issued'] });
    d = await move(d, 'quality_check');
    out.quality_check = d.order.id;
  }

  d = await diagnosed(true);
  if (d) {
    d = await approved(d, true);
    d = await move(d, 'in_repair');
    d = await call('complete_job', { job_id: d.jobs[0].id, expected_version: d.order.version, confirm: ['job.no_time_clocked', 'job.parts_not_issued'] });
    d = await move(d, 'quality_check');
    const items = (await call('list_qc_items', {})).items.filter((i) => i.active);
    // A failed first round (a rework), then a pass.
    d = await call('record_qc', { ro_id: d.order.id, expected_version: d.order.version, passed: false, items: items.map((i, n) => ({ item_id: i.id, label: i.label, passed: n !== 3, note: n === 3 ? '路试刹车异响' : '' })), notes: '路试刹车仍有异响', rework_job_ids: [] });
    d = await call('complete_job', { job_id: d.jobs[0].id, expected_version: d.order.version, confirm: ['job.no_time_clocked', 'job.parts_not_issued'] });
    d = await move(d, 'quality_check');
    d = await call('record_qc', { ro_id: d.order.id, expected_version: d.order.version, passed: true, items: items.map((i) => ({ item_id: i.id, label: i.label, passed: true, note: '' })), notes: '', rework_job_ids: [] });
    d = await call('record_payment', { ro_id: d.order.id, expected_version: d.order.version, payment: { method: 'wechat', amount: 10_000 } });
    out.ready_for_pickup = d.order.id;
  }
  return out;
}
