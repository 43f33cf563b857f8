// Runs the ObjectStore contract against the in-memory store: two buckets of one MemoryService.
import { MemoryObjectStore } from '../../worker/src/storage/memory-object-store.ts';
import { MemoryService } from '../../worker/src/storage/memory-service.ts';
import { allChecks, describeObjectStoreContract } from './object-store.contract.ts';

async function memoryStores() {
  const service = new MemoryService();
  const source = new MemoryObjectStore({ bucket: 'source', service });
  const destination = new MemoryObjectStore({ bucket: 'destination', service });
  return {
    source,
    destination,
    seed: async (...args: Parameters<typeof source.seed>) => void source.seed(...args),
  };
}

describeObjectStoreContract('memory', memoryStores, allChecks);
