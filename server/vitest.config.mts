import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests share one PostgreSQL database and one Redis: run files one after another.
    fileParallelism: false,
    testTimeout: 60_000,
    // expect.poll waits this long by default (1 s is too short for a browser page on a loaded CI machine)
    expect: { poll: { timeout: 15_000, interval: 100 } },
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
