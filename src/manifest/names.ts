// Names in the manifest: DNS-1123 labels (app and service names become Kubernetes names later) and the
// "did you mean" suggestion for misspelt keys.

/** The DNS-1123 label pattern Kubernetes uses for most object names. */
export const DNS_LABEL_PATTERN = '^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$';
const DNS_LABEL_RE = new RegExp(DNS_LABEL_PATTERN);

export function isDnsLabel(name: string): boolean {
  return DNS_LABEL_RE.test(name);
}

/** Turns any string (a file name, say) into a DNS-1123 label; `fallback` when nothing usable is left. */
export function toDnsLabel(raw: string, fallback = 'app'): string {
  const label = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return label === '' ? fallback : label;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The closest of `candidates` to `word` within edit distance 2 (case-insensitive), if any. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = levenshtein(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
