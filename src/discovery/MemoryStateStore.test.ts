import { stateStoreContract } from '../../dev/testing/stateStoreContract';
import { stateStoreStatusContract } from '../../dev/testing/stateStoreStatusContract';
import { MemoryStateStore } from './MemoryStateStore';

describe('MemoryStateStore', () => {
  stateStoreContract(async () => new MemoryStateStore());
  stateStoreStatusContract(async () => new MemoryStateStore());
});
