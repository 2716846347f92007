// Production secrets (the app's environment: DATABASE_URL, SECRET_KEY, …) kept in VS Code's SecretStorage for
// "Provision Server…", which sends them to the server on stdin. Free of `vscode` at run time (types only) so that
// plain mocha tests it.
import type { SecretStorage } from 'vscode';
import type { ServerSpec } from '../../core/ssh/types';

const PREFIX = 'cloudward.productionEnv';

/**
 * The key of an app's production secrets on one server: what the secrets are sent to (`user@host:port` as the
 * server entry gives them, and the app), never the entry's display name alone, so that an entry renamed, or
 * a new entry given an old entry's name but another host, never receives secrets kept for another machine
 * (security review S8, for production secrets as for login secrets). JSON-encoded: no host, user or app name
 * can collide with another's key.
 */
export function productionSecretsKey(spec: Pick<ServerSpec, 'host' | 'port' | 'user'>, app: string): string {
  return `${PREFIX}:${JSON.stringify([spec.user ?? '', spec.host, spec.port ?? 22, app])}`;
}

/** The first format, keyed by display name: read once to move it, never written. */
function legacyKey(serverName: string, app: string): string {
  return `${PREFIX}/${serverName}/${app}`;
}

function parse(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

export class ProductionSecrets {
  constructor(private readonly secrets: Pick<SecretStorage, 'get' | 'store' | 'delete'>) {}

  /**
   * The app's secrets for this server. Secrets kept under the display name (the first format) move once to
   * the key of the host this entry names now, and the old key is deleted.
   */
  async get(spec: Pick<ServerSpec, 'name' | 'host' | 'port' | 'user'>, app: string): Promise<Record<string, string>> {
    const key = productionSecretsKey(spec, app);
    const raw = await this.secrets.get(key);
    if (raw !== undefined) return parse(raw);
    const old = await this.secrets.get(legacyKey(spec.name, app));
    if (old === undefined) return {};
    await this.secrets.store(key, old);
    await this.secrets.delete(legacyKey(spec.name, app));
    return parse(old);
  }

  /** Sets one secret of the app on this server, keeping the others. */
  async set(spec: Pick<ServerSpec, 'name' | 'host' | 'port' | 'user'>, app: string, name: string, value: string): Promise<void> {
    const all = await this.get(spec, app);
    all[name] = value;
    await this.secrets.store(productionSecretsKey(spec, app), JSON.stringify(all));
  }
}
