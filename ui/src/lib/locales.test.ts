import { describe, expect, it } from 'vitest';
import en from '../locales/en.json';
import zh from '../locales/zh-CN.json';
import zhTw from '../locales/zh-TW.json';
import apiDoc from '../../../docs/api.md?raw';
import { flatten, interpolate, LOCALES } from './i18n-core';

const EN = flatten(en);
const ZH = flatten(zh);
const TW = flatten(zhTw);
const ALL = { 'zh-CN': ZH, 'zh-TW': TW, en: EN };

describe('the locale files', () => {
  it('has a file for every language the desk offers', () => {
    expect(Object.keys(ALL).sort()).toEqual([...LOCALES].sort());
  });

  for (const [a, A] of Object.entries(ALL)) {
    for (const [b, B] of Object.entries(ALL)) {
      if (a === b) continue;
      it(`every key in ${a}.json exists in ${b}.json`, () => {
        expect(Object.keys(A).filter((k) => !(k in B))).toEqual([]);
      });
    }
  }

  it('no translation is empty', () => {
    expect([...Object.entries(EN), ...Object.entries(ZH), ...Object.entries(TW)].filter(([, v]) => !v.trim()).map(([k]) => k)).toEqual([]);
  });

  it('a translation uses the same placeholders in all three languages', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
    const differ = Object.keys(EN).filter((k) => names(EN[k]) !== names(ZH[k]) || names(EN[k]) !== names(TW[k] ?? ''));
    expect(differ).toEqual([]);
  });

  it('writes Traditional Chinese in zh-TW.json, with the service terms a Taiwan station uses', () => {
    expect(TW['order.title']).toBe('工單');
    expect(TW['roles.technician']).toBe('技師');
    expect(TW['vehicle.plate']).toBe('車牌');
    expect(TW['vehicle.vin']).toContain('車架號');
    expect(TW['checkin.title']).toBe('接車登記');
    expect(TW['status.quality_check']).toContain('質檢');
    expect(TW['status.ready_for_pickup']).toContain('交車');
    // OpenCC's Taiwan phrases would make a repair item a "project" (專案) and a station code "source code" (程式碼).
    expect(Object.entries(TW).filter(([, v]) => /專案|程式碼|型別|分割槽/.test(v)).map(([k]) => k)).toEqual([]);
    // No Simplified-only character left in a text (a text copied over unconverted).
    const simplifiedOnly = /[这们个来对时会说过还没发现开关门车单务质检维证书号码]/;
    expect(Object.entries(TW).filter(([, v]) => simplifiedOnly.test(v)).map(([k]) => k)).toEqual([]);
  });

  it('translates every status, role, service type, priority and damage kind the core has', () => {
    for (const s of ['checked_in', 'diagnosing', 'estimate_ready', 'approved', 'in_repair', 'waiting_parts', 'quality_check', 'ready_for_pickup', 'delivered', 'closed', 'cancelled']) {
      expect(ZH[`status.${s}`], s).toBeTruthy();
    }
    for (const r of ['advisor', 'technician', 'qc_inspector', 'manager']) expect(ZH[`roles.${r}`]).toBeTruthy();
    for (const s of ['maintenance', 'repair', 'warranty', 'accident', 'recall', 'inspection']) expect(ZH[`service_type.${s}`]).toBeTruthy();
    for (const p of ['normal', 'high', 'urgent']) expect(ZH[`priority.${p}`]).toBeTruthy();
    for (const d of ['scratch', 'dent', 'crack', 'chip', 'missing_part']) expect(ZH[`damage.kinds.${d}`]).toBeTruthy();
  });

  it('uses the domain terms in Chinese', () => {
    expect(ZH['roles.advisor']).toBe('服务顾问');
    expect(ZH['order.title']).toBe('工单');
    expect(ZH['checkin.title']).toBe('接车登记');
    expect(ZH['vehicle.plate']).toBe('车牌');
    expect(ZH['vehicle.vin']).toContain('车架号');
    expect(ZH['checkin.fault_codes']).toBe('故障码');
  });

  it('keeps dotted error codes as flat keys under errors', () => {
    expect(EN['errors.vin.check_digit']).toMatch(/check digit/);
    expect(interpolate('{n} left', { n: 3 })).toBe('3 left');
    expect(interpolate('{n} and {m}', { n: 1 })).toBe('1 and {m}');
  });

  it('translates every repair-order workflow error code the API lists', () => {
    const api: string = apiDoc;
    const section = api.slice(api.indexOf('Repair-order workflow (see'), api.indexOf('## Operations'));
    const codes = [...section.matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map((m) => m[1]).filter((c) => !c.endsWith('.md'));
    expect(codes.length).toBeGreaterThan(60);
    expect(codes.filter((c) => !EN[`errors.${c}`] || !ZH[`errors.${c}`])).toEqual([]);
  });

  it('translates every sync error code the API lists, and the push rejections', () => {
    const api: string = apiDoc;
    const section = api.slice(api.indexOf('### Sync with a head office'), api.indexOf('### Check-in'));
    const codes = [...new Set([...section.matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map((m) => m[1]))].filter((c) => !c.endsWith('.md') && c !== 'last_error.code');
    expect(codes).toContain('sync.unreachable');
    expect(codes).toContain('protocol.update_required');
    expect(codes.length).toBeGreaterThan(12);
    // The head office's own codes (crates/sync-protocol) that can reach the status or a rejection.
    const more = ['push.gap', 'payload.too_large', 'payload.malformed', 'request.invalid', 'change.unknown_entity', 'change.unknown_op', 'change.master_data', 'change.head_office',
      'change.payload_not_object', 'change.id_mismatch', 'change.bad_entity_id', 'change.append_only', 'signed.immutable', 'signed.hash_mismatch', 'signed.missing_hash'];
    expect([...codes, ...more].filter((c) => !EN[`errors.${c}`] || !ZH[`errors.${c}`])).toEqual([]);
  });

  it('names every sync level', () => {
    for (const l of ['standalone', 'ok', 'waiting', 'error']) expect(ZH[`sync.level.${l}`] && EN[`sync.level.${l}`], l).toBeTruthy();
    expect(ZH['alerts.recall']).toBe('召回');
  });

  it('names every payment method, authorization method and line kind', () => {
    for (const m of ['cash', 'card', 'wechat', 'alipay', 'bank_transfer', 'account']) expect(ZH[`payment_method.${m}`]).toBeTruthy();
    for (const m of ['in_person', 'phone', 'message']) expect(ZH[`auth.methods.${m}`]).toBeTruthy();
    for (const k of ['labor', 'part', 'sublet']) expect(ZH[`line.kinds_short.${k}`]).toBeTruthy();
    for (const a of ['pending', 'approved', 'declined']) expect(ZH[`approval.${a}`]).toBeTruthy();
  });
});
