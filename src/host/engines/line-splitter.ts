// Splits a guest's byte stream (stdout, stderr) into lines for the log, so one log record is one line
// however the guest chunks its writes; long lines are cut so a guest cannot grow the buffer unbounded.

const MAX_LINE = 16 * 1024;

export class LineSplitter {
  #pending = '';
  // One decoder per stream: a character split across two writes must not mix with another stream's.
  readonly #decoder = new TextDecoder();
  readonly #emit: (line: string) => void;

  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  push(chunk: Uint8Array): void {
    let text = this.#pending + this.#decoder.decode(chunk, { stream: true });
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      this.#emit(text.slice(0, nl).replace(/\r$/, ''));
      text = text.slice(nl + 1);
      nl = text.indexOf('\n');
    }
    while (text.length > MAX_LINE) {
      this.#emit(text.slice(0, MAX_LINE));
      text = text.slice(MAX_LINE);
    }
    this.#pending = text;
  }

  flush(): void {
    const rest = this.#pending + this.#decoder.decode();
    if (rest !== '') this.#emit(rest);
    this.#pending = '';
  }
}
