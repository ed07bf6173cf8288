// The upkit dashboard: plain DOM code around the upkit package (the Rust core as WebAssembly).
// Served from the package root, it imports the web build directly; in an app, import from 'upkit'.
import {
  compareVersions,
  createVerifier,
  init,
  inspectPublicKey,
  inspectSignature,
  parseManifest,
  resolveUpdate,
  validateManifest,
} from '../../lib/web.js';

const $ = (id) => document.getElementById(id);

/** Creates an element: el('td', { class: 'x' }, 'text', child...). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

const code = (text) => el('code', {}, text);

/** The clients previewed: the common platforms, then the manifest's other keys. */
const COMMON_CLIENTS = [
  { label: 'Linux x86_64 (AppImage)', target: 'linux', arch: 'x86_64', bundleType: 'appimage' },
  { label: 'Linux x86_64 (deb)', target: 'linux', arch: 'x86_64', bundleType: 'deb' },
  { label: 'Linux x86_64 (rpm)', target: 'linux', arch: 'x86_64', bundleType: 'rpm' },
  { label: 'Linux aarch64 (AppImage)', target: 'linux', arch: 'aarch64', bundleType: 'appimage' },
  { label: 'macOS Apple silicon', target: 'darwin', arch: 'aarch64', bundleType: 'app' },
  { label: 'macOS Intel', target: 'darwin', arch: 'x86_64', bundleType: 'app' },
  { label: 'Windows x64 (NSIS)', target: 'windows', arch: 'x86_64', bundleType: 'nsis' },
  { label: 'Windows x64 (MSI)', target: 'windows', arch: 'x86_64', bundleType: 'msi' },
  { label: 'Windows ARM64 (NSIS)', target: 'windows', arch: 'aarch64', bundleType: 'nsis' },
];
const OS = ['linux', 'darwin', 'windows'];
const ARCH = ['x86_64', 'i686', 'aarch64', 'armv7', 'riscv64'];
const BUNDLE = ['appimage', 'deb', 'rpm', 'app', 'msi', 'nsis'];

const state = {
  body: null, // the manifest as given to the core: the pasted text, or the bytes of a file or URL
  text: null, // the manifest as shown
  origin: 'latest.json', // where it came from
  manifest: null, // the parsed manifest when valid
  pubkey: null, // { text, keyId } when a valid key is given
};

function setStatus(text, kind = 'muted') {
  $('status').textContent = text;
  $('status').className = kind;
}

function describeError(error) {
  return error && error.code ? `${error.message} [${error.code}]` : String(error);
}

// ---- 1. loading ------------------------------------------------------------------------------

/** Loads a manifest: text (pasted) or bytes (a file, a URL), which the core reads as Tauri does. */
function load(body, origin, { fromFile = false } = {}) {
  // Bytes are shown decoded, keeping a byte order mark (the core refuses it, and counts it in
  // line 1's columns) and showing bad UTF-8 as U+FFFD.
  const text = typeof body === 'string' ? body : new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
  state.body = body;
  state.text = text;
  state.origin = origin;
  if ($('manifest-text').value !== text) $('manifest-text').value = text;
  // The file picker names the file shown, and no file once the manifest came from elsewhere.
  if (!fromFile) $('manifest-file').value = '';
  render();
}

function readPubkey() {
  const text = $('pubkey').value.trim();
  state.pubkey = null;
  if (!text) {
    $('pubkey-info').textContent = 'No trusted key: signatures are not checked against one.';
    $('pubkey-info').className = 'muted';
    return;
  }
  try {
    state.pubkey = { text, keyId: inspectPublicKey(text).keyId };
    $('pubkey-info').textContent = `Trusted key id ${state.pubkey.keyId}`;
    $('pubkey-info').className = 'ok';
  } catch (error) {
    $('pubkey-info').textContent = describeError(error);
    $('pubkey-info').className = 'bad';
  }
}

// ---- 2. validation ---------------------------------------------------------------------------

function renderValidation(report) {
  const verdict = $('verdict');
  if (report.valid) {
    const count = report.format === 'static' ? `${Object.keys(report.platforms).length} platforms` : 'dynamic (one artifact)';
    verdict.textContent = `Valid ${report.format} manifest: version ${report.version}, ${count}` +
      (report.warnings.length ? `, ${report.warnings.length} warning${report.warnings.length === 1 ? '' : 's'}` : ', no warnings');
    verdict.className = report.warnings.length ? 'warn' : 'ok';
  } else {
    verdict.textContent = `Tauri refuses this manifest: ${report.errors.length} error${report.errors.length === 1 ? '' : 's'}`;
    verdict.className = 'bad';
  }

  const diagnostics = [
    ...report.errors.map((d) => ({ ...d, kind: 'error' })),
    ...report.warnings.map((d) => ({ ...d, kind: 'warning' })),
  ].sort((a, b) => a.line - b.line || a.column - b.column);

  const list = $('diagnostics');
  list.replaceChildren(...diagnostics.map((d) => {
    const item = el('li', { class: d.kind, 'data-line': d.line, 'data-code': d.code },
      `line ${d.line}, column ${d.column}: ${d.message} `, code(`[${d.code}]`), d.path ? ' at ' : '', d.path ? code(d.path) : '');
    item.addEventListener('click', () => focusLine(d.line));
    return item;
  }));

  // Lines as the core counts them: a lone CR breaks no line; a CR before LF is not shown.
  const lines = state.text.split('\n').map((line) => line.replace(/\r$/, ''));
  const byLine = new Map();
  for (const d of diagnostics) byLine.set(d.line, [...(byLine.get(d.line) ?? []), d]);
  $('source').replaceChildren(...lines.map((line, i) => {
    const notes = byLine.get(i + 1) ?? [];
    const kind = notes.some((d) => d.kind === 'error') ? 'has-error' : notes.length ? 'has-warning' : null;
    return el('li', { class: kind, id: `line-${i + 1}` }, line || ' ',
      ...notes.map((d) => el('span', { class: `note ${d.kind}` }, `${' '.repeat(Math.max(0, d.column - 1))}^ ${d.code}: ${d.message}`)));
  }));
}

function focusLine(line) {
  for (const node of document.querySelectorAll('.source li.focus')) node.classList.remove('focus');
  const target = $(`line-${line}`);
  if (target) {
    target.classList.add('focus');
    target.scrollIntoView({ block: 'center' });
  }
}

// ---- 3. platforms ----------------------------------------------------------------------------

function entries() {
  const m = state.manifest;
  if (!m) return [];
  return m.shape === 'static' ? Object.entries(m.platforms) : [['(dynamic)', m]];
}

function renderPlatforms() {
  const rows = entries().map(([key, entry]) => {
    let info = null;
    let problem = null;
    try {
      info = inspectSignature(entry.signature);
    } catch (error) {
      problem = describeError(error);
    }
    let trusted = el('td', { class: 'muted' }, 'no key given');
    if (state.pubkey && info) {
      trusted = info.keyId === state.pubkey.keyId
        ? el('td', { class: 'ok', 'data-trusted': 'yes' }, 'yes')
        : el('td', { class: 'bad', 'data-trusted': 'no' }, `no: signed by ${info.keyId}`);
    } else if (state.pubkey) {
      trusted = el('td', { class: 'bad', 'data-trusted': 'no' }, 'no: unreadable signature');
    }
    return el('tr', { 'data-key': key },
      el('td', {}, code(key)),
      el('td', { class: 'url' }, entry.url),
      info ? el('td', {}, code(info.keyId)) : el('td', { class: 'bad' }, problem),
      trusted,
      el('td', {}, info?.trustedComment.version ?? '—'),
      el('td', {}, info?.trustedComment.file ?? '—'));
  });
  $('platforms').tBodies[0].replaceChildren(...rows);
}

// ---- 4. preview ------------------------------------------------------------------------------

/** The common clients, plus one per manifest key they do not cover (a custom target if odd). */
function clients() {
  const list = [...COMMON_CLIENTS];
  for (const [key] of entries()) {
    if (key === '(dynamic)') continue;
    const [os, arch, bundleType, ...rest] = key.split('-');
    const covered = COMMON_CLIENTS.some((c) => key === `${c.target}-${c.arch}` || key === `${c.target}-${c.arch}-${c.bundleType}`);
    if (covered) continue;
    // A key with an unknown bundle type (`linux-x86_64-foo`) is for no client: a custom target only.
    if (OS.includes(os) && ARCH.includes(arch) && rest.length === 0 && (bundleType === undefined || BUNDLE.includes(bundleType))) {
      list.push({ label: key, target: os, arch, ...(bundleType ? { bundleType } : {}) });
    } else {
      list.push({ label: `custom target ${key}`, target: 'linux', arch: 'x86_64', customTarget: key });
    }
  }
  return list;
}

function offer(client, currentVersion) {
  const { label, ...options } = client;
  try {
    return resolveUpdate(state.body, { ...options, currentVersion, allowDowngrades: $('allow-downgrades').checked });
  } catch (error) {
    // Shown in the client's row rather than stopping the preview.
    return { update: false, reason: 'error', message: describeError(error) };
  }
}

function renderPreview() {
  const tbody = $('preview').tBodies[0];
  const matrix = $('matrix');
  if (!state.manifest) {
    tbody.replaceChildren();
    matrix.tHead.replaceChildren();
    matrix.tBodies[0].replaceChildren();
    return;
  }
  const current = $('current-version').value.trim();
  try {
    compareVersions(current, current);
    $('current-version').setCustomValidity('');
  } catch (error) {
    $('current-version').setCustomValidity(error.message);
    tbody.replaceChildren(el('tr', {}, el('td', { colspan: 3, class: 'bad' }, describeError(error))));
    return;
  }
  tbody.replaceChildren(...clients().map((client) => {
    const r = offer(client, current);
    const cell = r.update
      ? el('td', { class: 'update' }, `update to ${r.version} (`, code(r.platform_key ?? r.target), `): ${r.url}`)
      : el('td', { class: r.reason === 'up_to_date' ? 'none' : 'problem' }, r.message);
    return el('tr', { 'data-client': client.label }, el('td', {}, client.label), el('td', {}, r.update ? code(r.platform_key ?? r.target) : r.keys ? r.keys.join(', ') : '—'), cell);
  }));

  const versions = commonVersions(state.manifest.version);
  matrix.tHead.replaceChildren(el('tr', {}, el('th', {}, 'Client \\ current version'), ...versions.map((v) => el('th', {}, v))));
  matrix.tBodies[0].replaceChildren(...clients().map((client) => el('tr', {}, el('td', {}, client.label), ...versions.map((v) => {
    const r = offer(client, v);
    if (r.update) return el('td', { class: 'update', title: r.url }, `→ ${r.version}`);
    if (r.reason === 'up_to_date') return el('td', { class: 'none' }, 'up to date');
    return el('td', { class: 'problem', title: r.message }, { no_platform: 'no entry', error: 'error' }[r.reason] ?? 'refused');
  }))));
}

/** A few versions around the release: the first, its major and minor, itself, the next patch. */
function commonVersions(release) {
  // BigInt: version numbers go up to 2^64 - 1, beyond what a Number holds exactly.
  const [major, minor, patch] = release.split(/[-+]/)[0].split('.').map(BigInt);
  const candidates = ['0.1.0', `${major}.0.0`, `${major}.${minor}.0`, minor > 0n ? `${major}.${minor - 1n}.0` : null,
    patch > 0n ? `${major}.${minor}.${patch - 1n}` : null, release, `${major}.${minor}.${patch + 1n}`];
  const valid = (version) => {
    try {
      return compareVersions(version, version) === 0;
    } catch {
      return false; // the next patch of 2^64 - 1
    }
  };
  const unique = [...new Set(candidates.filter((v) => v && valid(v)))];
  return unique.sort((a, b) => compareVersions(a, b));
}

// ---- 5. artifact verification ----------------------------------------------------------------

function renderVerifySelect() {
  const select = $('verify-platform');
  const previous = select.value;
  select.replaceChildren(...entries().map(([key]) => el('option', { value: key }, key)));
  if (entries().some(([key]) => key === previous)) select.value = previous;
}

async function verifyArtifact() {
  const file = $('artifact').files[0];
  const result = $('verify-result');
  const progress = $('progress');
  if (!file) return;
  result.dataset.state = 'running';
  result.className = 'muted';
  progress.value = 0;
  const entry = entries().find(([key]) => key === $('verify-platform').value)?.[1];
  if (!entry) return finish('refused', 'Load a valid manifest first.');
  if (!state.pubkey) return finish('refused', 'Enter the trusted public key first.');

  let verifier;
  try {
    verifier = createVerifier(entry.signature, state.pubkey.text, { version: state.manifest.version });
  } catch (error) {
    return finish('refused', `Refused before reading the file: ${describeError(error)}`);
  }
  const total = file.size;
  const reader = file.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      verifier.update(value);
      progress.value = total ? verifier.bytes / total : 1;
      $('progress-text').textContent = `${verifier.bytes} / ${total} bytes`;
    }
    const verified = verifier.finish();
    progress.value = 1;
    const comment = verified.trustedComment;
    finish('verified', `Verified: ${file.name} (${verified.bytes} bytes) is signed by key ${verified.keyId}` +
      `, signed version ${comment.version ?? 'none'}, signed file ${comment.file ?? 'none'}.`);
  } catch (error) {
    verifier.free();
    finish('refused', `Refused: ${describeError(error)}`);
  }

  function finish(outcome, text) {
    result.dataset.state = outcome;
    result.className = outcome === 'verified' ? 'ok' : 'bad';
    result.textContent = text;
  }
}

// ---- wiring ----------------------------------------------------------------------------------

function render() {
  readPubkey();
  if (state.body === null) return;
  let report;
  try {
    report = validateManifest(state.body, { file: state.origin, ...(state.pubkey ? { pubkey: state.pubkey.text } : {}) });
  } catch (error) {
    setStatus(describeError(error), 'bad');
    return;
  }
  state.manifest = report.valid ? parseManifest(state.body) : null;
  renderValidation(report);
  renderPlatforms();
  renderPreview();
  renderVerifySelect();
  document.body.dataset.rendered = String(Number(document.body.dataset.rendered ?? 0) + 1);
}

let typing;
$('manifest-text').addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(() => load($('manifest-text').value, 'pasted'), 150);
});
$('manifest-file').addEventListener('change', async () => {
  const file = $('manifest-file').files[0];
  // The bytes, not file.text(): UTF-8 decoding would drop a byte order mark and mend bad bytes.
  if (file) load(new Uint8Array(await file.arrayBuffer()), file.name, { fromFile: true });
});
$('url-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const url = $('manifest-url').value;
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    load(new Uint8Array(await response.arrayBuffer()), url);
    setStatus(`Loaded ${url}`);
  } catch (error) {
    setStatus(`Could not fetch ${url}: ${error.message}`, 'bad');
  }
});
$('pubkey').addEventListener('input', render);
$('current-version').addEventListener('input', renderPreview);
$('allow-downgrades').addEventListener('change', renderPreview);
$('artifact').addEventListener('change', verifyArtifact);
$('verify-platform').addEventListener('change', verifyArtifact);

try {
  await init();
  setStatus('Ready: paste, open or fetch a manifest.');
  document.body.dataset.ready = 'true';
} catch (error) {
  setStatus(`The WebAssembly module did not load: ${error.message}`, 'bad');
}
