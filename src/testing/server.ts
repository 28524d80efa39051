/**
 * @module testing/server
 * Helpers for the analyser's tests: a server on a loopback port in a temp data dir, requests
 * with or without the token, EventLists of audit events.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type VigilConfig } from '../config/config.js';
import { startServer, type RunningServer, type ServeOptions } from '../server/server.js';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export interface TestServer extends RunningServer {
  dataDir: string;
  logs: string[];
  /** fetch relative to the server, with the bearer token unless `auth: false`. */
  call(path: string, init?: RequestInit & { auth?: boolean; json?: unknown }): Promise<Response>;
  /** Closes the server and removes its data dir. */
  dispose(): Promise<void>;
}

export async function testServer(
  config: Partial<Omit<VigilConfig, 'server'>> & { server?: Partial<VigilConfig['server']> } = {},
  options: Omit<ServeOptions, 'config'> & { dataDir?: string } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'vigil-serve-'));
  const parsed = configSchema.parse({ ...config, server: { listen: '127.0.0.1:0', token: TEST_TOKEN, dataDir, ...config.server } });
  const logs: string[] = [];
  const server = await startServer({ log: (m) => logs.push(m), ...options, config: parsed });
  return Object.assign(server, {
    dataDir,
    logs,
    call(path: string, init: RequestInit & { auth?: boolean; json?: unknown } = {}) {
      const headers = new Headers(init.headers);
      if (init.auth !== false && !headers.has('authorization')) headers.set('authorization', `Bearer ${TEST_TOKEN}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      return fetch(server.url + path, { ...init, headers, body, redirect: 'manual' });
    },
    async dispose() {
      await server.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export function eventList(items: readonly unknown[]): Record<string, unknown> {
  return { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items };
}
