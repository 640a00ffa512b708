/**
 * The step-metrics stream `metrics.jsonl`: one JSON object per line,
 * `{"name":"loss","step":3,"value":0.41,"ts":1767225600.5}`, appended by the program while it
 * trains. A program may be killed mid-write, so a bad line is a warning naming the file and
 * line, never a reason to lose the rest.
 */
import { describeValue } from '../manifest/schema-errors.js';
import { isValidName } from '../manifest/names.js';
import type { SeriesPoint } from './series-files.js';

/** Bad lines named one by one before the rest are only counted. */
const NAMED_BAD_LINES = 10;

/**
 * Parse a stream into series by metric name, in the order logged. `step` defaults to the
 * metric's count so far; `ts` may be epoch seconds (Python's `time.time()`), epoch
 * milliseconds or an ISO 8601 string.
 *
 * @example
 * const warnings: string[] = [];
 * parseMetricStream('{"name":"loss","step":0,"value":0.9}\n', 'metrics.jsonl', (w) => warnings.push(w)).get('loss');
 * // [{ step: 0, value: 0.9 }]
 */
export function parseMetricStream(text: string, source: string, report: (message: string) => void): Map<string, SeriesPoint[]> {
  // A program that writes a bad line usually writes it on every step: name the first few,
  // then count the rest, so one broken print does not bury the run's output in warnings.
  let bad = 0;
  const warn = (message: string): void => {
    if (++bad <= NAMED_BAD_LINES) report(message);
  };
  const series = new Map<string, SeriesPoint[]>();
  // A stream holds few names many times; checking each once keeps 100k lines fast.
  const valid = new Set<string>();
  const lines = text.split('\n');
  // A last line without its newline may be a write the program did not finish.
  const unterminated = text.endsWith('\n') ? -1 : lines.length - 1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const where = `${source} line ${i + 1}`;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      warn(i === unterminated ? `${where}: incomplete last line (stopped mid-write?), skipped` : `${where}: not valid JSON, skipped`);
      continue;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      warn(`${where}: expected an object {"name", "step", "value"}, skipped`);
      continue;
    }
    const { name, step, value, ts } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || !(valid.has(name) || (isValidName(name) && valid.add(name)))) {
      warn(`${where}: invalid metric name ${describeValue(name)}, skipped`);
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      warn(`${where}: metric '${name}' must be a finite number, got ${describeValue(value)}; skipped`);
      continue;
    }
    const points = series.get(name) ?? [];
    if (step !== undefined && step !== null && !(typeof step === 'number' && Number.isInteger(step))) {
      warn(`${where}: metric '${name}' step must be a whole number, got ${describeValue(step)}; skipped`);
      continue;
    }
    const point: SeriesPoint = { step: typeof step === 'number' ? step : points.length, value };
    const millis = toMillis(ts);
    if (millis !== undefined) point.ts = millis;
    points.push(point);
    series.set(name, points);
  }
  if (bad > NAMED_BAD_LINES) report(`${source}: ${bad - NAMED_BAD_LINES} more bad lines skipped (${bad} in all)`);
  return series;
}

/** Seconds and milliseconds since the epoch are told apart by size (1e11 s is year 5138). */
export function toMillis(ts: unknown): number | undefined {
  if (typeof ts === 'number' && Number.isFinite(ts) && ts >= 0) return Math.round(ts < 1e11 ? ts * 1000 : ts);
  if (typeof ts === 'string') {
    const t = Date.parse(ts);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}
