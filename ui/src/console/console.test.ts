import { describe, expect, it } from 'vitest';
import consoleDoc from '../../../docs/console.md?raw';
import { flatten } from '../lib/i18n-core';
import type { Can } from '../lib/generated/console/Can';
import type { Role } from '../lib/generated/console/Role';
import type { StationFlag } from '../lib/generated/console/StationFlag';
import en from '../locales/en.json';
import zh from '../locales/zh-CN.json';
import type { FigureRanking } from '../lib/generated/console/FigureRanking';
import { requestFor } from './api';
import { rangeOf, rankingOption } from './kpis';
import { home, navEntries } from './nav';
import { href, parseLocation } from './router.svelte';

const none: Can = {
  view_stations: false,
  view_kpis: false,
  view_complaints: false,
  view_recalls: false,
  view_access_register: false,
  add_complaint_notes: false,
  manage_stations: false,
  manage_master_data: false,
  manage_complaint_categories: false,
  manage_users: false,
  view_audit: false,
};

describe('console requests', () => {
  it('sends a GET input as the query string, leaving out what is empty', () => {
    expect(requestFor('kpis', { preset: 'this_month', group: 'region', station: undefined })).toEqual({ url: '/console/api/kpis?preset=this_month&group=region', method: 'GET' });
    expect(requestFor('me', {})).toEqual({ url: '/console/api/me', method: 'GET' });
    expect(requestFor('kpi_export', { from: '2026-03-01', to: '2026-03-31', group: 'station' }).url).toBe('/console/api/kpis/export.csv?from=2026-03-01&to=2026-03-31&group=station');
  });

  it('fills the path from its params and sends other methods a JSON body', () => {
    const req = requestFor('set_station_region', { region: '华东' }, { station_id: 'a b' });
    expect(req).toEqual({ url: '/console/api/stations/a%20b/region', method: 'PUT', body: '{"region":"华东"}' });
    expect(() => requestFor('revoke_station', {}, {})).toThrow(/station_id/);
  });
});

describe('console navigation', () => {
  it('offers a page only when the role may open it', () => {
    const regional = { ...none, view_stations: true, view_kpis: true, view_complaints: true };
    expect(navEntries(regional).map((e) => e.id)).toEqual(['stations', 'kpis', 'complaints']);
    expect(navEntries({ ...regional, view_complaints: false }).map((e) => e.id)).toEqual(['stations', 'kpis']);
    const admin = Object.fromEntries(Object.keys(none).map((k) => [k, true])) as Can;
    expect(navEntries(admin).map((e) => e.id)).toEqual(['stations', 'kpis', 'complaints', 'recalls', 'privacy', 'users', 'master', 'audit']);
    expect(navEntries({ ...regional, view_recalls: true }).map((e) => e.id)).toEqual(['stations', 'kpis', 'complaints', 'recalls']);
    expect(navEntries({ ...regional, view_access_register: true }).map((e) => e.id)).toEqual(['stations', 'kpis', 'complaints', 'privacy']);
    expect(navEntries({ ...none, manage_master_data: true }).map((e) => e.id)).toEqual(['master']);
    expect(navEntries({ ...none, manage_complaint_categories: true }).map((e) => e.id), 'a quality manager opens it for the category tree').toEqual(['master']);
    expect(home({ ...none, view_kpis: true })).toBe('/kpis');
  });

  it('reads and writes paths under /console', () => {
    expect(parseLocation('/console/kpis/stations/abc', '?from=2026-03-01&to=2026-03-31')).toEqual({
      path: '/kpis/stations/abc',
      query: { from: '2026-03-01', to: '2026-03-31' },
    });
    expect(parseLocation('/console/', '')).toEqual({ path: '/', query: {} });
    expect(href('/kpis', { preset: 'this_week', group: null })).toBe('/console/kpis?preset=this_week');
  });
});

describe('console KPI pages', () => {
  it('takes dates from the query when both are there, else a preset', () => {
    expect(rangeOf({ from: '2026-03-01', to: '2026-03-31', preset: 'this_month' })).toEqual({ from: '2026-03-01', to: '2026-03-31' });
    expect(rangeOf({ preset: 'this_month' })).toEqual({ preset: 'this_month' });
    expect(rangeOf({ from: '2026-03-01' })).toEqual({ preset: 'this_week' });
  });

  it('draws the ranking best on top, each bar coloured by its target, with the target line', () => {
    const ranking: FigureRanking = {
      code: 'on_time',
      better: 'higher',
      target: 0.9,
      entries: [
        { key: 'b', rank: 1, value: 1, gap: 0.1, meets_target: true },
        { key: 'a', rank: 2, value: 0.5, gap: -0.4, meets_target: false },
        { key: 'c', rank: null, value: null, gap: null, meets_target: null },
      ],
    };
    const o = rankingOption(ranking, 'ratio', (k) => k.toUpperCase(), 'en', 'Target');
    const y = o.yAxis as { data: string[]; inverse: boolean };
    expect(y.data).toEqual(['B', 'A', 'C']);
    expect(y.inverse).toBe(true);
    const series = (o.series as Array<{ data: Array<{ value?: number; itemStyle: { color: string } }>; markLine?: { data: Array<{ xAxis: number }> } }>)[0];
    expect(series.data.map((d) => d.itemStyle.color)).toEqual(['#2e7d32', '#c62828', '#8a93a3']);
    expect(series.data[2].value).toBeUndefined();
    expect(series.markLine?.data[0].xAxis).toBe(0.9);
  });
});

describe('console texts', () => {
  const EN = flatten(en);
  const ZH = flatten(zh);
  const both = (key: string) => key in EN && key in ZH;

  it('name every role, station flag and audited action in both languages', () => {
    // `satisfies` makes the compiler say so when the head office gains a role or a flag.
    const roles = { administrator: true, quality_manager: true, regional_manager: true } satisfies Record<Role, true>;
    const flags = {
      not_enrolled: true,
      never_synced: true,
      silent: true,
      rejections: true,
      suspected_tampering: true,
      old_version: true,
      clock_ahead: true,
    } satisfies Record<StationFlag, true>;
    const missing = [
      ...Object.keys(roles).map((r) => `console.roles.${r}`),
      ...Object.keys(flags).map((f) => `console.flags.${f}`),
      ...['user.create', 'user.update', 'user.set_password', 'station.create', 'station.enrollment_code', 'station.revoke', 'station.set_region', 'complaint.note'].map((a) => `console.audit.actions.${a}`),
    ].filter((k) => !both(k));
    expect(missing).toEqual([]);
  });

  it('translate every error code docs/console.md lists, the console\'s own text first', () => {
    const doc: string = consoleDoc;
    const section = doc.slice(doc.indexOf('Errors are the head office'), doc.indexOf('## KPIs compared'));
    const codes = [...new Set([...section.matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map((m) => m[1]))].filter((c) => !c.startsWith('params.'));
    expect(codes.length).toBeGreaterThan(30);
    expect(codes.filter((c) => !both(`console.errors.${c}`) && !both(`errors.${c}`))).toEqual([]);
  });
});
