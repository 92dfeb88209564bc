#!/usr/bin/env node
// Configuration is parsed once, at start-up: only entry points may read process.env and hand it to the
// config parser. This check fails on any other source file that reads it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOTS = ['packages', 'apps', 'infra'];
// packages/local-aws is development tooling that starts local servers, itself a kind of entry point.
const ENTRY_POINT = /(^|\/)(server|admin-token|main|[\w-]+-cli|handler|lambda)\.ts$|^infra\/bin\/|^packages\/local-aws\//;
const SKIP = new Set(['node_modules', 'dist', 'cdk.out', '.cache', 'test']);

const offenders = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith('.ts') && !ENTRY_POINT.test(relative('.', path))) {
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/process\.env\b/.test(line) && !/^\s*(\/\/|\*)/.test(line)) offenders.push(`${path}:${i + 1}: ${line.trim()}`);
        });
    }
  }
}
for (const root of ROOTS) {
  try {
    walk(root);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
}
if (offenders.length > 0) {
  console.error(`process.env is read outside an entry point:\n${offenders.join('\n')}`);
  process.exit(1);
}
console.log('✔ process.env is read by entry points only');
