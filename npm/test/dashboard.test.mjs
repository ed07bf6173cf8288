// The dashboard example in a real headless Chromium (Debian's, driven by playwright-core),
// served from a node:http server on 127.0.0.1: load manifests, see the diagnostics, the
// platform table and the preview, verify files streaming; a screenshot is saved.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launchChromium, serveStatic } from './browser.mjs';
import { REAL_WORLD, TAURI, keyId, npmRoot, realWorld, tauri, tauriText, withData } from './paths.mjs';

// Signed with the Tauri CLI vectors: the whole suite needs them.
withData([TAURI], 'dashboard in headless Chromium', () => {
  const sig = (key, file) => tauriText(`sigs/${key}/${file}.version-2.1.0.sig`);
  const pubkey = tauriText('keys/secret.key.pub');
  const [secretId, nopassId] = [keyId('secret'), keyId('nopass')];
  const manifest = JSON.stringify({
    version: '2.1.0',
    notes: 'Signed with the Tauri CLI vectors',
    pub_date: '2026-11-01T12:00:00Z',
    platforms: {
      'linux-x86_64': { url: 'https://dl.example.com/payload.txt', signature: sig('secret', 'payload.txt') },
      'windows-x86_64': { url: 'https://dl.example.com/random-256KiB.bin', signature: sig('secret', 'random-256KiB.bin') },
      'darwin-aarch64': { url: 'https://dl.example.com/empty.bin', signature: sig('nopass', 'empty.bin') },
    },
  }, null, 2);
  const invalid = `{
  "version": "2.1.0",
  "platforms": {
    "linux-x86_64": { "url": "not a url", "signature": "x" }
  }
}`;

  // A byte order mark before the JSON, as one real app publishes its manifest.
  const bomManifest = Buffer.from(`\ufeff${JSON.stringify({
    version: '2.1.0',
    notes: 'with a byte order mark',
    pub_date: '2026-11-01T12:00:00Z',
    platforms: { 'linux-x86_64': { url: 'https://dl.example.com/payload.txt', signature: sig('secret', 'payload.txt') } },
  }, null, 2)}`);
  // `é` in Latin-1: not UTF-8, which Tauri refuses (UTF-8 decoding would make it U+FFFD).
  const latin1Manifest = Buffer.from('{\n  "version": "2.1.0",\n  "notes": "caf\xe9",\n  "platforms": {}\n}', 'latin1');

  let server;
  let browser;
  let page;

  before(async () => {
    server = await serveStatic(npmRoot, {
      '/fixtures/latest.json': ['application/json', manifest],
      '/fixtures/bom.json': ['application/json', bomManifest],
      '/fixtures/latin1.json': ['application/json', latin1Manifest],
    });
    browser = await launchChromium();
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  const text = (selector) => page.locator(selector).innerText();

  /** Runs `action` and waits until the page has rendered the manifest it loads. */
  async function rendered(action) {
    const count = await page.evaluate(() => Number(document.body.dataset.rendered ?? 0));
    await action();
    await page.waitForFunction((n) => Number(document.body.dataset.rendered ?? 0) > n, count);
  }

  async function fetchManifest(url) {
    await rendered(async () => {
      await page.fill('#manifest-url', url);
      await page.click('#url-form button');
    });
  }

  test('loads the WebAssembly module', async () => {
    await page.goto(`${server.base}/examples/dashboard/`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.match(await text('#status'), /^Ready/);
  });

  test('a pasted invalid manifest: every diagnostic points at its line', async () => {
    await page.fill('#manifest-text', invalid);
    await page.waitForFunction(() => document.querySelector('#verdict').textContent.startsWith('Tauri refuses'));
    assert.equal(await text('#verdict'), 'Tauri refuses this manifest: 1 error');
    const error = page.locator('#diagnostics li.error');
    assert.equal(await error.getAttribute('data-code'), 'invalid_url');
    assert.equal(await error.getAttribute('data-line'), '4');
    assert.equal(
      await error.innerText(),
      'line 4, column 30: `/platforms/linux-x86_64/url` is not an absolute URL: "not a url" (relative URL without a base) [invalid_url] at /platforms/linux-x86_64/url',
    );
    assert.equal(await page.locator('#source li.has-error').count(), 1);
    assert.equal(await page.locator('#source li.has-error').getAttribute('id'), 'line-4');
    assert.ok((await page.locator('#diagnostics li.warning').count()) >= 1);
    await error.click();
    assert.equal(await page.locator('#source li.focus').getAttribute('id'), 'line-4');
  });

  withData([REAL_WORLD], 'a real-world manifest opened as a file', async () => {
    await page.setInputFiles('#manifest-file', join(realWorld, 'ClavisPass__ClavisPass__updater.json'));
    await page.waitForFunction(() => document.querySelector('#verdict').textContent === 'Tauri refuses this manifest: 3 errors');
    const errors = await page.locator('#diagnostics li.error').evaluateAll((items) => items.map((i) => [i.dataset.code, i.dataset.line]));
    assert.deepEqual(errors, [['missing_field', '6'], ['missing_field', '9'], ['missing_field', '12']]);
    assert.deepEqual(await page.locator('#source li.has-error').evaluateAll((items) => items.map((i) => i.id)), ['line-6', 'line-9', 'line-12']);
  }, { kind: test });

  test('a manifest with a byte order mark, opened as a file or fetched, is refused as Tauri refuses it', async () => {
    const refusal = [['byte_order_mark', '1', '1']];
    const errors = () => page.locator('#diagnostics li.error').evaluateAll((items) => items.map((i) => [i.dataset.code, i.dataset.line, i.textContent.match(/column (\d+)/)[1]]));
    await rendered(() => page.setInputFiles('#manifest-file', { name: 'bom.json', mimeType: 'application/json', buffer: bomManifest }));
    assert.equal(await text('#verdict'), 'Tauri refuses this manifest: 1 error');
    assert.deepEqual(await errors(), refusal);
    // The source view keeps the byte order mark, so columns on line 1 count it as the core does.
    assert.equal(await page.locator('#line-1').evaluate((li) => li.firstChild.textContent.codePointAt(0)), 0xfeff);

    await fetchManifest(`${server.base}/fixtures/bom.json`);
    assert.equal(await text('#verdict'), 'Tauri refuses this manifest: 1 error');
    assert.deepEqual(await errors(), refusal);
  });

  test('a manifest that is not UTF-8, fetched or opened, is refused where the core says', async () => {
    const expected = [['json_syntax', '3', 'line 3, column 16: invalid JSON: invalid unicode code point [json_syntax]']];
    const errors = () => page.locator('#diagnostics li.error').evaluateAll((items) => items.map((i) => [i.dataset.code, i.dataset.line, i.textContent]));
    await fetchManifest(`${server.base}/fixtures/latin1.json`);
    assert.equal(await text('#verdict'), 'Tauri refuses this manifest: 1 error');
    assert.deepEqual(await errors(), expected);
    // Shown with U+FFFD for the bad byte, the caret under it.
    assert.equal(await page.locator('#line-3').evaluate((li) => li.firstChild.textContent), '  "notes": "caf\ufffd",');
    assert.equal(await page.locator('#line-3 .note').evaluate((span) => span.textContent.indexOf('^')), 15);

    await rendered(() => page.setInputFiles('#manifest-file', { name: 'latin1.json', mimeType: 'application/json', buffer: latin1Manifest }));
    assert.deepEqual(await errors(), expected);
  });

  test('line breaks are counted as the core counts them: a lone CR is no line break', async () => {
    const crOnly = invalid.replaceAll('\n', '\r');
    await rendered(() => page.setInputFiles('#manifest-file', { name: 'cr.json', mimeType: 'application/json', buffer: Buffer.from(crOnly) }));
    const error = page.locator('#diagnostics li.error');
    assert.equal(await error.getAttribute('data-line'), '1');
    assert.match(await error.innerText(), /^line 1, column 71: /);
    assert.equal(await page.locator('#source li').count(), 1);
    assert.equal(await page.locator('#source li.has-error').getAttribute('id'), 'line-1');
    // CRLF: the CR is not part of the line shown.
    await rendered(() => page.setInputFiles('#manifest-file', { name: 'crlf.json', mimeType: 'application/json', buffer: Buffer.from(invalid.replaceAll('\n', '\r\n')) }));
    assert.equal(await page.locator('#source li').count(), 6);
    assert.equal(await page.locator('#source li.has-error').getAttribute('id'), 'line-4');
    assert.equal(await page.locator('#line-4').evaluate((li) => li.firstChild.textContent), '    "linux-x86_64": { "url": "not a url", "signature": "x" }');
  });

  test('valid manifests the preview must not choke on: an unknown bundle type, a huge version', async () => {
    const entry = { url: 'https://dl.example.com/app.tar.gz', signature: sig('secret', 'payload.txt') };
    const odd = JSON.stringify({
      version: '18446744073709551615.0.0',
      platforms: { 'linux-x86_64': entry, 'linux-x86_64-foo': { ...entry, url: 'https://dl.example.com/foo.tar.gz' } },
    });
    await rendered(() => page.fill('#manifest-text', odd));
    assert.match(await text('#verdict'), /^Valid static manifest: version 18446744073709551615\.0\.0, 2 platforms/);
    assert.equal(await page.locator('#diagnostics li.warning[data-code="unknown_platform"]').count(), 1);
    const cells = (label) => page.locator(`#preview tr[data-client="${label}"] td`).allInnerTexts();
    assert.deepEqual(await cells('Linux x86_64 (AppImage)'), [
      'Linux x86_64 (AppImage)', 'linux-x86_64', 'update to 18446744073709551615.0.0 (linux-x86_64): https://dl.example.com/app.tar.gz',
    ]);
    // No client has the bundle type `foo`: only a custom target of that name gets the entry.
    assert.deepEqual(await cells('custom target linux-x86_64-foo'), [
      'custom target linux-x86_64-foo', 'linux-x86_64-foo', 'update to 18446744073709551615.0.0 (linux-x86_64-foo): https://dl.example.com/foo.tar.gz',
    ]);
    assert.deepEqual(await page.locator('#matrix thead th').allInnerTexts(), [
      'Client \\ current version', '0.1.0', '18446744073709551615.0.0', '18446744073709551615.0.1',
    ]);
    const foo = await page.locator('#matrix tbody tr', { hasText: 'linux-x86_64-foo' }).locator('td').allInnerTexts();
    assert.deepEqual(foo, ['custom target linux-x86_64-foo', '→ 18446744073709551615.0.0', 'up to date', 'up to date']);
    assert.deepEqual(browser.errors, []);
  });

  test('a manifest fetched by URL: the platform table with key ids, signed versions and files', async () => {
    // The manifest shown before is valid too: wait for this one to be rendered, not for "Valid".
    await fetchManifest(`${server.base}/fixtures/latest.json`);
    assert.equal(await text('#verdict'), 'Valid static manifest: version 2.1.0, 3 platforms, 2 warnings');
    // The file picker no longer names the file opened before.
    assert.equal(await page.locator('#manifest-file').evaluate((input) => input.files.length), 0);
    // The darwin entry is signed by another key than the others.
    assert.equal(await page.locator('#diagnostics li.warning[data-code="mixed_key_ids"]').count(), 2);
    const row = (key) => page.locator(`#platforms tr[data-key="${key}"] td`);
    assert.deepEqual(await row('linux-x86_64').allInnerTexts(), [
      'linux-x86_64', 'https://dl.example.com/payload.txt', secretId, 'no key given', '2.1.0', 'payload.txt',
    ]);
    assert.deepEqual((await row('darwin-aarch64').allInnerTexts())[2], nopassId);
  });

  test('a public key: which signatures are by it', async () => {
    await page.fill('#pubkey', pubkey);
    await page.waitForSelector('#platforms td[data-trusted]');
    assert.equal(await text('#pubkey-info'), `Trusted key id ${secretId}`);
    assert.equal(await text('#platforms tr[data-key="linux-x86_64"] td[data-trusted]'), 'yes');
    assert.equal(await text('#platforms tr[data-key="windows-x86_64"] td[data-trusted]'), 'yes');
    assert.equal(await text('#platforms tr[data-key="darwin-aarch64"] td[data-trusted]'), `no: signed by ${nopassId}`);
    // The core's lint agrees: a key_mismatch warning on the darwin entry.
    assert.equal(await page.locator('#diagnostics li.warning[data-code="key_mismatch"]').count(), 1);
  });

  test('the preview for a current version, and the matrix', async () => {
    await page.fill('#current-version', '2.0.0');
    const cells = (label) => page.locator(`#preview tr[data-client="${label}"] td`).allInnerTexts();
    assert.deepEqual(await cells('Linux x86_64 (AppImage)'), [
      'Linux x86_64 (AppImage)', 'linux-x86_64', 'update to 2.1.0 (linux-x86_64): https://dl.example.com/payload.txt',
    ]);
    assert.deepEqual(await cells('macOS Intel'), [
      'macOS Intel', 'darwin-x86_64-app, darwin-x86_64',
      'the release 2.1.0 has no platform entry for this client (tried darwin-x86_64-app, darwin-x86_64)',
    ]);
    await page.fill('#current-version', '2.1.0');
    assert.equal((await cells('Windows x64 (NSIS)'))[2], 'the release 2.1.0 is not newer than the current version 2.1.0');
    await page.fill('#current-version', '1.0');
    assert.match(await text('#preview tbody'), /invalid version `1\.0`/);
    await page.fill('#current-version', '2.0.0');

    assert.deepEqual(await page.locator('#matrix thead th').allInnerTexts(), [
      'Client \\ current version', '0.1.0', '2.0.0', '2.1.0', '2.1.1',
    ]);
    const windows = await page.locator('#matrix tbody tr', { hasText: 'Windows x64 (NSIS)' }).locator('td').allInnerTexts();
    assert.deepEqual(windows, ['Windows x64 (NSIS)', '→ 2.1.0', '→ 2.1.0', 'up to date', 'up to date']);
    const intel = await page.locator('#matrix tbody tr', { hasText: 'macOS Intel' }).locator('td').allInnerTexts();
    assert.deepEqual(intel, ['macOS Intel', 'no entry', 'no entry', 'up to date', 'up to date']);
  });

  test('verifies artifacts in the browser, streaming, with a progress bar', async () => {
    await page.selectOption('#verify-platform', 'windows-x86_64');
    // The wrong file for this entry: refused at the end of the stream.
    await page.setInputFiles('#artifact', join(tauri, 'files/payload.txt'));
    await page.waitForSelector('#verify-result[data-state="refused"]');
    assert.match(await text('#verify-result'), new RegExp(`^Refused: file does not match its signature by key ${secretId}: .*\\[signature_mismatch\\]$`));

    // The darwin entry is signed by another key: refused before reading.
    await page.selectOption('#verify-platform', 'darwin-aarch64');
    await page.waitForSelector('#verify-result[data-state="refused"]');
    assert.match(await text('#verify-result'), /\[key_id_mismatch\]$/);

    await page.selectOption('#verify-platform', 'windows-x86_64');
    await page.setInputFiles('#artifact', join(tauri, 'files/random-256KiB.bin'));
    await page.waitForSelector('#verify-result[data-state="verified"]');
    assert.equal(
      await text('#verify-result'),
      `Verified: random-256KiB.bin (262144 bytes) is signed by key ${secretId}, signed version 2.1.0, signed file random-256KiB.bin.`,
    );
    assert.equal(await page.locator('#progress').evaluate((p) => p.value), 1);
    assert.equal(await text('#progress-text'), '262144 / 262144 bytes');
  });

  test('no page errors; a screenshot', async () => {
    mkdirSync(join(npmRoot, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(npmRoot, 'test-results/dashboard.png'), fullPage: true });
    assert.deepEqual(browser.errors, []);
  });
});
