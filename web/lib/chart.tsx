import type * as preact from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: (number | null)[];
  color?: string;
}

const PALETTE = ['#0b57d0', '#b3261e', '#146c2e', '#7d5260', '#8a5a00', '#3a4a8a'];

/**
 * A uPlot chart (line or bars) with an accessible name; `x` are numbers (unix seconds when
 * `time` is set, else category positions named by `xLabels`).
 */
export function Chart(props: {
  label: string;
  x: number[];
  series: Series[];
  kind?: 'line' | 'bar';
  time?: boolean;
  xLabels?: string[];
  height?: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const width = Math.max(280, Math.min(el.clientWidth || 600, 1000));
    const bars = props.kind === 'bar' ? uPlot.paths.bars!({ size: [0.6, 60] }) : undefined;
    const labels = props.xLabels;
    const opts: uPlot.Options = {
      width,
      height: props.height ?? 240,
      scales: { x: { time: props.time ?? false } },
      axes: [
        labels ? { values: (_u, splits) => splits.map((v) => labels[Math.round(v)] ?? '') } : {},
        {},
      ],
      series: [
        {},
        ...props.series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length],
          width: 2,
          spanGaps: true,
          ...(bars ? { paths: bars, fill: `${s.color ?? PALETTE[i % PALETTE.length]}99` } : {}),
        })),
      ],
    };
    const plot = new uPlot(opts, [props.x, ...props.series.map((s) => s.values)], el);
    return () => plot.destroy();
  }, [props.x, props.series, props.kind, props.time, props.xLabels, props.height]);
  return <div class="chart" role="img" aria-label={props.label} ref={ref} />;
}

/** A horizontally scrollable box for wide tables (keyboard-focusable, so it can be scrolled). */
export function Scroll(props: { children: preact.ComponentChildren }) {
  return (
    <div class="scroll" tabIndex={0}>
      {props.children}
    </div>
  );
}
