/**
 * Removing secrets from remote URLs, and from any text that may quote one. A remote URL is
 * recorded in every run's manifest (which is pushed) and appears in messages; a password or
 * token in it must reach neither. One function for every place, so what is recorded, what is
 * refused and what is shown always agree.
 *
 * Forms git accepts: `scheme://[user[:password]@]host[:port]/path` (https, http, ssh, git,
 * file, ftp, any `helper::` transport), an IPv6 host in brackets, and scp-like
 * `[user@]host:path`. Removed: the password (or the whole user part for http(s), where a
 * bare token is often the user name), query parameters known to carry tokens or signatures,
 * and for scp-like text a `user:secret@` prefix.
 */

/** Query parameters that carry credentials (GitLab, GitHub, Azure SAS, S3 presigned, OAuth…). */
const SECRET_PARAMS =
  /^(?:access_token|private_token|oauth_token|token|auth|auth_token|authorization|key|api_key|apikey|password|passwd|pass|secret|client_secret|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|code)$/i;

/**
 * `url` without credentials; any other text is returned unchanged. Idempotent.
 *
 * @example
 * scrubUrl('https://ada:tok@github.com/x/y.git'); // 'https://github.com/x/y.git'
 * scrubUrl('ssh://git:pw@[::1]:2222/x.git'); // 'ssh://git@[::1]:2222/x.git'
 * scrubUrl('ada:tok@host:team/x.git'); // 'ada@host:team/x.git'
 * scrubUrl('https://host/x.git?access_token=T&ref=main'); // 'https://host/x.git?ref=main'
 */
export function scrubUrl(url: string): string {
  const full = /^((?:[A-Za-z][A-Za-z0-9+.-]*::)?[A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/s.exec(url);
  if (full) {
    const [, scheme, authority, rest] = full as unknown as [string, string, string, string];
    return `${scheme}${scrubAuthority(scheme, authority)}${scrubQuery(rest)}`;
  }
  // scp-like: `user:secret@host:path` (a raw `@` in the secret is fine: the last `@` before the host wins).
  const scp = /^([^\s/:@]+):(\S*)@([^\s@/:[]+|\[[^\]\s]*\]):(.*)$/s.exec(url);
  if (scp) return `${scp[1]}@${scp[3]}:${scrubQuery(scp[4]!)}`;
  return url;
}

/**
 * `text` with every URL in it scrubbed ({@link scrubUrl}): for messages quoting a remote,
 * git's own output, or a value read from a manifest.
 *
 * @example
 * scrubText("fatal: unable to access 'https://ada:tok@host/x.git/'"); // "fatal: unable to access 'https://host/x.git/'"
 */
export function scrubText(text: string): string {
  if (!text.includes('@') && !text.includes('?')) return text; // the common case, at no cost
  return text
    .replace(/(?:[A-Za-z][A-Za-z0-9+.-]*::)?[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s'"<>`]*/g, (url) => scrubUrl(url))
    .replace(/(^|[\s'"(<=`])([^\s/:@'"(<=`]+:[^\s'"<>`]*@(?:[^\s@/:'"<>`[]+|\[[^\]\s]*\]):[^\s'"<>`]*)/g, (_, before: string, scp: string) => `${before}${scrubUrl(scp)}`);
}

/**
 * True when `url` carries something {@link scrubUrl} would remove.
 *
 * @example
 * hasCredentials('https://tok@github.com/x.git'); // true
 */
export function hasCredentials(url: string): boolean {
  return scrubUrl(url) !== url;
}

function scrubAuthority(scheme: string, authority: string): string {
  const at = authority.lastIndexOf('@');
  if (at < 0) return authority;
  const userinfo = authority.slice(0, at);
  const host = authority.slice(at + 1);
  // Over http(s) the user part is often a token on its own (`https://<token>@github.com`).
  if (/^(?:[A-Za-z][A-Za-z0-9+.-]*::)?https?:\/\/$/i.test(scheme)) return host;
  const colon = userinfo.indexOf(':');
  const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
  // A user name holding `@` is a password with a raw `@` split wrongly: keep nothing.
  return user && !user.includes('@') ? `${user}@${host}` : host;
}

function scrubQuery(rest: string): string {
  const q = rest.indexOf('?');
  if (q < 0) return rest;
  const hash = rest.indexOf('#', q);
  const query = rest.slice(q + 1, hash < 0 ? undefined : hash);
  const kept = query.split('&').filter((p) => p !== '' && !SECRET_PARAMS.test(decodeSafely(p.split('=')[0]!)));
  return `${rest.slice(0, q)}${kept.length ? `?${kept.join('&')}` : ''}${hash < 0 ? '' : rest.slice(hash)}`;
}

function decodeSafely(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
