/**
 * Apache ECharts, with only the pieces the screens use registered (a line
 * chart for trends, bars for the console's ranking, their grid, tooltip and
 * target line, drawn as SVG): the bundle stays small.
 * `components/Chart.svelte` is the one place that draws a chart on screen;
 * `chartSvg` draws the same option to an SVG string for a printed report.
 */
import { BarChart, LineChart, type BarSeriesOption, type LineSeriesOption } from 'echarts/charts';
import { GridComponent, MarkLineComponent, TooltipComponent, type GridComponentOption, type MarkLineComponentOption, type TooltipComponentOption } from 'echarts/components';
import { init, use, type ComposeOption, type ECharts } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { isChinese, type Locale } from './i18n-core';

use([LineChart, BarChart, GridComponent, TooltipComponent, MarkLineComponent, SVGRenderer]);

export type ChartOption = ComposeOption<LineSeriesOption | BarSeriesOption | GridComponentOption | TooltipComponentOption | MarkLineComponentOption>;
export type { ECharts };
export { init };

/** ECharts' own zh and en texts for the desk's language. */
export function chartLocale(locale: Locale): 'ZH' | 'EN' {
  return isChinese(locale) ? 'ZH' : 'EN';
}

/**
 * `option` drawn as a standalone SVG of `width` × `height` px, with no element
 * on the page (ECharts' server-side mode, which runs in the browser as well):
 * the chart the screen shows, for the core to put in a PDF.
 */
export function chartSvg(option: ChartOption, locale: Locale, width = 720, height = 240): string {
  const chart = init(null, null, { renderer: 'svg', ssr: true, width, height, locale: chartLocale(locale) });
  try {
    chart.setOption({ ...option, animation: false });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
