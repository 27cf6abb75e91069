/**
 * Builds the MV3 extension from one set of sources into two folders:
 *   dist/          Chromium (background.service_worker)
 *   dist-firefox/  Firefox  (background.scripts, browser_specific_settings)
 *
 * Each entry is its own Vite environment because each needs its own output shape:
 *   background  ES module, one file, no dynamic import (MV3 service workers cannot import())
 *   content     classic script (content scripts are not modules), isolated world
 *   inpage      classic script, MAIN world at document_start
 *   popup       HTML page with a module script (preact)
 *   lane        classic script of lane.html (public/), the frame that hands a page's relay its lane
 *
 * `vite build --mode test` writes the test build into dist-test/ (Chromium only): the same
 * extension with the TTM crash harness's failpoints compiled in (`__WEFT_TEST_BUILD__`).
 * The production build compiles them out. WEFT_OUT_DIR builds into another folder (so two
 * builds can run side by side without emptying each other's output).
 *
 * WEFT_DEFAULT_ROUTERS (router multiaddrs separated by commas or whitespace) is the router list
 * the wallet uses until its user saves one (`__WEFT_DEFAULT_ROUTERS__`; `npm start` sets it to the
 * local network's routers). A bad address fails the build. Unset, the build ships no routers.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type EnvironmentOptions } from 'vite';
import { parseDefaultRouters } from './background/routers/default-routers.ts';

const root = import.meta.dirname;
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };

function scriptEnvironment(
  outDir: string,
  name: string,
  entry: string,
  format: 'es' | 'iife',
): EnvironmentOptions {
  return {
    consumer: 'client',
    build: {
      outDir,
      emptyOutDir: false,
      copyPublicDir: false,
      rolldownOptions: {
        input: { [name]: resolve(root, entry) },
        output: { format, entryFileNames: '[name].js', codeSplitting: false },
      },
    },
  };
}

/** The Chromium manifest is the source; Firefox's differs only where the browsers do. */
function writeManifests(outDir: string, firefoxDir: string | null): void {
  const manifest = JSON.parse(readFileSync(resolve(root, 'manifest.json'), 'utf8'));
  manifest.version = pkg.version;
  writeFileSync(resolve(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (!firefoxDir) return;

  rmSync(firefoxDir, { recursive: true, force: true });
  cpSync(outDir, firefoxDir, { recursive: true });
  // Firefox has no externally_connectable for web pages (CAIP-341 is Chromium's here), and its
  // background is no service worker, which the lane frame needs (page-lanes.ts).
  const {
    minimum_chrome_version: _chromeOnly,
    externally_connectable: _pagesChromeOnly,
    web_accessible_resources: _laneChromeOnly,
    ...firefox
  } = manifest;
  for (const file of ['lane.html', 'lane.js']) rmSync(resolve(firefoxDir, file), { force: true });
  firefox.background = { scripts: ['background.js'], type: 'module' };
  firefox.browser_specific_settings = {
    gecko: {
      id: 'wallet@weft.dev',
      // MAIN-world content scripts need 128; data_collection_permissions needs 140.
      strict_min_version: '140.0',
      data_collection_permissions: { required: ['none'] },
    },
    gecko_android: { strict_min_version: '142.0' },
  };
  writeFileSync(resolve(firefoxDir, 'manifest.json'), `${JSON.stringify(firefox, null, 2)}\n`);
}

export default defineConfig(({ mode }) => {
  const testBuild = mode === 'test';
  const outDir = resolve(root, process.env.WEFT_OUT_DIR ?? (testBuild ? 'dist-test' : 'dist'));
  // The test build is for Playwright's Chromium only; Firefox gets the production build.
  const firefoxDir = testBuild ? null : `${outDir}-firefox`;
  // Checked here, before anything is built: a typo must not ship a wallet that cannot connect.
  const defaultRouters = parseDefaultRouters(process.env.WEFT_DEFAULT_ROUTERS);
  return {
    root,
    base: './',
    define: {
      __WEFT_VERSION__: JSON.stringify(pkg.version),
      __WEFT_TEST_BUILD__: JSON.stringify(testBuild),
      __WEFT_DEFAULT_ROUTERS__: JSON.stringify(defaultRouters),
    },
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: {
      outDir,
      target: 'chrome116',
      minify: true,
      sourcemap: false,
      reportCompressedSize: false,
      // The worker is one file by design; its budget (300 kB gzip) is checked by `npm run bench`.
      chunkSizeWarningLimit: 2048,
      modulePreload: false,
    },
    environments: {
      popup: {
        consumer: 'client',
        build: {
          outDir,
          emptyOutDir: true,
          rolldownOptions: { input: { popup: resolve(root, 'popup/index.html') } },
        },
      },
      background: scriptEnvironment(outDir, 'background', 'background/index.ts', 'es'),
      content: scriptEnvironment(outDir, 'content', 'content/relay.ts', 'iife'),
      inpage: scriptEnvironment(outDir, 'inpage', 'content/inpage.ts', 'iife'),
      lane: scriptEnvironment(outDir, 'lane', 'content/lane-frame.ts', 'iife'),
    },
    builder: {
      async buildApp(builder) {
        // popup first: it empties dist/ and copies public/ (icons).
        for (const name of ['popup', 'background', 'content', 'inpage', 'lane']) {
          const environment = builder.environments[name];
          if (!environment) throw new Error(`vite.config.ts: no environment ${name}`);
          await builder.build(environment);
        }
        writeManifests(outDir, firefoxDir);
      },
    },
  };
});
