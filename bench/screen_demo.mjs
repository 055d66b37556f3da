// screen_demo.mjs: the demo base for the big screen's benchmarks.

import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, OASIS_BIN, REPO } from '../tests/browser/lib/oasis.mjs';

/** `oasis demo --speed X` in a fresh folder; resolves with its URL and login. */
export async function startDemo(speed) {
  const dir = mkdtempSync(join(tmpdir(), 'oasis-soak-'));
  const port = await freePort();
  const log = openSync(join(dir, 'demo.log'), 'a');
  const proc = spawn(OASIS_BIN, ['demo', '--data', join(dir, 'demo'), '--speed', String(speed),
    '--listen', `127.0.0.1:${port}`, '--web', join(REPO, 'web')], { stdio: ['ignore', 'pipe', log] });
  closeSync(log);
  let seen = '';
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('oasis demo did not start: ' + seen)), 120e3);
    proc.stdout.on('data', (chunk) => {
      seen += chunk;
      if (/login: \S+ \/ \S+/.test(seen) && /http:\/\/127\.0\.0\.1:\d+\//.test(seen)) {
        clearTimeout(timer);
        ok();
      }
    });
    proc.on('exit', (code) => fail(new Error(`oasis demo exited (${code}): ${seen}`)));
  });
  proc.stdout.resume();
  proc.removeAllListeners('exit');
  const m = /login: (\S+) \/ (\S+)/.exec(seen);
  return {
    url: `http://127.0.0.1:${port}`, user: m[1], password: m[2], pid: proc.pid,
    async close() {
      await new Promise((ok) => {
        proc.on('exit', ok);
        proc.kill('SIGTERM');
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

