/**
 * Builds the extension (`vite build`, both browsers) with a default router list baked in
 * (WEFT_DEFAULT_ROUTERS, see vite.config.ts). `npm start` calls it once the local network is up,
 * with that network's routers, so a new wallet connects without anyone pasting an address.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

export interface BuildOptions {
  /** The routers a wallet uses until its user saves a list (WebSocket multiaddrs with peer ids). */
  defaultRouters: readonly string[];
  /** Where to build (WEFT_OUT_DIR; the Firefox build goes beside it, `<outDir>-firefox`); vite.config.ts's choice unless given. */
  outDir?: string;
}

export class BuildError extends Error {
  override name = 'BuildError';
}

export function buildExtension(options: BuildOptions): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, WEFT_DEFAULT_ROUTERS: options.defaultRouters.join(',') };
  if (options.outDir) env.WEFT_OUT_DIR = options.outDir;
  const vite = resolve(root, 'node_modules', '.bin', 'vite');
  return new Promise((done, fail) => {
    const child = spawn(vite, ['build', '--logLevel', 'warn'], { cwd: root, env, stdio: 'inherit' });
    child.once('error', (error) => fail(new BuildError(`cannot run vite: ${error.message}`)));
    child.once('exit', (code, signal) =>
      code === 0 ? done() : fail(new BuildError(`vite build failed (${signal ?? `exit code ${code}`})`)),
    );
  });
}
