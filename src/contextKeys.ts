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

/** Sets a context key, skipping the round trip when the value is unchanged. */
export function setContext(key: ContextKey, value: unknown): Thenable<unknown> | undefined {
  if (current.get(key) === value) return undefined;
  current.set(key, value);
  return vscode.commands.executeCommand('setContext', key, value);
}

export function getContext(key: ContextKey): unknown {
  return current.get(key);
}
