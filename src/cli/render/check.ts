/**
 * Rendering policy results: a terminal list, or markdown for a CI comment.
 */
import type { CheckResult } from '../../policy/check-run.js';

/**
 * One line per rule, failures marked.
 *
 * @example
 * renderCheck(result, 'md'); // '### git-track check: 3f9a21c0b7d4 ❌ 1 of 3 rules failed\n…'
 */
export function renderCheck(r: CheckResult, format: 'text' | 'md' | 'json'): string {
  const failed = r.results.filter((x) => !x.ok);
  if (format === 'json') return JSON.stringify({ run: r.run.id, ok: r.ok, results: r.results }, null, 2);
  const summary = r.results.length === 0 ? 'no rules to check' : failed.length ? `${failed.length} of ${r.results.length} rules failed` : `all ${r.results.length} rules passed`;
  if (format === 'md') {
    const rows = r.results.map((x) => `| ${x.ok ? '✅' : '❌'} | \`${escape(x.rule)}\` | ${escape(x.detail)} |`);
    return [
      `### git-track check: \`${r.run.id}\`${r.run.name ? ` (${escape(r.run.name)})` : ''} ${r.ok ? '✅' : '❌'} ${summary}`,
      '',
      ...(rows.length ? ['| | rule | detail |', '|---|---|---|', ...rows] : []),
    ].join('\n');
  }
  return [`${r.ok ? 'PASS' : 'FAIL'} ${r.run.id}: ${summary}`, ...r.results.map((x) => `  ${x.ok ? 'ok  ' : 'FAIL'}  ${x.rule}: ${x.detail}`)].join('\n');
}

function escape(s: string): string {
  return s.replace(/\|/g, '\\|');
}
