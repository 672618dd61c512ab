import { formatTick, linearScale } from './scale';

export interface TrendDay {
  day: string;
  clean: number;
  suspicious: number;
  backdoored: number;
  repaired: number;
  notRepaired: number;
}

const STACKS = [
  { key: 'clean', label: 'Clean', color: '#1e8a4c' },
  { key: 'repaired', label: 'Repaired', color: '#2a6fb5' },
  { key: 'notRepaired', label: 'Not repaired', color: '#6b5b95' },
  { key: 'suspicious', label: 'Suspicious', color: '#b26a00' },
  { key: 'backdoored', label: 'Backdoored', color: '#c0282d' },
] as const;

/** Findings per day, stacked by verdict. */
export function TrendChart({ days, width = 720, height = 240 }: { days: TrendDay[]; width?: number; height?: number }) {
  const margin = { top: 10, right: 10, bottom: 28, left: 40 };
  const totals = days.map((d) => d.clean + d.suspicious + d.backdoored + d.repaired + d.notRepaired);
  const sum = totals.reduce((a, b) => a + b, 0);
  const y = linearScale(0, Math.max(...totals, 1), height - margin.bottom, margin.top, { ticks: 4 });
  const band = (width - margin.left - margin.right) / Math.max(1, days.length);
  const barWidth = Math.max(2, band * 0.7);
  const labelEvery = Math.max(1, Math.ceil(days.length / 8));
  const summary = STACKS.map((s) => `${s.label} ${days.reduce((a, d) => a + d[s.key], 0)}`).join(', ');
  return (
    <div>
      <svg
        className="chart"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Findings per day over the last ${days.length} days: ${sum} in total (${summary}).`}
      >
        <title>Findings per day by verdict</title>
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
        </g>
        {days.map((day, index) => {
          const left = margin.left + index * band + (band - barWidth) / 2;
          let base = 0;
          return (
            <g key={day.day}>
              {STACKS.map((stack) => {
                const value = day[stack.key];
                if (!value) return null;
                const top = y(base + value);
                const bottom = y(base);
                base += value;
                return (
                  <rect key={stack.key} x={left} y={top} width={barWidth} height={Math.max(0, bottom - top)} fill={stack.color}>
                    <title>{`${day.day}: ${value} ${stack.label.toLowerCase()}`}</title>
                  </rect>
                );
              })}
              {index % labelEvery === 0 ? (
                <text x={left + barWidth / 2} y={height - margin.bottom + 14} textAnchor="middle">
                  {day.day.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <ul className="legend">
        {STACKS.map((s) => (
          <li key={s.key}>
            <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
            {s.label}
          </li>
        ))}
      </ul>
    </div>
  );
}
