import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, SVGRenderer]);

/** An Apache ECharts chart (SVG renderer, only the parts used are bundled); the same library draws the PDF reports. */
export function Chart({
  option,
  height = 260,
  label,
  onClick,
}: {
  option: echarts.EChartsCoreOption;
  height?: number;
  label: string;
  /** a click on a data point */
  onClick?: (p: { value: unknown; seriesIndex?: number; dataIndex: number }) => void;
}) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    chart.current = echarts.init(el.current!, undefined, { renderer: 'svg' });
    const resize = () => chart.current?.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.current?.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ animation: false, ...option }, true);
  }, [option]);
  useEffect(() => {
    if (!onClick) return;
    const c = chart.current;
    c?.on('click', onClick as never);
    return () => void c?.off('click', onClick as never);
  }, [onClick]);
  return <div ref={el} role="img" aria-label={label} style={{ width: '100%', height }} />;
}
