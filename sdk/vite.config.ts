/**
 * The SDK's bundle (`npm run build:sdk`, also in `npm test`'s build step): sdk/index.ts as one ES
 * module, sdk/dist/weft-sdk.js (git-ignored), unminified so a dapp's own bundler and its
 * developers can read it. Its types come from `tsc -p sdk/tsconfig.build.json` (sdk/dist/types/).
 * The extension's own build (vite.config.ts) is separate.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const sdk = import.meta.dirname;

export default defineConfig({
  root: sdk,
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: resolve(sdk, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: true,
    reportCompressedSize: false,
    lib: { entry: resolve(sdk, 'index.ts'), formats: ['es'], fileName: () => 'weft-sdk.js' },
  },
});
