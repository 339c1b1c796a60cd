import { defineConfig } from 'vitest/config';

/** `npm run chaos` and `npm run fuzz`: long fault and bad-input runs, one file each, outside the default suite. */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.run.ts'],
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
