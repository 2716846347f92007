import type { Position, Range } from './types';

/**
 * Line starts of a text, computed once per file version: every offset ↔ position conversion is a
 * binary search, so rules never re-split the text (a 5 MB file costs one linear pass).
 */
export class LineIndex {
  /** Offset of the first character of each line (numbers, not objects: the collector never scans them). */
  readonly starts: Int32Array;

  constructor(readonly text: string) {
    // Two passes (count, then fill): an exact array, no growing copies of a 40,000-line manifest's.
    let count = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
    const starts = new Int32Array(count);
    let k = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts[k++] = i + 1;
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** The text of a line without its line break (also without a trailing `\r`). */
  line(n: number): string {
    if (n < 0 || n >= this.starts.length) return '';
    const start = this.starts[n];
    let end = n + 1 < this.starts.length ? this.starts[n + 1] - 1 : this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }

  offsetAt(p: Position): number {
    if (p.line < 0) return 0;
    if (p.line >= this.starts.length) return this.text.length;
    return Math.min(this.starts[p.line] + p.character, this.text.length);
  }

  range(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }

  /** The whole line `n` as a range (without the line break). */
  lineRange(n: number): Range {
    return { start: { line: n, character: 0 }, end: { line: n, character: this.line(n).length } };
  }
}

export function range(sl: number, sc: number, el: number, ec: number): Range {
  return { start: { line: sl, character: sc }, end: { line: el, character: ec } };
}
