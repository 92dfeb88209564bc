import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Resident memory of a process, from `/proc/<pid>/status`, in bytes. */
export interface ResidentMemory {
  /** VmRSS: resident now. */
  readonly rss: number;
  /** VmHWM: the highest resident size since the process started. */
  readonly peak: number;
}

const KIB = 1024;
export const MIB = 1024 * 1024;

/** Reads VmRSS and VmHWM of a running process (Linux only). */
export function residentMemory(pid: number): ResidentMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (match === null) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(match[1]) * KIB;
  };
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/**
 * Samples a process's VmRSS at a fixed interval, from the bench process, while something else runs. The
 * largest sample is the peak during that time; VmHWM could not say, since it counts from process start.
 */
export class RssSampler {
  private readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Stops sampling and answers the largest sample and how many were taken. */
  stop(): { peak: number; samples: number } {
    clearInterval(this.timer);
    this.sample();
    if (this.samples.length === 0) throw new Error(`could not read the memory of process ${this.pid}`);
    return { peak: Math.max(...this.samples), samples: this.samples.length };
  }

  private sample(): void {
    try {
      this.samples.push(residentMemory(this.pid).rss);
    } catch {
      // The process is gone; its figure fails elsewhere, loudly.
    }
  }
}

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second, in which /proc reports CPU time. */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const answer = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const ticks = Number(answer.stdout?.trim());
    ticksPerSecond = Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  }
  return ticksPerSecond;
}

/** CPU seconds a process has used so far, user and system, over all its threads. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name, field 2, is in parentheses and may hold spaces: count fields after its end.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, so 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}
