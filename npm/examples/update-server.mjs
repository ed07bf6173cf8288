#!/usr/bin/env node
// A dynamic Tauri update server in plain Node, deciding with the upkit core (resolveUpdate),
// answering update requests byte for byte as `upkit serve` does on a directory holding only this
// manifest:
//
//   GET /{target}/{arch}/{current_version}
//     200 + {notes, pub_date, signature, size, url, version}  a release is an update (keys sorted)
//     204                                                     up to date
//     404 (text)  no entry for the client's platform key (or no valid manifest), or an unknown arch
//     400 (text)  current_version is not a version (or, without --public-url, an HTTP/1.1
//                 request lacks its one Host header naming a host, which the URLs are made from)
//   200 and 204 carry `Cache-Control: no-cache` (`public, max-age=N` with --max-age N).
//   Every answer but a 204 carries `Content-Length`; HEAD gets GET's headers and no body; other
//   methods get 405 with `Allow: GET,HEAD`. The path may come in absolute form
//   (`GET http://host/linux/x86_64/1.0.0`, as proxies send it); a query or fragment is ignored.
//
// It answers the update route only and serves no files: not the artifacts, not the manifest
// (`upkit serve` serves both). Put the artifacts on any web host or CDN. Every other path is a
// 404 (text), whatever the method.
//
// `target` is an OS name (`linux`, `darwin`, `windows`) or, as in Tauri, a custom target (the
// only platform key looked up). The manifest is read afresh for every request, so publishing a
// release is replacing the file; a missing or invalid manifest is skipped, as `upkit serve` skips
// it (every platform is then unknown). Relative artifact URLs
// (`"url": "app.tar.gz"`, as `upkit manifest` writes them) are resolved against --public-url,
// else `http://` and the request's Host.
//
//   node examples/update-server.mjs latest.json [--port 8080] [--host 127.0.0.1]
//     [--public-url https://updates.example.com/] [--max-age SECS]
//   tauri.conf.json: "endpoints": ["https://updates.example.com/{{target}}/{{arch}}/{{current_version}}"]
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { resolveUpdate, validateManifest } from 'upkit';

const OS = new Set(['linux', 'darwin', 'windows']);
// A version no release has: with allowDowngrades, it makes the core look the platform up.
const PROBE = '0.0.0-upkit.probe';
// What an invalid manifest counts as: a release with no platform at all.
const NONE = '{"version": "0.0.0", "platforms": {}}';
const TEXT = 'text/plain; charset=utf-8';

/** Percent-decodes a path part as `upkit serve` does: bad escapes stay, bad UTF-8 becomes U+FFFD. */
function decode(raw) {
  const bytes = raw.replace(/%([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(Buffer.from(bytes, 'latin1'));
}

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Resolves a relative artifact URL (no scheme, as the URL parser sees it) against `base`. */
function resolveUrl(entry, base) {
  const { url } = entry;
  if (typeof url !== 'string' || url === '') return;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url.replace(/^[\0- ]+/, '').replace(/[\t\n\r]/g, ''))) return;
  try {
    entry.url = new URL(url, base).href;
  } catch {
    // Left as it is: the core refuses it.
  }
}

/** Sets the value at a JSON pointer, when it is there. */
function setAt(value, pointer, replacement) {
  const keys = pointer.split('/').slice(1).map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'));
  const last = keys.pop();
  const parent = keys.reduce((node, key) => node?.[key], value);
  if (isObject(parent)) parent[last] = replacement;
}

/**
 * The manifest as `upkit serve` reads it: JSON (strict UTF-8, no byte order mark), its relative
 * artifact URLs resolved against `base`, written again. `null` when it is not JSON.
 */
export function load(body, base) {
  let value;
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
    value = JSON.parse(text, (_, v) => {
      if (v === Infinity || v === -Infinity) throw new RangeError('number out of range');
      return v;
    });
  } catch {
    return null;
  }
  // JSON.parse reads a size of `1.0` as `1`: what the core ignores (`invalid_size`) stays ignored.
  for (const { code, path } of validateManifest(body).warnings) {
    if (code === 'invalid_size') setAt(value, path, null);
  }
  if (isObject(value)) {
    if (isObject(value.platforms)) {
      for (const entry of Object.values(value.platforms)) if (isObject(entry)) resolveUrl(entry, base);
    } else if (value.platforms === undefined || value.platforms === null) {
      resolveUrl(value, base);
    }
  }
  return JSON.stringify(value);
}

/** The answer for one update request: [status, body, content type]. */
export function answer(manifest, target, arch, currentVersion) {
  const client = OS.has(target)
    ? { currentVersion, target, arch, insecureTransport: true }
    : { currentVersion, target: 'linux', arch, customTarget: target, insecureTransport: true };
  try {
    resolveUpdate(NONE, client); // the request alone first, as `upkit serve` checks it
  } catch (error) {
    return [error.code === 'invalid_version' ? 400 : 404, `${error.message}\n`, TEXT];
  }
  let resolution;
  try {
    resolution = resolveUpdate(manifest, client);
  } catch {
    // An invalid manifest is skipped.
    manifest = NONE;
    resolution = resolveUpdate(manifest, client);
  }
  if (resolution.update) {
    // As serde_json writes a map: keys in alphabetical order.
    const { notes, pub_date, signature, size, url, version } = resolution;
    const body = { notes, pub_date, signature, size, url, version };
    for (const key of ['notes', 'pub_date', 'size']) if (body[key] === null) delete body[key];
    return [200, JSON.stringify(body), 'application/json'];
  }
  if (resolution.reason === 'up_to_date') {
    // Up to date only if the release has the client's platform at all (as `upkit serve`).
    const probe = resolveUpdate(manifest, { ...client, currentVersion: PROBE, allowDowngrades: true });
    if (probe.reason !== 'no_platform') return [204, ''];
    resolution = probe;
  }
  return [404, `no release has an entry for ${resolution.keys.join(' or ')}\n`, TEXT];
}

/**
 * The base URL a request's Host makes, as `upkit serve` reads it: [url, null], or [null, why].
 * HTTP/1.0 may leave Host out (localhost then); HTTP/1.1 needs exactly one, a host and an
 * optional port, nothing else.
 */
function hostOf(request) {
  const hosts = request.rawHeaders.filter((_, i) => i % 2 === 0 && request.rawHeaders[i].toLowerCase() === 'host');
  if (hosts.length === 0) {
    return request.httpVersion === '1.0' ? [new URL('http://localhost/'), null] : [null, 'missing Host header'];
  }
  if (hosts.length > 1) return [null, 'more than one Host header'];
  const host = request.headers.host;
  if (/[^\t\x20-\x7e]/.test(host)) return [null, 'invalid Host header: not ASCII'];
  const invalid = [null, `invalid Host header \`${host}\``];
  let url;
  try {
    url = new URL(`http://${host}/`);
  } catch {
    return invalid;
  }
  const onlyHost = url.username === '' && url.password === '' && url.pathname === '/' && url.search === '' &&
    url.hash === '' && !/[/\\?#@]/.test(host);
  return onlyHost ? [url, null] : invalid;
}

/**
 * An http.Server answering update requests from the manifest at `manifestPath`. `publicUrl`: the
 * URL clients reach it at (relative artifact URLs resolve against it); `maxAge`: the
 * Cache-Control max-age of 200 and 204 answers, in seconds.
 */
export function createUpdateServer(manifestPath, { publicUrl = null, maxAge = 0 } = {}) {
  const cache = maxAge === 0 ? 'no-cache' : `public, max-age=${maxAge}`;
  // Host is checked below, with the reason in the answer (Node would answer a bare 400).
  return createServer({ requireHostHeader: false }, (request, response) => {
    const send = (status, body = '', type = null, headers = {}) => {
      if (type) headers['content-type'] = type;
      if (status === 200 || status === 204) headers['cache-control'] = cache;
      // The body's length, not chunked; a HEAD answer has the headers a GET would have.
      if (status !== 204) headers['content-length'] = Buffer.byteLength(body);
      response.writeHead(status, headers).end(request.method === 'HEAD' ? undefined : body);
    };
    // The raw path, as `upkit serve` matches it: the request target without the `scheme://host`
    // of an absolute-form target (as proxies send; the Host header still names the server), the
    // query and the fragment. Not `new URL().pathname`, which resolves dot segments (`%2e` too)
    // and re-encodes: here none are resolved, and the parts are decoded one by one.
    const target = request.url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '');
    const path = target.match(/^[^?#]*/)[0] || '/';
    const parts = path.startsWith('/') ? path.slice(1).split('/') : [];
    if (parts.length !== 3 || parts.some((p) => p === '')) return send(404, 'not found\n', TEXT);
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, '', null, { allow: 'GET,HEAD' });
    let base = publicUrl;
    if (!base) {
      const [host, why] = hostOf(request);
      if (why) return send(400, `${why}\n`, TEXT);
      base = host;
    }
    let manifest = NONE;
    try {
      manifest = load(readFileSync(manifestPath), base) ?? NONE;
    } catch {
      // No manifest (yet): no release, as in a directory without one.
    }
    const [status, text, type] = answer(manifest, ...parts.map(decode));
    send(status, text, type);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const usage = 'usage: update-server.mjs LATEST_JSON [--port 8080] [--host 127.0.0.1] [--public-url URL] [--max-age SECS]';
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        'public-url': { type: 'string' },
        'max-age': { type: 'string', default: '0' },
      },
    });
  } catch (error) {
    console.error(`${error.message}\n${usage}`);
    process.exit(2);
  }
  const { values, positionals } = parsed;
  const maxAge = Number(values['max-age']);
  let publicUrl = null;
  if (values['public-url'] !== undefined) {
    publicUrl = URL.canParse(values['public-url']) ? new URL(values['public-url']) : null;
    // A directory: `https://host/app` means `https://host/app/`.
    if (publicUrl && !publicUrl.pathname.endsWith('/')) publicUrl.pathname += '/';
  }
  if (positionals.length !== 1 || !Number.isInteger(maxAge) || maxAge < 0 || (values['public-url'] !== undefined && !publicUrl)) {
    console.error(usage);
    process.exit(2);
  }
  const server = createUpdateServer(positionals[0], { publicUrl, maxAge });
  server.listen(Number(values.port), values.host, () => {
    const { address, port } = server.address();
    console.log(`listening on http://${address}:${port}/{target}/{arch}/{current_version}`);
  });
}
