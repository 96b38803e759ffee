/** A health trend as an inline SVG line (scores 0–100, oldest first), labelled for screen readers. */
export function Sparkline(props: { points: { at: string; score: number }[]; width?: number; height?: number }) {
  const width = props.width ?? 110;
  const height = props.height ?? 26;
  const { points } = props;
  if (points.length < 2) return <span class="muted">{points.length === 1 ? "one score" : "no history"}</span>;
  const step = width / (points.length - 1);
  const line = points.map((point, index) => `${(index * step).toFixed(1)},${(height - (point.score / 100) * height).toFixed(1)}`).join(" ");
  const first = points[0]?.score ?? 0;
  const last = points.at(-1)?.score ?? 0;
  return (
    <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Health from ${first} to ${last} over ${points.length} days`}>
      <polyline points={line} fill="none" stroke={last >= first ? "#1d6b36" : "#a4161a"} stroke-width="2" />
    </svg>
  );
}
