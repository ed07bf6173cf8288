// The update-server example answers update requests exactly as the Rust `upkit serve` does (raw
// status, Content-Type, Cache-Control, Allow and the body's bytes), both running over loopback
// on the same manifest, asked the same raw requests with the same Host header.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';

import { npmRoot, realWorld, repoRoot } from './paths.mjs';

const binary = join(repoRoot, 'target/debug/upkit');
const HOST = 'updates.test:8080';
const manifest = {
  version: '1.2.0-rc.1',
  notes: 'Release candidate: “quoted”, é, a tab\t, a \u0001',
  pub_date: '2026-11-01T12:00:00.50+02:00',
  platforms: {
    'linux-x86_64': { url: 'app.AppImage', signature: 'c2ln', size: 1234 },
    'darwin-aarch64': { url: 'http://dl.example.com/app.app.tar.gz', signature: 'c2ln' },
    'windows-x86_64': { url: 'sub/app setup.exe', signature: 'c2ln', size: null },
    'my-custom': { url: 'https://dl.example.com/custom.tar.gz', signature: 'c2ln' },
  },
};
const requests = [
  '/linux/x86_64/1.0.0',
  '/linux/x86_64/1.2.0-beta.9',
  '/linux/x86_64/1.2.0-rc.1',
  '/linux/x86_64/1.2.0',
  '/linux/x86_64/1.0.0?channel=beta',
  '/darwin/aarch64/1.0.0',
  '/windows/x86_64/0.1.0%2Bbuild.5',
  '/windows/aarch64/1.0.0',
  '/windows/aarch64/9.0.0',
  '/my-custom/x86_64/1.0.0',
  '/other-custom/x86_64/1.0.0',
  '/linux/arm64/1.0.0',
  '/linux/bogus/notaversion',
  '/linux/x86_64/1.0',
  '/linux/x86_64/v1.0.0',
  '/linux/x86_64/%FF',
  '/linux/x86_64/1.0.0%',
  '/linux/x86_64/1.0.0%zz',
  '/linux/x86_64/%EF%BB%BF1.0.0',
  '/linux/x86_64/%2e%2e',
  '/a/../linux/x86_64/1.0.0',
  '/linux/x86_64/./1.0.0',
  '/.hidden',
  '/dir/a%3Ab',
  '//linux/x86_64',
  '/nothing-here',
  '/linux/x86_64',
  '/linux/x86_64/1.0.0/extra',
  'HEAD /linux/x86_64/1.0.0',
  'HEAD /linux/x86_64/1.2.0',
  'POST /linux/x86_64/1.0.0',
  'POST /nothing-here',
  'POST /../x',
];
// Each setup: a manifest (the only file of the directory `upkit serve` serves), the options of
// both servers, and the requests asked.
const setups = {
  'relative URLs resolved against the Host': { body: JSON.stringify(manifest, null, 2), requests },
  'relative URLs resolved against --public-url, with --max-age': {
    body: JSON.stringify(manifest),
    args: ['--public-url', 'https://updates.example.com/app', '--max-age', '60'],
    requests: ['/linux/x86_64/1.0.0', '/windows/x86_64/1.0.0', '/linux/x86_64/1.2.0-rc.1', '/darwin/x86_64/1.0.0'],
  },
  'a dynamic manifest with a relative URL': {
    body: '{"version": "v1.2.0", "url": "app.tar.gz", "signature": "c2ln", "size": 7}',
    requests: ['/linux/x86_64/1.0.0', '/windows/aarch64/1.2.0', '/custom/x86_64/1.0.0'],
  },
  'sizes the core ignores (JSON.parse would read `1.0` as `1`)': {
    body: '{"version": "1.2.0", "platforms": {"linux-x86_64": {"url": "a", "signature": "c2ln", "size": 1.0}, ' +
      '"windows-x86_64": {"url": "b", "signature": "c2ln", "size": 1e3}, "darwin-aarch64": {"url": "c", "signature": "c2ln", "size": -1}}}',
    requests: ['/linux/x86_64/1.0.0', '/windows/x86_64/1.0.0', '/darwin/aarch64/1.0.0'],
  },
  'duplicate keys (the last one wins)': {
    body: '{"version": "1.0.0", "version": "1.2.0", "platforms": {"linux-x86_64": {"url": "a", "url": "b", "signature": "c2ln"}}}',
    requests: ['/linux/x86_64/1.1.0'],
  },
};
// Invalid (or missing) manifests are skipped: with no valid one, every platform is unknown.
const invalid = {
  'a byte order mark': readFileSync(join(realWorld, 'Imzl-zl__xhs-updates__update_latest.json')),
  'an array form with a relative URL (not resolved in arrays)': '["1.2.0", null, null, null, "app.tar.gz", "c2ln"]',
  'a number out of range': '{"version": "1.2.0", "platforms": {"linux-x86_64": {"url": "a", "signature": "c2ln", "size": 1e400}}}',
  'not UTF-8': Buffer.from('{"version": "1.2.0", "notes": "\xff", "platforms": {"linux-x86_64": {"url": "a", "signature": "c2ln"}}}', 'latin1'),
  'a duplicate version': '{"version": "1.2.0", "name": "1.2.0", "platforms": {"linux-x86_64": {"url": "a", "signature": "c2ln"}}}',
};
invalid['none at all'] = null;
for (const [name, body] of Object.entries(invalid)) {
  setups[`invalid: ${name}`] = { body, requests: ['/linux/x86_64/1.0.0', '/linux/x86_64/9.0.0', '/linux/bogus/1.0.0', '/linux/x86_64/bad'] };
}

const children = [];
let unavailable = null;

async function start(command, args) {
  const child = spawn(command, args, { cwd: npmRoot, stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const match = line.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
    if (match) return Number(match[1]);
  }
  throw new Error(`${command} exited before listening`);
}

before(async () => {
  const build = spawnSync('cargo', ['build', '-q', '-p', 'upkit', '--bin', 'upkit'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0 || !existsSync(binary)) {
    unavailable = `the Rust CLI could not be built, so the example is NOT compared with \`upkit serve\`:\n${build.stderr}`;
    console.error(`\n${'!'.repeat(78)}\n!!! SKIPPED: ${unavailable}\n${'!'.repeat(78)}\n`);
    return;
  }
  await Promise.all(Object.values(setups).map(async (setup) => {
    const dir = mkdtempSync(join(tmpdir(), 'upkit-serve-'));
    const file = join(dir, 'latest.json');
    if (setup.body !== null) writeFileSync(file, setup.body);
    const args = setup.args ?? [];
    [setup.rust, setup.node] = await Promise.all([
      start(binary, ['serve', dir, '--listen', '127.0.0.1:0', ...args]),
      start(process.execPath, ['examples/update-server.mjs', file, '--port', '0', ...args]),
    ]);
  }));
});

after(() => {
  for (const child of children) child.kill();
});

/** Sends `line` (`[METHOD ]PATH`, the path sent as written) and gives what the answers are compared on. */
function ask(port, line, host = HOST) {
  const [method, path] = line.includes(' ') ? line.split(' ') : ['GET', line];
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, method, path, headers: { host } }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const { 'content-type': type = null, 'cache-control': cache = null, allow = null } = response.headers;
        // latin1: one character per byte, so the body's exact bytes are compared.
        resolve({ status: response.statusCode, type, cache, allow, body: Buffer.concat(chunks).toString('latin1') });
      });
    }).on('error', reject).end();
  });
}

for (const [name, setup] of Object.entries(setups)) {
  describe(`update-server.mjs answers as \`upkit serve\`: ${name}`, () => {
    for (const line of setup.requests) {
      test(line, async (t) => {
        if (unavailable) return t.skip(unavailable);
        const [rust, node] = await Promise.all([ask(setup.rust, line), ask(setup.node, line)]);
        assert.deepEqual(node, rust);
      });
    }
  });
}

describe('update-server.mjs answers as `upkit serve`: the answers themselves', () => {
  const main = setups['relative URLs resolved against the Host'];

  test('200: the keys in alphabetical order, relative URLs resolved, no-cache', async (t) => {
    if (unavailable) return t.skip(unavailable);
    assert.deepEqual(await ask(main.node, '/linux/x86_64/1.0.0'), {
      status: 200,
      type: 'application/json',
      cache: 'no-cache',
      allow: null,
      body: Buffer.from(
        '{"notes":"Release candidate: “quoted”, é, a tab\\t, a \\u0001","pub_date":"2026-11-01T12:00:00.5+02:00",' +
          '"signature":"c2ln","size":1234,"url":"http://updates.test:8080/app.AppImage","version":"1.2.0-rc.1"}',
      ).toString('latin1'),
    });
    const windows = await ask(setups['relative URLs resolved against --public-url, with --max-age'].node, '/windows/x86_64/1.0.0');
    assert.equal(JSON.parse(windows.body).url, 'https://updates.example.com/app/sub/app%20setup.exe');
    assert.equal(windows.cache, 'public, max-age=60');
  });

  test('404 and 400 texts', async (t) => {
    if (unavailable) return t.skip(unavailable);
    const text = (status, body) => ({ status, type: 'text/plain; charset=utf-8', cache: null, allow: null, body });
    assert.deepEqual(await ask(main.node, '/linux/x86_64/%FF'),
      text(400, Buffer.from("invalid version `\uFFFD`: unexpected character '\uFFFD' while parsing major version number\n").toString('latin1')));
    assert.deepEqual(await ask(main.node, '/linux/bogus/notaversion'),
      text(404, 'unknown arch `bogus`: expected one of x86_64, i686, aarch64, armv7, riscv64\n'));
    assert.deepEqual(await ask(main.node, '/a/../linux/x86_64/1.0.0'), text(404, 'not found\n'));
    assert.deepEqual(await ask(setups['invalid: a byte order mark'].node, '/linux/x86_64/1.0.0'),
      text(404, 'no release has an entry for linux-x86_64\n'));
  });

  test('a Host that makes no URL: 400, as `upkit serve`', async (t) => {
    if (unavailable) return t.skip(unavailable);
    const [rust, node] = await Promise.all([main.rust, main.node].map((port) => ask(port, '/linux/x86_64/1.0.0', 'a b')));
    assert.deepEqual(node, rust);
    assert.equal(node.body, 'invalid host `a b`\n');
  });
});
