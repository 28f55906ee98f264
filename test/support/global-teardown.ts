import { rmSync } from 'node:fs';
import { APP_ASSEMBLY_ENV } from './app-assembly';

export default function globalTeardown(): void {
  const dir = process.env[APP_ASSEMBLY_ENV];
  if (dir && process.env.SWITCHBOARD_TEST_ASSEMBLY_OWNED === '1') rmSync(dir, { recursive: true, force: true });
}
