/**
 * The console's KPI pages, apart from markup: the range they keep in the URL,
 * rows read as a trend for the station's chart, and the ranking as a bar
 * chart. Which station ranks where, the gaps and whether a target is met are
 * the head office's (`/console/api/kpis`); this only draws them.
 */
import type { ChartOption } from '../lib/charts';
import { formatFigure } from '../lib/format';
import type { FigureRanking } from '../lib/generated/console/FigureRanking';
import type { KpiLine } from '../lib/generated/console/KpiLine';
import type { KpiPreset } from '../lib/generated/console/KpiPreset';
import type { Unit } from '../lib/generated/console/Unit';
import type { Locale } from '../lib/i18n-core';
import { niceCeil, tone, type TrendPointLike } from '../lib/kpis';

/** The days a KPI page shows, from its query: `from` and `to` when both are there, else a preset (this week by default). */
export function rangeOf(query: Record<string, string>): { from: string; to: string } | { preset: KpiPreset } {
  if (query.from && query.to) return { from: query.from, to: query.to };
  return { preset: query.preset === 'this_month' ? 'this_month' : 'this_week' };
}

/** A station's rows over time, as the trend chart reads them. */
export function trendPoints(lines: KpiLine[]): TrendPointLike[] {
  return lines.map((l) => ({ period: { from: l.from, to: l.to }, figures: l.figures }));
}

const TONE_COLOUR = { ok: '#2e7d32', bad: '#c62828', none: '#8a93a3' } as const;

/**
 * The ranking of one figure as horizontal bars, the best on top, each bar
 * coloured by whether it meets the target, with the target as a dashed line.
 * `label(key)` names a row (a station's code, a region).
 */
export function rankingOption(ranking: FigureRanking, unit: Unit, label: (key: string) => string, locale: Locale, targetName: string): ChartOption {
  const show = (v: unknown) => formatFigure(typeof v === 'number' ? v : null, unit, locale);
  const values = ranking.entries.map((e) => e.value);
  const top = Math.max(0, ...values.filter((v): v is number => v !== null), ranking.target ?? 0);
  return {
    animation: false,
    grid: { left: 8, right: 72, top: 24, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => show(v) },
    xAxis: { type: 'value', min: 0, max: niceCeil(top), axisLabel: { formatter: (v: number) => show(v) } },
    yAxis: { type: 'category', inverse: true, data: ranking.entries.map((e) => label(e.key)), axisTick: { show: false } },
    series: [
      {
        type: 'bar',
        barMaxWidth: 18,
        data: ranking.entries.map((e) => ({
          value: e.value ?? undefined,
          itemStyle: { color: TONE_COLOUR[tone(e)] },
        })),
        label: { show: true, position: 'right', formatter: (p: { value?: unknown }) => show(p.value) },
        markLine:
          ranking.target === null
            ? undefined
            : {
                symbol: 'none',
                silent: true,
                lineStyle: { type: 'dashed', color: '#a45a00' },
                label: { formatter: () => `${targetName} ${show(ranking.target)}`, position: 'start', color: '#a45a00' },
                data: [{ xAxis: ranking.target }],
              },
      },
    ],
  };
}
