// The reader of `--env-file` (KEY=value lines, as in .env files and systemd's EnvironmentFile). Errors name the
// line and the key, never the value: a value is a secret.

export interface EnvFileResult {
  values: Record<string, string>;
  /** `line N: why` for lines that are not KEY=value (values are not quoted in these messages). */
  errors: string[];
}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/;

export function parseEnvFile(text: string): EnvFileResult {
  const values: Record<string, string> = {};
  const errors: string[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((line, i) => {
    if (!line.trim() || line.trimStart().startsWith('#')) return;
    const m = LINE.exec(line);
    if (!m) {
      errors.push(`line ${i + 1}: not KEY=value (a key is letters, digits and _, not starting with a digit)`);
      return;
    }
    let v = m[2].trim();
    const q = v[0];
    if ((q === '"' || q === "'") && v.length >= 2 && v.endsWith(q)) {
      v = v.slice(1, -1);
      if (q === '"') v = v.replace(/\\(["\\])/g, '$1');
    } else if (q === '"' || q === "'") {
      errors.push(`line ${i + 1}: the value of ${m[1]} opens a quote it does not close (values cannot span lines)`);
      return;
    } else {
      v = v.replace(/\s+#.*$/, '');
    }
    values[m[1]] = v;
  });
  return { values, errors };
}
