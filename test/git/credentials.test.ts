import { describe, expect, it } from 'vitest';
import { hasCredentials, scrubText, scrubUrl } from '../../src/git/credentials.js';

describe('scrubUrl: every URL form git accepts', () => {
  it.each([
    ['https://ada:tok@github.com/x/y.git', 'https://github.com/x/y.git'],
    ['https://tok@github.com/x/y.git', 'https://github.com/x/y.git'],
    ['http://ada:tok@host:8080/x.git', 'http://host:8080/x.git'],
    ['https://ada:p@ss@word@host/x.git', 'https://host/x.git'],
    ['https://[::1]:8443/x.git', 'https://[::1]:8443/x.git'],
    ['https://ada:tok@[2001:db8::1]:8443/x.git', 'https://[2001:db8::1]:8443/x.git'],
    ['https://host/x.git?access_token=T', 'https://host/x.git'],
    ['https://host/x.git?ref=main&private_token=T#frag', 'https://host/x.git?ref=main#frag'],
    ['https://host/x.git?token=T&key=K&sig=S&X-Amz-Signature=Z&keep=1', 'https://host/x.git?keep=1'],
    ['ssh://git@github.com/x/y.git', 'ssh://git@github.com/x/y.git'],
    ['ssh://git:pw@host:2222/x.git', 'ssh://git@host:2222/x.git'],
    ['ssh://git:p@w@[::1]:2222/x.git', 'ssh://git@[::1]:2222/x.git'],
    ['git+ssh://ada:pw@host/x.git', 'git+ssh://ada@host/x.git'],
    ['git://host:9418/x.git', 'git://host:9418/x.git'],
    ['git://ada:pw@host/x.git', 'git://ada@host/x.git'],
    ['file:///srv/git/x.git', 'file:///srv/git/x.git'],
    ['file://ada:pw@localhost/srv/x.git', 'file://ada@localhost/srv/x.git'],
    ['ftp://ada:pw@host/x.git', 'ftp://ada@host/x.git'],
    ['remote-helper::https://ada:tok@host/x.git', 'remote-helper::https://host/x.git'],
    ['git@github.com:x/y.git', 'git@github.com:x/y.git'],
    ['ada:tok@host:team/x.git', 'ada@host:team/x.git'],
    ['ada:t@k@host:team/x.git', 'ada@host:team/x.git'],
    ['ada:tok@[::1]:team/x.git', 'ada@[::1]:team/x.git'],
    ['host:team/x.git', 'host:team/x.git'],
    ['/srv/git/x.git', '/srv/git/x.git'],
    ['../shared.git', '../shared.git'],
  ])('%s', (url, clean) => {
    expect(scrubUrl(url)).toBe(clean);
    expect(scrubUrl(clean)).toBe(clean); // idempotent: what is recorded passes the check
    expect(hasCredentials(clean)).toBe(false);
    expect(hasCredentials(url)).toBe(url !== clean);
  });
});

describe('scrubText', () => {
  it('scrubs every URL quoted in a message, leaving the rest', () => {
    expect(scrubText("fatal: unable to access 'https://ada:tok@host/x.git/': 403")).toBe("fatal: unable to access 'https://host/x.git/': 403");
    expect(scrubText('code.remote: "https://h/x?access_token=SECRET" is bad')).toBe('code.remote: "https://h/x" is bad');
    expect(scrubText('remote ada:tok@host:x.git refused')).toBe('remote ada@host:x.git refused');
    expect(scrubText("code.remote 'https://u:p@ss@h/x' must not")).not.toContain('ss@');
    expect(scrubText('mail ada@example.com about it')).toBe('mail ada@example.com about it');
    expect(scrubText('params.lr: 0.01')).toBe('params.lr: 0.01');
  });
});
