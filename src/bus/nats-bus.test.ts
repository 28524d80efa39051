/**
 * The NATS JetStream bus against the bus contract (a fresh stream and buckets per case), plus what
 * only it has: the partition count fixed at stream creation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBusContract } from '../../test/contracts/bus.contract.js';
import { NATS_URL, natsMissing, uniqueName } from '../../test/support/services.js';
import { NatsBus } from './nats-bus.js';

const missing = await natsMissing();

if (missing) {
  test('NATS bus', { skip: missing }, () => undefined);
} else {
  runBusContract('nats', async ({ partitions, ttlMs }) => {
    const stream = uniqueName('VIGIL_TEST');
    const options = { stream, subjectRoot: stream.toLowerCase(), partitions, ttlMs };
    const bus = await NatsBus.open(NATS_URL, options);
    const peers: NatsBus[] = [];
    return {
      bus,
      peer: async () => {
        const peer = await NatsBus.open(NATS_URL, options);
        peers.push(peer);
        return peer;
      },
      cleanup: async () => {
        for (const p of peers) await p.close();
        await bus.destroy();
        await bus.close();
      },
    };
  });

  test('the partition count is fixed when the stream is created', async () => {
    const stream = uniqueName('VIGIL_TEST');
    const bus = await NatsBus.open(NATS_URL, { stream, subjectRoot: stream.toLowerCase(), partitions: 8 });
    try {
      await assert.rejects(NatsBus.open(NATS_URL, { stream, subjectRoot: stream.toLowerCase(), partitions: 4 }), /has 8 partitions, not 4/);
      const agreeing = await NatsBus.open(NATS_URL, { stream, subjectRoot: stream.toLowerCase() });
      assert.equal(agreeing.partitions, 8);
      await agreeing.close();
    } finally {
      await bus.destroy();
      await bus.close();
    }
  });
}
