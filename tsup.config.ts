import { defineConfig } from 'tsup';

/**
 * One entry per public subpath. Peers stay external so each adapter imports
 * the user's own copy of axios, ky, msw, ioredis or @opentelemetry/api.
 */
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    fetch: 'src/adapters/fetch/index.ts',
    axios: 'src/adapters/axios/index.ts',
    ky: 'src/adapters/ky/index.ts',
    msw: 'src/testing/msw/index.ts',
    otel: 'src/otel/index.ts',
    redis: 'src/redis/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['axios', 'ky', 'msw', 'msw/node', 'msw/browser', 'ioredis', '@opentelemetry/api'],
});
