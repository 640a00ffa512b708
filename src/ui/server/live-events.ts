/**
 * `/api/events`: Server-Sent Events telling open pages that `runs` moved or a run in progress
 * started, progressed or finished. One poll (the `runs` ref and the staging directories, both
 * a few small reads) every {@link POLL_MS}, shared by every stream and run only while one is
 * open. Polling, not fs.watch: the ref may move by a rename in a loose ref, a rewrite of
 * packed-refs or a fetch, and watchers miss some of those on some filesystems.
 */
import type { ServerResponse } from 'node:http';
import { runsTip } from '../../runs/read-runs.js';
import { MAX_UI_EVENT_CLIENTS } from '../../limits.js';
import { GitTrackError } from '../../errors.js';
import { liveRuns, type LiveRun } from './live-runs.js';
import type { UiState } from './ui-state.js';

const POLL_MS = 500;
const PING_MS = 15_000;

export class LiveEvents {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private ping: NodeJS.Timeout | undefined;
  private tip: string | null = null;
  private running = new Map<string, string>();

  constructor(private readonly state: UiState) {}

  /** Open a stream on `res`; 503 (thrown USAGE with a limit) past the client limit. */
  open(res: ServerResponse): void {
    if (this.clients.size >= MAX_UI_EVENT_CLIENTS) {
      throw new GitTrackError('USAGE', `more than ${MAX_UI_EVENT_CLIENTS} event streams are open (MAX_UI_EVENT_CLIENTS)`, { limit: MAX_UI_EVENT_CLIENTS, status: 503 });
    }
    if (this.clients.size === 0) this.snapshot();
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Content-Type-Options': 'nosniff' });
    res.write(event('hello', { tip: this.tip, running: [...this.running.keys()] }));
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    this.timer ??= setInterval(() => this.poll(), POLL_MS);
    this.ping ??= setInterval(() => this.send(': ping\n\n'), PING_MS);
  }

  /** Tell open pages the query index became whole (a background build ended): they fetch again. */
  indexed(): void {
    this.send(event('tip', { tip: this.tip, previous: this.tip, indexed: true }));
  }

  /** Close every stream (the server is shutting down). */
  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.ping);
    this.timer = this.ping = undefined;
  }

  private snapshot(): LiveRun[] {
    this.tip = runsTip(this.state.ctx);
    const live = liveRuns(this.state.ctx);
    this.running = new Map(live.map((r) => [r.id, JSON.stringify(r.metrics)]));
    return live;
  }

  private poll(): void {
    const before = { tip: this.tip, running: this.running };
    let live: LiveRun[];
    try {
      live = this.snapshot();
    } catch {
      return; // a ref or staging dir caught mid-write: the next poll sees it whole
    }
    for (const r of live) {
      const was = before.running.get(r.id);
      if (was === undefined) this.send(event('run-started', { id: r.id }));
      else if (was !== JSON.stringify(r.metrics)) this.send(event('run-progress', { id: r.id, metrics: r.metrics }));
    }
    for (const id of before.running.keys()) if (!this.running.has(id)) this.send(event('run-finished', { id }));
    if (this.tip !== before.tip) this.send(event('tip', { tip: this.tip, previous: before.tip }));
  }

  private send(text: string): void {
    for (const res of this.clients) res.write(text);
  }
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
