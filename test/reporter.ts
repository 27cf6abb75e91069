/**
 * Quiet node:test reporter: prints nothing for passing tests, everything about a
 * failing one (name, file:line, error and stack), then one closing line
 * `LAYER: N passed, N failed, N skipped`.
 * Usage: node --test --test-reporter=./test/reporter.ts ...  (layer name from WEFT_TEST_LAYER)
 */
import { inspect } from 'node:util';

interface TestEventData {
  name: string;
  nesting: number;
  file?: string;
  line?: number;
  skip?: boolean | string;
  todo?: boolean | string;
  details: { type?: string; error?: unknown; duration_ms?: number };
}

interface TestEvent {
  type: string;
  data: TestEventData;
}

export default async function* reporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    const { type, data } = event;
    if (type === 'test:pass') {
      if (data.details.type === 'suite') continue;
      if (data.skip || data.todo) skipped++;
      else passed++;
    } else if (type === 'test:fail') {
      if (data.details.type === 'suite' && isCascade(data.details.error)) continue;
      failed++;
      const where = data.file ? `${data.file}${data.line ? `:${data.line}` : ''}` : '';
      yield `\nFAIL ${data.name}  ${where}\n${indent(describe(data.details.error))}\n`;
    }
    // Everything else (stdout/stderr of tests, diagnostics) stays hidden: failures carry their own error.
  }
  const layer = process.env.WEFT_TEST_LAYER ?? 'tests';
  yield `${layer}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}

/** A suite fails when one of its tests did; that test was reported already. */
function isCascade(error: unknown): boolean {
  return (error as { failureType?: string } | undefined)?.failureType === 'subtestsFailed';
}

function describe(error: unknown): string {
  const cause = (error as { cause?: unknown } | undefined)?.cause ?? error;
  return inspect(cause, { depth: 6, colors: false });
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
