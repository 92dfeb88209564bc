import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The parsed content of a JSON file, or undefined when there is no such file. */
export async function readJsonFile(filename: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(filename, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${filename} is not JSON`, { cause: error });
  }
}

/**
 * Replaces a JSON file atomically: the value is written to a temporary file in the same folder, flushed to
 * disk, then renamed over the target. A reader, or a run after a crash, sees the old content or the new,
 * never a torn write.
 */
export async function writeJsonFileAtomically(filename: string, value: unknown): Promise<void> {
  await mkdir(dirname(filename), { recursive: true });
  // In the target's folder: rename is atomic only within one file system.
  const temporary = `${filename}.${randomUUID()}.tmp`;
  try {
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
      // Without the flush, a power loss after the rename could leave an empty file.
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, filename);
  } finally {
    await rm(temporary, { force: true });
  }
}
