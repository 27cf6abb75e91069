/**
 * `web-ext lint` on dist-firefox/, quietly: one summary line, one line per warning,
 * every detail of an error (and a non-zero exit) on failure.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

interface Finding {
  code: string;
  message: string;
  description?: string;
  file?: string;
  line?: number;
}

const root = resolve(import.meta.dirname, '..');
const run = spawnSync(
  'npx',
  ['web-ext', 'lint', '--source-dir', resolve(root, 'dist-firefox'), '--self-hosted', '--output', 'json'],
  { cwd: root, encoding: 'utf8' },
);
let report: { errors: Finding[]; warnings: Finding[]; notices: Finding[] };
try {
  report = JSON.parse(run.stdout);
} catch {
  console.error(`web-ext lint did not produce a report (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  process.exit(1);
}
const where = (f: Finding) => (f.file ? ` ${f.file}${f.line ? `:${f.line}` : ''}` : '');
for (const e of report.errors)
  console.error(`ERROR ${e.code}${where(e)}: ${e.message}\n  ${e.description ?? ''}`);
// Known warning: preact's DOM diff assigns innerHTML for dangerouslySetInnerHTML, which Weft never uses.
for (const w of report.warnings) console.log(`  warning ${w.code}${where(w)}: ${w.message}`);
console.log(
  `firefox-lint: ${report.errors.length} errors, ${report.warnings.length} warnings, ${report.notices.length} notices`,
);
process.exit(report.errors.length === 0 && run.status === 0 ? 0 : 1);
