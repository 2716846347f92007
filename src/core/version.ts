// Named imports: the bundler keeps these two fields of package.json, not the whole manifest (36 KB of
// contribution points in every bundle that reports a version).
import { name, version } from '../../package.json';

export const VERSION: string = version;
export const NAME: string = name;
