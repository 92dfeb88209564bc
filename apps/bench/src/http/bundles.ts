import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import type { BenchContext, BenchResult } from '../result.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The Lambda functions infra deploys, by the entry each NodejsFunction bundles. */
export const LAMBDA_ENTRIES: Readonly<Record<string, string>> = {
  'user-service': 'apps/user-service/src/lambda.ts',
  projector: 'apps/projector/src/handler.ts',
  'stream-relay': 'apps/stream-relay/src/handler.ts',
};

/*
 * The bundling options of infra's ServiceFunction (infra/lib/constructs/service-function.ts), which every
 * function is deployed with. Kept in step by hand: infra is not a dependency of the bench, since importing
 * it would load the CDK.
 */
const EXTERNALS = ['better-sqlite3', '@user-service/event-store/sqlite', '@user-service/user-read-model/sqlite'];
const BANNER =
  "import{createRequire as __cr}from'node:module';import{fileURLToPath as __fu}from'node:url';" +
  "import{dirname as __dn}from'node:path';const require=__cr(import.meta.url);" +
  'const __filename=__fu(import.meta.url);const __dirname=__dn(__filename);';

const KIB = 1024;

/** The npm package a bundled file belongs to, or its workspace folder for the project's own code. */
function ownerOf(path: string): { name: string; own: boolean } {
  const at = path.lastIndexOf('node_modules/');
  if (at === -1) {
    const [top, name] = path.split('/');
    return { name: top === 'apps' || top === 'packages' ? `${top}/${name}` : path, own: true };
  }
  const rest = path.slice(at + 'node_modules/'.length).split('/');
  return { name: rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!, own: false };
}

/** A bundled file's path without pnpm's store prefix: `glob/dist/index.js`, or `apps/x/src/y.ts`. */
function shortPath(path: string): string {
  const at = path.lastIndexOf('node_modules/');
  return at === -1 ? path : path.slice(at + 'node_modules/'.length);
}

function largest(sizes: Map<string, number>, count: number): Array<{ name: string; kib: number }> {
  return [...sizes]
    .sort(([, a], [, b]) => b - a)
    .slice(0, count)
    .map(([name, bytes]) => ({ name, kib: Math.round((bytes / KIB) * 10) / 10 }));
}

/** Bundles one entry as infra does (in memory; nothing is written) and answers its metafile. */
async function bundle(entry: string): Promise<{ bytes: number; metafile: Metafile }> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outdir: 'bundle-out',
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    external: EXTERNALS,
    banner: { js: BANNER },
    minify: true,
    keepNames: true,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'error',
  });
  const bytes = result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
  return { bytes, metafile: result.metafile };
}

/**
 * `bundles`: the size of each Lambda bundle, with its 5 largest modules and packages. The ratio is the
 * bundle's size over the project's own code in it: how many bytes ship per byte the project wrote.
 */
export async function bundles(context: BenchContext): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const [name, entry] of Object.entries(LAMBDA_ENTRIES)) {
    context.log(`bundles: ${name} (${entry})`);
    const started = performance.now();
    const { bytes, metafile } = await bundle(entry);
    const modules = new Map<string, number>();
    const packages = new Map<string, number>();
    let own = 0;
    for (const output of Object.values(metafile.outputs)) {
      for (const [path, input] of Object.entries(output.inputs)) {
        modules.set(shortPath(path), (modules.get(shortPath(path)) ?? 0) + input.bytesInOutput);
        const owner = ownerOf(path);
        packages.set(owner.name, (packages.get(owner.name) ?? 0) + input.bytesInOutput);
        if (owner.own) own += input.bytesInOutput;
      }
    }
    const ratio = bytes / Math.max(own, 1);
    results.push({
      id: `bundle-${name}`,
      description:
        `size of the ${name} Lambda bundle (esbuild, minified ESM, as infra deploys it) ÷ ` +
        `the project's own code in it`,
      value: bytes / KIB,
      baseline: own / KIB,
      ratio,
      min: ratio,
      max: ratio,
      target: 'reported',
      pass: null,
      unit: 'KiB',
      details: {
        entry,
        modules: modules.size,
        largestModules: largest(modules, 5),
        largestPackages: largest(packages, 5),
        bundleSeconds: Math.round((performance.now() - started) / 100) / 10,
      },
    });
  }
  return results;
}
