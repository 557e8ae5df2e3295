// Makes the built CLI executable, so `npx ckpt` runs it.
import { chmodSync } from 'node:fs';
chmodSync(new URL('../dist/cli.js', import.meta.url), 0o755);
