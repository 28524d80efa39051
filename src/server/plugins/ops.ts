/**
 * @module server/plugins/ops
 * For operators and orchestrators: `GET /metrics` (Prometheus; bearer token or session, it tells
 * an attacker what is watched), `GET /healthz` (the process answers) and `GET /readyz` (ingest is
 * accepting: started, recovered, queue not full) without auth, saying nothing sensitive.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireAuth, type ServerContext } from './context.js';

export const opsPlugin: FastifyPluginAsync<{ context: ServerContext }> = async (app, { context }) => {
  const { metrics, pipeline, auth } = context;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = pipeline.ready && !pipeline.saturated;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', queue: pipeline.depth });
  });
  app.register(async (scoped) => {
    scoped.addHook('onRequest', requireAuth(auth, { session: true }));
    scoped.get('/metrics', async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  });
};
