/**
 * @module dashboard/login
 * The login page's script: sends the token once to `POST /v1/session` (which answers with the
 * HttpOnly session cookie) and goes on to where the user was headed, on this site only. Without
 * JavaScript the form posts the same token as a plain form and the server redirects to `/`.
 */
import { byId } from './dom.js';

/** `?next=` only when it stays on this origin (no open redirect). */
function nextPage(): string {
  const next = new URLSearchParams(location.search).get('next');
  if (!next?.startsWith('/')) return '/';
  const url = new URL(next, location.origin);
  return url.origin === location.origin ? url.pathname + url.search : '/';
}

const form = byId<HTMLFormElement>('login');
const token = byId<HTMLInputElement>('token');
const message = byId('message');

form.addEventListener('submit', (event) => {
  event.preventDefault();
  message.textContent = '';
  void fetch('/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ token: token.value.trim() }),
    credentials: 'same-origin',
  })
    .then((response) => {
      if (response.ok) return location.replace(nextPage());
      message.textContent = response.status === 401 ? 'That token is not right.' : `Could not log in (HTTP ${response.status}).`;
      token.select();
    })
    .catch((error: unknown) => {
      message.textContent = `Could not reach Vigil: ${error instanceof Error ? error.message : String(error)}`;
    });
});
