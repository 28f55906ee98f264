// Jest's unit project runs this before each file, so the synth helpers refuse to run there.
import { TEST_TIER_ENV } from './test-tier';

process.env[TEST_TIER_ENV] = 'unit';
