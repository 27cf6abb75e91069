/** Every frame a router reads on the client and forward protocols is checked against the schema first. */
import { HipError, HipErrorCode } from '../protocol/errors.ts';
import { type RequestFrame, requestFrame } from '../protocol/messages.ts';

/** The request in `raw`, or BAD_REQUEST naming the first field that is wrong. */
export function validatedRequest(raw: unknown): RequestFrame {
  const parsed = requestFrame.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HipError(
      HipErrorCode.badRequest,
      `invalid request: ${issue?.path.join('.') || '(frame)'}: ${issue?.message}`,
    );
  }
  return parsed.data;
}
