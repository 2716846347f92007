// The connection cache: one ServerConnection per server name, replaced when the server's settings change.
import { ServerConnection } from './connection';
import type { ServerSpec, Snapshot, SshPoolOptions } from './types';

function sameSpec(a: ServerSpec, b: ServerSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class SshPool {
  private readonly connections = new Map<string, ServerConnection>();

  constructor(readonly options: SshPoolOptions) {}

  /** The cached connection of a server (created on first use; not connected until used). */
  get(spec: ServerSpec): ServerConnection {
    const existing = this.connections.get(spec.name);
    if (existing && sameSpec(existing.spec, spec)) return existing;
    existing?.dispose();
    const c = new ServerConnection({ ...spec }, this.options);
    this.connections.set(spec.name, c);
    return c;
  }

  /** The cached connection by name, if any. */
  find(name: string): ServerConnection | undefined {
    return this.connections.get(name);
  }

  /** Closes and forgets a server's connection (e.g. when it is removed). */
  drop(name: string): void {
    this.connections.get(name)?.dispose();
    this.connections.delete(name);
  }

  /**
   * Snapshots many servers, at most `concurrency` at once; `onResult` is called as each one finishes
   * (so a view can update per server). Never rejects: failures come back as errors.
   */
  async snapshotAll(
    specs: readonly ServerSpec[],
    concurrency = 6,
    onResult?: (spec: ServerSpec, result: Snapshot | Error) => void,
  ): Promise<Map<string, Snapshot | Error>> {
    const results = new Map<string, Snapshot | Error>();
    let next = 0;
    const worker = async () => {
      while (next < specs.length) {
        const spec = specs[next++];
        let r: Snapshot | Error;
        try {
          r = await this.get(spec).snapshot();
        } catch (e) {
          r = e instanceof Error ? e : new Error(String(e));
        }
        results.set(spec.name, r);
        onResult?.(spec, r);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, specs.length)) }, worker));
    return results;
  }

  dispose(): void {
    for (const c of this.connections.values()) c.dispose();
    this.connections.clear();
  }
}
