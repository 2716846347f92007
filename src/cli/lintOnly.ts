// `cloudward lint` and `cloudward detect` alone (dist/cli-lint.js): what they load, without the
// generators, the provisioning and deploy scripts and the `yaml` writer the other commands need
// (about half of the full tool). src/cli.ts picks it by the command's name.
export { main } from './main';
/** The command-line process reads each file once: parsed YAML documents are not kept for a next version. */
export { keepYamlDocumentsForReuse } from '../core/lint/parse/yaml';
import './detect';
import './lint';
