/**
 * @module server/plugins/alerts-api
 * The alerts API (bearer token or dashboard session):
 *  - `GET /v1/alerts?type=&severity=&namespace=&status=&since=&limit=&cursor=` → `{"alerts", "next"}`;
 *    type, severity, namespace and status take comma-separated lists; limit 1–1000 (default 100).
 *  - `GET /v1/alerts/:id`, `PATCH /v1/alerts/:id` `{"status": "resolved"|"dismissed", "by", "reason"}`
 *    (from active only; 409 otherwise).
 *  - `GET /v1/suppressions`, `POST /v1/suppressions` (an exception: type, match, reason, expires?),
 *    `DELETE /v1/suppressions/:id` (rules from vigil.yaml are changed there: 409).
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { exceptionSchema } from '../../alerts/exceptions.js';
import { SEVERITIES } from '../../events/model.js';
import { InvalidCursorError, type AlertFilter } from '../../store/store.js';
import { requireAuth, sendError, type ServerContext } from './context.js';

const list = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .max(4096)
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(item).max(100));

const querySchema = z
  .object({
    type: list(z.string().max(128)).optional(),
    severity: list(z.enum(SEVERITIES as unknown as ['informational', 'low', 'medium', 'high'])).optional(),
    namespace: list(z.string().max(253)).optional(),
    status: list(z.enum(['active', 'resolved', 'dismissed'])).optional(),
    since: z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 time such as 2026-11-20T08:00:00Z')
      .transform((s) => new Date(s).toISOString())
      .optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(200).optional(),
  })
  .strict();

const patchSchema = z
  .object({
    status: z.enum(['resolved', 'dismissed']),
    by: z.string().trim().min(1, 'say who').max(200),
    reason: z.string().trim().min(3, 'say why').max(2000),
  })
  .strict();

const suppressionBody = exceptionSchema.extend({ by: z.string().trim().min(1).max(200) }).strict();

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

export const alertsApiPlugin: FastifyPluginAsync<{ context: ServerContext }> = async (app, { context }) => {
  const { store, suppressions, auth } = context;
  app.addHook('onRequest', requireAuth(auth, { session: true }));

  app.get('/v1/alerts', async (request, reply) => {
    const parsed = querySchema.safeParse(request.query);
    if (!parsed.success) return sendError(reply, 400, 'VIGIL_ERR_QUERY', issues(parsed.error));
    const q = parsed.data;
    const filter: AlertFilter = { types: q.type, severities: q.severity, namespaces: q.namespace, statuses: q.status, since: q.since };
    try {
      return await store.listAlerts(filter, q.limit, q.cursor);
    } catch (error) {
      if (error instanceof InvalidCursorError) return sendError(reply, 400, error.code, error.message);
      throw error;
    }
  });

  app.get<{ Params: { id: string } }>('/v1/alerts/:id', async (request, reply) => {
    const alert = await store.getAlert(request.params.id);
    return alert ?? sendError(reply, 404, 'VIGIL_ERR_NO_ALERT', 'no such alert');
  });

  app.patch<{ Params: { id: string } }>('/v1/alerts/:id', { bodyLimit: 16 * 1024 }, async (request, reply) => {
    const parsed = patchSchema.safeParse(request.body);
    if (!parsed.success) return sendError(reply, 400, 'VIGIL_ERR_BODY', issues(parsed.error));
    const { status, by, reason } = parsed.data;
    const result = await store.transition(request.params.id, ['active'], { status, by, reason, at: new Date().toISOString() });
    if (result.outcome === 'missing') return sendError(reply, 404, 'VIGIL_ERR_NO_ALERT', 'no such alert');
    if (result.outcome === 'conflict') return sendError(reply, 409, 'VIGIL_ERR_STATUS', `the alert is already ${result.alert.status}; only an active alert can be resolved or dismissed`);
    return result.alert;
  });

  app.get('/v1/suppressions', async () => {
    const counts = await store.suppressedCounts();
    const now = Date.now();
    return {
      suppressions: suppressions.list().map((r) => ({
        id: r.id,
        source: r.source,
        ...r.spec,
        expired: r.spec.expires ? r.spec.expires.getTime() <= now : false,
        createdBy: r.createdBy,
        createdAt: r.createdAt,
        suppressed: counts[r.id] ?? 0,
      })),
    };
  });

  app.post('/v1/suppressions', { bodyLimit: 64 * 1024 }, async (request, reply) => {
    const parsed = suppressionBody.safeParse(request.body);
    if (!parsed.success) return sendError(reply, 400, 'VIGIL_ERR_BODY', issues(parsed.error));
    const { by, ...spec } = parsed.data;
    const rule = await suppressions.add(spec, by);
    return reply.code(201).send({ id: rule.id, source: rule.source, ...rule.spec, expired: false, createdBy: rule.createdBy, createdAt: rule.createdAt, suppressed: 0 });
  });

  app.delete<{ Params: { id: string } }>('/v1/suppressions/:id', async (request, reply) => {
    const removed = await suppressions.remove(request.params.id);
    if (removed === 'config') return sendError(reply, 409, 'VIGIL_ERR_CONFIG_RULE', 'this rule comes from vigil.yaml: change it there');
    if (!removed) return sendError(reply, 404, 'VIGIL_ERR_NO_SUPPRESSION', 'no such suppression');
    return reply.code(204).send();
  });
};
