import { formatTick, linearScale, PALETTE } from './scale';

export interface LineSeries {
  name: string;
  color?: string;
  points: { x: number; y: number }[];
}

/** Lines over a numeric x axis (e.g. a metric over event seq), with axes and a legend. */
export function LineChart({
  title,
  series,
  xLabel,
  yLabel,
  width = 560,
  height = 220,
  showLegend = true,
}: {
  title: string;
  series: LineSeries[];
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  showLegend?: boolean;
}) {
  const margin = { top: 10, right: 16, bottom: xLabel ? 38 : 24, left: yLabel ? 56 : 44 };
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (all.length === 0) {
    return <p className="muted small">No data yet.</p>;
  }
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const x = linearScale(Math.min(...xs), Math.max(...xs), margin.left, width - margin.right, { ticks: 6, exact: true });
  const y = linearScale(Math.min(...ys), Math.max(...ys), height - margin.bottom, margin.top, { ticks: 4 });
  const latest = series
    .map((s) => `${s.name} ${s.points.length ? formatTick(s.points[s.points.length - 1]?.y ?? 0) : 'none'}`)
    .join(', ');
  return (
    <div>
      <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}. Latest: ${latest}.`}>
        <title>{title}</title>
        <g className="axis">
          {y.ticks.map((t) => (
            <g key={`y${t}`}>
              <line className="grid-line" x1={margin.left} x2={width - margin.right} y1={y(t)} y2={y(t)} />
              <text x={margin.left - 6} y={y(t)} textAnchor="end" dominantBaseline="middle">
                {formatTick(t)}
              </text>
            </g>
          ))}
          {x.ticks.map((t) => (
            <text key={`x${t}`} x={x(t)} y={height - margin.bottom + 14} textAnchor="middle">
              {formatTick(t)}
            </text>
          ))}
          <line x1={margin.left} x2={width - margin.right} y1={height - margin.bottom} y2={height - margin.bottom} />
          <line x1={margin.left} x2={margin.left} y1={margin.top} y2={height - margin.bottom} />
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
        {series.map((s, index) => {
          const color = s.color ?? PALETTE[index % PALETTE.length];
          const points = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
          const last = points[points.length - 1];
          return (
            <g key={s.name}>
              <polyline
                fill="none"
                stroke={color}
                strokeWidth={2}
                strokeLinejoin="round"
                points={points.map((p) => `${x(p.x)},${y(p.y)}`).join(' ')}
              />
              {last ? <circle cx={x(last.x)} cy={y(last.y)} r={3.5} fill={color} /> : null}
            </g>
          );
        })}
      </svg>
      {showLegend && series.length > 1 ? (
        <ul className="legend">
          {series.map((s, index) => (
            <li key={s.name}>
              <span className="swatch" style={{ background: s.color ?? PALETTE[index % PALETTE.length] }} aria-hidden="true" />
              {s.name}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
