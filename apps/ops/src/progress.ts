/** How many events a phase expects in all, when something can say. */
export interface ProgressTotal {
  readonly count: number;
  /** True when the count is an estimate (DynamoDB's `ItemCount`), shown with a `~`. */
  readonly estimate: boolean;
}

/** One progress line's worth of facts. */
export interface ProgressSnapshot {
  /** What is being done, e.g. `replay to projector`. */
  readonly label: string;
  /** Events done so far in this phase, including those done by an earlier, resumed run. */
  readonly done: number;
  readonly total?: ProgressTotal | undefined;
  /** Events per second: over the sliding window while running, over the whole phase at the end. */
  readonly rate: number | undefined;
  readonly elapsedMs: number;
  /** The phase has ended: the line sums it up instead of estimating what is left. */
  readonly final: boolean;
  /** Anything else worth a glance, e.g. `sent 1,200`. */
  readonly note?: string | undefined;
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** `45s`, `3m 05s`, `2h 07m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * The progress line, e.g. `rebuild green: 1,200/~5,000 events (24%), 350 events/s, ETA 11s`. Pure, so the
 * wording is tested without timers. No ETA is promised when the rate or the total is unknown, or when an
 * estimated total has already been passed.
 */
export function formatProgress(snapshot: ProgressSnapshot): string {
  const { label, done, total, rate, final, note } = snapshot;
  const parts: string[] = [];
  if (total === undefined) {
    parts.push(`${count(done)} events`);
  } else {
    const percent = total.count > 0 ? Math.min(100, Math.floor((done / total.count) * 100)) : 100;
    parts.push(`${count(done)}/${total.estimate ? '~' : ''}${count(total.count)} events (${percent}%)`);
  }
  if (rate !== undefined) parts.push(`${count(rate)} events/s`);
  if (final) {
    parts.push(`done in ${formatDuration(snapshot.elapsedMs)}`);
  } else if (total !== undefined && rate !== undefined && rate > 0 && total.count > done) {
    parts.push(`ETA ${formatDuration(((total.count - done) / rate) * 1000)}`);
  }
  if (note !== undefined) parts.push(note);
  return `${label}: ${parts.join(', ')}`;
}

/** Reports a long run's progress. Phases come one after the other; each has its own counts. */
export interface ProgressReporter {
  /** Starts a phase: counts restart at `done` (events an earlier run already did). */
  begin(label: string, options?: { readonly total?: ProgressTotal | undefined; readonly done?: number }): void;
  /** Counts `events` more as done. */
  add(events: number): void;
  /** Sets the note shown at the end of each line. */
  note(text: string): void;
  /** Ends the phase with a last line. Does nothing when no phase is running. */
  end(): void;
}

/** Reports nothing: for tests and for library callers that have their own reporting. */
export const silentProgress: ProgressReporter = { begin() {}, add() {}, note() {}, end() {} };

export interface ProgressReporterOptions {
  /** Where lines go. @default one line at a time to stderr */
  readonly write?: (line: string) => void;
  /** How often a line is printed while a phase runs, in milliseconds. @default 2000 */
  readonly intervalMs?: number;
  /** How far back the events/s rate looks, in milliseconds. @default 10000 */
  readonly windowMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

interface Phase {
  readonly label: string;
  readonly total: ProgressTotal | undefined;
  readonly startedAt: number;
  readonly startDone: number;
  done: number;
  note: string | undefined;
  /** (time, done) pairs of the sliding window, oldest first. */
  samples: Array<{ readonly at: number; readonly done: number }>;
  timer: NodeJS.Timeout;
}

/**
 * A reporter that prints a line when a phase begins, every `intervalMs` while it runs, and at its end. The rate is
 * measured over a sliding window, so that the ETA follows the current speed rather than the average of a
 * run that slowed down or sped up.
 */
export function createProgressReporter(options: ProgressReporterOptions = {}): ProgressReporter {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const intervalMs = options.intervalMs ?? 2000;
  const windowMs = options.windowMs ?? 10_000;
  const now = options.now ?? Date.now;
  let phase: Phase | undefined;

  function windowRate(current: Phase, at: number): number | undefined {
    // Keep one sample older than the window as the baseline, so the window is always full once it can be.
    const { samples } = current;
    while (samples.length > 1 && samples[1]!.at <= at - windowMs) samples.shift();
    // Never empty: begin() puts the phase's first sample in.
    const oldest = samples[0]!;
    return at > oldest.at ? ((current.done - oldest.done) * 1000) / (at - oldest.at) : undefined;
  }

  function print(current: Phase, moment: 'start' | 'running' | 'end'): void {
    const at = now();
    const elapsedMs = at - current.startedAt;
    const final = moment === 'end';
    let rate: number | undefined;
    if (final) rate = elapsedMs > 0 ? ((current.done - current.startDone) * 1000) / elapsedMs : undefined;
    else if (moment === 'running') rate = windowRate(current, at);
    const { label, done, total, note } = current;
    write(formatProgress({ label, done, total, rate, elapsedMs, final, note }));
  }

  const reporter: ProgressReporter = {
    begin(label, phaseOptions = {}) {
      reporter.end();
      const at = now();
      const done = phaseOptions.done ?? 0;
      const current: Phase = {
        label,
        total: phaseOptions.total,
        startedAt: at,
        startDone: done,
        done,
        note: undefined,
        samples: [{ at, done }],
        timer: setInterval(() => print(current, 'running'), intervalMs),
      };
      // A progress line is never a reason to keep the process alive.
      current.timer.unref();
      phase = current;
      // A first line at once: the operator sees what started, and where a resumed run stands.
      print(current, 'start');
    },
    add(events) {
      if (phase === undefined) return;
      phase.done += events;
      phase.samples.push({ at: now(), done: phase.done });
    },
    note(text) {
      if (phase !== undefined) phase.note = text;
    },
    end() {
      if (phase === undefined) return;
      clearInterval(phase.timer);
      print(phase, 'end');
      phase = undefined;
    },
  };
  return reporter;
}
