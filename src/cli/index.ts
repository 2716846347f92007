// Loads every subcommand (each registers itself) and exposes main().
export { main } from './main';
/** The command-line process reads each file once: parsed YAML documents are not kept for a next version. */
export { keepYamlDocumentsForReuse } from '../core/lint/parse/yaml';
import './servers';
import './detect';
import './generate';
import './lint';
import './provision';
import './deploy';
import './choose';
import './verify';
