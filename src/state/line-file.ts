// A kernel state file edited the way add_drv edits it: the existing text (comment headers
// included) stays as it is, entries are appended at the end, and an entry whose key is already
// present is either left alone or replaced where it stands (update_drv's minor_perm update).

export interface Entry {
  /** The entry's text, one or more physical lines (device_policy allows backslash-newline). */
  text: string;
  /** Identity of the entry for de-duplication; undefined for comments and blank lines. */
  key?: string;
  /** The driver the entry belongs to, when it belongs to one. */
  driver?: string;
}

export type Classify = (content: string) => { key: string; driver?: string } | undefined;

/** The part of a line before a '#' comment. */
export function stripComment(line: string): string {
  const i = line.indexOf('#');
  return (i < 0 ? line : line.slice(0, i)).trim();
}

export class LineFile {
  readonly entries: Entry[] = [];
  private readonly original: string | undefined;
  private modified = false;

  constructor(
    text: string | undefined,
    private readonly classify: Classify,
  ) {
    this.original = text;
    if (text === undefined || text === '') return;
    const lines = text.replace(/\n$/, '').split('\n');
    for (let i = 0; i < lines.length; i++) {
      let entryText = lines[i];
      while (entryText.endsWith('\\') && i + 1 < lines.length) entryText += `\n${lines[++i]}`;
      const content = stripComment(entryText.replace(/\\\n/g, ' '));
      const c = content ? classify(content) : undefined;
      this.entries.push({ text: entryText, key: c?.key, driver: c?.driver });
    }
  }

  has(key: string): boolean {
    return this.entries.some((e) => e.key === key);
  }

  find(key: string): Entry | undefined {
    return this.entries.find((e) => e.key === key);
  }

  /** Append an entry unless one with its key exists; true when appended. */
  add(text: string): boolean {
    const c = this.classify(text)!;
    if (this.has(c.key)) return false;
    this.entries.push({ text, ...c });
    this.modified = true;
    return true;
  }

  /** Replace the entry with the same key where it stands, or append it; true when the text changed. */
  set(text: string): boolean {
    const c = this.classify(text)!;
    const existing = this.find(c.key);
    if (existing) {
      if (existing.text === text) return false;
      existing.text = text;
      existing.driver = c.driver;
      this.modified = true;
      return true;
    }
    this.entries.push({ text, ...c });
    this.modified = true;
    return true;
  }

  /** Drop entries whose driver fails the test; returns how many went. */
  removeWhere(test: (e: Entry) => boolean): number {
    let n = 0;
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (test(this.entries[i])) {
        this.entries.splice(i, 1);
        this.modified = true;
        n++;
      }
    }
    return n;
  }

  /** The file's text: the original, byte for byte, when nothing was added, replaced or removed. */
  toString(): string {
    if (!this.modified) return this.original ?? '';
    return this.entries.length ? `${this.entries.map((e) => e.text).join('\n')}\n` : '';
  }

  get changed(): boolean {
    return this.modified;
  }
}
