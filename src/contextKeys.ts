import * as vscode from 'vscode';

/**
 * Every when-clause key the extension sets, in one place. The walkthroughs' `onContext` completion
 * events and the menus use these names; a static test checks that each key used there is listed here.
 */
export const contextKeys = {
  /** The workspace has a Python web project Cloudward detected. */
  projectDetected: 'cloudward.projectDetected',
  /** No production start command in the workspace runs a development server (CW101/CW102 clean). */
  noDevServerInProduction: 'cloudward.noDevServerInProduction',
  /** Production settings are clean of CW201-CW204 (DEBUG, SECRET_KEY, ALLOWED_HOSTS). */
  productionSettingsSafe: 'cloudward.productionSettingsSafe',
  hasProcfile: 'cloudward.hasProcfile',
  hasGunicornConfig: 'cloudward.hasGunicornConfig',
  hasUwsgiConfig: 'cloudward.hasUwsgiConfig',
  hasNginxSite: 'cloudward.hasNginxSite',
  hasSystemdUnits: 'cloudward.hasSystemdUnits',
  hasDockerfile: 'cloudward.hasDockerfile',
  hasCompose: 'cloudward.hasCompose',
  hasKubernetes: 'cloudward.hasKubernetes',
  hasPythonVersionFile: 'cloudward.hasPythonVersionFile',
  /** At least one server is configured (settings or SSH config). */
  hasServers: 'cloudward.hasServers',
  /** Django deployment checks ran without security warnings. */
  deployChecksPassed: 'cloudward.deployChecksPassed',
} as const;

export type ContextKey = (typeof contextKeys)[keyof typeof contextKeys];

const current = new Map<ContextKey, unknown>();
const listeners = new Set<(key: ContextKey) => void>();

/** Sets a context key, skipping the round trip when the value is unchanged. */
export function setContext(key: ContextKey, value: unknown): Thenable<unknown> | undefined {
  if (current.get(key) === value) return undefined;
  current.set(key, value);
  const done = vscode.commands.executeCommand('setContext', key, value);
  // After the workbench has the value: the walkthroughs re-check their steps (src/walkthroughs).
  if (listeners.size) void Promise.resolve(done).then(() => listeners.forEach((l) => l(key)));
  return done;
}

/** Called after each change of a key set through setContext. */
export function onDidSetContext(listener: (key: ContextKey) => void): vscode.Disposable {
  listeners.add(listener);
  return new vscode.Disposable(() => listeners.delete(listener));
}

export function getContext(key: ContextKey): unknown {
  return current.get(key);
}
