// Verification: after an action ran, did the violation its ticket was about clear in time? Pure:
// the caller says whether the violation still holds and what time it is.
import type { Verification } from "./action-store.ts";

export interface VerificationInput {
  /** Does the ticket's violation (`invariant:resource`) still show in the latest check? */
  stillViolated: boolean;
  now: number;
  /** Epoch ms by which it had to clear. */
  verifyBy: number;
}

export function verificationOutcome(input: VerificationInput): Verification {
  if (!input.stillViolated) return "verified";
  return input.now >= input.verifyBy ? "not_verified" : "pending";
}
