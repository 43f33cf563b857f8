// Runs the ObjectStore contract against the S3 adapter on moto, minus what moto does not do (see the limits).
import { inject } from 'vitest';
import { describeObjectStoreContract } from './object-store.contract.ts';
import { s3StoresOnMoto } from './object-store-s3-fixture.ts';

describeObjectStoreContract('S3 on moto', () => s3StoresOnMoto(inject('motoSource')), {
  verifiesChecksums: false,
  enforcesCopySourceIfMatch: false,
  listsPartChecksums: false,
  acceptsLineFeedInKeys: false,
  enforcesDeleteIfMatch: false,
});
