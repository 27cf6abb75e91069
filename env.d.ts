/** Replaced at build time by vite.config.ts `define` with package.json's version. */
declare const __WEFT_VERSION__: string;
/** True in the test build (`vite build --mode test`, dist-test/): TTM failpoints compiled in. */
declare const __WEFT_TEST_BUILD__: boolean;
/**
 * The router list the build ships with (vite.config.ts: `WEFT_DEFAULT_ROUTERS`, validated at build
 * time; `npm start` sets it to the local network's routers). Empty when the build had none.
 */
declare const __WEFT_DEFAULT_ROUTERS__: readonly string[];
