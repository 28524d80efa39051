/**
 * @module agent/metrics
 * What the agent counts, for Prometheus (`vigil agent --metrics HOST:PORT`, GET /metrics): events
 * by source and kind, records it could not decode, what the kernel or a source reported lost, and
 * the shipper's sent, spooled and dropped events — so that a drop is visible where people look.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import type { VigilEvent } from '../events/model.js';
import { parseListen } from '../server/server.js';
import type { ShipperStats } from './shipper.js';

export class AgentMetrics {
  readonly registry = new Registry();
  private readonly events: Counter<'source' | 'kind'>;
  private readonly issues: Counter<'source'>;
  private readonly lost: Counter<'reason'>;
  private server: Server | undefined;

  constructor(shipper?: () => ShipperStats) {
    const registers = [this.registry];
    this.events = new Counter({ name: 'vigil_agent_events_total', help: 'Events read from node sources, by source and kind', labelNames: ['source', 'kind'], registers });
    this.issues = new Counter({ name: 'vigil_agent_undecodable_records_total', help: 'Records a source could not decode', labelNames: ['source'], registers });
    this.lost = new Counter({ name: 'vigil_agent_lost_events_total', help: 'Events lost before Vigil saw them or while shipping (kernel audit lost, spool full, Tetragon rate limit…), by reason', labelNames: ['reason'], registers });
    if (shipper) {
      const gauge = (name: string, help: string, read: (s: ShipperStats) => number) =>
        new Gauge({ name, help, registers, collect() {
          this.set(read(shipper()));
        } });
      gauge('vigil_agent_shipped_events', 'Events the analyser accepted since start', (s) => s.sent);
      gauge('vigil_agent_spool_bytes', 'Bytes waiting in the spool for the analyser', (s) => s.spoolBytes);
      gauge('vigil_agent_spool_dropped_events', 'Events dropped since start because the spool was full', (s) => s.dropped);
      gauge('vigil_agent_ship_failures', 'Failed deliveries to the analyser since start', (s) => s.failures);
    }
  }

  event(event: VigilEvent): void {
    this.events.inc({ source: event.source, kind: event.kind });
    if (event.kind === 'pipeline.loss') this.lost.inc({ reason: event.reason }, event.count);
  }

  issue(source: string): void {
    this.issues.inc({ source });
  }

  async listen(listen: string): Promise<string> {
    const { host, port } = parseListen(listen);
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (error: Error) => res.writeHead(500).end(error.message),
      );
    });
    this.server.listen(port, host);
    await once(this.server, 'listening');
    const address = this.server.address() as AddressInfo;
    return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/metrics`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.close();
    await once(this.server, 'close');
  }
}
