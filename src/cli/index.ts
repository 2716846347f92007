// Loads every subcommand (each registers itself) and exposes main().
export { main } from './main';
