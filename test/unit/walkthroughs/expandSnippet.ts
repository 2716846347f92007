// Expands a VS Code snippet body the way accepting every default would: `${1:default}` becomes its
// default (recursively), `${1|a,b|}` its first choice, `$1`/`${1}`/`$0` nothing, `\$` a dollar sign.
// Variables (`$TM_FILENAME`) are refused: our snippets must not depend on the editor's state.

export function expandSnippet(body: string | string[]): string {
  const text = Array.isArray(body) ? body.join('\n') : body;
  const [out, end] = parse(text, 0, false);
  if (end !== text.length) throw new Error(`unbalanced '}' at ${end} in snippet: ${text.slice(end, end + 20)}`);
  return out;
}

/** Parses until the end or (inside a placeholder) an unescaped `}`; returns [expansion, index]. */
function parse(text: string, start: number, nested: boolean): [string, number] {
  let out = '';
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length && '$}\\'.includes(text[i + 1])) {
      out += text[i + 1];
      i += 2;
    } else if (c === '}' && nested) {
      return [out, i];
    } else if (c === '$') {
      const simple = /^\$(\d+)/.exec(text.slice(i));
      if (simple) {
        i += simple[0].length;
        continue;
      }
      const open = /^\$\{(\d+)(:|\||\})/.exec(text.slice(i));
      if (open) {
        i += open[0].length;
        if (open[2] === '}') continue;
        if (open[2] === '|') {
          const close = text.indexOf('|}', i);
          if (close < 0) throw new Error('unterminated choice');
          out += text.slice(i, close).split(',')[0];
          i = close + 2;
          continue;
        }
        const [inner, stop] = parse(text, i, true);
        if (text[stop] !== '}') throw new Error(`unterminated placeholder at ${i}`);
        out += inner;
        i = stop + 1;
        continue;
      }
      const variable = /^\$\{?([A-Za-z_]\w*)/.exec(text.slice(i));
      if (variable) throw new Error(`snippet uses the variable $${variable[1]}: escape literal dollars as \\$`);
      out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (nested) throw new Error('unterminated placeholder');
  return [out, i];
}
