/** Asserting AWS errors as the SDK surfaces them. */
import assert from "node:assert/strict";

export type SdkError = Error & { $metadata?: { httpStatusCode?: number } };

/** Runs `fn`, expecting it to fail with the SDK exception `name` (and HTTP `status`); returns the error. */
export async function rejects(fn: () => Promise<unknown>, name: string, status?: number): Promise<SdkError> {
  try {
    await fn();
  } catch (e) {
    const err = e as SdkError;
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
    if (status !== undefined) assert.equal(err.$metadata?.httpStatusCode, status);
    return err;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}
