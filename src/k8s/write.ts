// The one function of src/k8s that writes files: a map of relative paths to text, under a folder.
// Rendering and formats stay pure; tests compare the maps, the CLI writes them.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export async function writeFiles(dir: string, files: Readonly<Record<string, string>>): Promise<string[]> {
  const written: string[] = [];
  for (const path of Object.keys(files).sort()) {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, files[path] as string);
    written.push(full);
  }
  return written;
}
