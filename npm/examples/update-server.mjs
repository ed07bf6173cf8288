#!/usr/bin/env node
// A dynamic Tauri update server in plain Node, deciding with the upkit core (resolveUpdate),
// answering as `upkit serve` does:
//
//   GET /{target}/{arch}/{current_version}
//     200 + {version, notes, pub_date, url, signature, size}  a release is an update
//     204                                                     up to date
//     404 (text)  no entry for the client's platform key, or an unknown arch
//     400 (text)  current_version is not a version
//   anything else: an empty 404 (405 for methods other than GET and HEAD)
//
// `target` is an OS name (`linux`, `darwin`, `windows`) or, as in Tauri, a custom target (the
// only platform key looked up). The manifest is read afresh for every request, so publishing a
// release is replacing the file.
//
//   node examples/update-server.mjs latest.json [--port 8080] [--host 127.0.0.1]
//   tauri.conf.json: "endpoints": ["https://updates.example.com/{{target}}/{{arch}}/{{current_version}}"]
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { resolveUpdate } from 'upkit';

const OS = new Set(['linux', 'darwin', 'windows']);
// A version no release has: with allowDowngrades, it makes the core look the platform up.
const PROBE = '0.0.0-upkit.probe';

/** The answer for one update request: [status, body, content type]. */
export function answer(manifest, target, arch, currentVersion) {
  const client = OS.has(target)
    ? { currentVersion, target, arch, insecureTransport: true }
    : { currentVersion, target: 'linux', arch, customTarget: target, insecureTransport: true };
  let resolution;
  try {
    resolution = resolveUpdate(manifest, client);
  } catch (error) {
    if (error.code === 'invalid_version') return [400, `${error.message}\n`];
    if (error.code === 'unknown_arch') return [404, `${error.message}\n`];
    return [500, `${error.message}\n`];
  }
  if (resolution.update) {
    const { version, notes, pub_date, url, signature, size } = resolution;
    const body = { version };
    if (notes !== null) body.notes = notes;
    if (pub_date !== null) body.pub_date = pub_date;
    Object.assign(body, { url, signature });
    if (size !== null) body.size = size;
    return [200, JSON.stringify(body), 'application/json'];
  }
  if (resolution.reason === 'up_to_date') {
    // Up to date only if the release has the client's platform at all (as `upkit serve`).
    const probe = resolveUpdate(manifest, { ...client, currentVersion: PROBE, allowDowngrades: true });
    if (probe.reason !== 'no_platform') return [204, ''];
    resolution = probe;
  }
  return [404, `no release has an entry for ${resolution.keys.join(' or ')}\n`];
}

/** An http.Server answering update requests from the manifest at `manifestPath`. */
export function createUpdateServer(manifestPath) {
  return createServer((request, response) => {
    const send = (status, body = '', type = 'text/plain; charset=utf-8') => {
      const headers = body === '' ? {} : { 'content-type': type };
      response.writeHead(status, headers).end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405);
    const { pathname } = new URL(request.url, 'http://localhost');
    const parts = pathname.split('/').slice(1);
    if (parts.length !== 3 || parts.some((p) => p === '')) return send(404);
    let segments;
    try {
      segments = parts.map(decodeURIComponent);
    } catch {
      return send(404);
    }
    let manifest;
    try {
      manifest = readFileSync(manifestPath);
    } catch (error) {
      return send(500, `cannot read ${manifestPath}: ${error.message}\n`);
    }
    const [status, body, type] = answer(manifest, ...segments);
    send(status, body, type);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  if (positionals.length !== 1) {
    console.error('usage: update-server.mjs LATEST_JSON [--port 8080] [--host 127.0.0.1]');
    process.exit(2);
  }
  const server = createUpdateServer(positionals[0]);
  server.listen(Number(values.port), values.host, () => {
    const { address, port } = server.address();
    console.log(`listening on http://${address}:${port}/{target}/{arch}/{current_version}`);
  });
}
