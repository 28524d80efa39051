/**
 * @module server/plugins/session
 * The dashboard's login: it exchanges the token for a session cookie once, then every dashboard
 * request carries the cookie instead of the token.
 *  - `POST /v1/session` with `{"token": "…"}` (JSON) or `token=…` (a plain HTML form): sets the
 *    cookie; 204 for JSON, 303 to `/` for a form.
 *  - `DELETE /v1/session`: ends it.
 *  - Any `GET …?token=…` (the link `vigil serve` prints): sets the cookie and redirects (303) to
 *    the same address without the token, so it does not stay in the address bar or history.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Auth } from '../auth.js';
import { global, sendError } from './context.js';

const MAX_LOGIN_BODY = 4096;

export const sessionPlugin: FastifyPluginAsync<{ auth: Auth }> = global(async (app, { auth }) => {
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' || !request.url.includes('token=')) return;
    const url = new URL(request.url, 'http://vigil.invalid');
    const token = url.searchParams.get('token');
    if (token === null) return;
    if (!auth.checkToken(token)) return sendError(reply, 401, 'VIGIL_ERR_UNAUTHORIZED', 'the token in this link is not valid');
    url.searchParams.delete('token');
    reply.header('set-cookie', auth.createSession());
    reply.header('cache-control', 'no-store');
    return reply.redirect(url.pathname + url.search, 303);
  });

  app.register(async (login) => {
    login.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: MAX_LOGIN_BODY }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    login.post('/v1/session', { bodyLimit: MAX_LOGIN_BODY }, async (request, reply) => {
      const form = request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ?? false;
      const token = (request.body as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'string' || !auth.checkToken(token)) return sendError(reply, 401, 'VIGIL_ERR_UNAUTHORIZED', 'wrong token');
      reply.header('set-cookie', auth.createSession());
      return form ? reply.redirect('/', 303) : reply.code(204).send();
    });
    login.delete('/v1/session', async (request, reply) => {
      reply.header('set-cookie', auth.endSession(request.headers.cookie));
      return reply.code(204).send();
    });
  });
});
