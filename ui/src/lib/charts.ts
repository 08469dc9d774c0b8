/**
 * Apache ECharts, with only the pieces the screens use registered (a line
 * chart for trends, bars for the console's ranking, their grid, tooltip and
 * target line, drawn as SVG): the bundle stays
 * small. `components/Chart.svelte` is the one place that draws a chart.
 */
import { BarChart, LineChart, type BarSeriesOption, type LineSeriesOption } from 'echarts/charts';
import { GridComponent, MarkLineComponent, TooltipComponent, type GridComponentOption, type MarkLineComponentOption, type TooltipComponentOption } from 'echarts/components';
import { init, use, type ComposeOption, type ECharts } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

use([LineChart, BarChart, GridComponent, TooltipComponent, MarkLineComponent, SVGRenderer]);

export type ChartOption = ComposeOption<LineSeriesOption | BarSeriesOption | GridComponentOption | TooltipComponentOption | MarkLineComponentOption>;
export type { ECharts };
export { init };
