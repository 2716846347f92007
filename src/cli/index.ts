// Loads every subcommand (each registers itself) and exposes main().
export { main } from './main';
import './servers';
import './detect';
import './generate';
import './lint';
import './provision';
import './deploy';
import './choose';
import './verify';
