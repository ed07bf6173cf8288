#!/usr/bin/env node
// upkit-validate: checks Tauri update manifests (latest.json) in CI pipelines that have Node but
// no Rust. The same checks, codes, lines and columns as `upkit validate`, and the same output
// (without its colours and its `= hint:` lines, which the wasm report does not carry).
//
//   npx upkit-validate [--json] [--strict] [--pubkey KEY_OR_PATH]... FILE...
//
// Exit status: 0 when every file is valid (and, with --strict, has no warnings), 1 otherwise,
// 2 for a usage error. `-` reads standard input.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { validateManifest } from '../lib/node.mjs';

const usage = `usage: upkit-validate [--json] [--strict] [--pubkey KEY_OR_PATH]... FILE...

Checks Tauri update manifests with exactly Tauri's acceptance, plus warnings about what is
almost surely a mistake.

  --json            one JSON object per file on stdout (the object of \`upkit validate --json\`)
  --strict          warnings fail too
  --pubkey KEY      a trusted public key (base64, as in tauri.conf.json) or a file holding it;
                    signatures by other keys are warnings; repeat for several keys
  -h, --help        this help`;

function fail(message) {
  console.error(`upkit-validate: ${message}\n\n${usage}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      pubkey: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (error) {
  fail(error.message);
}
const { values, positionals: files } = parsed;
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (files.length === 0) fail('no manifest given');

/** The object of `upkit validate --json` for a file that could not be read. */
function unreadable(file, message) {
  return {
    file, valid: false, format: null, version: null, notes: null, pub_date: null, platforms: null,
    url: null, signature: null,
    errors: [{ code: 'unreadable', message, path: '', line: 0, column: 0 }],
    warnings: [],
  };
}

// As `upkit validate` shows a source line: at most WINDOW characters, BEFORE of them before the
// caret when a long line is cut.
const WINDOW = 100;
const BEFORE = 40;

/** One diagnostic, laid out as `upkit validate` lays it out. */
function diagnostic(severity, d, file, sourceLines) {
  const number = String(d.line);
  const pad = ' '.repeat(number.length);
  const out = [`${severity}[${d.code}]: ${d.message}`, `${pad}--> ${file}:${d.line}:${d.column}`];
  const source = sourceLines[d.line - 1];
  if (source !== undefined) {
    const chars = Array.from(source.replace(/\r+$/, ''));
    const caret = Math.min(Math.max(d.column - 1, 0), chars.length);
    const start = chars.length > WINDOW ? Math.max(caret - BEFORE, 0) : 0;
    const end = Math.min(start + WINDOW, chars.length);
    let shown = chars.slice(start, end).join('');
    let marker = chars.slice(start, caret).map((c) => (c === '\t' ? '\t' : ' ')).join('');
    if (start > 0) {
      shown = `…${shown}`;
      marker = ` ${marker}`;
    }
    if (end < chars.length) shown += '…';
    out.push(`${pad} |`, `${number} | ${shown}`, `${pad} | ${marker}^`);
  }
  if (d.path) out.push(`${pad} = path: ${d.path}`);
  out.push('');
  return out.join('\n');
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The human report of one file, as `upkit validate` prints it. */
function human(report, file, body, strict) {
  const sourceLines = body.toString('utf8').split('\n');
  const out = [
    ...report.errors.map((e) => diagnostic('error', e, file, sourceLines)),
    ...report.warnings.map((w) => diagnostic('warning', w, file, sourceLines)),
  ];
  const counts = `${plural(report.errors.length, 'error')}, ${plural(report.warnings.length, 'warning')}`;
  if (report.valid) {
    const what = report.format === 'static'
      ? `static manifest, ${plural(Object.keys(report.platforms).length, 'platform')}`
      : 'dynamic manifest';
    const failsStrict = strict && report.warnings.length > 0 ? '; warnings fail under --strict' : '';
    out.push(`${file}: valid ${what}, version ${report.version} (${counts})${failsStrict}`);
  } else {
    out.push(`${file}: invalid: Tauri refuses it (${counts})`);
  }
  return out.join('\n');
}

const pubkey = values.pubkey.map((key) => (existsSync(key) ? readFileSync(key, 'utf8').trim() : key));
let pass = true;
for (const file of files) {
  let body;
  try {
    body = readFileSync(file === '-' ? 0 : file);
  } catch (error) {
    const message = `cannot read ${file}: ${error.message}`;
    console.error(`error: ${message}`);
    if (values.json) console.log(JSON.stringify(unreadable(file, message)));
    pass = false;
    continue;
  }
  let report;
  try {
    report = validateManifest(body, { file, pubkey });
  } catch (error) {
    console.error(`upkit-validate: ${error.message} [${error.code}]`);
    process.exit(2);
  }
  pass &&= report.valid && (!values.strict || report.warnings.length === 0);
  console.log(values.json ? JSON.stringify(report) : human(report, file, body, values.strict));
}
process.exit(pass ? 0 : 1);
