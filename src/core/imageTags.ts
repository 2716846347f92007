// One table of the image tags Cloudward writes: the generators (Dockerfile, compose) and the lint fix
// that pins a mutable image (CW404) read it, so a generated file and a quick fix never disagree.
// A unit test fails when IMAGE_TAGS_CHECKED is more than a year old: check the tags against each
// image's supported versions (python.org, nginx.org stable, postgresql.org, Debian, Alpine), then bump it.

/** When the tags below were last checked against their projects' supported releases. */
export const IMAGE_TAGS_CHECKED = '2026-12-03';

/** The newest Python the usual web stacks publish wheels for: the suggestion when the project names none. */
export const DEFAULT_PYTHON = '3.13';

/** Current supported tags, by image name (Docker Hub official images). */
export const IMAGE_TAGS = {
  python: `${DEFAULT_PYTHON}-slim`,
  postgres: '17',
  redis: '7.4',
  nginx: '1.28',
  mysql: '8.4',
  mariadb: '11.4',
  memcached: '1.6',
  node: '22-slim',
  alpine: '3.22',
  debian: 'trixie-slim',
  ubuntu: '24.04',
} as const;

export type KnownImage = keyof typeof IMAGE_TAGS;

/** `name:tag`, or `name:tag-alpine` for the small variant (nginx, postgres, redis publish one). */
export function imageRef(name: KnownImage, variant: '' | 'alpine' = ''): string {
  return `${name}:${IMAGE_TAGS[name]}${variant ? `-${variant}` : ''}`;
}

/** The uv image the Dockerfile copies `uv` from (a minor line: patch releases only). */
export const UV_IMAGE = 'ghcr.io/astral-sh/uv:0.9';
