// Thinking in a template-based model's streamed output, split from its content as Ollama's thinking.Parser does:
// an answer that starts (after whitespace) with the opening tag thinks until the closing tag; whitespace right
// after either tag is dropped; an answer that starts with anything else has no thinking and passes through
// untouched. A possible start of a tag at the end of what has arrived is held back until the next piece.

type State = 'lookingForOpening' | 'startedEatingWhitespace' | 'thinking' | 'doneEatingWhitespace' | 'done';

const trimLeft = (s: string) => s.replace(/^\s+/u, '');

export class ThinkingParser {
  private state: State = 'lookingForOpening';
  private acc = '';

  constructor(
    readonly openingTag: string,
    readonly closingTag: string,
  ) {}

  /** Takes the next piece of output; returns the thinking and the content that can be passed on now. */
  add(piece: string): { thinking: string; content: string } {
    this.acc += piece;
    let thinking = '';
    let content = '';
    for (let more = true; more; ) {
      const r = this.eat();
      thinking += r.thinking;
      content += r.content;
      more = r.more;
    }
    return { thinking, content };
  }

  private eat(): { thinking: string; content: string; more: boolean } {
    const none = { thinking: '', content: '', more: false };
    switch (this.state) {
      case 'lookingForOpening': {
        const trimmed = trimLeft(this.acc);
        if (trimmed.startsWith(this.openingTag)) {
          const after = trimLeft(trimmed.slice(this.openingTag.length));
          this.acc = after;
          this.state = after === '' ? 'startedEatingWhitespace' : 'thinking';
          return { ...none, more: true };
        }
        if (this.openingTag.startsWith(trimmed)) return none; // a partial tag, or only whitespace so far
        // No opening tag: no thinking. The content keeps its leading whitespace.
        this.state = 'done';
        const content = this.acc;
        this.acc = '';
        return { ...none, content };
      }
      case 'startedEatingWhitespace': {
        const trimmed = trimLeft(this.acc);
        this.acc = '';
        if (trimmed === '') return none;
        this.state = 'thinking';
        this.acc = trimmed;
        return { ...none, more: true };
      }
      case 'thinking': {
        const acc = this.acc;
        const at = acc.indexOf(this.closingTag);
        if (at > -1) {
          const thinking = acc.slice(0, at);
          const remaining = trimLeft(acc.slice(at + this.closingTag.length));
          this.acc = '';
          this.state = remaining === '' ? 'doneEatingWhitespace' : 'done';
          return { thinking, content: remaining, more: false };
        }
        const held = overlap(acc, this.closingTag);
        this.acc = acc.slice(acc.length - held);
        return { ...none, thinking: acc.slice(0, acc.length - held) };
      }
      case 'doneEatingWhitespace': {
        const trimmed = trimLeft(this.acc);
        this.acc = '';
        if (trimmed !== '') this.state = 'done';
        return { ...none, content: trimmed };
      }
      case 'done': {
        const content = this.acc;
        this.acc = '';
        return { ...none, content };
      }
    }
  }
}

/** The longest suffix of s that is a prefix of tag. */
export function overlap(s: string, tag: string): number {
  for (let i = Math.min(tag.length, s.length); i > 0; i--) if (s.endsWith(tag.slice(0, i))) return i;
  return 0;
}
