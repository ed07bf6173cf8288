// The update-server example answers update requests exactly as the Rust `upkit serve` does (raw
// status, Content-Type, Cache-Control, Allow, Content-Length and the body's bytes), both running
// over loopback on the same manifest, asked the same raw requests with the same Host header.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';

import { npmRoot, repoRoot, targetDir } from './paths.mjs';

const binary = join(targetDir, 'debug/upkit');
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
// Request targets sent over a bare socket exactly as written (http.request is not trusted to):
// absolute form, as proxies send it (the Host header, not the target's host, makes the URLs),
// and fragments, which hyper drops.
const raw = [
  'GET http://updates.test:8080/linux/x86_64/1.0.0',
  'HEAD http://updates.test:8080/linux/x86_64/1.0.0',
  'GET http://elsewhere.example/linux/x86_64/1.0.0?channel=beta',
  'GET HTTPS://updates.test/linux/x86_64/1.2.0',
  'GET http://updates.test:8080/linux/x86_64/%2e%2e',
  'GET http://updates.test:8080/a/../linux/x86_64/1.0.0',
  'POST http://updates.test:8080/linux/x86_64/1.0.0',
  'GET /linux/x86_64/1.0.0#frag',
  'GET /linux/x86_64/1.0.0#',
  'GET /linux/x86_64/1.0.0#a?b',
  'GET /linux/x86_64/1.0.0?a#b',
  'HEAD /linux/x86_64/1.2.0#frag',
  'GET /linux/x86_64/1.0.0%23frag',
  'GET http://updates.test:8080/darwin/x86_64/1.0.0#frag',
];
// Each setup: a manifest (the only file of the directory `upkit serve` serves), the options of
// both servers, and the requests asked.
const setups = {
  'relative URLs resolved against the Host': { body: JSON.stringify(manifest, null, 2), requests, raw },
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
  'a byte order mark': `\ufeff${JSON.stringify(manifest)}`,
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

/** What the answers are compared on: the status, some headers (lower-cased names) and the body. */
function compared(status, headers, body) {
  const { 'content-type': type = null, 'cache-control': cache = null, allow = null, 'content-length': length = null } = headers;
  // latin1: one character per byte, so the body's exact bytes are compared.
  return { status, type, cache, allow, length, body: body.toString('latin1') };
}

/** Sends `line` (`[METHOD ]PATH`, the path sent as written) and gives what the answers are compared on. */
function ask(port, line, host = HOST) {
  const [method, path] = line.includes(' ') ? line.split(' ') : ['GET', line];
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, method, path, headers: { host } }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => resolve(compared(response.statusCode, response.headers, Buffer.concat(chunks))));
    }).on('error', reject).end();
  });
}

/** The body of a chunked answer. */
function unchunk(data) {
  const chunks = [];
  for (let at = 0; ;) {
    const end = data.indexOf('\r\n', at);
    const size = parseInt(data.subarray(at, end).toString('latin1'), 16);
    if (!size) return Buffer.concat(chunks);
    chunks.push(data.subarray(end + 2, end + 2 + size));
    at = end + 4 + size;
  }
}

/**
 * Sends `line` (`METHOD TARGET`) over a bare socket, the target exactly as written, and gives what
 * the answers are compared on.
 */
async function askRaw(port, line, host = HOST) {
  const [method, target] = line.split(' ');
  return sendRaw(port, `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
}

/** Sends `request` as it is (it should close the connection) and reads the answer. */
async function sendRaw(port, request) {
  const socket = connect(port, '127.0.0.1');
  socket.write(request);
  const chunks = [];
  for await (const chunk of socket) chunks.push(chunk);
  const answer = Buffer.concat(chunks);
  const split = answer.indexOf('\r\n\r\n');
  const [status, ...lines] = answer.subarray(0, split).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const body = answer.subarray(split + 4);
  return compared(Number(status.split(' ')[1]), headers, headers['transfer-encoding'] === 'chunked' ? unchunk(body) : body);
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
    for (const line of setup.raw ?? []) {
      test(`raw: ${line}`, async (t) => {
        if (unavailable) return t.skip(unavailable);
        const [rust, node] = await Promise.all([askRaw(setup.rust, line), askRaw(setup.node, line)]);
        assert.deepEqual(node, rust);
      });
    }
  });
}

describe('update-server.mjs answers as `upkit serve`: the answers themselves', () => {
  const main = setups['relative URLs resolved against the Host'];
  // The update for /linux/x86_64/1.0.0: 207 bytes.
  const update = {
    status: 200,
    type: 'application/json',
    cache: 'no-cache',
    allow: null,
    length: '207',
    body: Buffer.from(
      '{"notes":"Release candidate: “quoted”, é, a tab\\t, a \\u0001","pub_date":"2026-11-01T12:00:00.5+02:00",' +
        '"signature":"c2ln","size":1234,"url":"http://updates.test:8080/app.AppImage","version":"1.2.0-rc.1"}',
    ).toString('latin1'),
  };
  // The body is latin1 (a character a byte): its length is the Content-Length.
  const text = (status, body) => ({ status, type: 'text/plain; charset=utf-8', cache: null, allow: null, length: `${body.length}`, body });

  test('200: the keys in alphabetical order, relative URLs resolved, no-cache', async (t) => {
    if (unavailable) return t.skip(unavailable);
    assert.deepEqual(await ask(main.node, '/linux/x86_64/1.0.0'), update);
    const windows = await ask(setups['relative URLs resolved against --public-url, with --max-age'].node, '/windows/x86_64/1.0.0');
    assert.equal(JSON.parse(windows.body).url, 'https://updates.example.com/app/sub/app%20setup.exe');
    assert.equal(windows.cache, 'public, max-age=60');
  });

  test('404 and 400 texts', async (t) => {
    if (unavailable) return t.skip(unavailable);
    assert.deepEqual(await ask(main.node, '/linux/x86_64/%FF'),
      text(400, Buffer.from("invalid version `\uFFFD`: unexpected character '\uFFFD' while parsing major version number\n").toString('latin1')));
    assert.deepEqual(await ask(main.node, '/linux/bogus/notaversion'),
      text(404, 'unknown arch `bogus`: expected one of x86_64, i686, aarch64, armv7, riscv64\n'));
    assert.deepEqual(await ask(main.node, '/a/../linux/x86_64/1.0.0'), text(404, 'not found\n'));
    assert.deepEqual(await ask(setups['invalid: a byte order mark'].node, '/linux/x86_64/1.0.0'),
      text(404, 'no release has an entry for linux-x86_64\n'));
  });

  test('Content-Length on every answer but a 204, HEAD included (GET\'s headers, no body)', async (t) => {
    if (unavailable) return t.skip(unavailable);
    assert.deepEqual(await ask(main.node, 'HEAD /linux/x86_64/1.0.0'), { ...update, body: '' });
    assert.deepEqual(await ask(main.node, 'HEAD /darwin/x86_64/1.0.0'),
      { ...text(404, 'no release has an entry for darwin-x86_64\n'), body: '' });
    assert.equal((await ask(main.node, '/darwin/x86_64/1.0.0')).length, '42');
    assert.deepEqual(await ask(main.node, '/linux/x86_64/1.2.0'),
      { status: 204, type: null, cache: 'no-cache', allow: null, length: null, body: '' });
  });

  test('405 on the update route: Allow: GET,HEAD', async (t) => {
    if (unavailable) return t.skip(unavailable);
    const [rust, node] = await Promise.all([main.rust, main.node].map((port) => ask(port, 'POST /linux/x86_64/1.0.0')));
    assert.deepEqual(node, rust);
    assert.deepEqual(node, { status: 405, type: null, cache: null, allow: 'GET,HEAD', length: '0', body: '' });
  });

  test('absolute form (sent raw): the path alone is matched, the Host header makes the URLs', async (t) => {
    if (unavailable) return t.skip(unavailable);
    assert.deepEqual(await askRaw(main.node, 'GET http://elsewhere.example/linux/x86_64/1.0.0'), update);
    assert.deepEqual(await askRaw(main.node, 'HEAD HTTPS://updates.test/linux/x86_64/1.0.0?channel=beta'), { ...update, body: '' });
    // Not resolved as `new URL()` would (`%2e%2e` is a dot segment to it): the version is `..`.
    assert.deepEqual(await askRaw(main.node, 'GET http://updates.test:8080/linux/x86_64/%2e%2e'),
      text(400, "invalid version `..`: unexpected character '.' while parsing major version number\n"));
  });

  test('a fragment (sent raw) is dropped, a percent-encoded `#` is not', async (t) => {
    if (unavailable) return t.skip(unavailable);
    assert.deepEqual(await askRaw(main.node, 'GET /linux/x86_64/1.0.0#frag'), update);
    assert.deepEqual(await askRaw(main.node, 'GET /linux/x86_64/1.0.0#a?b'), update);
    assert.deepEqual(await askRaw(main.node, 'GET /linux/x86_64/1.2.0#frag'),
      { status: 204, type: null, cache: 'no-cache', allow: null, length: null, body: '' });
    assert.deepEqual(await askRaw(main.node, 'GET /linux/x86_64/1.0.0%23frag'),
      text(400, "invalid version `1.0.0#frag`: unexpected character '#' after patch version number\n"));
  });

  test('a Host that makes no URL: 400, as `upkit serve`', async (t) => {
    if (unavailable) return t.skip(unavailable);
    const [rust, node] = await Promise.all([main.rust, main.node].map((port) => ask(port, '/linux/x86_64/1.0.0', 'a b')));
    assert.deepEqual(node, rust);
    assert.equal(node.body, 'invalid Host header `a b`\n');
  });

  test('Host headers that make no URL, or none on HTTP/1.1: 400 with the same reason, as `upkit serve`', async (t) => {
    if (unavailable) return t.skip(unavailable);
    for (const [hosts, reason] of [
      ['', 'missing Host header'],
      ['Host: a\r\nHost: b\r\n', 'more than one Host header'],
      ['Host: a@evil.example\r\n', 'invalid Host header `a@evil.example`'],
      ['Host: evil.example\\x\r\n', 'invalid Host header `evil.example\\x`'],
      ['Host: b\u00fccher.example\r\n', 'invalid Host header: not ASCII'],
    ]) {
      const request = `GET /linux/x86_64/1.0.0 HTTP/1.1\r\n${hosts}Connection: close\r\n\r\n`;
      const [rust, node] = await Promise.all([main.rust, main.node].map((port) => sendRaw(port, request)));
      assert.deepEqual(node, rust, hosts);
      assert.deepEqual([node.status, node.body], [400, `${reason}\n`], hosts);
    }
    // HTTP/1.0 may leave it out: the URLs name localhost.
    const request = 'GET /linux/x86_64/1.0.0 HTTP/1.0\r\n\r\n';
    const [rust, node] = await Promise.all([main.rust, main.node].map((port) => sendRaw(port, request)));
    assert.deepEqual(node, rust);
    assert.equal(node.status, 200);
    assert.match(node.body, /"url":"http:\/\/localhost\//);
  });
});
