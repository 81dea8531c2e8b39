import { stateStoreContract } from '../../dev/testing/stateStoreContract';
import { MemoryStateStore } from './MemoryStateStore';

describe('MemoryStateStore', () => {
  stateStoreContract(async () => new MemoryStateStore());
});
