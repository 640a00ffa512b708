/**
 * The store tests' servers (servers.mjs, shared with bench/s3.mjs), stopped after each test file.
 */
import { afterAll } from 'vitest';
import { started } from './servers.mjs';

export { credentialHelper, freePort, startCountingProxy, startLfs, startS3, startTinyproxy } from './servers.mjs';

afterAll(() => {
  for (const p of started.splice(0)) p.kill('SIGKILL');
});
