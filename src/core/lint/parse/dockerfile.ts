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
