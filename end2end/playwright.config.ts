// Playwright runs Debian's Chromium (browsers are never downloaded) against the real `tessera`
// binary, started here on a free port with a fresh SQLite database so that tests never collide with
// a running `make run`.
import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..');

function freePort(): string {
  return execFileSync(process.execPath, [
    '-e',
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})",
  ]).toString();
}

// The config is evaluated by the runner and again by each worker: choose once, share by env.
process.env.TESSERA_E2E_PORT ??= freePort();
// The embedding site (embed/server.mjs): one origin on the destination's allowed origins, one not.
process.env.EMBED_ALLOWED_PORT ??= freePort();
process.env.EMBED_REFUSED_PORT ??= freePort();
if (!process.env.TESSERA_E2E_DB) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-'));
  process.env.TESSERA_E2E_DB = path.join(dir, 'tessera.db');
}

const port = process.env.TESSERA_E2E_PORT;
const baseURL = `http://127.0.0.1:${port}`;
const embedAllowed = `http://127.0.0.1:${process.env.EMBED_ALLOWED_PORT}`;
const binary = process.env.TESSERA_BIN ?? path.join(repoRoot, 'target', 'debug', 'tessera');

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL,
    browserName: 'chromium',
    launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
    trace: 'retain-on-failure',
  },
  webServer: [{
    // The demo is seeded first, with this server's own origin allowed for `redirect-uri` and the
    // embedding site's first origin allowed to frame the widget; tests get fresh share tokens
    // with `tessera demo --json` (see fixtures.ts).
    command:
      `"${binary}" demo --database-url "sqlite://${process.env.TESSERA_E2E_DB}" --allowed-origin ${baseURL} --allowed-origin ${embedAllowed} --json > /dev/null && ` +
      // Every test browses from 127.0.0.1, two workers at once: a page limit above any real visitor's.
      `"${binary}" serve --addr 127.0.0.1:${port} --database-url "sqlite://${process.env.TESSERA_E2E_DB}" --page-rate-limit 500`,
    cwd: repoRoot,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: { RUST_LOG: 'warn' },
  }, {
    command: 'node embed/server.mjs',
    cwd: __dirname,
    url: `${embedAllowed}/`,
    reuseExistingServer: false,
    timeout: 10_000,
    env: { EMBED_PORTS: `${process.env.EMBED_ALLOWED_PORT},${process.env.EMBED_REFUSED_PORT}` },
  }],
});
