import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { storageFigures } from './figures/index.js';
import { HTTP_IDS, runHttpFigures } from './http/index.js';
import { killAllChildrenNow, stopAllChildren, taskset } from './http/processes.js';
import type { BenchContext, BenchResult, Figure } from './result.js';

/**
 * `pnpm bench`: every figure is a ratio of something measured against a baseline measured in the same
 * run, interleaved over rounds, so that a noisy machine moves both sides alike. It prints a table, writes
 * bench/results/latest.json, and gates nothing: a missed target is a finding, not a failure of the run.
 */

/** A storage figure may say which ids it reports, so that `--only` can skip it without running it. */
type DeclaredFigure = Figure & { readonly ids?: readonly string[] };

const STORAGE_FIGURES = storageFigures as readonly DeclaredFigure[];

function storageIds(): string[] {
  return STORAGE_FIGURES.flatMap((figure) => figure.ids ?? []);
}

/**
 * Whether `--only` selector `wanted` picks storage result `id`: the same id, or, for a selector that is no
 * figure's own id, any id it prefixes (`rebuild` picks `rebuild-sqlite`, `ddb-write-units` picks
 * `ddb-write-units:RegisterUser`).
 */
function picks(wanted: string, id: string): boolean {
  if (id === wanted || id.startsWith(`${wanted}:`)) return true;
  return id.startsWith(`${wanted}-`) && !storageIds().includes(wanted);
}

const USAGE = `Usage: pnpm bench [--quick] [--only <id>[,<id>…]]

Measures the service against baselines measured in the same run, and prints the ratios.
Writes bench/results/latest.json (this run's results) and bench/results/latest-run.json (the machine).

  --quick        3 rounds of 1.5 s a side and a 15 s soak: the whole bench in under 3 minutes
  --only <ids>   run only these figures (comma-separated); see docs/benchmarks.md
  --help         print this and exit

HTTP figures: ${HTTP_IDS.join(', ')}
Storage figures: ${storageIds().join(', ') || '(none yet)'}

Exit status: 0 when every selected figure ran (whether or not it met its target), 1 when one failed to
run, 64 on a bad option.
`;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RESULTS_DIR = join(ROOT, 'bench', 'results');

interface Options {
  readonly quick: boolean;
  readonly only?: ReadonlySet<string>;
}

function parseOptions(argv: readonly string[]): Options | 'help' {
  const { values, positionals } = parseArgs({
    // `pnpm bench -- --quick` hands the `--` on: it separates pnpm's options from ours, not ours from files.
    args: argv[0] === '--' ? argv.slice(1) : [...argv],
    options: { quick: { type: 'boolean' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new Error(`unexpected argument: ${positionals.join(' ')}`);
  const only = values.only
    ?.split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (only !== undefined && only.length === 0) throw new Error('--only needs at least one figure id');
  return { quick: values.quick === true, ...(only === undefined ? {} : { only: new Set(only) }) };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** The results as a table: id, ratio, min–max, target, pass, value / baseline with units. */
function table(results: readonly BenchResult[]): string {
  const header = ['id', 'ratio', 'min–max', 'target', 'pass', 'value / baseline'];
  const rows = results.map((result) => [
    result.id,
    result.ratio.toFixed(2),
    `${result.min.toFixed(2)}–${result.max.toFixed(2)}`,
    result.target,
    result.pass === null ? '—' : result.pass ? 'yes' : 'NO',
    `${formatNumber(result.value)} ${result.unit} / ${formatNumber(result.baseline)} ${result.unit}`,
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function machine(loadAverageAtStart: readonly number[]): Record<string, unknown> {
  const processors = cpus();
  return {
    cpu: processors[0]?.model ?? 'unknown',
    cores: processors.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    loadAverageAtStart: loadAverageAtStart.map((load) => Math.round(load * 100) / 100),
    pinned: taskset() !== null,
  };
}

async function main(): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 64;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const { quick, only } = options;

  const workDir = mkdtempSync(join(tmpdir(), 'user-service-bench-'));
  // However the bench ends, no child outlives it and no temporary folder stays behind.
  process.once('exit', () => {
    killAllChildrenNow();
    rmSync(workDir, { recursive: true, force: true });
  });
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the servers and the load generator…\n`);
      void stopAllChildren().finally(() => process.exit(code));
      // A second signal, or a child that will not stop, ends it at once (the exit handler still kills).
      setTimeout(() => process.exit(code), 3000).unref();
    });
  }

  const startedAt = new Date();
  const loadAtStart = loadavg();
  // Progress with the time since the start, to see where a run spends its budget.
  const log = (message: string) =>
    process.stderr.write(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
  const context: BenchContext = { quick, rounds: quick ? 3 : 5, workDir, log };
  const flags = `${quick ? ' --quick' : ''}${only ? ` --only ${[...only].join(',')}` : ''}`;
  log(`pnpm bench${flags}: ${context.rounds} rounds a figure`);

  const results: BenchResult[] = [];
  const failures: string[] = [];
  let setup: Readonly<Record<string, unknown>> | undefined;
  try {
    const http = await runHttpFigures(context, { baseEnv: process.env, ...(only === undefined ? {} : { only }) });
    results.push(...http.results);
    failures.push(...http.failures);
    setup = http.setup;
  } catch (error) {
    failures.push(`HTTP figures: ${describe(error)}`);
    await stopAllChildren();
  }

  // Selectors that are not HTTP figures are storage ones.
  const wanted =
    only === undefined ? undefined : [...only].filter((id) => !HTTP_IDS.includes(id) && !id.startsWith('bundle-'));
  const wantedBy = (id: string) => wanted === undefined || wanted.some((selector) => picks(selector, id));
  for (const figure of STORAGE_FIGURES) {
    const declaresNoneWanted = figure.ids !== undefined && !figure.ids.some(wantedBy);
    if (wanted !== undefined && (wanted.length === 0 || declaresNoneWanted)) continue;
    try {
      results.push(...(await figure(context)).filter((result) => wantedBy(result.id)));
    } catch (error) {
      failures.push(`${figure.ids?.join(', ') ?? (figure.name || 'a storage figure')}: ${describe(error)}`);
    }
  }
  for (const selector of wanted ?? []) {
    if (!results.some((result) => picks(selector, result.id))) failures.push(`no figure reported ${selector}`);
  }

  if (results.length > 0) {
    process.stdout.write(`\n${table(results)}\n`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    const run = {
      startedAt: startedAt.toISOString(),
      seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      quick,
      only: only === undefined ? null : [...only],
      rounds: context.rounds,
      machine: machine(loadAtStart),
      ...(setup === undefined ? {} : { httpSetup: setup }),
      failures,
    };
    writeFileSync(join(RESULTS_DIR, 'latest-run.json'), `${JSON.stringify(run, null, 2)}\n`);
    log(`\nwrote ${join('bench', 'results', 'latest.json')} (${results.length} results) in ${run.seconds} s`);
  }
  for (const failure of failures) log(`\nFAILED: ${failure}`);
  return failures.length > 0 ? 1 : 0;
}

process.exit(await main());
