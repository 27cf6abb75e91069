/**
 * The demo dapp's bundle (`npm run build:demo`; `npm start` and `npm test`'s build step run it):
 * demo/dapp.ts with Weft's SDK and ethers, as one ES module in demo/build/ (git-ignored), which
 * demo/index.html loads and the demo server serves with the rest of demo/. The extension's own
 * build (vite.config.ts) is separate.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const demo = import.meta.dirname;
const root = resolve(demo, '..');

export default defineConfig({
  root: demo,
  publicDir: false,
  logLevel: 'warn',
  // As a dapp would import it from its package (tsconfig.json maps the name the same way).
  resolve: { alias: { '@weft/sdk': resolve(root, 'sdk/index.ts') } },
  build: {
    outDir: resolve(demo, 'build'),
    // Overwritten in place (fixed names): a demo server running meanwhile never finds it missing.
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: true,
    reportCompressedSize: false,
    modulePreload: false,
    rolldownOptions: {
      input: { dapp: resolve(demo, 'dapp.ts') },
      output: { format: 'es', entryFileNames: '[name].js', codeSplitting: false },
    },
  },
});
