// A second site for the end-to-end tests: a partner's page that embeds Tessera's widget with the
// real `persona` npm SDK. It listens on every port given in EMBED_PORTS (comma-separated), on
// 127.0.0.1, so one port can be on the destination's allowed origins and another not; Tessera
// itself is reached as `localhost`, so the frame is cross-site.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const files = {
  '/': ['text/html; charset=utf-8', join(here, 'index.html')],
  '/embed-test.mjs': ['text/javascript; charset=utf-8', join(here, 'embed-test.mjs')],
  '/persona.mjs': ['text/javascript; charset=utf-8', join(here, '..', 'node_modules', 'persona', 'dist', 'persona.mjs')],
};

const ports = (process.env.EMBED_PORTS ?? '').split(',').filter(Boolean).map(Number);
if (ports.length === 0) {
  console.error('EMBED_PORTS is not set: say which ports the embedding site listens on');
  process.exit(2);
}
// The browser benchmark's reference (bench/browser.bench.ts): the same click as Tessera's consent
// screen — a form post answered with a redirect to a page — on the smallest static pages, so
// that the browser's own share of "click → outcome painted" is measured in the same run.
const page = (body) =>
  `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>Reference</title></head><body><main>${body}</main></body></html>`;
const reference = {
  '/reference/consent': page('<h1>Share your verified information?</h1><form method="post" action="/reference/accept"><button type="submit">Accept</button></form>'),
  '/reference/outcome': page('<h1>Verification complete</h1>'),
};

for (const port of ports) {
  createServer((req, res) => {
    const path = new URL(req.url, 'http://embed').pathname;
    if (req.method === 'POST' && path === '/reference/accept') {
      req.resume();
      req.on('end', () => res.writeHead(302, { location: '/reference/outcome', 'cache-control': 'no-store' }).end());
      return;
    }
    if (reference[path]) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(reference[path]);
      return;
    }
    const file = files[path];
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' });
    res.end(readFileSync(file[1]));
  }).listen(port, '127.0.0.1');
}
