import { formatTick, linearScale } from './scale';

/** Vertical bars (e.g. images per class), labelled below; values also in an accessible table. */
export function BarChart({
  title,
  bars,
  xLabel,
  yLabel,
  color = '#3a4fd0',
  width = 480,
  height = 220,
}: {
  title: string;
  bars: { label: string; value: number }[];
  xLabel?: string;
  yLabel?: string;
  color?: string;
  width?: number;
  height?: number;
}) {
  if (bars.length === 0) return <p className="muted small">No data.</p>;
  const margin = { top: 10, right: 10, bottom: xLabel ? 40 : 26, left: yLabel ? 60 : 48 };
  const y = linearScale(0, Math.max(...bars.map((b) => b.value), 1), height - margin.bottom, margin.top, { ticks: 4 });
  const band = (width - margin.left - margin.right) / bars.length;
  const barWidth = Math.max(1, band * 0.75);
  const labelEvery = Math.ceil(bars.length / 20);
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
      <title>{title}</title>
      <g className="axis">
        {y.ticks.map((t) => (
          <g key={t}>
            <line className="grid-line" x1={margin.left} x2={width - margin.right} y1={y(t)} y2={y(t)} />
            <text x={margin.left - 6} y={y(t)} textAnchor="end" dominantBaseline="middle">
              {formatTick(t)}
            </text>
          </g>
        ))}
        <line x1={margin.left} x2={width - margin.right} y1={height - margin.bottom} y2={height - margin.bottom} />
        {xLabel ? (
          <text x={(margin.left + width - margin.right) / 2} y={height - 4} textAnchor="middle">
            {xLabel}
          </text>
        ) : null}
        {yLabel ? (
          <text transform={`translate(12 ${(margin.top + height - margin.bottom) / 2}) rotate(-90)`} textAnchor="middle">
            {yLabel}
          </text>
        ) : null}
      </g>
      {bars.map((bar, index) => {
        const left = margin.left + index * band + (band - barWidth) / 2;
        const top = y(bar.value);
        return (
          <g key={bar.label}>
            <rect x={left} y={top} width={barWidth} height={Math.max(0, height - margin.bottom - top)} fill={color} rx={2}>
              <title>{`${bar.label}: ${bar.value}`}</title>
            </rect>
            {index % labelEvery === 0 ? (
              <text x={left + barWidth / 2} y={height - margin.bottom + 14} textAnchor="middle">
                {bar.label}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}
