// The update-server example over loopback: a real child process, real HTTP.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

describe('update-server example', () => {
  test('200 with the dynamic JSON for an older client (keys sorted, as `upkit serve` writes them)', async () => {
    const { status, type, body } = await get('/linux/x86_64/1.0.0');
    assert.equal(status, 200);
    assert.equal(type, 'application/json');
    assert.equal(
      body,
      '{"notes":"Fixes","pub_date":"2026-11-01T12:00:00Z","signature":"c2lnLWxpbnV4","url":"https://dl.example.com/app_1.2.0.AppImage","version":"1.2.0"}',
    );
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
});
