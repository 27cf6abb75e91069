/**
 * What a site asks a grant to cover, what the approval shows, and the user's choice: the
 * user may untick records and fields and shorten the duration, never widen any of them.
 * The check runs in the worker when the popup answers (a choice that widens is refused
 * and the approval keeps waiting), so a faulty popup cannot sign more than was asked.
 */
import type { UncheckedChoice } from '../approvals/approval-queue.ts';

/** Shortest grant the wallet signs: a read needs a little time to reach the chain. */
export const MIN_GRANT_SECONDS = 60;
/** Longest: a year; a site that needs longer asks again. */
export const MAX_GRANT_SECONDS = 365 * 24 * 3600;

export interface GrantScope {
  records: string[];
  /** Empty means every field of the records. */
  fields: string[];
  durationSeconds: number;
}

export class GrantChoiceError extends Error {
  override name = 'GrantChoiceError';
}

/** The choice the popup sent, checked against what was asked; throws `GrantChoiceError`. */
export function checkGrantChoice(asked: GrantScope, choice: UncheckedChoice): GrantScope {
  const records = choice.records ?? asked.records;
  const fields = choice.fields ?? asked.fields;
  const durationSeconds = choice.durationSeconds ?? asked.durationSeconds;
  if (!isStringList(records) || !isStringList(fields)) {
    throw new GrantChoiceError('records and fields must be lists of names');
  }
  if (records.length === 0) throw new GrantChoiceError('Choose at least one record');
  const extraRecord = records.find((r) => !asked.records.includes(r));
  if (extraRecord !== undefined) throw new GrantChoiceError(`The site did not ask for record ${extraRecord}`);
  if (asked.fields.length > 0) {
    // No fields would mean every field: wider than what was asked.
    if (fields.length === 0) throw new GrantChoiceError('Choose at least one field');
    const extraField = fields.find((f) => !asked.fields.includes(f));
    if (extraField !== undefined) throw new GrantChoiceError(`The site did not ask for field ${extraField}`);
  }
  if (
    typeof durationSeconds !== 'number' ||
    !Number.isSafeInteger(durationSeconds) ||
    durationSeconds < MIN_GRANT_SECONDS ||
    durationSeconds > asked.durationSeconds
  ) {
    throw new GrantChoiceError(
      `The duration must be between ${MIN_GRANT_SECONDS} s and the ${asked.durationSeconds} s asked`,
    );
  }
  // Keep the site's order (and drop repeats), whatever order the popup sent.
  return {
    records: asked.records.filter((r) => records.includes(r)),
    fields: asked.fields.length > 0 ? asked.fields.filter((f) => fields.includes(f)) : [...new Set(fields)],
    durationSeconds,
  };
}

function isStringList(value: unknown): value is string[] {
  return (
    Array.isArray(value) &&
    value.length <= 64 &&
    value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 200)
  );
}
