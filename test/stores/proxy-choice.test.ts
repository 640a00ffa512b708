/**
 * Which proxy a URL goes through: the environment variables and NO_PROXY as curl, git and
 * git-lfs read them, git's own setting first when there is one.
 */
import { describe, expect, it } from 'vitest';
import { exempt, parseProxy, pickProxy, withoutCredentials } from '../../src/artifacts/stores/proxy.js';

describe('proxy choice', () => {
  it('https URLs use HTTPS_PROXY, http ones HTTP_PROXY, upper case before lower case', () => {
    const vars = { HTTPS_PROXY: 'http://secure:3128', https_proxy: 'http://lower:1', http_proxy: 'plain:8080' };
    expect(pickProxy(new URL('https://s3.amazonaws.com/b/k'), vars)).toMatchObject({ hostname: 'secure', port: 3128, source: 'HTTPS_PROXY' });
    expect(pickProxy(new URL('http://minio.lab:9000/b/k'), vars)).toMatchObject({ hostname: 'plain', port: 8080, origin: 'http://plain:8080', source: 'http_proxy' });
    expect(pickProxy(new URL('http://minio.lab:9000/'), { HTTPS_PROXY: 'http://secure:3128' })).toBeNull();
  });

  it("git's setting wins over the environment; an empty one turns proxying off", () => {
    const vars = { HTTPS_PROXY: 'http://env:3128' };
    const url = new URL('https://git.example.com/team/x.git/info/lfs');
    expect(pickProxy(url, vars, { value: 'http://git:8080', source: 'http.proxy' })).toMatchObject({ hostname: 'git', source: 'http.proxy' });
    expect(pickProxy(url, vars, { value: '', source: 'remote.origin.proxy' })).toBeNull();
    expect(pickProxy(url, { ...vars, NO_PROXY: 'example.com' }, { value: 'http://git:8080', source: 'http.proxy' })).toBeNull();
  });

  it('NO_PROXY: *, names and their subdomains, ports, IPs and CIDR ranges', () => {
    expect(exempt('anything', 443, '*')).toBe(true);
    expect(exempt('s3.corp.example', 443, 'corp.example')).toBe(true);
    expect(exempt('s3.corp.example', 443, '.corp.example')).toBe(true);
    expect(exempt('corp.example', 443, '.corp.example')).toBe(true);
    expect(exempt('notcorp.example', 443, 'corp.example')).toBe(false);
    expect(exempt('minio.lab', 9000, 'minio.lab:9000')).toBe(true);
    expect(exempt('minio.lab', 9001, 'minio.lab:9000')).toBe(false);
    expect(exempt('10.1.2.3', 80, 'localhost, 10.0.0.0/8')).toBe(true);
    expect(exempt('11.1.2.3', 80, '10.0.0.0/8')).toBe(false);
    expect(exempt('127.0.0.1', 80, '127.0.0.1')).toBe(true);
    expect(exempt('::1', 80, '[::1]')).toBe(true);
    expect(exempt('127.0.0.1', 80, '')).toBe(false); // loopback is proxied unless listed, as by curl
  });

  it('credentials become a Proxy-Authorization header and never reach a message', () => {
    const p = parseProxy('http://ann:s%40cret@proxy.corp:3128', 'HTTPS_PROXY');
    expect(p.origin).toBe('http://proxy.corp:3128');
    expect(p.authorization).toBe(`Basic ${Buffer.from('ann:s@cret').toString('base64')}`);
    expect(withoutCredentials('http://ann:s3cret@proxy:3128')).toBe('http://***@proxy:3128');
    expect(() => parseProxy('socks5://ann:s3cret@proxy:1080', 'ALL')).toThrow(/^ALL: socks5 proxies are not supported/);
    expect(() => parseProxy('http://ann:s3cret@[bad', 'HTTPS_PROXY')).toThrow(/^HTTPS_PROXY: not a proxy URL/);
    try {
      parseProxy('http://ann:s3cret@[bad', 'HTTPS_PROXY');
    } catch (err) {
      expect(String(err)).not.toContain('s3cret');
    }
  });
});
