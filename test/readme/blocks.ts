// Reads README.md's ```sh blocks for the README test: the commands of each block in order (lines joined
// at a trailing backslash, comment lines dropped) and its `<!-- readme-test: skip (why) -->` annotation.

export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly commands: readonly string[];
  /** Set by a `<!-- readme-test: skip (reason) -->` line right before the fence. */
  readonly skip?: string;
}

const ANNOTATION = /^<!--\s*readme-test:\s*skip\s*\((.+)\)\s*-->$/;

export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```sh') continue;
    let prev = i - 1;
    while (prev >= 0 && lines[prev]!.trim() === '') prev--;
    const skip = prev >= 0 ? ANNOTATION.exec(lines[prev]!.trim())?.[1] : undefined;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j]!.trim() !== '```'; j++) body.push(lines[j]!);
    if (j === lines.length) throw new Error(`README.md:${i + 1}: a \`\`\`sh block is never closed`);
    const commands: string[] = [];
    let pending = '';
    for (const raw of body) {
      const text = pending + raw;
      if (text.endsWith('\\')) {
        pending = `${text.slice(0, -1).trimEnd()} `;
        continue;
      }
      pending = '';
      if (text.trim() === '' || text.trim().startsWith('#')) continue;
      commands.push(text.trim());
    }
    blocks.push({ line: i + 1, commands, ...(skip === undefined ? {} : { skip }) });
    i = j;
  }
  return blocks;
}
