/** The in-process bus against the bus contract. */
import { runBusContract } from '../../test/contracts/bus.contract.js';
import { MemoryBus } from './memory-bus.js';

runBusContract('in-process', async ({ partitions, ttlMs }) => {
  const bus = new MemoryBus(partitions, { ttlMs });
  // A peer in one process is the same bus: it shares the log and the leases.
  return { bus, peer: async () => bus, cleanup: () => bus.close() };
});
