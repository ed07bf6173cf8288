#!/usr/bin/env node
// upkit-validate: checks Tauri update manifests (latest.json) in CI pipelines that have Node but
// no Rust. The same checks, codes, lines and columns as `upkit validate`.
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

const pubkey = values.pubkey.map((key) => (existsSync(key) ? readFileSync(key, 'utf8').trim() : key));
let pass = true;
for (const file of files) {
  let body;
  try {
    body = readFileSync(file === '-' ? 0 : file);
  } catch (error) {
    console.error(`error: cannot read ${file}: ${error.message}`);
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
  const passes = report.valid && (!values.strict || report.warnings.length === 0);
  pass &&= passes;
  if (values.json) {
    console.log(JSON.stringify(report));
    continue;
  }
  for (const e of report.errors) console.log(`${file}:${e.line}:${e.column}: error[${e.code}]: ${e.message}`);
  for (const w of report.warnings) console.log(`${file}:${w.line}:${w.column}: warning[${w.code}]: ${w.message}`);
  if (report.valid) {
    const count = report.format === 'static' ? `${Object.keys(report.platforms).length} platforms` : 'dynamic';
    const warned = report.warnings.length ? `, ${report.warnings.length} warnings` : '';
    console.log(`${file}: ${passes ? 'ok' : 'fails (--strict)'}: version ${report.version}, ${count}${warned}`);
  } else {
    console.log(`${file}: invalid: ${report.errors.length} errors (Tauri refuses this manifest)`);
  }
}
process.exit(pass ? 0 : 1);
