/**
 * System metrics of a run in progress, sampled every 10 s by default: the CPU and memory used
 * by the program's whole process tree, and per GPU its utilisation and memory when
 * `nvidia-smi` is on PATH. Samples are appended to the staging dir's own stream
 * (`system-metrics.jsonl`, the format of `metrics.jsonl`) as series named as MLflow's:
 *
 * ```
 * system/cpu_utilization_percentage       process tree, % of one core
 * system/process_memory_usage_megabytes   process tree, resident (RSS)
 * system/gpu_<i>_utilization_percentage   device-wide, from nvidia-smi
 * system/gpu_<i>_memory_usage_megabytes   device-wide, from nvidia-smi
 * ```
 *
 * A separate file, so a sample never lands inside a line the program is writing. Linux only
 * (it reads /proc); elsewhere nothing is sampled. One sample reads /proc/<pid>/stat of every
 * process: ~1-3 ms, well under 1% of a core at 10 s (bench/system-metrics.mjs).
 */
import { execFile } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable } from './supervise.js';
import { shareState } from '../git/state-perm.js';

export const SYSTEM_STREAM_FILE = 'system-metrics.jsonl';
export const DEFAULT_SYSTEM_INTERVAL_S = 10;
/** Linux's USER_HZ (the unit of /proc times) and page size on the platforms Node supports there. */
const CLOCK_TICKS = 100;
const PAGE_BYTES = 4096;
const NVIDIA_TIMEOUT_MS = 5000;

interface ProcStat {
  ppid: number;
  ticks: number;
  rssPages: number;
}

function readProc(pid: string): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces and parentheses: state is [0].
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), rssPages: Number(f[21]) };
  } catch {
    return null; // gone meanwhile, or not Linux
  }
}

/**
 * CPU ticks and resident pages of `root` and every process below it.
 *
 * @example
 * processTreeUsage(child.pid); // { ticks: 1234, rssBytes: 104857600, processes: 3 }
 */
export function processTreeUsage(root: number): { ticks: number; rssBytes: number; processes: number } | null {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return null;
  }
  const stats = new Map<number, ProcStat>();
  const children = new Map<number, number[]>();
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const s = readProc(name);
    if (!s) continue;
    const pid = Number(name);
    stats.set(pid, s);
    const list = children.get(s.ppid);
    if (list) list.push(pid);
    else children.set(s.ppid, [pid]);
  }
  if (!stats.has(root)) return null;
  let ticks = 0;
  let pages = 0;
  let processes = 0;
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    const s = stats.get(pid);
    if (!s) continue;
    ticks += s.ticks;
    pages += s.rssPages;
    processes++;
    for (const c of children.get(pid) ?? []) queue.push(c);
  }
  return { ticks, rssBytes: pages * PAGE_BYTES, processes };
}

/** `index, utilization %, memory MiB` per GPU from nvidia-smi, or [] when it does not answer. */
function gpuUsage(nvidiaSmi: string): Promise<{ index: number; utilization: number; memoryMb: number }[]> {
  return new Promise((done) => {
    execFile(nvidiaSmi, ['--query-gpu=index,utilization.gpu,memory.used', '--format=csv,noheader,nounits'], { timeout: NVIDIA_TIMEOUT_MS }, (err, stdout) => {
      if (err) return done([]);
      const out = [];
      for (const line of stdout.split('\n')) {
        const [index, utilization, memory] = line.split(',').map((v) => Number(v.trim()));
        if ([index, utilization, memory].every((v) => Number.isFinite(v))) out.push({ index: index!, utilization: utilization!, memoryMb: memory! });
      }
      done(out);
    });
  });
}

export interface SystemSampler {
  /** Stop sampling (once a sample under way is written). */
  stop(): Promise<void>;
}

/**
 * Sample the process tree of `pid` every `intervalS` seconds into `<dir>/system-metrics.jsonl`
 * until stopped.
 *
 * @example
 * const sampler = startSystemSampler({ pid: child.pid, dir, intervalS: 10, path: process.env.PATH });
 * await sampler.stop();
 */
export function startSystemSampler(options: { pid: number; dir: string; intervalS: number; path: string | undefined }): SystemSampler {
  const file = join(options.dir, SYSTEM_STREAM_FILE);
  const nvidiaSmi = findExecutable('nvidia-smi', '/', options.path);
  let step = 0;
  let last = { ticks: processTreeUsage(options.pid)?.ticks ?? 0, at: performance.now() };
  let pending: Promise<void> = Promise.resolve();
  const sample = async () => {
    const now = performance.now();
    const usage = processTreeUsage(options.pid);
    const lines: string[] = [];
    const ts = Date.now();
    const put = (name: string, value: number) => lines.push(`{"name":"system/${name}","step":${step},"value":${Math.round(value * 1000) / 1000},"ts":${ts}}\n`);
    if (usage) {
      const seconds = (now - last.at) / 1000;
      // Processes that exited since the last sample take their ticks with them: never below 0.
      if (seconds > 0) put('cpu_utilization_percentage', Math.max(0, ((usage.ticks - last.ticks) / CLOCK_TICKS / seconds) * 100));
      put('process_memory_usage_megabytes', usage.rssBytes / 1024 / 1024);
      last = { ticks: usage.ticks, at: now };
    }
    if (nvidiaSmi) {
      for (const gpu of await gpuUsage(nvidiaSmi)) {
        put(`gpu_${gpu.index}_utilization_percentage`, gpu.utilization);
        put(`gpu_${gpu.index}_memory_usage_megabytes`, gpu.memoryMb);
      }
    }
    if (lines.length === 0) return;
    step++;
    try {
      appendFileSync(file, lines.join(''));
      if (step === 1) shareState(file);
    } catch {
      // The staging dir is being recorded or is gone: the run no longer takes samples.
    }
  };
  const timer = setInterval(() => {
    pending = pending.then(sample);
  }, options.intervalS * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await pending;
    },
  };
}
