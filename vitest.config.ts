import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Integration files each start their own dbus-daemon and gnome-keyring; two at a time suits a 2-core runner.
    maxWorkers: 2,
    // The soak test compares heap sizes after a forced collection.
    execArgv: ['--expose-gc'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
