// A test that needs a tool of this machine (nginx, gunicorn, sshd, systemd-analyze, Django, …).
// Outside CI a missing tool skips the test with one line saying what and why; under CI (env CI set) it is a
// failure that names the tool, so that a missing install step can never pass as a green run.
// `npm test` installs the Debian packages the tests need (scripts/prereqs.mjs) when it runs as root.

/** Passes when `present`; otherwise skips (outside CI) or fails (CI) with `what` and how to install it. */
export function needTool(ctx: Mocha.Context, present: boolean, what: string, install = 'node scripts/prereqs.mjs'): void {
  if (present) return;
  const why = `${what} is missing (install: ${install})`;
  if (process.env.CI) throw new Error(`CI: ${why}; under CI a missing tool fails the test instead of skipping it`);
  console.log(`      skipped: ${why}`);
  ctx.skip();
}
