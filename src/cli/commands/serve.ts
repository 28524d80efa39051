/**
 * @module cli/commands/serve
 * `vigil serve`: the analyser. Settings come from the flags, then VIGIL_* variables, then
 * vigil.yaml (`server:`), then the defaults. Prints the address and the dashboard login link,
 * runs until SIGTERM/SIGINT, then stops cleanly (queue drained, open alerts saved, outputs flushed).
 */
import type { Command } from 'commander';
import { loadConfig, type VigilConfig } from '../../config/config.js';
import { loadKubeConfig } from '../../sources/kubernetes-api/reader.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { EXIT_OK, EXIT_USAGE } from '../main.js';

interface ServeFlags {
  listen?: string;
  dataDir?: string;
  token?: string;
  store?: string;
  tlsCert?: string;
  tlsKey?: string;
  config?: string;
  rules?: string;
  watchCluster?: boolean;
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
  /** false with --no-auth. */
  auth: boolean;
}

export function registerServe(program: Command, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('the analyser: receives audit webhooks and agents\' events, stores alerts, serves the API')
    .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:8080)')
    .option('--data-dir <dir>', 'embedded store (SQLite) and learned state (default ./vigil-data)')
    .option('--token <token>', 'bearer token for the API and ingest (or env VIGIL_TOKEN)')
    .option('--store <store>', 'sqlite (default, in --data-dir) or postgres://… (several analysers, one store)')
    .option('--tls-cert <file>', 'TLS certificate (PEM)')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--config <file>', 'vigil.yaml: server, outputs, suppressions, detection settings')
    .option('--rules <dir>', 'a folder of user rules (docs/rules.md), reloaded on change without a restart')
    .option('--watch-cluster', "watch the cluster's objects through the Kubernetes API (read-only RBAC: docs/clouds.md)")
    .option('--kubeconfig <file>', 'with --watch-cluster: kubeconfig file (default $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'with --watch-cluster: kubeconfig context')
    .option('--in-cluster', "with --watch-cluster: the pod's service account")
    .option('--no-auth', 'serve without a token (only when listening on loopback)')
    .action(async (flags: ServeFlags) => setExit(await runServe(flags)));
}

/** The configuration with the command line's flags on top. */
export function serveConfig(flags: ServeFlags, env: NodeJS.ProcessEnv): VigilConfig {
  const config = loadConfig(flags.config, env);
  const s = config.server;
  if (flags.listen !== undefined) s.listen = flags.listen;
  if (flags.dataDir !== undefined) s.dataDir = flags.dataDir;
  if (flags.token !== undefined) s.token = flags.token;
  if (flags.store !== undefined) s.store = flags.store;
  if (flags.tlsCert !== undefined) s.tlsCert = flags.tlsCert;
  if (flags.tlsKey !== undefined) s.tlsKey = flags.tlsKey;
  if (flags.auth === false) s.noAuth = true;
  if (s.token !== undefined && s.token.length < 16) throw new Error('the token must have at least 16 characters');
  return config;
}

/** Resolves on the first SIGTERM or SIGINT. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

async function runServe(flags: ServeFlags): Promise<number> {
  let server: RunningServer;
  try {
    const watchCluster = flags.watchCluster ? { kubeConfig: loadKubeConfig({ file: flags.kubeconfig, context: flags.context, inCluster: flags.inCluster }) } : undefined;
    server = await startServer({ config: serveConfig(flags, process.env), rulesDir: flags.rules, watchCluster });
  } catch (error) {
    process.stderr.write(`vigil serve: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
  process.stderr.write(`vigil serve: API at ${server.url}/v1/  (dashboard login: ${server.loginUrl})\n`);
  const signal = await untilSignal();
  process.stderr.write(`vigil serve: ${signal}: stopping\n`);
  await server.close();
  process.stderr.write('vigil serve: stopped\n');
  return EXIT_OK;
}
