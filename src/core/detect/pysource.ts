// Just enough reading of Python source to find settings assignments, without running Python:
// top-level statements (joined across brackets and backslashes), string literals, argument lists.

export interface Statement {
  /** `NAME = expr` at column 0: the name; undefined for other statements. */
  name?: string;
  /** For an assignment, the expression text; otherwise the whole statement. */
  text: string;
  /** 0-based line of the statement's start. */
  line: number;
}

/** Top-level statements (column 0) of a Python file, comments removed, continuation lines joined. */
export function topLevelStatements(source: string): Statement[] {
  const out: Statement[] = [];
  const lines = source.split(/\r?\n/);
  let i = 0;
  while (i < lines.length) {
    const first = lines[i];
    const start = i;
    i++;
    if (!first || /^\s/.test(first) || first.startsWith('#')) continue;
    let text = stripComment(first);
    let depth = bracketDepth(text);
    let triple = tripleQuoteOpen(text);
    while (i < lines.length && (depth > 0 || triple || /\\\s*$/.test(text))) {
      const next = triple ? lines[i] : stripComment(lines[i]);
      text = text.replace(/\\\s*$/, '') + '\n' + next;
      depth = bracketDepth(text);
      triple = tripleQuoteOpen(text);
      i++;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*[^=]+)?=(?!=)\s*([\s\S]*)$/.exec(text);
    if (m) out.push({ name: m[1], text: m[2].trim(), line: start });
    else out.push({ text: text.trim(), line: start });
  }
  return out;
}

/** Removes a trailing `# comment` outside string literals. */
export function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i).trimEnd();
  }
  return line;
}

function bracketDepth(text: string): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = null;
      }
    } else if (text.startsWith('"""', i) || text.startsWith("'''", i)) {
      quote = text.slice(i, i + 3);
      i += 2;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
  }
  return depth;
}

function tripleQuoteOpen(text: string): boolean {
  const n = (text.match(/"""/g)?.length ?? 0) + (text.match(/'''/g)?.length ?? 0);
  return n % 2 === 1;
}

/** The value of a plain string literal (`'x'`, `"x"`, `r'x'`), or null for anything else. */
export function stringLiteral(expr: string): string | null {
  // Linear: each character is either a plain one or one escape, never both (the old form backtracked
  // exponentially on backslashes when the expression was not a bare literal).
  const m = /^[rRuU]?(?:'((?:[^'\\]|\\[^])*)'|"((?:[^"\\]|\\[^])*)")$/.exec(expr.trim());
  return m ? (m[1] ?? m[2]).replace(/\\(['"\\])/g, '$1') : null;
}

/** Splits at a separator at bracket depth 0 and outside strings. */
export function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && text.startsWith(sep, i)) {
      parts.push(text.slice(last, i).trim());
      last = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(text.slice(last).trim());
  return parts;
}

/** `f(args)` → { callee: 'f', args: [...] } when the whole expression is one call. */
export function asCall(expr: string): { callee: string; args: string[] } | null {
  const m = /^([A-Za-z_][\w.]*)\s*\(([\s\S]*)\)$/.exec(expr.trim());
  if (!m) return null;
  // The closing parenthesis must match the opening one: `a(x) / b(y)` is not one call.
  const inner = m[2];
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return null;
  }
  const args = inner.trim() ? splitTopLevel(inner, ',').filter((a) => a !== '') : [];
  return { callee: m[1], args };
}

/** The value of keyword argument `name=` among call arguments. */
export function keywordArg(args: string[], name: string): string | undefined {
  for (const a of args) {
    const m = new RegExp(`^${name}\\s*=\\s*([\\s\\S]+)$`).exec(a);
    if (m) return m[1].trim();
  }
  return undefined;
}
