/**
 * @module cli/commands/demo
 * `vigil demo`: the analyser on a temporary store with a fresh token, fed the bundled attack story
 * (examples/attack-story: audit events and node events) through its real ingest endpoints, as a
 * cluster and its agents would send them. Prints what was raised and the dashboard's login link,
 * then serves until SIGTERM/SIGINT and removes the temporary store.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { configSchema } from '../../config/config.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { packageRoot } from '../../util/paths.js';
import { EXIT_OK, EXIT_USAGE } from '../main.js';
import { untilSignal } from './serve.js';

/** Events per EventList, as an API server's webhook backend batches them. */
const BATCH = 400;
const MAX_RETRIES = 20;

export const STORY_DIR = join(packageRoot(), 'examples', 'attack-story');

async function post(url: string, token: string, contentType: string, body: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const r = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body });
    const text = await r.text();
    if (r.ok) return;
    // 429/503 mean "keep it and retry", as a real sender does.
    if ((r.status === 429 || r.status === 503) && attempt < MAX_RETRIES) {
      await new Promise((resolve) => setTimeout(resolve, Number(r.headers.get('retry-after') ?? 1) * 1000));
      continue;
    }
    throw new Error(`POST ${new URL(url).pathname}: HTTP ${r.status} ${text.slice(0, 300)}`);
  }
}

/** Sends the story to an analyser: audit events as EventLists, node events as JSON lines. */
export async function replayStory(baseUrl: string, token: string, dir = STORY_DIR): Promise<{ audit: number; node: number }> {
  const audit = readFileSync(join(dir, 'audit.log'), 'utf8').split('\n').filter((l) => l.trim());
  for (let i = 0; i < audit.length; i += BATCH) {
    const items = audit.slice(i, i + BATCH).join(',');
    await post(`${baseUrl}/v1/audit`, token, 'application/json', `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${items}]}`);
  }
  const node = readFileSync(join(dir, 'node-events.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
  if (node.length) await post(`${baseUrl}/v1/events`, token, 'application/x-ndjson', node.join('\n'));
  return { audit: audit.length, node: node.length };
}

export function registerDemo(program: Command, setExit: (code: number) => void): void {
  program
    .command('demo')
    .description('serve on a temporary store, replay a bundled attack story, print the dashboard link')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8080')
    .action(async (flags: { listen: string }) => setExit(await runDemo(flags.listen)));
}

async function runDemo(listen: string): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
  const token = randomBytes(24).toString('base64url');
  const out = (line: string) => process.stdout.write(line + '\n');
  let server: RunningServer | undefined;
  try {
    server = await startServer({ config: configSchema.parse({ server: { listen, dataDir, token } }), log: (m) => process.stderr.write(`vigil demo: ${m}\n`) });
    const sent = await replayStory(server.url, token);
    await server.settle();
    const { alerts } = await server.store.listAlerts({}, 1000);
    const bySeverity = new Map<string, number>();
    for (const a of alerts) bySeverity.set(a.severity, (bySeverity.get(a.severity) ?? 0) + 1);
    out(`Replayed the attack story: ${sent.audit} audit events to POST /v1/audit, ${sent.node} node events to POST /v1/events.`);
    out(`${alerts.length} alert(s): ${['high', 'medium', 'low', 'informational'].filter((s) => bySeverity.has(s)).map((s) => `${bySeverity.get(s)} ${s}`).join(', ') || 'none'}`);
    for (const a of [...alerts].reverse()) out(`  ${a.severity.padEnd(13)} ${a.type}  ${a.title}`);
    out('');
    out(`Dashboard: ${server.loginUrl}`);
    out(`API:       curl -H 'Authorization: Bearer ${token}' ${server.url}/v1/alerts`);
    out('Press Ctrl-C to stop (the temporary store is deleted).');
  } catch (error) {
    process.stderr.write(`vigil demo: ${(error as Error).message}\n`);
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
    return EXIT_USAGE;
  }
  await untilSignal();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
  return EXIT_OK;
}
