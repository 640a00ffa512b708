/**
 * The pieces of an MLflow file store, parsed: meta.yaml as PyYAML wrote it, metric lines, and
 * the order runs are written in (parents first).
 */
import { describe, expect, it } from 'vitest';
import { parentsFirst } from '../../src/mlflow/import/import-mlflow.js';
import { parseExperimentMeta, parseMetricLines, parseRunMeta } from '../../src/mlflow/import/parse-store.js';
import { errorOf } from '../helpers/errors.js';

/** `fn` throws a GitTrackError with this code and a message equal to (or matching) `message`. */
function expectGitTrackError(fn: () => unknown, code: string, message: string | RegExp): void {
  const err = errorOf(fn);
  expect(err.code).toBe(code);
  if (typeof message === 'string') expect(err.message).toBe(message);
  else expect(err.message).toMatch(message);
}

const META = `artifact_uri: file:///data/mlruns/1/RUN/artifacts
end_time: 1700000030000
entry_point_name: ''
experiment_id: '1'
lifecycle_stage: active
run_id: RUN
run_name: baseline
run_uuid: RUN
source_name: ''
source_type: 4
source_version: ''
start_time: 1700000000000
status: 3
tags: []
user_id: ada
`;

describe('parseRunMeta', () => {
  it('reads what MLflow 2.22 writes', () => {
    expect(parseRunMeta(META.replaceAll('RUN', 'abc123'), 'm')).toEqual({
      runId: 'abc123',
      experimentId: '1',
      status: 'FINISHED',
      startTime: 1700000000000,
      endTime: 1700000030000,
      runName: 'baseline',
      userId: 'ada',
      deleted: false,
      artifactUri: 'file:///data/mlruns/1/abc123/artifacts',
    });
  });

  it('keeps a run id PyYAML left unquoted as the text it is (YAML 1.2 would read a number)', () => {
    // PyYAML (YAML 1.1) quotes '0123' but not 12e45: both must stay strings.
    expect(parseRunMeta(META.replaceAll('RUN', '1234e5678'), 'm').runId).toBe('1234e5678');
    expect(parseRunMeta(META.replaceAll('RUN', '00000000000000000000000000000001'), 'm').runId).toBe('00000000000000000000000000000001');
  });

  it('reads a running run (end_time null) and the status by name', () => {
    const meta = parseRunMeta(META.replace('end_time: 1700000030000', 'end_time: null').replace('status: 3', 'status: RUNNING'), 'm');
    expect(meta.endTime).toBeUndefined();
    expect(meta.status).toBe('RUNNING');
  });

  it('names the file and the field of what is malformed', () => {
    expectGitTrackError(() => parseRunMeta('run_id: [unclosed\n', 'mlruns/1/x/meta.yaml'), 'BAD_INPUT', /^mlruns\/1\/x\/meta\.yaml: not valid YAML/);
    // The parser's own first line ends with ':' before a code frame: the line says where, and stops.
    expectGitTrackError(() => parseRunMeta('run_id: r1\nstart_time: [oops\n', 'f'), 'BAD_INPUT', /^f: not valid YAML: .* at line \d+, column \d+$/);
    expectGitTrackError(() => parseRunMeta(META.replace('status: 3', 'status: 9'), 'f'), 'BAD_INPUT', "f: status '9' is not an MLflow run status");
    expectGitTrackError(() => parseRunMeta(META.replace('start_time: 1700000000000', 'start_time: yesterday'), 'f'), 'BAD_INPUT', "f: start_time is not a time in milliseconds: 'yesterday'");
    expectGitTrackError(() => parseRunMeta('- a\n- b\n', 'f'), 'BAD_INPUT', 'f: not a YAML mapping');
    // An alias bomb is refused, not expanded.
    expectGitTrackError(() => parseRunMeta('a: &a [x, x]\nb: [*a, *a]\n', 'f'), 'BAD_INPUT', /^f: not valid YAML/);
  });

  it('reads an experiment, deleted or not', () => {
    expect(parseExperimentMeta("experiment_id: '7'\nname: churn\nlifecycle_stage: deleted\n", 'f')).toEqual({ experimentId: '7', name: 'churn', deleted: true });
  });
});

describe('parseMetricLines', () => {
  it('reads timestamp, value and step; old files without a step are step 0; NaN is kept for the caller', () => {
    expect(parseMetricLines('1700000000000 0.5 3\n1700000000001 nan 4\n1700000000002 -inf 5\n1700000000003 2\n', 'f')).toEqual([
      { timestamp: 1700000000000, value: 0.5, step: 3 },
      { timestamp: 1700000000001, value: NaN, step: 4 },
      { timestamp: 1700000000002, value: -Infinity, step: 5 },
      { timestamp: 1700000000003, value: 2, step: 0 },
    ]);
  });

  it('names the file and line of a malformed line', () => {
    expectGitTrackError(() => parseMetricLines('1 2 3\n1 x 3\n', 'mlruns/1/r/metrics/loss'), 'BAD_INPUT', "mlruns/1/r/metrics/loss:2: not a metric line 'timestamp value step': '1 x 3'");
    expectGitTrackError(() => parseMetricLines('1 2 3 4\n', 'f'), 'BAD_INPUT', /^f:1: /);
    expectGitTrackError(() => parseMetricLines('1.5 2 3\n', 'f'), 'BAD_INPUT', /^f:1: /);
  });
});

describe('parentsFirst', () => {
  const stub = (runId: string, parentRunId?: string) => ({ runId, where: runId, ...(parentRunId ? { parentRunId } : {}) });

  it('puts every parent before its children, deep nesting included, and keeps the order otherwise', () => {
    const order = parentsFirst([stub('c', 'b'), stub('x'), stub('b', 'a'), stub('a'), stub('d', 'a')]).map((s) => s.runId);
    expect(order).toEqual(['a', 'b', 'c', 'x', 'd']);
  });

  it('a missing parent or a loop holds nothing back', () => {
    expect(parentsFirst([stub('a', 'gone'), stub('b', 'c'), stub('c', 'b')]).map((s) => s.runId).sort()).toEqual(['a', 'b', 'c']);
  });

  it('a chain thousands deep does not overflow the stack', () => {
    const stubs = Array.from({ length: 20000 }, (_, i) => stub(`r${i}`, i > 0 ? `r${i - 1}` : undefined)).reverse();
    const order = parentsFirst(stubs).map((s) => s.runId);
    expect(order[0]).toBe('r0');
    expect(order.at(-1)).toBe('r19999');
  });
});
