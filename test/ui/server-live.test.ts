/**
 * `git-track ui` follows the branch while it serves: Server-Sent Events after a log by another
 * process and after a pull, runs in progress from the staging directories; --host and --filter.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, git, makeRepo, tempDir, testGitEnv } from '../helpers/repo.js';
import { getJson, logRun, startUi } from './server-helpers.js';

/** Read Server-Sent Events from `url` until `until` returns true for one (or the timeout). */
async function collectEvents(url: string, trigger: () => void, until: (name: string, data: any) => boolean, timeoutMs = 20_000): Promise<{ name: string; data: any }[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const res = await fetch(url, { signal: controller.signal });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: { name: string; data: any }[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let triggered = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const chunk = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const name = /^event: (.*)$/m.exec(chunk)?.[1];
        const data = /^data: (.*)$/m.exec(chunk)?.[1];
        if (!name || data === undefined) continue;
        const e = { name, data: JSON.parse(data) };
        events.push(e);
        if (name === 'hello' && !triggered) {
          triggered = true;
          trigger();
        }
        if (until(e.name, e.data)) return events;
      }
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

describe('git-track ui: live updates', () => {
  it('a run logged by another process sends a tip event and shows in the next runs page', async () => {
    const dir = makeRepo({ commit: true });
    const first = logRun(dir, '--name', 'first', '-m', 'f1=0.1');
    const ui = await startUi(dir);
    expect((await getJson(ui, '/api/runs')).body.total).toBe(1);
    let second = '';
    const events = await collectEvents(
      new URL('/api/events', ui.url).href,
      () => void (second = logRun(dir, '--name', 'second', '-m', 'f1=0.2')),
      (name) => name === 'tip',
    );
    expect(events[0]!.name).toBe('hello');
    const tip = events.find((e) => e.name === 'tip');
    expect(tip?.data.tip).toBe(git(dir, 'rev-parse', 'runs').trim());
    const runs = await getJson(ui, '/api/runs?columns=name');
    expect(runs.body.rows.map((r: { id: string }) => r.id)).toEqual([second, first]);
    expect(await ui.stop()).toBe(0);
  });

  it('a pull that brings runs sends a tip event; the pulled run is served', async () => {
    const origin = makeRepo({ commit: true });
    logRun(origin, '--name', 'base', '-m', 'f1=0.1');
    const remote = tempDir('gt-remote-');
    git(remote, 'init', '-q', '--bare');
    git(origin, 'remote', 'add', 'origin', remote);
    git(origin, 'push', '-q', 'origin', 'main');
    expect(cli(origin, 'push').code).toBe(0);
    const clone = tempDir('gt-clone-');
    git(clone, 'clone', '-q', remote, '.');
    expect(cli(clone, 'pull').code).toBe(0);
    const ui = await startUi(clone);
    const pushed = logRun(origin, '--name', 'pushed', '-m', 'f1=0.9');
    expect(cli(origin, 'push').code).toBe(0);
    const events = await collectEvents(new URL('/api/events', ui.url).href, () => void expect(cli(clone, 'pull').code).toBe(0), (name) => name === 'tip');
    expect(events.some((e) => e.name === 'tip')).toBe(true);
    const run = await getJson(ui, `/api/run/${pushed}`);
    expect(run.status).toBe(200);
    expect(run.body.run.name).toBe('pushed');
    expect(await ui.stop()).toBe(0);
  });

  it('a run in progress: started, progress and end are events; listed as running; its series served', async () => {
    const dir = makeRepo({ commit: true });
    logRun(dir, '--name', 'done', '-m', 'f1=0.1');
    const ui = await startUi(dir);
    // The program reports two steps through the run directory, then waits for a file.
    const program = `
      const fs = require('fs'), p = require('path');
      const s = p.join(process.env.GIT_TRACK_RUN_DIR, 'metrics.jsonl');
      fs.appendFileSync(s, JSON.stringify({ name: 'loss', step: 0, value: 0.9 }) + '\\n');
      fs.appendFileSync(s, JSON.stringify({ name: 'loss', step: 1, value: 0.5 }) + '\\n');
      let more = false;
      const t = setInterval(() => {
        if (!more && fs.existsSync('more')) (more = true), fs.appendFileSync(s, JSON.stringify({ name: 'loss', step: 2, value: 0.2 }) + '\\n');
        if (fs.existsSync('stop')) clearInterval(t);
      }, 50);`;
    writeFileSync(join(dir, 'train.cjs'), program);
    let exited: Promise<unknown> = Promise.resolve();
    const started = await collectEvents(
      new URL('/api/events', ui.url).href,
      () => {
        const child = spawn(process.execPath, [BIN, 'run', '--name', 'live', '--', process.execPath, 'train.cjs'], { cwd: dir, env: testGitEnv(), stdio: 'ignore' });
        exited = new Promise((r) => child.once('exit', r));
      },
      (name) => name === 'run-started',
    );
    expect(started.find((e) => e.name === 'run-started')?.data.id).toMatch(/^[0-9a-f]{12}$/);
    let live: any;
    for (let i = 0; i < 200 && !live; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const { body } = await getJson(ui, '/api/runs?columns=name,status,metrics.loss');
      live = body.rows.find((r: { running: boolean; values: unknown[] }) => r.running && r.values[2] === 0.5);
    }
    expect(live).toBeDefined();
    expect(live.values.slice(0, 2)).toEqual(['live', 'running']);
    const series = await getJson(ui, `/api/series?runs=${live.id}&metrics=loss`);
    expect(series.body.lines[0]).toMatchObject({ run: live.id, x: [0, 1], y: [0.9, 0.5] });
    const page = await getJson(ui, `/api/run/${live.id}`);
    expect(page.body.running).toMatchObject({ pid: expect.any(Number) });
    const progress = await collectEvents(
      new URL('/api/events', ui.url).href,
      () => writeFileSync(join(dir, 'more'), ''),
      (name, data) => name === 'run-progress' && data.metrics.loss === 0.2,
    );
    expect(progress.at(-1)).toEqual({ name: 'run-progress', data: { id: live.id, metrics: { loss: 0.2 } } });
    const events = await collectEvents(
      new URL('/api/events', ui.url).href,
      () => writeFileSync(join(dir, 'stop'), ''),
      (name) => name === 'run-finished',
    );
    expect(events.find((e) => e.name === 'hello')!.data.running).toContain(live.id);
    expect(events.find((e) => e.name === 'run-finished')!.data.id).toBe(live.id);
    await exited;
    const recorded = await getJson(ui, `/api/run/${live.id}`);
    expect(recorded.body.run.status).toBe('finished');
    expect(await ui.stop()).toBe(0);
  });
});

describe('git-track ui: output.log', () => {
  it('the run page has the tail of output.log; /output pages through the rest', async () => {
    const dir = makeRepo({ commit: true });
    writeFileSync(join(dir, 'talk.cjs'), "for (let i = 0; i < 20000; i++) console.log('line ' + i + ' é');\n");
    const r = cli(dir, 'run', '--name', 'talk', '--', process.execPath, 'talk.cjs');
    expect(r.code).toBe(0);
    const ui = await startUi(dir);
    const page = await getJson(ui, '/api/run/talk');
    const out = page.body.output;
    expect(out.bytes).toBeGreaterThan(65536);
    expect(out.truncated).toBe(true);
    expect(out.text.endsWith('line 19999 é\n')).toBe(true);
    expect(out.offset + Buffer.byteLength(out.text)).toBe(out.bytes);
    // From the start, in parts that never cut a character in two.
    let offset = 0;
    let text = '';
    for (let i = 0; i < 100 && offset !== null; i++) {
      const part = await getJson(ui, `/api/run/talk/output?offset=${offset}&limit=100003`);
      expect(part.status).toBe(200);
      expect(part.body.offset).toBe(offset);
      text += part.body.text;
      offset = part.body.next;
    }
    expect(offset).toBeNull();
    expect(text.split('\n')).toHaveLength(20001);
    expect(text.startsWith('line 0 é\nline 1 é\n')).toBe(true);
    expect(text).not.toContain('\ufffd');
    expect(await ui.stop()).toBe(0);
  });
});

describe('git-track ui: options', () => {
  it('--host other than loopback prints a warning; --filter narrows every runs answer', async () => {
    const dir = makeRepo({ commit: true });
    logRun(dir, '--name', 'low', '-m', 'f1=0.1');
    logRun(dir, '--name', 'high', '-m', 'f1=0.9');
    const ui = await startUi(dir, '--host', '0.0.0.0', '--filter', 'metrics.f1 > 0.5');
    expect(ui.stderr()).toMatch(/^warning: listening on 0\.0\.0\.0: anyone who can reach this address can read every run/m);
    const res = await fetch(`http://127.0.0.1:${ui.port}/api/runs?columns=name`);
    const body = await res.json();
    expect(body.rows.map((r: { values: unknown[] }) => r.values[0])).toEqual(['high']);
    expect(await ui.stop()).toBe(0);
    const quiet = await startUi(dir);
    expect(quiet.stderr()).toBe('');
    await quiet.stop();
  });

  it('bad options: one line, exit 2, nothing served', () => {
    const dir = makeRepo({ commit: true });
    const port = cli(dir, 'ui', '--port', 'http');
    expect(port.code).toBe(2);
    expect(port.stderr).toBe("git-track: --port expects a port number from 0 to 65535, got 'http'\n");
    const filter = cli(dir, 'ui', '--filter', 'metrics.f1 >');
    expect(filter.code).toBe(2);
    expect(filter.stderr).toContain('at column 13');
    expect(filter.stderr.trim().split('\n')).toHaveLength(1);
  });
});
