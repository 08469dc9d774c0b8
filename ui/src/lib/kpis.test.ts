import { describe, expect, it } from 'vitest';
import type { Figure } from './generated/Figure';
import type { TrendPoint } from './generated/TrendPoint';
import { chartSvg } from './charts';
import { itemPath, niceCeil, parseWho, trendOption, whoParam } from './kpis';

function onTime(value: number | null): Figure {
  return { code: 'on_time', unit: 'ratio', better: 'higher', value, numerator: 0, denominator: 0, target: 0.9, gap: null, meets_target: null };
}

function point(day: string, value: number | null): TrendPoint {
  return { period: { from: day, to: day, days: 1 }, figures: [onTime(value)] };
}

describe('the KPI trend chart', () => {
  const points = [point('2026-11-23', 0.5), point('2026-11-24', null), point('2026-11-25', 1)];
  const option = trendOption(points, 'on_time', 'day', 'en', { value: 'On-time delivery', target: 'Target' });
  const series = (option.series as Array<Record<string, unknown>>)[0];

  it('plots each point, leaving a gap where nothing was counted', () => {
    expect((option.xAxis as { data: string[] }).data).toEqual(['11-23', '11-24', '11-25']);
    expect(series.data).toEqual([0.5, null, 1]);
  });

  it('draws the target as a line at its value, labelled in the unit', () => {
    const mark = series.markLine as { data: Array<{ yAxis: number }>; label: { formatter: () => string } };
    expect(mark.data).toEqual([{ yAxis: 0.9 }]);
    expect(mark.label.formatter()).toBe('Target 90.0%');
  });

  it('reaches up to the target so its line shows above values below it', () => {
    const max = (option.yAxis as { max: (e: { max: number }) => number }).max;
    expect(max({ max: 0.5 })).toBe(1);
    expect(niceCeil(24)).toBe(25);
    expect(niceCeil(0.25)).toBe(0.25);
    expect(niceCeil(150)).toBe(200);
    expect(niceCeil(0)).toBe(1);
  });

  it('has no target line for a figure without a target', () => {
    const count: Figure = { ...onTime(3), code: 'cancelled', unit: 'count', better: 'neither', target: null };
    const o = trendOption([{ period: { from: '2026-11-23', to: '2026-11-23', days: 1 }, figures: [count] }], 'cancelled', 'day', 'zh-CN', { value: '取消', target: '目标' });
    expect((o.series as Array<Record<string, unknown>>)[0].markLine).toBeUndefined();
  });
});

describe('the trend chart as SVG for the monthly report', () => {
  const option = trendOption([point('2026-11-23', 0.5), point('2026-11-24', null), point('2026-11-25', 1)], 'on_time', 'day', 'zh-CN', { value: '准时交车率', target: '目标' });

  it('draws the same option without a page: a standalone SVG of the size asked for', () => {
    const svg = chartSvg(option, 'zh-CN', 720, 240);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('width="720"');
    expect(svg).toContain('height="240"');
  });

  it('carries the axis labels, the days and the target line in the desk\'s language', () => {
    const svg = chartSvg(option, 'zh-CN');
    for (const text of ['11-23', '11-25', '100.0%', '目标 90.0%']) expect(svg).toContain(`>${text}</text>`);
    expect(svg).toContain('stroke="#1f5fbf"');
    expect(svg).toMatch(/stroke="#a45a00"[^>]*stroke-dasharray/);
  });

  it('holds only what a chart is made of, which the core accepts', () => {
    const tags = new Set([...chartSvg(option, 'en').matchAll(/<([a-zA-Z]+)/g)].map((m) => m[1]));
    const allowed = ['svg', 'g', 'path', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon', 'text', 'tspan', 'defs', 'clipPath', 'linearGradient', 'radialGradient', 'stop', 'style', 'title', 'desc'];
    expect([...tags].filter((t) => !allowed.includes(t))).toEqual([]);
  });
});

describe('drill-down links and the query string', () => {
  it('opens each kind of record on its own page', () => {
    expect(itemPath({ item: 'repair_order', id: 'r1' })).toBe('/orders/r1');
    expect(itemPath({ item: 'complaint', id: 'c1' })).toBe('/complaints/c1');
    expect(itemPath({ item: 'follow_up', id: 'f1' })).toBe('/follow-ups/f1');
    expect(itemPath({ item: 'service_request', id: 's1' })).toBe('/requests/s1');
  });

  it('keeps a person in the query string and reads it back', () => {
    expect(parseWho(whoParam({ kind: 'technician', id: '01h-x' }))).toEqual({ kind: 'technician', id: '01h-x' });
    expect(parseWho('manager:1')).toBeUndefined();
    expect(parseWho(undefined)).toBeUndefined();
  });
});
