// Runs the same integration suite in a desktop VS Code through @vscode/test-electron, for machines
// that have one or can download one (this one cannot: use scripts/test-vscode.mjs, the default).
//   npm run test:electron            downloads VS Code (needs the internet)
//   VSCODE_EXECUTABLE=/path/to/code npm run test:electron
import { runTests } from '@vscode/test-electron';
import { join } from 'node:path';
import { copyExample, repoRoot } from '../../scripts/workbench.mjs';

const workspace = copyExample();
try {
  const code = await runTests({
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: join(repoRoot, 'out', 'test', 'integration', 'index.js'),
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { CLOUDWARD_TEST: '1', CLOUDWARD_TEST_GREP: process.env.CLOUDWARD_TEST_GREP || '' },
  });
  process.exit(code);
} catch (e) {
  console.error(`test-electron failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
