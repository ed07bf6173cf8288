// The packed tarball (`npm pack`) installed into a scratch project, used from ESM, CJS and the
// bin, with only the files the allowlist names.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, test } from 'node:test';

import { launchChromium, serveStatic } from './browser.mjs';

import { npmRoot, repoRoot } from './paths.mjs';

let project;
let packed;

before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'upkit-pack-'));
  // Packs what `npm run build` built (without `prepack`, which would rebuild under the other tests).
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: npmRoot, encoding: 'utf8' });
  [packed] = JSON.parse(out.slice(out.indexOf('[')));
  project = join(dir, 'project');
  execFileSync('mkdir', [project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(dir, packed.filename)], {
    cwd: project,
    encoding: 'utf8',
  });
});

function node(file, source) {
  writeFileSync(join(project, file), source);
  const result = spawnSync(process.execPath, [file], { cwd: project, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

// In the repository: a prehashed signature of the core tests' throw-away minisign key.
const minisign = join(repoRoot, 'core/tests/data/minisign');
const manifest = JSON.stringify({
  version: '0.1.1',
  notes: 'v0.1.1',
  pub_date: '2026-07-02T10:00:51.98Z',
  platforms: { 'windows-x86_64': { url: 'https://dl.example.com/App_0.1.1_x64-setup.exe', signature: 'c2ln' } },
}, null, 2);
const script = (load) => `${load}
const fs = FS;
const body = ${JSON.stringify(manifest)};
const key = fs.readFileSync(${JSON.stringify(join(minisign, 'key.pub'))}, 'utf8');
const sig = fs.readFileSync(${JSON.stringify(join(minisign, 'payload.txt.nofile.sig'))}, 'utf8');
const data = fs.readFileSync(${JSON.stringify(join(minisign, 'payload.txt'))});
let code;
try { upkit.compareVersions('1.0', '1.0.0'); } catch (e) { code = e instanceof upkit.UpkitError && e instanceof Error && e.code; }
console.log(JSON.stringify({
  valid: upkit.validateManifest(body).valid,
  offer: upkit.resolveUpdate(body, { currentVersion: '0.1.0', target: 'windows', arch: 'x86_64' }).version,
  verified: upkit.verifySignature(data, sig, key, { version: '1.0.0' }).keyId,
  code,
}));`;
const expected = { valid: true, offer: '0.1.1', verified: '3C736F5F26C4AD87', code: 'invalid_version' };

describe('the packed tarball', () => {
  test('holds only the allowlisted files', () => {
    const files = packed.files.map((f) => f.path).sort();
    assert.deepEqual(files, [
      'README.md',
      'bin/upkit-validate.mjs',
      'dist/error.cjs',
      'dist/index.d.cts',
      'dist/node/package.json',
      'dist/node/upkit_wasm.js',
      'dist/node/upkit_wasm_bg.wasm',
      'dist/web/upkit_wasm.js',
      'dist/web/upkit_wasm_bg.wasm',
      'lib/error.js',
      'lib/index.d.ts',
      'lib/node.cjs',
      'lib/node.mjs',
      'lib/web.js',
      'package.json',
      'schema/latest.schema.json',
    ]);
  });

  test('works from ESM (import)', () => {
    assert.deepEqual(node('esm.mjs', script("import * as upkit from 'upkit';\nimport * as FS from 'node:fs';")), expected);
  });

  test('works from CJS (require)', () => {
    assert.deepEqual(node('cjs.cjs', script("const upkit = require('upkit');\nconst FS = require('node:fs');")), expected);
  });

  test('one UpkitError in the process, with another copy of the package loaded too', () => {
    const other = JSON.stringify(pathToFileURL(join(npmRoot, 'lib/node.mjs')).href);
    assert.deepEqual(node('copies.cjs', `const upkit = require('upkit');
(async () => {
  const copy = await import(${other});
  const errors = [() => upkit.compareVersions('x', '1.0.0'), () => copy.compareVersions('x', '1.0.0')]
    .map((f) => { try { f(); } catch (e) { return e; } });
  console.log(JSON.stringify({
    two: require.resolve('upkit') !== ${JSON.stringify(join(npmRoot, 'lib/node.cjs'))},
    same: upkit.UpkitError === copy.UpkitError,
    instances: errors.map((e) => e instanceof upkit.UpkitError && e instanceof copy.UpkitError),
  }));
})();`), { two: true, same: true, instances: [true, true] });
  });

  test('ships the JSON Schema', () => {
    const out = node('schema.cjs', "console.log(JSON.stringify(require('upkit/latest.schema.json').title));");
    assert.equal(out, 'Tauri v2 updater manifest');
  });

  test('npx upkit-validate', () => {
    writeFileSync(join(project, 'latest.json'), manifest);
    const ok = spawnSync('npx', ['--offline', 'upkit-validate', 'latest.json'], { cwd: project, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /: valid static manifest, 1 platform, version 0\.1\.1 \(0 errors, \d+ warnings?\)\n$/);
    const bad = spawnSync('npx', ['--offline', 'upkit-validate', '--json', '-'], {
      cwd: project,
      input: '{"version": "1.0.0", "url": ""}',
      encoding: 'utf8',
    });
    assert.equal(bad.status, 1);
    const report = JSON.parse(bad.stdout);
    assert.deepEqual(report.errors.map((e) => e.code), ['missing_signature', 'invalid_url']);
    assert.equal(report.valid, false);
  });

  test('works in a browser (headless Chromium): explicit init(), then the functions', async () => {
    writeFileSync(join(project, 'index.html'), `<!doctype html>
<link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "upkit": "/node_modules/upkit/lib/web.js" } }</script>
<script type="module">
  import * as upkit from 'upkit';
  const out = {};
  const kind = (e) => [e instanceof upkit.UpkitError, e instanceof Error, e.name];
  try { upkit.compareVersions('1.0.0', '1.0.0'); } catch (e) { out.before = [...kind(e), e.code, e.message]; }
  await upkit.init();
  out.compare = upkit.compareVersions('1.0.0+2', '1.0.0+1');
  out.report = upkit.validateManifest('{"version": "1.0.0", "url": "https://e.com/a", "signature": ""}').warnings.map((w) => w.code);
  try { upkit.parseManifest('{"version": 1, "url": "https://e.com/a", "signature": ""}'); } catch (e) { out.error = [...kind(e), e.code, e.path, e.line, e.column]; }
  try { upkit.inspectSignature('AAAA'); } catch (e) { out.signature = [...kind(e), e.code]; }
  try { upkit.renderEndpoint('http://e.com/', { currentVersion: '1.0.0', target: 'linux', arch: 'x86_64' }); } catch (e) { out.template = [...kind(e), e.code]; }
  out.realm = globalThis[Symbol.for('upkit.UpkitError@1')] === upkit.UpkitError;
  document.body.dataset.result = JSON.stringify(out);
</script>`);
    const server = await serveStatic(project);
    const browser = await launchChromium();
    try {
      await browser.page.goto(`${server.base}/index.html`);
      const result = await browser.page.waitForSelector('body[data-result]', { state: 'attached' });
      assert.deepEqual(JSON.parse(await result.getAttribute('data-result')), {
        before: [true, true, 'UpkitError', 'not_initialized', 'upkit is not initialised: await init() before calling compareVersions()'],
        compare: 1,
        report: ['missing_pub_date', 'empty_signature'],
        error: [true, true, 'UpkitError', 'invalid_type', '/version', 1, 13],
        signature: [true, true, 'UpkitError', 'invalid_signature'],
        template: [true, true, 'UpkitError', 'insecure_endpoint'],
        realm: true,
      });
      assert.deepEqual(browser.errors, []);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
