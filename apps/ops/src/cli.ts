import type { ConfigError, Env } from '@user-service/env-config';
import { wantsHelp } from './config.js';

/**
 * The start of every operator command: prints the usage on `--help` or `-h` (and answers undefined: the
 * command has nothing more to do), else parses the environment and the flags once, and on any problem
 * prints every one of them with the usage and exits 78 (EX_CONFIG).
 */
export function parseCommandLine<C>(
  usage: string,
  load: (env: Env, argv: readonly string[]) => C,
  env: Env,
  argv: readonly string[],
): C | undefined {
  if (wantsHelp(argv)) {
    process.stdout.write(`${usage}\n`);
    return undefined;
  }
  try {
    return load(env, argv);
  } catch (error) {
    // A ConfigError names every bad variable and flag; the parsers throw nothing else.
    process.stderr.write(`${(error as ConfigError).message}\n\n${usage}\n`);
    process.exit(78);
  }
}
