// Reading wasmkube.yaml: YAML with source positions, then the zod schema, then normalization. Every
// problem in the file is reported at once, each at its line and column, with a fix.

import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Document, LineCounter, parseDocument, type YAMLError } from 'yaml';
import { WasmkubeError } from '../errors.ts';
import {
  formatPath,
  fromZodIssue,
  locate,
  ManifestError,
  type ManifestIssue,
  type RawIssue,
  zodErrorMap,
} from './issues.ts';
import { normalizeManifest } from './normalize.ts';
import { routeConflicts } from './route-conflicts.ts';
import { ManifestSchema } from './schema.ts';
import { API_VERSION, type AppManifest, type LoadedManifest, type ServiceSpec } from './types.ts';

/** The names `loadManifest` looks for in a folder, in order. */
export const MANIFEST_FILE_NAMES: readonly string[] = ['wasmkube.yaml', 'wasmkube.yml'];

const YAML_FIXES: Readonly<Record<string, string>> = {
  DUPLICATE_KEY: 'remove or rename one of the two entries',
  MULTIPLE_DOCS: "keep one document: remove the '---' separator and what follows, or merge it",
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BAD_INDENT: 'align entries of the same map or list at the same column',
  MISSING_CHAR: 'add the missing closing character',
};

/**
 * Parses and validates the text of a manifest. Paths in it are returned as written.
 * @param file the name used in messages (`file:line:col: …`)
 * @throws ManifestError MANIFEST_PARSE for YAML syntax errors, MANIFEST_INVALID for everything else
 */
export function parseManifest(text: string, file: string): AppManifest {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ManifestError(
      'MANIFEST_PARSE',
      sortIssues(doc.errors.map((e) => syntaxIssue(e, text, file, lineCounter))),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const { line, col } = lineCounter.linePos(0);
    const message = `YAML error: ${err instanceof Error ? err.message : String(err)}`;
    throw new ManifestError('MANIFEST_PARSE', [
      { file, line, col, path: '', message, fix: 'define every *alias with an &anchor first' },
    ]);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const what = data === null || data === undefined ? 'is empty' : 'is not a map of fields';
    const { line, col } = locate(doc, lineCounter, []);
    throw new ManifestError('MANIFEST_INVALID', [
      {
        file,
        line,
        col,
        path: '',
        message: `the manifest ${what}`,
        fix: `start it with apiVersion: ${API_VERSION}, name: and services:`,
      },
    ]);
  }
  const result = ManifestSchema.safeParse(data, { reportInput: true, error: zodErrorMap });
  const raw: RawIssue[] = routeConflicts(data);
  if (!result.success) {
    const source = (path: readonly PropertyKey[]) => sourceText(doc, text, path);
    raw.unshift(...result.error.issues.flatMap((issue) => fromZodIssue(issue, source)));
  }
  if (!result.success || raw.length > 0) {
    const issues = raw.map((issue): ManifestIssue => {
      const { line, col } = locate(doc, lineCounter, issue.path, issue.at);
      return { file, line, col, path: formatPath(issue.path), message: issue.message, fix: issue.fix };
    });
    throw new ManifestError('MANIFEST_INVALID', sortIssues(issues));
  }
  return normalizeManifest(result.data);
}

/**
 * Reads a manifest from a file, or from `wasmkube.yaml` (else `wasmkube.yml`) in a folder, and makes its
 * file paths (`source`, `build.workdir`) absolute.
 * @throws WasmkubeError MANIFEST_NOT_FOUND when there is none; ManifestError when it is invalid
 */
export async function loadManifest(pathOrDir: string): Promise<LoadedManifest> {
  const fix =
    'create a wasmkube.yaml there (see the README), pass the folder or file that has one, or serve a single module with --from';
  const kind = await statKind(pathOrDir);
  let shown: string | undefined;
  if (kind === 'file') shown = pathOrDir;
  else if (kind === 'dir') {
    for (const name of MANIFEST_FILE_NAMES) {
      if ((await statKind(join(pathOrDir, name))) === 'file') {
        shown = join(pathOrDir, name);
        break;
      }
    }
    if (shown === undefined) {
      throw new WasmkubeError(
        'MANIFEST_NOT_FOUND',
        `no ${MANIFEST_FILE_NAMES.join(' or ')} in ${pathOrDir}`,
        { fix },
      );
    }
  } else {
    throw new WasmkubeError('MANIFEST_NOT_FOUND', `no manifest at ${pathOrDir}`, { fix });
  }
  let text: string;
  try {
    text = await readFile(shown, 'utf8');
  } catch (cause) {
    throw new WasmkubeError('MANIFEST_NOT_FOUND', `cannot read ${shown}`, {
      cause,
      fix: 'check the file permissions',
    });
  }
  const file = resolve(shown);
  const dir = dirname(file);
  const app = parseManifest(text, shown);
  return { file, dir, app: { ...app, services: app.services.map((s) => resolvePaths(s, dir)) } };
}

function resolvePaths(service: ServiceSpec, dir: string): ServiceSpec {
  return {
    ...service,
    source:
      service.source.kind === 'file'
        ? { kind: 'file', path: resolve(dir, service.source.path) }
        : service.source,
    ...(service.build === undefined
      ? {}
      : {
          build: {
            ...service.build,
            workdir: resolve(dir, service.build.workdir),
            ...(service.build.entry === undefined ? {} : { entry: resolve(dir, service.build.entry) }),
            baseDir: dir,
          },
        }),
  };
}

async function statKind(path: string): Promise<'file' | 'dir' | 'none'> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'dir' : 'file';
  } catch {
    return 'none';
  }
}

function syntaxIssue(error: YAMLError, text: string, file: string, lineCounter: LineCounter): ManifestIssue {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  let message = error.message;
  if (error.code === 'DUPLICATE_KEY') {
    message = `duplicate key '${/^[^:\n]*/.exec(text.slice(error.pos[0]))?.[0].trim()}'`;
  }
  if (error.code === 'MULTIPLE_DOCS') message = 'the manifest has more than one YAML document';
  const unclosed = /end with an? ([\]}])/.exec(message);
  const fix = unclosed
    ? `close it with ${unclosed[1]}, and indent continuation lines deeper than their key`
    : message.startsWith('Nested mappings')
      ? 'quote a value that contains \': \', e.g. command: "echo a: b"'
      : (YAML_FIXES[error.code] ?? 'fix the YAML syntax here');
  return { file, line, col, path: '', message: `YAML syntax: ${message}`, fix };
}

function sourceText(doc: Document, text: string, path: readonly PropertyKey[]): string {
  const node = doc.getIn(path as unknown[], true) as { range?: [number, number, number] } | undefined;
  return node?.range === undefined ? '' : text.slice(node.range[0], node.range[1]);
}

function sortIssues(issues: ManifestIssue[]): ManifestIssue[] {
  return issues.sort(
    (a, b) => a.line - b.line || a.col - b.col || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
}
