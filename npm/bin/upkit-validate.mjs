#!/usr/bin/env node
// upkit-validate: checks Tauri update manifests (latest.json) in CI pipelines that have Node but
// no Rust. The same checks, codes, lines and columns as `upkit validate`, and the same output
// (without its colours): both print the report with the core's renderer.
//
//   npx upkit-validate [--json] [--strict] [--pubkey KEY_OR_PATH]... FILE...
//
// Exit status: 0 when every file is valid (and, with --strict, has no warnings), 1 otherwise,
// 2 for a usage error, a --pubkey that does not decode, or output that cannot be written. `-`
// reads standard input. A file over the package's 8 MiB manifest limit is reported as unreadable
// (`upkit validate` has no limit). A closed pipe (`| head`) ends the run quietly with status 141,
// what a shell sees of `upkit validate`, which SIGPIPE ends.
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { initSync, inspectPublicKey } from '../lib/node.mjs';
// Not in the package's API: one validation giving both the verdict and the text as the Rust CLI
// prints it (its `--json` line byte for byte), from the module instance lib/node.mjs loads.
import { validateForCli } from '../dist/web/upkit_wasm.js';

initSync();

const usage = `usage: upkit-validate [--json] [--strict] [--pubkey KEY_OR_PATH]... FILE...

Checks Tauri update manifests with exactly Tauri's acceptance, plus warnings about what is
almost surely a mistake.

  --json            one JSON object per file on stdout (the object of \`upkit validate --json\`)
  --strict          warnings fail too
  --pubkey KEY      a trusted public key (base64, as in tauri.conf.json) or a file holding it
                    (or minisign's .pub text); signatures by other keys are warnings; repeat
                    for several keys
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
    url: null, signature: null, size: null,
    errors: [{ code: 'unreadable', message, path: '', line: 0, column: 0 }],
    warnings: [],
  };
}

/** Exits as `upkit validate` does when a --pubkey is refused. */
function refuse(message) {
  console.error(`error: ${message}`);
  process.exit(2);
}

// Trimmed as Rust's str::trim does: Unicode white space, not a byte order mark.
const trim = (text) => text.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '');

/** The most bytes read of a key file, as `upkit validate` (keys are under 1 KiB). */
const KEY_LIMIT = 64 * 1024;

/** Whether anything is at `path` (a dangling symbolic link too). */
function isThere(path) {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A --pubkey as `upkit validate` reads it: anything that is there is a path, read when it is a
 * regular file of at most 64 KiB of UTF-8 (a directory or a FIFO is an error about the path, not
 * key text) holding the key (Tauri's base64 form, or minisign's .pub text); else the key itself.
 * Given to the core in Tauri's form.
 */
function publicKey(keyOrPath) {
  if (isThere(keyOrPath)) {
    let text;
    try {
      const stats = statSync(keyOrPath);
      if (!stats.isFile()) refuse(`cannot read ${keyOrPath}: not a regular file`);
      if (stats.size > KEY_LIMIT) refuse(`cannot read ${keyOrPath}: ${stats.size} bytes, more than the ${KEY_LIMIT} read here`);
      text = trim(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(readFileSync(keyOrPath)));
    } catch (error) {
      refuse(`cannot read ${keyOrPath}: ${error instanceof TypeError ? 'not UTF-8 text' : error.message}`);
    }
    const key = text.startsWith('untrusted comment:') ? Buffer.from(text).toString('base64') : text;
    try {
      inspectPublicKey(key);
    } catch (error) {
      refuse(`invalid public key in ${keyOrPath}: ${error.message}`);
    }
    return key;
  }
  const key = trim(keyOrPath);
  try {
    inspectPublicKey(key);
  } catch (error) {
    // Probably meant as a file name.
    if (/[.\\]/.test(keyOrPath) || (keyOrPath.includes('/') && Buffer.byteLength(keyOrPath) < 100)) {
      refuse(`cannot read ${keyOrPath}: no such file, and not a key either`);
    }
    refuse(`invalid public key: ${error.message}`);
  }
  return key;
}

// As `upkit validate`: a closed pipe ends the run quietly (on Unix SIGPIPE kills the Rust CLI,
// which a shell sees as 141; Node ignores SIGPIPE, so it exits with that status), any other
// write error is `error: cannot write to stdout: ...` and status 2.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE' && process.platform !== 'win32') process.exit(141);
  console.error(`error: cannot write to stdout: ${error.message}`);
  process.exit(2);
});

const pubkey = values.pubkey.map(publicKey);
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
  let printed;
  try {
    printed = validateForCli(body, { file, pubkey, strict: values.strict, json: values.json });
  } catch (error) {
    // The options were checked above: the body is over the manifest limit.
    if (error.code === 'invalid_argument') {
      const message = `cannot read ${file}: ${error.message}`;
      console.error(`error: ${message}`);
      if (values.json) console.log(JSON.stringify(unreadable(file, message)));
      pass = false;
      continue;
    }
    console.error(`upkit-validate: ${error.message} [${error.code}]`);
    process.exit(2);
  }
  pass &&= printed.pass;
  process.stdout.write(printed.text);
}
// exitCode, not exit(): stdout may be a pipe that is still being written (macOS writes pipes
// asynchronously).
process.exitCode = pass ? 0 : 1;
