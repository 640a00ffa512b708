/** How values read on the page: numbers short but exact enough, times in the reader's zone. */

/** A cell value: numbers to 6 significant digits, lists joined, null as an empty cell. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return formatNumber(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** `0.84213`, `1.2e-7`, `12,345`: integers whole, others to 6 significant digits. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return n.toLocaleString('en-US');
  const a = Math.abs(n);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return n.toExponential(3);
  return String(Number(n.toPrecision(6)));
}

/** `2026-05-30 10:15` in the reader's time zone, from an ISO UTC time. */
export function formatTime(iso: unknown): string {
  if (typeof iso !== 'string') return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** `412 ms`, `6.9 s`, `1 m 52 s`, `3 h 04 m` from seconds. */
export function formatDuration(s: unknown): string {
  if (typeof s !== 'number' || !Number.isFinite(s)) return '';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(Math.round(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

/** `20.0 KiB` from bytes. */
export function formatBytes(n: unknown): string {
  if (typeof n !== 'number') return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** Format a column's value by what the column is. */
export function formatCell(column: string, v: unknown): string {
  if (column === 'created') return formatTime(v);
  if (column === 'duration') return formatDuration(v);
  if (column === 'code.commit' && typeof v === 'string') return v.slice(0, 8);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return formatValue(v);
}
