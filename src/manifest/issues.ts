// Turns zod issues and YAML errors into what users read: `file:line:col: field.path: what is wrong`,
// one line per problem, sorted by position, each with a fix. Positions come from the YAML document.

import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type * as z from 'zod';
import { type ErrorCode, WasmkubeError } from '../errors.ts';
import { suggest } from './names.ts';
import { FIX_SEPARATOR } from './schema.ts';

/** A problem found in a manifest, before it has a position. */
export interface RawIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly fix: string;
  /** Point at the key of the entry (unknown or badly named keys) rather than its value. @default 'value' */
  readonly at?: 'key' | 'value';
}

/** A problem found in a manifest, where it is and how to fix it. */
export interface ManifestIssue {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
  /** Field path such as `services.orders.limits.memory`; empty for YAML syntax errors. */
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

/** The error `parseManifest` throws: every issue in one error, the first one also in `message`'s first line. */
export class ManifestError extends WasmkubeError {
  readonly issues: readonly ManifestIssue[];

  constructor(code: ErrorCode, issues: readonly ManifestIssue[]) {
    const fixes = issues.map((i) => (issues.length === 1 ? i.fix : `${i.path || 'YAML'}: ${i.fix}`));
    const fix = [...new Set(fixes)].join('\n');
    super(code, issues.map(formatIssue).join('\n'), { fix });
    this.name = 'ManifestError';
    this.issues = issues;
  }
}

export function formatIssue(issue: ManifestIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.col}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

const KNOWN_KEYS = '\u001eknown:';

/**
 * Per-parse zod error map: remembers which keys an object allows, so unknown keys can get a
 * "did you mean"; every other issue keeps the message its schema gave.
 */
export function zodErrorMap(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'unrecognized_keys' && issue.inst !== undefined && 'shape' in issue.inst) {
    return KNOWN_KEYS + JSON.stringify(Object.keys(issue.inst.shape as object));
  }
  return undefined;
}

function split(message: string): { message: string; fix: string | undefined } {
  const at = message.indexOf(FIX_SEPARATOR);
  return at < 0 ? { message, fix: undefined } : { message: message.slice(0, at), fix: message.slice(at + 1) };
}

function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string '${value}'`;
  return `the ${typeof value} ${String(value)}`;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a map',
  array: 'a list',
  record: 'a map',
};

/** Converts one zod issue; `source` gives the text of the value at a path (to suggest quoting it). */
export function fromZodIssue(
  issue: z.core.$ZodIssue,
  source: (path: readonly PropertyKey[]) => string,
): RawIssue[] {
  const path = issue.path;
  const key = String(path.at(-1) ?? '');
  const { message, fix } = split(issue.message);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known: string[] = message.startsWith(KNOWN_KEYS)
        ? JSON.parse(message.slice(KNOWN_KEYS.length))
        : [];
      return issue.keys.map((unknownKey) => {
        const guess = suggest(unknownKey, known);
        return {
          path: [...path, unknownKey],
          at: 'key',
          message: `unknown field '${unknownKey}'${guess === undefined ? '' : `: did you mean ${guess}?`}`,
          fix: guess === undefined ? `remove it; allowed here: ${known.join(', ')}` : `rename it to ${guess}`,
        };
      });
    }
    case 'invalid_key': {
      const inner = split(issue.issues[0]?.message ?? 'is not allowed');
      return [{ path, at: 'key', message: `'${key}' ${inner.message}`, fix: inner.fix ?? 'rename it' }];
    }
    case 'invalid_format':
      return [{ path, message: `'${String(input)}' ${message}`, fix: fix ?? 'correct the value' }];
    case 'custom': {
      const params = (issue.params ?? {}) as { fix?: string };
      return [{ path, message, fix: params.fix ?? fix ?? 'correct the value' }];
    }
    default:
      break;
  }
  if (input === undefined) {
    return [{ path, message: `missing required field '${key}'`, fix: fix ?? `add ${key}:` }];
  }
  if (issue.code === 'invalid_type' && fix === undefined) {
    const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
    const scalar = typeof input === 'number' || typeof input === 'boolean';
    const inEnv = path.at(-2) === 'env' && path.length >= 2;
    return [
      {
        path,
        message: inEnv
          ? `env var ${key} must be a string, got ${describe(input)}`
          : `expected ${expected}, got ${describe(input)}`,
        fix:
          issue.expected === 'string' && scalar
            ? `quote it: ${key}: "${source(path)}"`
            : issue.expected === 'object' || issue.expected === 'record'
              ? `write ${key}: followed by indented fields`
              : `write ${expected} here`,
      },
    ];
  }
  // A list or an empty string says nothing more when echoed back; a wrong number does.
  const echo = !Array.isArray(input) && !(issue.code === 'too_small' && typeof input === 'string');
  const got = echo ? `, got ${describe(input)}` : '';
  return [{ path, message: `${message}${got}`, fix: fix ?? 'correct the value' }];
}

/** Where a path points in the YAML document, as 1-based line and column. */
export function locate(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  at: 'key' | 'value' = 'value',
): { line: number; col: number } {
  // Walk as far as the document goes: a missing field is reported at the object that lacks it.
  let node: unknown = doc.contents;
  let key: Node | undefined;
  let complete = true;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(segment));
      if (pair !== undefined) {
        node = pair.value;
        key = pair.key as Node;
        continue;
      }
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      node = node.items[segment];
      key = undefined;
      continue;
    }
    complete = false;
    break;
  }
  const preferKey = at === 'key' && complete && key !== undefined;
  const offset = (preferKey ? offsetOf(key) : offsetOf(node)) ?? offsetOf(key) ?? 0;
  const { line, col } = lineCounter.linePos(offset);
  return { line, col };
}

function offsetOf(node: unknown): number | undefined {
  if (node === undefined || node === null || typeof node !== 'object' || !('range' in node)) return undefined;
  const range = (node as Node).range;
  if (range == null) return undefined;
  // An empty value (`orders:` with nothing after it) has an empty range at the end of its line.
  if (isScalar(node) && node.value === null && range[0] === range[1]) return undefined;
  return range[0];
}
