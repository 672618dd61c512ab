import { formatTick, linearScale, PALETTE } from './scale';

export interface ScatterPoint {
  x: number;
  y: number;
  group: string;
  label: string;
  /** Draw a faint arrow from here (e.g. before repair) to the point. */
  from?: { x: number; y: number };
  hollow?: boolean;
}

/** Points in a percent x percent plane (ASR vs CDA), coloured by group, with a legend. */
export function ScatterPlot({
  title,
  points,
  xLabel,
  yLabel,
  width = 560,
  height = 320,
}: {
  title: string;
  points: ScatterPoint[];
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}) {
  if (points.length === 0) return <p className="muted small">No points to plot.</p>;
  const margin = { top: 12, right: 16, bottom: 42, left: 56 };
  const xs = points.flatMap((p) => [p.x, p.from?.x ?? p.x]);
  const ys = points.flatMap((p) => [p.y, p.from?.y ?? p.y]);
  const x = linearScale(Math.max(0, Math.min(...xs) - 2), Math.min(100, Math.max(...xs) + 2), margin.left, width - margin.right, {
    ticks: 5,
  });
  const y = linearScale(0, Math.min(100, Math.max(...ys, 10) + 2), height - margin.bottom, margin.top, { ticks: 5 });
  const groups = [...new Set(points.map((p) => p.group))];
  const color = (group: string) => PALETTE[groups.indexOf(group) % PALETTE.length] ?? PALETTE[0];
  return (
    <div>
      <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${points.length} points.`}>
        <title>{title}</title>
        <defs>
          <marker
            id="scatter-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="6"
            markerHeight="6"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#9aa3b2" />
          </marker>
        </defs>
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
            <g key={`x${t}`}>
              <line className="grid-line" x1={x(t)} x2={x(t)} y1={margin.top} y2={height - margin.bottom} />
              <text x={x(t)} y={height - margin.bottom + 14} textAnchor="middle">
                {formatTick(t)}
              </text>
            </g>
          ))}
          <line x1={margin.left} x2={width - margin.right} y1={height - margin.bottom} y2={height - margin.bottom} />
          <line x1={margin.left} x2={margin.left} y1={margin.top} y2={height - margin.bottom} />
          <text x={(margin.left + width - margin.right) / 2} y={height - 6} textAnchor="middle">
            {xLabel}
          </text>
          <text transform={`translate(14 ${(margin.top + height - margin.bottom) / 2}) rotate(-90)`} textAnchor="middle">
            {yLabel}
          </text>
        </g>
        {points.map((p) =>
          p.from ? (
            <line
              key={`arrow-${p.label}`}
              x1={x(p.from.x)}
              y1={y(p.from.y)}
              x2={x(p.x)}
              y2={y(p.y)}
              stroke="#9aa3b2"
              strokeDasharray="4 3"
              markerEnd="url(#scatter-arrow)"
            />
          ) : null,
        )}
        {points.map((p) => (
          <circle
            key={p.label}
            cx={x(p.x)}
            cy={y(p.y)}
            r={p.hollow ? 4 : 6}
            fill={p.hollow ? '#fff' : color(p.group)}
            stroke={color(p.group)}
            strokeWidth={2}
          >
            <title>{`${p.label}: CDA ${p.x.toFixed(1)}%, ASR ${p.y.toFixed(1)}%`}</title>
          </circle>
        ))}
      </svg>
      <ul className="legend">
        {groups.map((group) => (
          <li key={group}>
            <span className="swatch" style={{ background: color(group) }} aria-hidden="true" />
            {group}
          </li>
        ))}
      </ul>
    </div>
  );
}
