/** Linear scales and "nice" ticks for the inline SVG charts. */

export interface Scale {
  (value: number): number;
  ticks: number[];
  domain: [number, number];
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Maps [min, max] (widened to nice bounds unless `exact`) onto [from, to]. */
export function linearScale(
  min: number,
  max: number,
  from: number,
  to: number,
  options: { ticks?: number; exact?: boolean } = {},
): Scale {
  let lo = Number.isFinite(min) ? min : 0;
  let hi = Number.isFinite(max) ? max : 1;
  if (hi === lo) {
    const pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, options.ticks ?? 5);
  if (!options.exact) {
    lo = Math.floor(lo / step) * step;
    hi = Math.ceil(hi / step) * step;
  }
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  const scale = ((value: number) => from + ((value - lo) / (hi - lo)) * (to - from)) as Scale;
  scale.ticks = ticks;
  scale.domain = [lo, hi];
  return scale;
}

export function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e5 || abs < 1e-3)) return value.toExponential(1);
  return Number(value.toPrecision(4)).toString();
}

export const PALETTE = ['#3a4fd0', '#1e8a4c', '#c0282d', '#b26a00', '#7b3fb8', '#0f8a99', '#d0508a', '#5b6676'];
