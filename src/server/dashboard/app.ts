/**
 * @module dashboard/app
 * The dashboard page's entry: picks the view from the address (`/` the overview and list,
 * `/alerts/:id` one alert), keeps it live by asking the API again every few seconds while the
 * tab is visible, and says in the header whether it is up to date.
 */
import { catalog, logout } from './api.js';
import { AlertView } from './alert-view.js';
import { byId, fill, h } from './dom.js';
import { formatTime } from './format.js';
import { ListView } from './list-view.js';

const POLL_MS = 5000;

async function start(): Promise<void> {
  const main = byId('main');
  const live = byId('live');
  byId('logout').addEventListener('click', () => {
    void logout()
      .catch(() => undefined)
      .finally(() => location.assign('/login'));
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => (document.hidden ? schedule() : void update()), POLL_MS);
  };
  const update = async () => {
    clearTimeout(timer);
    try {
      await view.refresh();
      live.className = 'live ok';
      fill(live, h('span', { class: 'dot', attrs: { 'aria-hidden': 'true' } }), `Live · updated ${formatTime(new Date().toISOString()).slice(11)}`);
    } catch (error) {
      live.className = 'live error';
      fill(live, h('span', { class: 'dot', attrs: { 'aria-hidden': 'true' } }), `Not updating: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      schedule();
    }
  };

  const alertPath = /^\/alerts\/([^/]+)$/.exec(location.pathname);
  const view: { refresh(): Promise<void> } = alertPath ? new AlertView(main, decodeURIComponent(alertPath[1]!)) : new ListView(main, await catalog(), () => void update());
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void update();
  });
  await update();
}

start().catch((error: unknown) => {
  fill(byId('main'), h('p', { class: 'error' }, `The dashboard could not start: ${error instanceof Error ? error.message : String(error)}`));
});
