import type { BenchResult } from './result.js';

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One round of an A-against-B comparison: the measured side and its baseline, in the same unit. */
export interface Round {
  readonly value: number;
  readonly baseline: number;
}

/**
 * Runs `a` and `b` alternately, A B A B …, for `rounds` rounds, so that a machine that speeds up or slows
 * down during the run moves both sides alike. Odd rounds start with B, to cancel a first-mover effect.
 */
export async function interleave(
  rounds: number,
  a: (round: number) => Promise<number>,
  b: (round: number) => Promise<number>,
): Promise<Round[]> {
  const results: Round[] = [];
  for (let round = 0; round < rounds; round++) {
    let value: number;
    let baseline: number;
    if (round % 2 === 0) {
      value = await a(round);
      baseline = await b(round);
    } else {
      baseline = await b(round);
      value = await a(round);
    }
    results.push({ value, baseline });
  }
  return results;
}

/** A target as the issue writes it: `>= 0.5`, `<= 1.2`, `= 1.00`, or `reported` for none. */
export function meets(target: string, actual: number): boolean | null {
  const match = /^(>=|<=|=)\s*([\d.]+)/.exec(target.trim());
  if (match === null) return null;
  const bound = Number(match[2]);
  if (match[1] === '>=') return actual >= bound;
  if (match[1] === '<=') return actual <= bound;
  // Equality is judged at the two decimals the target is written with.
  return Math.abs(actual - bound) < 0.005;
}

/**
 * Turns rounds into a result: medians of each side, and the median, min and max of the per-round ratios.
 * `higherIsBetter` is only documentation here: the ratio is always A ÷ B, as the targets are written.
 */
export function summarize(
  fields: { id: string; description: string; target: string; unit: string; details?: Record<string, unknown> },
  rounds: readonly Round[],
): BenchResult {
  const ratios = rounds.map((round) => round.value / round.baseline);
  const ratio = median(ratios);
  return {
    id: fields.id,
    description: fields.description,
    value: median(rounds.map((round) => round.value)),
    baseline: median(rounds.map((round) => round.baseline)),
    ratio,
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    target: fields.target,
    pass: meets(fields.target, ratio),
    unit: fields.unit,
    ...(fields.details === undefined ? {} : { details: fields.details }),
  };
}
