// The system packages a project's own production Dockerfile installs (`apt-get install`, `apk add`), read
// from the parsed file (stages, RUN instructions as shell commands), so that the image Cloudward generates
// keeps them: libraries the app loads at run time in the runtime stage, compilers and headers in the builder.
import type { Instruction, PropertyInstruction } from 'dockerfile-ast';
import { runInstructions } from '../lint/startCommands';
import type { LintFile } from '../lint/file';
import { baseImageOf, parseDockerfile } from '../lint/parse/dockerfile';
import type { DockerStage } from '../lint/parse/dockerfile';
import type { SimpleCommand } from '../lint/parse/shell';

export interface SystemPackages {
  /** Debian packages the app needs at run time (the runtime stage installs them). */
  runtime: string[];
  /** Debian packages only building the dependencies needs: compilers, headers, what the Dockerfile purges after building. */
  build: string[];
  /** Where each list was read, `docker/Dockerfile:13` (1-based lines of the RUN instructions). */
  sources: { runtime: string[]; build: string[] };
  /**
   * Packages of an image that is not Debian's (Alpine's `apk add`, an Ubuntu or unknown base image): the generated
   * image is Debian (python:*-slim), where a name may not exist, so they are reported, not installed.
   */
  foreign: string[];
  /** Where the foreign packages were read. */
  foreignSources: string[];
  /** The base images they were installed on, e.g. `ubuntu:24.04`, `python:3.12-alpine`. */
  foreignImages: string[];
}

/** A Debian package name (policy: lower-case letters, digits, + - .; at least two characters). */
export const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;
/** Packages only building needs, by name. */
const BUILD_ONLY = /^(?:build-essential|gcc(?:-\d+)?|g\+\+(?:-\d+)?|cpp|clang|make|cmake|ninja-build|autoconf|automake|libtool|pkg-config|pkgconf|cargo|rustc|swig|.+-dev|.+-devel)$/;
/** The base image brings Python; Debian's own would be a second interpreter nothing uses. */
const PYTHON_PACKAGES = /^(?:python3?(?:\.\d+)?(?:-[a-z0-9.-]+)?|python-is-python3|pip)$/;
/** Stages built from these images build something else (front-end assets, a proxy): their packages are not the app's. */
const OTHER_IMAGES = /^(?:(?:docker\.io\/)?(?:library\/)?(?:node|nginx|httpd|caddy|golang|rust|postgres|redis|busybox)|ghcr\.io\/astral-sh\/uv)(?::|@|$)/;
/** Base images whose packages have Debian's names (the generated image is python:<version>-slim, Debian). */
const DEBIAN_IMAGES = /^(?:docker\.io\/)?(?:library\/)?(?:python|debian|buildpack-deps)(?::|@|$)/;

/** Development, test and debug stages (as the start-command reader skips them). */
const DEV_STAGE = /^(?:dev|devel|development|local|debug|test.*|ci|lint)$/;
/** The run-time library a header package builds against, where Debian's name is the same in bookworm and trixie. */
const RUNTIME_OF_DEV: Record<string, string> = {
  'libpq-dev': 'libpq5',
  'libmariadb-dev': 'libmariadb3',
  'libmariadb-dev-compat': 'libmariadb3',
  'default-libmysqlclient-dev': 'libmariadb3',
  'libjpeg62-turbo-dev': 'libjpeg62-turbo',
  'libjpeg-dev': 'libjpeg62-turbo',
  'libxslt1-dev': 'libxslt1.1',
  'libxml2-dev': 'libxml2',
};

/** `$NAME` / `${NAME}` as a whole word: the variable's name. */
const VARIABLE_WORD = /^\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))$/;
const ASSIGNMENT = /^([A-Za-z_]\w*)=([\s\S]*)$/;

interface Found {
  name: string;
  /** Installed on a Debian image (python:*, not Alpine; debian:*), whose names the generated image shares. */
  debian: boolean;
  image: string;
  /** Installed in a stage the final image is built from (not a builder the final stage only copies from). */
  inRuntimeChain: boolean;
  source: string;
}

/** The stages the final image is made of: the last stage and the stages it is built `FROM`. */
function runtimeChain(stages: DockerStage[]): Set<DockerStage> {
  const chain = new Set<DockerStage>();
  let s: DockerStage | undefined = stages[stages.length - 1];
  while (s && !chain.has(s)) {
    chain.add(s);
    const image = (s.from.getImageName() ?? '').toLowerCase();
    s = stages.find((x) => x.name === image);
  }
  return chain;
}

/** ENV and ARG values (with their defaults) of a stage and the preamble: what `$NAME` in a RUN line reads. */
function variablesOf(instructions: Instruction[], into: Map<string, string>): void {
  for (const ins of instructions) {
    const k = ins.getKeyword();
    if (k !== 'ENV' && k !== 'ARG') continue;
    for (const p of (ins as PropertyInstruction).getProperties()) {
      const v = p.getValue();
      if (v !== null) into.set(p.getName(), v);
    }
  }
}

/** The words of a command after its `NAME=value` prefixes and wrappers (`sudo`, `DEBIAN_FRONTEND=… apt-get`). */
function commandWords(c: SimpleCommand, vars: Map<string, string>): string[] | undefined {
  const words = c.words.map((w) => w.value);
  let i = 0;
  while (i < words.length && ASSIGNMENT.test(words[i])) i++;
  if (i === words.length) {
    // `BUILD_DEPS="gcc libpq-dev"` alone: a shell variable the next commands expand.
    for (const w of words) {
      const m = ASSIGNMENT.exec(w)!;
      vars.set(m[1], m[2]);
    }
    return undefined;
  }
  if (words[i] === 'sudo' || words[i] === 'command') i++;
  return words.slice(i);
}

/** Package operands of `apt-get install …` / `apk add …`: options and their values left out, `$VARS` expanded. */
function operands(args: string[], vars: Map<string, string>, valued: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('-')) {
      if (valued.has(a)) i++;
      continue;
    }
    const v = VARIABLE_WORD.exec(a);
    const words = v ? (vars.get(v[1] ?? v[2]) ?? '').split(/\s+/) : [a];
    for (const w of words) {
      if (!w || w.includes('$') || w.startsWith('-')) continue;
      // `libpq5=15.*`, `pkg/bookworm-backports`: the name (the release and pin belong to the project's base image).
      const name = w.replace(/[=/].*$/, '').replace(/:(?:amd64|arm64|any)$/, '');
      if (DEBIAN_PACKAGE.test(name)) out.push(name);
    }
  }
  return out;
}

const APT_VALUED = new Set(['-o', '-t', '--target-release', '-c', '--config-file']);
const APK_VALUED = new Set(['-t', '--virtual', '-X', '--repository', '-p', '--root', '--arch']);

/** Every package a production Dockerfile installs, and the ones it removes again. */
function readDockerfile(file: LintFile, label: string): { found: Found[]; removed: Set<string> } {
  const df = file.parse(parseDockerfile);
  const found: Found[] = [];
  const removed = new Set<string>();
  const groups = new Map<string, string[]>();
  const chain = runtimeChain(df.stages);
  const preamble = new Map<string, string>();
  variablesOf(df.preamble, preamble);
  const stageVars = new Map<DockerStage, Map<string, string>>();
  /** Stages that added an apt source of their own (PGDG, NodeSource…): what they install after it is not Debian's. */
  const addedSources = new Set<DockerStage>();
  for (const stage of df.stages) {
    if (stage.name && DEV_STAGE.test(stage.name) && !chain.has(stage)) continue;
    if (OTHER_IMAGES.test(baseImageOf(stage, df.stages))) continue;
    const parent = df.stages.find((s) => s !== stage && s.name === (stage.from.getImageName() ?? '').toLowerCase());
    const vars = new Map(parent ? stageVars.get(parent) ?? preamble : preamble);
    stageVars.set(stage, vars);
    if (parent && addedSources.has(parent)) addedSources.add(stage);
    const inChain = chain.has(stage);
    const image = baseImageOf(stage, df.stages);
    const debian = DEBIAN_IMAGES.test(image) && !/alpine/.test(image);
    let at = 0;
    for (const run of runInstructions(file, stage)) {
      // ENV/ARG before this RUN in the same stage.
      const before = stage.instructions.slice(at, stage.instructions.indexOf(run.instruction));
      at = stage.instructions.indexOf(run.instruction) + 1;
      variablesOf(before, vars);
      const local = new Map(vars);
      const source = `${label}:${run.line + 1}`;
      for (const c of run.commands) {
        const words = commandWords(c, local);
        if (!words?.length) continue;
        const prog = words[0].replace(/^.*\//, '');
        if (addsAptSource(prog, words, c)) addedSources.add(stage);
        const thirdParty = addedSources.has(stage);
        if (prog === 'apt-get' || prog === 'apt' || prog === 'aptitude') {
          const verb = words.slice(1).findIndex((w) => !w.startsWith('-'));
          const action = words[verb + 1];
          const rest = words.slice(verb + 2);
          if (action === 'install') {
            for (const name of operands(rest, local, APT_VALUED)) {
              found.push({ name, debian: debian && !thirdParty, image: thirdParty ? `${image} with an apt source it adds` : image, inRuntimeChain: inChain, source });
            }
          }
          else if (action === 'purge' || action === 'remove') for (const name of operands(rest, local, APT_VALUED)) removed.add(name);
        } else if (prog === 'apk') {
          const verb = words.slice(1).findIndex((w) => !w.startsWith('-'));
          const action = words[verb + 1];
          const rest = words.slice(verb + 2);
          if (action === 'add') {
            // `apk add --virtual .build-deps gcc …`: a group the file deletes again after building.
            const vi = rest.findIndex((w) => w === '--virtual' || w === '-t');
            const group = vi >= 0 ? rest[vi + 1] : undefined;
            for (const name of operands(rest, local, APK_VALUED)) {
              found.push({ name, debian: false, image, inRuntimeChain: inChain, source });
              if (group) groups.set(group, [...(groups.get(group) ?? []), name]);
            }
          } else if (action === 'del') {
            for (const name of operands(rest, local, APK_VALUED)) removed.add(name);
            for (const w of rest) for (const member of groups.get(w) ?? []) removed.add(member);
          }
        }
      }
    }
  }
  return { found, removed };
}

/**
 * Whether a command adds an apt source: `add-apt-repository`, `apt-key`, a `deb …` line written out, a path
 * under /etc/apt/sources.list(.d), a `signed-by=` key, or a setup script piped into a shell (NodeSource's
 * `curl … | bash -`). The packages installed after it may come from that source (postgresql-client-14 from
 * PGDG): Debian's archive may not have them, so they are reported, not installed.
 */
function addsAptSource(prog: string, words: string[], c: SimpleCommand): boolean {
  if (prog === 'add-apt-repository' || prog === 'apt-key') return true;
  if ((prog === 'bash' || prog === 'sh') && c.after === '|') return true;
  return words.some((w) => /^deb(?:-src)?\s+\S/.test(w) || /\/etc\/apt\/sources\.list|signed-by=/.test(w));
}

/**
 * The system packages of the project's production Dockerfiles (`label` names each in messages, e.g. its
 * path relative to the project), or undefined when they install none.
 */
export function systemPackagesOf(dockerfiles: Array<{ file: LintFile; label: string }>): SystemPackages | undefined {
  const runtime: string[] = [];
  const build: string[] = [];
  const foreign: string[] = [];
  const where = new Map<string, string>();
  const foreignSources: string[] = [];
  const foreignImages: string[] = [];
  const headersInChain: string[] = [];
  const add = (list: string[], x: string) => (list.includes(x) ? undefined : list.push(x));
  for (const { file, label } of dockerfiles) {
    let read: ReturnType<typeof readDockerfile>;
    try {
      read = readDockerfile(file, label);
    } catch {
      continue; // a Dockerfile that cannot be parsed says nothing
    }
    for (const f of read.found) {
      if (PYTHON_PACKAGES.test(f.name)) continue;
      if (!f.debian) {
        add(foreign, f.name);
        add(foreignSources, f.source);
        add(foreignImages, f.image);
        continue;
      }
      const runs = f.inRuntimeChain && !read.removed.has(f.name) && !BUILD_ONLY.test(f.name);
      // The line that puts it in its stage: a runtime package's runtime-stage line, whatever a builder installed too.
      if (!where.has(f.name) || (runs && !runtime.includes(f.name))) where.set(f.name, f.source);
      if (runs) add(runtime, f.name);
      else add(build, f.name);
      if (f.inRuntimeChain) add(headersInChain, f.name);
    }
  }
  // A header package installed in the image the app runs in (and purged after building) brought its library
  // along: the runtime stage needs that library. A builder stage's headers do not (the project's runtime stage lists its own).
  for (const b of headersInChain) {
    const lib = RUNTIME_OF_DEV[b];
    if (lib && !runtime.includes(lib)) {
      runtime.push(lib);
      where.set(lib, where.get(b)!);
    }
  }
  const buildOnly = build.filter((b) => !runtime.includes(b));
  if (!runtime.length && !buildOnly.length && !foreign.length) return undefined;
  const sourcesOf = (names: string[]) => [...new Set(names.map((n) => where.get(n)!))];
  return { runtime, build: buildOnly, sources: { runtime: sourcesOf(runtime), build: sourcesOf(buildOnly) }, foreign, foreignSources, foreignImages };
}
