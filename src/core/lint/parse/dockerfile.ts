import type * as DockerfileAst from 'dockerfile-ast';
import type { Dockerfile, From, Instruction } from 'dockerfile-ast';
import type { LintFile } from '../file';

/**
 * Dockerfiles are parsed with `dockerfile-ast` (the parser of the Docker language server): it knows
 * the escape directive, line continuations, heredocs, JSON (exec) form and ENV/ARG properties, and
 * gives a range for every argument, which is what the rules need for exact token ranges.
 */
export interface DockerStage {
  from: From;
  /** `FROM … AS name`, lower-cased. */
  name?: string;
  /** The stage's instructions after its FROM. */
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  ast: Dockerfile;
  /** Instructions before the first FROM (ARG only, in valid files). */
  preamble: Instruction[];
  stages: DockerStage[];
  /** The stage the image is built from (the last), when there is one. */
  final?: DockerStage;
}

/** Parses a Dockerfile once (use it as `file.parse(parseDockerfile)`). */
export function parseDockerfile(file: LintFile): ParsedDockerfile {
  // Loaded with the first Dockerfile, not with every command (`cloudward lint` of a folder without one).
  const { DockerfileParser } = require('dockerfile-ast') as typeof DockerfileAst;
  const ast = DockerfileParser.parse(file.text);
  const preamble: Instruction[] = [];
  const stages: DockerStage[] = [];
  for (const ins of ast.getInstructions()) {
    const keyword = ins.getKeyword();
    if (keyword === 'FROM') {
      const from = ins as From;
      stages.push({ from, name: from.getBuildStage()?.toLowerCase() ?? undefined, instructions: [] });
    } else if (stages.length) {
      stages[stages.length - 1].instructions.push(ins);
    } else {
      preamble.push(ins);
    }
  }
  return { ast, preamble, stages, final: stages[stages.length - 1] };
}

/** The last instruction with a keyword in a stage (CMD and ENTRYPOINT: the effective one). */
export function lastOf(stage: DockerStage | undefined, keyword: string): Instruction | undefined {
  if (!stage) return undefined;
  for (let i = stage.instructions.length - 1; i >= 0; i--) {
    if (stage.instructions[i].getKeyword() === keyword) return stage.instructions[i];
  }
  return undefined;
}

/**
 * The image a stage starts from, following `FROM <earlier stage>` to the first real image:
 * `python:3.12-slim` (name lower-cased, with its tag when it has one).
 */
export function baseImageOf(stage: DockerStage, stages: DockerStage[], depth = 0): string {
  const image = (stage.from.getImageName() ?? '').toLowerCase();
  const parent = stages.find((s) => s !== stage && s.name === image);
  return parent && depth < 20 ? baseImageOf(parent, stages, depth + 1) : `${image}${stage.from.getImageTag() ? `:${stage.from.getImageTag()}` : ''}`;
}

/**
 * The Python minor version of the official image a Dockerfile's final image is built on (`3.12` for
 * `FROM python:3.12-slim`, through earlier stages); else that of the last stage built on one (a
 * distroless final stage copies from a python:X.Y builder). Null when no stage names a version.
 */
export function pythonImageVersion(df: ParsedDockerfile): string | null {
  const versionOf = (stage: DockerStage): string | null => {
    const m = /^(?:docker\.io\/)?(?:library\/)?python:(\d+\.\d+)(?![\d])/.exec(baseImageOf(stage, df.stages));
    return m ? m[1] : null;
  };
  if (df.final) {
    const v = versionOf(df.final);
    if (v) return v;
  }
  for (let i = df.stages.length - 1; i >= 0; i--) {
    const v = versionOf(df.stages[i]);
    if (v) return v;
  }
  return null;
}
