/**
 * A POSIX-shell tokeniser for start commands (Procfile lines, Dockerfile shell form, compose and
 * platform command strings, systemd ExecStart, shell scripts). It works on offsets into the file's
 * text, so every word keeps its exact source range. Linear: one pass, no regular expressions.
 * It is not a shell: it knows quotes, escapes, line continuations, comments, `$(…)`/backticks/`${…}`
 * and the control operators, which is what is needed to find the commands and their arguments.
 */
export interface Word {
  /** The word after quote removal (variables are not expanded). */
  value: string;
  /** Source offsets [start, end) in the file's text. */
  start: number;
  end: number;
  /** Quotes or escapes were removed: the source text between start and end is not the value. */
  quoted: boolean;
}

export type Operator = '&&' | '||' | ';' | '|' | '&' | '\n' | '(' | ')' | '<' | '>';

export type Token = { word: Word } | { op: Operator; start: number };

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r';
const isOpChar = (c: string) => c === ';' || c === '&' || c === '|' || c === '(' || c === ')' || c === '<' || c === '>';

export function tokenize(text: string, from = 0, to = text.length, newlineIsSeparator = true): Token[] {
  const out: Token[] = [];
  let i = from;
  while (i < to) {
    const c = text[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      i += text[i + 1] === '\n' ? 2 : 3;
      continue;
    }
    if (c === '\n') {
      if (newlineIsSeparator) out.push({ op: '\n', start: i });
      i++;
      continue;
    }
    if (c === '#') {
      while (i < to && text[i] !== '\n') i++;
      continue;
    }
    if (isOpChar(c)) {
      const two = text.slice(i, i + 2);
      if (two === '&&' || two === '||') {
        out.push({ op: two, start: i });
        i += 2;
      } else if (c === '>' || c === '<') {
        out.push({ op: c, start: i });
        i += text[i + 1] === c || text[i + 1] === '&' ? 2 : 1;
      } else {
        out.push({ op: c as Operator, start: i });
        i++;
      }
      continue;
    }
    const start = i;
    let value = '';
    let quoted = false;
    while (i < to) {
      const ch = text[i];
      if (isSpace(ch) || ch === '\n' || isOpChar(ch)) break;
      if (ch === '\\') {
        if (text[i + 1] === '\n') {
          i += 2;
          continue;
        }
        if (i + 1 < to) value += text[i + 1];
        quoted = true;
        i += 2;
        continue;
      }
      if (ch === "'") {
        quoted = true;
        const close = text.indexOf("'", i + 1);
        const end = close === -1 || close >= to ? to : close;
        value += text.slice(i + 1, end);
        i = end + 1;
        continue;
      }
      if (ch === '"') {
        quoted = true;
        i++;
        while (i < to && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < to && '"\\$`\n'.includes(text[i + 1])) {
            if (text[i + 1] !== '\n') value += text[i + 1];
            i += 2;
          } else value += text[i++];
        }
        i++;
        continue;
      }
      if (ch === '$' && (text[i + 1] === '(' || text[i + 1] === '{')) {
        // $(…) and ${…}: copied whole, nesting counted, so `$(cat x | y)` stays one word.
        const open = text[i + 1];
        const close = open === '(' ? ')' : '}';
        let depth = 0;
        const s = i;
        for (i += 1; i < to; i++) {
          if (text[i] === open) depth++;
          else if (text[i] === close && --depth === 0) break;
        }
        i = Math.min(i + 1, to);
        value += text.slice(s, i);
        continue;
      }
      if (ch === '`') {
        const close = text.indexOf('`', i + 1);
        const end = close === -1 || close >= to ? to : close + 1;
        value += text.slice(i, end);
        i = end;
        continue;
      }
      value += ch;
      i++;
    }
    out.push({ word: { value, start, end: Math.min(i, to), quoted } });
  }
  return out;
}

/** A simple command: words between control operators. */
export interface SimpleCommand {
  words: Word[];
  /** Followed by `&` (runs in the background). */
  background: boolean;
  /** The operator before it (`&&`, `;`, newline…), undefined for the first. */
  after?: Operator;
  /** A command inside the script of an `sh -c "…"` (start commands look into them): that `sh -c` command. */
  via?: SimpleCommand;
  /** An `sh -c` command whose script was looked into: the source offsets of the script's text. */
  script?: { start: number; end: number };
}

const BODY_WORDS = new Set(['then', 'do', 'else', '{', '}', 'fi', 'done', 'esac']);

/** Splits tokens into simple commands; redirection targets are dropped from the words. */
export function splitCommands(tokens: Token[]): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let cur: SimpleCommand = { words: [], background: false };
  let skipNext = false;
  let after: Operator | undefined;
  for (const t of tokens) {
    if ('word' in t) {
      if (skipNext) {
        skipNext = false;
        continue;
      }
      // A reserved word that opens or closes a body (`then`, `do`, `{`, `fi`…) is not part of the command
      // after it: `while true; do gunicorn …; done` runs gunicorn. (Conditions, `if x`, stay as written.)
      if (!cur.words.length && !t.word.quoted && BODY_WORDS.has(t.word.value)) continue;
      // `2>&1` style: a word made of a file descriptor right before a redirection is dropped later.
      cur.words.push(t.word);
      continue;
    }
    if (t.op === '<' || t.op === '>') {
      const last = cur.words[cur.words.length - 1];
      if (last && /^\d+$/.test(last.value) && last.end === t.start) cur.words.pop();
      skipNext = true;
      continue;
    }
    if (cur.words.length) {
      if (t.op === '&') cur.background = true;
      cur.after = after;
      out.push(cur);
    }
    after = t.op;
    cur = { words: [], background: false };
  }
  if (cur.words.length) {
    cur.after = after;
    out.push(cur);
  }
  return out;
}
