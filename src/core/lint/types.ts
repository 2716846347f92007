// The lint contract shared by the rule engine, the rules, the editor (src/diagnostics) and the CLI.
// Positions are 0-based here (like VS Code); the CLI's json/text output converts to 1-based.

export type Severity = 'error' | 'warning' | 'info';
export type SeveritySetting = Severity | 'off';

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

/** A quick fix: edits to one or more files (paths as in Finding.file). */
export interface Fix {
  title: string;
  edits: Array<{
    file: string;
    edits: TextEdit[];
    /** The file does not exist yet: create it (empty) before applying the edits (e.g. a `.dockerignore`). */
    create?: boolean;
  }>;
}

export interface RelatedInformation {
  file: string;
  range: Range;
  message: string;
}

export interface Finding {
  /** Rule id, e.g. "CW101". */
  rule: string;
  severity: Severity;
  /** One line, under about 80 characters. */
  message: string;
  /** A longer explanation: why it matters, what to do. */
  hint?: string;
  /** Path of the file, as given to the linter (absolute in the editor, as passed on the CLI). */
  file: string;
  /** The exact offending token. */
  range: Range;
  /** Other files involved (cross-file rules). */
  related?: RelatedInformation[];
  /** The rule's own fix (the preferred quick fix), when it has one. */
  fix?: Fix;
}

/** The file kinds of the catalogue (shared/docs/rules.md, "File kinds"). */
export type FileKind =
  | 'procfile'
  | 'dockerfile'
  | 'compose'
  | 'kubernetes'
  | 'systemd'
  | 'nginx'
  | 'gunicorn'
  | 'uwsgi'
  | 'django-settings'
  | 'python-app'
  /** A Flask configuration module: `class ProductionConfig(Config)` with upper-case settings, or a `config.py` of them. */
  | 'flask-config'
  | 'shell'
  | 'platform'
  | 'dockerignore'
  /** A supervisord program (`[program:x]` with `command=`): read for the binds its command starts. */
  | 'supervisor';
