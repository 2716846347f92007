import type * as Yaml from 'yaml';

/**
 * The `yaml` library's stringify, loaded with the first generated YAML file: every command that does not
 * write YAML (`cloudward lint`, `detect`) starts without initialising the library.
 */
export function stringify(value: unknown, options?: Yaml.ToStringOptions & Yaml.DocumentOptions & Yaml.SchemaOptions & Yaml.CreateNodeOptions): string {
  return (require('yaml') as typeof Yaml).stringify(value, options);
}
