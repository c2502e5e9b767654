/**
 * Companies per 10-point score bin (0–9 … 90–100) as SVG bars, with the threshold in force and the
 * urgent line drawn across (antd has no chart component; this needs none).
 */
export function ScoreChart({
  bins,
  threshold,
  urgentBelow,
  label,
}: {
  bins: number[];
  threshold: number;
  urgentBelow: number;
  label: string;
}) {
  const w = 520;
  const h = 200;
  const pad = { l: 32, r: 8, t: 12, b: 28 };
  const iw = w - pad.l - pad.r;
  const ih = h - pad.t - pad.b;
  const max = Math.max(1, ...bins);
  const bw = iw / Math.max(1, bins.length);
  const xOf = (score: number) => pad.l + (score / 100) * iw;
  return (
    <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label} style={{ width: '100%', maxWidth: w }} data-testid="score-chart">
      <line x1={pad.l} y1={pad.t + ih} x2={pad.l + iw} y2={pad.t + ih} stroke="#94a3b8" />
      <text x={pad.l - 6} y={pad.t + 8} fontSize="11" textAnchor="end" fill="#64748b">
        {max}
      </text>
      <text x={pad.l - 6} y={pad.t + ih} fontSize="11" textAnchor="end" fill="#64748b">
        0
      </text>
      {bins.map((n, i) => {
        const bh = (n / max) * ih;
        const low = i * 10;
        const color = low + 10 <= urgentBelow ? '#dc2626' : low + 10 <= threshold ? '#f59e0b' : '#16a34a';
        return (
          <g key={i}>
            <rect x={pad.l + i * bw + 3} y={pad.t + ih - bh} width={bw - 6} height={bh} fill={color} rx={2}>
              <title>{`${low}–${i === bins.length - 1 ? 100 : low + 9}: ${n}`}</title>
            </rect>
            {n > 0 && (
              <text x={pad.l + i * bw + bw / 2} y={pad.t + ih - bh - 3} fontSize="11" textAnchor="middle" fill="#0f172a">
                {n}
              </text>
            )}
            <text x={pad.l + i * bw + bw / 2} y={h - 10} fontSize="11" textAnchor="middle" fill="#64748b">
              {low}
            </text>
          </g>
        );
      })}
      <line x1={xOf(threshold)} y1={pad.t} x2={xOf(threshold)} y2={pad.t + ih} stroke="#f59e0b" strokeDasharray="4 3" />
      <text x={xOf(threshold) + 3} y={pad.t + 10} fontSize="11" fill="#b45309">
        {threshold}
      </text>
      <line x1={xOf(urgentBelow)} y1={pad.t} x2={xOf(urgentBelow)} y2={pad.t + ih} stroke="#dc2626" strokeDasharray="4 3" />
      <text x={xOf(urgentBelow) + 3} y={pad.t + 22} fontSize="11" fill="#dc2626">
        {urgentBelow}
      </text>
    </svg>
  );
}

/**
 * The threshold in force over time (A8): one point per weekly recomputation, oldest left, as an SVG
 * step line (a threshold holds until the next run), with the urgent line for reference.
 */
export function ThresholdChart({
  points,
  urgentBelow,
  label,
  formatDate,
}: {
  /** Oldest first. */
  points: { at: string; value: number }[];
  urgentBelow: number;
  label: string;
  formatDate: (iso: string) => string;
}) {
  const w = 520;
  const h = 180;
  const pad = { l: 32, r: 12, t: 12, b: 28 };
  const iw = w - pad.l - pad.r;
  const ih = h - pad.t - pad.b;
  const n = points.length;
  const xOf = (i: number) => pad.l + (n <= 1 ? iw / 2 : (i / (n - 1)) * iw);
  const yOf = (v: number) => pad.t + ih - (v / 100) * ih;
  const path = points.map((p, i) => (i === 0 ? `M${xOf(i)},${yOf(p.value)}` : `H${xOf(i)}V${yOf(p.value)}`)).join('');
  const labelled = new Set([0, n - 1, Math.floor((n - 1) / 2)]);
  return (
    <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label} style={{ width: '100%', maxWidth: w }} data-testid="threshold-chart">
      {[0, 50, 100].map((v) => (
        <g key={v}>
          <line x1={pad.l} y1={yOf(v)} x2={pad.l + iw} y2={yOf(v)} stroke="#e2e8f0" />
          <text x={pad.l - 6} y={yOf(v) + 4} fontSize="11" textAnchor="end" fill="#64748b">
            {v}
          </text>
        </g>
      ))}
      <line x1={pad.l} y1={yOf(urgentBelow)} x2={pad.l + iw} y2={yOf(urgentBelow)} stroke="#dc2626" strokeDasharray="4 3" />
      <path d={path} fill="none" stroke="#f59e0b" strokeWidth={2} />
      {points.map((p, i) => (
        <g key={`${p.at}-${i}`}>
          <circle cx={xOf(i)} cy={yOf(p.value)} r={3} fill="#f59e0b">
            <title>{`${formatDate(p.at)}: ${p.value}`}</title>
          </circle>
          {labelled.has(i) && (
            <>
              <text x={xOf(i)} y={yOf(p.value) - 6} fontSize="11" textAnchor="middle" fill="#b45309">
                {p.value}
              </text>
              <text x={xOf(i)} y={h - 10} fontSize="11" textAnchor="middle" fill="#64748b">
                {formatDate(p.at)}
              </text>
            </>
          )}
        </g>
      ))}
    </svg>
  );
}
