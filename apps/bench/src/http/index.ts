import type { BenchContext, BenchResult } from '../result.js';
import { bundles } from './bundles.js';
import { httpCommand, httpCommandFlat, httpCommandHot, httpRead, httpReadFlat, memorySoak } from './figures.js';
import { startHarness, type HttpHarness } from './harness.js';

/** One of the figures of this folder: the result ids it reports, and how it runs. */
interface HttpFigure {
  readonly id: string;
  /** The ids of the results it reports; `--only` selects it by any of these or by `id`. */
  readonly reports: readonly string[];
  readonly run: (h: HttpHarness, context: BenchContext) => Promise<BenchResult[]>;
}

/** In the order they run: reads first, while the long-history user still has exactly its seeded events. */
const HTTP_FIGURES: readonly HttpFigure[] = [
  { id: 'http-read', reports: ['http-read'], run: httpRead },
  { id: 'http-read-flat', reports: ['http-read-flat'], run: httpReadFlat },
  { id: 'http-command', reports: ['http-command', 'memory-peak'], run: httpCommand },
  { id: 'http-command-hot', reports: ['http-command-hot'], run: httpCommandHot },
  { id: 'http-command-flat', reports: ['http-command-flat'], run: httpCommandFlat },
  { id: 'memory-soak', reports: ['memory-soak'], run: memorySoak },
];

/** Names `--only` accepts for several figures at once. */
const GROUPS: Readonly<Record<string, readonly string[]>> = {
  memory: ['memory-peak', 'memory-soak'],
  http: HTTP_FIGURES.map((figure) => figure.id),
};

/** Every id this folder answers to in `--only`, for the help text and for spotting typos. */
export const HTTP_IDS: readonly string[] = [
  ...new Set([...HTTP_FIGURES.flatMap((figure) => [figure.id, ...figure.reports]), 'bundles', ...Object.keys(GROUPS)]),
];

/** Whether `--only` selects a result id reported here: bundle results answer to `bundles`. */
function selects(only: ReadonlySet<string> | undefined, id: string): boolean {
  if (only === undefined) return true;
  if (only.has(id)) return true;
  return Object.entries(GROUPS).some(([group, members]) => only.has(group) && members.includes(id));
}

export interface HttpRunOptions {
  /** The bench's own environment, handed to the service minus the service's variables. */
  readonly baseEnv: NodeJS.ProcessEnv;
  /** `--only`; undefined runs everything. */
  readonly only?: ReadonlySet<string>;
}

/** What the HTTP figures reported, the ones that failed to run, and facts about their setup. */
export interface HttpRun {
  readonly results: BenchResult[];
  /** One line per figure that could not run: the others still ran. */
  readonly failures: string[];
  readonly setup?: Readonly<Record<string, unknown>>;
}

/**
 * Runs the selected HTTP figures on one harness (set up once, closed at the end), then the bundles.
 * Results come back in the order the figures ran; a figure may report more than was selected
 * (memory-peak comes with http-command).
 */
export async function runHttpFigures(context: BenchContext, options: HttpRunOptions): Promise<HttpRun> {
  const { only } = options;
  const figures = HTTP_FIGURES.filter(
    (figure) => selects(only, figure.id) || figure.reports.some((id) => selects(only, id)),
  );
  const results: BenchResult[] = [];
  const failures: string[] = [];
  let setup: Readonly<Record<string, unknown>> | undefined;
  if (figures.length > 0) {
    const needsHeavy = figures.some((figure) => figure.id.endsWith('-flat'));
    const harness = await startHarness(context, { baseEnv: options.baseEnv, needsHeavy });
    setup = harness.setup;
    try {
      for (const figure of figures) {
        try {
          results.push(...(await figure.run(harness, context)));
        } catch (error) {
          failures.push(`${figure.id}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          // A figure that killed a server leaves nothing for the next ones to measure.
          if (!harness.service.child.alive() || !harness.bare.child.alive()) {
            const rest = figures.slice(figures.indexOf(figure) + 1).map((next) => next.id);
            if (rest.length > 0) failures.push(`not run, since a server died: ${rest.join(', ')}`);
            break;
          }
        }
      }
    } finally {
      await harness.close();
    }
  }
  if (only === undefined || only.has('bundles') || [...only].some((id) => id.startsWith('bundle-'))) {
    results.push(...(await bundles(context)));
  }
  return setup === undefined ? { results, failures } : { results, failures, setup };
}
