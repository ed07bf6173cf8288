#!/usr/bin/env node
// Would handing host names to the JavaScript engine's URL parser keep Tauri's verdicts? (The
// IDNA tables are a quarter of the `.wasm`; see "Size of the WebAssembly build" in the README.)
//
// For each URL of a list of tricky host names (non-ASCII, punycode, bidi, joiners, full-width
// forms, percent-encoding), compares what the `url` crate makes of it (as Tauri parses manifest
// URLs: through `upkit validate --json`, whose report gives the normalised URL or an
// `invalid_url` error) with `new URL()` in Node and in headless Chromium. Prints each
// disagreement and the counts.
//
//   cargo build --release -p upkit --bin upkit && node npm/scripts/idna-parity.mjs
//   UPKIT=path/to/upkit node npm/scripts/idna-parity.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const upkit = process.env.UPKIT ?? join(repoRoot, 'target/release/upkit');

const hosts = [
  'bücher.example', 'BÜCHER.example', 'xn--bcher-kva.example', 'XN--BCHER-KVA.example',
  'xn--Bcher-kva.example', 'xn--a.example', 'xn--.example', 'faß.de', 'a\u200db.example',
  'a\u200cb.example', '\u0627\u0644\u0639\u0631\u0628\u064a\u0629.example', '1\u0627.example',
  '\u06271.example', 'example\u3002com', 'ｅｘａｍｐｌｅ.com', 'soft\u00adhyphen.example',
  '%C3%BC.example', '%78n--bcher-kva.example', 'xn--ls8h.la', '💩.la', '\u2488.example',
  'a\u0301.example', '\u0301a.example', 'xn--zca.example', 'ab--c.example', '-a.example',
  'a-.example', '\u00df.example', 'a.xn--', 'xn--ß.example', '０x７f.0.0.1', '１２７.０.０.１',
  'xn--fa-hia.de', 'xn--nxasmq6b.com', 'ΒΌΛΟΣ.com', '\u03c2.example', 'xn--3xa.example',
  'a\u0627.example', 'xn--mgbh0fb.example', '\u05d0\u05d1.\u0627.example', '\u05d0.1.example',
  'x\u200d.example', '\u0915\u094d\u200d\u0937.example', '\ufeff.example', 'a\ufe0fb.example',
  '\u00ad.example', '%00.example', 'a%2Eb', 'xn--ab-.example', 'xn---a.example', 'xn--p1ai',
  'рф', 'xn--80ak6aa92e.com', 'аррӏе.com', '\u2100.example', '\u1e9e.example', '\u0130.example',
  'i\u0307.example', 'xn--tda.example', 'ǅ.example', '\u{1F100}.example', '\u3002', 'a\u3002',
  '\u2024.example', 'xn--a-0fa', '\u2FF0.example', '\u{E0001}.example', '\u200b.example', 'a b',
  'a\u00a0b.example', 'xn--ilsw.example', '\u6771\u4eac.jp',
];
const urls = hosts.map((host) => `https://${host}/p?q#f`);

/** What the `url` crate makes of each URL: its serialisation, or null when refused. */
function rust() {
  const dir = mkdtempSync(join(tmpdir(), 'upkit-idna-'));
  try {
    const files = urls.map((url, i) => {
      const file = join(dir, `${i}.json`);
      writeFileSync(file, JSON.stringify({ version: '1.0.0', url, signature: 'x' }));
      return file;
    });
    let out;
    try {
      out = execFileSync(upkit, ['validate', '--json', ...files], { encoding: 'utf8' });
    } catch (error) {
      if (error.status !== 1) throw error; // 1: some manifest is invalid
      out = error.stdout;
    }
    return out.trim().split('\n').map((line) => {
      const report = JSON.parse(line);
      if (report.url !== null) return report.url;
      if (report.errors.some((e) => e.code === 'invalid_url')) return null;
      throw new Error(`${report.file}: unexpected report ${line}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const parse = (list) => list.map((url) => {
  try {
    return new URL(url).href;
  } catch {
    return null;
  }
});

async function inChromium() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    const results = await page.evaluate(`(${parse})(${JSON.stringify(urls)})`);
    return [`Chromium ${browser.version()}`, results];
  } finally {
    await browser.close();
  }
}

const expected = rust();
const engines = [[`Node ${process.version}`, parse(urls)], await inChromium()];

const show = (v) => v ?? 'refused';
for (const [engine, results] of engines) {
  const differ = urls.filter((_, i) => results[i] !== expected[i]);
  console.log(`${engine}: ${differ.length} of ${urls.length} differ from the url crate`);
  urls.forEach((url, i) => {
    if (results[i] !== expected[i]) {
      console.log(`  ${JSON.stringify(url)}: url crate ${show(expected[i])}, ${engine} ${show(results[i])}`);
    }
  });
}
