/**
 * @module server/plugins/ingest
 * One ingest route per source format: `POST /v1/audit` (the API server's audit webhook backend,
 * an EventList per request) and `POST /v1/events` (agents' normalised events, a JSON array or
 * JSON lines). Its own body limit (batches of ~1 MB and more) and its own auth policy (the bearer
 * token only). 200 once the batch is in the spool; 429/503 with Retry-After when it cannot be
 * kept, so the sender retries instead of losing it; 400 when nothing in the body decodes.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { SourceFormat } from '../../sources/format.js';
import { BodyError } from '../pipeline.js';
import { requireAuth, sendError, type ServerContext } from './context.js';

export interface IngestRouteOptions {
  context: ServerContext;
  path: string;
  format: SourceFormat;
}

interface RawBody {
  framing: 'json' | 'lines';
  text: string;
}

const LINE_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/json-lines', 'application/x-jsonlines', 'text/plain'];

export const ingestPlugin: FastifyPluginAsync<IngestRouteOptions> = async (app, { context, path, format }) => {
  const { pipeline, metrics, maxBodyBytes, auth } = context;
  const source = format.name;
  // The body is kept as text: it is what the spool stores, and the format's decoder parses it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: maxBodyBytes }, (_request, text, done) => done(null, { framing: 'json', text: String(text) } satisfies RawBody));
  app.addContentTypeParser(LINE_TYPES, { parseAs: 'string', bodyLimit: maxBodyBytes }, (_request, text, done) => done(null, { framing: 'lines', text: String(text) } satisfies RawBody));
  app.addHook('onRequest', requireAuth(auth, { session: false }));
  app.addHook('onResponse', async (_request, reply) => {
    metrics.ingestLatency.observe({ source }, reply.elapsedTime / 1000);
  });

  app.post(path, { bodyLimit: maxBodyBytes }, async (request, reply) => {
    const body = request.body as RawBody | undefined;
    if (!body) return sendError(reply, 400, 'VIGIL_ERR_BODY', 'empty body');
    let result;
    try {
      result = await pipeline.accept(format, body.framing, body.text, path);
    } catch (error) {
      if (error instanceof BodyError) {
        metrics.eventsRejected.inc({ source });
        return sendError(reply, 400, error.code, error.message);
      }
      throw error;
    }
    switch (result.outcome) {
      case 'accepted':
        return { accepted: result.decoded.events.length, rejected: result.decoded.rejected, errors: result.decoded.issues };
      case 'invalid':
        return sendError(reply, 400, 'VIGIL_ERR_NO_VALID_EVENTS', `none of the ${result.decoded.rejected} event(s) could be read as ${source}`, result.decoded.issues);
      case 'full':
        reply.header('retry-after', '1');
        return sendError(reply, 429, 'VIGIL_ERR_QUEUE_FULL', `the detection queue is full; ${result.events} event(s) not accepted, retry later`);
      case 'unavailable':
        reply.header('retry-after', '5');
        return sendError(reply, 503, 'VIGIL_ERR_UNAVAILABLE', `not accepting events: ${result.reason}`);
    }
  });
};
