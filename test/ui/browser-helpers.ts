/**
 * Real-browser test helpers: Debian's Chromium driven by playwright-core, and the real
 * `git-track ui` server started on a test repository (port 0: tests run in parallel).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { BIN, cli, testGitEnv } from '../helpers/repo.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = resolve(import.meta.dirname, '..', '..', 'test-output', 'ui');

/** The flags every test browser gets: no sandbox (CI runs as root), no network of its own. */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A browser with a fresh profile; `close()` removes the profile too. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'gt-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // The fresh profile is the --user-data-dir playwright passes for a persistent context.
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A running `git-track ui` and its URL. */
export interface UiServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Start the real `git-track ui --port 0` in `dir` and wait for the URL it prints.
 * @example const ui = await startUi(repo); await page.goto(ui.url);
 */
export function startUi(dir: string, ...args: string[]): Promise<UiServer> {
  const child = spawn(process.execPath, [BIN, 'ui', '--port', '0', ...args], { cwd: dir, env: testGitEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`git-track ui printed no URL: ${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done({
          url: m[1]!,
          child,
          stop: () => new Promise((stopped) => {
            if (child.exitCode !== null) return stopped();
            child.once('exit', () => stopped());
            child.kill('SIGTERM');
          }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => fail(new Error(`git-track ui exited ${code}: ${out}`)));
  });
}

/** A `git-track ui` on a repository and one Chromium page to look at it with. */
export interface Dashboard {
  ui: UiServer;
  page: Page;
  /** Close the browser and stop the server. */
  close(): Promise<void>;
}

/**
 * Start the real server in `repo` and open a page in Chromium for it.
 * @example ({ ui, page, close } = await openDashboard(repo)); // afterAll(() => close())
 */
export async function openDashboard(repo: string, ...uiArgs: string[]): Promise<Dashboard> {
  const ui = await startUi(repo, ...uiArgs);
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  return {
    ui,
    page,
    close: async () => {
      await browser.close();
      await ui.stop();
    },
  };
}

/**
 * `git-track log --name NAME …` in `repo` with the real binary, which must warn of nothing;
 * the new run's id.
 * @example const id = logNamed(repo, 'baseline', '-m', 'f1=0.8');
 */
export function logNamed(repo: string, name: string, ...args: string[]): string {
  const r = cli(repo, 'log', '--name', name, ...args);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

/** Save a screenshot for a reviewer: test-output/ui/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** The run ids in the runs table as drawn now. */
export function tableRuns(page: Page): Promise<string[]> {
  return page.$$eval('.runs-grid .grid-row[data-run]', (rows) => rows.map((r) => (r as HTMLElement).dataset['run']!));
}
