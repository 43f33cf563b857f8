// Runs the ObjectStore contract against the in-memory store: two buckets of one MemoryService.

import { MemoryObjectStore } from '../../worker/src/storage/memory-object-store.ts';
import { MemoryService } from '../../worker/src/storage/memory-service.ts';
import { describeObjectStoreContract } from './object-store.contract.ts';

describeObjectStoreContract(
  'memory',
  async () => {
    const service = new MemoryService();
    const source = new MemoryObjectStore({ bucket: 'source', service });
    const destination = new MemoryObjectStore({ bucket: 'destination', service });
    return {
      source,
      destination,
      seed: async (key, bytes, metadata) => void source.seed(key, bytes, metadata),
    };
  },
  { verifiesChecksums: true, enforcesCopySourceIfMatch: true, listsPartChecksums: true },
);
