// The update-server example over loopback: a real child process, real HTTP.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';

import { npmRoot } from './paths.mjs';

const manifest = {
  version: 'v1.2.0',
  notes: 'Fixes',
  pub_date: '2026-11-01T12:00:00Z',
  platforms: {
    'linux-x86_64': { url: 'https://dl.example.com/app_1.2.0.AppImage', signature: 'c2lnLWxpbnV4' },
    'windows-x86_64': { url: 'https://dl.example.com/app_1.2.0_x64-setup.exe', signature: 'c2lnLXdpbg==' },
    beta: { url: 'https://dl.example.com/beta.tar.gz', signature: 'c2lnLWJldGE=' },
  },
};
let child;
let base;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'upkit-server-'));
  const file = join(dir, 'latest.json');
  writeFileSync(file, JSON.stringify(manifest, null, 2));
  child = spawn(process.execPath, ['examples/update-server.mjs', file, '--port', '0'], {
    cwd: npmRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  base = line.match(/^listening on (http:\/\/127\.0\.0\.1:\d+)\//)[1];
});

after(() => child?.kill());

async function get(path, method = 'GET') {
  const response = await fetch(base + path, { method });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

/**
 * Sends `METHOD TARGET` over a bare socket, the target exactly as written (fetch would normalise
 * it), and gives the answer as it came: the status, the headers but Date, and the raw body.
 */
async function raw(line) {
  const [method, target] = line.split(' ');
  const socket = connect(Number(new URL(base).port), '127.0.0.1');
  socket.write(`${method} ${target} HTTP/1.1\r\nHost: ${new URL(base).host}\r\nConnection: close\r\n\r\n`);
  const chunks = [];
  for await (const chunk of socket) chunks.push(chunk);
  const [head, ...body] = Buffer.concat(chunks).toString().split('\r\n\r\n');
  const [status, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  delete headers.date;
  return { status: Number(status.split(' ')[1]), headers, body: body.join('\r\n\r\n') };
}

const update =
  '{"notes":"Fixes","pub_date":"2026-11-01T12:00:00Z","signature":"c2lnLWxpbnV4","url":"https://dl.example.com/app_1.2.0.AppImage","version":"1.2.0"}';
// The headers of that update (146 bytes), as GET and HEAD have them.
const updateHeaders = { 'cache-control': 'no-cache', connection: 'close', 'content-length': '146', 'content-type': 'application/json' };

describe('update-server example', () => {
  test('200 with the dynamic JSON for an older client (keys sorted, as `upkit serve` writes them)', async () => {
    const { status, type, body } = await get('/linux/x86_64/1.0.0');
    assert.equal(status, 200);
    assert.equal(type, 'application/json');
    assert.equal(body, update);
    const encoded = await get('/windows/x86_64/1.0.0-beta.1%2Bb5');
    assert.equal(JSON.parse(encoded.body).url, 'https://dl.example.com/app_1.2.0_x64-setup.exe');
  });

  test('204 when up to date (or newer)', async () => {
    assert.deepEqual(await get('/linux/x86_64/1.2.0'), { status: 204, type: null, body: '' });
    assert.equal((await get('/windows/x86_64/2.0.0')).status, 204);
  });

  test('a custom target is the only key looked up', async () => {
    assert.equal(JSON.parse((await get('/beta/aarch64/1.0.0')).body).url, 'https://dl.example.com/beta.tar.gz');
  });

  test('404 for a platform without an entry, even when up to date', async () => {
    for (const version of ['1.0.0', '1.2.0']) {
      assert.deepEqual(await get(`/darwin/aarch64/${version}`), {
        status: 404,
        type: 'text/plain; charset=utf-8',
        body: 'no release has an entry for darwin-aarch64\n',
      });
    }
  });

  test('404 for an unknown arch, 400 for a bad version', async () => {
    assert.deepEqual(await get('/linux/arm64/1.0.0'), {
      status: 404,
      type: 'text/plain; charset=utf-8',
      body: 'unknown arch `arm64`: expected one of x86_64, i686, aarch64, armv7, riscv64\n',
    });
    assert.deepEqual(await get('/linux/x86_64/1.0'), {
      status: 400,
      type: 'text/plain; charset=utf-8',
      body: 'invalid version `1.0`: unexpected end of input while parsing minor version number\n',
    });
  });

  test('404 for other routes, 405 for other methods', async () => {
    for (const path of ['/', '/linux/x86_64', '/linux/x86_64/1.0.0/extra', '/latest.json']) {
      assert.equal((await get(path)).status, 404, path);
    }
    assert.equal((await get('/linux/x86_64/1.0.0', 'POST')).status, 405);
  });

  test('Content-Length on every answer but a 204, not chunked; HEAD has the headers of GET, no body', async () => {
    assert.deepEqual(await raw('GET /linux/x86_64/1.0.0'), { status: 200, headers: updateHeaders, body: update });
    assert.deepEqual(await raw('HEAD /linux/x86_64/1.0.0'), { status: 200, headers: updateHeaders, body: '' });
    const notFound = { connection: 'close', 'content-length': '43', 'content-type': 'text/plain; charset=utf-8' };
    assert.deepEqual(await raw('GET /darwin/aarch64/1.0.0'),
      { status: 404, headers: notFound, body: 'no release has an entry for darwin-aarch64\n' });
    assert.deepEqual(await raw('HEAD /darwin/aarch64/1.0.0'), { status: 404, headers: notFound, body: '' });
    // A 204 has no Content-Length (RFC 9110), as GET's 204 from `upkit serve`.
    for (const method of ['GET', 'HEAD']) {
      assert.deepEqual(await raw(`${method} /linux/x86_64/1.2.0`),
        { status: 204, headers: { 'cache-control': 'no-cache', connection: 'close' }, body: '' });
    }
  });

  test('405 on the update route: Allow: GET,HEAD, as `upkit serve`', async () => {
    assert.deepEqual(await raw('POST /linux/x86_64/1.0.0'),
      { status: 405, headers: { allow: 'GET,HEAD', connection: 'close', 'content-length': '0' }, body: '' });
    assert.deepEqual(await raw('DELETE /beta/aarch64/2.0.0'),
      { status: 405, headers: { allow: 'GET,HEAD', connection: 'close', 'content-length': '0' }, body: '' });
  });

  test('an absolute-form target (as proxies send it) is matched on its path alone', async () => {
    for (const target of ['http://127.0.0.1/linux/x86_64/1.0.0', 'HTTPS://updates.example.com:8443/linux/x86_64/1.0.0?channel=beta']) {
      assert.deepEqual(await raw(`GET ${target}`), { status: 200, headers: updateHeaders, body: update }, target);
    }
    assert.deepEqual(await raw('HEAD http://127.0.0.1/linux/x86_64/1.2.0'),
      { status: 204, headers: { 'cache-control': 'no-cache', connection: 'close' }, body: '' });
    // Its path is not resolved as `new URL()` would (`%2e%2e` is a dot segment to it): the version is `..`.
    assert.deepEqual(await raw('GET http://127.0.0.1/linux/x86_64/%2e%2e'), {
      status: 400,
      headers: { connection: 'close', 'content-length': '82', 'content-type': 'text/plain; charset=utf-8' },
      body: "invalid version `..`: unexpected character '.' while parsing major version number\n",
    });
  });

  test('a fragment in the target is dropped (as hyper drops it), a percent-encoded `#` is not', async () => {
    for (const target of ['/linux/x86_64/1.0.0#frag', '/linux/x86_64/1.0.0#', '/linux/x86_64/1.0.0#a?b', '/linux/x86_64/1.0.0?a#b']) {
      assert.deepEqual(await raw(`GET ${target}`), { status: 200, headers: updateHeaders, body: update }, target);
    }
    assert.deepEqual(await raw('GET /linux/x86_64/1.2.0#frag'),
      { status: 204, headers: { 'cache-control': 'no-cache', connection: 'close' }, body: '' });
    assert.deepEqual(await raw('GET /linux/x86_64/1.0.0%23frag'), {
      status: 400,
      headers: { connection: 'close', 'content-length': '82', 'content-type': 'text/plain; charset=utf-8' },
      body: "invalid version `1.0.0#frag`: unexpected character '#' after patch version number\n",
    });
  });
});
