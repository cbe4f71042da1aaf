// One live chart of the status page, drawn by uPlot: about 50 KB, canvas, made for time series that update
// every few seconds (it redraws an hour of readings in well under a millisecond) and kept up to date by its
// author. A canvas says nothing to a screen reader: the figure is an image named by its title and what it shows
// last, and the page has a table of the same numbers.
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export type ChartSeries = { label: string; values: (number | null)[] };

/** Told apart in light and dark (checked against both backgrounds), in this order. */
const PALETTE = {
  light: ['#3552d4', '#c2410c', '#2b8a3e', '#9c36b5', '#0b7285', '#a61e4d'],
  dark: ['#7d93ff', '#ffa94d', '#69db7c', '#e599f7', '#66d9e8', '#f783ac'],
};

const darkQuery = () => window.matchMedia('(prefers-color-scheme: dark)');

/** Whether the page is dark now, following the system as the page's colours do. */
function useDark(): boolean {
  const [dark, setDark] = useState(() => darkQuery().matches);
  useEffect(() => {
    const q = darkQuery();
    const onChange = () => setDark(q.matches);
    q.addEventListener('change', onChange);
    return () => q.removeEventListener('change', onChange);
  }, []);
  return dark;
}

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export function LiveChart({
  title,
  times,
  series,
  format,
  summary,
}: {
  title: string;
  /** ms since the epoch, one per reading. */
  times: number[];
  series: ChartSeries[];
  /** A value as the axis and legend show it. */
  format: (v: number) => string;
  /** What the chart shows last, in words: part of its accessible name. */
  summary: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const dark = useDark();
  const labels = JSON.stringify(series.map((s) => s.label));
  const data: uPlot.AlignedData = [times.map((t) => t / 1000), ...series.map((s) => s.values)];
  const latest = useRef(data);
  latest.current = data;
  const formatRef = useRef(format);
  formatRef.current = format;

  // A new chart when the series or the colours change; new readings only replace its data (below).
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const colors = dark ? PALETTE.dark : PALETTE.light;
    const ink = cssVar('--muted');
    const grid = cssVar('--border');
    const axis = {
      stroke: ink,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
    };
    const u = new uPlot(
      {
        width: el.clientWidth || 300,
        height: 180,
        // The legend names the lines; the latest values are written under the title (a live legend would show
        // dashes until the pointer hovers a reading).
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [axis, { ...axis, size: 60, values: (_u, splits) => splits.map((v) => formatRef.current(v)) }],
        series: [
          {},
          ...(JSON.parse(labels) as string[]).map((label, i) => ({
            label,
            stroke: colors[i % colors.length],
            width: 2,
            spanGaps: false,
          })),
        ],
      },
      latest.current,
      el,
    );
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: 180 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [labels, dark]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  const id = `chart-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <figure className="chart" aria-labelledby={id}>
      <figcaption id={id}>{title}</figcaption>
      <p className="chart-now" aria-hidden="true">
        {summary}
      </p>
      <div ref={box} className="chart-canvas" role="img" aria-label={`${title}: ${summary}`} />
    </figure>
  );
}
