import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'examples/**', 'test/fixtures/**', 'test-results/**', 'bench-results/**', '.vscode-test/**', '*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // Type-aware rules: a promise nobody awaits or catches fails silently (an unhandled rejection at best).
    // The project service reads tsconfig.json, which covers src/ and test/.
    // `void` is kept for a promise that cannot reject, with a comment saying why; VS Code's Thenables
    // (messages, setContext) are not checked (checkThenables stays off).
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    // src/core is shared by the extension, the CLI and plain mocha: it must not depend on VS Code.
    files: ['src/core/**/*.ts', 'src/cli.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/core and the CLI must not import vscode: keep VS Code code in src/ outside core.' }] }],
    },
  },
  {
    // Scripts, launchers and probes: plain JavaScript on Node (ESM .mjs, CommonJS .js/.cjs).
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node, ...globals.commonjs } },
  },
  {
    files: ['test/**/*.mjs', 'test/**/*.ts'],
    languageOptions: { globals: { ...globals.mocha } },
  },
  {
    // Code that runs in the page, handed to Playwright's evaluate: browser globals.
    files: ['scripts/workbench.mjs', 'scripts/bench.mjs', 'test/ui/**/*.mjs'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
);
