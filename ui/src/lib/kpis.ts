/**
 * The KPI dashboard's pieces that are not markup: the trend chart's option,
 * links from a drill-down row to its record, and the query string the
 * dashboard keeps its state in (so back from an order returns to it). Which
 * figure counts what, targets and whether one is met all come from the core.
 */
import type { ChartOption } from './charts';
import { formatBucket, formatFigure } from './format';
import type { Figure } from './generated/Figure';
import type { Granularity } from './generated/Granularity';
import type { KpiOrderRow } from './generated/KpiOrderRow';
import type { KpiWho } from './generated/KpiWho';
import type { PersonKind } from './generated/PersonKind';
import type { TrendPoint } from './generated/TrendPoint';
import type { Locale } from './i18n-core';

export function figureOf(figures: Figure[], code: string): Figure | undefined {
  return figures.find((f) => f.code === code);
}

/** The class a value is shown with: `ok` meets its target, `bad` misses it, `none` has no target or nothing counted (the core's `meets_target`). */
export function tone(f: Pick<Figure, 'meets_target'> | undefined | null): 'ok' | 'bad' | 'none' {
  return f?.meets_target === true ? 'ok' : f?.meets_target === false ? 'bad' : 'none';
}

/** A person in the query string: `advisor:<id>`. */
export function whoParam(who: KpiWho): string {
  return `${who.kind}:${who.id}`;
}

export function parseWho(param: string | undefined): KpiWho | undefined {
  const m = /^(advisor|technician):(.+)$/.exec(param ?? '');
  return m ? { kind: m[1] as PersonKind, id: m[2] } : undefined;
}

export function isGranularity(g: string | undefined): g is Granularity {
  return g === 'day' || g === 'week' || g === 'month';
}

/** Where a drill-down row opens. */
export function itemPath(row: Pick<KpiOrderRow, 'item' | 'id'>): string {
  switch (row.item) {
    case 'repair_order':
      return `/orders/${row.id}`;
    case 'complaint':
      return `/complaints/${row.id}`;
    case 'follow_up':
      return `/follow-ups/${row.id}`;
    case 'service_request':
      return `/requests/${row.id}`;
  }
}

/** The smallest of 1, 2, 2.5, 5 × a power of ten at or above `x`: an axis top that reads well. */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(x));
  const step = [1, 2, 2.5, 5, 10].find((f) => f * magnitude >= x - 1e-12) ?? 10;
  return step * magnitude;
}

/**
 * One KPI over the trend's points: a line of its values (a gap where nothing
 * was counted) and a dashed line at its target. Axis and tooltip read in the
 * figure's unit.
 */
/** A trend's point: its days and figures (the station's `TrendPoint`; the console's rows read the same). */
export type TrendPointLike = { period: Pick<TrendPoint['period'], 'from' | 'to'> & Partial<TrendPoint['period']>; figures: Figure[] };

export function trendOption(points: TrendPointLike[], code: string, granularity: Granularity, locale: Locale, names: { value: string; target: string }): ChartOption {
  const figures = points.map((p) => figureOf(p.figures, code));
  const sample = figures.find((f) => f !== undefined);
  const unit = sample?.unit ?? 'count';
  const target = sample?.target ?? null;
  const show = (v: unknown) => formatFigure(typeof v === 'number' ? v : null, unit, locale);
  return {
    animation: false,
    // The target's label sits right of the plot, where no point can cover it.
    grid: { left: 64, right: target === null ? 24 : 96, top: 24, bottom: 32 },
    tooltip: { trigger: 'axis', valueFormatter: (v) => show(v) },
    xAxis: { type: 'category', data: points.map((p) => formatBucket(p.period.from, p.period.to, granularity)) },
    // The axis reaches the target, so its line shows even when every value is below it.
    yAxis: { type: 'value', min: 0, max: (extent: { max: number }) => niceCeil(Math.max(extent.max, target ?? 0)), axisLabel: { formatter: (v: number) => show(v) } },
    series: [
      {
        type: 'line',
        name: names.value,
        data: figures.map((f) => f?.value ?? null),
        connectNulls: false,
        showSymbol: true,
        symbolSize: 7,
        lineStyle: { width: 2, color: '#1f5fbf' },
        itemStyle: { color: '#1f5fbf' },
        markLine:
          target === null
            ? undefined
            : {
                symbol: 'none',
                silent: true,
                lineStyle: { type: 'dashed', color: '#a45a00' },
                label: { formatter: () => `${names.target} ${show(target)}`, position: 'end', color: '#a45a00' },
                data: [{ yAxis: target }],
              },
      },
    ],
  };
}
