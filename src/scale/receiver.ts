/**
 * @module scale/receiver
 * The ingest side when analysers are remote: the two ingest endpoints of the analyser's HTTP
 * interface (POST /v1/audit — an audit.k8s.io EventList; POST /v1/events — Vigil's normalised JSON
 * lines or array), decoded with the same source formats as `vigil scan`, published to the bus, and
 * answered 202 only after the bus acknowledged every event. `vigil serve --bus` plugs
 * `publishBody` into its ingest plugin in place of the spool; `vigil receive` serves it alone.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { EventPublisher } from '../bus/bus.js';
import type { VigilEvent } from '../events/model.js';
import { originText, type SourceFormat } from '../sources/format.js';
import { formatNamed } from '../sources/registry.js';

export interface Published {
  accepted: number;
  rejected: number;
  /** The first few reasons, with their place in the body. */
  issues: string[];
}

const MAX_ISSUES = 5;

/** Decodes one request body and publishes its events; bad events are counted, never fatal. */
export async function publishBody(publisher: EventPublisher, format: SourceFormat, body: string, where: string, cluster?: string): Promise<Published> {
  const events: VigilEvent[] = [];
  const out: Published = { accepted: 0, rejected: 0, issues: [] };
  const decoder = format.open(
    {
      event: (e) => events.push(e),
      issue: (i) => {
        out.rejected++;
        if (out.issues.length < MAX_ISSUES) out.issues.push(`${originText(i.origin)}: ${i.reason}`);
      },
    },
    { cluster },
  );
  const trimmed = body.trimStart();
  if (decoder.value && (trimmed.startsWith('{') || trimmed.startsWith('[')) && !trimmed.includes('\n{')) {
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch (error) {
      throw new Error(`body is not valid JSON (${(error as Error).message})`, { cause: error });
    }
    decoder.value(document, { file: where, line: 1 });
  } else {
    body.split('\n').forEach((line, i) => line.trim() && decoder.line(line.replace(/\r$/, ''), { file: where, line: i + 1 }));
  }
  decoder.end();
  await publisher.publish(events);
  out.accepted = events.length;
  return out;
}

export interface ReceiverOptions {
  publisher: EventPublisher;
  /** Bearer token required on every request (none: only on loopback, checked by the caller). */
  token?: string;
  /** Cluster stamped on events that carry none, unless the URL names one (?cluster=). */
  cluster?: string;
  maxBodyBytes?: number;
  log?: (message: string) => void;
}

const ROUTES: Record<string, string> = { '/v1/audit': 'k8s-audit', '/v1/events': 'vigil' };

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function createReceiver(options: ReceiverOptions): Server {
  const limit = options.maxBodyBytes ?? 64 * 1024 * 1024;
  return createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const path = url.pathname;
      // A receiver may serve several clusters' webhooks: the URL names the cluster (?cluster=).
      const cluster = url.searchParams.get('cluster') ?? options.cluster;
      if (req.method === 'GET' && path === '/healthz') return answer(200, { status: 'ok' });
      const format = ROUTES[path] ? formatNamed(ROUTES[path])! : undefined;
      if (!format || req.method !== 'POST') return answer(404, { error: 'not found' });
      if (options.token && req.headers.authorization !== `Bearer ${options.token}`) return answer(401, { error: 'bearer token required' });
      const body = await readBody(req, limit);
      if (body === undefined) return answer(413, { error: `body larger than ${limit} bytes` });
      try {
        const result = await publishBody(options.publisher, format, body, `${path} request`, cluster);
        answer(result.accepted || !result.rejected ? 202 : 400, result);
      } catch (error) {
        const message = (error as Error).message;
        if (message.startsWith('body is not valid JSON')) return answer(400, { error: message });
        options.log?.(`publish failed: ${message}`);
        answer(503, { error: 'the bus did not accept the events; retry' });
      }
    })();
  });
}
