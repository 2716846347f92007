// The command-line tool's V8 tuning, imported first by src/cli.ts (never by the extension: VS Code's
// extension host is shared and long-lived, and these trade long-run speed for a short run's).
//
// The young generation keeps its initial size. A lint builds large trees that live until the process
// ends (a 1 MB manifest is some 200,000 nodes). V8 grows the young generation up to 16 MB, and each
// scavenge of a large young generation copies the surviving tree again; keeping it at its initial
// size promotes survivors early. Measured on the bench pair (5,000-line settings.py + 1 MB YAML): about
// 12% less wall time (815 → 716 ms median over 15 alternating runs); the same output. V8 reads this
// flag each time it considers growing the young generation, so setting it after start-up takes effect.
//
// The optimising compiler inlines nothing. A lint runs for a fraction of a second: TurboFan's inlined
// graphs took longer to compile (on the second core, which the collector's helpers also want) and
// touched more fresh memory (compiler zones; a page fault costs ~11 µs on these machines) than the
// inlined code gave back. Measured on 2026-12-05, 15 alternating runs each: the bench pair 476 → 418 ms,
// the 1 MB manifest alone 423 → 355 ms, the settings file alone 264 → 249 ms, netbox 401 → 387 ms,
// `examples/` unchanged; the same output. Read when a function is optimised, so setting it now (before
// any is) takes effect.
//
// A Node whose V8 refuses a flag after start-up loses nothing: the defaults apply.
import { setFlagsFromString } from 'v8';

for (const flag of ['--semi-space-growth-factor=1', '--no-turbo-inlining']) {
  try {
    setFlagsFromString(flag);
  } catch {
    // the default for this flag
  }
}
