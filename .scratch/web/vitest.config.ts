import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { include: ['.scratch/web/**/*.test.ts'], pool: 'forks', testTimeout: 60000 } });
