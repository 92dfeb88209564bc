/**
 * The shape every figure of `pnpm bench` reports, and what a figure gets to run with. Each figure is a
 * ratio of something measured against a baseline measured in the same run, so that a noisy machine moves
 * both sides alike.
 */
export interface BenchResult {
  /** Stable id, as in docs/benchmarks.md, e.g. `http-read`. */
  readonly id: string;
  readonly description: string;
  /** The measured side (A), as the median over rounds, in `unit`. */
  readonly value: number;
  /** The baseline side (B), as the median over rounds, in `unit`. */
  readonly baseline: number;
  /** Median of the per-round ratios A ÷ B. */
  readonly ratio: number;
  /** The smallest and largest per-round ratio. */
  readonly min: number;
  readonly max: number;
  /** As written in the issue: `>= 0.5`, `= 1.00`, `<= 1.2`, `<= 200 MB` or `reported`. */
  readonly target: string;
  /** Whether the ratio (or value, for absolute targets) meets the target; null for `reported`. */
  readonly pass: boolean | null;
  readonly unit: string;
  /** Anything else worth printing: counts, rounds, per-module sizes. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface BenchContext {
  /** `--quick`: fewer rounds and shorter runs, the whole bench in under 3 minutes. */
  readonly quick: boolean;
  /** At least 3. */
  readonly rounds: number;
  /** A temporary folder of this run, removed at the end. */
  readonly workDir: string;
  /** Progress to stderr. */
  log(message: string): void;
}

export type Figure = (context: BenchContext) => Promise<BenchResult[]>;
