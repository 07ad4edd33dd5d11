#!/usr/bin/env node
// Bundle sizes as the browser downloads them: the precompressed gzip and Brotli files the
// server sends for the flow's bundle (WASM, JS glue, CSS) and the embed client (embed.js and its
// WASM), next to persona.js compressed the same way here (gzip -9, Brotli 11). One JSON line
// per figure, in the format of server/benches/common/mod.rs.
// Usage: node scripts/bench-sizes.mjs SITE_DIR PERSONA_JS
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const [site, personaPath] = process.argv.slice(2);
const find = (dir, pattern) =>
  fs.readdirSync(path.join(site, dir)).filter((f) => pattern.test(f)).map((f) => path.join(site, dir, f));
const one = (dir, pattern) => {
  const found = find(dir, pattern);
  if (found.length !== 1) throw new Error(`expected one ${pattern} in ${dir}, found ${found.length}`);
  return found[0];
};
const size = (file) => fs.statSync(file).size;
const kb = (bytes) => bytes / 1024;

const persona = fs.readFileSync(personaPath);
const personaGzip = zlib.gzipSync(persona, { level: 9 }).length;
const personaBrotli = zlib.brotliCompressSync(persona, {
  params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 },
}).length;

const flow = [one('pkg', /\.wasm$/), one('pkg', /\.js$/), one('pkg', /\.css$/)];
const embed = [path.join(site, 'embed.js'), one('embed', /\.wasm$/)];
const total = (files, suffix) => files.reduce((sum, f) => sum + size(f + suffix), 0);

const line = (metric, value, reference, goal) => {
  const ratio = reference ? value / reference[1] : null;
  const compared = goal && goal.startsWith('ratio ') ? ratio : value;
  const bare = goal ? goal.replace('ratio ', '') : null;
  const met = bare ? (bare.startsWith('<=') ? compared <= Number(bare.slice(2)) : compared >= Number(bare.slice(2))) : null;
  const out = {
    benchmark: 'bundle sizes', database: '-', metric, value, unit: 'KB',
    reference: reference ? { name: reference[0], value: reference[1] } : null, ratio, goal, met,
  };
  console.log(JSON.stringify(out));
  console.error(`${metric.padEnd(58)} ${value.toFixed(1).padStart(10)} KB${reference ? `  vs ${reference[0]} ${reference[1].toFixed(1)}  ratio ${ratio.toFixed(2)}` : ''}`);
};

line('embed client (embed.js + wasm), gzip', kb(total(embed, '.gz')), ['persona.js 5.9.0 gzip', kb(personaGzip)], '<= 10');
line('embed client (embed.js + wasm), Brotli as served', kb(total(embed, '.br')), ['persona.js 5.9.0 Brotli', kb(personaBrotli)], 'ratio <= 1.0');
line('hosted flow bundle (wasm + js + css), gzip', kb(total(flow, '.gz')), null, null);
line('hosted flow bundle (wasm + js + css), Brotli as served', kb(total(flow, '.br')), null, null);
line('hosted flow wasm alone, raw', kb(size(flow[0])), null, null);
