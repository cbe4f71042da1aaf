// Multi-line input in `ownchat run`, as Ollama reads it: a line that begins with """ opens a message, the lines
// after it belong to it, and the line that ends with """ closes it ("""one line""" is a message of its own).

export type LineResult = { kind: 'message'; text: string } | { kind: 'more' };

export class MultilineInput {
  private lines: string[] | undefined;

  /** True while a """ message is open: the prompt shows "... " instead of ">>> ". */
  get open(): boolean {
    return this.lines !== undefined;
  }

  feed(line: string): LineResult {
    if (this.lines === undefined) {
      if (!line.startsWith('"""')) return { kind: 'message', text: line };
      const rest = line.slice(3);
      if (rest.length >= 3 && rest.endsWith('"""'))
        return { kind: 'message', text: rest.slice(0, -3).trim() };
      this.lines = [rest];
      return { kind: 'more' };
    }
    if (!line.endsWith('"""')) {
      this.lines.push(line);
      return { kind: 'more' };
    }
    this.lines.push(line.slice(0, -3));
    const text = this.lines.join('\n').trim();
    this.lines = undefined;
    return { kind: 'message', text };
  }

  /** Drops a half-typed message (Ctrl+C while it is open). */
  reset(): void {
    this.lines = undefined;
  }
}
