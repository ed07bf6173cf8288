// The update-server example answers update requests exactly as the Rust `upkit serve` does
// (status, content type, JSON or text body), both running over loopback on the same manifest.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';

import { npmRoot, repoRoot } from './paths.mjs';

const binary = join(repoRoot, 'target/debug/upkit');
const manifest = {
  version: '1.2.0-rc.1',
  notes: 'Release candidate',
  pub_date: '2026-11-01T12:00:00+02:00',
  platforms: {
    'linux-x86_64': { url: 'https://dl.example.com/app.AppImage', signature: 'c2ln', size: 1234 },
    'darwin-aarch64': { url: 'http://dl.example.com/app.app.tar.gz', signature: 'c2ln' },
    'windows-x86_64': { url: 'https://dl.example.com/app-setup.exe', signature: 'c2ln' },
    'my-custom': { url: 'https://dl.example.com/custom.tar.gz', signature: 'c2ln' },
  },
};
const requests = [
  '/linux/x86_64/1.0.0',
  '/linux/x86_64/1.2.0-beta.9',
  '/linux/x86_64/1.2.0-rc.1',
  '/linux/x86_64/1.2.0',
  '/darwin/aarch64/1.0.0',
  '/windows/x86_64/0.1.0%2Bbuild.5',
  '/windows/aarch64/1.0.0',
  '/windows/aarch64/9.0.0',
  '/my-custom/x86_64/1.0.0',
  '/other-custom/x86_64/1.0.0',
  '/linux/arm64/1.0.0',
  '/linux/x86_64/1.0',
  '/linux/x86_64/v1.0.0',
  '/nothing-here',
  '/linux/x86_64',
  '/linux/x86_64/1.0.0/extra',
];
const children = [];
let unavailable = null;
const bases = {};

async function start(command, args) {
  const child = spawn(command, args, { cwd: npmRoot, stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const match = line.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    if (match) return match[1];
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
  const dir = mkdtempSync(join(tmpdir(), 'upkit-serve-'));
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(manifest, null, 2));
  bases.rust = await start(binary, ['serve', dir, '--listen', '127.0.0.1:0']);
  bases.node = await start(process.execPath, ['examples/update-server.mjs', join(dir, 'latest.json'), '--port', '0']);
});

after(() => {
  for (const child of children) child.kill();
});

async function answer(base, path) {
  const response = await fetch(base + path);
  const type = response.headers.get('content-type');
  const text = await response.text();
  return { status: response.status, type, body: type === 'application/json' ? JSON.parse(text) : text };
}

describe('update-server.mjs answers as `upkit serve`', () => {
  for (const path of requests) {
    test(path, async (t) => {
      if (unavailable) return t.skip(unavailable);
      const [rust, node] = await Promise.all([answer(bases.rust, path), answer(bases.node, path)]);
      assert.deepEqual(node, rust);
    });
  }
});
