/** Replaced at build time by vite.config.ts `define` with package.json's version. */
declare const __WEFT_VERSION__: string;
/** True in the test build (`vite build --mode test`, dist-test/): TTM failpoints compiled in. */
declare const __WEFT_TEST_BUILD__: boolean;
