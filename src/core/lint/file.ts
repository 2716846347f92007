import type { FileKind, Range } from './types';
import { LineIndex } from './text';

/** A parser of one file kind: run at most once per file version (see LintFile.parse). */
export type Parser<T> = (file: LintFile) => T;

/** Thrown (and cached) when a file's text cannot be parsed; the engine reports it and skips the rules that needed it. */
export class ParseError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One version of one file as the rules see it. Everything derived from the text (lines, parsed
 * forms) is computed on first use and cached here, so that twenty rules on one file parse it once,
 * and a file that did not change between two lint runs is not parsed again.
 */
export class LintFile {
  private lineIndex?: LineIndex;
  /**
   * Parts of the file a parser could not read and skipped (a YAML document with a syntax error):
   * filled once while parsing, reported by the engine as problems (not findings).
   */
  readonly notes: { range: Range; message: string }[] = [];
  private readonly parsed = new Map<Parser<unknown>, { value?: unknown; error?: ParseError }>();

  constructor(
    /** The path as given by the caller (absolute in the editor, as passed on the CLI). */
    readonly path: string,
    readonly text: string,
    readonly kind: FileKind,
    /**
     * Not a production file (Procfile.dev, compose.override.yaml, a Dockerfile only a development
     * compose file builds…): production rules are silent. Set from the name here; a LintWorkspace
     * refines it from the project as a whole (project/roles.ts) and says why in `roleWhy`.
     */
    public isDevelopment: boolean,
  ) {}

  /** Why the file is not a production file, when the project (not only its name) decided it. */
  roleWhy?: string;

  get lines(): LineIndex {
    return (this.lineIndex ??= new LineIndex(this.text));
  }

  /**
   * The result of `parser` on this file, computed once. Parsers are plain functions (parse/yaml.ts
   * `parseYaml`, parse/dockerfile.ts `parseDockerfile`, L2's python/nginx/systemd/ini parsers); the
   * function itself is the cache key. A parser that throws is reported once as a ParseError.
   */
  parse<T>(parser: Parser<T>): T {
    let entry = this.parsed.get(parser as Parser<unknown>);
    if (!entry) {
      try {
        entry = { value: parser(this) };
      } catch (e) {
        const message = e instanceof ParseError ? e.message : `cannot parse: ${e instanceof Error ? e.message : String(e)}`;
        entry = { error: e instanceof ParseError ? e : new ParseError(this.path, message) };
      }
      this.parsed.set(parser as Parser<unknown>, entry);
    }
    if (entry.error) throw entry.error;
    return entry.value as T;
  }
}
