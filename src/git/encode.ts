/**
 * Git object encodings as pure functions (bytes in, bytes out, no I/O). The checks mirror
 * `git fsck --strict`, so anything encoded here is accepted by plain git and by forges.
 */
import { GitTrackError } from '../errors.js';
import type { ObjectFormat } from './object-format.js';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

/** An object's type and (uncompressed, headerless) content, as read from the object store. */
export interface GitObject {
  type: ObjectType;
  content: Buffer;
}

export interface TreeEntry {
  mode: '100644' | '100755' | '040000' | '120000' | '160000';
  name: string;
  oid: string;
}

export interface Person {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
  /** Minutes east of UTC, e.g. +120 for CEST. `-0` encodes git's "unknown" zone `-0000`. */
  tzOffset: number;
}

export interface CommitData {
  tree: string;
  parents: string[];
  author: Person;
  committer: Person;
  message: string;
}

const TREE_MODES = new Set(['100644', '100755', '040000', '120000', '160000']);
const SLASH = Buffer.from('/');

/**
 * The id git gives `content` stored as an object of `type` in a repository of `format`.
 *
 * @example
 * hashObject('blob', Buffer.from('hi\n'), SHA1); // '45b983be36b73c0788dc9cbcb76cbb80fc7bb057'
 */
export function hashObject(type: ObjectType, content: Buffer, format: ObjectFormat): string {
  return format.hash().update(`${type} ${content.length}\0`).update(content).digest('hex');
}

/**
 * Encode a tree in git's canonical order (a directory sorts as if its name ended with '/');
 * every id must be of `format`.
 *
 * @example
 * const body = encodeTree([{ mode: '100644', name: 'run.yaml', oid: blobId }], store.format);
 */
export function encodeTree(entries: TreeEntry[], format: ObjectFormat): Buffer {
  const seen = new Set<string>();
  const items = entries.map((entry) => {
    checkTreeEntry(entry, format);
    const name = Buffer.from(entry.name, 'utf8');
    // Compare encoded bytes: two JS strings with lone surrogates can encode identically.
    const bytes = name.toString('latin1');
    if (seen.has(bytes)) bad(`duplicate tree entry name '${entry.name}'`, { name: entry.name });
    seen.add(bytes);
    const key = entry.mode === '040000' ? Buffer.concat([name, SLASH]) : name;
    return { entry, name, key };
  });
  items.sort((a, b) => Buffer.compare(a.key, b.key));
  const parts: Buffer[] = [];
  for (const { entry, name } of items) {
    // The binary format writes tree modes without the leading zero; fsck flags '040000'.
    const mode = entry.mode === '040000' ? '40000' : entry.mode;
    parts.push(Buffer.from(`${mode} `), name, Buffer.from([0]), Buffer.from(entry.oid, 'hex'));
  }
  return Buffer.concat(parts);
}

/**
 * Decode a tree object's content. Modes are canonicalised the way git does (`40000` →
 * `040000`, legacy `100664` → `100644`), so re-encoding an ancient tree may change its id.
 *
 * @example
 * for (const e of decodeTree(content, store.format)) console.log(e.mode, e.name, e.oid);
 */
export function decodeTree(buf: Buffer, format: ObjectFormat): TreeEntry[] {
  const entries: TreeEntry[] = [];
  const idEnd = 1 + format.rawLength;
  let pos = 0;
  while (pos < buf.length) {
    const space = buf.indexOf(0x20, pos);
    const nul = space < 0 ? -1 : buf.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + idEnd > buf.length) corrupt('truncated tree entry', { offset: pos });
    const mode = canonicalMode(buf.toString('latin1', pos, space), pos);
    entries.push({ mode, name: buf.toString('utf8', space + 1, nul), oid: buf.toString('hex', nul + 1, nul + idEnd) });
    pos = nul + idEnd;
  }
  return entries;
}

/**
 * Encode a commit exactly as `git commit-tree` would given the same identity and dates.
 * The message is normalised to end with exactly one newline.
 *
 * @example
 * const who = { name: 'Ada', email: 'ada@example.com', timestamp: 1767225600, tzOffset: 60 };
 * const body = encodeCommit({ tree, parents: [tip], author: who, committer: who, message: 'run 3f9a' }, store.format);
 */
export function encodeCommit(c: CommitData, format: ObjectFormat): Buffer {
  checkOid(c.tree, 'tree', format);
  const lines = [`tree ${c.tree}`];
  for (const parent of c.parents) {
    checkOid(parent, 'parent', format);
    lines.push(`parent ${parent}`);
  }
  lines.push(`author ${formatPerson(c.author, 'author')}`, `committer ${formatPerson(c.committer, 'committer')}`);
  const message = c.message.replace(/\n+$/, '');
  return Buffer.from(`${lines.join('\n')}\n\n${message}\n`, 'utf8');
}

/**
 * Decode a commit object's content. Headers other than tree/parent/author/committer
 * (gpgsig, encoding, mergetag, …, including their continuation lines) are skipped.
 *
 * @example
 * const { tree, parents, message } = decodeCommit(content, store.format);
 */
export function decodeCommit(buf: Buffer, format: ObjectFormat): CommitData {
  const text = buf.toString('utf8');
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text.replace(/\n$/, '') : text.slice(0, end);
  const message = end < 0 ? '' : text.slice(end + 2);
  let tree: string | undefined;
  let author: Person | undefined;
  let committer: Person | undefined;
  const parents: string[] = [];
  for (const line of head.split('\n')) {
    if (line.startsWith(' ')) continue; // continuation of a multi-line header such as gpgsig
    const space = line.indexOf(' ');
    const key = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? '' : line.slice(space + 1);
    if (key === 'tree' && tree === undefined) tree = parsedOid(value, 'tree', format);
    else if (key === 'parent') parents.push(parsedOid(value, 'parent', format));
    else if (key === 'author' && !author) author = parsePerson(value);
    else if (key === 'committer' && !committer) committer = parsePerson(value);
  }
  if (!tree || !author || !committer) corrupt('commit lacks a tree, author or committer header', {});
  return { tree, parents, author, committer, message };
}

/** Throw BAD_INPUT unless `entry` is one `git fsck --strict` accepts (name, mode, an id of `format`). */
export function checkTreeEntry(entry: TreeEntry, format: ObjectFormat): void {
  const { name, mode, oid } = entry;
  if (!TREE_MODES.has(mode)) bad(`invalid tree entry mode '${mode}' for '${name}'`, { name, mode });
  checkOid(oid, `tree entry '${name}'`, format);
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    bad(`invalid tree entry name '${name}'`, { name });
  }
  // fsck --strict refuses '.git' in any spelling a case-insensitive, HFS+ or NTFS checkout
  // would resolve to the repository itself, and a .gitmodules that is a symlink.
  const folded = foldForCheckout(name);
  if (folded === '.git' || folded === 'git~1') bad(`tree entry name '${name}' is reserved by git`, { name });
  if (mode === '120000' && (folded === '.gitmodules' || folded === 'gitmod~1')) {
    bad(`tree entry '${name}' must not be a symlink`, { name });
  }
}

function foldForCheckout(name: string): string {
  return name
    .replace(/[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g, '')
    .toLowerCase()
    .replace(/:.*$/, '')
    .replace(/[. ]+$/, '');
}

function canonicalMode(raw: string, offset: number): TreeEntry['mode'] {
  const mode = /^[0-7]{5,6}$/.test(raw) ? parseInt(raw, 8) : NaN;
  switch (mode & 0o170000) {
    case 0o040000:
      return '040000';
    case 0o100000:
      return mode & 0o100 ? '100755' : '100644';
    case 0o120000:
      return '120000';
    case 0o160000:
      return '160000';
    default:
      return corrupt(`invalid tree entry mode '${raw}'`, { offset, mode: raw });
  }
}

function formatPerson(p: Person, role: string): string {
  for (const [field, value] of [['name', p.name], ['email', p.email]] as const) {
    if (/[<>\n\0]/.test(value)) bad(`${role} ${field} must not contain '<', '>', NUL or a newline`, { role, field });
  }
  if (!Number.isSafeInteger(p.timestamp) || p.timestamp < 0) {
    bad(`${role} timestamp must be a non-negative integer number of seconds`, { role, timestamp: p.timestamp });
  }
  if (!Number.isInteger(p.tzOffset) || Math.abs(p.tzOffset) > 99 * 60 + 59) {
    bad(`${role} time zone offset must be whole minutes within ±99:59`, { role, tzOffset: p.tzOffset });
  }
  const sign = p.tzOffset < 0 || Object.is(p.tzOffset, -0) ? '-' : '+';
  const abs = Math.abs(p.tzOffset);
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${p.name} <${p.email}> ${p.timestamp} ${zone}`;
}

function parsePerson(value: string): Person {
  const lt = value.indexOf('<');
  const gt = value.indexOf('>', lt + 1);
  if (lt < 0 || gt < 0) corrupt(`malformed identity '${value}'`, { value });
  const name = value.slice(0, lt).replace(/ $/, '');
  const email = value.slice(lt + 1, gt);
  // Old or foreign commits sometimes lack a date or zone; keep what parses rather than fail.
  const [stamp, zone] = value.slice(gt + 1).trim().split(/\s+/);
  const timestamp = stamp && /^\d+$/.test(stamp) ? Number(stamp) : 0;
  const z = zone ? /^([+-])(\d\d)(\d\d)$/.exec(zone) : null;
  const minutes = z ? Number(z[2]) * 60 + Number(z[3]) : 0;
  return { name, email, timestamp, tzOffset: z?.[1] === '-' ? -minutes : minutes };
}

function parsedOid(value: string, what: string, format: ObjectFormat): string {
  if (!format.oidPattern.test(value)) corrupt(`malformed ${what} id '${value}' (expected a ${format.name} id)`, { value });
  return value;
}

function checkOid(oid: string, what: string, format: ObjectFormat): void {
  if (typeof oid !== 'string' || !format.oidPattern.test(oid)) {
    bad(`${what} id must be ${format.hexLength} lowercase hex digits (${format.name}), got '${oid}'`, { oid });
  }
}

function bad(message: string, data: Record<string, unknown>): never {
  throw new GitTrackError('BAD_INPUT', message, data);
}

function corrupt(message: string, data: Record<string, unknown>): never {
  throw new GitTrackError('CORRUPT_OBJECT', message, data);
}
