/**
 * The YAML reader's fast path (used by parse/yaml.ts only, behind its API): a scanner for the plain
 * block-style subset that most deploy manifests are written in (block mappings and sequences, one-line
 * plain and quoted scalars, one-line flow collections, comments, a leading `---`). It reports the same
 * events, with the same offsets, as js-yaml 5's `parseEvents`, straight to the tree builder (no event
 * objects), and declines everything else: anchors, aliases, tags, block scalars, multi-line scalars and
 * flow collections, escapes, tabs, CR, control characters, empty documents. A declined document is read
 * by js-yaml (test/unit/lint/yamlBlock.test.ts compares the two on hand-written, generated and mutated
 * documents).
 */

/** Where the scanner's events go (parse/yaml.ts's tree builder; a recorder in the tests). */
export interface YamlSink {
  document(): void;
  /** A mapping or sequence starts at `start` (its first key or `-`, or its bracket). */
  collection(map: boolean, flow: boolean, start: number): void;
  /**
   * A scalar: `valueStart` -1 for an empty one; style 1 plain, 2 single-quoted, 3 double-quoted.
   * `source` is its decoded text when that differs from the text between valueStart and valueEnd
   * (a single-quoted `''`); undefined when it is that text (no string made for the 90,000 scalars of a
   * 1 MB manifest: the tree reads them from the text when a rule asks).
   */
  scalar(valueStart: number, valueEnd: number, style: 1 | 2 | 3, source?: string): void;
  pop(): void;
}

/**
 * Whether a text has none of the characters the subset leaves to js-yaml: a caller that splits a
 * stream into documents tests the whole text once and tells scanBlockYaml (`checked`).
 */
export function withinSubsetCharacters(text: string): boolean {
  return !OUTSIDE.test(text);
}

/** Thrown inside the scanner when the text leaves the subset; never escapes `scanBlockYaml`. */
const DECLINE = { declined: true };

/**
 * Characters the subset leaves to js-yaml: tabs, CR, control and non-printable characters, a BOM, the
 * Unicode line separators and lone or paired surrogates (js-yaml checks them; the scanner does not).
 */
// eslint-disable-next-line no-control-regex
const OUTSIDE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]/;

const NL = 10;
const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const DQUOTE = 34;
const SQUOTE = 39;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
const COMMA = 44;
const MAX_DEPTH = 200;
const MAX_KEY = 1000;

/** Characters a plain scalar may not start with (in either context; `-` is checked apart). */
function badPlainStart(c: number): boolean {
  // , [ ] { } # & * ! | > ' " % @ ` ? :
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE || c === HASH || c === 38 || c === 42 || c === 33 || c === 124 || c === 62 || c === SQUOTE || c === DQUOTE || c === 37 || c === 64 || c === 96 || c === 63 || c === COLON || c === SPACE || c === NL;
}

const isFlowIndicator = (c: number) => c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;

/**
 * Scans one document's text (a `---` chunk of a stream, see parse/yaml.ts) into `sink`. Returns false,
 * having possibly sent some events, when the text is outside the subset: the caller discards them.
 */
export function scanBlockYaml(text: string, sink: YamlSink, checked = false): boolean {
  if (!checked && OUTSIDE.test(text)) return false;
  try {
    new Scanner(text, sink).document();
    return true;
  } catch (e) {
    if (e === DECLINE) return false;
    throw e;
  }
}

class Scanner {
  private p = 0;
  /** The indentation of the content line `p` is on, after skipBlank(); -1 at the end of the text. */
  private ind = -1;
  private depth = 0;
  private readonly n: number;

  constructor(
    private readonly t: string,
    private readonly sink: YamlSink,
  ) {
    this.n = t.length;
  }

  private c(i: number): number {
    return i < this.n ? this.t.charCodeAt(i) : -1;
  }

  document(): void {
    const t = this.t;
    if (t.startsWith('---')) {
      this.p = 3;
      this.restOfLine(false);
    }
    this.skipBlank();
    if (this.ind === -1) throw DECLINE;
    this.sink.document();
    const c = this.c(this.p);
    if (this.seqStart()) this.blockSeq(this.ind);
    else if (c === LBRACKET || c === LBRACE) throw DECLINE;
    else this.blockMap(this.ind);
    if (this.ind !== -1) throw DECLINE;
    this.sink.pop();
  }

  /** From `p` (at a line start), past blank and comment lines, to the next content: sets `ind`. */
  private skipBlank(): void {
    const t = this.t;
    const n = this.n;
    let p = this.p;
    for (;;) {
      let q = p;
      while (q < n && t.charCodeAt(q) === SPACE) q++;
      if (q >= n) {
        this.p = n;
        this.ind = -1;
        return;
      }
      const c = t.charCodeAt(q);
      if (c === NL) {
        p = q + 1;
        continue;
      }
      if (c === HASH) {
        const nl = t.indexOf('\n', q);
        if (nl === -1) {
          this.p = n;
          this.ind = -1;
          return;
        }
        p = nl + 1;
        continue;
      }
      // A `---` or `...` marker line inside the text: parse/yaml.ts splits streams at them first.
      if (q === p && (c === DASH || c === 46) && t.startsWith(c === DASH ? '---' : '...', q)) {
        const d = q + 3 < n ? t.charCodeAt(q + 3) : -1;
        if (d === -1 || d === SPACE || d === NL) throw DECLINE;
      }
      this.p = q;
      this.ind = q - p;
      return;
    }
  }

  /**
   * After a value on its line: spaces, an optional comment (after a space, or right at `p` when
   * `commentAtStart`), then the end of the line; moves `p` to the next line's start.
   */
  private restOfLine(commentAtStart: boolean): void {
    const t = this.t;
    let p = this.p;
    const from = p;
    while (p < this.n && t.charCodeAt(p) === SPACE) p++;
    if (p >= this.n) {
      this.p = this.n;
      return;
    }
    const c = t.charCodeAt(p);
    if (c === HASH) {
      if (p === from && !commentAtStart) throw DECLINE;
      const nl = t.indexOf('\n', p);
      this.p = nl === -1 ? this.n : nl + 1;
      return;
    }
    if (c !== NL) throw DECLINE;
    this.p = p + 1;
  }

  private seqStart(): boolean {
    const p = this.p;
    if (this.c(p) !== DASH) return false;
    const c = this.c(p + 1);
    return c === -1 || c === SPACE || c === NL;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw DECLINE;
  }

  /** A block mapping whose first key is at `p`, in column `indent`. */
  private blockMap(indent: number): void {
    this.enter();
    this.sink.collection(true, false, this.p);
    for (;;) {
      this.key();
      this.value(indent);
      if (this.ind === indent) continue;
      if (this.ind < indent) break;
      throw DECLINE;
    }
    this.sink.pop();
    this.depth--;
  }

  /** A block sequence whose first `-` is at `p`, in column `indent`. */
  private blockSeq(indent: number): void {
    this.enter();
    this.sink.collection(false, false, this.p);
    for (;;) {
      const dash = this.p;
      this.p++;
      while (this.c(this.p) === SPACE) this.p++;
      const c = this.c(this.p);
      if (c === -1 || c === NL || c === HASH) {
        this.restOfLine(true);
        this.skipBlank();
        this.nested(indent, false);
      } else {
        const column = indent + (this.p - dash);
        if (this.seqStart()) this.blockSeq(column);
        else if (this.keyAhead()) this.blockMap(column);
        else {
          this.inline();
          this.skipBlank();
          if (this.ind > indent) throw DECLINE;
        }
      }
      if (this.ind === indent && this.seqStart()) continue;
      if (this.ind <= indent) break;
      throw DECLINE;
    }
    this.sink.pop();
    this.depth--;
  }

  /**
   * The value of a key or `-` whose line ended: a block collection on the lines below (a sequence may
   * sit at the key's own indentation), else an empty scalar.
   */
  private nested(indent: number, inMap: boolean): void {
    if (this.ind > indent) {
      if (this.seqStart()) this.blockSeq(this.ind);
      else this.blockMap(this.ind);
    } else if (inMap && this.ind === indent && this.seqStart()) this.blockSeq(this.ind);
    else this.sink.scalar(-1, -1, 1);
  }

  /** A mapping's value, from right after its key's `:`; leaves `p` at the next content line. */
  private value(indent: number): void {
    while (this.c(this.p) === SPACE) this.p++;
    const c = this.c(this.p);
    if (c === -1 || c === NL || c === HASH) {
      this.restOfLine(true);
      this.skipBlank();
      this.nested(indent, true);
      return;
    }
    this.inline();
    this.skipBlank();
    if (this.ind > indent) throw DECLINE;
  }

  /** A value on the current line (scalar or flow collection) and the rest of its line. */
  private inline(): void {
    const c = this.c(this.p);
    if (c === LBRACKET || c === LBRACE) {
      this.flow();
      this.restOfLine(false);
    } else if (c === DQUOTE || c === SQUOTE) {
      this.quoted();
      this.restOfLine(false);
    } else {
      const s = this.p;
      if (badPlainStart(c) || (c === DASH && !this.plainDash(s))) throw DECLINE;
      const stop = this.plainLine(s);
      if (this.colon) throw DECLINE;
      const end = this.trimEnd(s, stop);
      this.sink.scalar(s, end, 1);
      this.p = stop;
      this.restOfLine(true);
    }
  }

  /** A `-` may start a plain scalar when a character other than a space follows it. */
  private plainDash(s: number): boolean {
    const c = this.c(s + 1);
    return c !== -1 && c !== SPACE && c !== NL;
  }

  /** Whether the last plainLine() stopped at a `: ` key indicator (a field, not a pair per scalar). */
  private colon = false;

  /**
   * Scans a block-context plain scalar's line from `s`: where it stops, at the end of the line, a ` #`
   * comment, or a `: ` key indicator (then `colon` is set).
   */
  private plainLine(s: number): number {
    const t = this.t;
    const n = this.n;
    this.colon = false;
    for (let q = s; q < n; q++) {
      const c = t.charCodeAt(q);
      if (c === NL) return q;
      if (c === COLON) {
        const d = q + 1 < n ? t.charCodeAt(q + 1) : -1;
        if (d === -1 || d === SPACE || d === NL) {
          this.colon = true;
          return q;
        }
      } else if (c === HASH && q > s && t.charCodeAt(q - 1) === SPACE) return q;
    }
    return n;
  }

  private trimEnd(s: number, stop: number): number {
    let e = stop;
    while (e > s && this.t.charCodeAt(e - 1) === SPACE) e--;
    return e;
  }

  /** Whether the item at `p` (after `- `) is a mapping's first key. */
  private keyAhead(): boolean {
    const c = this.c(this.p);
    if (c === DQUOTE || c === SQUOTE) {
      let q = this.quotedEnd(this.p);
      while (this.c(q) === SPACE) q++;
      if (this.c(q) !== COLON) return false;
      const d = this.c(q + 1);
      return d === -1 || d === SPACE || d === NL;
    }
    if (badPlainStart(c) || (c === DASH && !this.plainDash(this.p))) return false;
    this.plainLine(this.p);
    return this.colon;
  }

  /** A block mapping's key and its `:` (p after the `:`). */
  private key(): void {
    const c = this.c(this.p);
    if (c === DQUOTE || c === SQUOTE) {
      this.quoted();
      while (this.c(this.p) === SPACE) this.p++;
      if (this.c(this.p) !== COLON) throw DECLINE;
      const d = this.c(this.p + 1);
      if (d !== -1 && d !== SPACE && d !== NL) throw DECLINE;
      this.p++;
      return;
    }
    const s = this.p;
    if (badPlainStart(c) || (c === DASH && !this.plainDash(s))) throw DECLINE;
    const stop = this.plainLine(s);
    if (!this.colon || stop - s > MAX_KEY) throw DECLINE;
    const end = this.trimEnd(s, stop);
    this.sink.scalar(s, end, 1);
    this.p = stop + 1;
  }

  /** The offset after a one-line quoted scalar's closing quote starting at `s`. */
  private quotedEnd(s: number): number {
    const t = this.t;
    const n = this.n;
    const q = t.charCodeAt(s);
    for (let i = s + 1; i < n; i++) {
      const c = t.charCodeAt(i);
      if (c === NL) throw DECLINE;
      if (q === DQUOTE) {
        if (c === 92) throw DECLINE; // an escape: js-yaml decodes it
        if (c === DQUOTE) return i + 1;
      } else if (c === SQUOTE) {
        if (i + 1 < n && t.charCodeAt(i + 1) === SQUOTE) i++;
        else return i + 1;
      }
    }
    throw DECLINE;
  }

  private quoted(): void {
    const s = this.p;
    const end = this.quotedEnd(s);
    const double = this.t.charCodeAt(s) === DQUOTE;
    // `''` in a single-quoted scalar is one quote: the only decoding the subset has.
    const quote = double ? -1 : this.t.indexOf("'", s + 1);
    this.sink.scalar(s + 1, end - 1, double ? 3 : 2, quote !== -1 && quote < end - 1 ? this.t.slice(s + 1, end - 1).replace(/''/g, "'") : undefined);
    this.p = end;
  }

  /** A flow collection on one line, from its bracket at `p` to after its closing one. */
  private flow(): void {
    this.enter();
    const map = this.c(this.p) === LBRACE;
    const close = map ? RBRACE : RBRACKET;
    this.sink.collection(map, true, this.p);
    this.p++;
    this.flowSpace();
    if (this.c(this.p) === close) this.p++;
    else {
      for (;;) {
        if (map) {
          const c = this.c(this.p);
          if (c === DQUOTE || c === SQUOTE) {
            this.quoted();
            if (this.c(this.p) !== COLON) throw DECLINE;
          } else this.flowPlain(true);
          // p at the `:`, which a space follows
          if (this.c(this.p + 1) !== SPACE) throw DECLINE;
          this.p++;
          this.flowSpace();
          this.flowNode();
        } else {
          this.flowNode();
        }
        this.flowSpace();
        const c = this.c(this.p);
        if (c === COMMA) {
          this.p++;
          this.flowSpace();
          const d = this.c(this.p);
          if (d === COMMA || d === RBRACKET || d === RBRACE) throw DECLINE;
          continue;
        }
        if (c === close) {
          this.p++;
          break;
        }
        throw DECLINE;
      }
    }
    this.sink.pop();
    this.depth--;
  }

  private flowSpace(): void {
    while (this.c(this.p) === SPACE) this.p++;
    const c = this.c(this.p);
    if (c === -1 || c === NL || c === HASH) throw DECLINE;
  }

  private flowNode(): void {
    const c = this.c(this.p);
    if (c === LBRACKET || c === LBRACE) this.flow();
    else if (c === DQUOTE || c === SQUOTE) this.quoted();
    else this.flowPlain(false);
  }

  /**
   * A plain scalar inside a flow collection: ends before `,[]{}`; a `: ` ends a key (`key` true, `p`
   * left at the `:`) and is declined in a value, as is a `:` before a flow indicator.
   */
  private flowPlain(key: boolean): void {
    const t = this.t;
    const n = this.n;
    const s = this.p;
    const first = this.c(s);
    if (badPlainStart(first) || (first === DASH && (!this.plainDash(s) || isFlowIndicator(this.c(s + 1))))) throw DECLINE;
    let q = s;
    let colonAt = -1;
    for (; q < n; q++) {
      const c = t.charCodeAt(q);
      if (c === NL || isFlowIndicator(c)) break;
      if (c === HASH && t.charCodeAt(q - 1) === SPACE) throw DECLINE;
      if (c === COLON) {
        const d = q + 1 < n ? t.charCodeAt(q + 1) : -1;
        if (d === -1 || d === SPACE || d === NL || isFlowIndicator(d)) {
          colonAt = q;
          break;
        }
      }
    }
    if (key !== (colonAt !== -1)) throw DECLINE;
    const end = this.trimEnd(s, q);
    if (end === s || (key && end - s > MAX_KEY)) throw DECLINE;
    this.sink.scalar(s, end, 1);
    this.p = key ? colonAt : end;
  }
}
