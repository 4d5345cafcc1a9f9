// The one function of src/k8s that writes files: a map of relative paths to text, under a folder.
// Rendering and formats stay pure; tests compare the maps, the CLI writes them.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WasmkubeError } from '../errors.ts';

/**
 * Writes `files` under `dir`, creating folders.
 * @throws WasmkubeError BAD_ARGUMENT naming --out when the folder cannot be written (ENOTDIR, EACCES, …)
 */
export async function writeFiles(dir: string, files: Readonly<Record<string, string>>): Promise<string[]> {
  const written: string[] = [];
  for (const path of Object.keys(files).sort()) {
    const full = join(dir, path);
    try {
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, files[path] as string);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? 'an error';
      throw new WasmkubeError('BAD_ARGUMENT', `--out ${dir}: cannot write ${full} (${code})`, {
        cause,
        fix:
          code === 'ENOTDIR' || code === 'EEXIST'
            ? '--out must be a folder (or a path to create one): part of it is a file'
            : 'pass --out a folder you can write to',
      });
    }
    written.push(full);
  }
  return written;
}
