/**
 * The cascade chart as hand-written SVG (no chart dependency): one panel per contender,
 * stacked on a shared time axis, latency on a log scale. Per time bin (of completion), the p99 of each
 * route is a thick line and its p50 a thin one; the outage is shaded. Empty bins break
 * the line instead of drawing through them.
 */

const WIDTH = 960;
const PANEL_HEIGHT = 150;
const GAP = 34;
const LEFT = 64;
const RIGHT = 170;
const TOP = 84;
const BOTTOM = 40;
/** The y axis, ms: 0.1 ms to 10 s. */
const Y_MIN = 0.1;
const Y_MAX = 10_000;
const COLORS = { healthy: '#1f6fb4', dying: '#c8302c' };

const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fixed = (n) => Math.round(n * 10) / 10;

/**
 * @param {{ title: string, subtitle: string, seconds: number,
 *   panels: { name: string, note: string, outage: [number, number], binSeconds: number,
 *     series: { healthy: { p50: number[], p99: number[] }, dying: { p50: number[], p99: number[] } } }[] }} chart
 *   `seconds`: the length of the time axis; bin i covers [i × binSeconds, (i + 1) × binSeconds); NaN = no requests.
 * @returns {string} an SVG document
 */
export function renderCascadeChart({ title, subtitle, seconds, panels }) {
  const plotWidth = WIDTH - LEFT - RIGHT;
  const height = TOP + panels.length * PANEL_HEIGHT + (panels.length - 1) * GAP + BOTTOM;
  const x = (s) => LEFT + (s / seconds) * plotWidth;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="22" font-size="16" font-weight="600">${escape(title)}</text>`,
    `<text x="${LEFT}" y="40" fill="#555">${escape(subtitle)}</text>`,
  ];

  panels.forEach((panel, index) => {
    const top = TOP + index * (PANEL_HEIGHT + GAP);
    const y = (ms) => {
      const clamped = Math.min(Y_MAX, Math.max(Y_MIN, ms));
      return top + PANEL_HEIGHT - ((Math.log10(clamped) - Math.log10(Y_MIN)) / (Math.log10(Y_MAX) - Math.log10(Y_MIN))) * PANEL_HEIGHT;
    };
    const [outageStart, outageEnd] = panel.outage;
    parts.push(
      `<rect x="${fixed(x(outageStart))}" y="${top}" width="${fixed(x(outageEnd) - x(outageStart))}" height="${PANEL_HEIGHT}" fill="#f6dcdc"/>`,
      `<rect x="${LEFT}" y="${top}" width="${plotWidth}" height="${PANEL_HEIGHT}" fill="none" stroke="#999"/>`,
      `<text x="${LEFT}" y="${top - 8}" font-size="13" font-weight="600">${escape(panel.name)}</text>`,
      `<text x="${LEFT + plotWidth}" y="${top - 8}" text-anchor="end" fill="#555">${escape(panel.note)}</text>`,
    );
    for (const ms of [0.1, 1, 10, 100, 1000, 10_000]) {
      const label = ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
      parts.push(
        `<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${fixed(y(ms))}" y2="${fixed(y(ms))}" stroke="#e4e4e4"/>`,
        `<text x="${LEFT - 6}" y="${fixed(y(ms)) + 4}" text-anchor="end" fill="#555">${label}</text>`,
      );
    }
    for (const [route, series] of Object.entries(panel.series)) {
      for (const [stat, strokeWidth, opacity] of [
        ['p50', 1, 0.55],
        ['p99', 2.2, 1],
      ]) {
        const d = pathOf(series[stat], (i) => x((i + 0.5) * panel.binSeconds), y);
        if (d !== '') parts.push(`<path d="${d}" fill="none" stroke="${COLORS[route]}" stroke-width="${strokeWidth}" stroke-opacity="${opacity}" stroke-linejoin="round"/>`);
      }
    }
    if (index === 0) {
      parts.push(`<text x="${fixed((x(outageStart) + x(outageEnd)) / 2)}" y="${top + 14}" text-anchor="middle" fill="#a33">dependency down</text>`);
    }
  });

  const axisY = TOP + panels.length * PANEL_HEIGHT + (panels.length - 1) * GAP;
  for (let s = 0; s <= seconds; s += seconds > 30 ? 5 : 2) {
    parts.push(`<text x="${fixed(x(s))}" y="${axisY + 16}" text-anchor="middle" fill="#555">${s} s</text>`);
  }
  parts.push(`<text x="${LEFT + plotWidth / 2}" y="${axisY + 33}" text-anchor="middle" fill="#555">time since the load started</text>`);

  const legendX = LEFT + plotWidth + 16;
  [
    ['healthy route p99', COLORS.healthy, 2.2, 1],
    ['healthy route p50', COLORS.healthy, 1, 0.55],
    ['dying route p99', COLORS.dying, 2.2, 1],
    ['dying route p50', COLORS.dying, 1, 0.55],
  ].forEach(([label, color, strokeWidth, opacity], i) => {
    const ly = TOP + 10 + i * 18;
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 22}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="${strokeWidth}" stroke-opacity="${opacity}"/>`,
      `<text x="${legendX + 28}" y="${ly + 4}">${label}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** An SVG path through the finite values; a NaN starts a new segment. */
function pathOf(values, xOf, yOf) {
  let d = '';
  let drawing = false;
  values.forEach((value, i) => {
    if (!Number.isFinite(value)) {
      drawing = false;
      return;
    }
    d += `${drawing ? 'L' : 'M'}${fixed(xOf(i))} ${fixed(yOf(value))}`;
    drawing = true;
  });
  return d;
}
