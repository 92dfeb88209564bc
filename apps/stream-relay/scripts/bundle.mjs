#!/usr/bin/env node
// Bundles the Lambda handler into one ESM file: `node scripts/bundle.mjs [--outdir DIR]`.
// The workspace packages it imports resolve to their built `dist/`, so run `tsc -b` first (`pnpm bundle` does).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
const outdir = resolve(values.outdir ?? join(root, 'dist-bundle'));

const result = await build({
  entryPoints: { handler: join(root, 'src/handler.ts') },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: true,
  sourcemap: false,
  // The AWS SDK is bundled, not left to the copy in the Lambda runtime: that copy changes version under us
  // with runtime updates, while this one is pinned and tested. Its ESM build lets esbuild drop what is unused.
  mainFields: ['module', 'main'],
  // Some CommonJS dependencies require node built-ins, which an ESM bundle can only do through this.
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  legalComments: 'none',
  // Readable class names in the stack traces of a minified bundle.
  keepNames: true,
  metafile: true,
  logLevel: 'warning',
});

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`bundled ${join(outdir, 'handler.mjs')} (${Math.round(bytes / 1024)} KiB)`);
