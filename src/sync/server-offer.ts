/**
 * What a git server offers a fetch, read from git's own packet trace of that fetch
 * (`GIT_TRACE_PACKET=<file>`): the server's first packets are its capability advertisement, so
 * knowing whether it serves single objects by id costs no round trip of its own. git prints no
 * capabilities anywhere else; the trace format ("packet: <who>< <payload>") has been stable for
 * a decade, and a trace that cannot be read is reported as unknown, never guessed.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { SERVER_OFFER_TRACE_BYTES } from '../limits.js';

/** The part of a server's capability advertisement a partial clone depends on. */
export interface ServerOffer {
  /** Protocol version the server answered with. */
  protocol: 0 | 1 | 2;
  /** The server applies `--filter` (`uploadpack.allowFilter`). */
  filter: boolean;
  /**
   * The server sends an object asked for by id, as a partial clone's on-demand fetch does:
   * always in protocol v2; in v0/v1 only with `uploadpack.allowReachableSHA1InWant` or
   * `allowAnySHA1InWant` (git's default refuses: "Server does not allow request for
   * unadvertised object").
   */
  objectsById: boolean;
  /** The server's `agent` capability (`git/2.39.5`, `git/github-…`); null when it gives none. */
  agent: string | null;
}

/**
 * The offer in the packet trace `file`; null when the trace holds no advertisement git-track
 * recognises (or cannot be read). Reads only the trace's first bytes, where the advertisement
 * is: a v0 server lists every ref it has after it.
 *
 * @example
 * readServerOffer('/tmp/stand-in/packet-trace'); // { protocol: 2, filter: true, objectsById: true, agent: 'git/2.39.5' }
 */
export function readServerOffer(file: string): ServerOffer | null {
  let text: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(SERVER_OFFER_TRACE_BYTES);
      text = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('latin1');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  return parseServerOffer(text);
}

/**
 * {@link readServerOffer} on the trace's text.
 *
 * @example
 * parseServerOffer('packet: git< 1a2b… refs/heads/runs\\0shallow filter agent=git/2.39.5\n'); // { protocol: 0, filter: true, objectsById: false, agent: 'git/2.39.5' }
 */
export function parseServerOffer(trace: string): ServerOffer | null {
  let v2 = false;
  let v1 = false;
  let agent: string | null = null;
  for (const line of trace.split('\n')) {
    // Lines the client sends are "git> …"/"fetch> …"; only what came from the server counts.
    const payload = /packet:\s+[\w-]+< (.*)$/.exec(line)?.[1];
    if (payload === undefined) continue;
    if (payload === 'version 2') v2 = true;
    else if (payload === 'version 1') v1 = true;
    else if (v2 && payload.startsWith('agent=')) agent ??= payload.slice('agent='.length);
    else if (v2 && (payload === 'fetch' || payload.startsWith('fetch='))) {
      // v2's fetch command lists its features; in git's own server, wants are not limited to
      // advertised objects (the agent tells whose server it is; it comes before `fetch`).
      return { protocol: 2, filter: payload.slice('fetch='.length).split(' ').includes('filter'), objectsById: true, agent };
    } else if (!v2) {
      // v0/v1: capabilities follow a NUL (traced as "\0") on the first ref line.
      const nul = payload.indexOf('\\0');
      if (nul < 0) continue;
      const caps = payload.slice(nul + 2).split(' ');
      const agentCap = caps.find((c) => c.startsWith('agent='));
      return {
        protocol: v1 ? 1 : 0,
        filter: caps.includes('filter'),
        // allowAnySHA1InWant advertises the reachable bit too; the tip bit alone does not reach a tree.
        objectsById: caps.includes('allow-reachable-sha1-in-want'),
        agent: agentCap ? agentCap.slice('agent='.length) : null,
      };
    }
  }
  return null;
}
