/**
 * The onion's dependency rules, checked on every `pnpm test` (as `pnpm lint`).
 * Paths are relative to the repository root.
 */
const ADAPTERS = '(memory|sqlite|dynamodb)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'The domain imports nothing outside itself: no npm package, no node builtin, no other layer.',
      from: { path: '^packages/user-domain/src/' },
      to: { pathNot: '^packages/user-domain/src/' },
    },
    {
      name: 'adapters-stay-apart',
      severity: 'error',
      comment: 'An event-store adapter depends on the port only, never on another adapter.',
      from: { path: `^packages/event-store/src/${ADAPTERS}/` },
      to: { path: `^packages/event-store/src/${ADAPTERS}/`, pathNot: '^packages/event-store/src/$1/' },
    },
    {
      name: 'port-knows-no-adapter',
      severity: 'error',
      comment: 'The port and its types say nothing about storage, and production code never imports test code.',
      from: { path: '^packages/event-store/src/[^/]+$' },
      to: { path: `^packages/event-store/src/(${ADAPTERS.slice(1, -1)}|testing)/` },
    },
    {
      name: 'adapters-ship-no-test-code',
      severity: 'error',
      from: { path: `^packages/event-store/src/${ADAPTERS}/` },
      to: { path: '^packages/event-store/src/testing/' },
    },
    {
      name: 'drivers-only-in-their-adapter',
      severity: 'error',
      comment: 'Each storage driver is a peer dependency used by its own adapter alone, so bundles stay lean.',
      from: { path: '^packages/event-store/src/', pathNot: '^packages/event-store/src/(sqlite|dynamodb)/' },
      to: { path: 'node_modules/(better-sqlite3|@aws-sdk)/' },
    },
    {
      name: 'read-model-drivers-only-in-their-adapter',
      severity: 'error',
      from: {
        path: '^packages/user-read-model/src/',
        pathNot: '^packages/user-read-model/src/(sqlite|dynamodb|slots-dynamodb)\\.ts$',
      },
      to: { path: 'node_modules/(better-sqlite3|@aws-sdk)/' },
    },
    {
      name: 'personal-data-drivers-only-in-their-adapter',
      severity: 'error',
      comment: 'The key stores and the KMS wrapper are subpath exports: the core of crypto-shredding loads no driver.',
      from: { path: '^packages/personal-data/src/', pathNot: '^packages/personal-data/src/(sqlite|dynamodb|kms)\\.ts$' },
      to: { path: 'node_modules/(better-sqlite3|@aws-sdk)/' },
    },
    {
      name: 'sqlite-driver-only-in-sqlite-adapter',
      severity: 'error',
      from: { path: '^packages/event-store/src/dynamodb/' },
      to: { path: 'node_modules/better-sqlite3/' },
    },
    {
      name: 'aws-sdk-only-in-dynamodb-adapter',
      severity: 'error',
      from: { path: '^packages/event-store/src/sqlite/' },
      to: { path: 'node_modules/@aws-sdk/' },
    },
    {
      name: 'packages-are-inner-layers',
      severity: 'error',
      comment: 'Packages are the inner layers: they never import an app or the infrastructure.',
      from: { path: '^packages/' },
      to: { path: '^(apps|infra)/' },
    },
    {
      name: 'no-reaching-into-another-package',
      severity: 'error',
      comment: "Import another workspace package through its public exports, never from its src/.",
      from: { path: '^(packages|apps)/([^/]+)/' },
      to: { path: '^(packages|apps)/[^/]+/src/', pathNot: '^$1/$2/' },
    },
    {
      name: 'application-knows-no-transport',
      severity: 'error',
      comment: 'Use cases speak in ports and codes: no HTTP, no logger, no driver, no concrete adapter.',
      from: { path: '^apps/[^/]+/src/application/' },
      to: {
        path: [
          '^apps/[^/]+/src/(http|infrastructure)/',
          'node_modules/(fastify|@fastify|pino|better-sqlite3|@aws-sdk)/',
          '^packages/event-store/src/(memory|sqlite|dynamodb)/',
        ],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|cdk\\.out|\\.cache)/' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    // TypeScript's own resolution maps the `.js` specifiers of NodeNext ESM onto their `.ts` sources.
    tsConfig: { fileName: 'tsconfig.base.json' },
  },
};
